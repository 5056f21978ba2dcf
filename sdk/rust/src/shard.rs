//! Shards: create, get, list, delete.

use std::time::Duration;

use crate::proto::synod::v1 as api;
use crate::{Client, Error, Shard};

/// The settings of a new shard. Each field's zero value means the cluster's
/// default (docs/api.md lists them and their caps).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShardSettings {
    /// The number of replicas: 1, 3 or 5; default 3 (capped at the number of
    /// hosts of a smaller cluster).
    pub replicas: u32,
    /// The fuel budget of each call to the shard.
    pub fuel_limit: u64,
    /// The most bytes one command may write.
    pub write_bytes_limit: u64,
    /// The most writes (sets and deletes) one command may make.
    pub write_keys_limit: u64,
    /// The most bytes of keys and values the shard may hold.
    pub stored_bytes_limit: u64,
    /// How long the shard keeps each command's idempotency key and result,
    /// in whole seconds; default a day.
    pub idempotency_window: Duration,
}

impl Client {
    /// Creates a shard named `name` that runs the module with the given
    /// hash, and waits until it has a leader.
    pub async fn create_shard(&self, name: &str, module_hash: &str, settings: ShardSettings) -> Result<Shard, Error> {
        let what = || format!("create shard {name}");
        if settings.idempotency_window.subsec_nanos() != 0 {
            return Err(Error::invalid_argument(format!(
                "idempotency window {:?} is not a whole number of seconds",
                settings.idempotency_window
            ))
            .context(what()));
        }
        let s = self.services();
        let req = api::CreateShardRequest {
            name: name.into(),
            module_hash: module_hash.into(),
            namespace: s.namespace.clone(),
            replica_count: settings.replicas,
            fuel_limit: settings.fuel_limit,
            write_bytes_limit: settings.write_bytes_limit,
            write_keys_limit: settings.write_keys_limit,
            stored_bytes_limit: settings.stored_bytes_limit,
            idempotency_window_seconds: settings.idempotency_window.as_secs(),
            ..Default::default()
        };
        let res = self
            .call(what, false, |o| {
                let req = req.clone();
                async move { Ok(s.shards.create_shard_with_options(req, o).await?.into_owned()) }
            })
            .await?;
        Ok(res.shard.into_option().unwrap_or_default())
    }

    /// Describes the shard named `name`, with its current leader and
    /// applied index.
    pub async fn get_shard(&self, name: &str) -> Result<Shard, Error> {
        let s = self.services();
        let req = api::GetShardRequest {
            name: name.into(),
            namespace: s.namespace.clone(),
            ..Default::default()
        };
        let res = self
            .call(
                || format!("get shard {name}"),
                true,
                |o| {
                    let req = req.clone();
                    async move { Ok(s.shards.get_shard_with_options(req, o).await?.into_owned()) }
                },
            )
            .await?;
        Ok(res.shard.into_option().unwrap_or_default())
    }

    /// Describes every shard of the namespace, ordered by name.
    pub async fn list_shards(&self) -> Result<Vec<Shard>, Error> {
        let s = self.services();
        let req = api::ListShardsRequest {
            namespace: s.namespace.clone(),
            ..Default::default()
        };
        let res = self
            .call(
                || "list shards".into(),
                true,
                |o| {
                    let req = req.clone();
                    async move { Ok(s.shards.list_shards_with_options(req, o).await?.into_owned()) }
                },
            )
            .await?;
        Ok(res.shards)
    }

    /// Stops every replica of the shard named `name` and deletes its state.
    pub async fn delete_shard(&self, name: &str) -> Result<(), Error> {
        let s = self.services();
        let req = api::DeleteShardRequest {
            name: name.into(),
            namespace: s.namespace.clone(),
            ..Default::default()
        };
        self.call(
            || format!("delete shard {name}"),
            false,
            |o| {
                let req = req.clone();
                async move { s.shards.delete_shard_with_options(req, o).await.map(drop) }
            },
        )
        .await
    }
}
