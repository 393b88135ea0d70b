//! The HTTP the credential sources need: one request per connection (`Connection: close`), a
//! connect timeout, an overall deadline for the answer, and a size limit. Plain `http://` goes over
//! `std::net::TcpStream` (every endpoint the tests use is on loopback); `https://` (real STS, an
//! https full URI) goes through ureq with rustls.

use mongodb_aws_core::providers::{HttpRequest, Scheme, MAX_RESPONSE_LEN};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// Connect and answer time limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Time to establish the connection.
    pub connect: Duration,
    /// Time from sending the request to the end of the answer.
    pub answer: Duration,
}

/// A response: status and body (headers are only used for framing here, and the IMDS TTL echo).
#[derive(Debug)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// `(name, value)` pairs as received.
    pub headers: Vec<(String, String)>,
    /// The body, at most [`MAX_RESPONSE_LEN`] bytes.
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What went wrong on the wire.
#[derive(Debug)]
pub enum HttpError {
    /// The connection could not be made (refused, no route, name not resolved).
    Unreachable(String),
    /// Connecting took longer than the connect timeout.
    ConnectTimeout,
    /// The answer did not arrive in time.
    AnswerTimeout,
    /// The answer is not valid HTTP/1.1, is truncated, or is larger than the limit.
    BadResponse(String),
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpError::Unreachable(e) => write!(f, "connection failed: {e}"),
            HttpError::ConnectTimeout => f.write_str("connect timed out"),
            HttpError::AnswerTimeout => f.write_str("no complete answer in time"),
            HttpError::BadResponse(e) => write!(f, "bad HTTP response: {e}"),
        }
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
    )
}

/// Sends `req` and reads the answer.
pub fn send(req: &HttpRequest<'_>, t: Timeouts) -> Result<Response, HttpError> {
    match req.scheme() {
        Scheme::Http => send_plain(req, t),
        Scheme::Https => send_tls(req, t),
    }
}

fn send_plain(req: &HttpRequest<'_>, t: Timeouts) -> Result<Response, HttpError> {
    let addrs: Vec<SocketAddr> = (req.host(), req.port())
        .to_socket_addrs()
        .map_err(|e| HttpError::Unreachable(e.to_string()))?
        .collect();
    let mut last = HttpError::Unreachable("no address".into());
    let mut stream = None;
    for a in addrs {
        match TcpStream::connect_timeout(&a, t.connect) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) if is_timeout(&e) => last = HttpError::ConnectTimeout,
            Err(e) => last = HttpError::Unreachable(e.to_string()),
        }
    }
    let mut s = stream.ok_or(last)?;
    let deadline = Instant::now() + t.answer;
    let _ = s.set_nodelay(true);
    s.set_write_timeout(Some(t.answer))
        .map_err(|e| HttpError::Unreachable(e.to_string()))?;
    s.write_all(req.as_bytes()).map_err(|e| {
        if is_timeout(&e) {
            HttpError::AnswerTimeout
        } else {
            HttpError::Unreachable(e.to_string())
        }
    })?;
    read_response(&mut s, deadline)
}

