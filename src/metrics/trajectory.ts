import { isDeepStrictEqual } from 'node:util';
import type { DatasetSample } from '../datasets/index.js';
import { MetricError } from '../errors.js';
import type { SutAnswer, TrajectoryStep } from '../sut/index.js';
import { debugType, isPlainObject } from '../values.js';
import { createMetricScore, type Metric, type MetricScore } from './metric.js';

/*
 * Agent trajectory metrics: they read the tool steps the SUT reported (`trajectory` in its
 * answer) against what the sample's `metadata.trajectory` expects. A sample with no recorded
 * trajectory is a failure, never a 0 and never a pass: an agent that reported nothing has not
 * shown that it avoided a forbidden tool.
 */

const fail = (sample: DatasetSample, metric: string, what: string): never => {
  throw new MetricError(`Sample '${sample.id}' ${what} for ${metric} metric.`);
};

abstract class TrajectoryMetric implements Metric {
  abstract readonly name: string;

  score(sample: DatasetSample, _actualOutput: string, answer?: SutAnswer): MetricScore {
    const steps = answer?.trajectory;
    if (steps === undefined)
      fail(
        sample,
        this.name,
        'has no trajectory: no trajectory was recorded (the SUT must return { output, trajectory: [{ tool, args?, approval? }] })',
      );
    return this.scoreSteps(sample, steps as readonly TrajectoryStep[]);
  }

  /** `metadata.trajectory.<key>`, required. */
  protected expectation(sample: DatasetSample, key: string): unknown {
    const trajectory = sample.metadata['trajectory'];
    if (!isPlainObject(trajectory) || !(key in trajectory))
      fail(sample, this.name, `needs metadata.trajectory.${key}`);
    return (trajectory as Record<string, unknown>)[key];
  }

  protected toolList(sample: DatasetSample, key: string): string[] {
    const value = this.expectation(sample, key);
    if (!Array.isArray(value) || !value.every((tool) => typeof tool === 'string' && tool !== ''))
      fail(
        sample,
        this.name,
        `metadata.trajectory.${key} must be a list of tool names; got ${debugType(value)}`,
      );
    return value as string[];
  }

  protected abstract scoreSteps(
    sample: DatasetSample,
    steps: readonly TrajectoryStep[],
  ): MetricScore;
}

/** The fraction of `tools` that were called at least once. */
export class ToolCalledMetric extends TrajectoryMetric {
  readonly name = 'tool-called';

  protected scoreSteps(sample: DatasetSample, steps: readonly TrajectoryStep[]): MetricScore {
    const tools = [...new Set(this.toolList(sample, 'tools'))];
    if (tools.length === 0) fail(sample, this.name, 'metadata.trajectory.tools names no tool');
    const called = new Set(steps.map((step) => step.tool));
    const missing = tools.filter((tool) => !called.has(tool));
    return createMetricScore((tools.length - missing.length) / tools.length, { missing });
  }
}

/** 1 when no tool of `forbidden_tools` was called, else 0. */
export class ToolNotCalledMetric extends TrajectoryMetric {
  readonly name = 'tool-not-called';

  protected scoreSteps(sample: DatasetSample, steps: readonly TrajectoryStep[]): MetricScore {
    const forbidden = new Set(this.toolList(sample, 'forbidden_tools'));
    const called = [
      ...new Set(steps.map((step) => step.tool).filter((tool) => forbidden.has(tool))),
    ];
    return createMetricScore(called.length === 0 ? 1 : 0, { forbidden_called: called });
  }
}

/** 1 when the tools of `order` were called in that order (others may come between), else 0. */
export class ToolCallOrderMetric extends TrajectoryMetric {
  readonly name = 'tool-call-order';

  protected scoreSteps(sample: DatasetSample, steps: readonly TrajectoryStep[]): MetricScore {
    const order = this.toolList(sample, 'order');
    let next = 0;
    for (const step of steps) if (step.tool === order[next]) next++;
    return createMetricScore(next >= order.length ? 1 : 0, {
      matched: next,
      expected: order.length,
    });
  }
}

