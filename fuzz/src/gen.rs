//! Input generators: turn fuzzer bytes into strings biased towards the protocol's tokens, so that the
//! interesting paths (dot segments, escapes, duplicate headers, folded values...) are reached quickly.

use arbitrary::{Result, Unstructured};

/// A string built from pieces picked from `tokens`, or (one time in four) raw arbitrary text.
pub fn from_tokens(u: &mut Unstructured<'_>, tokens: &[&str], max_pieces: usize) -> Result<String> {
    let n = u.int_in_range(0..=max_pieces)?;
    let mut s = String::new();
    for _ in 0..n {
        if u.ratio(1, 4)? {
            let t: &str = u.arbitrary()?;
            s.push_str(t);
        } else {
            s.push_str(u.choose(tokens)?);
        }
    }
    Ok(s)
}

/// A string of `min..=max` characters drawn from `alphabet`.
pub fn from_alphabet(
    u: &mut Unstructured<'_>,
    alphabet: &[u8],
    min: usize,
    max: usize,
) -> Result<String> {
    let n = u.int_in_range(min..=max)?;
    let mut s = String::with_capacity(n);
    for _ in 0..n {
        s.push(char::from(*u.choose(alphabet)?));
    }
    Ok(s)
}

/// ASCII letters and digits.
pub const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// Printable ASCII without space (the secret and token alphabet of the core).
pub const GRAPHIC: &[u8] =
    b"!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";

/// Host pieces: labels, dots, ports and a few bytes that must be rejected.
pub const HOST_TOKENS: &[&str] = &[
    "sts",
    "amazonaws",
    "com",
    ".",
    ".",
    "us-west-2",
    "us-east-1",
    "localhost",
    ":",
    "443",
    "-",
    "_",
    "a",
    "STS",
    "AMAZONAWS",
    "..",
    " ",
    "/",
    "@",
    "\0",
    "\r\n",
    "é",
    "vpce-0123",
    "cn",
    "x",
];
