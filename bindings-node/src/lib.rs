//! Node.js binding of `mongodb-aws-core` and the `mongodb-aws` runtime (napi-rs). Thin: every
//! export converts JavaScript values, calls one core or runtime function and converts the result
//! back; credential resolution (`providers`) returns Promises whose runtime call runs on libuv's
//! thread pool. The idiomatic API (error classes, defaults for the nonce and the clock) lives in
//! `index.js` and `lib/`; this file is the native half they load through the generated `binding.js`.
//!
//! Errors: a core [`Error`] is thrown as a JavaScript `Error` whose `code` is the core's stable name
//! ([`Error::name`], e.g. `"SERVER_NONCE_MISMATCH"`) and whose message is the core's static message;
//! `index.js` turns it into the matching `MongoDBAWSError` subclass. Every export has
//! `#[napi(catch_unwind)]` so that a panic becomes a JavaScript exception, never an abort.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use mongodb_aws::owned::{ParsedServerFirst, SigningCredentials};
use mongodb_aws_core::sasl::client::{ClientConversation as CoreConversation, CLIENT_NONCE_LEN};
use mongodb_aws_core::sigv4::UriEncoding;
use mongodb_aws_core::sigv4::{self, Payload, Request, Scope, SessionTokenMode, Settings};
use mongodb_aws_core::{sts, AmzDate, Credentials as CoreCredentials, Error, UnixTime};
use napi::bindgen_prelude::Buffer;

