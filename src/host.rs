//! What the core needs from the outside world, as small traits: the log, files, HTTP and the
//! clock. The action implements them over the Node shim (`crate::wasm`); tests implement them
//! in memory, so every mode runs natively under `cargo test` with no network.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::task::Poll;

use crate::secrets::Secrets;

/// How a log line is shown in the job log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// A plain line.
    Info,
    /// Shown only with step debug logging on.
    Debug,
    /// A warning annotation.
    Warning,
    /// Opens a collapsible group named by the message.
    Group,
    /// Closes the current group.
    EndGroup,
}

impl Level {
    /// The name the shim understands.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Debug => "debug",
            Level::Warning => "warning",
            Level::Group => "group",
            Level::EndGroup => "endgroup",
        }
    }
}

/// The job log.
pub trait Log {
    /// Writes one message at `level`.
    fn log(&self, level: Level, message: &str);

    /// A plain log line.
    fn info(&self, message: &str) {
        self.log(Level::Info, message);
    }

    /// A warning annotation.
    fn warning(&self, message: &str) {
        self.log(Level::Warning, message);
    }
}

/// A failed file operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IoError {
    /// The system's error code (`ENOENT`, `EACCES`, …), or empty when unknown.
    pub code: String,
    /// The system's message.
    pub message: String,
}

impl IoError {
    /// Whether the file does not exist.
    pub fn is_not_found(&self) -> bool {
        self.code == "ENOENT"
    }
}

impl fmt::Display for IoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The runner's file system. Paths are absolute.
pub trait Files {
    /// Reads a whole file.
    fn read(&self, path: &str) -> Result<Vec<u8>, IoError>;
    /// Replaces a file's contents.
    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), IoError>;
    /// The path with every symbolic link resolved.
    fn real_path(&self, path: &str) -> Result<String, IoError>;
}

/// Runs two futures at once (two requests in flight, say) and gives both outputs.
pub(crate) async fn both<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let (mut a, mut b) = (std::pin::pin!(a), std::pin::pin!(b));
    let (mut first, mut second) = (None, None);
    std::future::poll_fn(|cx| {
        if first.is_none() {
            if let Poll::Ready(out) = a.as_mut().poll(cx) {
                first = Some(out);
            }
        }
        if second.is_none() {
            if let Poll::Ready(out) = b.as_mut().poll(cx) {
                second = Some(out);
            }
        }
        match (first.take(), second.take()) {
            (Some(x), Some(y)) => Poll::Ready((x, y)),
            (x, y) => {
                (first, second) = (x, y);
                Poll::Pending
            }
        }
    })
    .await
}

/// An HTTP request.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct HttpRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The absolute URL.
    pub url: String,
    /// Header names and values.
    pub headers: BTreeMap<String, String>,
    /// The body, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Give up after this many milliseconds.
    #[serde(rename = "timeoutMs")]
    pub timeout_ms: u64,
    /// Stop reading an answer longer than this many bytes (an error, not a truncated body).
    #[serde(rename = "maxBytes")]
    pub max_bytes: u64,
}

/// An HTTP response.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header names (lower-cased) and values.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The body text.
    #[serde(default)]
    pub body: String,
}

/// A request that got no response (refused, reset, timed out): whether it reached the server
/// is unknown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpError(pub String);

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The network.
#[allow(async_fn_in_trait)]
pub trait Http {
    /// Sends one request.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpError>;
}

/// Time and chance.
#[allow(async_fn_in_trait)]
pub trait Clock {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> f64;
    /// Waits `ms` milliseconds.
    async fn sleep(&self, ms: u64);
    /// `bytes` random bytes as lower-case hex.
    fn random_hex(&self, bytes: usize) -> String;

    /// A uniformly random number in `0..bound` (for jitter).
    fn random_below(&self, bound: u64) -> u64 {
        let hex = self.random_hex(8);
        u64::from_str_radix(&hex, 16).unwrap_or(0) % bound.max(1)
    }
}

/// A host whose log never shows a secret: every line passes through [`Secrets::redact`]; the
/// rest is the wrapped host's.
pub struct Redacting<'h, H> {
    /// The host wrapped.
    pub host: &'h H,
    /// What is redacted.
    pub secrets: &'h Secrets,
}

impl<H: Log> Log for Redacting<'_, H> {
    fn log(&self, level: Level, message: &str) {
        self.host.log(level, &self.secrets.redact(message));
    }
}

impl<H: Files> Files for Redacting<'_, H> {
    fn read(&self, path: &str) -> Result<Vec<u8>, IoError> {
        self.host.read(path)
    }

    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), IoError> {
        self.host.write(path, bytes)
    }

    fn real_path(&self, path: &str) -> Result<String, IoError> {
        self.host.real_path(path)
    }
}

impl<H: Http> Http for Redacting<'_, H> {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        self.host.send(request).await
    }
}

impl<H: Clock> Clock for Redacting<'_, H> {
    fn now_ms(&self) -> f64 {
        self.host.now_ms()
    }

    async fn sleep(&self, ms: u64) {
        self.host.sleep(ms).await;
    }

    fn random_hex(&self, bytes: usize) -> String {
        self.host.random_hex(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::FakeHost;

    /// A future that is pending `polls` times, noting each poll in `trace`, then ready.
    async fn after(polls: usize, name: &'static str, trace: &std::cell::RefCell<Vec<&'static str>>) -> &'static str {
        let mut left = polls;
        std::future::poll_fn(|cx| {
            trace.borrow_mut().push(name);
            if left == 0 {
                return Poll::Ready(name);
            }
            left -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        })
        .await
    }

    #[test]
    fn both_runs_two_futures_at_once() {
        let trace = std::cell::RefCell::new(Vec::new());
        let out = crate::testing::block_on(both(after(2, "a", &trace), after(0, "b", &trace)));
        assert_eq!(out, ("a", "b"));
        // b finished while a was still pending: they ran interleaved, not one after the other.
        assert_eq!(*trace.borrow(), ["a", "b", "a", "a"]);
    }

    #[test]
    fn the_log_never_shows_a_secret() {
        let fake = FakeHost::new(|_, _| Err(HttpError("unused".into())));
        let secrets = Secrets::new(["s3cr3t-token"]);
        let host = Redacting { host: &fake, secrets: &secrets };
        host.warning("the server said: bad token s3cr3t-token at https://u:p@h/x");
        assert_eq!(fake.log_text(), "the server said: bad token *** at https://***@h/x\n");
    }
}
