// The pieces of a JSON codec that agree byte for byte with Go's
// encoding/json: a reader of JSON's tokens (an object's fields are the
// module's to map), and a writer of JSON strings. AssemblyScript's standard
// library has no JSON, and a guest pays for every instruction, so both work
// on UTF-8 bytes and copy only what they must.

import { ByteWriter } from "./bytes";

const HEX = "0123456789abcdef";

/**
 * Reads the tokens of a JSON text from `buf`, from offset `pos` on. The
 * first failure sets `error` (and later ones leave it); the method that
 * failed returns null or false.
 */
export class JSONReader {
  /** The offset of the next byte to read. */
  pos: i32 = 0;
  /** What the first failure was, or null. */
  error: string | null = null;

  constructor(readonly buf: Uint8Array) {}

  /** Reports whether every byte was read. */
  get atEnd(): bool {
    return this.pos >= this.buf.length;
  }

  /** Returns the next byte without reading it, or -1 at the end. */
  peek(): i32 {
    return this.pos < this.buf.length ? <i32>unchecked(this.buf[this.pos]) : -1;
  }

  /** Skips JSON's white space: space, tab, line feed and carriage return. */
  skipSpace(): void {
    const buf = this.buf;
    while (this.pos < buf.length) {
      const c = unchecked(buf[this.pos]);
      if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) return;
      this.pos++;
    }
  }

  /** Reads `c` if it is the next byte, and reports whether it was. */
  skip(c: u8): bool {
    if (this.peek() == <i32>c) {
      this.pos++;
      return true;
    }
    return false;
  }

  /** Reads `c`, which must be the next byte; `want` describes it for the error. */
  consume(c: u8, want: string): bool {
    return this.skip(c) || this.unexpected(want);
  }

  /** Records the error for the byte at pos, which is not `want`, and returns false. */
  unexpected(want: string): bool {
    if (this.atEnd) return this.fail("unexpected end of JSON input");
    const c = this.buf[this.pos];
    const shown = c >= 0x20 && c < 0x7f ? "'" + String.fromCharCode(c) + "'" : "byte 0x" + hexByte(c);
    return this.fail("invalid character " + shown + " at offset " + this.pos.toString() + ", looking for " + want);
  }

  /** Records `message` as the error, unless there is one already, and returns false. */
  fail(message: string): bool {
    if (this.error === null) this.error = message;
    return false;
  }

  /** Reads the literal `word` (true, false or null). */
  literal(word: string): bool {
    for (let i = 0; i < word.length; i++) {
      if (!this.skip(<u8>word.charCodeAt(i))) return this.unexpected("the literal " + word);
    }
    return true;
  }

  /**
   * Reads a number and returns its literal, a view of buf:
   * -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
   */
  number(): Uint8Array | null {
    const start = this.pos;
    this.skip(0x2d); // -
    if (!this.skip(0x30) && !this.digits()) return null; // 0
    if (this.skip(0x2e) && !this.digits()) return null; // .
    if (this.skip(0x65) || this.skip(0x45)) { // e E
      if (!this.skip(0x2b)) this.skip(0x2d); // + -
      if (!this.digits()) return null;
    }
    return this.buf.subarray(start, this.pos);
  }

  /** Reads one or more decimal digits. */
  private digits(): bool {
    const start = this.pos;
    while (this.peek() >= 0x30 && this.peek() <= 0x39) this.pos++;
    return this.pos > start || this.unexpected("a digit");
  }

  /**
   * Reads a string and returns its contents as UTF-8, never null on
   * success (an empty string is an empty array). A string without escapes
   * or invalid UTF-8 is a view of buf; else a new array, where, as in
   * encoding/json, each byte of invalid UTF-8 and each unpaired surrogate
   * escape becomes U+FFFD.
   */
  string(): Uint8Array | null {
    if (!this.consume(0x22, "'\"'")) return null;
    const buf = this.buf;
    const start = this.pos;
    let i = start;
    while (i < buf.length) {
      const c = unchecked(buf[i]);
      if (c == 0x22) {
        this.pos = i + 1;
        return buf.subarray(start, i);
      }
      if (c == 0x5c || c < 0x20) break;
      if (c < 0x80) {
        i++;
        continue;
      }
      const n = utf8Size(buf, i);
      if (n == 0) break;
      i += n;
    }
    this.pos = i;
    return this.unescape(start);
  }

  /** Reads the rest of the string that starts at start into a new array. */
  private unescape(start: i32): Uint8Array | null {
    const buf = this.buf;
    const out = new ByteWriter(buf.length - start);
    out.range(buf, start, this.pos);
    while (this.pos < buf.length) {
      const c = unchecked(buf[this.pos]);
      if (c == 0x22) {
        this.pos++;
        return out.view();
      } else if (c == 0x5c) {
        if (!this.escape(out)) return null;
      } else if (c < 0x20) {
        this.fail("invalid control character 0x" + hexByte(c) + " in string at offset " + this.pos.toString());
        return null;
      } else if (c < 0x80) {
        out.byte(c);
        this.pos++;
      } else {
        const n = utf8Size(buf, this.pos);
        if (n == 0) {
          appendRune(out, 0xfffd);
          this.pos++;
        } else {
          out.range(buf, this.pos, this.pos + n);
          this.pos += n;
        }
      }
    }
    this.fail("unexpected end of JSON input");
    return null;
  }

  /** Reads one escape sequence and appends the text it stands for to out. */
  private escape(out: ByteWriter): bool {
    this.pos++; // the backslash
    if (this.atEnd) return this.fail("unexpected end of JSON input");
    const c = this.buf[this.pos++];
    switch (c) {
      case 0x22: case 0x5c: case 0x2f: out.byte(c); return true; // " \ /
      case 0x62: out.byte(0x08); return true; // b
      case 0x66: out.byte(0x0c); return true; // f
      case 0x6e: out.byte(0x0a); return true; // n
      case 0x72: out.byte(0x0d); return true; // r
      case 0x74: out.byte(0x09); return true; // t
      case 0x75: { // u
        let r = this.hex4();
        if (r < 0) return false;
        if (r >= 0xd800 && r < 0xe000) r = this.surrogatePair(r);
        appendRune(out, r);
        return true;
      }
    }
    this.pos -= 2;
    return this.fail("invalid escape sequence at offset " + this.pos.toString());
  }

  /**
   * Reads the \uXXXX escape that completes the UTF-16 surrogate r, and
   * returns the pair's code point. As in encoding/json, if no escape
   * follows that makes a valid pair with r, r becomes U+FFFD and what
   * follows is left to be read on its own.
   */
  private surrogatePair(r: i32): i32 {
    const buf = this.buf;
    const p = this.pos;
    if (r >= 0xdc00 || buf.length - p < 6 || buf[p] != 0x5c || buf[p + 1] != 0x75) return 0xfffd;
    let r2 = 0;
    for (let i = p + 2; i < p + 6; i++) {
      const d = hexValue(buf[i]);
      if (d < 0) return 0xfffd;
      r2 = (r2 << 4) | d;
    }
    if (r2 < 0xdc00 || r2 >= 0xe000) return 0xfffd;
    this.pos = p + 6;
    return 0x10000 + ((r - 0xd800) << 10) + (r2 - 0xdc00);
  }

  /** Reads the four hex digits of a \u escape; -1 on an error. */
  private hex4(): i32 {
    if (this.buf.length - this.pos < 4) {
      this.fail("unexpected end of JSON input");
      return -1;
    }
    let r = 0;
    for (let i = 0; i < 4; i++) {
      const d = hexValue(this.buf[this.pos]);
      if (d < 0) {
        this.unexpected("a hex digit in a \\u escape");
        return -1;
      }
      r = (r << 4) | d;
      this.pos++;
    }
    return r;
  }
}

