//! An in-memory shard for native tests of a state machine.
//!
//! Compiled for anything but `wasm32`, the store that [`crate::kv`] reads
//! and writes is a sorted map, one per thread, and [`TestShard`] runs a
//! [`StateMachine`]'s handlers on it as the host would: an update that
//! fails keeps none of its writes, and a write from a query panics (the
//! host traps it). Each test thread has a shard of its own.

use crate::{Error, StateMachine};
use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::panic;

/// A shard in memory that runs the state machine `M`'s handlers.
#[derive(Debug)]
pub struct TestShard<M> {
    machine: PhantomData<M>,
}

impl<M: StateMachine> TestShard<M> {
    /// Returns a shard whose store, this thread's, starts empty.
    pub fn new() -> TestShard<M> {
        host::with(|s| *s = Store::default());
        TestShard { machine: PhantomData }
    }

    /// Applies `cmd` as a committed command. If the handler fails or
    /// panics (a trap, on the host), its writes are rolled back; a panic
    /// then goes on to the caller.
    pub fn update(&self, cmd: &[u8]) -> Result<Vec<u8>, Error> {
        host::with(|s| s.undo = Some(Vec::new()));
        let outcome = panic::catch_unwind(|| M::update(cmd));
        host::with(|s| {
            let undo = s.undo.take().unwrap_or_default();
            if !matches!(outcome, Ok(Ok(_))) {
                s.roll_back(undo);
            }
        });
        outcome.unwrap_or_else(|trap| panic::resume_unwind(trap))
    }

    /// Answers `query`; a write from the handler panics.
    pub fn query(&self, query: &[u8]) -> Result<Vec<u8>, Error> {
        host::with(|s| s.read_only = true);
        let outcome = panic::catch_unwind(|| M::query(query));
        host::with(|s| s.read_only = false);
        outcome.unwrap_or_else(|trap| panic::resume_unwind(trap))
    }

    /// Returns every entry of the store, in key order.
    pub fn entries(&self) -> BTreeMap<Vec<u8>, Vec<u8>> {
        host::with(|s| s.entries.clone())
    }
}

impl<M: StateMachine> Default for TestShard<M> {
    fn default() -> TestShard<M> {
        TestShard::new()
    }
}

/// This thread's store.
#[derive(Debug, Default)]
struct Store {
    entries: BTreeMap<Vec<u8>, Vec<u8>>,
    read_only: bool,
    /// While an update runs, what each of its writes replaced, in order.
    undo: Option<Vec<(Vec<u8>, Option<Vec<u8>>)>>,
}

impl Store {
    /// Writes `key` (a set with `Some`, a delete with `None`), and keeps
    /// what it replaced for a roll-back.
    fn write(&mut self, key: &[u8], value: Option<&[u8]>) {
        assert!(!self.read_only, "a write from a query: the host traps");
        let old = match value {
            Some(v) => self.entries.insert(key.to_vec(), v.to_vec()),
            None => self.entries.remove(key),
        };
        if let Some(undo) = &mut self.undo {
            undo.push((key.to_vec(), old));
        }
    }

    /// Undoes the writes `undo` recorded, last first.
    fn roll_back(&mut self, undo: Vec<(Vec<u8>, Option<Vec<u8>>)>) {
        for (key, old) in undo.into_iter().rev() {
            match old {
                Some(v) => self.entries.insert(key, v),
                None => self.entries.remove(&key),
            };
        }
    }
}

/// The host functions of [`crate::host`], on this thread's [`Store`], with
/// the host's checks: a write from a query, or a key or value over the
/// limits, panics as the host traps.
pub(crate) mod host {
    use super::Store;
    use crate::{MAX_KEY_SIZE, MAX_VALUE_SIZE};
    use std::cell::RefCell;
    use std::ops::Bound;

    thread_local! {
        static STORE: RefCell<Store> = RefCell::new(Store::default());
    }

    /// Runs `f` on this thread's store.
    pub(super) fn with<T>(f: impl FnOnce(&mut Store) -> T) -> T {
        STORE.with(|s| f(&mut s.borrow_mut()))
    }

    fn check_key(key: &[u8]) {
        assert!(!key.is_empty() && key.len() <= MAX_KEY_SIZE, "key of {} bytes: the host traps", key.len());
    }

    /// Copies `value` into `buf` if it fits, as the host does, and returns
    /// its length.
    fn copy_out(value: &[u8], buf: &mut Vec<u8>) -> i32 {
        buf.clear();
        if value.len() <= buf.capacity() {
            buf.extend_from_slice(value);
        }
        value.len() as i32
    }

    pub fn get(key: &[u8], buf: &mut Vec<u8>) -> i32 {
        check_key(key);
        with(|s| s.entries.get(key).map_or(-1, |v| copy_out(v, buf)))
    }

    pub fn set(key: &[u8], value: &[u8]) {
        check_key(key);
        assert!(value.len() <= MAX_VALUE_SIZE, "value of {} bytes: the host traps", value.len());
        with(|s| s.write(key, Some(value)))
    }

    pub fn delete(key: &[u8]) {
        check_key(key);
        with(|s| s.write(key, None))
    }

    pub fn scan(start: &[u8], end: &[u8], limit: i32, buf: &mut Vec<u8>) -> i32 {
        assert!(
            start.len() <= MAX_KEY_SIZE && end.len() <= MAX_KEY_SIZE,
            "scan bound of {} bytes: the host traps",
            start.len().max(end.len())
        );
        let limit = if limit <= 0 || limit > 1000 { 1000 } else { limit as usize };
        let upper = if end.is_empty() { Bound::Unbounded } else { Bound::Excluded(end) };
        let mut page = Vec::new();
        with(|s| {
            if !end.is_empty() && start >= end {
                return;
            }
            for (k, v) in s.entries.range::<[u8], _>((Bound::Included(start), upper)).take(limit) {
                for field in [k, v] {
                    page.extend_from_slice(&(field.len() as u32).to_le_bytes());
                    page.extend_from_slice(field);
                }
            }
        });
        copy_out(&page, buf)
    }

    /// Natively, a panic is reported by the default hook, which the test
    /// harness captures; `initialize` never runs.
    pub fn report_panic(_message: &str) {}

    pub fn set_output(_out: &[u8]) {}

    pub fn set_error(_code: u32, _msg: &str) {}
}
