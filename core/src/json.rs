//! A small strict JSON reader for credential-endpoint and STS responses: no allocation, borrowed views.
//!
//! [`parse`] validates a whole document (RFC 8259 grammar, nesting at most [`MAX_DEPTH`] levels, one
//! value with optional surrounding whitespace) and returns a [`Value`] view over it. Navigation
//! ([`Value::get`]) and string decoding ([`Value::as_str`]) then work on the validated bytes. Strings
//! without escapes are returned as borrowed slices of the document; escaped strings are decoded into a
//! caller-supplied [`Scratch`] buffer (a scratch as long as the document always suffices).
//!
//! Errors: [`Error::JsonMalformed`] (syntax, truncation, invalid UTF-8, lone surrogates),
//! [`Error::JsonTooDeep`], [`Error::DuplicateResponseField`] for a key that appears twice in an object
//! being read, and [`Error::WrongResponseFieldType`] when a value has another type than asked for.
//!
//! ```
//! use mongodb_aws_core::json::{self, Scratch};
//! let body = br#"{"AccessKeyId": "ASIA1", "Token": "a\/b", "Expiration": 1.7E9}"#;
//! let mut buf = [0u8; 64];
//! let mut scratch = Scratch::new(&mut buf);
//! let doc = json::parse(body)?;
//! assert_eq!(doc.get("AccessKeyId")?.unwrap().as_str(&mut scratch)?, "ASIA1");
//! assert_eq!(doc.get("Token")?.unwrap().as_str(&mut scratch)?, "a/b");
//! assert_eq!(doc.get("Expiration")?.unwrap().as_epoch_seconds()?, 1_700_000_000);
//! # Ok::<(), mongodb_aws_core::Error>(())
//! ```

use crate::Error;

/// Deepest nesting of arrays and objects accepted.
pub const MAX_DEPTH: u32 = 64;

/// The kind of a JSON value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `{...}`
    Object,
    /// `[...]`
    Array,
    /// `"..."`
    String,
    /// A number.
    Number,
    /// `true` or `false`.
    Bool,
    /// `null`.
    Null,
}

/// A caller-supplied buffer that escaped strings are decoded into, handed out front to back.
///
/// Decoded text may be secret (an access key's secret, a session token): zeroize the buffer after use.
#[derive(Debug)]
pub struct Scratch<'s> {
    rest: &'s mut [u8],
}

impl<'s> Scratch<'s> {
    /// Wraps a buffer. A buffer as long as the document being read always suffices.
    pub fn new(buf: &'s mut [u8]) -> Self {
        Scratch { rest: buf }
    }

    /// Bytes still free.
    pub fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// Takes the next `n` bytes, or `None` (and nothing taken) if fewer remain.
    pub(crate) fn take(&mut self, n: usize) -> Option<&'s mut [u8]> {
        if n > self.rest.len() {
            return None;
        }
        let rest = core::mem::take(&mut self.rest);
        let (a, b) = rest.split_at_mut_checked(n)?;
        self.rest = b;
        Some(a)
    }
}

/// A validated JSON value: a view of its bytes in the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Value<'a> {
    raw: &'a [u8],
}

/// Validates `doc` as one JSON value and returns a view of it.
pub fn parse(doc: &[u8]) -> Result<Value<'_>, Error> {
    if core::str::from_utf8(doc).is_err() {
        return Err(Error::JsonMalformed);
    }
    let start = ws(doc, 0);
    let end = skip_value(doc, start)?;
    if ws(doc, end) != doc.len() {
        return Err(Error::JsonMalformed);
    }
    let raw = doc.get(start..end).ok_or(Error::JsonMalformed)?;
    Ok(Value { raw })
}

fn ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

fn at(b: &[u8], i: usize) -> Result<u8, Error> {
    b.get(i).copied().ok_or(Error::JsonMalformed)
}

fn hex4(b: &[u8], i: usize) -> Result<u16, Error> {
    let mut v: u16 = 0;
    for k in 0..4 {
        let c = at(b, i + k)?;
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return Err(Error::JsonMalformed),
        };
        v = (v << 4) | u16::from(d);
    }
    Ok(v)
}

