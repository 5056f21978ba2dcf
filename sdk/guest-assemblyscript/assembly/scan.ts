// Range scans over the store, read a page at a time with kv_scan.

import { kv_scan } from "./host";
import { MAX_KEY_SIZE, resultBuffer } from "./store";

// A page starts small, because many scans stop after a few entries, and
// doubles up to the ABI's 1000 entries.
const FIRST_PAGE_LIMIT: i32 = 64;
const MAX_PAGE_LIMIT: i32 = 1000;

/**
 * Walks the entries of a range in ascending key order:
 *
 *     const it = scan(start, end);
 *     while (it.next()) use(it.key, it.value);
 *
 * It reads the store lazily, a page at a time, so stopping early is cheap.
 * Writes made while scanning may or may not be seen by the rest of the
 * scan, the same way on every replica.
 */
export class Scanner {
  /** The current entry's key, after next() returned true; the caller's to keep. */
  key: Uint8Array = new Uint8Array(0);
  /** The current entry's value, after next() returned true; the caller's to keep. */
  value: Uint8Array = new Uint8Array(0);

  private page: Uint8Array = new Uint8Array(0);
  private pos: i32 = 0;
  private limit: i32 = FIRST_PAGE_LIMIT;
  private done: bool = false;

  constructor(private from: Uint8Array, private end: Uint8Array | null) {}

  /** Moves to the next entry, and returns false when there is none. */
  next(): bool {
    if (this.pos == this.page.length) {
      if (this.done || !this.fetch()) return false;
    }
    this.key = this.field();
    this.value = this.field();
    return true;
  }

  /** Reads the next page; returns false if the range is exhausted. */
  private fetch(): bool {
    if (this.key.length > 0) {
      const next = after(this.key);
      if (next === null) {
        this.done = true;
        return false;
      }
      this.from = next;
    }
    const end = this.end;
    const endPtr: usize = end === null ? 0 : end.dataStart;
    const endLen = end === null ? 0 : end.length;
    let buf = resultBuffer(0);
    const n = kv_scan(this.from.dataStart, this.from.length, endPtr, endLen, this.limit, buf.dataStart, buf.length);
    if (n > buf.length) {
      buf = resultBuffer(n);
      const again = kv_scan(this.from.dataStart, this.from.length, endPtr, endLen, this.limit, buf.dataStart, buf.length);
      if (again != n) throw new Error("synod: kv_scan returned a different length on retry");
    }
    this.page = buf.slice(0, n);
    this.pos = 0;
    this.limit = min(2 * this.limit, MAX_PAGE_LIMIT);
    if (n == 0) this.done = true;
    return n > 0;
  }

  /** Reads one u32le-length-prefixed field of the page. */
  private field(): Uint8Array {
    const page = this.page;
    if (page.length - this.pos < 4) throw new Error("synod: malformed kv_scan result");
    const n = <i32>load<u32>(page.dataStart + this.pos);
    this.pos += 4;
    if (n < 0 || n > page.length - this.pos) throw new Error("synod: malformed kv_scan result");
    const f = page.slice(this.pos, this.pos + n);
    this.pos += n;
    return f;
  }
}

/**
 * Returns a [Scanner] over the entries with `start <= key < end`; a null
 * or empty `end` means no upper bound. Both bounds are at most
 * MAX_KEY_SIZE bytes, or the scan traps.
 */
export function scan(start: Uint8Array, end: Uint8Array | null = null): Scanner {
  return new Scanner(start, end !== null && end.length == 0 ? null : end);
}

/** Returns a [Scanner] over the entries whose key starts with `prefix`. */
export function scanPrefix(prefix: Uint8Array): Scanner {
  return new Scanner(prefix, prefixEnd(prefix));
}

/**
 * Returns the smallest key greater than `key`, or null if there is none:
 * key + 0x00, unless key has the maximum length, so that no key extends it.
 */
function after(key: Uint8Array): Uint8Array | null {
  if (key.length < MAX_KEY_SIZE) {
    const next = new Uint8Array(key.length + 1);
    next.set(key);
    return next;
  }
  return prefixEnd(key);
}

/**
 * Returns the smallest key greater than every key that starts with
 * `prefix`, or null (no upper bound) if there is none.
 */
export function prefixEnd(prefix: Uint8Array): Uint8Array | null {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i] != 0xff) {
      const end = prefix.slice(0, i + 1);
      end[i]++;
      return end;
    }
  }
  return null;
}
