/**
 * The TypeScript client of Synod, consensus as a service: upload a
 * WebAssembly state machine, create shards that run it, and propose
 * commands to and query them. Start with {@link SynodClient}.
 *
 * The generated messages and service descriptors of Synod's whole API are
 * under `@synodhq/synod/gen/synod/v1/*_pb`, for the calls this layer does
 * not wrap (keys, namespaces, the cluster).
 *
 * @module
 */
export { SynodClient, type SynodClientOptions, defaultBaseUrl } from "./client.js";
export { SynodError, type Applied, type ApplicationError, fuelUsedHeader } from "./errors.js";
export {
  atLeastIndex,
  type BatchCommand,
  type BatchItem,
  type BatchResult,
  type CallOptions,
  type Consistency,
  type Data,
  type ProposeBatchOptions,
  type ProposeOptions,
  type ProposeResult,
  type QueryOptions,
  type QueryResult,
  type ShardSettings,
} from "./types.js";
export type { Module } from "./gen/synod/v1/module_pb.js";
export type { Shard, Replica } from "./gen/synod/v1/shard_pb.js";
export { Code } from "@connectrpc/connect";
