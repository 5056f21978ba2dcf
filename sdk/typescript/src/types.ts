import type { SynodError } from "./errors.js";

/** Bytes for a module, or text, which is sent as UTF-8. */
export type Data = Uint8Array | string;

/** Options every call takes. */
export interface CallOptions {
  /**
   * The call's deadline in milliseconds, sent to Synod as its Connect
   * timeout. It bounds the whole call, retries included. Default: the
   * client's timeoutMs, else the gateway's (10 s; 2 min for an upload).
   * 0 or less is a deadline that has passed: the call fails with
   * DeadlineExceeded without being sent.
   */
  timeoutMs?: number;
  /** Cancels the call; it then fails with code Canceled. */
  signal?: AbortSignal;
  /** The namespace; default: the client's. */
  namespace?: string;
}

/** Options of {@link SynodClient.propose}. */
export interface ProposeOptions extends CallOptions {
  /**
   * Makes the command run at most once, however often it is sent: Synod
   * answers a repeat with the first result (`replayed` true). Default: a
   * new random UUID, so that the client may resend the command when its
   * outcome is unknown. `null` sends none: the command is then never
   * resent, and a failure whose `applied` is "unknown" is the caller's to
   * resolve.
   */
  idempotencyKey?: string | null;
}

/** A command of a batch: its bytes, or its bytes and its own key. */
export type BatchCommand = Data | { command: Data; idempotencyKey?: string | null };

/** Options of {@link SynodClient.proposeBatch}. */
export interface ProposeBatchOptions extends CallOptions {
  /**
   * Whether the batch keeps the writes of all of its commands or of none:
   * in an atomic batch, the first command that fails makes every one fail.
   * Default false: each command succeeds or fails on its own.
   */
  atomic?: boolean;
}

/** The outcome of a successful command. */
export interface ProposeResult {
  /** The bytes the module returned. */
  result: Uint8Array;
  /** The log index the command was committed at. */
  index: bigint;
  /** The fuel the command used. */
  fuelUsed: bigint;
  /**
   * Whether this is the result of an earlier command with the same
   * idempotency key (this call ran nothing).
   */
  replayed: boolean;
}

/** The outcome of one command of a batch. */
export type BatchItem =
  | ({ ok: true } & ProposeResult)
  | { ok: false; error: SynodError; index: bigint; fuelUsed: bigint };

/** The outcome of a batch. */
export interface BatchResult {
  /** Each command's outcome, in order. */
  results: BatchItem[];
  /** The log index the batch was committed at. */
  index: bigint;
  /** The fuel the batch's commands used. */
  fuelUsed: bigint;
}

/**
 * The consistency of a query: "linearizable" (the default) sees every
 * command committed before it started; "stale" reads one replica without a
 * round trip; {@link atLeastIndex} reads any replica once it has applied a
 * given index, such as the one a propose returned (read-your-writes).
 */
export type Consistency = "linearizable" | "stale" | { atLeastIndex: bigint };

/** A query that sees the effect of the command committed at index. */
export function atLeastIndex(index: bigint | number): Consistency {
  return { atLeastIndex: BigInt(index) };
}

/** Options of {@link SynodClient.query}. */
export interface QueryOptions extends CallOptions {
  /** Default "linearizable". */
  consistency?: Consistency;
}

/** The outcome of a query. */
export interface QueryResult {
  /** The bytes the module returned. */
  result: Uint8Array;
  /** The applied index of the state the query read. */
  index: bigint;
  /** The fuel the query used. */
  fuelUsed: bigint;
}

/** A new shard's settings; each unset one takes the cluster's default. */
export interface ShardSettings {
  /** Replicas, odd: 1, 3 or 5. */
  replicaCount?: number;
  /** Fuel each command and query may use. */
  fuelLimit?: bigint;
  /** Bytes each command may write. */
  writeBytesLimit?: bigint;
  /** Keys each command may write. */
  writeKeysLimit?: bigint;
  /** Bytes the shard's state may hold. */
  storedBytesLimit?: bigint;
  /** How long the shard keeps an idempotency key, in seconds. */
  idempotencyWindowSeconds?: bigint;
}