/// `i` at the opening quote; returns the index after the closing quote.
fn skip_string(b: &[u8], i: usize) -> Result<usize, Error> {
    if at(b, i)? != b'"' {
        return Err(Error::JsonMalformed);
    }
    let mut i = i + 1;
    loop {
        match at(b, i)? {
            b'"' => return Ok(i + 1),
            b'\\' => match at(b, i + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                b'u' => {
                    // A high surrogate must be followed by an escaped low surrogate; a lone
                    // surrogate is malformed (module docs; found by the json_credentials fuzz target
                    // against serde_json, which refuses them too).
                    match hex4(b, i + 2)? {
                        0xD800..=0xDBFF => {
                            if at(b, i + 6)? != b'\\' || at(b, i + 7)? != b'u' {
                                return Err(Error::JsonMalformed);
                            }
                            if !(0xDC00..=0xDFFF).contains(&hex4(b, i + 8)?) {
                                return Err(Error::JsonMalformed);
                            }
                            i += 12;
                        }
                        0xDC00..=0xDFFF => return Err(Error::JsonMalformed),
                        _ => i += 6,
                    }
                }
                _ => return Err(Error::JsonMalformed),
            },
            c if c < 0x20 => return Err(Error::JsonMalformed),
            _ => i += 1,
        }
    }
}

