/**
 * A rejected input: the HTTP status to answer with and the field at fault, so a device
 * developer reads what to fix (`{"error": "…", "field": "phenomenonTime"}`).
 */
export class FeedInputError extends Error {
  readonly status: 400 | 404 | 405 | 413 | 415;
  readonly field: string | undefined;

  constructor(status: 400 | 404 | 405 | 413 | 415, message: string, field?: string) {
    super(message);
    this.name = 'FeedInputError';
    this.status = status;
    this.field = field;
  }

  toJSON() {
    return { error: this.message, ...(this.field ? { field: this.field } : {}) };
  }
}

/** Limits on what the hub accepts; the same for HTTP and MQTT. */
export const INGEST_LIMITS = {
  /** One SensorThings request or MQTT message (an Observation, or a deep-inserted Datastream). */
  maxJsonBytes: 64 * 1024,
  /** A TrafficFlowObserved batch or a GTFS-rt feed. */
  maxBatchBytes: 2 * 1024 * 1024,
  /**
   * Deepest nesting of arrays and objects in a JSON body: SensorThings needs a handful; a
   * hostile body nested thousands deep would cost every later JSON walk (and stack) dearly.
   */
  maxJsonDepth: 64,
  /** Device clocks drift; beyond this an observation "from the future" is an error. */
  maxFutureSkewMs: 5 * 60_000,
} as const;

/** Parses an ISO 8601 instant with a time zone; undefined if it is not one. */
export function parseInstant(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  // Date.parse accepts many shapes; require a date, a time and a zone, as SensorThings does.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

export function checkNotFuture(ms: number, nowMs: number, field: string): void {
  if (ms > nowMs + INGEST_LIMITS.maxFutureSkewMs) {
    throw new FeedInputError(
      400,
      `${field} ${new Date(ms).toISOString()} is in the future (more than ${INGEST_LIMITS.maxFutureSkewMs / 60_000} min ahead of the hub's clock)`,
      field,
    );
  }
}

export function parseJsonBody(text: string, maxBytes: number = INGEST_LIMITS.maxJsonBytes): unknown {
  if (Buffer.byteLength(text) > maxBytes) {
    throw new FeedInputError(413, `payload is larger than ${maxBytes} bytes`, 'body');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new FeedInputError(400, `body is not valid JSON (${(error as Error).message})`, 'body');
  }
  if (jsonDepth(text) > INGEST_LIMITS.maxJsonDepth) {
    throw new FeedInputError(
      400,
      `body nests more than ${INGEST_LIMITS.maxJsonDepth} levels of arrays and objects`,
      'body',
    );
  }
  return value;
}

/** Deepest nesting of `[`/`{` in valid JSON text, strings skipped: one pass, no recursion. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}
