//! The client's settings: from the builder, else the environment, else
//! the defaults.

use std::time::Duration;

use http::Uri;

use crate::{Client, Error};

/// Where `synod dev` serves.
pub const DEFAULT_ADDRESS: &str = "http://127.0.0.1:7070";
/// The namespace every cluster has.
pub const DEFAULT_NAMESPACE: &str = "default";
/// The deadline of a call, retries included, unless the client or the call
/// sets another: as long as the gateway gives an upload (which compiles the
/// module on every host). Give data calls a shorter one.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

const ENV_ADDR: &str = "SYNOD_ADDR";
const ENV_TOKEN: &str = "SYNOD_TOKEN";
const ENV_NAMESPACE: &str = "SYNOD_NAMESPACE";

/// Sets up a [`Client`]; what it leaves unset comes from the environment,
/// then from the defaults (see the crate's documentation).
#[derive(Clone, Debug, Default)]
pub struct ClientBuilder {
    address: Option<String>,
    token: Option<String>,
    namespace: Option<String>,
    timeout: Option<Duration>,
}

/// The settings a client is made with.
#[derive(Debug, PartialEq, Eq)]
struct Settings {
    address: String,
    token: String,
    namespace: String,
    timeout: Duration,
}

impl ClientBuilder {
    /// Sets the gateway's URL, such as `http://127.0.0.1:7070`; default
    /// `SYNOD_ADDR`, else [`DEFAULT_ADDRESS`].
    pub fn address(mut self, url: impl Into<String>) -> Self {
        self.address = Some(url.into());
        self
    }

    /// Sets the API key sent with every call as `Authorization: Bearer
    /// TOKEN`; default `SYNOD_TOKEN`. An empty token sends none.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Sets the namespace of the modules and shards the client names;
    /// default `SYNOD_NAMESPACE`, else [`DEFAULT_NAMESPACE`].
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// Sets the deadline of each call, retries included; default
    /// [`DEFAULT_TIMEOUT`]. [`Client::with_timeout`] sets one call's.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Makes the client. It fails with
    /// [`Code::InvalidArgument`](crate::Code::InvalidArgument) on an address
    /// that is not an `http://` URL, or a token that cannot be a header.
    pub fn build(self) -> Result<Client, Error> {
        let s = self.settings(|var| std::env::var(var).ok());
        Client::connect(parse_address(&s.address)?, &s.token, s.namespace, s.timeout)
    }

    /// Resolves the settings over the environment `env` and the defaults;
    /// an empty variable counts as unset, but for the token.
    fn settings(self, env: impl Fn(&str) -> Option<String>) -> Settings {
        let var = |name| env(name).filter(|v: &String| !v.is_empty());
        Settings {
            address: self
                .address
                .or_else(|| var(ENV_ADDR))
                .unwrap_or_else(|| DEFAULT_ADDRESS.into()),
            token: self.token.or_else(|| env(ENV_TOKEN)).unwrap_or_default(),
            namespace: self
                .namespace
                .or_else(|| var(ENV_NAMESPACE))
                .unwrap_or_else(|| DEFAULT_NAMESPACE.into()),
            timeout: self.timeout.unwrap_or(DEFAULT_TIMEOUT),
        }
    }
}

/// Parses the gateway's address: an `http://` URL (this client has no TLS
/// yet; see the README).
fn parse_address(address: &str) -> Result<Uri, Error> {
    let bad = || Error::invalid_argument(format!("address {address:?}: want a URL such as {DEFAULT_ADDRESS}"));
    let uri: Uri = address.parse().map_err(|_| bad())?;
    match uri.scheme_str() {
        Some("http") if uri.host().is_some() => Ok(uri),
        Some("https") => Err(Error::invalid_argument(format!(
            "address {address:?}: https is not supported by this client yet"
        ))),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn settings() {
        struct Case {
            name: &'static str,
            builder: ClientBuilder,
            env: &'static [(&'static str, &'static str)],
            want: (&'static str, &'static str, &'static str, Duration),
        }
        let cases = [
            Case {
                name: "defaults",
                builder: ClientBuilder::default(),
                env: &[],
                want: (DEFAULT_ADDRESS, "", DEFAULT_NAMESPACE, DEFAULT_TIMEOUT),
            },
            Case {
                name: "environment",
                builder: ClientBuilder::default(),
                env: &[
                    ("SYNOD_ADDR", "http://h:1"),
                    ("SYNOD_TOKEN", "t"),
                    ("SYNOD_NAMESPACE", "n"),
                ],
                want: ("http://h:1", "t", "n", DEFAULT_TIMEOUT),
            },
            Case {
                name: "builder over environment",
                builder: ClientBuilder::default()
                    .address("http://b:2")
                    .token("")
                    .namespace("bn")
                    .timeout(Duration::from_secs(3)),
                env: &[
                    ("SYNOD_ADDR", "http://h:1"),
                    ("SYNOD_TOKEN", "t"),
                    ("SYNOD_NAMESPACE", "n"),
                ],
                want: ("http://b:2", "", "bn", Duration::from_secs(3)),
            },
            Case {
                name: "empty variables",
                builder: ClientBuilder::default(),
                env: &[("SYNOD_ADDR", ""), ("SYNOD_NAMESPACE", "")],
                want: (DEFAULT_ADDRESS, "", DEFAULT_NAMESPACE, DEFAULT_TIMEOUT),
            },
        ];
        for c in cases {
            let s = c.builder.settings(env(c.env));
            let got = (s.address.as_str(), s.token.as_str(), s.namespace.as_str(), s.timeout);
            assert_eq!(got, c.want, "{}", c.name);
        }
    }

    #[test]
    fn addresses() {
        for (address, ok) in [
            ("http://127.0.0.1:7070", true),
            ("http://synod.example.com", true),
            ("https://synod.example.com", false),
            ("127.0.0.1:7070", false),
            ("ftp://h", false),
            ("not a url", false),
        ] {
            assert_eq!(parse_address(address).is_ok(), ok, "{address}");
        }
    }
}
