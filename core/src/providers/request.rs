//! Endpoints and HTTP/1.1 request plans shared by every credential source.
//!
//! A source's request builder returns a [`RequestPlan`]: the method, endpoint, target, headers and
//! body of one request, validated and borrowed. [`RequestPlan::write`] serialises it as an HTTP/1.1
//! request into a caller buffer ([`RequestPlan::len`] gives the exact size) and returns an
//! [`HttpRequest`] view: hosts with a raw socket send [`HttpRequest::as_bytes`]; hosts with an HTTP
//! library use [`HttpRequest::scheme`], [`HttpRequest::authority`], [`HttpRequest::target`],
//! [`HttpRequest::headers`] and [`HttpRequest::body`].

use crate::sigv4::canonical::put_uri_encoded;
use crate::sigv4::sink::{Counter, Sink, SliceSink};
use crate::{AmzDate, Error};
use core::ops::Range;

/// Longest authority kept (`host:port`, or `[v6]:port`).
pub const MAX_AUTHORITY_LEN: usize = 264;
/// Longest host name accepted in an endpoint URL.
pub const MAX_HOST_LEN: usize = 255;

/// `http` or `https`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// Plain HTTP (port 80 by default).
    Http,
    /// HTTP over TLS (port 443 by default).
    Https,
}

impl Scheme {
    /// `"http"` or `"https"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    /// 80 or 443.
    pub fn default_port(&self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }
}

/// Where a request goes: scheme, host and port. Owns a copy of the authority (never secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    scheme: Scheme,
    authority: heapless::String<MAX_AUTHORITY_LEN>,
    host: Range<usize>,
    port: u16,
}

fn valid_reg_name(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= MAX_HOST_LEN
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
}

fn valid_ipv6(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 45
        && h.contains(':')
        && h.bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
}

impl Endpoint {
    /// An endpoint from its parts. `host` is a DNS name or IPv4 address (letters, digits, `-`, `.`,
    /// `_`), or an IPv6 address without brackets.
    pub fn new(scheme: Scheme, host: &str, port: u16) -> Result<Endpoint, Error> {
        let v6 = host.contains(':');
        if (v6 && !valid_ipv6(host)) || (!v6 && !valid_reg_name(host)) || port == 0 {
            return Err(Error::InvalidEndpointUrl);
        }
        let mut a = heapless::String::<MAX_AUTHORITY_LEN>::new();
        let err = |_| Error::InvalidEndpointUrl;
        if v6 {
            a.push('[').map_err(err)?;
        }
        let start = a.len();
        a.push_str(host).map_err(err)?;
        let end = a.len();
        if v6 {
            a.push(']').map_err(err)?;
        }
        if port != scheme.default_port() {
            let mut digits = [0u8; 5];
            let s = fmt_u32(u32::from(port), &mut digits);
            a.push(':').map_err(err)?;
            a.push_str(s).map_err(err)?;
        }
        Ok(Endpoint {
            scheme,
            authority: a,
            host: start..end,
            port,
        })
    }

    /// Parses `scheme://host[:port][/path][?query]` and returns the endpoint and the request target
    /// (path and query; `/` when empty). Rejects user info, fragments, other schemes and targets with
    /// spaces or control characters ([`Error::InvalidEndpointUrl`]).
    pub fn parse_url(url: &str) -> Result<(Endpoint, &str), Error> {
        let (scheme, rest) = if let Some(r) = strip_prefix_ci(url, "http://") {
            (Scheme::Http, r)
        } else if let Some(r) = strip_prefix_ci(url, "https://") {
            (Scheme::Https, r)
        } else {
            return Err(Error::InvalidEndpointUrl);
        };
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (auth, target) = rest
            .split_at_checked(split)
            .ok_or(Error::InvalidEndpointUrl)?;
        if auth.contains('@') || target.contains('#') || !valid_target_chars(target) {
            return Err(Error::InvalidEndpointUrl);
        }
        let (host, port) = if let Some(v6) = auth.strip_prefix('[') {
            let close = v6.find(']').ok_or(Error::InvalidEndpointUrl)?;
            let (h, after) = v6
                .split_at_checked(close)
                .ok_or(Error::InvalidEndpointUrl)?;
            let after = after.get(1..).unwrap_or("");
            (h, parse_port(after, scheme)?)
        } else {
            match auth.split_once(':') {
                Some((h, p)) => (h, parse_port_digits(p)?),
                None => (auth, scheme.default_port()),
            }
        };
        if !host.contains(':') && host.contains(']') {
            return Err(Error::InvalidEndpointUrl);
        }
        let ep = Endpoint::new(scheme, host, port)?;
        let target = if target.is_empty() { "/" } else { target };
        if !target.starts_with('/') {
            // "http://h?x" — a query without a path: keep it valid HTTP.
            return Err(Error::InvalidEndpointUrl);
        }
        Ok((ep, target))
    }

