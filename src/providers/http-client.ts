import { MetricError, errorMessage } from '../errors.js';
import { cacheKey, markCached, type ResponseCache } from '../response-cache.js';

/** `Retry-After` is honoured up to this long. */
export const MAX_RETRY_AFTER_MS = 60_000;

export interface ProviderRequestOptions {
  /** `Embeddings` or `LLM judge`: names the operation in messages. */
  readonly operation: string;
  readonly endpoint: string;
  readonly apiKey: string;
  readonly timeoutSeconds: number;
  /** Extra attempts after the first (runtime.providerRetryAttempts). */
  readonly retryAttempts: number;
  /** Base sleep between attempts; doubles each retry (runtime.providerRetrySleepMs). */
  readonly retrySleepMs: number;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Answers kept from earlier runs; a hit makes no request and costs nothing. */
  readonly cache?: ResponseCache | undefined;
}

export interface ProviderResponse {
  readonly status: number;
  /** Parsed JSON body, or `{}` when the body is not JSON. */
  readonly body: unknown;
}

/**
 * POST JSON with retries (docs/METRICS.md, providers): transport failures, 429 and
 * 5xx are retried with a backoff that doubles, a `Retry-After` header is honoured (capped at
 * 60 s). Other errors are not retried. Messages never contain the API key or a response body.
 */
export async function postJson(
  payload: unknown,
  options: ProviderRequestOptions,
): Promise<ProviderResponse> {
  if (options.cache === undefined) return postJsonUncached(payload, options);
  // The key holds what decides the answer: where it was asked, and what (the model is in it).
  const key = cacheKey({ kind: 'provider', endpoint: options.endpoint, payload });
  const cached = await options.cache.get(key);
  if (cached !== undefined) return { status: 200, body: markCached(cached) };
  const response = await postJsonUncached(payload, options);
  if (response.status < 400) await options.cache.set(key, response.body);
  return response;
}

async function postJsonUncached(
  payload: unknown,
  options: ProviderRequestOptions,
): Promise<ProviderResponse> {
  const doFetch = options.fetch ?? fetch;
  const sleep =
    options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const maxAttempts = options.retryAttempts + 1;
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (options.apiKey !== '') headers['Authorization'] = `Bearer ${options.apiKey}`;
  const body = JSON.stringify(payload);

  for (let attempt = 1; ; attempt++) {
    let response: Response;
    try {
      response = await doFetch(options.endpoint, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(options.timeoutSeconds * 1000),
      });
    } catch (error) {
      if (!isTransportError(error)) throw error;
      if (attempt >= maxAttempts) {
        throw new MetricError(
          `${options.operation} request failed before receiving a response after ${maxAttempts} attempt(s): ${transportReason(error)}.`,
          { cause: error },
        );
      }
      await sleep(backoffMs(options.retrySleepMs, attempt));
      continue;
    }
    const retryable = response.status === 429 || response.status >= 500;
    if (retryable && attempt < maxAttempts) {
      // The body is discarded to free the connection before the retry.
      await response.body?.cancel().catch(() => undefined);
      await sleep(
        retryAfterMs(response.headers.get('retry-after')) ??
          backoffMs(options.retrySleepMs, attempt),
      );
      continue;
    }
    const text = await response.text().catch(() => '');
    let parsed: unknown = {};
    try {
      parsed = text === '' ? {} : JSON.parse(text);
    } catch {
      parsed = {};
    }
    return { status: response.status, body: parsed };
  }
}

/** fetch's network failures and timeouts; anything else is a programming or setup error. */
function isTransportError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    error.name === 'TimeoutError' ||
    error.name === 'AbortError' ||
    (error instanceof TypeError && /fetch failed|network|socket/i.test(error.message))
  );
}

function transportReason(error: unknown): string {
  const cause =
    error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
  return (cause ?? errorMessage(error) ?? (error as Error).name).replace(/\.$/, '');
}

function backoffMs(baseMs: number, attempt: number): number {
  return baseMs === 0 ? 0 : Math.min(baseMs * 2 ** (attempt - 1), MAX_RETRY_AFTER_MS);
}

/** Seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS);
}
