//! The client, and the call every method makes.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use connectrpc::ConnectError;
use connectrpc::client::{CallOptions, ClientConfig, HttpClient};
use http::{HeaderValue, Uri};

use crate::config::ClientBuilder;
use crate::connect::synod::v1::{DataServiceClient, ModuleServiceClient, ShardServiceClient};
use crate::error::Error;
use crate::retry::retry;

/// The deadline of a call whose timeout is past what an instant can hold.
const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

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

impl Client {
    /// Makes a client configured by the environment and the defaults:
    /// `Client::builder().build()`.
    pub fn new() -> Result<Self, Error> {
        ClientBuilder::default().build()
    }

    /// Returns a builder of a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Makes a client of the gateway at `uri`.
    pub(crate) fn connect(uri: Uri, token: &str, namespace: String, timeout: Duration) -> Result<Self, Error> {
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
            timeout,
        })
    }

    /// Returns a client that shares this one's connections and settings,
    /// but gives each call the deadline `timeout`, retries included:
    /// `client.with_timeout(Duration::from_secs(2)).query(...)` bounds one
    /// call. A zero timeout fails every call with
    /// [`Code::DeadlineExceeded`](crate::Code::DeadlineExceeded).
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
        let now = tokio::time::Instant::now();
        // A timeout too long to add is as good as none: a century.
        let deadline = now.checked_add(self.timeout).unwrap_or_else(|| now + CENTURY);
        retry(deadline, repeatable, attempt)
            .await
            .map_err(|e| e.context(what()))
    }
}
