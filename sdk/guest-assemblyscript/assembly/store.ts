// The shard's key-value store: get, set, remove. Keys are 1 byte to
// MAX_KEY_SIZE bytes and values at most MAX_VALUE_SIZE bytes; the host traps
// a call that goes over (docs/abi.md, "Limits").

import { kv_delete, kv_get, kv_set } from "./host";

/** The largest key the host accepts, in bytes (4 KiB). */
export const MAX_KEY_SIZE: i32 = 4 << 10;

/** The largest value the host accepts, in bytes (1 MiB). */
export const MAX_VALUE_SIZE: i32 = 1 << 20;

/**
 * Receives the results of kv_get and kv_scan. It grows to the largest
 * result seen, so a retry with a larger buffer happens once, not on every
 * call; results are copied out before the next host call.
 */
let hostBuffer = new Uint8Array(4 << 10);

/** Returns the shared result buffer, grown to at least `n` bytes. */
export function resultBuffer(n: i32): Uint8Array {
  if (n > hostBuffer.length) hostBuffer = new Uint8Array(n);
  return hostBuffer;
}

/**
 * Returns the value of `key`, or null if the shard has no such key. The
 * returned array is the caller's.
 */
export function get(key: Uint8Array): Uint8Array | null {
  let buf = resultBuffer(0);
  const n = kv_get(key.dataStart, key.length, buf.dataStart, buf.length);
  if (n < 0) return null;
  if (n > buf.length) {
    buf = resultBuffer(n);
    const again = kv_get(key.dataStart, key.length, buf.dataStart, buf.length);
    if (again != n) throw new Error("synod: kv_get returned a different length on retry");
  }
  return buf.slice(0, n);
}

/** Sets `key` to `value`. Only an update may write: a write from a query traps. */
export function set(key: Uint8Array, value: Uint8Array): void {
  kv_set(key.dataStart, key.length, value.dataStart, value.length);
}

/**
 * Deletes `key`; deleting a key that does not exist is not an error. Only
 * an update may write: a delete from a query traps.
 */
export function remove(key: Uint8Array): void {
  kv_delete(key.dataStart, key.length);
}

/** Returns the value of the key named by `key`'s UTF-8 bytes, decoded as UTF-8. */
export function getString(key: string): string | null {
  const v = get(utf8(key));
  return v === null ? null : String.UTF8.decode(v.buffer);
}

/** Sets the key named by `key`'s UTF-8 bytes to `value`'s UTF-8 bytes. */
export function setString(key: string, value: string): void {
  set(utf8(key), utf8(value));
}

/** Deletes the key named by `key`'s UTF-8 bytes. */
export function removeString(key: string): void {
  remove(utf8(key));
}

/** Returns the UTF-8 encoding of `s`. */
export function utf8(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}
