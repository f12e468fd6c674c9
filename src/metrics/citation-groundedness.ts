import type { DatasetSample } from '../datasets/index.js';
import { MetricError } from '../errors.js';
import { asciiTrim, isPlainObject } from '../values.js';
import { createMetricScore, type Metric, type MetricScore } from './metric.js';
import { normalizeQuote } from './text.js';

interface EvidenceSpan {
  citation: string;
  quotes: string[];
}

/**
 * Share of required citations (baseline mode) or citation+quote evidence spans (evidence mode)
 * found in the output. Details hold counts only, never the citation or quote strings.
 */
export class CitationGroundednessMetric implements Metric {
  readonly name = 'citation-groundedness';

  score(sample: DatasetSample, actualOutput: string): MetricScore {
    // The mode follows the presence of the key, even when its value is null.
    if ('citation_evidence' in sample.metadata) return this.scoreEvidence(sample, actualOutput);
    return this.scoreCitations(sample, actualOutput);
  }

  private scoreCitations(sample: DatasetSample, actualOutput: string): MetricScore {
    const raw = sample.metadata['citations'];
    const list = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : [];
    const citations: string[] = [];
    for (const entry of list) {
      if (typeof entry !== 'string') continue;
      const citation = asciiTrim(entry);
      if (citation !== '' && !citations.includes(citation)) citations.push(citation);
    }
    if (citations.length === 0) {
      throw new MetricError(
        `Sample '${sample.id}' metadata.citations must contain at least one citation string for citation-groundedness metric.`,
      );
    }
    const matched = citations.filter((citation) => actualOutput.includes(citation)).length;
    return createMetricScore(matched / citations.length, {
      mode: 'citations',
      required_citation_count: citations.length,
      matched_citation_count: matched,
      missing_citation_count: citations.length - matched,
    });
  }

  private scoreEvidence(sample: DatasetSample, actualOutput: string): MetricScore {
    const spans = parseEvidence(sample);
    if (!actualOutput.isWellFormed()) {
      throw new MetricError(
        `Sample '${sample.id}' actual_output must be valid UTF-8 for citation-groundedness metric.`,
      );
    }
    const normalizedActual = normalizeQuote(actualOutput);
    let matched = 0;
    let missingCitations = 0;
    let missingQuotes = 0;
    for (const span of spans) {
      const hasCitation = actualOutput.includes(span.citation);
      const hasQuote = span.quotes.some((quote) =>
        normalizedActual.includes(normalizeQuote(quote)),
      );
      if (hasCitation && hasQuote) {
        matched++;
        continue;
      }
      if (!hasCitation) missingCitations++;
      if (!hasQuote) missingQuotes++;
    }
    return createMetricScore(matched / spans.length, {
      mode: 'citation_evidence',
      required_evidence_count: spans.length,
      matched_evidence_count: matched,
      missing_citation_count: missingCitations,
      missing_quote_count: missingQuotes,
    });
  }
}

function parseEvidence(sample: DatasetSample): EvidenceSpan[] {
  const prefix = `Sample '${sample.id}' metadata.citation_evidence`;
  const raw = sample.metadata['citation_evidence'];
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new MetricError(`${prefix} must be a non-empty list of evidence spans.`);
  }
  return raw.map((entry, i) => {
    if (!isPlainObject(entry)) {
      throw new MetricError(`${prefix}[${i}] must be an object with citation and quote fields.`);
    }
    const citation = typeof entry['citation'] === 'string' ? asciiTrim(entry['citation']) : '';
    if (citation === '')
      throw new MetricError(`${prefix}[${i}].citation must be a non-empty string.`);

    const quotes: string[] = [];
    if ('quote' in entry && entry['quote'] !== undefined) {
      const quote = typeof entry['quote'] === 'string' ? asciiTrim(entry['quote']) : '';
      if (quote === '') throw new MetricError(`${prefix}[${i}].quote must be a non-empty string.`);
      quotes.push(quote);
    }
    if ('quotes' in entry && entry['quotes'] !== undefined) {
      const list = entry['quotes'];
      if (!Array.isArray(list))
        throw new MetricError(`${prefix}[${i}].quotes must be a list of non-empty strings.`);
      list.forEach((item, j) => {
        const quote = typeof item === 'string' ? asciiTrim(item) : '';
        // One bad entry fails the whole sample; it is never skipped.
        if (quote === '')
          throw new MetricError(`${prefix}[${i}].quotes[${j}] must be a non-empty string.`);
        if (!quotes.includes(quote)) quotes.push(quote);
      });
    }
    if (quotes.length === 0) {
      throw new MetricError(
        `${prefix}[${i}] must contain a non-empty quote string or quotes list.`,
      );
    }
    for (const quote of quotes) {
      if (!quote.isWellFormed()) {
        throw new MetricError(
          `Sample '${sample.id}' metadata.citation_evidence.quote must be valid UTF-8 for citation-groundedness metric.`,
        );
      }
    }
    return { citation, quotes };
  });
}