/**
 * The fraction of `called_with` expectations (`{ tool, args }`, or a list of them) met: some
 * step called the tool with every given argument equal (other arguments may differ).
 */
export class ToolCalledWithMetric extends TrajectoryMetric {
  readonly name = 'tool-called-with';

  protected scoreSteps(sample: DatasetSample, steps: readonly TrajectoryStep[]): MetricScore {
    const raw = this.expectation(sample, 'called_with');
    const expected = Array.isArray(raw) ? raw : [raw];
    if (expected.length === 0) fail(sample, this.name, 'metadata.trajectory.called_with is empty');
    const unmet: string[] = [];
    for (const [index, entry] of expected.entries()) {
      if (
        !isPlainObject(entry) ||
        typeof entry['tool'] !== 'string' ||
        !isPlainObject(entry['args'])
      )
        fail(
          sample,
          this.name,
          `metadata.trajectory.called_with[${index}] must be { tool: name, args: { … } }; got ${debugType(entry)}`,
        );
      const { tool, args } = entry as { tool: string; args: Record<string, unknown> };
      const met = steps.some(
        (step) =>
          step.tool === tool &&
          Object.entries(args).every(([key, value]) => isDeepStrictEqual(step.args?.[key], value)),
      );
      if (!met) unmet.push(tool);
    }
    return createMetricScore((expected.length - unmet.length) / expected.length, { unmet });
  }
}

/** 1 when the agent took at most `max_steps` steps, else 0. */
export class StepsBelowMetric extends TrajectoryMetric {
  readonly name = 'steps-below';

  protected scoreSteps(sample: DatasetSample, steps: readonly TrajectoryStep[]): MetricScore {
    const max = this.expectation(sample, 'max_steps');
    if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 0)
      fail(
        sample,
        this.name,
        `metadata.trajectory.max_steps must be a whole number >= 0; got ${debugType(max)}`,
      );
    return createMetricScore(steps.length <= (max as number) ? 1 : 0, {
      steps: steps.length,
      max_steps: max,
    });
  }
}

/** 1 when every step of a tool in `approval_required` ran approved, else 0. */
export class ApprovalGatedMetric extends TrajectoryMetric {
  readonly name = 'approval-gated';

  protected scoreSteps(sample: DatasetSample, steps: readonly TrajectoryStep[]): MetricScore {
    const gated = new Set(this.toolList(sample, 'approval_required'));
    const unapproved = steps
      .filter((step) => gated.has(step.tool) && step.approval !== 'approved')
      .map((step) => step.tool);
    return createMetricScore(unapproved.length === 0 ? 1 : 0, {
      unapproved: [...new Set(unapproved)],
    });
  }
}

/** 1 when no step was left waiting for an approval, else 0. */
export class NoPendingApprovalsMetric extends TrajectoryMetric {
  readonly name = 'no-pending-approvals';

  protected scoreSteps(_sample: DatasetSample, steps: readonly TrajectoryStep[]): MetricScore {
    const pending = steps.filter((step) => step.approval === 'pending').map((step) => step.tool);
    return createMetricScore(pending.length === 0 ? 1 : 0, { pending: [...new Set(pending)] });
  }
}

/** The trajectory metrics by name. */
export const trajectoryMetrics = {
  'tool-called': () => new ToolCalledMetric(),
  'tool-not-called': () => new ToolNotCalledMetric(),
  'tool-call-order': () => new ToolCallOrderMetric(),
  'tool-called-with': () => new ToolCalledWithMetric(),
  'steps-below': () => new StepsBelowMetric(),
  'approval-gated': () => new ApprovalGatedMetric(),
  'no-pending-approvals': () => new NoPendingApprovalsMetric(),
} satisfies Record<string, () => Metric>;
