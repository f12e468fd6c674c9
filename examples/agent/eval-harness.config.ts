import { defineConfig } from 'eval-harness';

// The agent example: the trajectory scored tool by tool. From the repository root:
//   npm run demo:agent
export default defineConfig({
  datasets: {
    'agent.support': {
      path: './golden.yml',
      metrics: [
        'tool-called',
        'tool-not-called',
        'tool-call-order',
        'tool-called-with',
        'steps-below',
        'approval-gated',
        'no-pending-approvals',
      ],
    },
  },
  sut: { type: 'module', path: './sut.mjs' },
});
