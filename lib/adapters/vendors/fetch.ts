/**
 * GETs against a vendor's REST API, as a well-behaved client does: `429` waits for `Retry-After`
 * (seconds or an HTTP date; PagerDuty's `ratelimit-reset` too), a `5xx` or a network failure is
 * tried again with exponential backoff and jitter, and any other refusal fails at once with the
 * status and what the vendor said (a `401` names the credentials).
 */
export interface FetchOptions {
  /** Attempts for a 5xx or a network failure before giving up (429s do not count). */
  readonly attempts?: number;
  /** The first backoff; doubled per attempt, at most `maxDelayMs`. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Waits (for tests); default setTimeout. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Told of every wait: why and how long (progress shows it). */
  readonly onWait?: (reason: string, ms: number) => void;
  readonly timeoutMs?: number;
}

export class VendorError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const sleeper = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** How long a 429 asks to wait: `Retry-After` (seconds or a date), else `ratelimit-reset` (seconds). */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const after = headers.get('retry-after');
  if (after) {
    if (/^\d+(\.\d+)?$/.test(after.trim())) return Number(after) * 1000;
    const at = Date.parse(after);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const reset = headers.get('ratelimit-reset') ?? headers.get('x-ratelimit-reset');
  if (reset && /^\d+$/.test(reset.trim())) {
    const n = Number(reset);
    // an epoch time (Jira sends a date in X-RateLimit-Reset; some send epoch seconds) or a delay
    return n > 1e9 ? Math.max(0, n * 1000 - now) : n * 1000;
  }
  return undefined;
}

export async function getJson(url: string, headers: Record<string, string>, opts: FetchOptions = {}): Promise<unknown> {
  const { attempts = 6, baseDelayMs = 500, maxDelayMs = 30_000, sleep = sleeper, onWait, timeoutMs = 60_000 } = opts;
  let failures = 0;
  for (;;) {
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { accept: 'application/json', ...headers },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      failures++;
      if (failures >= attempts)
        throw new VendorError(`GET ${redact(url)} failed ${failures} times: ${(err as Error).message}`);
      const ms = backoff(failures, baseDelayMs, maxDelayMs);
      onWait?.(`network: ${(err as Error).message}`, ms);
      await sleep(ms);
      continue;
    }
    if (response.ok) return response.json();
    const text = (await response.text().catch(() => '')).slice(0, 300);
    if (response.status === 429) {
      const ms = retryAfterMs(response.headers) ?? backoff(1, baseDelayMs * 4, maxDelayMs);
      onWait?.('rate limited (429)', ms);
      await sleep(ms);
      continue;
    }
    if (response.status >= 500) {
      failures++;
      if (failures >= attempts)
        throw new VendorError(`GET ${redact(url)}: ${response.status} ${failures} times: ${text}`, response.status);
      const ms = backoff(failures, baseDelayMs, maxDelayMs);
      onWait?.(`server error ${response.status}`, ms);
      await sleep(ms);
      continue;
    }
    const hint =
      response.status === 401 || response.status === 403
        ? ' (check the credentials: the token file or the environment variable, and its permissions)'
        : '';
    throw new VendorError(`GET ${redact(url)}: ${response.status}${hint}: ${text}`, response.status);
  }
}

/** Full jitter: a random wait up to the doubled delay. */
const backoff = (failures: number, base: number, max: number) =>
  Math.round(Math.random() * Math.min(max, base * 2 ** (failures - 1)));

/** A URL as it may be printed: no query values that could carry a credential. */
const redact = (url: string) => url.replace(/([?&](?:token|api_key|key)=)[^&]*/gi, '$1…');