/**
 * Appends `s`, UTF-8, as a JSON string escaped as encoding/json escapes it:
 * '"', '\\' and the control characters \b, \f, \n, \r and \t get their short
 * escapes; other control characters, '<', '>' and '&' (for HTML) and U+2028
 * and U+2029 (for JavaScript) are \u escapes; and each byte of invalid
 * UTF-8 becomes \ufffd.
 */
export function writeJSONString(out: ByteWriter, s: Uint8Array): void {
  out.byte(0x22);
  let start = 0; // s[start:i] is still to be appended as it is
  let i = 0;
  while (i < s.length) {
    const c = unchecked(s[i]);
    if (c >= 0x20 && c < 0x80 && c != 0x22 && c != 0x5c && c != 0x3c && c != 0x3e && c != 0x26) {
      i++;
      continue;
    }
    if (c < 0x80) {
      out.range(s, start, i);
      out.byte(0x5c);
      switch (c) {
        case 0x22: case 0x5c: out.byte(c); break;
        case 0x08: out.byte(0x62); break;
        case 0x0c: out.byte(0x66); break;
        case 0x0a: out.byte(0x6e); break;
        case 0x0d: out.byte(0x72); break;
        case 0x09: out.byte(0x74); break;
        default: out.ascii("u00").byte(<u8>HEX.charCodeAt(c >> 4)).byte(<u8>HEX.charCodeAt(c & 0xf));
      }
      start = ++i;
      continue;
    }
    const n = utf8Size(s, i);
    if (n == 0) {
      out.range(s, start, i);
      out.ascii("\\ufffd");
      start = ++i;
      continue;
    }
    // U+2028 and U+2029 are E2 80 A8 and E2 80 A9.
    if (n == 3 && c == 0xe2 && s[i + 1] == 0x80 && (s[i + 2] == 0xa8 || s[i + 2] == 0xa9)) {
      out.range(s, start, i);
      out.ascii(s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029");
      start = i + 3;
    }
    i += n;
  }
  out.range(s, start, s.length);
  out.byte(0x22);
}

/**
 * Returns the length of the valid UTF-8 sequence at s[i] that starts with a
 * byte >= 0x80, or 0 if it is invalid (as Go's utf8.DecodeRune sees it:
 * no overlong forms, no surrogates, nothing above U+10FFFF).
 */
export function utf8Size(s: Uint8Array, i: i32): i32 {
  const c = s[i];
  const rest = s.length - i;
  let n = 0;
  let lo: u8 = 0x80;
  let hi: u8 = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;
    else if (c == 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;
    else if (c == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (rest < n) return 0;
  const c1 = s[i + 1];
  if (c1 < lo || c1 > hi) return 0;
  for (let j = 2; j < n; j++) {
    const cj = s[i + j];
    if (cj < 0x80 || cj > 0xbf) return 0;
  }
  return n;
}

/** Appends the UTF-8 encoding of code point r; a surrogate becomes U+FFFD. */
function appendRune(out: ByteWriter, r: i32): void {
  if (r >= 0xd800 && r < 0xe000) r = 0xfffd;
  if (r < 0x80) {
    out.byte(<u8>r);
  } else if (r < 0x800) {
    out.byte(<u8>(0xc0 | (r >> 6))).byte(<u8>(0x80 | (r & 0x3f)));
  } else if (r < 0x10000) {
    out.byte(<u8>(0xe0 | (r >> 12))).byte(<u8>(0x80 | ((r >> 6) & 0x3f))).byte(<u8>(0x80 | (r & 0x3f)));
  } else {
    out.byte(<u8>(0xf0 | (r >> 18))).byte(<u8>(0x80 | ((r >> 12) & 0x3f)))
      .byte(<u8>(0x80 | ((r >> 6) & 0x3f))).byte(<u8>(0x80 | (r & 0x3f)));
  }
}

/** Returns the value of hex digit c, or -1. */
function hexValue(c: u8): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** Returns c as two lowercase hex digits. */
function hexByte(c: u8): string {
  return String.fromCharCode(HEX.charCodeAt(c >> 4)) + String.fromCharCode(HEX.charCodeAt(c & 0xf));
}
