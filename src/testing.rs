//! A host for native tests: virtual time (sleeping advances the clock at once), a log that
//! records lines, and HTTP answered by a closure that plays the server. Each test that answers
//! as a server does says which server code or spec the answer follows.

use std::cell::{Cell, RefCell};

use crate::host::{Clock, Files, Http, HttpError, HttpRequest, HttpResponse, IoError, Level, Log};

/// Plays the server: answers one request.
pub(crate) type Server = Box<dyn FnMut(&HttpRequest, f64) -> Result<HttpResponse, HttpError>>;

/// The test host.
pub(crate) struct FakeHost {
    /// Virtual milliseconds since the epoch.
    pub now: Cell<f64>,
    /// Every request sent, with the virtual time it was sent at.
    pub requests: RefCell<Vec<(f64, HttpRequest)>>,
    /// Every log line.
    pub lines: RefCell<Vec<(Level, String)>>,
    server: RefCell<Server>,
}

impl FakeHost {
    /// A host whose server is `server`.
    pub fn new(server: impl FnMut(&HttpRequest, f64) -> Result<HttpResponse, HttpError> + 'static) -> Self {
        FakeHost {
            now: Cell::new(1_800_000_000_000.0),
            requests: RefCell::new(Vec::new()),
            lines: RefCell::new(Vec::new()),
            server: RefCell::new(Box::new(server)),
        }
    }

    /// The requests sent, as `METHOD /path` without the API base and query.
    pub fn calls(&self) -> Vec<String> {
        self.requests.borrow().iter().map(|(_, r)| format!("{} {}", r.method, route(&r.url))).collect()
    }

    /// The log as text, one line each.
    pub fn log_text(&self) -> String {
        self.lines.borrow().iter().map(|(_, l)| format!("{l}\n")).collect()
    }
}

/// The error a server that never answers produces.
pub(crate) const TIMED_OUT: &str = "timed out";

/// A JSON answer.
pub(crate) fn json(status: u16, body: serde_json::Value) -> Result<HttpResponse, HttpError> {
    Ok(HttpResponse { status, headers: Default::default(), body: body.to_string() })
}

impl Http for FakeHost {
    /// An answer `Err("timed out")` stands for a server that did not answer in time: the
    /// clock moves on by the request's whole timeout, as the shim's timeout would.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let now = self.now.get();
        self.requests.borrow_mut().push((now, request.clone()));
        let answer = (self.server.borrow_mut())(&request, now);
        if matches!(&answer, Err(HttpError(m)) if m == TIMED_OUT) {
            self.now.set(now + request.timeout_ms as f64);
        }
        answer
    }
}

impl Clock for FakeHost {
    fn now_ms(&self) -> f64 {
        self.now.get()
    }

    async fn sleep(&self, ms: u64) {
        self.now.set(self.now.get() + ms as f64);
    }

    fn random_hex(&self, bytes: usize) -> String {
        "5a".repeat(bytes)
    }
}

/// No files: the network modes never touch them.
impl Files for FakeHost {
    fn read(&self, path: &str) -> Result<Vec<u8>, IoError> {
        Err(IoError { code: "ENOENT".into(), message: format!("no file {path} in tests of the network modes") })
    }

    fn write(&self, path: &str, _: &[u8]) -> Result<(), IoError> {
        Err(IoError { code: "EACCES".into(), message: format!("no writing {path} in tests of the network modes") })
    }

    fn real_path(&self, path: &str) -> Result<String, IoError> {
        Ok(path.to_string())
    }
}

impl Log for FakeHost {
    fn log(&self, level: Level, message: &str) {
        self.lines.borrow_mut().push((level, message.to_string()));
    }
}

/// Runs a future that never waits on anything real (the fake host answers at once) to its end.
pub(crate) fn block_on<F: std::future::Future>(future: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

/// The path of a request URL after `/api/v1`, without the query.
pub(crate) fn route(url: &str) -> &str {
    let path = url.split_once("/api/v1").map_or(url, |(_, p)| p);
    path.split('?').next().unwrap_or(path)
}