fn skip_number(b: &[u8], mut i: usize) -> Result<usize, Error> {
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match at(b, i)? {
        b'0' => i += 1,
        b'1'..=b'9' => {
            while matches!(b.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
        }
        _ => return Err(Error::JsonMalformed),
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !matches!(b.get(i), Some(b'0'..=b'9')) {
            return Err(Error::JsonMalformed);
        }
        while matches!(b.get(i), Some(b'0'..=b'9')) {
            i += 1;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !matches!(b.get(i), Some(b'0'..=b'9')) {
            return Err(Error::JsonMalformed);
        }
        while matches!(b.get(i), Some(b'0'..=b'9')) {
            i += 1;
        }
    }
    Ok(i)
}

fn skip_literal(b: &[u8], i: usize, lit: &[u8]) -> Result<usize, Error> {
    let end = i + lit.len();
    if b.get(i..end) == Some(lit) {
        Ok(end)
    } else {
        Err(Error::JsonMalformed)
    }
}

/// Skips an object key and its colon: `i` at the quote (after whitespace); returns the index of the value.
fn skip_key(b: &[u8], i: usize) -> Result<usize, Error> {
    let i = skip_string(b, i)?;
    let i = ws(b, i);
    if at(b, i)? != b':' {
        return Err(Error::JsonMalformed);
    }
    Ok(ws(b, i + 1))
}

/// Skips one value starting at `i` (no leading whitespace). Iterative: nesting is tracked in a 64-bit
/// stack (1 = object, 0 = array), so no recursion and no storage.
fn skip_value(b: &[u8], mut i: usize) -> Result<usize, Error> {
    let mut stack: u64 = 0;
    let mut depth: u32 = 0;
    loop {
        // Expect a value at i.
        let mut opened = false;
        match at(b, i)? {
            c @ (b'{' | b'[') => {
                if depth >= MAX_DEPTH {
                    return Err(Error::JsonTooDeep);
                }
                let is_obj = c == b'{';
                let close = if is_obj { b'}' } else { b']' };
                let j = ws(b, i + 1);
                if at(b, j)? == close {
                    i = j + 1;
                } else {
                    stack = (stack << 1) | u64::from(is_obj);
                    depth += 1;
                    i = if is_obj { skip_key(b, j)? } else { j };
                    opened = true;
                }
            }
            b'"' => i = skip_string(b, i)?,
            b'-' | b'0'..=b'9' => i = skip_number(b, i)?,
            b't' => i = skip_literal(b, i, b"true")?,
            b'f' => i = skip_literal(b, i, b"false")?,
            b'n' => i = skip_literal(b, i, b"null")?,
            _ => return Err(Error::JsonMalformed),
        }
        if opened {
            continue;
        }
        // After a value: close containers or move to the next element.
        loop {
            if depth == 0 {
                return Ok(i);
            }
            let in_obj = stack & 1 == 1;
            i = ws(b, i);
            match at(b, i)? {
                b',' => {
                    let j = ws(b, i + 1);
                    i = if in_obj { skip_key(b, j)? } else { j };
                    break;
                }
                b'}' if in_obj => {}
                b']' if !in_obj => {}
                _ => return Err(Error::JsonMalformed),
            }
            stack >>= 1;
            depth -= 1;
            i += 1;
        }
    }
}

/// Decodes the string whose opening quote is at `b[0]` into `out` (a sink of bytes); returns the
/// number of bytes produced. The string was validated by [`skip_string`].
fn decode_string(b: &[u8], mut out: impl FnMut(&[u8])) -> Result<usize, Error> {
    let mut i = 1;
    let mut n = 0usize;
    loop {
        let c = at(b, i)?;
        match c {
            b'"' => return Ok(n),
            b'\\' => {
                let e = at(b, i + 1)?;
                let simple = match e {
                    b'"' => Some(b'"'),
                    b'\\' => Some(b'\\'),
                    b'/' => Some(b'/'),
                    b'b' => Some(0x08),
                    b'f' => Some(0x0c),
                    b'n' => Some(b'\n'),
                    b'r' => Some(b'\r'),
                    b't' => Some(b'\t'),
                    _ => None,
                };
                if let Some(s) = simple {
                    out(&[s]);
                    n += 1;
                    i += 2;
                    continue;
                }
                let hi = hex4(b, i + 2)?;
                i += 6;
                let cp: u32 = match hi {
                    0xD800..=0xDBFF => {
                        if b.get(i) != Some(&b'\\') || b.get(i + 1) != Some(&b'u') {
                            return Err(Error::JsonMalformed);
                        }
                        let lo = hex4(b, i + 2)?;
                        if !(0xDC00..=0xDFFF).contains(&lo) {
                            return Err(Error::JsonMalformed);
                        }
                        i += 6;
                        0x10000 + ((u32::from(hi) - 0xD800) << 10) + (u32::from(lo) - 0xDC00)
                    }
                    0xDC00..=0xDFFF => return Err(Error::JsonMalformed),
                    _ => u32::from(hi),
                };
                let ch = char::from_u32(cp).ok_or(Error::JsonMalformed)?;
                let mut tmp = [0u8; 4];
                let enc = ch.encode_utf8(&mut tmp);
                out(enc.as_bytes());
                n += enc.len();
            }
            _ => {
                // Copy the run of plain bytes up to the next quote or backslash.
                let run = b
                    .get(i..)
                    .unwrap_or(&[])
                    .iter()
                    .take_while(|&&x| x != b'"' && x != b'\\')
                    .count();
                out(b.get(i..i + run).ok_or(Error::JsonMalformed)?);
                n += run;
                i += run;
            }
        }
    }
}

impl<'a> Value<'a> {
    /// The kind of this value.
    pub fn kind(&self) -> Kind {
        match self.raw.first() {
            Some(b'{') => Kind::Object,
            Some(b'[') => Kind::Array,
            Some(b'"') => Kind::String,
            Some(b't' | b'f') => Kind::Bool,
            Some(b'n') => Kind::Null,
            _ => Kind::Number,
        }
    }

    /// The value's bytes as they appear in the document.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// Iterates over the members of an object as `(raw key value, value)`. Errors with
    /// [`Error::WrongResponseFieldType`] if this is not an object.
    pub fn members(&self) -> Result<Members<'a>, Error> {
        if self.kind() != Kind::Object {
            return Err(Error::WrongResponseFieldType);
        }
        Ok(Members {
            raw: self.raw,
            pos: 1,
            done: false,
        })
    }

    /// The member named `key` of an object (`None` if absent). A key present twice is
    /// [`Error::DuplicateResponseField`]; a non-object is [`Error::WrongResponseFieldType`].
    pub fn get(&self, key: &str) -> Result<Option<Value<'a>>, Error> {
        let mut found = None;
        for m in self.members()? {
            let (k, v) = m?;
            if k.key_equals(key)? {
                if found.is_some() {
                    return Err(Error::DuplicateResponseField);
                }
                found = Some(v);
            }
        }
        Ok(found)
    }

    /// Whether this string value decodes to exactly `s` (no scratch needed).
    pub fn key_equals(&self, s: &str) -> Result<bool, Error> {
        if self.kind() != Kind::String {
            return Err(Error::WrongResponseFieldType);
        }
        let mut rest = s.as_bytes();
        let mut ok = true;
        decode_string(self.raw, |part| {
            if ok {
                match rest.split_at_checked(part.len()) {
                    Some((a, b)) if a == part => rest = b,
                    _ => ok = false,
                }
            }
        })?;
        Ok(ok && rest.is_empty())
    }

    /// The text of a string value. Borrowed from the document when it has no escapes; otherwise
    /// decoded into `scratch` ([`Error::BufferTooSmall`] with `needed` = the decoded length if
    /// `scratch` has less room). Other kinds give [`Error::WrongResponseFieldType`].
    pub fn as_str<'s>(&self, scratch: &mut Scratch<'s>) -> Result<&'s str, Error>
    where
        'a: 's,
    {
        if self.kind() != Kind::String {
            return Err(Error::WrongResponseFieldType);
        }
        let inner = self
            .raw
            .get(1..self.raw.len().saturating_sub(1))
            .ok_or(Error::JsonMalformed)?;
        if !inner.contains(&b'\\') {
            return core::str::from_utf8(inner).map_err(|_| Error::JsonMalformed);
        }
        let n = decode_string(self.raw, |_| {})?;
        let dst = scratch.take(n).ok_or(Error::BufferTooSmall { needed: n })?;
        let mut pos = 0usize;
        decode_string(self.raw, |part| {
            let end = pos + part.len();
            if let Some(d) = dst.get_mut(pos..end) {
                d.copy_from_slice(part);
            }
            pos = end;
        })?;
        let dst: &'s [u8] = dst;
        core::str::from_utf8(dst).map_err(|_| Error::JsonMalformed)
    }

    /// A non-negative number (integer, fraction or exponent form, e.g. `1675800267`, `1.675800267E9`)
    /// truncated to whole seconds. STS JSON gives `Expiration` this way (PROTOCOL.md A7).
    /// Negative or over-large values are [`Error::InvalidTimestamp`]; non-numbers
    /// [`Error::WrongResponseFieldType`].
    pub fn as_epoch_seconds(&self) -> Result<u64, Error> {
        if self.kind() != Kind::Number {
            return Err(Error::WrongResponseFieldType);
        }
        number_to_u64(self.raw).ok_or(Error::InvalidTimestamp)
    }
}

