//! The one HTTP exchange the chain asks for, over ureq: a connect deadline, one whole-request
//! deadline (connect, send, the complete answer; ureq applies the remaining time to every read), no
//! redirects, no proxy, a body limit. Failures are classified for the core's error mapping.

use mongodb_aws_core::providers::chain::{HttpAction, IoError};
use mongodb_aws_core::providers::MAX_RESPONSE_LEN;
use std::io::{self, Read};
use std::sync::Mutex;
use std::time::Duration;
use zeroize::Zeroizing;

/// A complete answer.
pub(crate) struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Zeroizing<Vec<u8>>,
}

fn io_kind(e: &io::Error) -> IoError {
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => IoError::Timeout,
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => IoError::Closed,
        // ureq reports a body shorter than its Content-Length (or cut chunking) this way: the
        // connection closed before the answer was complete.
        io::ErrorKind::UnexpectedEof => IoError::Closed,
        io::ErrorKind::ConnectionRefused => IoError::Refused,
        _ => IoError::BadResponse,
    }
}

fn source_io(e: &ureq::Transport) -> Option<&io::Error> {
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        if let Some(io) = s.downcast_ref::<io::Error>() {
            return Some(io);
        }
        src = s.source();
    }
    None
}

fn classify(t: &ureq::Transport) -> IoError {
    use ureq::ErrorKind as K;
    let io = source_io(t);
    match t.kind() {
        K::Dns => IoError::Refused,
        K::ConnectionFailed => match io.map(io::Error::kind) {
            Some(io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock) => IoError::ConnectTimeout,
            _ => IoError::Refused,
        },
        K::Io => match io {
            Some(e) if e.kind() == io::ErrorKind::UnexpectedEof => IoError::Closed,
            Some(e) => io_kind(e),
            None => IoError::Closed,
        },
        K::BadStatus | K::BadHeader | K::TooManyRedirects | K::InvalidUrl | K::UnknownScheme => {
            // An empty answer (closed before a status line) is reported as a bad status.
            if t.to_string().contains("empty") {
                IoError::Closed
            } else {
                IoError::BadResponse
            }
        }
        _ => IoError::BadResponse,
    }
}

/// One agent per connect deadline, built once (building one loads the TLS roots): no redirects, no
/// proxy, no connection reuse. The whole-request deadline is set per request.
fn agent(connect_timeout_ms: u32) -> ureq::Agent {
    static AGENTS: Mutex<Vec<(u32, ureq::Agent)>> = Mutex::new(Vec::new());
    let mut agents = AGENTS.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, a)) = agents.iter().find(|(ms, _)| *ms == connect_timeout_ms) {
        return a.clone();
    }
    let a = ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_millis(u64::from(connect_timeout_ms)))
        .redirects(0)
        .try_proxy_from_env(false)
        .max_idle_connections(0)
        .user_agent(concat!("mongodb-aws/", env!("CARGO_PKG_VERSION")))
        .build();
    // A handful of distinct deadlines exist (IMDS, containers, STS); bound the list anyway.
    if agents.len() >= 16 {
        agents.remove(0);
    }
    agents.push((connect_timeout_ms, a.clone()));
    a
}

/// Sends the chain's request and reads the whole answer.
pub(crate) fn send(h: &HttpAction<'_>) -> Result<Response, IoError> {
    let mut raw = Zeroizing::new(vec![0u8; h.request.len()]);
    let req = h
        .request
        .write(&mut raw)
        .map_err(|_| IoError::BadResponse)?;
    let url = format!(
        "{}://{}{}",
        req.scheme().as_str(),
        req.authority(),
        req.target()
    );
    let mut r = agent(h.connect_timeout_ms)
        .request(req.method(), &url)
        .timeout(Duration::from_millis(u64::from(h.timeout_ms)));
    for (name, value) in req.headers() {
        if name.eq_ignore_ascii_case("host")
            || name.eq_ignore_ascii_case("content-length")
            || name.eq_ignore_ascii_case("connection")
        {
            continue;
        }
        r = r.set(name, value);
    }
    let result = if req.body().is_empty() && req.method() != "POST" && req.method() != "PUT" {
        r.call()
    } else {
        r.send_bytes(req.body())
    };
    let resp = match result {
        Ok(resp) => resp,
        Err(ureq::Error::Status(_, resp)) => resp,
        Err(ureq::Error::Transport(t)) => return Err(classify(&t)),
    };
    let status = resp.status();
    let headers = resp
        .headers_names()
        .into_iter()
        .filter(|n| !n.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|n| resp.header(&n).map(|v| (n.clone(), v.to_string())))
        .collect();
    let mut body = Zeroizing::new(Vec::new());
    resp.into_reader()
        .take(MAX_RESPONSE_LEN as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|e| io_kind(&e))?;
    if body.len() > MAX_RESPONSE_LEN {
        return Err(IoError::BadResponse);
    }
    Ok(Response {
        status,
        headers,
        body,
    })
}
