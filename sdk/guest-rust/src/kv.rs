//! The shard's key-value store: the only state that outlives a call.
//!
//! Keys are 1 byte to [`MAX_KEY_SIZE`] bytes and values at most
//! [`MAX_VALUE_SIZE`](crate::MAX_VALUE_SIZE); a larger one traps the call. Writes ([`set`],
//! [`delete`]) are allowed in updates only: one from a query traps. Call
//! these functions only while a handler runs.

use crate::{host, MAX_KEY_SIZE};
use std::cell::RefCell;

/// Paging of `kv_scan`: a page starts small, because many scans stop after a
/// few entries, and doubles up to the ABI's limit of 1000 entries. The host
/// also ends a page once its encoding reaches 4 MiB.
const FIRST_PAGE_LIMIT: i32 = 64;
const MAX_PAGE_LIMIT: i32 = 1000;

thread_local! {
    /// Receives the results of kv_get and kv_scan; it grows to the largest
    /// result seen, so that a retry with a larger buffer is rare.
    static BUF: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(4 << 10));
}

/// Returns the value of `key`, or `None` if it does not exist.
pub fn get(key: &[u8]) -> Option<Vec<u8>> {
    fetch(|buf| host::get(key, buf))
}

/// Sets `key` to `value`. Updates only.
pub fn set(key: &[u8], value: &[u8]) {
    host::set(key, value)
}

/// Deletes `key`; deleting a key that does not exist is not an error.
/// Updates only.
pub fn delete(key: &[u8]) {
    host::delete(key)
}

/// Returns the entries with `start <= key < end` in ascending byte order
/// of the keys; an empty `end` means no upper bound.
///
/// The iterator reads the store lazily, a page at a time, so stopping
/// early is cheap. Writes made while iterating may or may not be seen by
/// the rest of the iteration, the same way on every replica.
pub fn range(start: &[u8], end: &[u8]) -> Range {
    Range {
        next_start: Some(start.to_vec()),
        end: end.to_vec(),
        limit: FIRST_PAGE_LIMIT,
        page: Vec::new(),
        pos: 0,
    }
}

/// Returns the entries whose key starts with `prefix`, in ascending order,
/// as [`range`] does. An empty prefix returns every entry.
pub fn prefix(prefix: &[u8]) -> Range {
    range(prefix, &prefix_end(prefix).unwrap_or_default())
}

/// The iterator of [`range`] and [`prefix`]: `(key, value)` pairs.
#[derive(Debug)]
pub struct Range {
    /// Where the next page starts, or `None` when the range is exhausted.
    next_start: Option<Vec<u8>>,
    end: Vec<u8>,
    limit: i32,
    /// The current page, as kv_scan encodes it, and the offset of its next
    /// entry.
    page: Vec<u8>,
    pos: usize,
}

impl Iterator for Range {
    type Item = (Vec<u8>, Vec<u8>);

    fn next(&mut self) -> Option<(Vec<u8>, Vec<u8>)> {
        if self.pos == self.page.len() {
            let start = self.next_start.take()?;
            let (end, limit) = (&self.end, self.limit);
            self.page = fetch(|buf| host::scan(&start, end, limit, buf)).unwrap_or_default();
            self.pos = 0;
            self.limit = (limit * 2).min(MAX_PAGE_LIMIT);
            if self.page.is_empty() {
                return None;
            }
        }
        let key = self.field();
        let value = self.field();
        if self.pos == self.page.len() {
            self.next_start = after(&key);
        }
        Some((key, value))
    }
}

impl Range {
    /// Reads the next `u32le length, bytes` field of the page. The host
    /// encodes pages, so a malformed one is a broken host: trap.
    fn field(&mut self) -> Vec<u8> {
        let rest = &self.page[self.pos..];
        assert!(rest.len() >= 4, "synod_guest: malformed kv_scan page");
        let n = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        assert!(rest.len() - 4 >= n, "synod_guest: malformed kv_scan page");
        self.pos += 4 + n;
        rest[4..4 + n].to_vec()
    }
}

/// Calls a host function that copies its result into a buffer when it fits
/// and returns its length (negative when there is none), with the shared
/// buffer, and again with a larger one if the result did not fit. Returns a
/// copy of the result.
fn fetch(call: impl Fn(&mut Vec<u8>) -> i32) -> Option<Vec<u8>> {
    BUF.with(|buf| {
        let buf = &mut *buf.borrow_mut();
        let n = call(buf);
        if n < 0 {
            return None;
        }
        if n as usize > buf.capacity() {
            buf.reserve(n as usize);
            let again = call(buf);
            assert_eq!(again, n, "synod_guest: the host returned another length on retry");
        }
        Some(buf[..n as usize].to_vec())
    })
}

/// Returns the smallest key greater than `key`, or `None` if there is none:
/// `key` + 0x00, unless `key` has the maximum length, so that no key
/// extends it (and a longer bound would trap).
fn after(key: &[u8]) -> Option<Vec<u8>> {
    if key.len() < MAX_KEY_SIZE {
        let mut next = Vec::with_capacity(key.len() + 1);
        next.extend_from_slice(key);
        next.push(0);
        return Some(next);
    }
    prefix_end(key)
}

/// Returns the smallest key greater than every key that starts with
/// `prefix`, or `None` if there is none (the prefix is all 0xff bytes).
pub fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let last = prefix.iter().rposition(|&b| b != 0xff)?;
    let mut end = prefix[..=last].to_vec();
    end[last] += 1;
    Some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_end_cases() {
        let cases: &[(&[u8], Option<&[u8]>)] = &[
            (b"", None),
            (b"a", Some(b"b")),
            (b"a\xff", Some(b"b")),
            (b"\xff\xff", None),
            (b"ab\xfe", Some(b"ab\xff")),
        ];
        for (prefix, want) in cases {
            assert_eq!(prefix_end(prefix).as_deref(), *want, "prefix {:?}", prefix);
        }
    }

    #[test]
    fn after_cases() {
        assert_eq!(after(b"a"), Some(b"a\0".to_vec()));
        let long = vec![b'a'; MAX_KEY_SIZE];
        let mut want = long.clone();
        want[MAX_KEY_SIZE - 1] = b'b';
        assert_eq!(after(&long), Some(want));
        assert_eq!(after(&vec![0xff; MAX_KEY_SIZE]), None);
    }
}
