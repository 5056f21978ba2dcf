//! kv: a key-value store with compare-and-swap and prefix listing, as a
//! Synod state machine written with the Rust guest kit
//! ([`synod_guest`]). It is the Go example `examples/kv` in Rust, byte for
//! byte: the same commands, results, errors and stored entries (README.md
//! lists them).

mod command;
mod ops;

use synod_guest::{Error, StateMachine};

/// The kv state machine.
pub struct Kv;

impl StateMachine for Kv {
    fn update(cmd: &[u8]) -> Result<Vec<u8>, Error> {
        ops::update(&command::parse(cmd)?)
    }

    fn query(query: &[u8]) -> Result<Vec<u8>, Error> {
        ops::query(&command::parse(query)?)
    }
}

synod_guest::export!(Kv);
