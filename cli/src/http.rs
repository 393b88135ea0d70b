//! Just enough HTTP/1.1 for talking to an STS stand-in on loopback: read a request or response head,
//! read a body (Content-Length, chunked, or until the peer closes), parse `http://host:port` URLs.

use std::io::{self, BufRead, Read};

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
            let mut line = String::new();
            r.read_line(&mut line)?;
            let size = line.trim().split(';').next().unwrap_or("");
            let size = usize::from_str_radix(size, 16).map_err(|_| bad("bad chunk size"))?;
            if body.len() + size > MAX_SIZE {
                return Err(bad("HTTP body too large"));
            }
            if size == 0 {
                // Trailers until an empty line.
                loop {
                    let mut t = String::new();
                    if r.read_line(&mut t)? == 0 || t.trim().is_empty() {
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

/// `http://HOST:PORT[/]` -> `HOST:PORT` (port 80 if absent). Only plain http: the endpoints this
/// tool forwards to are STS stand-ins on loopback.
pub fn parse_http_url(url: &str) -> Result<String, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{url}: expected an http:// URL (a loopback STS stand-in)"))?;
    let authority = rest.split('/').next().unwrap_or("");
    if rest.len() > authority.len() && &rest[authority.len()..] != "/" {
        return Err(format!("{url}: expected no path (STS is called at /)"));
    }
    if authority.is_empty() || authority.contains('@') {
        return Err(format!("{url}: expected http://HOST:PORT"));
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

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
    }
}
