import { Code, ConnectError } from "@connectrpc/connect";
import {
  Applied as AppliedEnum,
  ApplicationErrorSchema,
  type CommandError,
  ProposeFailureSchema,
} from "./gen/synod/v1/data_pb.js";

/**
 * Whether a failed command took effect.
 *
 * - `"no"`: it certainly did not run; sending it again is safe.
 * - `"unknown"`: it may or may not have run; send it again only with the
 *   same idempotency key, or if running it twice is harmless.
 * - `"yes"`: it ran and the module rejected it or trapped; none of its
 *   writes were kept, and sending it again runs it again.
 */
export type Applied = "yes" | "no" | "unknown";

/** The module's own error: its code and message. */
export interface ApplicationError {
  code: number;
  message: string;
}

/** The header in which Synod reports the fuel a Propose or Query used. */
export const fuelUsedHeader = "Synod-Fuel-Used";

/**
 * SynodError is what every method of {@link SynodClient} throws. It says
 * what went wrong in data, so that code decides from fields, never from
 * message text.
 */
export class SynodError extends Error {
  override name = "SynodError";
  /** The Connect code: `Code.FailedPrecondition`, `Code.Unauthenticated`... */
  readonly code: Code;
  /** The message without the code's prefix. */
  readonly rawMessage: string;
  /**
   * For a failed command (propose, or one command of a batch): whether it
   * was applied. Undefined for other calls.
   */
  readonly applied?: Applied;
  /** The module's error, when the module rejected the command or query. */
  readonly applicationError?: ApplicationError;
  /** The fuel the call used, when Synod reported it. */
  readonly fuelUsed?: bigint;

  constructor(init: {
    code: Code;
    message: string;
    applied?: Applied;
    applicationError?: ApplicationError;
    fuelUsed?: bigint;
    cause?: unknown;
  }) {
    super(`[${codeName(init.code)}] ${init.message}`, { cause: init.cause });
    this.code = init.code;
    this.rawMessage = init.message;
    this.applied = init.applied;
    this.applicationError = init.applicationError;
    this.fuelUsed = init.fuelUsed;
  }

  /** The code's name as Connect spells it on the wire: "failed_precondition". */
  get codeName(): string {
    return codeName(this.code);
  }
}

/**
 * toSynodError converts what a Connect call threw. For a command
 * (`command` true), Synod's ProposeFailure detail says whether it was
 * applied. A failure without one did not come from the gateway's handling
 * of the command: either the gateway refused the request before reading it
 * (no key or a wrong one, a rate limit, a malformed request), which the
 * codes in {@link refusedBeforeRunning} say and which ran nothing, or no
 * answer arrived (a network error), so whether the command ran is unknown.
 */
export function toSynodError(reason: unknown, command: boolean): SynodError {
  if (reason instanceof SynodError) {
    return reason;
  }
  const err = ConnectError.from(reason);
  const failure = err.findDetails(ProposeFailureSchema)[0];
  const app = err.findDetails(ApplicationErrorSchema)[0];
  let applied: Applied | undefined;
  if (command) {
    applied = failure ? appliedName(failure.applied) : refusedBeforeRunning.has(err.code) ? "no" : "unknown";
  }
  return new SynodError({
    code: err.code,
    message: err.rawMessage,
    applied,
    applicationError: app ? { code: app.code, message: app.message } : undefined,
    fuelUsed: parseFuel(err.metadata.get(fuelUsedHeader)),
    cause: err,
  });
}

/**
 * refusedBeforeRunning are the codes of a request refused as it arrived,
 * by the gateway or a proxy in front of it, never those of a command whose
 * answer was lost.
 */
const refusedBeforeRunning: ReadonlySet<Code> = new Set([
  Code.Unauthenticated,
  Code.PermissionDenied,
  Code.InvalidArgument,
  Code.ResourceExhausted,
  Code.Unimplemented,
]);

/**
 * hasProposeFailure reports whether Synod answered the failed command
 * itself, with a ProposeFailure detail.
 */
export function hasProposeFailure(err: SynodError): boolean {
  return err.cause instanceof ConnectError && err.cause.findDetails(ProposeFailureSchema).length > 0;
}

/** commandError converts the failure of one command of a batch. */
export function commandError(e: CommandError, fuelUsed: bigint): SynodError {
  return new SynodError({
    code: codeFromName(e.code),
    message: e.message,
    applied: appliedName(e.applied),
    applicationError: e.applicationError
      ? { code: e.applicationError.code, message: e.applicationError.message }
      : undefined,
    fuelUsed,
  });
}

function appliedName(a: AppliedEnum): Applied {
  switch (a) {
    case AppliedEnum.YES:
      return "yes";
    case AppliedEnum.NO:
      return "no";
    default:
      return "unknown";
  }
}

function parseFuel(v: string | null): bigint | undefined {
  if (v === null || !/^\d+$/.test(v)) {
    return undefined;
  }
  return BigInt(v);
}

// Connect's wire names, "failed_precondition", are the enum's names in
// snake case.
function codeName(code: Code): string {
  const name = Code[code] as string | undefined;
  return name === undefined ? `code_${code}` : name.replace(/[A-Z]/g, (c, i: number) => (i > 0 ? "_" : "") + c.toLowerCase());
}

function codeFromName(name: string): Code {
  for (const v of Object.values(Code)) {
    if (typeof v === "number" && codeName(v) === name) {
      return v;
    }
  }
  return Code.Unknown;
}