    /// Parses a base URL `scheme://host[:port]` (a trailing `/` is allowed): an endpoint override for
    /// a source whose path is fixed. A path or query is [`Error::EndpointHasPath`].
    pub fn parse_base(url: &str) -> Result<Endpoint, Error> {
        let (ep, target) = Endpoint::parse_url(url)?;
        if target != "/" {
            return Err(Error::EndpointHasPath);
        }
        Ok(ep)
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host to connect to (IPv6 without brackets).
    pub fn host(&self) -> &str {
        self.authority.get(self.host.clone()).unwrap_or("")
    }

    /// The port to connect to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The `Host` header value: `host`, `host:port` when the port is not the scheme's default, IPv6
    /// in brackets.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// Whether the host is a loopback address literal (`127.0.0.0/8`, `::1`) or `localhost`.
    pub fn is_loopback(&self) -> bool {
        let h = self.host();
        if h.eq_ignore_ascii_case("localhost") {
            return true;
        }
        if let Some(ip) = parse_ipv4(h) {
            return ip[0] == 127;
        }
        parse_ipv6(h) == Some([0, 0, 0, 0, 0, 0, 0, 1])
    }
}

fn strip_prefix_ci<'u>(s: &'u str, p: &str) -> Option<&'u str> {
    let head = s.get(..p.len())?;
    if head.eq_ignore_ascii_case(p) {
        s.get(p.len()..)
    } else {
        None
    }
}

fn valid_target_chars(t: &str) -> bool {
    t.bytes().all(|b| b.is_ascii_graphic())
}

fn parse_port(after_host: &str, scheme: Scheme) -> Result<u16, Error> {
    match after_host.strip_prefix(':') {
        Some(p) => parse_port_digits(p),
        None if after_host.is_empty() => Ok(scheme.default_port()),
        None => Err(Error::InvalidEndpointUrl),
    }
}

fn parse_port_digits(p: &str) -> Result<u16, Error> {
    if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::InvalidEndpointUrl);
    }
    match p.parse::<u16>() {
        Ok(v) if v > 0 => Ok(v),
        _ => Err(Error::InvalidEndpointUrl),
    }
}

/// Dotted-quad IPv4 literal.
pub(crate) fn parse_ipv4(s: &str) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = s.split('.');
    for o in out.iter_mut() {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if p.len() > 1 && p.starts_with('0') {
            return None;
        }
        *o = p.parse().ok()?;
    }
    parts.next().is_none().then_some(out)
}

/// IPv6 literal (with `::` compression; no embedded IPv4, no zone) as eight 16-bit groups.
pub(crate) fn parse_ipv6(s: &str) -> Option<[u16; 8]> {
    let group = |g: &str| -> Option<u16> {
        if g.is_empty() || g.len() > 4 {
            return None;
        }
        u16::from_str_radix(g, 16).ok()
    };
    let mut out = [0u16; 8];
    match s.split_once("::") {
        None => {
            let mut n = 0;
            for g in s.split(':') {
                *out.get_mut(n)? = group(g)?;
                n += 1;
            }
            (n == 8).then_some(out)
        }
        Some((head, tail)) => {
            if tail.contains("::") {
                return None;
            }
            let mut h = [0u16; 8];
            let mut hn = 0;
            if !head.is_empty() {
                for g in head.split(':') {
                    *h.get_mut(hn)? = group(g)?;
                    hn += 1;
                }
            }
            let mut t = [0u16; 8];
            let mut tn = 0;
            if !tail.is_empty() {
                for g in tail.split(':') {
                    *t.get_mut(tn)? = group(g)?;
                    tn += 1;
                }
            }
            if hn + tn > 7 {
                return None;
            }
            for (o, v) in out.iter_mut().zip(h.iter().take(hn)) {
                *o = *v;
            }
            for (o, v) in out.iter_mut().skip(8 - tn).zip(t.iter().take(tn)) {
                *o = *v;
            }
            Some(out)
        }
    }
}

