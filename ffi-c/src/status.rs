//! `mongodb_aws_status`: the one status type of the C ABI.
//!
//! 0 is success; 1–99 are C-only conditions (a NULL pointer, a caught panic, text that is not UTF-8);
//! every number from 100 up is the core's `Error::code()` with the core's `Error::name()` after the
//! `MONGODB_AWS_` prefix. The core part of the enum below is generated from `Error::ALL` by
//! `tests/generated.rs` (run `MONGODB_AWS_BLESS=1 cargo test -p mongodb-aws-ffi --test generated`
//! after adding a core error), and that test fails whenever the two differ. Numbers are frozen: a
//! retired status stays as a comment and its number is never reused.

use core::ffi::CStr;
use mongodb_aws_core::Error;

/// Status returned by every fallible function: `MONGODB_AWS_OK` (0) or the reason for the failure.
///
/// The numbers are stable across releases and equal the core library's error codes, so a status can
/// be logged, compared or sent as a number. `mongodb_aws_status_name()` gives the upper-case name
/// without the prefix (`"BUFFER_TOO_SMALL"`), `mongodb_aws_status_str()` a static English message.
///
/// Blocks: 0 success; 1-99 C ABI only; 100-199 caller input; 200-299 credentials; 300-399 SASL
/// conversation, client side; 400-499 credential endpoint and STS responses; 500-599 SASL
/// conversation, server side; 900-999 internal.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(non_camel_case_types)]
pub enum mongodb_aws_status {
    /// Success.
    MONGODB_AWS_OK = 0,

    // ---- 1-99: C ABI only -------------------------------------------------------------------
    /// A required pointer argument is NULL (or a NULL pointer was given with a non-zero length).
    MONGODB_AWS_NULL_ARGUMENT = 1,
    /// Internal error: a Rust panic was caught at the C boundary. Nothing was written. Please report.
    MONGODB_AWS_PANIC = 2,
    /// A text argument is not valid UTF-8.
    MONGODB_AWS_INVALID_UTF8 = 3,
    /// The core reported an error this build of the C library has no status for (cannot happen in a
    /// released build; tests/generated.rs keeps the two lists equal).
    MONGODB_AWS_UNKNOWN_ERROR = 4,

    // BEGIN GENERATED from mongodb_aws_core::Error::ALL by tests/generated.rs; do not edit by hand.

    // ---- 100-199: caller input ------------------------------------------------------------------
    /// output buffer too small: pass a buffer of at least the size the matching length function returns
    MONGODB_AWS_BUFFER_TOO_SMALL = 100,
    /// invalid HTTP method: expected 1 or more ASCII letters such as GET or POST
    MONGODB_AWS_INVALID_METHOD = 101,
    /// invalid request path: expected an absolute path starting with '/' without control characters
    MONGODB_AWS_INVALID_PATH = 102,
    /// invalid query string: expected name=value pairs joined by '&' with valid percent-escapes
    MONGODB_AWS_INVALID_QUERY = 103,
    /// invalid header name: expected 1 or more HTTP token characters
    MONGODB_AWS_INVALID_HEADER_NAME = 104,
    /// invalid header value: expected printable text without NUL or bare line breaks
    MONGODB_AWS_INVALID_HEADER_VALUE = 105,
    /// too many headers: the signer accepts at most 64 headers per request
    MONGODB_AWS_TOO_MANY_HEADERS = 106,
    /// missing host header: SigV4 requires a signed host header
    MONGODB_AWS_MISSING_HOST_HEADER = 107,
    /// invalid region: expected 1 to 253 characters of letters, digits, '-', '_' or '.'
    MONGODB_AWS_INVALID_REGION = 108,
    /// invalid service name: expected 1 to 64 characters of letters, digits, '-', '_' or '.'
    MONGODB_AWS_INVALID_SERVICE = 109,
    /// invalid time: expected unix seconds between 1970-01-01 and 9999-12-31
    MONGODB_AWS_INVALID_TIME = 110,
    /// invalid X-Amz-Date: expected YYYYMMDD'T'HHMMSS'Z' with a valid calendar date and time
    MONGODB_AWS_INVALID_AMZ_DATE = 111,
    /// invalid payload hash: expected 64 lower-case hex digits or UNSIGNED-PAYLOAD
    MONGODB_AWS_INVALID_PAYLOAD_HASH = 112,
    /// invalid presign expiry: expected 1 to 604800 seconds
    MONGODB_AWS_INVALID_EXPIRES = 113,
    /// invalid parameter: a value passed by the caller does not follow the documented rule
    MONGODB_AWS_INVALID_PARAMETER = 114,
    /// signing key mismatch: the key was derived for another date, region or service than this request
    MONGODB_AWS_SIGNING_KEY_MISMATCH = 115,

