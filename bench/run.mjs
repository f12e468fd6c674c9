// Benchmarks print figures and ratios; they never fail a build. Usage:
//   npm run bench            every suite
//   npm run bench -- core    one suite
import { benchCache } from './cache.mjs';
import { benchCore } from './core.mjs';
import { benchHtml } from './html.mjs';
import { benchProducer } from './producer.mjs';
import { benchQueue } from './queue.mjs';
import { benchScale } from './scale.mjs';

const suites = {
  core: benchCore,
  producer: benchProducer,
  queue: benchQueue,
  cache: benchCache,
  html: benchHtml,
  scale: benchScale,
};
const requested = process.argv.slice(2);
const names = requested.length > 0 ? requested : Object.keys(suites);
for (const name of names) {
  const suite = suites[name];
  if (suite === undefined) {
    console.error(`unknown benchmark '${name}'; available: ${Object.keys(suites).join(', ')}`);
    process.exitCode = 2;
    continue;
  }
  await suite();
}