/// Formats `v` in decimal into `buf` (at least 10 bytes for any u32; 5 for a u16).
pub(crate) fn fmt_u32(v: u32, buf: &mut [u8]) -> &str {
    let mut tmp = [0u8; 10];
    let mut n = 0;
    let mut x = v;
    loop {
        if let Some(t) = tmp.get_mut(n) {
            *t = b'0' + (x % 10) as u8;
        }
        n += 1;
        x /= 10;
        if x == 0 || n >= tmp.len() {
            break;
        }
    }
    let n = n.min(buf.len());
    for (o, d) in buf.iter_mut().zip(tmp.iter().take(n).rev()) {
        *o = *d;
    }
    core::str::from_utf8(buf.get(..n).unwrap_or(&[])).unwrap_or("")
}

/// The request target.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Target<'a> {
    /// Sent verbatim (validated printable ASCII starting with `/`).
    Str(&'a str),
    /// A fixed prefix followed by a validated name (IMDS role).
    Concat(&'static str, &'a str),
}

/// A header value.
#[derive(Clone, Copy, Debug)]
pub(crate) enum HeaderValue<'a> {
    Str(&'a str),
    Decimal(u32),
    Date(AmzDate),
    /// The plan's stored Authorization value.
    Authorization,
}

/// A form parameter value (percent-encoded when written).
#[derive(Clone, Copy, Debug)]
pub(crate) enum FormValue<'a> {
    Str(&'a str),
    Decimal(u32),
}

/// Most form parameters of one STS call (besides Action and Version).
pub(crate) const MAX_PARAMS: usize = 8;
/// Most extra headers of one request.
pub(crate) const MAX_HEADERS: usize = 6;
/// Room for a SigV4 Authorization value (235 + 128-char key id + 63-char region + 21, rounded up).
pub(crate) const MAX_AUTHORIZATION_LEN: usize = 512;

/// An `application/x-www-form-urlencoded` STS query body.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Form<'a> {
    pub(crate) action: &'static str,
    pub(crate) params: [Option<(&'static str, FormValue<'a>)>; MAX_PARAMS],
}

/// The STS API version every call uses.
pub const STS_API_VERSION: &str = "2011-06-15";

impl Form<'_> {
    pub(crate) fn put<S: Sink + ?Sized>(&self, s: &mut S) {
        s.put(b"Action=");
        s.put(self.action.as_bytes());
        s.put(b"&Version=");
        s.put(STS_API_VERSION.as_bytes());
        for (k, v) in self.params.iter().flatten() {
            s.put(b"&");
            s.put(k.as_bytes());
            s.put(b"=");
            match v {
                FormValue::Str(t) => put_uri_encoded(s, t.as_bytes()),
                FormValue::Decimal(n) => {
                    let mut d = [0u8; 10];
                    s.put(fmt_u32(*n, &mut d).as_bytes());
                }
            }
        }
    }

    pub(crate) fn len(&self) -> usize {
        let mut c = Counter::default();
        self.put(&mut c);
        c.0
    }
}

/// Content type of STS query bodies.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// One HTTP request, validated, ready to be written with [`RequestPlan::write`].
///
/// Holds borrowed parameters (some secret: tokens, SAML assertions, MFA codes) and a copy of the
/// endpoint and, for signed requests, the Authorization value (not secret).
#[derive(Clone)]
pub struct RequestPlan<'a> {
    pub(crate) method: &'static str,
    pub(crate) endpoint: Endpoint,
    pub(crate) target: Target<'a>,
    pub(crate) headers: [Option<(&'static str, HeaderValue<'a>)>; MAX_HEADERS],
    pub(crate) form: Option<Form<'a>>,
    /// A body sent as it is (JSON), when there is no form.
    pub(crate) raw_body: Option<&'a [u8]>,
    pub(crate) authorization: heapless::String<MAX_AUTHORIZATION_LEN>,
}

/// Counts bytes passing into an inner sink, so the writer can record where each part starts.
struct Tracked<'s, S: Sink> {
    inner: &'s mut S,
    pos: usize,
}

impl<S: Sink> Sink for Tracked<'_, S> {
    fn put(&mut self, bytes: &[u8]) {
        self.pos = self.pos.saturating_add(bytes.len());
        self.inner.put(bytes);
    }
}

#[derive(Default)]
struct Offsets {
    target: Range<usize>,
    authority: Range<usize>,
    host: Range<usize>,
    headers: Range<usize>,
    body: Range<usize>,
}

