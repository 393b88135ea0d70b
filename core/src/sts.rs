//! STS facts the conversation needs: host validation, the region rule, and the fixed parts of the
//! `GetCallerIdentity` request (PROTOCOL.md A3, A4, A5).

use crate::Error;

/// Default STS host (the server's `awsSTSHost` default).
pub const DEFAULT_HOST: &str = "sts.amazonaws.com";
/// Region used for the global endpoint and for hosts without a dot.
pub const DEFAULT_REGION: &str = "us-east-1";
/// The signing service name.
pub const SERVICE: &str = "sts";
/// The request body the client signs (43 bytes).
pub const GET_CALLER_IDENTITY_BODY: &str = "Action=GetCallerIdentity&Version=2011-06-15";
/// Hex SHA-256 of [`GET_CALLER_IDENTITY_BODY`].
pub const GET_CALLER_IDENTITY_BODY_SHA256: &str =
    "ab821ae955788b0e33ebd34c208442ccfc2d406e2edc5e7a39bd6458fbb4f843";
/// `Content-Type` of the request.
pub const CONTENT_TYPE: &str = "application/x-www-form-urlencoded";
/// `Content-Length` of the request, as text.
pub const CONTENT_LENGTH: &str = "43";
/// Maximum host length in bytes (A3: `len(h)` must be ≤ 255).
pub const MAX_HOST_LEN: usize = 255;

/// Validates the STS host `h` from server-first (PROTOCOL.md A3).
///
/// The spec requires 1 to 255 bytes and no empty label (no leading, trailing or doubled `.`). On top of
/// that, bytes that cannot appear in a host name and would corrupt the signed `host` header (control
/// characters, whitespace, `/`, `@`, ...) are rejected with [`Error::HostInvalidCharacter`]; letters,
/// digits, `-`, `_`, `.` and `:` (for a port) are accepted.
///
/// ```
/// use mongodb_aws_core::{sts, Error};
/// assert_eq!(sts::validate_host("sts.us-west-2.amazonaws.com"), Ok(()));
/// assert_eq!(sts::validate_host("sts..com"), Err(Error::HostEmptyLabel));
/// ```
pub fn validate_host(host: &str) -> Result<(), Error> {
    if host.is_empty() {
        return Err(Error::HostEmpty);
    }
    if host.len() > MAX_HOST_LEN {
        return Err(Error::HostTooLong);
    }
    // One pass; an empty label is reported before a bad character, whichever comes first.
    let mut empty_label = false;
    let mut bad_char = false;
    let mut prev = b'.';
    for &b in host.as_bytes() {
        empty_label |= b == b'.' && prev == b'.';
        bad_char |= !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
        prev = b;
    }
    if empty_label || prev == b'.' {
        return Err(Error::HostEmptyLabel);
    }
    if bad_char {
        return Err(Error::HostInvalidCharacter);
    }
    Ok(())
}

/// The signing region for STS host `h` (PROTOCOL.md A4): error if the host is invalid; `us-east-1` for
/// exactly `sts.amazonaws.com` (the spec's pseudocode says `aws.amazonaws.com`, a typo its own table
/// contradicts); otherwise the second label if there is a dot; otherwise `us-east-1`. The comparison is
/// exact (case-sensitive), as in every driver but C.
///
/// ```
/// use mongodb_aws_core::sts::region_for_host;
/// assert_eq!(region_for_host("sts.amazonaws.com"), Ok("us-east-1"));
/// assert_eq!(region_for_host("sts.us-west-2.amazonaws.com"), Ok("us-west-2"));
/// assert_eq!(region_for_host("localhost"), Ok("us-east-1"));
/// ```
pub fn region_for_host(host: &str) -> Result<&str, Error> {
    validate_host(host)?;
    if host == DEFAULT_HOST {
        return Ok(DEFAULT_REGION);
    }
    // The second label: between the first and the second dot (or the end). The host is valid, so
    // a label after a dot is never empty.
    Ok(match host.split_once('.') {
        Some((_, rest)) => rest.split_once('.').map_or(rest, |(label, _)| label),
        None => DEFAULT_REGION,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The single-pass validation and region rule equal their definitions (labels split on '.'),
    /// for every string of up to 6 characters over an alphabet with dots and a bad character.
    #[test]
    fn single_pass_equals_label_definition() {
        fn by_labels(h: &str) -> Result<&str, Error> {
            if h.is_empty() {
                return Err(Error::HostEmpty);
            }
            if h.split('.').any(str::is_empty) {
                return Err(Error::HostEmptyLabel);
            }
            if !h
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
            {
                return Err(Error::HostInvalidCharacter);
            }
            if h == DEFAULT_HOST {
                return Ok(DEFAULT_REGION);
            }
            Ok(h.split('.').nth(1).unwrap_or(DEFAULT_REGION))
        }
        let alphabet = [b'a', b'.', b'-', b'/', b'1'];
        let mut buf = std::vec::Vec::new();
        for len in 0..=6u32 {
            for n in 0..5usize.pow(len) {
                buf.clear();
                let mut k = n;
                for _ in 0..len {
                    buf.push(alphabet[k % 5]);
                    k /= 5;
                }
                let h = core::str::from_utf8(&buf).unwrap();
                assert_eq!(region_for_host(h), by_labels(h), "{h:?}");
            }
        }
    }

    #[test]
    fn extra_characters_rejected() {
        for h in [
            "sts amazonaws.com",
            "sts/x.com",
            "a@b.com",
            "a\r\nb",
            "é.com",
        ] {
            assert_eq!(validate_host(h), Err(Error::HostInvalidCharacter), "{h}");
        }
        assert_eq!(region_for_host("localhost:8080"), Ok("us-east-1"));
    }
}
