//! Caller-owned input structs (credentials, scope, request) and their conversion into core views.
//! None of them is ever written by the library; all of them borrow: the library keeps no pointer
//! after a call returns.

use crate::ffi::{self, guard, reference, text, R};
use crate::status::mongodb_aws_status;
use core::ffi::c_char;
use mongodb_aws_core::sigv4::{Payload, Request, Scope, SessionTokenMode, Settings, UriEncoding};
use mongodb_aws_core::time::{parse_iso8601, AmzDate, UnixTime};
use mongodb_aws_core::{Credentials, Error};

/// AWS credentials, borrowed from the caller for the duration of one call.
///
/// Text is pointer + length (no NUL terminator needed, UTF-8). An unset part is `NULL` with length 0;
/// an empty string counts as unset (the drivers' environment-variable rule), so an empty
/// `session_token` means "no session token". Valid: id + secret, or id + secret + token.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mongodb_aws_credentials {
    /// Access key id (`AKID...`, `ASIA...`): 1 to 128 ASCII letters or digits.
    pub access_key_id: *const c_char,
    /// Length of `access_key_id` in bytes.
    pub access_key_id_len: usize,
    /// Secret access key: 1 to 128 printable ASCII characters.
    pub secret_access_key: *const c_char,
    /// Length of `secret_access_key` in bytes.
    pub secret_access_key_len: usize,
    /// Session token of temporary credentials, or `NULL`/length 0 for none.
    pub session_token: *const c_char,
    /// Length of `session_token` in bytes.
    pub session_token_len: usize,
}

/// The credential scope of a signature: the request time, region and service.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mongodb_aws_scope {
    /// Request time in seconds since 1970-01-01T00:00:00Z (read the clock once per request).
    pub now_unix: u64,
    /// Region (`us-east-1`): 1 to 253 of letters, digits, `-`, `_`, `.`.
    pub region: *const c_char,
    /// Length of `region` in bytes.
    pub region_len: usize,
    /// Service (`sts`, `s3`, ...): 1 to 64 of letters, digits, `-`, `_`, `.`.
    pub service: *const c_char,
    /// Length of `service` in bytes.
    pub service_len: usize,
}

/// One HTTP header to sign. Names are matched case-insensitively; repeated names are joined with
/// `,` in order; values are trimmed and inner runs of spaces collapsed as SigV4 requires.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mongodb_aws_header {
    /// Header name (an HTTP token).
    pub name: *const c_char,
    /// Length of `name` in bytes.
    pub name_len: usize,
    /// Header value, as sent.
    pub value: *const c_char,
    /// Length of `value` in bytes.
    pub value_len: usize,
}

/// An HTTP request to sign, borrowed for the duration of one call.
///
/// The payload is given either as bytes (`payload`, `payload_len`; hashed by the library) or, when
/// `payload_hash` is not NULL, as its lower-case hex SHA-256 (64 characters) or the literal
/// `UNSIGNED-PAYLOAD`; the bytes are then ignored.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mongodb_aws_request {
    /// HTTP method (`GET`, `POST`): 1 to 32 ASCII letters, used verbatim.
    pub method: *const c_char,
    /// Length of `method` in bytes.
    pub method_len: usize,
    /// Absolute path as sent on the wire, starting with `/`.
    pub path: *const c_char,
    /// Length of `path` in bytes.
    pub path_len: usize,
    /// Raw query string without `?`; `NULL`/0 for none.
    pub query: *const c_char,
    /// Length of `query` in bytes.
    pub query_len: usize,
    /// Array of `headers_len` headers; must contain `host`. At most `MONGODB_AWS_MAX_HEADERS`.
    pub headers: *const mongodb_aws_header,
    /// Number of entries in `headers`.
    pub headers_len: usize,
    /// Body bytes (`NULL`/0 for an empty body). Ignored when `payload_hash` is set.
    pub payload: *const u8,
    /// Length of `payload` in bytes.
    pub payload_len: usize,
    /// `NULL` to hash `payload`; else 64 lower-case hex digits or `UNSIGNED-PAYLOAD`.
    pub payload_hash: *const c_char,
    /// Length of `payload_hash` in bytes.
    pub payload_hash_len: usize,
}