/// A `#[napi] impl` block of read-only properties of a class wrapping `inner`: each `name: Type` is
/// a getter returning `self.inner.name()` as JavaScript gets it ([`ToJs`]). An entry's
/// documentation is written `#[doc = " ..."]`: napi-derive reads it into `binding.d.ts` from a plain
/// string literal, and a `///` comment passed through `macro_rules!` reaches it as a raw one, which
/// it copies with the `r"` prefix.
macro_rules! napi_getters {
    (impl $class:ident { $($(#[$meta:meta])* $name:ident: $ty:ty),* $(,)? }) => {
        #[napi_derive::napi]
        impl $class {
            $(
                $(#[$meta])*
                #[napi(getter, catch_unwind)]
                pub fn $name(&self) -> $ty {
                    $crate::ToJs::to_js(self.inner.$name())
                }
            )*
        }
    };
}

pub mod fast;
pub mod providers;
pub mod server;
use napi_derive::napi;
use std::rc::Rc;

/// Error status of a thrown core error: the core's stable upper-case name, which napi puts in the
/// JavaScript error's `code` property.
pub struct Code(&'static str);

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        self.0
    }
}

/// A core or runtime value as a native getter hands it to JavaScript.
pub(crate) trait ToJs {
    type Js;
    fn to_js(self) -> Self::Js;
}

impl ToJs for &str {
    type Js = String;
    fn to_js(self) -> String {
        self.to_string()
    }
}

impl ToJs for Option<&str> {
    type Js = Option<String>;
    fn to_js(self) -> Option<String> {
        self.map(str::to_string)
    }
}

impl<const N: usize> ToJs for &[u8; N] {
    type Js = Buffer;
    fn to_js(self) -> Buffer {
        self.to_vec().into()
    }
}

/// Unix seconds as a JavaScript number (at most 253402300799, 9999-12-31: exact in an f64).
impl ToJs for UnixTime {
    type Js = f64;
    fn to_js(self) -> f64 {
        self.0 as f64
    }
}

pub(crate) fn js_err(e: Error) -> napi::Error<Code> {
    napi::Error::new(Code(e.name()), e.to_string())
}

/// Runs `f` with a buffer of `guess` bytes; on [`Error::BufferTooSmall`] retries once with the exact
/// size the core reports (the core's contract: nothing is written on that error).
fn with_buffer(
    guess: usize,
    mut f: impl FnMut(&mut [u8]) -> Result<usize, Error>,
) -> Result<Vec<u8>, Error> {
    let mut buf = vec![0u8; guess];
    let n = match f(&mut buf) {
        Err(Error::BufferTooSmall { needed }) => {
            buf.resize(needed, 0);
            f(&mut buf)?
        }
        other => other?,
    };
    buf.truncate(n);
    Ok(buf)
}

fn utf8(bytes: Vec<u8>) -> Result<String, Error> {
    // The core writes ASCII (or the caller's own UTF-8) only.
    String::from_utf8(bytes).map_err(|_| Error::InvalidParameter)
}

/// Milliseconds since the epoch (JavaScript's `Date.now()`/`getTime()`) to unix seconds, rounding
/// down. NaN, infinities and instants before 1970 are [`Error::InvalidTime`].
pub(crate) fn unix_from_ms(ms: f64) -> Result<UnixTime, Error> {
    if !ms.is_finite() || ms < 0.0 {
        return Err(Error::InvalidTime);
    }
    let secs = (ms / 1000.0).floor();
    if secs > u64::MAX as f64 {
        return Err(Error::InvalidTime);
    }
    Ok(UnixTime(secs as u64))
}

/// An entry of the core's error table.
#[napi(object)]
pub struct ErrorInfo {
    /// Stable upper-case name (`err.code` in JavaScript).
    pub name: String,
    /// Stable number, shared with the C ABI's `mongodb_aws_status`.
    pub number: u32,
    /// Static message.
    pub message: String,
}

/// Every core error, in code order (for building the JavaScript error classes and for tests).
#[napi(catch_unwind)]
pub fn error_table() -> Vec<ErrorInfo> {
    Error::ALL
        .iter()
        .map(|e| ErrorInfo {
            name: e.name().to_string(),
            number: e.code(),
            message: e.message().to_string(),
        })
        .collect()
}

/// Fixed values of the protocol, from the core.
#[napi(object)]
pub struct Constants {
    /// The default STS host (`sts.amazonaws.com`).
    pub sts_default_host: String,
    /// The signing service of MONGODB-AWS (`sts`).
    pub sts_service: String,
    /// The request body the client signs.
    pub get_caller_identity_body: String,
    /// Longest presigned URL lifetime, in seconds.
    pub max_presign_expires: u32,
    /// Length of the client nonce.
    pub client_nonce_length: u32,
    /// `UNSIGNED-PAYLOAD`.
    pub unsigned_payload: String,
}

/// The core's protocol constants.
#[napi(catch_unwind)]
pub fn constants() -> Constants {
    Constants {
        sts_default_host: sts::DEFAULT_HOST.to_string(),
        sts_service: sts::SERVICE.to_string(),
        get_caller_identity_body: sts::GET_CALLER_IDENTITY_BODY.to_string(),
        max_presign_expires: sigv4::MAX_PRESIGN_EXPIRES,
        client_nonce_length: CLIENT_NONCE_LEN as u32,
        unsigned_payload: sigv4::UNSIGNED_PAYLOAD.to_string(),
    }
}

/// Version of the native module (the workspace version).
#[napi(catch_unwind)]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Validated AWS credentials held natively, with the signing key of their last signature (the
/// runtime's owned layer, `mongodb_aws::owned::SigningCredentials`).
#[napi(js_name = "NativeCredentials")]
pub struct NativeCredentials {
    state: Rc<SigningCredentials>,
    /// This object's entry in the per-thread registry used by `finish` (see `fast`).
    slot: u32,
}

impl Drop for NativeCredentials {
    fn drop(&mut self) {
        fast::unregister(self.slot);
    }
}

impl NativeCredentials {
    pub(crate) fn core(&self) -> Result<&CoreCredentials<'_>, Error> {
        self.state.core()
    }

    fn kept(&self) -> &mongodb_aws::Credentials {
        self.state.credentials()
    }
}

#[napi]
impl NativeCredentials {
    /// Validates credentials with the spec's combination rule (empty strings count as absent; id +
    /// secret, optionally + token; anything else is a credentials error).
    #[napi(constructor, catch_unwind)]
    pub fn new(
        access_key_id: Option<String>,
        secret_access_key: Option<String>,
        session_token: Option<String>,
    ) -> napi::Result<Self, Code> {
        let state = Rc::new(
            SigningCredentials::from_parts(
                access_key_id.as_deref(),
                secret_access_key.as_deref(),
                session_token.as_deref(),
            )
            .map_err(js_err)?,
        );
        let slot = fast::register(&state);
        Ok(NativeCredentials { state, slot })
    }

    /// This object's number for `finish` (written into the scratch buffer by `index.js`).
    #[napi(getter, catch_unwind)]
    pub fn slot(&self) -> u32 {
        self.slot
    }

    /// The access key id.
    #[napi(getter, catch_unwind)]
    pub fn access_key_id(&self) -> String {
        self.kept().access_key_id().to_string()
    }

    /// The secret access key.
    #[napi(getter, catch_unwind)]
    pub fn secret_access_key(&self) -> String {
        self.kept().secret_access_key().to_string()
    }

    /// The session token, or null.
    #[napi(getter, catch_unwind)]
    pub fn session_token(&self) -> Option<String> {
        self.kept().session_token().map(str::to_string)
    }
}

/// The parts of a validated server-first message.
#[napi(object)]
pub struct ServerFirstInfo {
    /// STS host `h`, verbatim.
    pub host: String,
    /// Signing region derived from the host.
    pub region: String,
    /// The 64-byte server nonce `s`.
    pub server_nonce: Buffer,
    /// Base64 of the server nonce: the `X-MongoDB-Server-Nonce` header value.
    pub server_nonce_base64: String,
}

/// One MONGODB-AWS conversation, client side (core `sasl::client::ClientConversation`).
#[napi(js_name = "NativeClientConversation")]
pub struct NativeClientConversation {
    inner: CoreConversation,
}

#[napi]
impl NativeClientConversation {
    /// Starts a conversation with a 32-byte nonce from a CSPRNG.
    #[napi(constructor, catch_unwind)]
    pub fn new(nonce: &[u8]) -> napi::Result<Self, Code> {
        let nonce: [u8; CLIENT_NONCE_LEN] = nonce
            .try_into()
            .map_err(|_| js_err(Error::InvalidParameter))?;
        Ok(NativeClientConversation {
            inner: CoreConversation::new(nonce),
        })
    }

    /// The client nonce (32 bytes).
    #[napi(getter, catch_unwind)]
    pub fn nonce(&self) -> Buffer {
        self.inner.nonce().to_vec().into()
    }

    /// The client-first payload (52 bytes of BSON).
    #[napi(catch_unwind)]
    pub fn client_first(&self) -> Buffer {
        self.inner.client_first().to_vec().into()
    }

    /// Validates server-first and returns its parts.
    #[napi(catch_unwind)]
    pub fn parse_server_first(&self, server_first: &[u8]) -> napi::Result<ServerFirstInfo, Code> {
        let sf = self
            .inner
            .parse_server_first(server_first)
            .map_err(js_err)?;
        let sf = ParsedServerFirst::new(&sf);
        Ok(ServerFirstInfo {
            host: sf.host().to_string(),
            region: sf.region().to_string(),
            server_nonce: sf.server_nonce().to_vec().into(),
            server_nonce_base64: sf.server_nonce_base64().to_string(),
        })
    }

    /// The canonical request `finish` signs (diagnostics).
    #[napi(catch_unwind)]
    pub fn canonical_request(
        &self,
        server_first: &[u8],
        credentials: &NativeCredentials,
        now_ms: f64,
    ) -> napi::Result<String, Code> {
        let guess = 1024 + credentials.kept().session_token().map_or(0, str::len);
        diagnostic(server_first, credentials, now_ms, guess, |sf, c, t, out| {
            self.inner.canonical_request(sf, c, t, out)
        })
    }

    /// The string to sign `finish` signs (diagnostics).
    #[napi(catch_unwind)]
    pub fn string_to_sign(
        &self,
        server_first: &[u8],
        credentials: &NativeCredentials,
        now_ms: f64,
    ) -> napi::Result<String, Code> {
        diagnostic(server_first, credentials, now_ms, 512, |sf, c, t, out| {
            self.inner.string_to_sign(sf, c, t, out)
        })
    }
}

/// A diagnostic text of the conversation (`f` writes it), in a buffer of `guess` bytes or the size
/// the core reports.
fn diagnostic(
    server_first: &[u8],
    credentials: &NativeCredentials,
    now_ms: f64,
    guess: usize,
    f: impl Fn(&[u8], &CoreCredentials<'_>, UnixTime, &mut [u8]) -> Result<usize, Error>,
) -> napi::Result<String, Code> {
    (|| {
        let creds = credentials.core()?;
        let now = unix_from_ms(now_ms)?;
        utf8(with_buffer(guess, |out| f(server_first, creds, now, out))?)
    })()
    .map_err(js_err)
}

/// Validates an STS host (PROTOCOL.md A3); throws on an invalid host.
#[napi(catch_unwind)]
pub fn validate_host(host: String) -> napi::Result<(), Code> {
    sts::validate_host(&host).map_err(js_err)
}

/// The signing region for an STS host (PROTOCOL.md A4); throws on an invalid host.
#[napi(catch_unwind)]
pub fn region_for_host(host: String) -> napi::Result<String, Code> {
    sts::region_for_host(&host)
        .map(str::to_string)
        .map_err(js_err)
}

/// Signer settings and scope for `signV4` / `presignV4`.
#[napi(object)]
pub struct SignOptions {
    /// Region of the credential scope.
    pub region: String,
    /// Service of the credential scope.
    pub service: String,
    /// Signing time in milliseconds since the epoch.
    pub now_ms: f64,
    /// Remove dot and empty path segments (default true; false for S3).
    pub normalize_path: Option<bool>,
    /// Encode the path once, keeping existing `%XX` (S3); default false (encode twice).
    pub single_encode_path: Option<bool>,
    /// Sign the session token (default true); false leaves it out of the signature.
    pub sign_session_token: Option<bool>,
    /// Add and sign `x-amz-content-sha256` (S3).
    pub content_sha256_header: Option<bool>,
    /// Also return the canonical request and the string to sign.
    pub debug: Option<bool>,
}

/// The result of `signV4`.
#[napi(object)]
pub struct SignResult {
    /// Lower-case hex signature.
    pub signature: String,
    /// The `Authorization` header value.
    pub authorization: String,
    /// The `X-Amz-Date` value signed.
    pub amz_date: String,
    /// The payload hash signed (hex SHA-256 of the body, the caller's hash, or `UNSIGNED-PAYLOAD`);
    /// only when `contentSha256Header` or `debug` is set.
    pub payload_hash: Option<String>,
    /// The canonical request (only with `debug`).
    pub canonical_request: Option<String>,
    /// The string to sign (only with `debug`).
    pub string_to_sign: Option<String>,
}

/// The result of `presignV4`.
#[napi(object)]
pub struct PresignResult {
    /// Query parameters to append to the URL (`X-Amz-Algorithm=...&...&X-Amz-Signature=...`).
    pub query: String,
    /// Lower-case hex signature.
    pub signature: String,
    /// The `X-Amz-Date` value signed.
    pub amz_date: String,
}

fn settings(o: &SignOptions) -> Settings {
    let d = Settings::default();
    Settings {
        normalize_path: o.normalize_path.unwrap_or(d.normalize_path),
        uri_encoding: if o.single_encode_path.unwrap_or(false) {
            UriEncoding::Single
        } else {
            UriEncoding::Double
        },
        session_token: if o.sign_session_token.unwrap_or(true) {
            SessionTokenMode::Signed
        } else {
            SessionTokenMode::Omitted
        },
        content_sha256_header: o.content_sha256_header.unwrap_or(d.content_sha256_header),
    }
}

/// Pairs a flat `[name, value, name, value, ...]` list.
fn header_pairs(flat: &[String]) -> Result<Vec<(&str, &str)>, Error> {
    let pairs = flat.chunks_exact(2);
    if !pairs.remainder().is_empty() {
        return Err(Error::InvalidParameter);
    }
    Ok(pairs
        .filter_map(|c| match c {
            [n, v] => Some((n.as_str(), v.as_str())),
            _ => None,
        })
        .collect())
}

/// The body as the signer sees it: `UNSIGNED-PAYLOAD`, a given hex hash, or the bytes to hash.
fn payload_of<'a>(body: Option<&'a [u8]>, payload_hash: Option<&'a str>) -> Payload<'a> {
    match payload_hash {
        Some(sigv4::UNSIGNED_PAYLOAD) => Payload::Unsigned,
        Some(h) => Payload::Hash(h),
        None => Payload::Bytes(body.unwrap_or(&[])),
    }
}

/// The request time and credential scope from the signing options.
fn scope_of(options: &SignOptions) -> Result<(AmzDate, Scope<'_>), Error> {
    let time = AmzDate::from_unix(unix_from_ms(options.now_ms)?)?;
    let scope = Scope::new(time, &options.region, &options.service)?;
    Ok((time, scope))
}

/// Last line of a canonical request: the payload hash.
fn last_line(s: &str) -> String {
    s.rsplit('\n').next().unwrap_or("").to_string()
}

/// The request arguments of `signV4` and `presignV4`.
struct Parts<'a> {
    method: &'a str,
    path: &'a str,
    query: &'a str,
    headers: &'a [String],
    body: Option<&'a [u8]>,
    payload_hash: Option<&'a str>,
}

impl Parts<'_> {
    /// Runs `f` with the core's request, the credentials, the signing time, scope and settings.
    fn sign<R>(
        &self,
        credentials: &NativeCredentials,
        options: &SignOptions,
        f: impl FnOnce(
            &Request<'_>,
            &CoreCredentials<'_>,
            AmzDate,
            &Scope<'_>,
            &Settings,
        ) -> Result<R, Error>,
    ) -> napi::Result<R, Code> {
        (|| {
            let creds = credentials.core()?;
            let headers = header_pairs(self.headers)?;
            let req = Request {
                method: self.method,
                path: self.path,
                query: self.query,
                headers: &headers,
                payload: payload_of(self.body, self.payload_hash),
            };
            let (time, scope) = scope_of(options)?;
            f(&req, creds, time, &scope, &settings(options))
        })()
        .map_err(js_err)
    }
}

/// Signs an HTTP request with SigV4 (header signing). `headers` is a flat `[name, value, ...]` list;
/// `body` is hashed unless `payload_hash` (hex or `UNSIGNED-PAYLOAD`) is given.
#[napi(catch_unwind)]
#[allow(clippy::too_many_arguments)]
pub fn sign_v4(
    method: String,
    path: String,
    query: String,
    headers: Vec<String>,
    body: Option<&[u8]>,
    payload_hash: Option<String>,
    credentials: &NativeCredentials,
    options: SignOptions,
) -> napi::Result<SignResult, Code> {
    let parts = Parts {
        method: &method,
        path: &path,
        query: &query,
        headers: &headers,
        body,
        payload_hash: payload_hash.as_deref(),
    };
    parts.sign(credentials, &options, |req, creds, time, scope, st| {
        let key = credentials.state.signing_key(scope)?;
        let sig = sigv4::sign(req, creds, scope, st, Some(&key))?;
        let alen = sigv4::authorization_len(req, creds, scope, st)?;
        let authorization = utf8(with_buffer(alen, |out| {
            sigv4::authorization(req, creds, scope, st, &sig, out)
        })?)?;
        let debug = options.debug.unwrap_or(false);
        let creq = if debug || st.content_sha256_header {
            let clen = sigv4::canonical_request_len(req, creds, scope, st)?;
            Some(utf8(with_buffer(clen, |out| {
                sigv4::canonical_request(req, creds, scope, st, out)
            })?)?)
        } else {
            None
        };
        let sts = if debug {
            Some(utf8(with_buffer(512, |out| {
                sigv4::string_to_sign(req, creds, scope, st, out)
            })?)?)
        } else {
            None
        };
        Ok(SignResult {
            signature: sig.hex().as_str().to_string(),
            authorization,
            amz_date: time.as_str().to_string(),
            payload_hash: creq.as_deref().map(last_line),
            canonical_request: creq.filter(|_| debug),
            string_to_sign: sts,
        })
    })
}

/// Presigns an HTTP request (query signing) valid for `expires_seconds`.
#[napi(catch_unwind)]
#[allow(clippy::too_many_arguments)]
pub fn presign_v4(
    method: String,
    path: String,
    query: String,
    headers: Vec<String>,
    body: Option<&[u8]>,
    payload_hash: Option<String>,
    credentials: &NativeCredentials,
    options: SignOptions,
    expires_seconds: u32,
) -> napi::Result<PresignResult, Code> {
    let parts = Parts {
        method: &method,
        path: &path,
        query: &query,
        headers: &headers,
        body,
        payload_hash: payload_hash.as_deref(),
    };
    parts.sign(credentials, &options, |req, creds, time, scope, st| {
        let guess = 1024 + creds.session_token().map_or(0, |t| 3 * t.len());
        let mut signature = String::new();
        let key = credentials.state.signing_key(scope)?;
        let q = with_buffer(guess, |out| {
            sigv4::presign(req, creds, scope, st, expires_seconds, Some(&key), out).map(
                |(n, sig)| {
                    signature = sig.hex().as_str().to_string();
                    n
                },
            )
        })?;
        Ok(PresignResult {
            query: utf8(q)?,
            signature,
            amz_date: time.as_str().to_string(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ms_to_seconds() {
        assert_eq!(
            unix_from_ms(1_440_938_160_999.0),
            Ok(UnixTime(1_440_938_160))
        );
        assert_eq!(unix_from_ms(-1.0), Err(Error::InvalidTime));
        assert_eq!(unix_from_ms(f64::NAN), Err(Error::InvalidTime));
    }
}
