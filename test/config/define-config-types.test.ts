// defineConfig checks profiles at compile time too: `npm run typecheck` fails if one of the
// `@ts-expect-error` lines below stops being an error.
import { describe, expect, it } from 'vitest';
import { defineConfig } from '../../src/index.js';

describe('defineConfig', () => {
  it('types batch profiles, so a misspelt key or a wrong value does not compile', () => {
    const config = defineConfig({
      batches: {
        profiles: {
          nightly: { concurrency: 32, dispatch: 'windowed', rateLimit: null },
          local: { mode: 'concurrent', concurrency: '8' },
          // @ts-expect-error: a typo of concurrency
          typo: { concurency: 8 },
          // @ts-expect-error: not a dispatch strategy
          fast: { dispatch: 'sliding' },
          // @ts-expect-error: not a batch mode
          odd: { mode: 'parallel' },
        },
      },
    });
    // It is the identity at run time; the profile resolver still checks every value on load.
    expect(Object.keys(config.batches?.profiles ?? {})).toEqual([
      'nightly',
      'local',
      'typo',
      'fast',
      'odd',
    ]);
  });

  it('types metrics: custom metric modules by name, and the retrieval settings', () => {
    const config = defineConfig({
      metrics: {
        retrieval: { defaultK: 3 },
        mine: { path: './metric.mjs', export: 'default' },
        // @ts-expect-error: a custom metric needs a path
        broken: { export: 'x' },
      },
    });
    expect(config.metrics?.retrieval).toEqual({ defaultK: 3 });
  });
});
