//! Propose: a command, exactly once.

use crate::proto::synod::v1 as api;
use crate::{Client, Code, Error};

/// The outcome of a command the shard applied.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProposeResult {
    /// The bytes the module returned.
    pub result: Vec<u8>,
    /// The log index the command was committed at: pass it to
    /// [`Consistency::AtLeastIndex`](crate::Consistency::AtLeastIndex) to
    /// read the command's effect from any replica.
    pub index: u64,
    /// The fuel the command used.
    pub fuel_used: u64,
    /// Whether the shard had run a command with the same idempotency key
    /// before, at `index`, and returned that command's result without
    /// running this one.
    pub replayed: bool,
    /// The key the command was sent with, generated unless given; `None`
    /// for a command sent without one.
    pub idempotency_key: Option<String>,
}

/// How [`Client::propose_with`] keys a command; the default generates a
/// key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProposeOptions {
    key: KeyChoice,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
enum KeyChoice {
    #[default]
    Generated,
    Given(String),
    Without,
}

impl ProposeOptions {
    /// Sends the command with `key` (up to 255 bytes) instead of a
    /// generated one: the shard runs the command at most once however often
    /// a command with that key is sent, for its idempotency window, and
    /// answers the repeats with the first result. Give one to make a
    /// command exactly once across retries of your own (a serverless
    /// function that is run again, say).
    pub fn idempotency_key(key: impl Into<String>) -> Self {
        ProposeOptions {
            key: KeyChoice::Given(key.into()),
        }
    }

    /// Sends the command without a key: a command whose outcome is unknown
    /// is then never sent again, and the call fails with
    /// [`Applied::Unknown`](crate::Applied::Unknown). Use it for a command
    /// that must not cost the shard a key.
    pub fn without_idempotency_key() -> Self {
        ProposeOptions {
            key: KeyChoice::Without,
        }
    }

    /// The key to send: given, generated, or none.
    fn resolve(self) -> Result<Option<String>, Error> {
        match self.key {
            KeyChoice::Generated => new_key().map(Some),
            KeyChoice::Given(key) => Ok(Some(key)),
            KeyChoice::Without => Ok(None),
        }
    }
}

/// Returns an idempotency key: the time in Unix milliseconds (12 hex
/// digits), then 128 random bits (32 hex digits). Keys that rise with time
/// cost a shard less to look up and keep than random ones; the random part
/// keeps them unique and unguessable.
pub(crate) fn new_key() -> Result<String, Error> {
    let mut bits = [0u8; 16];
    getrandom::fill(&mut bits).map_err(|e| Error::local(Code::Internal, format!("make an idempotency key: {e}")))?;
    let random: String = bits.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{:012x}{random}", unix_millis()))
}

/// Returns the time in Unix milliseconds; 0 for a clock set before 1970.
fn unix_millis() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

impl Client {
    /// Sends a command to the module of the shard named `shard`, waits until
    /// a majority has committed it and it has been applied, and returns the
    /// module's result. It is linearizable, and exactly once: the command
    /// gets a generated idempotency key, and is sent again under it, until
    /// the deadline, when its outcome is unknown. A failure says whether the
    /// command was applied ([`Error::applied`]).
    pub async fn propose(&self, shard: &str, command: impl Into<Vec<u8>>) -> Result<ProposeResult, Error> {
        self.propose_with(shard, command, ProposeOptions::default()).await
    }

    /// Sends a command as [`Client::propose`] does, keyed as `options`
    /// says.
    pub async fn propose_with(
        &self,
        shard: &str,
        command: impl Into<Vec<u8>>,
        options: ProposeOptions,
    ) -> Result<ProposeResult, Error> {
        let key = options
            .resolve()
            .map_err(|e| e.context(format!("propose to {shard}")))?;
        let s = self.services();
        let req = api::ProposeRequest {
            shard: shard.into(),
            command: command.into(),
            idempotency_key: key.clone().unwrap_or_default(),
            namespace: s.namespace.clone(),
            ..Default::default()
        };
        let res = self
            .call(
                || format!("propose to {shard}"),
                key.is_some(),
                |o| {
                    let req = req.clone();
                    async move { Ok(s.data.propose_with_options(req, o).await?.into_owned()) }
                },
            )
            .await?;
        Ok(ProposeResult {
            result: res.result,
            index: res.index,
            fuel_used: res.fuel_used,
            replayed: res.replayed,
            idempotency_key: key,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{new_key, unix_millis};

    /// A key starts with the time it was made, so that later keys sort
    /// after earlier ones; two keys made in the same millisecond differ.
    #[test]
    fn generated_keys_rise_with_time() {
        let before = unix_millis();
        let first = new_key().unwrap();
        assert_ne!(new_key().unwrap(), first, "two keys made at once are the same");
        let ms = u128::from_str_radix(&first[..12], 16).unwrap();
        assert!(
            before <= ms && ms <= unix_millis(),
            "key {first} does not start with the time"
        );
        while unix_millis() == ms {
            // until the next millisecond
        }
        assert!(
            new_key().unwrap() > first,
            "a key made a millisecond later sorts before or with {first}"
        );
        assert_eq!(first.len(), 12 + 32);
    }
}
