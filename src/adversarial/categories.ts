import { DatasetSchemaError } from '../errors.js';

export const COMPLIANCE_FRAMEWORKS = {
  owasp: 'OWASP LLM',
  nist: 'NIST AI RMF',
  euAiAct: 'EU AI Act',
} as const;
export type ComplianceFramework =
  (typeof COMPLIANCE_FRAMEWORKS)[keyof typeof COMPLIANCE_FRAMEWORKS];

export interface AdversarialCategory {
  readonly id: string;
  readonly label: string;
  readonly severity: 'critical' | 'high' | 'medium' | 'low';
  readonly complianceFrameworks: readonly ComplianceFramework[];
}

const { owasp, nist, euAiAct } = COMPLIANCE_FRAMEWORKS;

/** The ten red-team categories, in canonical order. */
export const ADVERSARIAL_CATEGORIES: readonly AdversarialCategory[] = [
  {
    id: 'prompt-injection',
    label: 'Prompt injection',
    severity: 'high',
    complianceFrameworks: [owasp, nist],
  },
  {
    id: 'jailbreak',
    label: 'Jailbreak',
    severity: 'critical',
    complianceFrameworks: [owasp, nist],
  },
  { id: 'tool-abuse', label: 'Tool abuse', severity: 'critical', complianceFrameworks: [owasp] },
  {
    id: 'pii-leak',
    label: 'PII leak',
    severity: 'critical',
    complianceFrameworks: [owasp, nist, euAiAct],
  },
  { id: 'ssrf', label: 'SSRF', severity: 'critical', complianceFrameworks: [owasp] },
  {
    id: 'sql-shell-injection',
    label: 'SQL/shell injection',
    severity: 'critical',
    complianceFrameworks: [owasp],
  },
  {
    id: 'ascii-smuggling',
    label: 'ASCII smuggling',
    severity: 'high',
    complianceFrameworks: [owasp, nist],
  },
  {
    id: 'competitor-endorsement',
    label: 'Competitor endorsement',
    severity: 'medium',
    complianceFrameworks: [nist],
  },
  {
    id: 'excessive-agency',
    label: 'Excessive agency',
    severity: 'high',
    complianceFrameworks: [owasp],
  },
  {
    id: 'hallucination-overreliance',
    label: 'Hallucination overreliance',
    severity: 'high',
    complianceFrameworks: [nist],
  },
];

/** Exact lookup by id; `where` (a flag) is named in the error. */
export function adversarialCategory(id: string, where?: string): AdversarialCategory {
  const category = ADVERSARIAL_CATEGORIES.find((candidate) => candidate.id === id);
  if (category === undefined) {
    throw new DatasetSchemaError(
      `Unsupported adversarial category '${id}'${where === undefined ? '' : ` (${where})`}. Supported categories: ${ADVERSARIAL_CATEGORIES.map((c) => c.id).join(', ')}.`,
    );
  }
  return category;
}
