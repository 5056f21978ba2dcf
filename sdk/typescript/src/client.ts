import { type Client, Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { commandError, toSynodError } from "./errors.js";
import { type Module, ModuleService } from "./gen/synod/v1/module_pb.js";
import { type Shard, ShardService } from "./gen/synod/v1/shard_pb.js";
import { Consistency as ConsistencyEnum, DataService } from "./gen/synod/v1/data_pb.js";
import { Deadline, defaultRetryWindowMs, newKey, retryable, withRetries } from "./retry.js";
import type {
  BatchCommand,
  BatchResult,
  CallOptions,
  Consistency,
  Data,
  ProposeBatchOptions,
  ProposeOptions,
  ProposeResult,
  QueryOptions,
  QueryResult,
  ShardSettings,
} from "./types.js";

/** Where a client connects when neither its options nor SYNOD_ADDR say. */
export const defaultBaseUrl = "http://127.0.0.1:7070";

/** Options of a {@link SynodClient}. */
export interface SynodClientOptions {
  /**
   * The gateway's URL. Default: SYNOD_ADDR in Node, else
   * http://127.0.0.1:7070. Ignored when transport is given.
   */
  baseUrl?: string;
  /**
   * The API key's token, sent as `Authorization: Bearer`. Default:
   * SYNOD_TOKEN in Node.
   */
  token?: string;
  /** The namespace of every call that names none. Default: SYNOD_NAMESPACE in Node, else "default". */
  namespace?: string;
  /**
   * The Connect transport. Default: connect-web's, over fetch with the
   * Connect protocol, which runs in browsers and in Node 20 alike. Pass
   * connect-node's createConnectTransport for HTTP/2 in Node.
   */
  transport?: Transport;
  /** The deadline of every call that sets none, in milliseconds. */
  timeoutMs?: number;
}

/**
 * SynodClient calls a Synod gateway: it uploads modules, creates shards,
 * and proposes commands to and queries them. Every method throws a
 * {@link SynodError}. A client holds no connection state of its own and
 * may be shared.
 */
export class SynodClient {
  /** The generated clients, for what this layer does not wrap. */
  readonly modules: Client<typeof ModuleService>;
  readonly shards: Client<typeof ShardService>;
  readonly data: Client<typeof DataService>;

  private readonly token?: string;
  private readonly namespace: string;
  private readonly timeoutMs?: number;

  constructor(options: SynodClientOptions = {}) {
    const transport =
      options.transport ??
      createConnectTransport({ baseUrl: options.baseUrl ?? env("SYNOD_ADDR") ?? defaultBaseUrl });
    this.modules = createClient(ModuleService, transport);
    this.shards = createClient(ShardService, transport);
    this.data = createClient(DataService, transport);
    this.token = options.token ?? env("SYNOD_TOKEN");
    this.namespace = options.namespace ?? env("SYNOD_NAMESPACE") ?? "";
    this.timeoutMs = options.timeoutMs;
  }

  /** uploadModule uploads a WebAssembly module; uploading one twice is harmless. */
  async uploadModule(wasm: Uint8Array, opts: CallOptions = {}): Promise<Module> {
    const res = await this.call(() =>
      this.modules.uploadModule({ wasm, namespace: this.ns(opts) }, this.callOptions(opts)),
    );
    return required(res.module, "module");
  }

  /** uploadModuleFile uploads the WebAssembly module in a file (Node only). */
  async uploadModuleFile(path: string, opts: CallOptions = {}): Promise<Module> {
    const { readFile } = await import("node:fs/promises");
    return this.uploadModule(new Uint8Array(await readFile(path)), opts);
  }

  /** getModule returns the module with the hash. */
  async getModule(hash: string, opts: CallOptions = {}): Promise<Module> {
    const res = await this.call(() =>
      this.modules.getModule({ hash, namespace: this.ns(opts) }, this.callOptions(opts)),
    );
    return required(res.module, "module");
  }

  /** listModules returns the namespace's modules. */
  async listModules(opts: CallOptions = {}): Promise<Module[]> {
    const res = await this.call(() =>
      this.modules.listModules({ namespace: this.ns(opts) }, this.callOptions(opts)),
    );
    return res.modules;
  }

  /** deleteModule deletes a module that no shard uses. */
  async deleteModule(hash: string, opts: CallOptions = {}): Promise<void> {
    await this.call(() => this.modules.deleteModule({ hash, namespace: this.ns(opts) }, this.callOptions(opts)));
  }

  /** createShard creates a shard that runs the module with the hash. */
  async createShard(
    name: string,
    moduleHash: string,
    settings: ShardSettings = {},
    opts: CallOptions = {},
  ): Promise<Shard> {
    const res = await this.call(() =>
      this.shards.createShard({ name, moduleHash, namespace: this.ns(opts), ...settings }, this.callOptions(opts)),
    );
    return required(res.shard, "shard");
  }

  /** getShard returns the shard with the name. */
  async getShard(name: string, opts: CallOptions = {}): Promise<Shard> {
    const res = await this.call(() =>
      this.shards.getShard({ name, namespace: this.ns(opts) }, this.callOptions(opts)),
    );
    return required(res.shard, "shard");
  }

  /** listShards returns the namespace's shards. */
  async listShards(opts: CallOptions = {}): Promise<Shard[]> {
    const res = await this.call(() => this.shards.listShards({ namespace: this.ns(opts) }, this.callOptions(opts)));
    return res.shards;
  }

  /** deleteShard deletes a shard and its state. */
  async deleteShard(name: string, opts: CallOptions = {}): Promise<void> {
    await this.call(() => this.shards.deleteShard({ name, namespace: this.ns(opts) }, this.callOptions(opts)));
  }

  /**
   * propose runs a command on a shard, linearizably. With an idempotency
   * key (one is made when none is given), a command whose outcome is
   * unknown (a network error, a leader change, no leader) is sent again
   * with the same key, with backoff, until the call's deadline; it runs at
   * most once.
   */
  async propose(shard: string, command: Data, opts: ProposeOptions = {}): Promise<ProposeResult> {
    const idempotencyKey = opts.idempotencyKey === undefined ? newKey() : (opts.idempotencyKey ?? "");
    const req = { shard, command: bytes(command), idempotencyKey, namespace: this.ns(opts) };
    const res = await this.retrying(opts, idempotencyKey !== "", (timeoutMs) =>
      this.data.propose(req, this.callOptions(opts, timeoutMs)),
    );
    return { result: res.result, index: res.index, fuelUsed: res.fuelUsed, replayed: res.replayed };
  }

  /**
   * proposeBatch runs several commands on a shard in one log entry. Each
   * command gets an idempotency key unless it sets its own (null for none);
   * a batch whose commands all have keys is sent again when its outcome is
   * unknown, as propose is. A command's failure is in its item of the
   * result; a failure of the batch as a whole is thrown.
   */
  async proposeBatch(shard: string, commands: BatchCommand[], opts: ProposeBatchOptions = {}): Promise<BatchResult> {
    const cmds = commands.map((c) => {
      const { command, idempotencyKey } =
        typeof c === "string" || c instanceof Uint8Array ? { command: c, idempotencyKey: undefined } : c;
      return { command: bytes(command), idempotencyKey: idempotencyKey === undefined ? newKey() : (idempotencyKey ?? "") };
    });
    const req = { shard, commands: cmds, atomic: opts.atomic ?? false, namespace: this.ns(opts) };
    const res = await this.retrying(opts, cmds.every((c) => c.idempotencyKey !== ""), (timeoutMs) =>
      this.data.proposeBatch(req, this.callOptions(opts, timeoutMs)),
    );
    return {
      index: res.index,
      fuelUsed: res.fuelUsed,
      results: res.results.map((r) =>
        r.error
          ? { ok: false, error: commandError(r.error, r.fuelUsed), index: r.index, fuelUsed: r.fuelUsed }
          : { ok: true, result: r.result, index: r.index, fuelUsed: r.fuelUsed, replayed: r.replayed },
      ),
    };
  }

  /** query runs a read-only query on a shard at the consistency asked for. */
  async query(shard: string, query: Data, opts: QueryOptions = {}): Promise<QueryResult> {
    const { consistency, minIndex } = consistencyFields(opts.consistency ?? "linearizable");
    const res = await this.call(() =>
      this.data.query(
        { shard, query: bytes(query), consistency, minIndex, namespace: this.ns(opts) },
        this.callOptions(opts),
      ),
    );
    return { result: res.result, index: res.index, fuelUsed: res.fuelUsed };
  }

  private ns(opts: CallOptions): string {
    return opts.namespace ?? this.namespace;
  }

  // The token travels as a header of each call rather than in an
  // interceptor, so that it reaches Synod over a transport of the caller's.
  // connect-es sends a call whose timeout is 0 or less with no deadline at
  // all; such a deadline has passed, so the call fails before it is sent.
  private callOptions(opts: CallOptions, timeoutMs = opts.timeoutMs ?? this.timeoutMs) {
    const expired = timeoutMs !== undefined && timeoutMs <= 0;
    return {
      timeoutMs,
      signal: expired ? AbortSignal.abort(new ConnectError("the call's deadline has passed", Code.DeadlineExceeded)) : opts.signal,
      headers: this.token ? { Authorization: `Bearer ${this.token}` } : undefined,
    };
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toSynodError(e, false);
    }
  }

  // retrying runs a command's call, resending it while retryable if keyed.
  private retrying<T>(opts: CallOptions, keyed: boolean, fn: (timeoutMs: number | undefined) => Promise<T>): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const deadline = new Deadline(timeoutMs ?? defaultRetryWindowMs, timeoutMs !== undefined);
    const attempt = async (t: number | undefined) => {
      try {
        return await fn(t);
      } catch (e) {
        throw toSynodError(e, true);
      }
    };
    return withRetries(deadline, opts.signal, (err) => keyed && retryable(err), attempt);
  }
}

function consistencyFields(c: Consistency): { consistency: ConsistencyEnum; minIndex: bigint } {
  if (c === "linearizable") {
    return { consistency: ConsistencyEnum.LINEARIZABLE, minIndex: 0n };
  }
  if (c === "stale") {
    return { consistency: ConsistencyEnum.STALE, minIndex: 0n };
  }
  return { consistency: ConsistencyEnum.AT_LEAST_INDEX, minIndex: c.atLeastIndex };
}

const encoder = new TextEncoder();

function bytes(d: Data): Uint8Array {
  return typeof d === "string" ? encoder.encode(d) : d;
}

// env reads an environment variable where there is a process.env (Node);
// a browser has none.
function env(name: string): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const v = proc?.env?.[name];
  return v === "" ? undefined : v;
}

function required<T>(v: T | undefined, what: string): T {
  if (v === undefined) {
    throw toSynodError(new Error(`Synod's answer has no ${what}`), false);
  }
  return v;
}
