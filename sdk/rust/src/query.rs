//! Query: a read at the consistency the caller chooses.

use crate::proto::synod::v1 as api;
use crate::{Client, Error};

/// How fresh a query's reading of a shard must be: the per-call trade
/// between latency and freshness.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Consistency {
    /// Sees every command committed before the query started: the leader
    /// confirms it still leads (one round of heartbeats) before it reads.
    #[default]
    Linearizable,
    /// Runs on any one replica with no round trip, and may miss the latest
    /// commands; [`QueryResult::index`] says which index it read at.
    Stale,
    /// Reads on any replica once it has applied this index, waiting for it
    /// within the call's deadline: given the [`ProposeResult::index`] of a
    /// command, the query sees that command's effect (read your writes)
    /// without a round trip to the leader.
    ///
    /// [`ProposeResult::index`]: crate::ProposeResult::index
    AtLeastIndex(u64),
}

impl Consistency {
    /// The API's level and least index.
    fn to_api(self) -> (api::Consistency, u64) {
        match self {
            Consistency::Linearizable => (api::Consistency::CONSISTENCY_LINEARIZABLE, 0),
            Consistency::Stale => (api::Consistency::CONSISTENCY_STALE, 0),
            Consistency::AtLeastIndex(index) => (api::Consistency::CONSISTENCY_AT_LEAST_INDEX, index),
        }
    }
}

/// The answer to a query.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueryResult {
    /// The bytes the module returned.
    pub result: Vec<u8>,
    /// The applied index of the state the query read.
    pub index: u64,
    /// The fuel the query used.
    pub fuel_used: u64,
}

impl Client {
    /// Runs a read-only query against the module of the shard named
    /// `shard`, at `consistency`. A query changes nothing, so it is retried
    /// like a keyed command when its outcome is unknown.
    pub async fn query(
        &self,
        shard: &str,
        query: impl Into<Vec<u8>>,
        consistency: Consistency,
    ) -> Result<QueryResult, Error> {
        let (level, min_index) = consistency.to_api();
        let s = self.services();
        let req = api::QueryRequest {
            shard: shard.into(),
            query: query.into(),
            consistency: level.into(),
            min_index,
            namespace: s.namespace.clone(),
            ..Default::default()
        };
        let res = self
            .call(
                || format!("query {shard}"),
                true,
                |o| {
                    let req = req.clone();
                    async move { Ok(s.data.query_with_options(req, o).await?.into_owned()) }
                },
            )
            .await?;
        Ok(QueryResult {
            result: res.result,
            index: res.index,
            fuel_used: res.fuel_used,
        })
    }
}
