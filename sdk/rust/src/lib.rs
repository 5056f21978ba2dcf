//! The Rust client of [Synod](https://github.com/synodhq/synod): consensus as
//! a service, with your state machine in WebAssembly.
//!
//! A [`Client`] calls one gateway, in one namespace. It is cheap to clone
//! and safe to share between tasks: make one and clone it.
//!
//! ```no_run
//! # async fn run() -> Result<(), synod::Error> {
//! use synod::{Client, Consistency};
//!
//! let synod = Client::new()?; // SYNOD_ADDR, SYNOD_TOKEN
//! let put = synod.propose("mykv", br#"{"op":"put","key":"greeting","value":"hello"}"#).await?;
//! let got = synod
//!     .query("mykv", br#"{"op":"get","key":"greeting"}"#, Consistency::AtLeastIndex(put.index))
//!     .await?;
//! println!("{}", String::from_utf8_lossy(&got.result));
//! # Ok(())
//! # }
//! ```
//!
//! # Configuration
//!
//! [`ClientBuilder`] sets each setting; what it leaves unset comes from the
//! environment, as the `synod` CLI reads it, then from the defaults:
//! `SYNOD_ADDR` (else [`DEFAULT_ADDRESS`]), `SYNOD_TOKEN` (the API key, sent
//! as `Authorization: Bearer`), `SYNOD_NAMESPACE` (else
//! [`DEFAULT_NAMESPACE`]).
//!
//! # Deadlines and retries
//!
//! Every call has a deadline, retries included: the client's timeout
//! ([`DEFAULT_TIMEOUT`], [`ClientBuilder::timeout`]), or a call's own
//! through [`Client::with_timeout`]. A call that fails in a way that may
//! pass (no leader yet, a lost connection) is made again, with a backoff,
//! until the deadline, if doing so is safe: the first attempt certainly was
//! not applied, or the call is repeatable. Queries and reads are; a
//! command is when it has an idempotency key, which [`Client::propose`]
//! generates unless told otherwise ([`ProposeOptions`]), so the shard runs
//! it at most once however often it is sent.
//!
//! # Errors
//!
//! A failed call returns an [`Error`]: its Connect [`Code`], its message,
//! whether a failed command was [`Applied`], the module's
//! [`ApplicationError`] if the module rejected the command or query, and
//! the fuel it used.

#![warn(missing_docs)]

mod batch;
mod client;
mod config;
mod error;
mod module;
mod propose;
mod query;
mod retry;
mod shard;

/// The generated messages of the `synod.v1` API (and `google.api`'s
/// `HttpBody`), as protoc-gen-buffa writes them.
#[allow(missing_docs)]
#[rustfmt::skip]
#[path = "gen/buffa/mod.rs"]
pub mod proto;

/// The generated Connect clients of the `synod.v1` services, as
/// protoc-gen-connect-rust writes them, for the calls the [`Client`] does
/// not wrap (keys, namespaces, cluster operations).
#[allow(missing_docs)]
#[rustfmt::skip]
#[path = "gen/connect/mod.rs"]
pub mod connect;

pub use batch::{Batch, BatchResult, Command, CommandResult};
pub use client::Client;
pub use config::{ClientBuilder, DEFAULT_ADDRESS, DEFAULT_NAMESPACE, DEFAULT_TIMEOUT};
pub use error::{ApplicationError, Applied, Code, Error};
pub use propose::{ProposeOptions, ProposeResult};
pub use query::{Consistency, QueryResult};
pub use shard::ShardSettings;

/// A module's metadata, as the API returns it.
pub type Module = proto::synod::v1::Module;
/// A shard's description, as the API returns it.
pub type Shard = proto::synod::v1::Shard;

#[cfg(test)]
mod tests {
    /// The calls' futures are Send, so that they can be spawned.
    #[test]
    fn futures_are_send() {
        fn send<T: Send>(_: T) {}
        let c = crate::Client::builder().build().unwrap();
        send(c.propose("kv", b"{}"));
        send(c.query("kv", b"{}", crate::Consistency::Stale));
        send(c.propose_batch("kv", crate::Batch::default()));
        send(c.upload_module(b"".to_vec()));
        send(c.create_shard("kv", "h", crate::ShardSettings::default()));
    }

    /// A timeout too long for an instant is no deadline, not a panic.
    #[tokio::test]
    async fn huge_timeout() {
        let c = crate::Client::builder().address("http://127.0.0.1:1").build().unwrap();
        let e = c
            .with_timeout(std::time::Duration::MAX)
            .propose_with("kv", b"{}", crate::ProposeOptions::without_idempotency_key())
            .await
            .unwrap_err();
        assert_eq!(e.code(), crate::Code::Unavailable, "{e}");
    }
}
