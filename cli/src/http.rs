//! Just enough HTTP/1.1 for talking to an STS stand-in on loopback: read a request or response head,
//! read a body (Content-Length, chunked, or until the peer closes), parse `http://host:port` URLs,
//! and POST a request under one deadline for the whole exchange (connect, send, entire answer).

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// Largest head or body accepted (STS replies are a few hundred bytes).
const MAX_SIZE: usize = 1 << 20;

/// A request line or status line, and the headers, as received.
#[derive(Debug, Clone, PartialEq)]
pub struct Head {
    pub start_line: String,
    pub headers: Vec<(String, String)>,
}

impl Head {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The status code of a response head.
    pub fn status(&self) -> Option<u16> {
        self.start_line.split(' ').nth(1)?.parse().ok()
    }
}

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

/// Reads a head; `Ok(None)` if the peer closed before sending anything.
pub fn read_head<R: BufRead>(r: &mut R) -> io::Result<Option<Head>> {
    let mut lines = Vec::new();
    let mut total = 0usize;
    loop {
        let mut line = Vec::new();
        let n = r.take(MAX_SIZE as u64).read_until(b'\n', &mut line)?;
        if n == 0 {
            if lines.is_empty() {
                return Ok(None);
            }
            return Err(bad("connection closed inside an HTTP head"));
        }
        total += n;
        if total > MAX_SIZE {
            return Err(bad("HTTP head too large"));
        }
        let text = String::from_utf8(line).map_err(|_| bad("HTTP head is not UTF-8"))?;
        let text = text.trim_end_matches(['\r', '\n']).to_string();
        if text.is_empty() {
            if lines.is_empty() {
                continue; // tolerate a stray CRLF between messages
            }
            break;
        }
        lines.push(text);
    }
    let mut it = lines.into_iter();
    let start_line = it.next().unwrap_or_default();
    let mut headers: Vec<(String, String)> = Vec::new();
    for l in it {
        if l.starts_with([' ', '\t']) {
            // Obsolete line folding: append to the previous value.
            let last = headers
                .last_mut()
                .ok_or_else(|| bad("folded first header"))?;
            last.1.push(' ');
            last.1.push_str(l.trim());
            continue;
        }
        let (n, v) = l.split_once(':').ok_or_else(|| bad("header without ':'"))?;
        headers.push((n.trim().to_string(), v.trim().to_string()));
    }
    Ok(Some(Head {
        start_line,
        headers,
    }))
}

/// Reads the body that follows `head`. `to_eof_ok`: a response without a length runs to the close.
pub fn read_body<R: BufRead>(r: &mut R, head: &Head, to_eof_ok: bool) -> io::Result<Vec<u8>> {
    if head
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
    {
        let mut body = Vec::new();
        loop {
            let line = read_line_bounded(r)?;
            let size = line.trim().split(';').next().unwrap_or("");
            let size = usize::from_str_radix(size, 16).map_err(|_| bad("bad chunk size"))?;
            if body.len() + size > MAX_SIZE {
                return Err(bad("HTTP body too large"));
            }
            if size == 0 {
                // Trailers until an empty line.
                loop {
                    let t = read_line_bounded(r)?;
                    if t.trim().is_empty() {
                        return Ok(body);
                    }
                }
            }
            let start = body.len();
            body.resize(start + size, 0);
            r.read_exact(&mut body[start..])?;
            let mut crlf = [0u8; 2];
            r.read_exact(&mut crlf)?;
        }
    }
    if let Some(len) = head.header("content-length") {
        let len: usize = len.parse().map_err(|_| bad("bad Content-Length"))?;
        if len > MAX_SIZE {
            return Err(bad("HTTP body too large"));
        }
        let mut body = vec![0u8; len];
        r.read_exact(&mut body)?;
        return Ok(body);
    }
    let mut body = Vec::new();
    if to_eof_ok {
        r.take(MAX_SIZE as u64).read_to_end(&mut body)?;
    }
    Ok(body)
}

/// One line (chunk size or trailer) of at most `MAX_SIZE` bytes; empty at end of file.
fn read_line_bounded<R: BufRead>(r: &mut R) -> io::Result<String> {
    let mut line = Vec::new();
    r.take(MAX_SIZE as u64).read_until(b'\n', &mut line)?;
    if line.len() >= MAX_SIZE {
        return Err(bad("HTTP chunk line too long"));
    }
    String::from_utf8(line).map_err(|_| bad("HTTP chunk line is not UTF-8"))
}

/// `http://HOST:PORT[/]` -> `HOST:PORT` (port 80 if absent). Only plain http: the endpoints this
/// tool forwards to are STS stand-ins on loopback. Errors do not repeat the URL (a mistyped
/// command line may have put a secret there).
pub fn parse_http_url(url: &str) -> Result<String, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| "expected an http:// URL (a loopback STS stand-in)".to_string())?;
    let authority = rest.split('/').next().unwrap_or("");
    if rest.len() > authority.len() && &rest[authority.len()..] != "/" {
        return Err("expected no path after http://HOST:PORT (STS is called at /)".into());
    }
    if authority.contains('@') {
        return Err("expected http://HOST:PORT without user information".into());
    }
    if authority.is_empty() {
        return Err("expected http://HOST:PORT".into());
    }
    let has_port = match authority.rfind(':') {
        Some(i) => !authority[i..].contains(']'),
        None => false,
    };
    Ok(if has_port {
        authority.to_string()
    } else {
        format!("{authority}:80")
    })
}

