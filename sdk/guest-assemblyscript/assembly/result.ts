// What a handler returns: result bytes, or an application error.

/** The application error code of a Result.error whose code is 0 (which means success in the ABI). */
export const CODE_UNKNOWN: u32 = 1;

/**
 * The outcome of a handler. AssemblyScript has no exceptions to catch (a
 * `throw` traps the module), so a handler returns its application errors:
 *
 *     if (bad) return Result.error(400, "bad command");
 *     return Result.ok(bytes);
 *
 * An error rolls back every write of the call, and the client receives a
 * Connect failed_precondition error whose synod.v1.ApplicationError detail
 * holds the code and message. The codes' meaning is the module's to define.
 */
export class Result {
  private constructor(
    /** The result bytes of a success (null: empty). */
    readonly output: Uint8Array | null,
    /** The application error code, 0 for a success. */
    readonly code: u32,
    /** The application error's message for the client. */
    readonly message: string,
  ) {}

  /** A success whose result is `output` (null or empty: no result bytes). */
  static ok(output: Uint8Array | null = null): Result {
    return new Result(output, 0, "");
  }

  /** A success whose result is the UTF-8 encoding of `output`. */
  static text(output: string): Result {
    return new Result(Uint8Array.wrap(String.UTF8.encode(output)), 0, "");
  }

  /** An application error; code 0 is reported as CODE_UNKNOWN. */
  static error(code: u32, message: string): Result {
    return new Result(null, code == 0 ? CODE_UNKNOWN : code, message);
  }

  /** Reports whether this is an application error. */
  get isError(): bool {
    return this.code != 0;
  }
}

/**
 * A handler of update commands or queries: it gets the request's bytes
 * (valid only until it returns) and returns a [Result].
 */
export type Handler = (request: Uint8Array) => Result;