    // ---- 200-299: credentials -------------------------------------------------------------------
    /// SECRET_ACCESS_KEY is set, but ACCESS_KEY_ID is missing
    MONGODB_AWS_MISSING_ACCESS_KEY_ID = 200,
    /// ACCESS_KEY_ID is set, but SECRET_ACCESS_KEY is missing
    MONGODB_AWS_MISSING_SECRET_ACCESS_KEY = 201,
    /// AWS_SESSION_TOKEN is set, but ACCESS_KEY_ID and SECRET_ACCESS_KEY are missing
    MONGODB_AWS_SESSION_TOKEN_WITHOUT_KEYS = 202,
    /// invalid access key id: expected 1 to 128 ASCII letters or digits
    MONGODB_AWS_INVALID_ACCESS_KEY_ID = 203,
    /// invalid secret access key: expected 1 to 128 printable ASCII characters
    MONGODB_AWS_INVALID_SECRET_ACCESS_KEY = 204,
    /// invalid session token: expected printable ASCII characters without spaces
    MONGODB_AWS_INVALID_SESSION_TOKEN = 205,
    /// no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or run where a credential endpoint is available
    MONGODB_AWS_NO_CREDENTIALS = 206,
    /// credentials expired: fetch new credentials
    MONGODB_AWS_CREDENTIALS_EXPIRED = 207,

    // ---- 300-399: SASL conversation, client side ------------------------------------------------
    /// malformed BSON: document is shorter than its declared length
    MONGODB_AWS_BSON_TRUNCATED = 300,
    /// malformed BSON: invalid length, terminator or element encoding
    MONGODB_AWS_BSON_MALFORMED = 301,
    /// malformed BSON: bytes follow the end of the document
    MONGODB_AWS_BSON_TRAILING_BYTES = 302,
    /// unexpected field in server-first: expected only 's' and 'h'
    MONGODB_AWS_UNEXPECTED_FIELD = 303,
    /// duplicate field in message: each field may appear once
    MONGODB_AWS_DUPLICATE_FIELD = 304,
    /// missing field in server-first: expected 's' (binary) and 'h' (string)
    MONGODB_AWS_MISSING_FIELD = 305,
    /// wrong BSON type: expected 's' binary and 'h' string
    MONGODB_AWS_WRONG_FIELD_TYPE = 306,
    /// invalid server nonce: expected exactly 64 bytes
    MONGODB_AWS_SERVER_NONCE_LENGTH = 307,
    /// invalid server nonce: its first 32 bytes must equal the client nonce
    MONGODB_AWS_SERVER_NONCE_MISMATCH = 308,
    /// invalid server nonce: expected binary subtype 0 (generic)
    MONGODB_AWS_SERVER_NONCE_SUBTYPE = 309,
    /// invalid STS host: expected 1 to 255 bytes, got an empty host
    MONGODB_AWS_HOST_EMPTY = 310,
    /// invalid STS host: expected at most 255 bytes
    MONGODB_AWS_HOST_TOO_LONG = 311,
    /// invalid STS host: expected no empty label (no leading, trailing or doubled '.')
    MONGODB_AWS_HOST_EMPTY_LABEL = 312,
    /// invalid STS host: expected letters, digits, '-', '_', '.' or ':' only
    MONGODB_AWS_HOST_INVALID_CHARACTER = 313,

