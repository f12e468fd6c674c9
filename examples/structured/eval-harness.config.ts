import { defineConfig } from 'eval-harness';

// The structured-output example: the assistant answers with JSON, checked against a JSON Schema
// file and, per sample, for the fields that sample must hold; each answer must also cost at most
// $0.0002 by the price book below. From the repository root:
//   npm run demo:structured
export default defineConfig({
  datasets: {
    'structured.orders': {
      path: './golden.yml',
      metrics: [
        // Options sit beside the name; the schema path is relative to this file.
        { name: 'is-json', schema: './order.schema.json' },
        { name: 'cost', maxUsd: 0.0002 },
      ],
    },
  },
  sut: { type: 'module', path: './sut.mjs' },
  // USD per million tokens: what `cost` prices each answer's reported tokens with.
  costs: { 'order-model': { inputPerMillion: 0.5, outputPerMillion: 1.5 } },
});