/// Reads until the answer is complete: `Content-Length`, chunked, or until the peer closes.
fn read_response(s: &mut TcpStream, deadline: Instant) -> Result<Response, HttpError> {
    const MAX_HEAD: usize = 16 * 1024;
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = [0u8; 8192];
    let mut eof = false;
    let mut read_more = |buf: &mut Vec<u8>, eof: &mut bool| -> Result<(), HttpError> {
        let left = deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or(HttpError::AnswerTimeout)?;
        s.set_read_timeout(Some(left))
            .map_err(|e| HttpError::Unreachable(e.to_string()))?;
        match s.read(&mut chunk) {
            Ok(0) => *eof = true,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if is_timeout(&e) => return Err(HttpError::AnswerTimeout),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(HttpError::BadResponse(e.to_string())),
        }
        Ok(())
    };
    // Head.
    let head_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        if buf.len() > MAX_HEAD {
            return Err(HttpError::BadResponse("head too large".into()));
        }
        if eof {
            return Err(HttpError::BadResponse(
                "connection closed before the head ended".into(),
            ));
        }
        read_more(&mut buf, &mut eof)?;
    };
    let head = std::str::from_utf8(&buf[..head_end - 4])
        .map_err(|_| HttpError::BadResponse("head is not text".into()))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    let status: u16 = parts
        .next()
        .and_then(|c| c.parse().ok())
        .filter(|c| (100..600).contains(c))
        .ok_or_else(|| HttpError::BadResponse("bad status line".into()))?;
    if !version.starts_with("HTTP/1.") {
        return Err(HttpError::BadResponse("not HTTP/1.x".into()));
    }
    let mut headers = Vec::new();
    for l in lines {
        let (n, v) = l
            .split_once(':')
            .ok_or_else(|| HttpError::BadResponse("bad header line".into()))?;
        headers.push((n.trim().to_string(), v.trim().to_string()));
    }
    let find = |name: &str| {
        headers
            .iter()
            .find(|(n, _): &&(String, String)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let chunked =
        find("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let length: Option<usize> = match find("content-length") {
        Some(v) => Some(
            v.parse()
                .map_err(|_| HttpError::BadResponse("bad Content-Length".into()))?,
        ),
        None => None,
    };
    if length.is_some_and(|n| n > MAX_RESPONSE_LEN) {
        return Err(HttpError::BadResponse("body larger than the limit".into()));
    }
    let mut body_raw = buf.split_off(head_end);
    let body = if chunked {
        loop {
            match decode_chunked(&body_raw)? {
                Some(b) => break b,
                None if eof => return Err(HttpError::BadResponse("truncated chunked body".into())),
                None => {
                    if body_raw.len() > MAX_RESPONSE_LEN * 2 {
                        return Err(HttpError::BadResponse("body larger than the limit".into()));
                    }
                    read_more(&mut body_raw, &mut eof)?
                }
            }
        }
    } else if let Some(n) = length {
        while body_raw.len() < n {
            if eof {
                return Err(HttpError::BadResponse(format!(
                    "truncated body: {} of {n} bytes",
                    body_raw.len()
                )));
            }
            read_more(&mut body_raw, &mut eof)?;
        }
        body_raw.truncate(n);
        body_raw
    } else {
        while !eof {
            if body_raw.len() > MAX_RESPONSE_LEN {
                return Err(HttpError::BadResponse("body larger than the limit".into()));
            }
            read_more(&mut body_raw, &mut eof)?;
        }
        body_raw
    };
    if body.len() > MAX_RESPONSE_LEN {
        return Err(HttpError::BadResponse("body larger than the limit".into()));
    }
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// Decodes a complete chunked body; `Ok(None)` if more bytes are needed.
fn decode_chunked(raw: &[u8]) -> Result<Option<Vec<u8>>, HttpError> {
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        let Some(le) = raw[i..].windows(2).position(|w| w == b"\r\n") else {
            return Ok(None);
        };
        let size_line = std::str::from_utf8(&raw[i..i + le])
            .map_err(|_| HttpError::BadResponse("bad chunk size".into()))?;
        let size_hex = size_line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_hex, 16)
            .map_err(|_| HttpError::BadResponse("bad chunk size".into()))?;
        if size > MAX_RESPONSE_LEN {
            return Err(HttpError::BadResponse("chunk larger than the limit".into()));
        }
        i += le + 2;
        if size == 0 {
            return Ok(Some(out));
        }
        if raw.len() < i + size + 2 {
            return Ok(None);
        }
        out.extend_from_slice(&raw[i..i + size]);
        i += size + 2;
    }
}

fn send_tls(req: &HttpRequest<'_>, t: Timeouts) -> Result<Response, HttpError> {
    let url = format!("https://{}{}", req.authority(), req.target());
    let agent = ureq::AgentBuilder::new()
        .timeout_connect(t.connect)
        .timeout(t.connect + t.answer)
        .redirects(0)
        .build();
    let mut r = agent.request(req.method(), &url);
    for (n, v) in req.headers() {
        r = r.set(n, v);
    }
    let result = if req.method() == "GET" {
        r.call()
    } else {
        r.send_bytes(req.body())
    };
    let resp = match result {
        Ok(resp) => resp,
        Err(ureq::Error::Status(_, resp)) => resp,
        Err(ureq::Error::Transport(e)) => {
            let msg = e.to_string();
            return Err(if msg.contains("timed out") || msg.contains("Timeout") {
                HttpError::AnswerTimeout
            } else {
                HttpError::Unreachable(msg)
            });
        }
    };
    let status = resp.status();
    let headers = resp
        .headers_names()
        .into_iter()
        .filter_map(|n| resp.header(&n).map(|v| (n.clone(), v.to_string())))
        .collect();
    let mut body = Vec::new();
    resp.into_reader()
        .take(MAX_RESPONSE_LEN as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|e| HttpError::BadResponse(e.to_string()))?;
    if body.len() > MAX_RESPONSE_LEN {
        return Err(HttpError::BadResponse("body larger than the limit".into()));
    }
    Ok(Response {
        status,
        headers,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked() {
        assert_eq!(
            decode_chunked(b"5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n").unwrap(),
            Some(b"hello world".to_vec())
        );
        assert_eq!(decode_chunked(b"5\r\nhel").unwrap(), None);
        assert!(decode_chunked(b"zz\r\n").is_err());
    }
}