    // ---- 400-499: credential endpoints and STS responses ----------------------------------------
    /// invalid timestamp: expected ISO-8601 UTC such as 2023-02-07T20:04:27Z, or epoch seconds
    MONGODB_AWS_INVALID_TIMESTAMP = 400,

    // ---- 900-999: internal ----------------------------------------------------------------------
    /// input too large: a computed length exceeds the address space
    MONGODB_AWS_LENGTH_OVERFLOW = 900,
    // END GENERATED
}

// BEGIN GENERATED from_core
/// The status with core error number `code`, if this build knows it.
#[rustfmt::skip]
const fn from_core_code(code: u32) -> Option<mongodb_aws_status> {
    match code {
        100 => Some(mongodb_aws_status::MONGODB_AWS_BUFFER_TOO_SMALL),
        101 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_METHOD),
        102 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_PATH),
        103 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_QUERY),
        104 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_HEADER_NAME),
        105 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_HEADER_VALUE),
        106 => Some(mongodb_aws_status::MONGODB_AWS_TOO_MANY_HEADERS),
        107 => Some(mongodb_aws_status::MONGODB_AWS_MISSING_HOST_HEADER),
        108 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_REGION),
        109 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_SERVICE),
        110 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_TIME),
        111 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_AMZ_DATE),
        112 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_PAYLOAD_HASH),
        113 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_EXPIRES),
        114 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_PARAMETER),
        115 => Some(mongodb_aws_status::MONGODB_AWS_SIGNING_KEY_MISMATCH),
        200 => Some(mongodb_aws_status::MONGODB_AWS_MISSING_ACCESS_KEY_ID),
        201 => Some(mongodb_aws_status::MONGODB_AWS_MISSING_SECRET_ACCESS_KEY),
        202 => Some(mongodb_aws_status::MONGODB_AWS_SESSION_TOKEN_WITHOUT_KEYS),
        203 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_ACCESS_KEY_ID),
        204 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_SECRET_ACCESS_KEY),
        205 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_SESSION_TOKEN),
        206 => Some(mongodb_aws_status::MONGODB_AWS_NO_CREDENTIALS),
        207 => Some(mongodb_aws_status::MONGODB_AWS_CREDENTIALS_EXPIRED),
        300 => Some(mongodb_aws_status::MONGODB_AWS_BSON_TRUNCATED),
        301 => Some(mongodb_aws_status::MONGODB_AWS_BSON_MALFORMED),
        302 => Some(mongodb_aws_status::MONGODB_AWS_BSON_TRAILING_BYTES),
        303 => Some(mongodb_aws_status::MONGODB_AWS_UNEXPECTED_FIELD),
        304 => Some(mongodb_aws_status::MONGODB_AWS_DUPLICATE_FIELD),
        305 => Some(mongodb_aws_status::MONGODB_AWS_MISSING_FIELD),
        306 => Some(mongodb_aws_status::MONGODB_AWS_WRONG_FIELD_TYPE),
        307 => Some(mongodb_aws_status::MONGODB_AWS_SERVER_NONCE_LENGTH),
        308 => Some(mongodb_aws_status::MONGODB_AWS_SERVER_NONCE_MISMATCH),
        309 => Some(mongodb_aws_status::MONGODB_AWS_SERVER_NONCE_SUBTYPE),
        310 => Some(mongodb_aws_status::MONGODB_AWS_HOST_EMPTY),
        311 => Some(mongodb_aws_status::MONGODB_AWS_HOST_TOO_LONG),
        312 => Some(mongodb_aws_status::MONGODB_AWS_HOST_EMPTY_LABEL),
        313 => Some(mongodb_aws_status::MONGODB_AWS_HOST_INVALID_CHARACTER),
        400 => Some(mongodb_aws_status::MONGODB_AWS_INVALID_TIMESTAMP),
        900 => Some(mongodb_aws_status::MONGODB_AWS_LENGTH_OVERFLOW),
        _ => None,
    }
}

