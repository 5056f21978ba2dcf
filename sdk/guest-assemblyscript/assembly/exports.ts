// The exports the host calls (docs/abi.md, "Exports the module must
// provide"). A module's entry file re-exports them with
//
//     export * from "@synodhq/synod-guest/assembly/exports";
//
// so that they become the module's exports; user code never calls them.

import "./abort"; // the module's abort (asconfig.json)
import { ABI_VERSION, set_error, set_output } from "./host";
import { queryHandler, updateHandler } from "./register";
import { CODE_UNKNOWN, Handler, Result } from "./result";

/**
 * The buffer synod_alloc handed out last: the host copies a request there
 * and passes it straight to an entry point, so holding it in a global
 * keeps it alive until then.
 */
let request = new Uint8Array(0);
const NO_REQUEST = request;

/** Returns the version of the guest ABI the module follows. */
export function synod_abi_version(): i32 {
  return ABI_VERSION;
}

/** Returns room for a request of `size` bytes, valid until the next entry point returns. */
export function synod_alloc(size: i32): usize {
  // A zero-size request still gets a distinct, valid address.
  request = new Uint8Array(max(size, 1));
  return request.dataStart;
}

/** Applies one committed command with the registered update handler. */
export function synod_update(ptr: usize, len: i32): i32 {
  return call("update", updateHandler(), ptr, len);
}

/** Answers one query with the registered query handler. */
export function synod_query(ptr: usize, len: i32): i32 {
  const status = call("query", queryHandler(), ptr, len);
  // Query instances are not reset between calls (docs/abi.md, rule 1):
  // free what this one allocated. Update instances are reset, so they skip it.
  __collect();
  return status;
}

/** Runs handler h on the request at ptr and reports its outcome to the host. */
function call(entry: string, h: Handler | null, ptr: usize, len: i32): i32 {
  if (h === null) {
    return report(Result.error(CODE_UNKNOWN, "module registered no " + entry + " handler (register)"));
  }
  if (ptr != request.dataStart || len > request.length) {
    throw new Error("synod: the request is not in the buffer synod_alloc returned");
  }
  const r = h(request.subarray(0, len));
  request = NO_REQUEST;
  return report(r);
}

/** Passes r to the host, and returns the entry point's return value. */
function report(r: Result): i32 {
  if (r.isError) {
    const msg = String.UTF8.encode(r.message);
    set_error(r.code, changetype<usize>(msg), msg.byteLength);
    return <i32>r.code;
  }
  const out = r.output;
  if (out !== null && out.length > 0) set_output(out.dataStart, out.length);
  return 0;
}
