//! kv's operations, and the results they write.

use crate::command::Command;
use synod_guest::json::write_string;
use synod_guest::{kv, Error, MAX_KEY_SIZE, MAX_VALUE_SIZE};

/// A bad command: malformed JSON, an unknown op or field, a missing or
/// over-long key or value, a write sent as a query.
pub const CODE_BAD_COMMAND: u32 = 400;
/// A cas whose expectation does not hold.
pub const CODE_CAS_MISMATCH: u32 = 409;
/// put_then_fail, as asked.
pub const CODE_FAILED: u32 = 500;

/// The number of items a list returns by default, and at most.
const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;

/// The result of put, delete and cas.
const OK: &[u8] = br#"{"ok":true}"#;

/// Applies a committed command.
pub fn update(c: &Command<'_>) -> Result<Vec<u8>, Error> {
    match c.op.as_ref() {
        "get" => get(c),
        "list" => list(c),
        "put" => put(c),
        "delete" => delete(c),
        "cas" => cas(c),
        "put_then_fail" => {
            put(c)?;
            Err(Error::new(CODE_FAILED, "put_then_fail: failing after the write, as asked"))
        }
        "put_then_trap" => {
            put(c)?;
            panic!("put_then_trap: trapping after the write, as asked")
        }
        op => Err(Error::new(CODE_BAD_COMMAND, format!("unknown op {:?}", op))),
    }
}

/// Answers a read-only query: get or list.
pub fn query(c: &Command<'_>) -> Result<Vec<u8>, Error> {
    match c.op.as_ref() {
        "get" => get(c),
        "list" => list(c),
        op @ ("put" | "delete" | "cas" | "put_then_fail" | "put_then_trap") => Err(Error::new(
            CODE_BAD_COMMAND,
            format!("op {:?} writes: propose it as an update, not a query", op),
        )),
        op => Err(Error::new(CODE_BAD_COMMAND, format!("unknown op {:?}", op))),
    }
}

/// Returns the command's key, or error 400 if it is missing, empty or too
/// long.
fn key<'c>(c: &'c Command<'_>) -> Result<&'c [u8], Error> {
    match c.key.as_deref() {
        None | Some("") => Err(Error::new(CODE_BAD_COMMAND, format!("{}: missing or empty key", c.op))),
        Some(k) if k.len() > MAX_KEY_SIZE => Err(Error::new(
            CODE_BAD_COMMAND,
            format!("{}: key of {} bytes exceeds {}", c.op, k.len(), MAX_KEY_SIZE),
        )),
        Some(k) => Ok(k.as_bytes()),
    }
}

/// Returns the command's value, or error 400 if it is missing or too long.
fn value<'c>(c: &'c Command<'_>) -> Result<&'c [u8], Error> {
    match c.value.as_deref() {
        None => Err(Error::new(CODE_BAD_COMMAND, format!("{}: missing value", c.op))),
        Some(v) if v.len() > MAX_VALUE_SIZE => Err(Error::new(
            CODE_BAD_COMMAND,
            format!("{}: value of {} bytes exceeds {}", c.op, v.len(), MAX_VALUE_SIZE),
        )),
        Some(v) => Ok(v.as_bytes()),
    }
}

/// `{"key":..,"value":..,"found":true}`, or `{"key":..,"found":false}`.
fn get(c: &Command<'_>) -> Result<Vec<u8>, Error> {
    let k = key(c)?;
    let v = kv::get(k);
    let mut out = Vec::with_capacity(32 + k.len() + v.as_ref().map_or(0, Vec::len));
    out.extend_from_slice(br#"{"key":"#);
    write_string(&mut out, k);
    if let Some(v) = &v {
        out.extend_from_slice(br#","value":"#);
        write_string(&mut out, v);
    }
    out.extend_from_slice(if v.is_some() { br#","found":true}"# } else { br#","found":false}"# });
    Ok(out)
}

/// `{"items":[{"key":..,"value":..},..]}` in key order, with `"more":true`
/// when the prefix has more than the limit.
fn list(c: &Command<'_>) -> Result<Vec<u8>, Error> {
    let limit = match c.limit {
        0 => DEFAULT_LIMIT,
        n if (1..=MAX_LIMIT).contains(&n) => n,
        n => {
            return Err(Error::new(
                CODE_BAD_COMMAND,
                format!("list: limit {} is outside [0, {}]", n, MAX_LIMIT),
            ))
        }
    };
    if c.prefix.len() > MAX_KEY_SIZE {
        return Err(Error::new(
            CODE_BAD_COMMAND,
            format!("list: prefix of {} bytes exceeds {}", c.prefix.len(), MAX_KEY_SIZE),
        ));
    }
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(br#"{"items":["#);
    let mut entries = kv::prefix(c.prefix.as_bytes());
    for (n, (k, v)) in entries.by_ref().take(limit as usize).enumerate() {
        if n > 0 {
            out.push(b',');
        }
        out.extend_from_slice(br#"{"key":"#);
        write_string(&mut out, &k);
        out.extend_from_slice(br#","value":"#);
        write_string(&mut out, &v);
        out.push(b'}');
    }
    out.push(b']');
    if entries.next().is_some() {
        out.extend_from_slice(br#","more":true"#);
    }
    out.push(b'}');
    Ok(out)
}

fn put(c: &Command<'_>) -> Result<Vec<u8>, Error> {
    let (k, v) = (key(c)?, value(c)?);
    kv::set(k, v);
    Ok(OK.to_vec())
}

fn delete(c: &Command<'_>) -> Result<Vec<u8>, Error> {
    kv::delete(key(c)?);
    Ok(OK.to_vec())
}

/// Sets the key to value if its current value is expect, or, with expect
/// absent, if the key does not exist; else error 409.
fn cas(c: &Command<'_>) -> Result<Vec<u8>, Error> {
    let (k, v) = (key(c)?, value(c)?);
    let mismatch = |why: &str| Err(Error::new(CODE_CAS_MISMATCH, format!("cas {:?}: {}", c.key.as_deref().unwrap_or_default(), why)));
    match (c.expect.as_deref(), kv::get(k)) {
        (None, Some(_)) => return mismatch("key exists"),
        (Some(_), None) => return mismatch("key does not exist"),
        (Some(want), Some(cur)) if want.as_bytes() != cur.as_slice() => return mismatch("value differs from expect"),
        _ => {}
    }
    kv::set(k, v);
    Ok(OK.to_vec())
}
