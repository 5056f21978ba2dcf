// The synod imports of the guest ABI (docs/abi.md in the Synod repository).
// Only this file names them; the rest of the kit calls these.

/** The version of the guest ABI the kit implements. */
export const ABI_VERSION: i32 = 1;

// @ts-ignore: decorator
@external("synod", "kv_get")
export declare function kv_get(keyPtr: usize, keyLen: u32, bufPtr: usize, bufCap: u32): i32;

// @ts-ignore: decorator
@external("synod", "kv_set")
export declare function kv_set(keyPtr: usize, keyLen: u32, valPtr: usize, valLen: u32): void;

// @ts-ignore: decorator
@external("synod", "kv_delete")
export declare function kv_delete(keyPtr: usize, keyLen: u32): void;

// @ts-ignore: decorator
@external("synod", "kv_scan")
export declare function kv_scan(
  startPtr: usize, startLen: u32, endPtr: usize, endLen: u32,
  limit: i32, bufPtr: usize, bufCap: u32,
): i32;

// @ts-ignore: decorator
@external("synod", "set_output")
export declare function set_output(ptr: usize, len: u32): void;

// @ts-ignore: decorator
@external("synod", "set_error")
export declare function set_error(code: u32, msgPtr: usize, msgLen: u32): void;
