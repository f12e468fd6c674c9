// Fails when src/ has an import cycle (static, relative imports; `import type` is erased and
// ignored). Part of `npm run lint`, so domains keep pointing down (docs/ARCHITECTURE.md).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../src', import.meta.url));
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (path.endsWith('.ts')) files.push(path);
  }
};
walk(root);

const imports = new Map(
  files.map((file) => [
    file,
    [...readFileSync(file, 'utf8').matchAll(/^import (?!type )[^;]*?from '(\.[^']+)\.js';/gms)].map(
      (match) => resolve(dirname(file), `${match[1]}.ts`),
    ),
  ]),
);

const state = new Map();
const stack = [];
const cycles = [];
const visit = (file) => {
  state.set(file, 'open');
  stack.push(file);
  for (const target of imports.get(file) ?? []) {
    if (state.get(target) === 'open') cycles.push([...stack.slice(stack.indexOf(target)), target]);
    else if (!state.has(target)) visit(target);
  }
  stack.pop();
  state.set(file, 'done');
};
for (const file of files) if (!state.has(file)) visit(file);

for (const cycle of cycles)
  console.error(`import cycle: ${cycle.map((file) => relative(root, file)).join(' -> ')}`);
console.log(`${files.length} modules, ${cycles.length} import cycles`);
process.exitCode = cycles.length > 0 ? 1 : 0;
