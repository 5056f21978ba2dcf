//! JSON for commands and results, as Go's `encoding/json` reads and writes
//! it, so that a module agrees byte for byte with one written in Go.
//!
//! [`parse_object`] reads a command: one flat JSON object (its values are
//! strings, numbers, booleans or null) and nothing else but white space.
//! [`write_string`] writes a string into a result as `json.Marshal` does.
//! The rules are Go's:
//!
//! - Invalid UTF-8 in a string reads, and writes, as U+FFFD, one for each
//!   byte that is not part of a valid sequence; so do `\u` escapes of
//!   UTF-16 surrogates that do not form a pair.
//! - Strings are written with `"`, `\` and the control characters escaped
//!   (`\b`, `\f`, `\n`, `\r`, `\t`, else `\u00XX`), and `<`, `>`, `&`,
//!   U+2028 and U+2029 as `\u003c`, `\u003e`, `\u0026`, `\u2028` and
//!   `\u2029`, so that results are safe in HTML and JavaScript.
//! - A member's name matches a field's as `encoding/json` matches it:
//!   exactly, or else case-insensitively ([`name_matches`]).
//!
//! Nothing here uses floating point: a number is handed over as its
//! literal, for the caller to parse as the integer it expects.

use std::borrow::Cow;
use std::fmt;

/// One value of a member of an object that [`parse_object`] read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    /// A string's contents, unescaped: borrowed from the input when the
    /// string has no escapes and is valid UTF-8.
    String(Cow<'a, str>),
    /// A number's literal, as it appears in the input, such as `-12` or
    /// `1.5e3`.
    Number(&'a str),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
}

impl Value<'_> {
    /// Names the value's kind, for error messages: "a string", "null", ...
    pub fn kind(&self) -> &'static str {
        match self {
            Value::String(_) => "a string",
            Value::Number(_) => "a number",
            Value::Bool(_) => "a bool",
            Value::Null => "null",
        }
    }
}

/// The members of an object, in the order of the input; a name may repeat.
pub type Members<'a> = Vec<(Cow<'a, str>, Value<'a>)>;

/// Why [`parse_object`] rejected its input, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// The offset of the byte where the input went wrong.
    pub offset: usize,
    /// What was wrong there.
    pub message: &'static str,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at offset {}", self.message, self.offset)
    }
}

impl std::error::Error for SyntaxError {}

/// Reads `input`, which must be one JSON object and nothing else but
/// white space, and returns its members. A member whose value is an object
/// or an array is an error.
pub fn parse_object(input: &[u8]) -> Result<Members<'_>, SyntaxError> {
    let mut p = Parser { buf: input, pos: 0 };
    let members = p.object()?;
    p.skip_space();
    if p.pos < input.len() {
        return Err(p.error("data after the JSON object"));
    }
    Ok(members)
}

/// Reports whether a member's `name` names the field `field`, as
/// `encoding/json` matches them: exactly, or else under Unicode simple case
/// folding. `field` must be ASCII. So `"KEY"` names `key`, and so does
/// `"\u212aey"`, with a Kelvin sign, which folds to `k` (as U+017F, a long
/// s, folds to `s`: no other non-ASCII letter folds to an ASCII one).
pub fn name_matches(name: &str, field: &str) -> bool {
    if name == field {
        return true;
    }
    let mut chars = name.chars();
    for f in field.bytes() {
        let folded = match chars.next() {
            Some('\u{212a}') => b'k',
            Some('\u{17f}') => b's',
            Some(c) if c.is_ascii() => (c as u8).to_ascii_lowercase(),
            _ => return false,
        };
        if folded != f.to_ascii_lowercase() {
            return false;
        }
    }
    chars.next().is_none()
}

/// Appends `s` to `out` as a JSON string, escaped as `json.Marshal` escapes
/// it (see the module's documentation).
pub fn write_string(out: &mut Vec<u8>, s: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(s.len() + 2);
    out.push(b'"');
    let mut start = 0; // s[start..i] is still to be appended as it is
    let mut i = 0;
    loop {
        i += plain_prefix(&s[i..]);
        let c = match s.get(i) {
            Some(&c) => c,
            None => break,
        };
        out.extend_from_slice(&s[start..i]);
        let size = if c.is_ascii() {
            match c {
                b'"' | b'\\' => out.extend_from_slice(&[b'\\', c]),
                b'\x08' => out.extend_from_slice(b"\\b"),
                b'\x0c' => out.extend_from_slice(b"\\f"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                _ => out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[(c >> 4) as usize], HEX[(c & 0xf) as usize]]),
            }
            1
        } else {
            match decode_rune(&s[i..]) {
                None => {
                    out.extend_from_slice(b"\\ufffd");
                    1
                }
                Some(('\u{2028}', size)) => {
                    out.extend_from_slice(b"\\u2028");
                    size
                }
                Some(('\u{2029}', size)) => {
                    out.extend_from_slice(b"\\u2029");
                    size
                }
                Some((_, size)) => {
                    out.extend_from_slice(&s[i..i + size]);
                    size
                }
            }
        };
        i += size;
        start = i;
    }
    out.extend_from_slice(&s[start..]);
    out.push(b'"');
}

