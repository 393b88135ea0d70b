//! The canonical request of SigV4: URI path normalisation and encoding, canonical query string,
//! canonical headers and the signed-header list — all streamed, nothing buffered or allocated.
//!
//! Sorting without storage: parameters and headers are emitted by repeated selection of the next
//! smallest item (O(n²) comparisons, no memory), which is fast for the handful of items real requests
//! carry and never needs a capacity limit.

use super::sink::Sink;
use crate::Error;
use core::cmp::Ordering;

/// RFC 3986 unreserved characters, which SigV4 never encodes.
pub(crate) fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Writes `b` percent-encoded as SigV4 requires (`%XX`, upper-case hex) unless unreserved.
pub(crate) fn put_encoded_byte<S: Sink + ?Sized>(s: &mut S, b: u8) {
    if is_unreserved(b) {
        s.put(&[b]);
    } else {
        let hi = HEX_UPPER.get(usize::from(b >> 4)).copied().unwrap_or(b'0');
        let lo = HEX_UPPER.get(usize::from(b & 15)).copied().unwrap_or(b'0');
        s.put(&[b'%', hi, lo]);
    }
}

/// Writes every byte of `raw` percent-encoded (RFC 3986 unreserved kept).
pub fn put_uri_encoded<S: Sink + ?Sized>(s: &mut S, raw: &[u8]) {
    for &b in raw {
        put_encoded_byte(s, b);
    }
}

// ---------------------------------------------------------------------------------------------
// Path
// ---------------------------------------------------------------------------------------------

/// How the path is encoded into the canonical URI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum UriEncoding {
    /// Every byte outside the unreserved set and `/` is encoded, including `%` — an already
    /// percent-encoded path is encoded a second time. What AWS requires for every service but S3.
    #[default]
    Double,
    /// As [`UriEncoding::Double`], but an existing `%XX` escape is kept as is (S3).
    Single,
}

pub(crate) fn validate_path(path: &str) -> Result<(), Error> {
    let b = path.as_bytes();
    if b.first() != Some(&b'/') || b.iter().any(|&c| c < 0x20 || c == 0x7f) {
        return Err(Error::InvalidPath);
    }
    Ok(())
}

fn is_normal_segment(seg: &[u8]) -> bool {
    !matches!(seg, b"" | b"." | b"..")
}

fn put_segment<S: Sink + ?Sized>(s: &mut S, seg: &[u8], enc: UriEncoding) {
    let mut i = 0;
    while let Some(&b) = seg.get(i) {
        if b == b'%' && enc == UriEncoding::Single {
            if let (Some(&h), Some(&l)) = (seg.get(i + 1), seg.get(i + 2)) {
                if hex_val(h).is_some() && hex_val(l).is_some() {
                    s.put(&[b'%', h.to_ascii_uppercase(), l.to_ascii_uppercase()]);
                    i += 3;
                    continue;
                }
            }
        }
        if b == b'/' {
            s.put(b"/");
        } else {
            put_encoded_byte(s, b);
        }
        i += 1;
    }
}

/// Writes the canonical URI for `path` (validated with `validate_path` first).
///
/// With `normalize`, dot segments are removed (RFC 3986 5.2.4) and empty segments collapsed, as the
/// AWS suites' `-normalized` cases expect; a trailing `/` is kept.
pub(crate) fn put_canonical_path<S: Sink + ?Sized>(
    s: &mut S,
    path: &str,
    normalize: bool,
    enc: UriEncoding,
) {
    let b = path.as_bytes();
    if !normalize {
        put_segment(s, b, enc);
        return;
    }
    // Segments after the leading '/'.
    let body = b.get(1..).unwrap_or(&[]);
    let n = body.split(|&c| c == b'/').count();
    let last = body.split(|&c| c == b'/').next_back().unwrap_or(&[]);
    let trailing = !is_normal_segment(last);
    let mut wrote_any = false;
    for (i, seg) in body.split(|&c| c == b'/').enumerate() {
        if !is_normal_segment(seg) {
            continue;
        }
        // Is this segment cancelled by a later ".."? Scan the rest right to left.
        let mut skip = 0usize;
        for later in body.rsplit(|&c| c == b'/').take(n.saturating_sub(i + 1)) {
            if later == b".." {
                skip += 1;
            } else if is_normal_segment(later) && skip > 0 {
                skip -= 1;
            }
        }
        if skip == 0 {
            s.put(b"/");
            put_segment(s, seg, enc);
            wrote_any = true;
        }
    }
    if !wrote_any || trailing {
        s.put(b"/");
    }
}

// ---------------------------------------------------------------------------------------------
// Query
// ---------------------------------------------------------------------------------------------

