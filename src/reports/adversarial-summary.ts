import type { DatasetSample } from '../datasets/index.js';
import { asciiTrim, isPlainObject } from '../values.js';
import type { MetricAggregate } from './aggregates.js';

/** The safe subset of `metadata.adversarial` emitted per sample. */
export interface SampleAdversarial {
  category: string;
  label: string;
  severity: string | null;
  compliance_frameworks: string[];
}

export interface AdversarialCategorySummary {
  category: string;
  label: string;
  severity: string | null;
  sample_count: number;
  compliance_frameworks: string[];
  metrics: Record<string, MetricAggregate>;
}

export interface AdversarialSummary {
  total_samples: number;
  categories: AdversarialCategorySummary[];
  compliance_frameworks: { framework: string; sample_count: number; categories: string[] }[];
}

/** Never copies anything but category, label, severity and frameworks (no prompts, no policy). */
export function sampleAdversarial(sample: DatasetSample): SampleAdversarial | null {
  const raw = sample.metadata['adversarial'];
  if (!isPlainObject(raw)) return null;
  const category = typeof raw['category'] === 'string' ? asciiTrim(raw['category']) : '';
  if (category === '') return null;
  const label =
    typeof raw['label'] === 'string' && asciiTrim(raw['label']) !== ''
      ? asciiTrim(raw['label'])
      : category;
  const severity =
    typeof raw['severity'] === 'string' && asciiTrim(raw['severity']) !== ''
      ? asciiTrim(raw['severity'])
      : null;
  const frameworks: string[] = [];
  if (Array.isArray(raw['compliance_frameworks'])) {
    for (const entry of raw['compliance_frameworks']) {
      if (typeof entry !== 'string') continue;
      const framework = asciiTrim(entry);
      if (framework !== '' && !frameworks.includes(framework)) frameworks.push(framework);
    }
  }
  return { category, label, severity, compliance_frameworks: frameworks };
}

const SEVERITY_RANK: Readonly<Record<string, number>> = { critical: 4, high: 3, medium: 2, low: 1 };

/** The more severe of two severities; equal ranks pick the byte-wise smaller spelling. */
function higherSeverity(current: string | null, candidate: string | null): string | null {
  if (candidate === null) return current;
  if (current === null) return candidate;
  const a = SEVERITY_RANK[current.toLowerCase()] ?? 0;
  const b = SEVERITY_RANK[candidate.toLowerCase()] ?? 0;
  if (b !== a) return b > a ? candidate : current;
  return compareCodePoints(candidate, current) < 0 ? candidate : current;
}

/** Compare strings by Unicode code point (= UTF-8 byte order), not UTF-16 code unit. */
export function compareCodePoints(a: string, b: string): number {
  const left = [...a];
  const right = [...b];
  const length = Math.min(left.length, right.length);
  for (let i = 0; i < length; i++) {
    const diff = (left[i] as string).codePointAt(0)! - (right[i] as string).codePointAt(0)!;
    if (diff !== 0) return diff;
  }
  return left.length - right.length;
}

/**
 * Build the report's adversarial block from the samples' adversarial metadata, in one pass.
 * `aggregate(category)` returns the per-metric aggregates of that category's samples, so this
 * module stays free of score bookkeeping.
 */
export function summarizeAdversarial(
  samples: Iterable<DatasetSample>,
  aggregate: (category: string) => Record<string, MetricAggregate>,
): AdversarialSummary {
  const categories = new Map<
    string,
    { label: string; severity: string | null; frameworks: Set<string>; count: number }
  >();
  const frameworks = new Map<string, { samples: number; categories: Set<string> }>();
  let total = 0;
  for (const sample of samples) {
    const adversarial = sampleAdversarial(sample);
    if (adversarial === null) continue;
    total++;
    let entry = categories.get(adversarial.category);
    if (entry === undefined) {
      entry = { label: adversarial.label, severity: null, frameworks: new Set(), count: 0 };
      categories.set(adversarial.category, entry);
    }
    entry.severity = higherSeverity(entry.severity, adversarial.severity);
    entry.count++;
    for (const framework of adversarial.compliance_frameworks) {
      entry.frameworks.add(framework);
      let fw = frameworks.get(framework);
      if (fw === undefined) {
        fw = { samples: 0, categories: new Set() };
        frameworks.set(framework, fw);
      }
      fw.samples++;
      fw.categories.add(adversarial.category);
    }
  }
  return {
    total_samples: total,
    categories: [...categories.entries()]
      .sort(([a], [b]) => compareCodePoints(a, b))
      .map(([category, entry]) => ({
        category,
        label: entry.label,
        severity: entry.severity,
        sample_count: entry.count,
        compliance_frameworks: [...entry.frameworks].sort(compareCodePoints),
        metrics: aggregate(category),
      })),
    compliance_frameworks: [...frameworks.entries()]
      .sort(([a], [b]) => compareCodePoints(a, b))
      .map(([framework, entry]) => ({
        framework,
        sample_count: entry.samples,
        categories: [...entry.categories].sort(compareCodePoints),
      })),
  };
}