/// Writes a response with a body and `Connection: close`.
pub fn response(status: u16, reason: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// An answer to a POST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Why a POST to STS got no answer.
#[derive(Debug)]
pub enum PostError {
    /// The endpoint does not resolve to an address.
    Resolve(io::Error),
    /// No connection (refused, unreachable) to any address of the endpoint.
    Connect(SocketAddr, io::Error),
    /// The whole exchange (connect, send, entire answer) did not finish in time.
    TimedOut(Duration),
    /// The peer closed the connection before a complete answer.
    Closed,
    /// The answer is not HTTP/1.1 this client reads (or is too large).
    Malformed(String),
    /// Another I/O error (a reset, ...).
    Io(io::Error),
}

/// Seconds as people write them: `10`, `0.5`.
pub fn seconds(d: Duration) -> String {
    format!("{}", (d.as_secs_f64() * 1000.0).round() / 1000.0)
}

impl std::fmt::Display for PostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PostError::Resolve(e) => write!(f, "STS endpoint does not resolve: {e}"),
            PostError::Connect(addr, e) => write!(f, "STS unreachable at {addr}: {e}"),
            PostError::TimedOut(d) => write!(f, "STS timed out after {} s", seconds(*d)),
            PostError::Closed => f.write_str("STS closed the connection without a complete answer"),
            PostError::Malformed(m) => write!(f, "STS sent a malformed HTTP answer: {m}"),
            PostError::Io(e) => write!(f, "talking to STS: {e}"),
        }
    }
}

impl std::error::Error for PostError {}

/// A socket whose every read and write gets the time left before one deadline, so a peer that
/// trickles bytes cannot stretch the exchange past it (a per-read timeout would restart on every
/// byte).
pub struct Deadlined<'a> {
    stream: &'a TcpStream,
    deadline: Instant,
}

impl<'a> Deadlined<'a> {
    pub fn new(stream: &'a TcpStream, deadline: Instant) -> Self {
        Deadlined { stream, deadline }
    }

    fn left(&self) -> io::Result<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(io::Error::new(io::ErrorKind::TimedOut, "deadline passed"))
        } else {
            Ok(left)
        }
    }
}

impl Read for Deadlined<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.set_read_timeout(Some(self.left()?))?;
        let mut s = self.stream;
        s.read(buf)
    }
}

impl Write for Deadlined<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.set_write_timeout(Some(self.left()?))?;
        let mut s = self.stream;
        s.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn classify(e: io::Error, timeout: Duration) -> PostError {
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => PostError::TimedOut(timeout),
        io::ErrorKind::UnexpectedEof => PostError::Closed,
        io::ErrorKind::InvalidData => PostError::Malformed(e.to_string()),
        _ => PostError::Io(e),
    }
}