/// `digits[.frac][e[+-]exp]` (validated JSON number) to its integer part, if non-negative and < 2^64.
fn number_to_u64(raw: &[u8]) -> Option<u64> {
    if raw.first() == Some(&b'-') {
        // "-0" and "-0.5" truncate to 0; any other negative number is rejected.
        let all_zero = raw
            .iter()
            .skip(1)
            .take_while(|c| **c != b'e' && **c != b'E')
            .all(|c| *c == b'0' || *c == b'.');
        return all_zero.then_some(0);
    }
    let mant_end = raw
        .iter()
        .position(|c| *c == b'e' || *c == b'E')
        .unwrap_or(raw.len());
    let mant = raw.get(..mant_end)?;
    let mut exp: i64 = 0;
    if let Some(e) = raw.get(mant_end + 1..) {
        let (neg, digits) = match e.split_first() {
            Some((b'-', d)) => (true, d),
            Some((b'+', d)) => (false, d),
            _ => (false, e),
        };
        for d in digits {
            exp = exp.checked_mul(10)?.checked_add(i64::from(d - b'0'))?;
            if exp > 1000 {
                // Far beyond u64: saturate (checked below).
                exp = 1000;
            }
        }
        if neg {
            exp = -exp;
        }
    }
    // Mantissa digits with the decimal point removed; value = D * 10^(exp - frac_len).
    let frac_len = mant
        .iter()
        .position(|c| *c == b'.')
        .map(|p| mant.len() - p - 1)
        .unwrap_or(0);
    let shift = exp - i64::try_from(frac_len).ok()?;
    let mut value: u64 = 0;
    let total_digits = i64::try_from(mant.iter().filter(|c| c.is_ascii_digit()).count()).ok()?;
    // Keep only the digits left of the final decimal point position.
    let keep = usize::try_from((total_digits + shift.min(0)).max(0)).ok()?;
    for d in mant.iter().filter(|c| c.is_ascii_digit()).take(keep) {
        value = value.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    let mut s = shift;
    while s > 0 {
        value = value.checked_mul(10)?;
        s -= 1;
    }
    Some(value)
}

/// Iterator over an object's members: `(key, value)`; both are [`Value`]s (keys are strings).
#[derive(Clone, Debug)]
pub struct Members<'a> {
    raw: &'a [u8],
    pos: usize,
    done: bool,
}