/// Most headers one request may carry (`MONGODB_AWS_TOO_MANY_HEADERS` beyond).
pub const MONGODB_AWS_MAX_HEADERS: usize = 64;

/// Signing flag: do not normalise the path (no removal of `.`/`..`/empty segments). For S3.
pub const MONGODB_AWS_SIGN_NO_PATH_NORMALIZATION: u32 = 1;
/// Signing flag: URI-encode the path once instead of twice. For S3.
pub const MONGODB_AWS_SIGN_SINGLE_ENCODE_PATH: u32 = 2;
/// Signing flag: leave the session token out of the signature (the caller adds the header after
/// signing). Default: `x-amz-security-token` is added and signed.
pub const MONGODB_AWS_SIGN_OMIT_SESSION_TOKEN: u32 = 4;
/// Signing flag: add and sign `x-amz-content-sha256` with the payload hash (S3). Not used by
/// presigning.
pub const MONGODB_AWS_SIGN_CONTENT_SHA256_HEADER: u32 = 8;
/// Signing flags: S3's settings (no normalisation, single encoding, content hash header).
pub const MONGODB_AWS_SIGN_S3: u32 = 11;

const ALL_FLAGS: u32 = MONGODB_AWS_SIGN_NO_PATH_NORMALIZATION
    | MONGODB_AWS_SIGN_SINGLE_ENCODE_PATH
    | MONGODB_AWS_SIGN_OMIT_SESSION_TOKEN
    | MONGODB_AWS_SIGN_CONTENT_SHA256_HEADER;

/// Signer settings from `MONGODB_AWS_SIGN_*` flags (unknown bits: `MONGODB_AWS_INVALID_PARAMETER`).
pub(crate) fn settings(flags: u32) -> R<Settings> {
    if flags & !ALL_FLAGS != 0 {
        return Err(Error::InvalidParameter.into());
    }
    Ok(Settings {
        normalize_path: flags & MONGODB_AWS_SIGN_NO_PATH_NORMALIZATION == 0,
        uri_encoding: if flags & MONGODB_AWS_SIGN_SINGLE_ENCODE_PATH != 0 {
            UriEncoding::Single
        } else {
            UriEncoding::Double
        },
        session_token: if flags & MONGODB_AWS_SIGN_OMIT_SESSION_TOKEN != 0 {
            SessionTokenMode::Omitted
        } else {
            SessionTokenMode::Signed
        },
        content_sha256_header: flags & MONGODB_AWS_SIGN_CONTENT_SHA256_HEADER != 0,
    })
}

impl mongodb_aws_credentials {
    /// The validated core view (PROTOCOL.md A7 via `Credentials::from_parts`), borrowing the strings
    /// the struct points to for `'a`.
    ///
    /// # Safety
    /// The pointers must satisfy the struct's documented contract, for `'a`.
    pub(crate) unsafe fn view<'a>(&self) -> R<Credentials<'a>> {
        // SAFETY: forwarded contract.
        let (id, secret, token) = unsafe {
            (
                ffi::opt_text(self.access_key_id, self.access_key_id_len)?,
                ffi::opt_text(self.secret_access_key, self.secret_access_key_len)?,
                ffi::opt_text(self.session_token, self.session_token_len)?,
            )
        };
        Ok(Credentials::from_parts(id, secret, token)?)
    }
}

impl mongodb_aws_scope {
    /// The validated core scope.
    ///
    /// # Safety
    /// The pointers must satisfy the struct's documented contract.
    pub(crate) unsafe fn view(&self) -> R<Scope<'_>> {
        let time = AmzDate::from_unix(UnixTime(self.now_unix))?;
        // SAFETY: forwarded contract.
        let (region, service) = unsafe {
            (
                text(self.region, self.region_len)?,
                text(self.service, self.service_len)?,
            )
        };
        Ok(Scope::new(time, region, service)?)
    }
}

/// Header storage for one call: the core takes a slice of `(name, value)` pairs, which this fixed
/// array provides without allocating.
pub(crate) type HeaderBuf<'a> = [(&'a str, &'a str); MONGODB_AWS_MAX_HEADERS];