/// POSTs `request` (a whole HTTP/1.1 request) to `endpoint` (`HOST:PORT`) and reads the answer,
/// all within `timeout`.
pub fn post(endpoint: &str, request: &[u8], timeout: Duration) -> Result<Response, PostError> {
    let deadline = Instant::now() + timeout;
    let addrs: Vec<SocketAddr> = endpoint
        .to_socket_addrs()
        .map_err(PostError::Resolve)?
        .collect();
    let mut last = None;
    let mut stream = None;
    for addr in addrs {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(PostError::TimedOut(timeout));
        }
        match TcpStream::connect_timeout(&addr, left) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                ) =>
            {
                return Err(PostError::TimedOut(timeout))
            }
            Err(e) => last = Some((addr, e)),
        }
    }
    let stream = match (stream, last) {
        (Some(s), _) => s,
        (None, Some((addr, e))) => return Err(PostError::Connect(addr, e)),
        (None, None) => {
            return Err(PostError::Resolve(io::Error::new(
                io::ErrorKind::NotFound,
                "no address",
            )))
        }
    };
    let _ = stream.set_nodelay(true);
    let mut io = Deadlined::new(&stream, deadline);
    io.write_all(request).map_err(|e| classify(e, timeout))?;
    let mut r = BufReader::new(io);
    let head = read_head(&mut r)
        .map_err(|e| classify(e, timeout))?
        .ok_or(PostError::Closed)?;
    let status = head
        .status()
        .ok_or_else(|| PostError::Malformed("no HTTP status".into()))?;
    let body = read_body(&mut r, &head, true).map_err(|e| classify(e, timeout))?;
    Ok(Response { status, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_and_bodies() {
        let raw = b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/xml\r\nContent-Length: 5\r\nX-Fold: a\r\n  b\r\n\r\nhelloEXTRA";
        let mut r = BufReader::new(&raw[..]);
        let h = read_head(&mut r).unwrap().unwrap();
        assert_eq!(h.status(), Some(403));
        assert_eq!(h.header("content-type"), Some("text/xml"));
        assert_eq!(h.header("x-fold"), Some("a b"));
        assert_eq!(read_body(&mut r, &h, true).unwrap(), b"hello");

        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n";
        let mut r = BufReader::new(&raw[..]);
        let h = read_head(&mut r).unwrap().unwrap();
        assert_eq!(read_body(&mut r, &h, true).unwrap(), b"abcde");

        let raw = b"HTTP/1.0 200 OK\r\n\r\nuntil close";
        let mut r = BufReader::new(&raw[..]);
        let h = read_head(&mut r).unwrap().unwrap();
        assert_eq!(read_body(&mut r, &h, true).unwrap(), b"until close");

        assert_eq!(read_head(&mut BufReader::new(&b""[..])).unwrap(), None);
        assert!(read_head(&mut BufReader::new(&b"GET / HTTP/1.1\r\n"[..])).is_err());
    }

    /// A stand-in STS on loopback that runs `answer` on its one connection.
    fn stand_in(answer: impl FnOnce(TcpStream) + Send + 'static) -> String {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap().to_string();
        std::thread::spawn(move || {
            if let Ok((s, _)) = l.accept() {
                answer(s)
            }
        });
        addr
    }

    const REQ: &[u8] = b"POST / HTTP/1.1\r\nHost: sts.amazonaws.com\r\nContent-Length: 0\r\n\r\n";

    #[test]
    fn post_has_one_deadline_for_the_whole_exchange() {
        // Hangs: accepts, reads, never answers.
        let addr = stand_in(|mut s| {
            let mut buf = [0u8; 256];
            let _ = s.read(&mut buf);
            std::thread::sleep(Duration::from_secs(2));
        });
        let t = Instant::now();
        let e = post(&addr, REQ, Duration::from_millis(300)).unwrap_err();
        assert!(matches!(e, PostError::TimedOut(_)), "{e:?}");
        assert_eq!(e.to_string(), "STS timed out after 0.3 s");
        assert!(
            t.elapsed() < Duration::from_millis(900),
            "{:?}",
            t.elapsed()
        );

        // Trickles: a byte every 50 ms, each within any per-read timeout, never the whole answer
        // in time.
        let addr = stand_in(|mut s| {
            let mut buf = [0u8; 256];
            let _ = s.read(&mut buf);
            let answer = b"HTTP/1.1 200 OK\r\nContent-Length: 200\r\n\r\n";
            for b in answer.iter().chain([b'x'; 200].iter()) {
                if s.write_all(&[*b]).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        let t = Instant::now();
        let e = post(&addr, REQ, Duration::from_millis(500)).unwrap_err();
        assert!(matches!(e, PostError::TimedOut(_)), "{e:?}");
        let took = t.elapsed();
        assert!(
            took >= Duration::from_millis(450) && took < Duration::from_millis(1200),
            "{took:?}"
        );

        // A 5xx answer is an answer.
        let addr = stand_in(|mut s| {
            let mut buf = [0u8; 256];
            let _ = s.read(&mut buf);
            let _ = s.write_all(&response(503, "Service Unavailable", "text/plain", b"busy"));
        });
        let r = post(&addr, REQ, Duration::from_secs(5)).unwrap();
        assert_eq!((r.status, &r.body[..]), (503, &b"busy"[..]));

        // Closed without answering; nobody listening.
        let addr = stand_in(|mut s| {
            let mut buf = [0u8; 256];
            let _ = s.read(&mut buf);
        });
        assert!(matches!(
            post(&addr, REQ, Duration::from_secs(5)),
            Err(PostError::Closed)
        ));
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap().to_string();
        drop(l);
        assert!(matches!(
            post(&addr, REQ, Duration::from_secs(5)),
            Err(PostError::Connect(..))
        ));
    }

    #[test]
    fn urls() {
        assert_eq!(
            parse_http_url("http://127.0.0.1:5000").unwrap(),
            "127.0.0.1:5000"
        );
        assert_eq!(
            parse_http_url("http://127.0.0.1:5000/").unwrap(),
            "127.0.0.1:5000"
        );
        assert_eq!(parse_http_url("http://localhost").unwrap(), "localhost:80");
        assert_eq!(parse_http_url("http://[::1]:9").unwrap(), "[::1]:9");
        assert!(parse_http_url("https://sts.amazonaws.com").is_err());
        assert!(parse_http_url("http://127.0.0.1:5000/x").is_err());
        assert!(parse_http_url("http://u@h:1").is_err());
        // Errors do not repeat what was given (it may be a secret in the wrong place).
        for bad in [
            "s3cr3t",
            "http://AKID:s3cr3t@h:1",
            "http://h:1/s3cr3t",
            "http://",
        ] {
            let e = parse_http_url(bad).unwrap_err();
            assert!(!e.contains("s3cr3t") && !e.contains("AKID"), "{e}");
        }
    }
}