/// Reports whether `c` is plain: printable ASCII other than `"`, `\`, `<`,
/// `>` and `&`. Plain bytes are written into a string as they are, and
/// read from one as they are.
fn is_plain(c: u8) -> bool {
    (b' '..0x80).contains(&c) && !matches!(c, b'"' | b'\\' | b'<' | b'>' | b'&')
}

/// Returns the length of the longest prefix of `s` whose bytes are all
/// plain ([`is_plain`]). Most of a command's or a result's strings is
/// plain, and every instruction costs fuel in a guest, so it looks at eight
/// bytes at a time (as the Go kv's codec does): a put of a 150 KB value
/// costs about a third less fuel than with a loop over each byte.
fn plain_prefix(s: &[u8]) -> usize {
    let mut i = 0;
    while let Some(chunk) = s.get(i..i + 8) {
        let word = u64::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7]]);
        let m = not_plain(word);
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i + s[i..].iter().take_while(|&&c| is_plain(c)).count()
}

/// Returns a word with the high bit set of each byte of `x` that is not
/// plain (taking the bytes in little-endian order), and perhaps of some
/// bytes after the first such one, where a borrow carries: the lowest set
/// bit marks the first byte that is not plain. It is zero if all are. The
/// tricks are from
/// <https://graphics.stanford.edu/~seander/bithacks.html#ZeroInWord>.
fn not_plain(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // The high bit of each byte of x that is c.
    let is = |c: u8| {
        let y = x ^ ONES.wrapping_mul(c as u64);
        y.wrapping_sub(ONES) & !y
    };
    let control = x.wrapping_sub(ONES * b' ' as u64) & !x; // bytes below ' '
    (x | control | is(b'"') | is(b'\\') | is(b'<') | is(b'>') | is(b'&')) & HIGHS
}

/// Decodes the UTF-8 sequence at the start of `s` into its character and
/// length, or `None` if `s` does not start with a valid one (as Go's
/// `utf8.DecodeRune`, which then consumes one byte). Valid means the
/// shortest form of a code point that is not a surrogate.
fn decode_rune(s: &[u8]) -> Option<(char, usize)> {
    let b0 = *s.first()?;
    let (len, lo, hi) = match b0 {
        0x00..=0x7f => return Some((b0 as char, 1)),
        0xc2..=0xdf => (2, 0x80, 0xbf),
        0xe0 => (3, 0xa0, 0xbf),
        0xed => (3, 0x80, 0x9f),
        0xe1..=0xef => (3, 0x80, 0xbf),
        0xf0 => (4, 0x90, 0xbf),
        0xf1..=0xf3 => (4, 0x80, 0xbf),
        0xf4 => (4, 0x80, 0x8f),
        _ => return None,
    };
    let seq = s.get(..len)?;
    if !(lo..=hi).contains(&seq[1]) || !seq[2..].iter().all(|&b| (0x80..=0xbf).contains(&b)) {
        return None;
    }
    let c = std::str::from_utf8(seq).ok()?.chars().next()?;
    Some((c, len))
}

