import { errorMessage } from '../errors.js';
import { extractUsage } from '../providers/provider-usage.js';
import { retryAfterMs } from '../providers/http-client.js';
import { SutCallError } from './sample-runner.js';
import { isPlainObject } from '../values.js';
import type { SampleRunner } from './sample-runner.js';
import type { SutAnswer, SutUsage } from './sut-answer.js';
import { cacheKey, markCached, type ResponseCache } from '../response-cache.js';
import { fillJson, fillText } from './template.js';

export interface HttpRunnerSpec {
  readonly flavor: 'openai-chat' | 'json';
  readonly endpoint: string;
  readonly model?: string | undefined;
  /** Resolved from the env variable the config names; never from config text or flags. */
  readonly apiKey?: string | undefined;
  readonly system?: string | undefined;
  readonly promptTemplate?: string | undefined;
  readonly method?: 'POST' | 'PUT' | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly body?: unknown;
  readonly outputPath?: string | undefined;
  /** json flavor: where the response holds the retrieved documents (a list). */
  readonly retrievedPath?: string | undefined;
  /** json flavor: where the response holds the agent's tool steps (a list). */
  readonly trajectoryPath?: string | undefined;
  readonly timeoutSeconds?: number | undefined;
}

/**
 * An HTTP system under test. Errors name the status and the sample, never the response body or
 * the key, and say whether a retry may help: network failures, 429 and 5xx may (with the
 * server's `Retry-After`, capped at 60 s); other statuses and unreadable bodies will not. A
 * cache, when given (the config's `sut.cache: true`), answers a repeated request without it.
 */
export function createHttpRunner(spec: HttpRunnerSpec, cache?: ResponseCache): SampleRunner {
  return async (invocation, { signal }) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...spec.headers };
    if (spec.apiKey !== undefined && spec.apiKey !== '')
      headers['authorization'] = `Bearer ${spec.apiKey}`;
    const body =
      spec.flavor === 'openai-chat'
        ? {
            model: spec.model,
            messages: [
              ...(spec.system === undefined ? [] : [{ role: 'system', content: spec.system }]),
              { role: 'user', content: fillText(spec.promptTemplate ?? '{question}', invocation) },
            ],
          }
        : fillJson(spec.body, invocation);
    // Repeat r of a sample reuses repeat r of an earlier run; the n repeats of one run stay n
    // different calls. The key never holds the API key.
    const key = cacheKey({
      kind: 'sut',
      endpoint: spec.endpoint,
      method: spec.method ?? 'POST',
      body,
      repeat: invocation.repeat ?? 0,
    });
    const cached = await cache?.get(key);
    const json =
      cached === undefined ? await fetchJson(spec, headers, body, signal) : markCached(cached);
    if (cached === undefined) await cache?.set(key, json);
    const path =
      spec.flavor === 'openai-chat' ? 'choices.0.message.content' : (spec.outputPath as string);
    const output = valueAt(json, path);
    if (typeof output !== 'string')
      throw new SutCallError(`HTTP SUT response has no string at '${path}'`, { retryable: false });
    const usage = spec.flavor === 'openai-chat' ? chatUsage(json, spec.model) : undefined;
    if (spec.retrievedPath === undefined && spec.trajectoryPath === undefined)
      return usage === undefined ? output : { output, usage };
    // Checked with the rest of the answer by the caller; a missing list is reported by path.
    const list = (at: string | undefined) => {
      if (at === undefined) return undefined;
      const value = valueAt(json, at);
      if (!Array.isArray(value))
        throw new SutCallError(`HTTP SUT response has no list at '${at}'`, { retryable: false });
      return value;
    };
    const retrieved = list(spec.retrievedPath);
    const trajectory = list(spec.trajectoryPath);
    return {
      output,
      ...(retrieved === undefined ? {} : { retrieved }),
      ...(trajectory === undefined ? {} : { trajectory }),
      ...(usage === undefined ? {} : { usage }),
    } as SutAnswer;
  };
}

/** An OpenAI-format response's token usage, attributed to the configured model. */
function chatUsage(json: unknown, model: string | undefined): SutUsage | undefined {
  if (model === undefined) return undefined;
  // The providers' reading of an OpenAI `usage` block: the same fields, the same validation.
  const usage = extractUsage(json);
  if (usage.cached === true) return { model, inputTokens: 0, outputTokens: 0, cached: true };
  if (usage.prompt_tokens === undefined && usage.completion_tokens === undefined) return undefined;
  return {
    model,
    inputTokens: usage.prompt_tokens ?? 0,
    outputTokens: usage.completion_tokens ?? 0,
  };
}

/** The value at a dotted path (`data.items.0.text`), or undefined. */
function valueAt(json: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (value, key) =>
        Array.isArray(value) ? value[Number(key)] : isPlainObject(value) ? value[key] : undefined,
      json,
    );
}

async function fetchJson(
  spec: HttpRunnerSpec,
  headers: Record<string, string>,
  body: unknown,
  signal: AbortSignal,
): Promise<unknown> {
  const signals = [
    signal,
    ...(spec.timeoutSeconds === undefined ? [] : [AbortSignal.timeout(spec.timeoutSeconds * 1000)]),
  ];
  let response: Response;
  try {
    response = await fetch(spec.endpoint, {
      method: spec.method ?? 'POST',
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.any(signals),
    });
  } catch (error) {
    // Cancelled by the run (a timeout, an interrupt): the caller words that; never retried here.
    throw new SutCallError(
      `HTTP SUT request to ${new URL(spec.endpoint).host} failed: ${error instanceof Error && error.cause instanceof Error ? error.cause.message : errorMessage(error)}`,
      { retryable: !signal.aborted, cause: error },
    );
  }
  if (!response.ok) {
    // The body is discarded to free the connection; the status is the error to report.
    await response.body?.cancel().catch(() => undefined);
    const transient = response.status === 429 || response.status >= 500;
    const wait = transient ? retryAfterMs(response.headers.get('retry-after')) : undefined;
    throw new SutCallError(`HTTP SUT answered HTTP ${response.status}`, {
      retryable: transient,
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    });
  }
  try {
    return await response.json();
  } catch {
    throw new SutCallError('HTTP SUT answered with a body that is not JSON', { retryable: false });
  }
}
