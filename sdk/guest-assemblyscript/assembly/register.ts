// The module's handlers, as register recorded them.

import { Handler } from "./result";

let update: Handler | null = null;
let query: Handler | null = null;

/**
 * Registers the module's handlers: `update` applies a committed command
 * and may write; `query` answers a read-only query. Call it from the entry
 * file's top level, which runs once when an instance starts (the module's
 * _initialize).
 */
export function register(updateHandler: Handler, queryHandler: Handler): void {
  update = updateHandler;
  query = queryHandler;
}

/** The registered update handler, or null. */
export function updateHandler(): Handler | null {
  return update;
}

/** The registered query handler, or null. */
export function queryHandler(): Handler | null {
  return query;
}