impl<'a> RequestPlan<'a> {
    pub(crate) fn new(method: &'static str, endpoint: Endpoint, target: Target<'a>) -> Self {
        RequestPlan {
            method,
            endpoint,
            target,
            headers: [None; MAX_HEADERS],
            form: None,
            raw_body: None,
            authorization: heapless::String::new(),
        }
    }

    pub(crate) fn header(mut self, name: &'static str, value: HeaderValue<'a>) -> Self {
        if let Some(slot) = self.headers.iter_mut().find(|h| h.is_none()) {
            *slot = Some((name, value));
        }
        self
    }

    /// The HTTP method.
    pub fn method(&self) -> &'static str {
        self.method
    }

    /// The endpoint the request goes to.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Writes `scheme://authority/path` (the query left out: it may carry parameters) for messages.
    pub fn write_url(&self, f: &mut dyn core::fmt::Write) -> core::fmt::Result {
        f.write_str(self.endpoint.scheme().as_str())?;
        f.write_str("://")?;
        f.write_str(self.endpoint.authority())?;
        let (a, b) = match self.target {
            Target::Str(t) => (t, ""),
            Target::Concat(p, n) => (p, n),
        };
        let full_a = a.split('?').next().unwrap_or("");
        f.write_str(full_a)?;
        if !a.contains('?') {
            f.write_str(b.split('?').next().unwrap_or(""))?;
        }
        Ok(())
    }

    /// Exact length of [`RequestPlan::write`]'s output.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        let mut c = Counter::default();
        let mut t = Tracked {
            inner: &mut c,
            pos: 0,
        };
        self.put(&mut t);
        c.0
    }

    /// Length of the body alone.
    pub fn body_len(&self) -> usize {
        match (&self.form, self.raw_body) {
            (Some(f), _) => f.len(),
            (None, Some(b)) => b.len(),
            (None, None) => 0,
        }
    }

    fn put<S: Sink>(&self, s: &mut Tracked<'_, S>) -> Offsets {
        let mut o = Offsets::default();
        s.put(self.method.as_bytes());
        s.put(b" ");
        let t0 = s.pos;
        match self.target {
            Target::Str(t) => s.put(t.as_bytes()),
            Target::Concat(a, b) => {
                s.put(a.as_bytes());
                s.put(b.as_bytes());
            }
        }
        o.target = t0..s.pos;
        s.put(b" HTTP/1.1\r\nHost: ");
        let a0 = s.pos;
        s.put(self.endpoint.authority().as_bytes());
        o.authority = a0..s.pos;
        o.host = a0 + self.endpoint.host.start..a0 + self.endpoint.host.end;
        s.put(b"\r\n");
        let h0 = s.pos;
        for (name, value) in self.headers.iter().flatten() {
            s.put(name.as_bytes());
            s.put(b": ");
            match value {
                HeaderValue::Str(v) => s.put(v.as_bytes()),
                HeaderValue::Decimal(n) => {
                    let mut d = [0u8; 10];
                    s.put(fmt_u32(*n, &mut d).as_bytes());
                }
                HeaderValue::Date(d) => s.put(d.as_bytes()),
                HeaderValue::Authorization => s.put(self.authorization.as_bytes()),
            }
            s.put(b"\r\n");
        }
        o.headers = h0..s.pos;
        if self.method != "GET" {
            s.put(b"Content-Length: ");
            let mut d = [0u8; 10];
            let n = u32::try_from(self.body_len()).unwrap_or(u32::MAX);
            s.put(fmt_u32(n, &mut d).as_bytes());
            s.put(b"\r\n");
        }
        s.put(b"Connection: close\r\n\r\n");
        let b0 = s.pos;
        if let Some(f) = &self.form {
            f.put(s);
        } else if let Some(b) = self.raw_body {
            s.put(b);
        }
        o.body = b0..s.pos;
        o
    }

    /// Writes the HTTP/1.1 request into `out` and returns a view of it. `out` shorter than
    /// [`RequestPlan::len`] is [`Error::BufferTooSmall`] (nothing usable written).
    ///
    /// The bytes can hold secrets (web identity token, SAML assertion, MFA code, container
    /// authorization token): zeroize `out` after sending.
    pub fn write<'b>(&self, out: &'b mut [u8]) -> Result<HttpRequest<'b>, Error> {
        let mut sink = SliceSink::new(out);
        let mut t = Tracked {
            inner: &mut sink,
            pos: 0,
        };
        let o = self.put(&mut t);
        let n = sink.finish()?;
        let bytes: &'b [u8] = out.get(..n).ok_or(Error::BufferTooSmall { needed: n })?;
        Ok(HttpRequest {
            bytes,
            method: self.method,
            scheme: self.endpoint.scheme,
            port: self.endpoint.port,
            target: o.target,
            authority: o.authority,
            host: o.host,
            headers: o.headers,
            body: o.body,
        })
    }
}