/// NUL-terminated name and message of core error number `code`.
#[rustfmt::skip]
const fn core_strings(code: u32) -> Option<(&'static CStr, &'static CStr)> {
    match code {
        100 => Some((c"BUFFER_TOO_SMALL", c"output buffer too small: pass a buffer of at least the size the matching length function returns")),
        101 => Some((c"INVALID_METHOD", c"invalid HTTP method: expected 1 or more ASCII letters such as GET or POST")),
        102 => Some((c"INVALID_PATH", c"invalid request path: expected an absolute path starting with '/' without control characters")),
        103 => Some((c"INVALID_QUERY", c"invalid query string: expected name=value pairs joined by '&' with valid percent-escapes")),
        104 => Some((c"INVALID_HEADER_NAME", c"invalid header name: expected 1 or more HTTP token characters")),
        105 => Some((c"INVALID_HEADER_VALUE", c"invalid header value: expected printable text without NUL or bare line breaks")),
        106 => Some((c"TOO_MANY_HEADERS", c"too many headers: the signer accepts at most 64 headers per request")),
        107 => Some((c"MISSING_HOST_HEADER", c"missing host header: SigV4 requires a signed host header")),
        108 => Some((c"INVALID_REGION", c"invalid region: expected 1 to 253 characters of letters, digits, '-', '_' or '.'")),
        109 => Some((c"INVALID_SERVICE", c"invalid service name: expected 1 to 64 characters of letters, digits, '-', '_' or '.'")),
        110 => Some((c"INVALID_TIME", c"invalid time: expected unix seconds between 1970-01-01 and 9999-12-31")),
        111 => Some((c"INVALID_AMZ_DATE", c"invalid X-Amz-Date: expected YYYYMMDD'T'HHMMSS'Z' with a valid calendar date and time")),
        112 => Some((c"INVALID_PAYLOAD_HASH", c"invalid payload hash: expected 64 lower-case hex digits or UNSIGNED-PAYLOAD")),
        113 => Some((c"INVALID_EXPIRES", c"invalid presign expiry: expected 1 to 604800 seconds")),
        114 => Some((c"INVALID_PARAMETER", c"invalid parameter: a value passed by the caller does not follow the documented rule")),
        115 => Some((c"SIGNING_KEY_MISMATCH", c"signing key mismatch: the key was derived for another date, region or service than this request")),
        200 => Some((c"MISSING_ACCESS_KEY_ID", c"SECRET_ACCESS_KEY is set, but ACCESS_KEY_ID is missing")),
        201 => Some((c"MISSING_SECRET_ACCESS_KEY", c"ACCESS_KEY_ID is set, but SECRET_ACCESS_KEY is missing")),
        202 => Some((c"SESSION_TOKEN_WITHOUT_KEYS", c"AWS_SESSION_TOKEN is set, but ACCESS_KEY_ID and SECRET_ACCESS_KEY are missing")),
        203 => Some((c"INVALID_ACCESS_KEY_ID", c"invalid access key id: expected 1 to 128 ASCII letters or digits")),
        204 => Some((c"INVALID_SECRET_ACCESS_KEY", c"invalid secret access key: expected 1 to 128 printable ASCII characters")),
        205 => Some((c"INVALID_SESSION_TOKEN", c"invalid session token: expected printable ASCII characters without spaces")),
        206 => Some((c"NO_CREDENTIALS", c"no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or run where a credential endpoint is available")),
        207 => Some((c"CREDENTIALS_EXPIRED", c"credentials expired: fetch new credentials")),
        300 => Some((c"BSON_TRUNCATED", c"malformed BSON: document is shorter than its declared length")),
        301 => Some((c"BSON_MALFORMED", c"malformed BSON: invalid length, terminator or element encoding")),
        302 => Some((c"BSON_TRAILING_BYTES", c"malformed BSON: bytes follow the end of the document")),
        303 => Some((c"UNEXPECTED_FIELD", c"unexpected field in server-first: expected only 's' and 'h'")),
        304 => Some((c"DUPLICATE_FIELD", c"duplicate field in message: each field may appear once")),
        305 => Some((c"MISSING_FIELD", c"missing field in server-first: expected 's' (binary) and 'h' (string)")),
        306 => Some((c"WRONG_FIELD_TYPE", c"wrong BSON type: expected 's' binary and 'h' string")),
        307 => Some((c"SERVER_NONCE_LENGTH", c"invalid server nonce: expected exactly 64 bytes")),
        308 => Some((c"SERVER_NONCE_MISMATCH", c"invalid server nonce: its first 32 bytes must equal the client nonce")),
        309 => Some((c"SERVER_NONCE_SUBTYPE", c"invalid server nonce: expected binary subtype 0 (generic)")),
        310 => Some((c"HOST_EMPTY", c"invalid STS host: expected 1 to 255 bytes, got an empty host")),
        311 => Some((c"HOST_TOO_LONG", c"invalid STS host: expected at most 255 bytes")),
        312 => Some((c"HOST_EMPTY_LABEL", c"invalid STS host: expected no empty label (no leading, trailing or doubled '.')")),
        313 => Some((c"HOST_INVALID_CHARACTER", c"invalid STS host: expected letters, digits, '-', '_', '.' or ':' only")),
        400 => Some((c"INVALID_TIMESTAMP", c"invalid timestamp: expected ISO-8601 UTC such as 2023-02-07T20:04:27Z, or epoch seconds")),
        900 => Some((c"LENGTH_OVERFLOW", c"input too large: a computed length exceeds the address space")),
        _ => None,
    }
}
// END GENERATED from_core

