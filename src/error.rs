//! The one error type of the crate.
//!
//! Every failure a caller can see is an [`Error`] carrying an [`ErrorCode`]; the JS API turns it into an
//! `Error` whose `name` is `"ReelcutError"` and whose `code` is [`ErrorCode::as_str`].

use std::borrow::Cow;
use std::fmt;

/// What kind of failure happened: the stable, documented part of an error that programs branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// The bytes are not a valid file of the format they claim to be (truncated, inconsistent, random).
    MalformedInput,
    /// The file is valid but uses a codec this browser or this library cannot handle.
    UnsupportedCodec,
    /// The input is valid but uses a feature the library does not handle yet.
    Unsupported,
    /// Fetching bytes failed (HTTP error status, connection lost, body shorter than announced).
    Network,
    /// The caller cancelled the operation (an `AbortSignal` fired).
    Aborted,
    /// A time or index lies outside what the media holds.
    OutOfRange,
    /// The input asks for more than the library's safety limits allow (counts, sizes, nesting).
    LimitExceeded,
    /// A browser API failed in a way the library did not expect; the message carries the browser's words.
    Browser,
    /// The object was closed or destroyed: a `Media` after `close()`, a `Player` after `destroy()`.
    InvalidState,
}

impl ErrorCode {
    /// The code as JS sees it in `error.code`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MalformedInput => "malformed_input",
            ErrorCode::UnsupportedCodec => "unsupported_codec",
            ErrorCode::Unsupported => "unsupported",
            ErrorCode::Network => "network",
            ErrorCode::Aborted => "aborted",
            ErrorCode::OutOfRange => "out_of_range",
            ErrorCode::LimitExceeded => "limit_exceeded",
            ErrorCode::Browser => "browser",
            ErrorCode::InvalidState => "invalid_state",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error with a code to branch on and a message a person can act on.
///
/// It is one pointer wide (its code and message are boxed), so a `Result` carrying it stays small: every
/// `?` moves a pointer, not the code and the three words of the message, which in the wasm made each of
/// the hundreds of `?` that pass an error on a few dozen bytes of moves. An error is made rarely; the
/// allocation is nothing beside the message's own.
#[derive(Clone, PartialEq, Eq)]
pub struct Error(Box<Parts>);

#[derive(Clone, PartialEq, Eq)]
struct Parts {
    code: ErrorCode,
    message: Cow<'static, str>,
}

impl Error {
    /// An error of kind `code` explained by `message`: a fixed message is kept as the `&'static str` it is
    /// (no allocation, and less code at each of the ~150 sites in the wasm), a formatted one as its `String`.
    pub fn new(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> Self {
        Error::from_parts(code, message.into())
    }

    fn from_parts(code: ErrorCode, message: Cow<'static, str>) -> Self {
        Error(Box::new(Parts { code, message }))
    }

    /// `malformed_input`: the bytes are not a valid file of their format.
    pub fn malformed(message: impl Into<Cow<'static, str>>) -> Self {
        Error::new(ErrorCode::MalformedInput, message)
    }

    /// `limit_exceeded`: the input asks for more than the safety limits allow.
    pub fn limit(message: impl Into<Cow<'static, str>>) -> Self {
        Error::new(ErrorCode::LimitExceeded, message)
    }

    /// `unsupported`: valid input using a feature the library does not handle.
    pub fn unsupported(message: impl Into<Cow<'static, str>>) -> Self {
        Error::new(ErrorCode::Unsupported, message)
    }

    /// What kind of failure this is.
    pub fn code(&self) -> ErrorCode {
        self.0.code
    }

    /// The human-readable explanation.
    pub fn message(&self) -> &str {
        &self.0.message
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("code", &self.0.code)
            .field("message", &self.0.message)
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.0.code, self.0.message)
    }
}

impl std::error::Error for Error {}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_leads_with_the_code() {
        let err = Error::new(ErrorCode::OutOfRange, "clip end 12.5 s is past the end (10 s)");
        assert_eq!(err.to_string(), "out_of_range: clip end 12.5 s is past the end (10 s)");
        assert_eq!(err.code().as_str(), "out_of_range");
    }
}