/// A written HTTP/1.1 request: the wire bytes and views of its parts.
#[derive(Clone)]
pub struct HttpRequest<'b> {
    bytes: &'b [u8],
    method: &'static str,
    scheme: Scheme,
    port: u16,
    target: Range<usize>,
    authority: Range<usize>,
    host: Range<usize>,
    headers: Range<usize>,
    body: Range<usize>,
}

impl<'b> HttpRequest<'b> {
    fn str_at(&self, r: &Range<usize>) -> &'b str {
        self.bytes
            .get(r.clone())
            .and_then(|b| core::str::from_utf8(b).ok())
            .unwrap_or("")
    }

    /// The whole request as sent on a socket (request line, `Host`, the headers, `Content-Length`
    /// for PUT/POST, `Connection: close`, blank line, body).
    pub fn as_bytes(&self) -> &'b [u8] {
        self.bytes
    }

    /// `GET`, `PUT` or `POST`.
    pub fn method(&self) -> &'static str {
        self.method
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host to connect to (IPv6 without brackets).
    pub fn host(&self) -> &'b str {
        self.str_at(&self.host)
    }

    /// The port to connect to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The `Host` header value; `scheme://authority + target` is the URL.
    pub fn authority(&self) -> &'b str {
        self.str_at(&self.authority)
    }

    /// Path and query.
    pub fn target(&self) -> &'b str {
        self.str_at(&self.target)
    }

    /// The request's own headers as `(name, value)`, without `Host`, `Content-Length` and
    /// `Connection`, which HTTP libraries set themselves.
    pub fn headers(&self) -> HeaderIter<'b> {
        HeaderIter {
            rest: self.str_at(&self.headers),
        }
    }

    /// The body (empty for GET and for the IMDS token PUT).
    pub fn body(&self) -> &'b [u8] {
        self.bytes.get(self.body.clone()).unwrap_or(&[])
    }
}

/// Iterator over `(name, value)` header pairs of an [`HttpRequest`].
#[derive(Clone)]
pub struct HeaderIter<'b> {
    rest: &'b str,
}

impl<'b> Iterator for HeaderIter<'b> {
    type Item = (&'b str, &'b str);

    fn next(&mut self) -> Option<Self::Item> {
        let (line, rest) = self.rest.split_once("\r\n")?;
        self.rest = rest;
        let (n, v) = line.split_once(": ")?;
        Some((n, v))
    }
}

/// Shows the method, the URL without query and the header names: values (tokens, signatures, SAML
/// assertions, MFA codes) and the body are never printed.
impl core::fmt::Debug for RequestPlan<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        struct Url<'p, 'a>(&'p RequestPlan<'a>);
        impl core::fmt::Debug for Url<'_, '_> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                self.0.write_url(f)
            }
        }
        struct Names<'p, 'a>(&'p RequestPlan<'a>);
        impl core::fmt::Debug for Names<'_, '_> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_list()
                    .entries(self.0.headers.iter().flatten().map(|(n, _)| n))
                    .finish()
            }
        }
        f.debug_struct("RequestPlan")
            .field("method", &self.method)
            .field("url", &Url(self))
            .field("headers", &Names(self))
            .field("body_len", &self.body_len())
            .finish_non_exhaustive()
    }
}

/// Shows the method, the URL without query and the header names, never values or the body.
impl core::fmt::Debug for HttpRequest<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        struct Names<'b>(HeaderIter<'b>);
        impl core::fmt::Debug for Names<'_> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_list()
                    .entries(self.0.clone().map(|(n, _)| n))
                    .finish()
            }
        }
        f.debug_struct("HttpRequest")
            .field("method", &self.method())
            .field("scheme", &self.scheme())
            .field("authority", &self.authority())
            .field("path", &self.target().split('?').next().unwrap_or(""))
            .field("headers", &Names(self.headers()))
            .field("body_len", &self.body().len())
            .finish_non_exhaustive()
    }
}