/// Canonical bytes of one raw query component: `%XX` escapes decoded, then every byte outside the
/// unreserved set encoded as `%XX` (upper case).
#[derive(Clone)]
struct CanonicalBytes<'a> {
    raw: &'a [u8],
    pending: [u8; 2],
    npending: u8,
}

impl<'a> CanonicalBytes<'a> {
    fn new(raw: &'a [u8]) -> Self {
        CanonicalBytes {
            raw,
            pending: [0; 2],
            npending: 0,
        }
    }
}

impl Iterator for CanonicalBytes<'_> {
    type Item = u8;
    fn next(&mut self) -> Option<u8> {
        if self.npending > 0 {
            let idx = 2 - usize::from(self.npending);
            self.npending -= 1;
            return self.pending.get(idx).copied();
        }
        let (&b, rest) = self.raw.split_first()?;
        let (byte, rest) = match (b, rest) {
            (b'%', [h, l, tail @ ..]) => match (hex_val(*h), hex_val(*l)) {
                (Some(h), Some(l)) => ((h << 4) | l, tail),
                _ => (b, rest),
            },
            _ => (b, rest),
        };
        self.raw = rest;
        if is_unreserved(byte) {
            Some(byte)
        } else {
            self.pending = [
                HEX_UPPER
                    .get(usize::from(byte >> 4))
                    .copied()
                    .unwrap_or(b'0'),
                HEX_UPPER
                    .get(usize::from(byte & 15))
                    .copied()
                    .unwrap_or(b'0'),
            ];
            self.npending = 2;
            Some(b'%')
        }
    }
}

pub(crate) fn validate_query(query: &str) -> Result<(), Error> {
    let b = query.as_bytes();
    if b.iter().any(|&c| c < 0x20 || c == 0x7f || c == b'#') {
        return Err(Error::InvalidQuery);
    }
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            match (
                b.get(i + 1).and_then(|&h| hex_val(h)),
                b.get(i + 2).and_then(|&l| hex_val(l)),
            ) {
                (Some(_), Some(_)) => i += 3,
                _ => return Err(Error::InvalidQuery),
            }
        } else {
            i += 1;
        }
    }
    Ok(())
}

/// A query parameter, either parsed from the raw query or added by the signer (presigning).
#[derive(Clone, Copy)]
pub(crate) struct Param<'a> {
    pub key: &'a [u8],
    pub value: &'a [u8],
}

fn raw_params(query: &str) -> impl Iterator<Item = Param<'_>> + Clone {
    query
        .as_bytes()
        .split(|&c| c == b'&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut kv = p.splitn(2, |&c| c == b'=');
            let key = kv.next().unwrap_or(&[]);
            let value = kv.next().unwrap_or(&[]);
            Param { key, value }
        })
}

fn cmp_param(a: &Param<'_>, b: &Param<'_>) -> Ordering {
    CanonicalBytes::new(a.key)
        .cmp(CanonicalBytes::new(b.key))
        .then_with(|| CanonicalBytes::new(a.value).cmp(CanonicalBytes::new(b.value)))
}