impl<'a> Iterator for Members<'a> {
    type Item = Result<(Value<'a>, Value<'a>), Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let step = || -> Result<Option<(Value<'a>, Value<'a>, usize)>, Error> {
            let b = self.raw;
            let mut i = ws(b, self.pos);
            match at(b, i)? {
                b'}' => return Ok(None),
                b',' => i = ws(b, i + 1),
                _ => {}
            }
            let kend = skip_string(b, i)?;
            let key = Value {
                raw: b.get(i..kend).ok_or(Error::JsonMalformed)?,
            };
            let vstart = skip_key(b, i)?;
            let vend = skip_value(b, vstart)?;
            let val = Value {
                raw: b.get(vstart..vend).ok_or(Error::JsonMalformed)?,
            };
            Ok(Some((key, val, vend)))
        };
        match step() {
            Ok(Some((k, v, end))) => {
                self.pos = end;
                Some(Ok((k, v)))
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) {
        assert!(parse(s.as_bytes()).is_ok(), "{s}");
        // Cross-check with serde_json, an independent parser.
        assert!(serde_json::from_str::<serde_json::Value>(s).is_ok(), "{s}");
    }
    fn bad(s: &[u8]) {
        assert!(parse(s).is_err(), "{:?}", core::str::from_utf8(s));
    }

    #[test]
    fn grammar_agrees_with_serde_json() {
        for s in [
            "{}",
            "[]",
            " {\"a\" : [1, -2.5e+3, true, false, null, \"x\\u00e9\\ud83d\\ude00\"] } ",
            "0",
            "\"\"",
            "{\"a\":{\"b\":{\"c\":[[[]]]}}}",
            "-0.0E-0",
        ] {
            ok(s);
        }
        for s in [
            &b""[..],
            b" ",
            b"{",
            b"{\"a\"}",
            b"{\"a\":}",
            b"{\"a\":1,}",
            b"[1,]",
            b"[1 2]",
            b"{\"a\":1",
            b"\"abc",
            b"\"a\x01\"",
            b"01",
            b"1.",
            b"1e",
            b"-",
            b"tru",
            b"nul",
            b"[}",
            b"{]",
            b"{} {}",
            b"\"\\x\"",
            b"\"\\u12\"",
            b"\xff",
            b"{'a':1}",
            b"{\"AccessKeyId\":\"AS",
        ] {
            bad(s);
            assert!(serde_json::from_slice::<serde_json::Value>(s).is_err());
        }
    }

    #[test]
    fn depth_limit() {
        let mut deep = std::vec::Vec::new();
        deep.extend(core::iter::repeat(b'[').take(64));
        deep.extend(core::iter::repeat(b']').take(64));
        assert!(parse(&deep).is_ok());
        let mut deeper = std::vec::Vec::new();
        deeper.extend(core::iter::repeat(b'[').take(65));
        deeper.extend(core::iter::repeat(b']').take(65));
        assert_eq!(parse(&deeper), Err(Error::JsonTooDeep));
    }

    #[test]
    fn lookup_and_strings() {
        let body =
            br#"{"a": "plain", "b": "x\"y\\z\/\u00e9\ud83d\ude00\n", "n": 5, "o": {"a": 1}}"#;
        let doc = parse(body).unwrap();
        let mut buf = [0u8; 64];
        let mut sc = Scratch::new(&mut buf);
        assert_eq!(
            doc.get("a").unwrap().unwrap().as_str(&mut sc).unwrap(),
            "plain"
        );
        assert_eq!(
            sc.remaining(),
            64,
            "no escapes: borrowed, scratch untouched"
        );
        let want: serde_json::Value = serde_json::from_slice(body).unwrap();
        assert_eq!(
            doc.get("b").unwrap().unwrap().as_str(&mut sc).unwrap(),
            want["b"].as_str().unwrap()
        );
        assert_eq!(doc.get("missing").unwrap(), None);
        assert_eq!(
            doc.get("n").unwrap().unwrap().as_str(&mut sc),
            Err(Error::WrongResponseFieldType)
        );
        assert_eq!(
            doc.get("o")
                .unwrap()
                .unwrap()
                .get("a")
                .unwrap()
                .unwrap()
                .kind(),
            Kind::Number
        );
        let dup = parse(br#"{"a":1,"a":2}"#).unwrap();
        assert_eq!(dup.get("a"), Err(Error::DuplicateResponseField));
        // Escaped key matches.
        let esc = parse(br#"{"\u0041ccessKeyId":"x"}"#).unwrap();
        assert!(esc.get("AccessKeyId").unwrap().is_some());
        // Scratch too small.
        let mut tiny = [0u8; 2];
        let mut sc = Scratch::new(&mut tiny);
        let v = parse(br#""a\/bc""#).unwrap();
        assert_eq!(v.as_str(&mut sc), Err(Error::BufferTooSmall { needed: 4 }));
        // Lone surrogates are rejected by parse itself (module docs).
        assert_eq!(parse(br#""\ud800x""#), Err(Error::JsonMalformed));
    }

    #[test]
    fn epoch_numbers() {
        let cases: &[(&str, Option<u64>)] = &[
            ("1675800267", Some(1_675_800_267)),
            ("1.675800267E9", Some(1_675_800_267)),
            ("1.6758002675E9", Some(1_675_800_267)),
            ("1675800267.999", Some(1_675_800_267)),
            ("1.7e9", Some(1_700_000_000)),
            ("17e8", Some(1_700_000_000)),
            ("0", Some(0)),
            ("-0", Some(0)),
            ("0.5", Some(0)),
            ("5e-1", Some(0)),
            ("12345e-2", Some(123)),
            ("-1", None),
            ("1e30", None),
            ("1e99999999999999999999", None),
        ];
        for (s, want) in cases {
            let v = parse(s.as_bytes()).unwrap();
            assert_eq!(v.as_epoch_seconds().ok(), *want, "{s}");
            if let Some(w) = want {
                // Independent reference: serde_json's f64 (exact for these magnitudes).
                let f: f64 = serde_json::from_str(s).unwrap();
                assert_eq!(f.trunc() as u64, *w, "{s}");
            }
        }
    }

    #[test]
    fn lone_surrogates_refused_by_parse() {
        // Regression (fuzz target json_credentials vs serde_json): parse() itself refuses lone
        // surrogates, also in values nobody reads.
        for doc in [
            &br#"["\ude00"]"#[..],
            br#"{"a":"x\ud83d"}"#,
            br#""\ud83d\u0041""#,
            br#""\ud83d\n""#,
            br#""\udbff\udbff""#,
        ] {
            assert_eq!(parse(doc), Err(Error::JsonMalformed), "{doc:?}");
        }
        let ok = parse(br#""\ud83d\ude00""#).unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(ok.as_str(&mut Scratch::new(&mut buf)), Ok("\u{1f600}"));
    }
}
