// Fails when src/ has an import circle: a group of modules that reach each other through static
// relative imports and re-exports, `import type` included (a type-only edge still ties the
// modules' designs together, even though the compiler erases it). Part of `npm run lint`, so
// domains keep pointing down (docs/ARCHITECTURE.md). Each circle is printed once, as the set of
// modules in it (a strongly connected component), with one path that closes it.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// The folder to check: src/ by default, another one for the script's own test.
const root = resolve(process.argv[2] ?? fileURLToPath(new URL('../src', import.meta.url)));
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (path.endsWith('.ts')) files.push(path);
  }
};
walk(root);

const STATIC_EDGE = /^(?:import|export)\s[^;]*?\sfrom\s+'(\.[^']+)\.js';/gms;
const imports = new Map(
  files.map((file) => [
    file,
    [...readFileSync(file, 'utf8').matchAll(STATIC_EDGE)].map((match) =>
      resolve(dirname(file), `${match[1]}.ts`),
    ),
  ]),
);

// Tarjan's strongly connected components, iterative over the module graph.
let counter = 0;
const index = new Map();
const low = new Map();
const onStack = new Set();
const stack = [];
const components = [];
const connect = (start) => {
  const frames = [{ file: start, next: 0 }];
  index.set(start, counter);
  low.set(start, counter++);
  stack.push(start);
  onStack.add(start);
  while (frames.length > 0) {
    const frame = frames[frames.length - 1];
    const targets = imports.get(frame.file) ?? [];
    if (frame.next < targets.length) {
      const target = targets[frame.next++];
      if (!imports.has(target)) continue;
      if (!index.has(target)) {
        index.set(target, counter);
        low.set(target, counter++);
        stack.push(target);
        onStack.add(target);
        frames.push({ file: target, next: 0 });
      } else if (onStack.has(target)) {
        low.set(frame.file, Math.min(low.get(frame.file), index.get(target)));
      }
      continue;
    }
    frames.pop();
    const parent = frames[frames.length - 1];
    if (parent !== undefined)
      low.set(parent.file, Math.min(low.get(parent.file), low.get(frame.file)));
    if (low.get(frame.file) === index.get(frame.file)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== frame.file);
      const selfImport = (imports.get(frame.file) ?? []).includes(frame.file);
      if (component.length > 1 || selfImport) components.push(component);
    }
  }
};
for (const file of files) if (!index.has(file)) connect(file);

/** One path from `from` back to itself inside its component, for the message. */
const closingPath = (from, members) => {
  const inside = new Set(members);
  const previous = new Map([[from, undefined]]);
  const queue = [from];
  while (queue.length > 0) {
    const file = queue.shift();
    for (const target of imports.get(file) ?? []) {
      if (target === from) {
        const path = [from];
        for (let at = file; at !== from; at = previous.get(at)) path.splice(1, 0, at);
        return [...path, from];
      }
      if (inside.has(target) && !previous.has(target)) {
        previous.set(target, file);
        queue.push(target);
      }
    }
  }
  return [from, from];
};

for (const component of components) {
  const names = component.map((file) => relative(root, file)).sort();
  const path = closingPath(component[0], component).map((file) => relative(root, file));
  console.error(
    `import circle of ${component.length} modules: ${names.join(', ')}\n  e.g. ${path.join(' -> ')}`,
  );
}
console.log(`${files.length} modules, ${components.length} import circles`);
process.exitCode = components.length > 0 ? 1 : 0;
