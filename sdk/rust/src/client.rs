//! The client, its settings, and the call every method makes.

use std::env;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use connectrpc::ConnectError;
use connectrpc::client::{CallOptions, ClientConfig, HttpClient};
use http::{HeaderValue, Uri};

use crate::connect::synod::v1::{DataServiceClient, ModuleServiceClient, ShardServiceClient};
use crate::error::Error;
use crate::retry::retry;

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

/// A client of one Synod gateway, in one namespace. Cloning it is cheap and
/// the clones share their connections.
#[derive(Clone)]
pub struct Client {
    services: Arc<Services>,
    timeout: Duration,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("address", self.services.data.config().base_uri())
            .field("namespace", &self.services.namespace)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// The generated clients, and the namespace their requests name.
pub(crate) struct Services {
    pub(crate) modules: ModuleServiceClient<HttpClient>,
    pub(crate) shards: ShardServiceClient<HttpClient>,
    pub(crate) data: DataServiceClient<HttpClient>,
    pub(crate) namespace: String,
}

/// Sets up a [`Client`]; what it leaves unset comes from the environment,
/// then from the defaults (see the crate's documentation).
#[derive(Clone, Debug, Default)]
pub struct ClientBuilder {
    address: Option<String>,
    token: Option<String>,
    namespace: Option<String>,
    timeout: Option<Duration>,
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

    /// Makes the client. It fails with [`Code::InvalidArgument`] on an
    /// address that is not an `http://` URL, or a token that cannot be a
    /// header.
    pub fn build(self) -> Result<Client, Error> {
        let address = setting(self.address, ENV_ADDR).unwrap_or_else(|| DEFAULT_ADDRESS.to_owned());
        let token = self
            .token
            .or_else(|| env::var(ENV_TOKEN).ok())
            .unwrap_or_default();
        let namespace =
            setting(self.namespace, ENV_NAMESPACE).unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned());
        let uri = parse_address(&address)?;
        let mut config = ClientConfig::new(uri);
        if !token.is_empty() {
            let value = HeaderValue::try_from(format!("Bearer {token}"))
                .map_err(|_| Error::invalid_argument("the API key is not a valid header value"))?;
            config = config.with_default_header(http::header::AUTHORIZATION, value);
        }
        let http = HttpClient::plaintext();
        Ok(Client {
            services: Arc::new(Services {
                modules: ModuleServiceClient::new(http.clone(), config.clone()),
                shards: ShardServiceClient::new(http.clone(), config.clone()),
                data: DataServiceClient::new(http, config),
                namespace,
            }),
            timeout: self.timeout.unwrap_or(DEFAULT_TIMEOUT),
        })
    }
}

/// Returns the setting if given, else the environment variable's value if
/// set and not empty.
fn setting(given: Option<String>, var: &str) -> Option<String> {
    given.or_else(|| env::var(var).ok().filter(|v| !v.is_empty()))
}

/// Parses the gateway's address: an `http://` URL (this client has no TLS
/// yet; see the README).
fn parse_address(address: &str) -> Result<Uri, Error> {
    let bad = || {
        Error::invalid_argument(format!(
            "address {address:?}: want a URL such as {DEFAULT_ADDRESS}"
        ))
    };
    let uri: Uri = address.parse().map_err(|_| bad())?;
    match uri.scheme_str() {
        Some("http") if uri.host().is_some() => Ok(uri),
        Some("https") => Err(Error::invalid_argument(format!(
            "address {address:?}: https is not supported by this client yet"
        ))),
        _ => Err(bad()),
    }
}

impl Client {
    /// Makes a client configured by the environment and the defaults:
    /// `ClientBuilder::default().build()`.
    pub fn new() -> Result<Self, Error> {
        ClientBuilder::default().build()
    }

    /// Returns a builder of a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Returns a client that shares this one's connections and settings,
    /// but gives each call the deadline `timeout`, retries included:
    /// `client.with_timeout(Duration::from_secs(2)).query(...)` bounds one
    /// call. A zero timeout fails every call with
    /// [`Code::DeadlineExceeded`].
    pub fn with_timeout(&self, timeout: Duration) -> Client {
        Client {
            services: Arc::clone(&self.services),
            timeout,
        }
    }

    /// Returns the namespace of the modules and shards the client names.
    pub fn namespace(&self) -> &str {
        &self.services.namespace
    }

    /// The generated clients.
    pub(crate) fn services(&self) -> &Services {
        &self.services
    }

    /// Makes a call, by `attempt`, within the client's deadline and, if
    /// `repeatable` (see [`retry`]), with its retries; a failure is the
    /// last attempt's [`Error`], which says what failed.
    pub(crate) async fn call<T, Fut>(
        &self,
        what: impl FnOnce() -> String,
        repeatable: bool,
        attempt: impl FnMut(CallOptions) -> Fut,
    ) -> Result<T, Error>
    where
        Fut: Future<Output = Result<T, ConnectError>>,
    {
        let deadline = tokio::time::Instant::now() + self.timeout;
        retry(deadline, repeatable, attempt)
            .await
            .map_err(|e| e.context(what()))
    }
}
