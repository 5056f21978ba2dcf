// kv's handlers: the semantics of the Go kv (examples/kv, kv.go), command
// for command and byte for byte.

import {
  ByteWriter, MAX_KEY_SIZE, MAX_VALUE_SIZE, Result, get, remove, scanPrefix, set, utf8, writeJSONString,
} from "@synodhq/synod-guest/assembly";
import { Command, decodeCommand, quote } from "./command";

// Application error codes; see README.md.
const CODE_BAD_COMMAND: u32 = 400;
const CODE_CAS_MISMATCH: u32 = 409;
const CODE_FAILED: u32 = 500;

// List limits.
const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;

/** The result of put, delete and cas. */
const OK = utf8("{\"ok\":true}");

// The ops, as the bytes a command names them with.
const GET = utf8("get");
const LIST = utf8("list");
const PUT = utf8("put");
const DELETE = utf8("delete");
const CAS = utf8("cas");
const PUT_THEN_FAIL = utf8("put_then_fail");
const PUT_THEN_TRAP = utf8("put_then_trap");

/** Applies a committed command. */
export function update(b: Uint8Array): Result {
  const c = new Command();
  const bad = parse(b, c);
  if (bad !== null) return bad;
  const op = c.op;
  if (equal(op, GET)) return getOp(c);
  if (equal(op, LIST)) return listOp(c);
  if (equal(op, PUT)) return putOp(c);
  if (equal(op, DELETE)) return deleteOp(c);
  if (equal(op, CAS)) return casOp(c);
  if (equal(op, PUT_THEN_FAIL)) {
    const r = putOp(c);
    if (r.isError) return r;
    return Result.error(CODE_FAILED, "put_then_fail: failing after the write, as asked");
  }
  if (equal(op, PUT_THEN_TRAP)) {
    const r = putOp(c);
    if (r.isError) return r;
    throw new Error("put_then_trap: trapping after the write, as asked");
  }
  return Result.error(CODE_BAD_COMMAND, "unknown op " + quote(c.op));
}

/** Answers a read-only query: get or list. */
export function query(b: Uint8Array): Result {
  const c = new Command();
  const bad = parse(b, c);
  if (bad !== null) return bad;
  const op = c.op;
  if (equal(op, GET)) return getOp(c);
  if (equal(op, LIST)) return listOp(c);
  if (equal(op, PUT) || equal(op, DELETE) || equal(op, CAS) || equal(op, PUT_THEN_FAIL) || equal(op, PUT_THEN_TRAP)) {
    return Result.error(CODE_BAD_COMMAND, "op " + quote(c.op) + " writes: propose it as an update, not a query");
  }
  return Result.error(CODE_BAD_COMMAND, "unknown op " + quote(c.op));
}

/** Decodes b into c; returns null, or the application error for a bad command. */
function parse(b: Uint8Array, c: Command): Result | null {
  const err = decodeCommand(b, c);
  if (err !== null) return Result.error(CODE_BAD_COMMAND, "bad command: " + err);
  if (c.op.length == 0) return Result.error(CODE_BAD_COMMAND, "bad command: missing op");
  return null;
}

/** Returns the error for a missing, empty or too long key, or null. */
function checkKey(c: Command): Result | null {
  const k = c.key;
  if (k === null || k.length == 0) return Result.error(CODE_BAD_COMMAND, opName(c) + ": missing or empty key");
  if (k.length > MAX_KEY_SIZE) {
    return Result.error(CODE_BAD_COMMAND, opName(c) + ": key of " + k.length.toString() + " bytes exceeds " + MAX_KEY_SIZE.toString());
  }
  return null;
}

/** Returns the error for a missing or too long value, or null. */
function checkValue(c: Command): Result | null {
  const v = c.value;
  if (v === null) return Result.error(CODE_BAD_COMMAND, opName(c) + ": missing value");
  if (v.length > MAX_VALUE_SIZE) {
    return Result.error(CODE_BAD_COMMAND, opName(c) + ": value of " + v.length.toString() + " bytes exceeds " + MAX_VALUE_SIZE.toString());
  }
  return null;
}

function opName(c: Command): string {
  return String.UTF8.decode(c.op.slice().buffer);
}

function getOp(c: Command): Result {
  const bad = checkKey(c);
  if (bad !== null) return bad;
  const k = c.key!;
  const v = get(k);
  const out = new ByteWriter(32 + k.length + (v === null ? 0 : v.length));
  out.ascii("{\"key\":");
  writeJSONString(out, k);
  if (v !== null) {
    out.ascii(",\"value\":");
    writeJSONString(out, v);
  }
  out.ascii(v !== null ? ",\"found\":true}" : ",\"found\":false}");
  return Result.ok(out.view());
}

function listOp(c: Command): Result {
  let limit = c.limit;
  if (limit < 0 || limit > MAX_LIMIT) {
    return Result.error(CODE_BAD_COMMAND, "list: limit " + limit.toString() + " is outside [0, " + MAX_LIMIT.toString() + "]");
  }
  if (limit == 0) limit = DEFAULT_LIMIT;
  // The Go kv traps on a prefix no key can have (the host refuses a scan
  // bound over MAX_KEY_SIZE): kv-assemblyscript rejects it as a bad command.
  if (c.prefix.length > MAX_KEY_SIZE) {
    return Result.error(CODE_BAD_COMMAND, "list: prefix of " + c.prefix.length.toString() + " bytes exceeds " + MAX_KEY_SIZE.toString());
  }
  const out = new ByteWriter(256);
  out.ascii("{\"items\":[");
  const it = scanPrefix(c.prefix);
  let n: i64 = 0;
  let more = false;
  while (it.next()) {
    if (n == limit) {
      more = true;
      break;
    }
    if (n > 0) out.byte(0x2c);
    out.ascii("{\"key\":");
    writeJSONString(out, it.key);
    out.ascii(",\"value\":");
    writeJSONString(out, it.value);
    out.byte(0x7d);
    n++;
  }
  out.byte(0x5d);
  if (more) out.ascii(",\"more\":true");
  out.byte(0x7d);
  return Result.ok(out.view());
}

function putOp(c: Command): Result {
  let bad = checkKey(c);
  if (bad === null) bad = checkValue(c);
  if (bad !== null) return bad;
  set(c.key!, c.value!);
  return Result.ok(OK);
}

function deleteOp(c: Command): Result {
  const bad = checkKey(c);
  if (bad !== null) return bad;
  remove(c.key!);
  return Result.ok(OK);
}

/**
 * Sets the key to value if its current value is expect, or if expect is
 * absent and the key does not exist.
 */
function casOp(c: Command): Result {
  let bad = checkKey(c);
  if (bad === null) bad = checkValue(c);
  if (bad !== null) return bad;
  const k = c.key!;
  const expect = c.expect;
  const cur = get(k);
  if (expect === null && cur !== null) return Result.error(CODE_CAS_MISMATCH, "cas " + quote(k) + ": key exists");
  if (expect !== null && cur === null) return Result.error(CODE_CAS_MISMATCH, "cas " + quote(k) + ": key does not exist");
  if (expect !== null && cur !== null && !equal(cur, expect)) {
    return Result.error(CODE_CAS_MISMATCH, "cas " + quote(k) + ": value differs from expect");
  }
  set(k, c.value!);
  return Result.ok(OK);
}

/** Reports whether a and b hold the same bytes. */
function equal(a: Uint8Array, b: Uint8Array): bool {
  return a.length == b.length && memory.compare(a.dataStart, b.dataStart, a.length) == 0;
}