/// Reads a JSON text from `buf`; `pos` is the offset of the next byte.
struct Parser<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Parser<'a> {
    fn object(&mut self) -> Result<Members<'a>, SyntaxError> {
        self.skip_space();
        self.consume(b'{', "looking for '{'")?;
        let mut members = Vec::new();
        self.skip_space();
        if self.skip(b'}') {
            return Ok(members);
        }
        loop {
            self.skip_space();
            let name = self.string()?;
            self.skip_space();
            self.consume(b':', "looking for ':' after an object key")?;
            self.skip_space();
            let value = self.value()?;
            members.push((name, value));
            self.skip_space();
            if self.skip(b'}') {
                return Ok(members);
            }
            self.consume(b',', "looking for ',' or '}' after an object member")?;
        }
    }

    fn value(&mut self) -> Result<Value<'a>, SyntaxError> {
        match self.peek() {
            Some(b'"') => Ok(Value::String(self.string()?)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'{' | b'[') => Err(self.error("objects and arrays are not supported as values")),
            _ => Err(self.error("looking for a value")),
        }
    }

    /// Reads a string. Its contents are borrowed from the input unless they
    /// have escapes or invalid UTF-8.
    fn string(&mut self) -> Result<Cow<'a, str>, SyntaxError> {
        self.consume(b'"', "looking for '\"'")?;
        let start = self.pos;
        let mut escaped = false;
        loop {
            self.pos += plain_prefix(&self.buf[self.pos..]);
            match self.peek() {
                None => return Err(self.error("unexpected end of JSON input")),
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    // The escape's second byte is never the end; the string
                    // may end before it has one.
                    self.pos = (self.pos + 2).min(self.buf.len());
                }
                Some(c) if c < b' ' => return Err(self.error("invalid control character in string")),
                Some(_) => self.pos += 1,
            }
        }
        let raw = &self.buf[start..self.pos];
        self.pos += 1;
        if !escaped {
            if let Ok(s) = std::str::from_utf8(raw) {
                return Ok(Cow::Borrowed(s));
            }
        }
        unescape(raw, start).map(Cow::Owned)
    }

    /// Reads a number and returns its literal:
    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    fn number(&mut self) -> Result<Value<'a>, SyntaxError> {
        let start = self.pos;
        self.skip(b'-');
        if !self.skip(b'0') {
            self.digits()?;
        }
        if self.skip(b'.') {
            self.digits()?;
        }
        if self.skip(b'e') || self.skip(b'E') {
            if !self.skip(b'+') {
                self.skip(b'-');
            }
            self.digits()?;
        }
        let literal = std::str::from_utf8(&self.buf[start..self.pos]).expect("ASCII digits");
        Ok(Value::Number(literal))
    }

    fn digits(&mut self) -> Result<(), SyntaxError> {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        if self.pos == start {
            return Err(self.error("looking for a digit"));
        }
        Ok(())
    }

    fn literal(&mut self, word: &str, value: Value<'a>) -> Result<Value<'a>, SyntaxError> {
        for &c in word.as_bytes() {
            self.consume(c, "invalid literal (true, false or null)")?;
        }
        Ok(value)
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// Reads `c` if it is the next byte, and reports whether it was.
    fn skip(&mut self, c: u8) -> bool {
        let found = self.peek() == Some(c);
        if found {
            self.pos += 1;
        }
        found
    }

    /// Reads `c`, which must be the next byte.
    fn consume(&mut self, c: u8, message: &'static str) -> Result<(), SyntaxError> {
        if self.skip(c) {
            return Ok(());
        }
        Err(self.error(message))
    }

    fn error(&self, message: &'static str) -> SyntaxError {
        let message = if self.pos >= self.buf.len() { "unexpected end of JSON input" } else { message };
        SyntaxError { offset: self.pos, message }
    }
}

/// Unescapes the contents of a string, `raw`, found at `offset` of the
/// input. The caller found its end, so every backslash in it starts an
/// escape and has a byte after it.
fn unescape(raw: &[u8], offset: usize) -> Result<String, SyntaxError> {
    let bad = |i: usize, message| SyntaxError { offset: offset + i, message };
    let mut s = String::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] != b'\\' {
            let (c, size) = decode_rune(&raw[i..]).unwrap_or(('\u{fffd}', 1));
            s.push(c);
            i += size;
            continue;
        }
        let c = match raw[i + 1] {
            c @ (b'"' | b'\\' | b'/') => c as char,
            b'b' => '\x08',
            b'f' => '\x0c',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let r = hex4(&raw[i + 2..]).ok_or_else(|| bad(i + 2, "invalid \\u escape"))?;
                i += 6;
                // char::from_u32 refuses exactly the surrogates.
                let c = match char::from_u32(r) {
                    Some(c) => c,
                    None => match surrogate_pair(r, &raw[i..]) {
                        Some(c) => {
                            i += 6; // the pair's second half
                            c
                        }
                        None => '\u{fffd}',
                    },
                };
                s.push(c);
                continue;
            }
            _ => return Err(bad(i, "invalid escape sequence")),
        };
        s.push(c);
        i += 2;
    }
    Ok(s)
}

/// Returns the character that the UTF-16 surrogate `r` and the `\uXXXX`
/// escape at the start of `rest` form, or `None` if they form none. As in
/// `encoding/json`, `r` then reads as U+FFFD and what follows is read on
/// its own.
fn surrogate_pair(r: u32, rest: &[u8]) -> Option<char> {
    if !(0xd800..0xdc00).contains(&r) || !rest.starts_with(b"\\u") {
        return None;
    }
    let r2 = hex4(&rest[2..]).filter(|r2| (0xdc00..0xe000).contains(r2))?;
    char::from_u32(0x10000 + ((r - 0xd800) << 10) + (r2 - 0xdc00))
}

/// Reads the four hex digits at the start of `b`.
fn hex4(b: &[u8]) -> Option<u32> {
    b.get(..4)?.iter().try_fold(0, |r, &c| Some(r << 4 | (c as char).to_digit(16)?))
}

#[cfg(test)]
#[path = "json_tests.rs"]
mod tests;