/// The C-only statuses: number, name, message.
pub(crate) const C_ONLY: &[(u32, &CStr, &CStr)] = &[
    (0, c"OK", c"success"),
    (
        1,
        c"NULL_ARGUMENT",
        c"NULL argument: a required pointer is NULL, or a NULL pointer was given with a non-zero length",
    ),
    (
        2,
        c"PANIC",
        c"internal error: a panic was caught at the C boundary and nothing was written; please report it",
    ),
    (
        3,
        c"INVALID_UTF8",
        c"invalid text: a text argument is not valid UTF-8",
    ),
    (
        4,
        c"UNKNOWN_ERROR",
        c"unknown error: the core reported an error this build of the C library has no status for",
    ),
];

/// NUL-terminated upper-case name of any status number (`None` if unknown).
pub(crate) fn name_cstr(code: u32) -> Option<&'static CStr> {
    match C_ONLY.iter().find(|(c, _, _)| *c == code) {
        Some((_, name, _)) => Some(name),
        None => core_strings(code).map(|(name, _)| name),
    }
}

/// NUL-terminated static message of any status number (`None` if unknown).
pub(crate) fn message_cstr(code: u32) -> Option<&'static CStr> {
    match C_ONLY.iter().find(|(c, _, _)| *c == code) {
        Some((_, _, msg)) => Some(msg),
        None => core_strings(code).map(|(_, msg)| msg),
    }
}

impl mongodb_aws_status {
    /// The number as C sees it.
    pub const fn code(self) -> u32 {
        self as u32
    }
}

impl From<Error> for mongodb_aws_status {
    fn from(e: Error) -> Self {
        from_core_code(e.code()).unwrap_or(mongodb_aws_status::MONGODB_AWS_UNKNOWN_ERROR)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_errors_convert_to_the_status_of_the_same_number_and_name() {
        for e in Error::ALL {
            let s = mongodb_aws_status::from(*e);
            assert_eq!(s.code(), e.code(), "{e:?}");
            assert_eq!(format!("{s:?}"), format!("MONGODB_AWS_{}", e.name()));
        }
        let s = mongodb_aws_status::from(Error::BufferTooSmall { needed: 9 });
        assert_eq!(s, mongodb_aws_status::MONGODB_AWS_BUFFER_TOO_SMALL);
    }
}
