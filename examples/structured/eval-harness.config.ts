import { defineConfig } from 'eval-harness';

// The structured-output example: the assistant answers with JSON, checked against a JSON Schema
// and, per sample, for the fields that sample must hold. From the repository root:
//   npm run demo:structured
export default defineConfig({
  datasets: {
    'structured.orders': { path: './golden.yml', metrics: ['is-json'] },
  },
  sut: { type: 'module', path: './sut.mjs' },
});
