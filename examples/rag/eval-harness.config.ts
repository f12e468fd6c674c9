import { defineConfig } from 'eval-harness';

// The RAG example: answer and retrieval scored in one run. From the repository root:
//   npm run demo:rag
export default defineConfig({
  datasets: {
    'rag.handbook': {
      path: './golden.yml',
      metrics: [
        'contains',
        'retrieval-hit-at-k',
        'retrieval-recall-at-k',
        'retrieval-mrr',
        'retrieval-ndcg-at-k',
        'answer-containment-at-k',
      ],
    },
  },
  sut: { type: 'module', path: './sut.mjs' },
  metrics: { retrieval: { defaultK: 3 } },
});
