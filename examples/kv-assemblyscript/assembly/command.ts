// Decodes kv's commands exactly as the Go kv (examples/kv, decode.go) does:
// the commands encoding/json accepted, into the same fields.

import { JSONReader } from "@synodhq/synod-guest/assembly";

/**
 * One command. Its strings are UTF-8, views of the command's bytes or new
 * arrays. key, value and expect are null when the command does not have
 * them (or has null), which tells them from an empty string.
 */
const EMPTY = new Uint8Array(0);

export class Command {
  op: Uint8Array = EMPTY;
  key: Uint8Array | null = null;
  value: Uint8Array | null = null;
  expect: Uint8Array | null = null;
  prefix: Uint8Array = EMPTY;
  limit: i64 = 0;
}

// The kinds of JSON value a command's member may have.
const enum Kind { String, Number, Bool, Null, Object, Array }

const KIND_NAMES: string[] = ["a string", "a number", "a bool", "null", "an object", "an array"];

/** The field names, lowercase ASCII. */
const FIELDS: string[] = ["op", "key", "value", "expect", "prefix", "limit"];

/**
 * Decodes `b`, which must hold one JSON object and nothing else but white
 * space, into `c`. Returns null, or what is wrong with the command.
 *
 * Names match a field exactly or else case-insensitively (with Unicode
 * simple folding, as encoding/json: "KEY" and "\u212aey" name key); a name
 * that matches no field is an error, and a later duplicate wins. Values
 * must be strings, except for limit (an integer); null clears key, value
 * and expect and leaves the other fields alone. Objects and arrays are
 * rejected without being read.
 */
export function decodeCommand(b: Uint8Array, c: Command): string | null {
  const d = new JSONReader(b);
  if (object(d, c)) {
    d.skipSpace();
    if (!d.atEnd) d.fail("data after the JSON object");
  }
  return d.error;
}

/** Reads a JSON object into c. */
function object(d: JSONReader, c: Command): bool {
  d.skipSpace();
  if (!d.consume(0x7b, "'{'")) return false;
  d.skipSpace();
  if (d.skip(0x7d)) return true;
  while (true) {
    d.skipSpace();
    const name = d.string();
    if (name === null) return false;
    d.skipSpace();
    if (!d.consume(0x3a, "':' after an object key")) return false;
    d.skipSpace();
    if (!member(d, c, name)) return false;
    d.skipSpace();
    if (d.skip(0x7d)) return true;
    if (!d.consume(0x2c, "',' or '}' after an object member")) return false;
  }
}

/** Reads the value of the member called `name` and stores it in c. */
function member(d: JSONReader, c: Command, name: Uint8Array): bool {
  let kind = Kind.String;
  let text: Uint8Array | null = null;
  switch (d.peek()) {
    case 0x22: text = d.string(); break; // "
    case 0x74: kind = Kind.Bool; d.literal("true"); break;
    case 0x66: kind = Kind.Bool; d.literal("false"); break;
    case 0x6e: kind = Kind.Null; d.literal("null"); break;
    case 0x7b: kind = Kind.Object; break;
    case 0x5b: kind = Kind.Array; break;
    default: {
      const p = d.peek();
      if (p == 0x2d || (p >= 0x30 && p <= 0x39)) {
        kind = Kind.Number;
        text = d.number();
      } else {
        d.unexpected("a value");
      }
    }
  }
  if (d.error !== null) return false;
  const field = fieldIndex(name);
  if (field < 0) return d.fail("unknown field " + quote(name));
  const fieldName = FIELDS[field];
  switch (field) {
    case 0: case 4: { // op, prefix: a string; null leaves them alone
      if (kind == Kind.Null) return true;
      if (kind != Kind.String) return d.fail("field \"" + fieldName + "\" must be a string, not " + KIND_NAMES[kind]);
      if (field == 0) c.op = text!;
      else c.prefix = text!;
      return true;
    }
    case 5: { // limit: an integer; null leaves it alone
      if (kind == Kind.Null) return true;
      if (kind == Kind.Number) {
        const ok = parseInt64(text!, c);
        if (ok) return true;
        return d.fail("field \"limit\" must be an integer, not " + String.UTF8.decode(text!.slice().buffer));
      }
      return d.fail("field \"limit\" must be an integer, not " + KIND_NAMES[kind]);
    }
  }
  // key, value, expect: a string, or null to clear them.
  if (kind != Kind.String && kind != Kind.Null) {
    return d.fail("field \"" + fieldName + "\" must be a string or null, not " + KIND_NAMES[kind]);
  }
  if (field == 1) c.key = text;
  else if (field == 2) c.value = text;
  else c.expect = text;
  return true;
}

/**
 * Returns the index in FIELDS of the field that name names, or -1. As in
 * encoding/json, a name that is not exactly a field's may still name one
 * case-insensitively with Unicode simple folding; for these names, the only
 * letters beyond ASCII that fold to one of theirs are U+212A (Kelvin sign,
 * k) and U+017F (long s, s).
 */
function fieldIndex(name: Uint8Array): i32 {
  for (let f = 0; f < FIELDS.length; f++) {
    if (foldEquals(name, FIELDS[f])) return f;
  }
  return -1;
}

/** Reports whether name equals field (lowercase ASCII) under simple folding. */
function foldEquals(name: Uint8Array, field: string): bool {
  let i = 0;
  let j = 0;
  while (i < name.length && j < field.length) {
    const want = field.charCodeAt(j++);
    const c = <i32>name[i];
    if (c >= 0x41 && c <= 0x5a && c + 0x20 == want) { i++; continue; } // A-Z
    if (c < 0x80 && c == want) { i++; continue; }
    if (want == 0x6b && c == 0xe2 && i + 2 < name.length && name[i + 1] == 0x84 && name[i + 2] == 0xaa) { i += 3; continue; }
    if (want == 0x73 && c == 0xc5 && i + 1 < name.length && name[i + 1] == 0xbf) { i += 2; continue; }
    return false;
  }
  return i == name.length && j == field.length;
}

/**
 * Parses the JSON number `text` into c.limit as Go's strconv.Atoi does on
 * 64 bits: an integer, no fraction or exponent, in the range of an i64.
 */
function parseInt64(text: Uint8Array, c: Command): bool {
  const negative = text[0] == 0x2d;
  const start = negative ? 1 : 0;
  const digits = text.length - start;
  if (digits > 19) return false;
  let n: u64 = 0;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (ch < 0x30 || ch > 0x39) return false; // '.', 'e', 'E', '+', '-'
    n = n * 10 + <u64>(ch - 0x30);
  }
  if (negative ? n > 0x8000000000000000 : n > 0x7fffffffffffffff) return false;
  c.limit = negative ? -(<i64>n) : <i64>n;
  return true;
}

/** Returns s, UTF-8, in double quotes for a message. */
export function quote(s: Uint8Array): string {
  return "\"" + String.UTF8.decode(s.slice().buffer) + "\"";
}