/// Writes the canonical query string: parameters from `query` plus `extra`, sorted by encoded key then
/// encoded value, each `key=value`, joined by `&`.
pub(crate) fn put_canonical_query<S: Sink + ?Sized>(s: &mut S, query: &str, extra: &[Param<'_>]) {
    let all = || raw_params(query).chain(extra.iter().copied()).enumerate();
    // (param, index) of the last emitted item; ties broken by index so duplicates all appear.
    let mut last: Option<(Param<'_>, usize)> = None;
    loop {
        let mut best: Option<(Param<'_>, usize)> = None;
        for (i, p) in all() {
            let after_last = match &last {
                None => true,
                Some((lp, li)) => match cmp_param(&p, lp) {
                    Ordering::Greater => true,
                    Ordering::Equal => i > *li,
                    Ordering::Less => false,
                },
            };
            if !after_last {
                continue;
            }
            let better = match &best {
                None => true,
                Some((bp, bi)) => match cmp_param(&p, bp) {
                    Ordering::Less => true,
                    Ordering::Equal => i < *bi,
                    Ordering::Greater => false,
                },
            };
            if better {
                best = Some((p, i));
            }
        }
        let Some((p, i)) = best else { break };
        if last.is_some() {
            s.put(b"&");
        }
        for c in CanonicalBytes::new(p.key) {
            s.put(&[c]);
        }
        s.put(b"=");
        for c in CanonicalBytes::new(p.value) {
            s.put(&[c]);
        }
        last = Some((p, i));
    }
}

// ---------------------------------------------------------------------------------------------
// Headers
// ---------------------------------------------------------------------------------------------

/// HTTP token characters (RFC 9110 `tchar`).
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

pub(crate) fn validate_header(name: &str, value: &str) -> Result<(), Error> {
    if name.is_empty() || !name.bytes().all(is_tchar) {
        return Err(Error::InvalidHeaderName);
    }
    let v = value.as_bytes();
    for (i, &c) in v.iter().enumerate() {
        let ok = match c {
            b'\t' => true,
            b'\r' => v.get(i + 1) == Some(&b'\n'),
            // A line break is allowed only as an obsolete line fold (followed by space or tab).
            b'\n' => matches!(v.get(i + 1), Some(b' ' | b'\t')),
            0..=0x1f | 0x7f => false,
            _ => true,
        };
        if !ok {
            return Err(Error::InvalidHeaderValue);
        }
    }
    Ok(())
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Writes a header value trimmed, with every run of whitespace (line folds included) collapsed to one
/// space.
pub(crate) fn put_header_value<S: Sink + ?Sized>(s: &mut S, value: &[u8]) {
    let mut first = true;
    for word in value.split(|&c| is_ws(c)).filter(|w| !w.is_empty()) {
        if !first {
            s.put(b" ");
        }
        s.put(word);
        first = false;
    }
}

fn cmp_lower(a: &[u8], b: &[u8]) -> Ordering {
    a.iter()
        .map(u8::to_ascii_lowercase)
        .cmp(b.iter().map(u8::to_ascii_lowercase))
}

pub(crate) fn put_lower<S: Sink + ?Sized>(s: &mut S, name: &[u8]) {
    for chunk in name.chunks(32) {
        let mut buf = [0u8; 32];
        for (d, c) in buf.iter_mut().zip(chunk) {
            *d = c.to_ascii_lowercase();
        }
        s.put(buf.get(..chunk.len()).unwrap_or(&[]));
    }
}

/// Iterates header names in canonical order (lower-case, sorted, each name once), calling `f` with the
/// name and every entry of that name in input order.
pub(crate) fn for_each_header_group<'h, F>(
    headers: &[(&'h str, &'h str)],
    extra: &[(&'h str, &'h str)],
    mut f: F,
) where
    F: FnMut(&'h str, &mut dyn Iterator<Item = &'h str>),
{
    let all = || headers.iter().chain(extra.iter()).copied();
    let mut last: Option<&'h str> = None;
    loop {
        let mut best: Option<&'h str> = None;
        for (name, _) in all() {
            if let Some(l) = last {
                if cmp_lower(name.as_bytes(), l.as_bytes()) != Ordering::Greater {
                    continue;
                }
            }
            if best.map_or(true, |b| {
                cmp_lower(name.as_bytes(), b.as_bytes()) == Ordering::Less
            }) {
                best = Some(name);
            }
        }
        let Some(name) = best else { break };
        let mut values = all()
            .filter(move |(n, _)| cmp_lower(n.as_bytes(), name.as_bytes()) == Ordering::Equal)
            .map(|(_, v)| v);
        f(name, &mut values);
        last = Some(name);
    }
}

/// Whether `headers` (or `extra`) contain `name` (case-insensitive).
pub(crate) fn has_header(headers: &[(&str, &str)], name: &str) -> bool {
    headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sigv4::sink::SliceSink;

    fn path(p: &str, normalize: bool, enc: UriEncoding) -> std::string::String {
        let mut buf = [0u8; 256];
        let mut s = SliceSink::new(&mut buf);
        put_canonical_path(&mut s, p, normalize, enc);
        let n = s.finish().unwrap();
        std::string::String::from_utf8(buf[..n].to_vec()).unwrap()
    }

    #[test]
    fn path_normalisation() {
        let d = UriEncoding::Double;
        assert_eq!(path("/", true, d), "/");
        assert_eq!(path("//example//", true, d), "/example/");
        assert_eq!(path("/example/..", true, d), "/");
        assert_eq!(path("/example1/example2/../..", true, d), "/");
        assert_eq!(path("/./", true, d), "/");
        assert_eq!(path("/./example", true, d), "/example");
        assert_eq!(path("/a/b/../c/./d", true, d), "/a/c/d");
        assert_eq!(path("/a/../../b", true, d), "/b");
        assert_eq!(path("/example space/", true, d), "/example%20space/");
        assert_eq!(path("/a%2Fb", true, d), "/a%252Fb");
        assert_eq!(path("/a%2fb c", false, UriEncoding::Single), "/a%2Fb%20c");
        assert_eq!(path("//example//", false, d), "//example//");
    }
}
