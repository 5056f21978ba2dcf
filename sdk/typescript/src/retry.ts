import { Code } from "@connectrpc/connect";
import { hasProposeFailure, type SynodError } from "./errors.js";

/**
 * How long a command whose outcome is unknown is retried when its call
 * has no deadline: the gateway's own default deadline for a Propose.
 */
export const defaultRetryWindowMs = 10_000;

/**
 * newKey returns an idempotency key: the time in Unix milliseconds (12 hex
 * digits), then a random UUID. Keys that rise with time cost a shard less
 * to look up and keep than random ones; the random part keeps them unique
 * and unguessable.
 */
export function newKey(): string {
  return Date.now().toString(16).padStart(12, "0") + globalThis.crypto.randomUUID();
}

const firstBackoffMs = 50;
const maxBackoffMs = 1_000;

/**
 * Deadline is a call's end in time: every attempt of a retried call gets
 * what is left of it as its Connect timeout.
 */
export class Deadline {
  private readonly end: number;

  constructor(
    timeoutMs: number,
    /** Whether the caller chose it; else it bounds only retries. */
    readonly explicit: boolean,
  ) {
    this.end = Date.now() + timeoutMs;
  }

  remainingMs(): number {
    return Math.max(0, this.end - Date.now());
  }
}

/**
 * retryable reports whether a keyed command that failed with err should be
 * sent again: its outcome is unknown (Synod said so, or its answer never
 * arrived), or the cluster was unavailable. Resending a keyed command is
 * always safe, since it runs at most once.
 */
export function retryable(err: SynodError): boolean {
  if (err.code === Code.Canceled || err.code === Code.DeadlineExceeded) {
    return false;
  }
  if (err.code === Code.Unavailable || err.applied === "unknown" && hasProposeFailure(err)) {
    return true;
  }
  // No answer from Synod: a network error or a proxy's refusal.
  return !hasProposeFailure(err) && err.code === Code.Unknown;
}

/**
 * withRetries runs attempt until it succeeds, fails for good, or the
 * deadline leaves no time, sleeping an exponentially growing, jittered
 * pause between attempts. It throws the last attempt's error.
 */
export async function withRetries<T>(
  deadline: Deadline,
  signal: AbortSignal | undefined,
  shouldRetry: (err: SynodError) => boolean,
  attempt: (timeoutMs: number | undefined) => Promise<T>,
): Promise<T> {
  let backoff = firstBackoffMs;
  for (;;) {
    try {
      return await attempt(deadline.explicit ? Math.max(1, deadline.remainingMs()) : undefined);
    } catch (e) {
      const err = e as SynodError;
      const pause = backoff / 2 + Math.random() * (backoff / 2);
      if (!shouldRetry(err) || signal?.aborted || pause >= deadline.remainingMs()) {
        throw err;
      }
      await sleep(pause, signal);
      backoff = Math.min(backoff * 2, maxBackoffMs);
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
