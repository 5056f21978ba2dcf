//! Decoding kv's commands, with the rules of the Go kv's decoder (which are
//! `encoding/json`'s).

use crate::ops::CODE_BAD_COMMAND;
use std::borrow::Cow;
use synod_guest::json::{self, Value};
use synod_guest::Error;

/// One command. A string field is `None` when the command does not have
/// it, or has `null` where that clears it, which tells it from an empty
/// string. Strings without escapes or invalid UTF-8 are borrowed from the
/// command's bytes: a large value is not copied.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Command<'a> {
    pub op: Cow<'a, str>,
    pub key: Option<Cow<'a, str>>,
    pub value: Option<Cow<'a, str>>,
    pub expect: Option<Cow<'a, str>>,
    pub prefix: Cow<'a, str>,
    pub limit: i64,
}

/// The command's fields, as their names are spelled in JSON.
const FIELDS: [&str; 6] = ["op", "key", "value", "expect", "prefix", "limit"];

/// Decodes a command: one JSON object whose members name fields (exactly
/// or case-insensitively, a later duplicate winning), with a string for
/// each field but `limit`, an integer, and `null` clearing `key`, `value`
/// and `expect` and leaving the others alone. Anything else is error 400.
pub fn parse(b: &[u8]) -> Result<Command<'_>, Error> {
    let bad = |msg: String| Error::new(CODE_BAD_COMMAND, format!("bad command: {}", msg));
    let members = json::parse_object(b).map_err(|e| bad(e.to_string()))?;
    let mut c = Command::default();
    for (name, value) in members {
        let field = FIELDS
            .iter()
            .find(|f| json::name_matches(&name, f))
            .ok_or_else(|| bad(format!("unknown field {:?}", name)))?;
        c.set(field, value).map_err(|kind| bad(format!("field {:?} must not be {}", field, kind)))?;
    }
    if c.op.is_empty() {
        return Err(bad("missing op".to_string()));
    }
    Ok(c)
}

impl<'a> Command<'a> {
    /// Stores `value` in `field`, or returns the kind of value that the
    /// field cannot take.
    fn set(&mut self, field: &str, value: Value<'a>) -> Result<(), &'static str> {
        let kind = value.kind();
        match (field, value) {
            (_, Value::Null) => match field {
                "key" => self.key = None,
                "value" => self.value = None,
                "expect" => self.expect = None,
                _ => {}
            },
            ("op", Value::String(s)) => self.op = s,
            ("key", Value::String(s)) => self.key = Some(s),
            ("value", Value::String(s)) => self.value = Some(s),
            ("expect", Value::String(s)) => self.expect = Some(s),
            ("prefix", Value::String(s)) => self.prefix = s,
            // i64 parsing refuses fractions, exponents and overflow, as the
            // Go kv's 64-bit int does.
            ("limit", Value::Number(n)) => self.limit = n.parse().map_err(|_| "a number that is not an integer")?,
            _ => return Err(kind),
        }
        Ok(())
    }
}
