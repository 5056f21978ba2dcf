//! The failure of a call: its code, whether it was applied, and the
//! module's own error.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use connectrpc::{ConnectError, ErrorDetail};

use crate::proto::synod::v1 as api;

/// A Connect error code: [`Code::FailedPrecondition`] for a module's
/// application error, [`Code::Aborted`] for a trap, [`Code::Unavailable`]
/// for a shard without a leader or a connection that failed, and so on
/// (docs/api.md). [`Code::as_str`] names it as the API does
/// (`failed_precondition`).
pub use connectrpc::ErrorCode as Code;

/// The header that carries the fuel a Propose or Query used, on its
/// failures too.
const FUEL_USED_HEADER: &str = "synod-fuel-used";

/// Whether a failed command took effect.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Applied {
    /// The command may or may not have been applied (the connection failed,
    /// or the call ended, after it may have reached the shard's log): the
    /// safe assumption when nothing says otherwise.
    #[default]
    Unknown,
    /// The command certainly was not applied: sending it again is safe.
    No,
    /// The command took its place in the log and ran, but the module
    /// rejected it or it trapped, so none of its writes were kept. Sending
    /// it again runs it again.
    Yes,
}

impl Applied {
    /// Names the value as the API does: `yes`, `no` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Applied::Unknown => "unknown",
            Applied::No => "no",
            Applied::Yes => "yes",
        }
    }

    /// Maps the API's value; unspecified is unknown.
    fn of(applied: &buffa::EnumValue<api::Applied>) -> Self {
        match applied.as_known() {
            Some(api::Applied::APPLIED_NO) => Applied::No,
            Some(api::Applied::APPLIED_YES) => Applied::Yes,
            _ => Applied::Unknown,
        }
    }
}

impl fmt::Display for Applied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A module's rejection of a command or query: the code and message the
/// module returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplicationError {
    /// The module's error code (the kv example's 409 is a cas mismatch).
    pub code: u32,
    /// The module's message.
    pub message: String,
}

impl From<&api::ApplicationError> for ApplicationError {
    fn from(e: &api::ApplicationError) -> Self {
        ApplicationError {
            code: e.code,
            message: e.message.clone(),
        }
    }
}

/// The failure of a call.
#[derive(Clone, Debug)]
pub struct Error {
    code: Code,
    message: String,
    applied: Applied,
    application: Option<ApplicationError>,
    fuel_used: u64,
    context: Option<String>,
}

impl Error {
    /// Returns the Connect code.
    pub fn code(&self) -> Code {
        self.code
    }

    /// Returns what went wrong, as the gateway (or the client) said it.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Returns whether a failed command (of a propose or a batch) was
    /// applied. Other calls say [`Applied::Unknown`], or [`Applied::No`]
    /// when the gateway refused the caller or the call was never sent.
    pub fn applied(&self) -> Applied {
        self.applied
    }

    /// Returns the module's error, when the module rejected the command or
    /// query.
    pub fn application_error(&self) -> Option<&ApplicationError> {
        self.application.as_ref()
    }

    /// Returns the fuel the failed command or query used, as the gateway
    /// reported it (0 when it did not).
    pub fn fuel_used(&self) -> u64 {
        self.fuel_used
    }

    /// An error the client makes itself, before sending anything.
    pub(crate) fn local(code: Code, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            applied: Applied::No,
            application: None,
            fuel_used: 0,
            context: None,
        }
    }

    /// An error of [`Code::InvalidArgument`] the client makes itself.
    pub(crate) fn invalid_argument(message: impl Into<String>) -> Self {
        Error::local(Code::InvalidArgument, message)
    }

    /// Says which call failed, in the error's text.
    pub(crate) fn context(mut self, what: String) -> Self {
        self.context = Some(what);
        self
    }

    /// Sets whether the failed command was applied.
    pub(crate) fn set_applied(&mut self, applied: Applied) {
        self.applied = applied;
    }

    /// The error of a call that failed with `ce`. Applied comes from the
    /// ProposeFailure detail when the gateway attached one; without it,
    /// the gateway never decided the call (the connection failed, or a
    /// proxy answered), so the command's fate is unknown, unless the
    /// gateway refused the caller, which it does before anything runs.
    pub(crate) fn from_connect(ce: ConnectError) -> Self {
        let fuel_used = ce
            .response_headers()
            .get(FUEL_USED_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut e = Error {
            code: ce.code,
            message: ce.message.clone().unwrap_or_default(),
            applied: match ce.code {
                Code::Unauthenticated | Code::PermissionDenied => Applied::No,
                _ => Applied::Unknown,
            },
            application: None,
            fuel_used,
            context: None,
        };
        for d in &ce.details {
            match detail_name(d) {
                "synod.v1.ProposeFailure" => {
                    if let Some(m) = decode_detail::<api::ProposeFailure>(d) {
                        e.applied = Applied::of(&m.applied);
                    }
                }
                "synod.v1.ApplicationError" => {
                    if let Some(m) = decode_detail::<api::ApplicationError>(d) {
                        e.application = Some((&m).into());
                    }
                }
                _ => {}
            }
        }
        e
    }

    /// The error of one failed command of a batch.
    pub(crate) fn from_command(ce: &api::CommandError, fuel_used: u64) -> Self {
        Error {
            code: Code::from_str(&ce.code).unwrap_or(Code::Unknown),
            message: ce.message.clone(),
            applied: Applied::of(&ce.applied),
            application: ce.application_error.as_option().map(ApplicationError::from),
            fuel_used,
            context: None,
        }
    }
}

/// The full name of a detail's message, without the type URL's prefix.
fn detail_name(d: &ErrorDetail) -> &str {
    d.type_url.rsplit('/').next().unwrap_or_default()
}

/// Decodes a detail's message, or returns None for one that does not
/// decode (a client need not understand every detail).
fn decode_detail<M: buffa::Message>(d: &ErrorDetail) -> Option<M> {
    let b64 = d.value.as_deref()?;
    let bytes = STANDARD_NO_PAD.decode(b64).or_else(|_| STANDARD.decode(b64)).ok()?;
    M::decode_from_slice(&bytes).ok()
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(what) = &self.context {
            write!(f, "synod: {what}: ")?;
        }
        write!(f, "{}", self.code.as_str())?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}
