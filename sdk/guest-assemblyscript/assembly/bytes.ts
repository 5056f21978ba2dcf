// A growable byte buffer, to build results without copying them twice.

/**
 * Appends bytes to a buffer that doubles when full. view() returns what was
 * written without copying it.
 */
export class ByteWriter {
  private buf: Uint8Array;
  private len: i32 = 0;

  /** Makes an empty writer with room for `capacity` bytes. */
  constructor(capacity: i32 = 64) {
    this.buf = new Uint8Array(max(capacity, 16));
  }

  /** The number of bytes written. */
  get length(): i32 {
    return this.len;
  }

  /** Appends one byte. */
  byte(c: u8): ByteWriter {
    this.reserve(1);
    unchecked((this.buf[this.len++] = c));
    return this;
  }

  /** Appends the bytes of `b`. */
  append(b: Uint8Array): ByteWriter {
    return this.range(b, 0, b.length);
  }

  /** Appends `b[start:end]`. */
  range(b: Uint8Array, start: i32, end: i32): ByteWriter {
    const n = end - start;
    this.reserve(n);
    memory.copy(this.buf.dataStart + this.len, b.dataStart + start, n);
    this.len += n;
    return this;
  }

  /** Appends `s`, which must be ASCII (such as a literal of JSON's syntax). */
  ascii(s: string): ByteWriter {
    const n = s.length;
    this.reserve(n);
    const p = this.buf.dataStart + this.len;
    for (let i = 0; i < n; i++) store<u8>(p + i, <u8>s.charCodeAt(i));
    this.len += n;
    return this;
  }

  /** Returns a view of the bytes written; later writes may or may not show in it. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  /** Makes room for `n` more bytes. */
  private reserve(n: i32): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(max(this.buf.length * 2, this.len + n));
    memory.copy(next.dataStart, this.buf.dataStart, this.len);
    this.buf = next;
  }
}
