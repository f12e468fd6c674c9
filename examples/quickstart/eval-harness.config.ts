import { defineConfig } from 'eval-harness';

// Paths are relative to this file. Run it with `npm run demo`, or from this folder with
// `npx eval-harness run quickstart`.
export default defineConfig({
  datasets: {
    quickstart: {
      path: './golden/support-faq.yml',
      metrics: ['contains', 'rouge-l', 'citation-groundedness'],
    },
  },
  sut: { type: 'module', path: './sut.mjs', export: 'default' },
});