/// Never shows header values.
impl core::fmt::Debug for HeaderIter<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HeaderIter").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_urls() {
        let (e, t) = Endpoint::parse_url("http://169.254.170.2/v2/credentials/abc?x=1").unwrap();
        assert_eq!(
            (e.scheme(), e.host(), e.port(), e.authority(), t),
            (
                Scheme::Http,
                "169.254.170.2",
                80,
                "169.254.170.2",
                "/v2/credentials/abc?x=1"
            )
        );
        let (e, t) = Endpoint::parse_url("HTTPS://sts.amazonaws.com").unwrap();
        assert_eq!((e.scheme(), e.port(), t), (Scheme::Https, 443, "/"));
        let (e, _) = Endpoint::parse_url("http://[fd00:ec2::23]/get-credentials").unwrap();
        assert_eq!(
            (e.host(), e.authority()),
            ("fd00:ec2::23", "[fd00:ec2::23]")
        );
        let (e, _) = Endpoint::parse_url("http://127.0.0.1:8080/").unwrap();
        assert_eq!((e.port(), e.authority()), (8080, "127.0.0.1:8080"));
        assert!(e.is_loopback());
        let e = Endpoint::parse_base("http://[::1]:1234/").unwrap();
        assert_eq!((e.host(), e.authority()), ("::1", "[::1]:1234"));
        assert!(e.is_loopback());
        for bad in [
            "",
            "ftp://x/",
            "http://",
            "http://u@h/",
            "http://h/#f",
            "http://h:0/",
            "http://h:65536/",
            "http://h:x/",
            "http://h/a b",
            "http://[fd00::23/",
            "http://[zz::1]/",
            "http://h?x=1",
            "http://h]/",
            "http://a/\u{e9}",
        ] {
            assert_eq!(
                Endpoint::parse_url(bad).map(|_| ()),
                Err(Error::InvalidEndpointUrl),
                "{bad}"
            );
        }
        assert_eq!(
            Endpoint::parse_base("http://127.0.0.1:9/x"),
            Err(Error::EndpointHasPath)
        );
    }

    #[test]
    fn ip_literals() {
        assert_eq!(parse_ipv4("127.0.0.1"), Some([127, 0, 0, 1]));
        assert_eq!(parse_ipv4("256.0.0.1"), None);
        assert_eq!(parse_ipv4("01.0.0.1"), None);
        assert_eq!(parse_ipv4("1.2.3"), None);
        assert_eq!(parse_ipv6("::1"), Some([0, 0, 0, 0, 0, 0, 0, 1]));
        assert_eq!(
            parse_ipv6("fd00:ec2::23"),
            Some([0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x23])
        );
        assert_eq!(
            parse_ipv6("FD00:0EC2:0:0:0:0:0:0023"),
            Some([0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x23])
        );
        assert_eq!(parse_ipv6("1::2::3"), None);
        assert_eq!(parse_ipv6("1:2:3:4:5:6:7:8:9"), None);
        // Cross-check with std's parser.
        for s in ["::", "::1", "fd00:ec2::23", "1:2:3:4:5:6:7:8", "a::b:c"] {
            let std_v: std::net::Ipv6Addr = s.parse().unwrap();
            assert_eq!(parse_ipv6(s), Some(std_v.segments()), "{s}");
        }
    }

    #[test]
    fn fmt_numbers() {
        let mut b = [0u8; 10];
        assert_eq!(fmt_u32(0, &mut b), "0");
        assert_eq!(fmt_u32(21600, &mut b), "21600");
        assert_eq!(fmt_u32(u32::MAX, &mut b), "4294967295");
    }

    #[test]
    fn debug_never_shows_header_values_or_the_body() {
        let plan = crate::providers::imds::role_name_request(None, "SECRETIMDSTOKEN").unwrap();
        let d = std::format!("{plan:?}");
        assert!(d.contains("X-aws-ec2-metadata-token"), "{d}");
        assert!(!d.contains("SECRETIMDSTOKEN"), "{d}");
        let mut buf = std::vec![0u8; plan.len()];
        let req = plan.write(&mut buf).unwrap();
        let d = std::format!("{req:?}");
        assert!(
            d.contains("/latest/meta-data/iam/security-credentials/"),
            "{d}"
        );
        assert!(!d.contains("SECRETIMDSTOKEN"), "{d}");
    }
}
