import { describe, expect, it } from 'vitest';
import { MetricError } from '../../src/errors.js';
import { MetricRegistry, type Metric } from '../../src/metrics/index.js';
import type { SutAnswer, TrajectoryStep } from '../../src/sut/index.js';
import { sample } from '../helpers/samples.js';

const registry = new MetricRegistry();
const metric = (name: string): Metric => registry.resolve(name);

/** Score a trajectory against `metadata.trajectory`. */
function scoreOf(name: string, expectation: Record<string, unknown>, steps: TrajectoryStep[]) {
  const answer: SutAnswer = { output: 'done', trajectory: steps };
  return metric(name).score(sample('done', { trajectory: expectation }), 'done', answer);
}

const STEPS: TrajectoryStep[] = [
  { tool: 'search', args: { query: 'refund policy', limit: 5 } },
  { tool: 'read', args: { id: 'd1' } },
  { tool: 'refund', args: { order: 'A-1', amount: 20 }, approval: 'approved' },
  { tool: 'email', args: { to: 'customer' }, approval: 'pending' },
];

describe('trajectory metrics on worked examples', () => {
  it('tool-called gives partial credit for the fraction of tools called', () => {
    expect(scoreOf('tool-called', { tools: ['search', 'refund'] }, STEPS)).toEqual({
      score: 1,
      details: { missing: [] },
    });
    expect(
      scoreOf('tool-called', { tools: ['search', 'escalate', 'close', 'read'] }, STEPS),
    ).toEqual({
      score: 0.5,
      details: { missing: ['escalate', 'close'] },
    });
  });

  it('tool-not-called fails when any forbidden tool ran', () => {
    expect(
      scoreOf('tool-not-called', { forbidden_tools: ['delete_account'] }, STEPS),
    ).toMatchObject({ score: 1 });
    expect(scoreOf('tool-not-called', { forbidden_tools: ['email', 'wipe'] }, STEPS)).toEqual({
      score: 0,
      details: { forbidden_called: ['email'] },
    });
  });

  it('tool-call-order accepts other calls in between, not a different order', () => {
    expect(scoreOf('tool-call-order', { order: ['search', 'refund'] }, STEPS)).toMatchObject({
      score: 1,
    });
    expect(scoreOf('tool-call-order', { order: ['refund', 'search'] }, STEPS)).toMatchObject({
      score: 0,
    });
  });

  it('tool-called-with matches an argument subset, one expectation or several', () => {
    expect(
      scoreOf(
        'tool-called-with',
        { called_with: { tool: 'refund', args: { order: 'A-1' } } },
        STEPS,
      ),
    ).toMatchObject({ score: 1 });
    expect(
      scoreOf(
        'tool-called-with',
        {
          called_with: [
            { tool: 'search', args: { query: 'refund policy' } },
            { tool: 'refund', args: { amount: 200 } },
          ],
        },
        STEPS,
      ),
    ).toEqual({ score: 0.5, details: { unmet: ['refund'] } });
  });

  it('steps-below compares the number of steps with max_steps', () => {
    expect(scoreOf('steps-below', { max_steps: 4 }, STEPS)).toMatchObject({ score: 1 });
    expect(scoreOf('steps-below', { max_steps: 3 }, STEPS)).toEqual({
      score: 0,
      details: { steps: 4, max_steps: 3 },
    });
  });

  it('approval-gated needs every gated step approved; no-pending-approvals needs none pending', () => {
    expect(scoreOf('approval-gated', { approval_required: ['refund'] }, STEPS)).toMatchObject({
      score: 1,
    });
    expect(scoreOf('approval-gated', { approval_required: ['refund', 'email'] }, STEPS)).toEqual({
      score: 0,
      details: { unapproved: ['email'] },
    });
    expect(scoreOf('no-pending-approvals', {}, STEPS)).toEqual({
      score: 0,
      details: { pending: ['email'] },
    });
    expect(scoreOf('no-pending-approvals', {}, STEPS.slice(0, 3))).toMatchObject({ score: 1 });
  });
});

describe('trajectory metrics refuse what they cannot judge', () => {
  it('a sample with no recorded trajectory is a failure naming the sample, never a score', () => {
    for (const name of ['tool-not-called', 'no-pending-approvals', 'steps-below']) {
      const score = () =>
        metric(name).score(
          sample('x', { trajectory: { forbidden_tools: ['a'] } }, 'agent-1'),
          'x',
          {
            output: 'x',
          },
        );
      expect(score).toThrow(MetricError);
      expect(score).toThrow("Sample 'agent-1' has no trajectory: no trajectory was recorded");
    }
  });

  it('names the sample and the metadata that is wrong', () => {
    expect(() => scoreOf('tool-called', {}, STEPS)).toThrow(
      "Sample 's1' needs metadata.trajectory.tools for tool-called metric.",
    );
    expect(() => scoreOf('tool-called', { tools: 'search' }, STEPS)).toThrow(
      "Sample 's1' metadata.trajectory.tools must be a list of tool names; got a string",
    );
    expect(() => scoreOf('steps-below', { max_steps: -1 }, STEPS)).toThrow(
      'metadata.trajectory.max_steps must be a whole number >= 0; got a number (-1)',
    );
    expect(() => scoreOf('tool-called-with', { called_with: [{ tool: 'x' }] }, STEPS)).toThrow(
      'metadata.trajectory.called_with[0] must be { tool: name, args: { … } }',
    );
  });
});
