//! ProposeBatch: several commands in one log entry.

use crate::propose::new_key;
use crate::proto::synod::v1 as api;
use crate::{Client, Error, ProposeResult};

/// Several commands for one shard, sent in one call and committed in one
/// log entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Batch {
    /// The commands, run in order: 1 to 256 of them, of at most 4 MiB in
    /// all.
    pub commands: Vec<Command>,
    /// Keeps the writes of every command or of none: the first command that
    /// fails makes every one fail. Otherwise each command succeeds or fails
    /// on its own.
    pub atomic: bool,
    /// Sends the commands that have no key without one, instead of with a
    /// generated key; a batch with such a command is never sent again after
    /// an unknown outcome.
    pub without_idempotency_keys: bool,
}

/// One command of a [`Batch`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Command {
    /// The bytes passed to the module.
    pub data: Vec<u8>,
    /// The command's key, as [`ProposeOptions::idempotency_key`]; `None`
    /// generates one, unless [`Batch::without_idempotency_keys`] is set.
    ///
    /// [`ProposeOptions::idempotency_key`]: crate::ProposeOptions::idempotency_key
    pub idempotency_key: Option<String>,
}

impl Command {
    /// A command with a generated key.
    pub fn new(data: impl Into<Vec<u8>>) -> Self {
        Command {
            data: data.into(),
            idempotency_key: None,
        }
    }
}

/// The outcome of a batch: of each command.
#[derive(Clone, Debug, Default)]
pub struct BatchResult {
    /// Each command's outcome, in order.
    pub results: Vec<CommandResult>,
    /// The log index the batch was committed at.
    pub index: u64,
    /// The fuel the batch's commands used.
    pub fuel_used: u64,
}

/// The outcome of one command of a batch: its result (with its index and
/// key; for a replayed command, the first one's index), or its failure,
/// which says whether it was applied (an atomic batch's commands fail
/// together).
pub type CommandResult = Result<ProposeResult, Error>;

impl Client {
    /// Sends a batch of commands to the module of the shard named `shard`,
    /// and returns each command's outcome. Like [`Client::propose`], it
    /// gives each command a key unless told otherwise, and sends the batch
    /// again when its outcome is unknown if every command has one. A
    /// failure of the call itself is the `Err`; each command's own is in
    /// its [`CommandResult`].
    pub async fn propose_batch(&self, shard: &str, batch: Batch) -> Result<BatchResult, Error> {
        let what = || format!("propose batch to {shard}");
        let s = self.services();
        let mut req = api::ProposeBatchRequest {
            shard: shard.into(),
            atomic: batch.atomic,
            namespace: s.namespace.clone(),
            ..Default::default()
        };
        for cmd in batch.commands {
            let key = match cmd.idempotency_key {
                None if !batch.without_idempotency_keys => new_key().map_err(|e| e.context(what()))?,
                key => key.unwrap_or_default(),
            };
            req.commands.push(api::BatchCommand {
                command: cmd.data,
                idempotency_key: key,
                ..Default::default()
            });
        }
        let keyed = req.commands.iter().all(|c| !c.idempotency_key.is_empty());
        let res = self
            .call(what, keyed, |o| {
                let req = req.clone();
                async move { Ok(s.data.propose_batch_with_options(req, o).await?.into_owned()) }
            })
            .await?;
        let results = res
            .results
            .iter()
            .zip(&req.commands)
            .map(|(r, cmd)| match r.error.as_option() {
                Some(ce) => Err(Error::from_command(ce, r.fuel_used)),
                None => Ok(ProposeResult {
                    result: r.result.clone(),
                    index: r.index,
                    fuel_used: r.fuel_used,
                    replayed: r.replayed,
                    idempotency_key: Some(cmd.idempotency_key.clone()).filter(|k| !k.is_empty()),
                }),
            })
            .collect();
        Ok(BatchResult {
            results,
            index: res.index,
            fuel_used: res.fuel_used,
        })
    }
}