impl mongodb_aws_request {
    /// The core view; `headers` is storage for the converted header list.
    ///
    /// # Safety
    /// The pointers must satisfy the struct's documented contract.
    pub(crate) unsafe fn view<'a>(&'a self, headers: &'a mut HeaderBuf<'a>) -> R<Request<'a>> {
        if self.headers_len > MONGODB_AWS_MAX_HEADERS {
            return Err(Error::TooManyHeaders.into());
        }
        // SAFETY: forwarded contract; headers_len is bounded above.
        let list: &[mongodb_aws_header] = unsafe {
            if self.headers_len == 0 {
                &[]
            } else if self.headers.is_null() {
                return Err(ffi::NULL_ARGUMENT);
            } else {
                core::slice::from_raw_parts(self.headers, self.headers_len)
            }
        };
        for (slot, h) in headers.iter_mut().zip(list) {
            // SAFETY: forwarded contract.
            *slot = unsafe { (text(h.name, h.name_len)?, text(h.value, h.value_len)?) };
        }
        // SAFETY: forwarded contract.
        let (method, path, query) = unsafe {
            (
                text(self.method, self.method_len)?,
                text(self.path, self.path_len)?,
                text(self.query, self.query_len)?,
            )
        };
        // SAFETY: forwarded contract.
        let payload = unsafe {
            match ffi::opt_text(self.payload_hash, self.payload_hash_len)? {
                Some(mongodb_aws_core::sigv4::UNSIGNED_PAYLOAD) => Payload::Unsigned,
                Some(h) => Payload::Hash(h),
                None => Payload::Bytes(ffi::bytes(self.payload, self.payload_len)?),
            }
        };
        Ok(Request {
            method,
            path,
            query,
            headers: headers.get(..list.len()).unwrap_or(&[]),
            payload,
        })
    }
}

/// Checks a set of credentials with the drivers' rule for environment variables (empty = unset):
/// `MONGODB_AWS_OK` for id + secret (+ token); `MONGODB_AWS_MISSING_SECRET_ACCESS_KEY`,
/// `MONGODB_AWS_MISSING_ACCESS_KEY_ID`, `MONGODB_AWS_SESSION_TOKEN_WITHOUT_KEYS`,
/// `MONGODB_AWS_NO_CREDENTIALS` (nothing set) or a format error otherwise. Pass the values of
/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` to apply the spec's rule.
/// Thread-safe; reads only `creds`.
///
/// # Safety
/// `creds` must be NULL or point to a valid `mongodb_aws_credentials` whose pointers satisfy its
/// documented contract.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_credentials_check(
    creds: *const mongodb_aws_credentials,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        unsafe { reference(creds)?.view()? };
        Ok(())
    })
}

/// Writes the `X-Amz-Date` text (`YYYYMMDD'T'HHMMSS'Z'`, 16 bytes, not NUL-terminated) for a time in
/// seconds since 1970-01-01T00:00:00Z. `MONGODB_AWS_INVALID_TIME` outside 1970..=9999.
/// Output convention as everywhere (`out == NULL && out_cap == 0` asks for the size). Thread-safe.
///
/// # Safety
/// `out` must be NULL or point to `out_cap` writable bytes; `out_len` must be NULL or point to a
/// writable `size_t`.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_amz_date(
    now_unix: u64,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let out = unsafe { ffi::Out::new(out, out_cap, out_len)? };
        let d = AmzDate::from_unix(UnixTime(now_unix))?;
        out.emit_bytes(d.as_bytes())
    })
}

/// Parses an ISO-8601 UTC timestamp such as a credential `Expiration` (`2023-02-07T20:04:27Z`) into
/// seconds since 1970 in `*out_unix`. `MONGODB_AWS_INVALID_TIMESTAMP` when malformed; `*out_unix` is
/// written only on success. Thread-safe.
///
/// # Safety
/// `timestamp` must point to `timestamp_len` readable bytes (or be NULL with 0); `out_unix` must be
/// NULL or point to a writable `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_parse_iso8601(
    timestamp: *const c_char,
    timestamp_len: usize,
    out_unix: *mut u64,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (s, out) = unsafe { (text(timestamp, timestamp_len)?, ffi::target(out_unix)?) };
        *out = parse_iso8601(s)?.0;
        Ok(())
    })
}
