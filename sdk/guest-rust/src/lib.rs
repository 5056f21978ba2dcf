//! Write [Synod](https://github.com/synodhq/synod) state machines in Rust.
//!
//! A state machine is a WebAssembly module that Synod runs on every replica
//! of a shard. This crate implements the guest ABI (`docs/abi.md` in the
//! Synod repository) so that a module only has to say what its updates and
//! queries do:
//!
//! ```
//! use synod_guest::{kv, Error, StateMachine};
//!
//! /// Remembers the last command it was given.
//! struct Last;
//!
//! impl StateMachine for Last {
//!     fn update(cmd: &[u8]) -> Result<Vec<u8>, Error> {
//!         kv::set(b"last", cmd);
//!         Ok(cmd.to_vec())
//!     }
//!
//!     fn query(_query: &[u8]) -> Result<Vec<u8>, Error> {
//!         kv::get(b"last").ok_or_else(|| Error::new(404, "nothing yet"))
//!     }
//! }
//!
//! synod_guest::export!(Last);
//! ```
//!
//! Build it as a `cdylib` for `wasm32-unknown-unknown` (the crate's README
//! says how). [`export!`] writes the module's exports; [`kv`] reads and
//! writes the shard's store; [`json`] reads commands and writes results as
//! Go's `encoding/json` does, so that modules in every language agree byte
//! for byte.
//!
//! # Rules
//!
//! - **State lives in the store** ([`kv`]), never in memory: every update
//!   starts from the module's memory as it was right after start-up, so
//!   nothing a handler leaves in memory survives it.
//! - **Deterministic**: the same command and the same state must give the
//!   same result and the same writes on every replica. No floats in
//!   results or state, no clocks, no randomness (this target has neither).
//! - **Errors are values**: a handler returns an [`Error`] to reject a
//!   command, and every write of the call is rolled back. A panic traps the
//!   module (the call is rolled back too, and the client gets `aborted`),
//!   so a handler must never panic on bad input.
//!
//! Compiled for anything but `wasm32`, the store is an in-memory map, one
//! per thread, that [`testing::TestShard`] drives, so a state machine's
//! tests run natively with `cargo test`.

#![warn(missing_docs)]

mod entry;
mod error;
mod host;
pub mod json;
pub mod kv;
#[cfg(not(target_arch = "wasm32"))]
pub mod testing;

pub use error::{Error, CODE_UNKNOWN};

/// The version of the Synod guest ABI this crate implements; the module's
/// `synod_abi_version` export returns it.
pub const ABI_VERSION: i32 = 1;

/// The largest key, in bytes. A longer key traps the call, so check keys
/// that come from a command and return an [`Error`] instead.
pub const MAX_KEY_SIZE: usize = 4 << 10;

/// The largest value, in bytes. A longer value traps the call.
pub const MAX_VALUE_SIZE: usize = 1 << 20;

/// The largest result or error message, in bytes.
pub const MAX_RESULT_SIZE: usize = 4 << 20;

/// A state machine: the handlers that the module's entry points call.
///
/// The host calls them one at a time, never concurrently. Both must be
/// deterministic (see the crate's documentation). Register the type with
/// [`export!`].
pub trait StateMachine {
    /// Applies one committed command, on every replica. It may read and
    /// write keys; if it returns an error, none of its writes are kept.
    fn update(cmd: &[u8]) -> Result<Vec<u8>, Error>;

    /// Answers one read-only query, on one replica. It may read keys; a
    /// write traps the call.
    fn query(query: &[u8]) -> Result<Vec<u8>, Error>;
}

/// Exports a [`StateMachine`] as the module's entry points: `synod_update`,
/// `synod_query`, `synod_alloc`, `synod_abi_version` and `_initialize`.
///
/// Use it once, in the crate that is built into the module:
/// `synod_guest::export!(MyStateMachine);`
#[macro_export]
macro_rules! export {
    ($machine:ty) => {
        #[no_mangle]
        pub extern "C" fn synod_abi_version() -> i32 {
            $crate::ABI_VERSION
        }

        #[no_mangle]
        pub extern "C" fn synod_alloc(size: u32) -> *mut u8 {
            $crate::__private::alloc(size)
        }

        #[no_mangle]
        pub extern "C" fn synod_update(ptr: *mut u8, len: u32) -> i32 {
            $crate::__private::call(ptr, len, <$machine as $crate::StateMachine>::update)
        }

        #[no_mangle]
        pub extern "C" fn synod_query(ptr: *mut u8, len: u32) -> i32 {
            $crate::__private::call(ptr, len, <$machine as $crate::StateMachine>::query)
        }

        #[no_mangle]
        pub extern "C" fn _initialize() {
            $crate::__private::initialize()
        }
    };
}

/// What [`export!`] expands to calls; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use crate::entry::{alloc, call, initialize};
}
