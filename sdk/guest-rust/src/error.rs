use std::fmt;

/// The application error code reported for an [`Error`] whose code is 0,
/// which the ABI reserves for success.
pub const CODE_UNKNOWN: u32 = 1;

/// An application error: a handler returns one to reject a command or a
/// query with a code and a message for the client.
///
/// Every write of the call is rolled back, and the client receives Connect
/// code `failed_precondition` with a `synod.v1.ApplicationError` detail
/// holding the code and the message. The codes' meaning is the module's to
/// define and document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// The module-defined code; never 0 (see [`Error::new`]).
    pub code: u32,
    /// What went wrong, shown to the client.
    pub message: String,
}

impl Error {
    /// Returns an error with `code` and `message`. Code 0 means success in
    /// the ABI, so it becomes [`CODE_UNKNOWN`].
    pub fn new(code: u32, message: impl Into<String>) -> Error {
        let code = if code == 0 { CODE_UNKNOWN } else { code };
        Error {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "application error {}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}
