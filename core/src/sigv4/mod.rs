//! General AWS Signature Version 4 (header and presigned-query signing), allocation-free.
//!
//! The canonical request is streamed straight into SHA-256; it is only materialised if the caller asks
//! for it ([`canonical_request`]) for diagnostics. The signing key is derived once per
//! date/region/service into a [`SigningKey`] that zeroizes itself on drop and can be reused.
//!
//! ```
//! use mongodb_aws_core::{Credentials, sigv4::{self, Payload, Request, Scope, Settings}};
//! use mongodb_aws_core::time::{AmzDate, UnixTime};
//!
//! let creds = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None)?;
//! let req = Request {
//!     method: "GET", path: "/", query: "",
//!     headers: &[("Host", "example.amazonaws.com")],
//!     payload: Payload::Bytes(b""),
//! };
//! let scope = Scope::new(AmzDate::from_unix(UnixTime(1_440_938_160))?, "us-east-1", "service")?;
//! let sig = sigv4::sign(&req, &creds, &scope, &Settings::default(), None)?;
//! // Value from the AWS signing test suite, case get-vanilla.
//! assert_eq!(sig.hex().as_str(), "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
//! # Ok::<(), mongodb_aws_core::Error>(())
//! ```

pub mod canonical;
mod prekeyed;
pub(crate) mod sha256;
pub mod sink;

pub use canonical::UriEncoding;

use crate::{AmzDate, Credentials, Error};
use canonical::Param;
use sha2::{Digest, Sha256};
use sink::{put_hex, Counter, Sink, SliceSink};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// The algorithm name in the string to sign and the Authorization header.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The first line of the string to sign ([`ALGORITHM`] and a newline).
const ALGORITHM_LINE: &str = "AWS4-HMAC-SHA256\n";
/// Hex SHA-256 of the empty string.
pub const EMPTY_PAYLOAD_HASH: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// Payload hash value for unsigned payloads.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// The request body as the signer sees it.
#[derive(Clone, Copy, Debug)]
pub enum Payload<'a> {
    /// The body bytes; they are hashed.
    Bytes(&'a [u8]),
    /// A precomputed lower-case hex SHA-256 of the body.
    Hash(&'a str),
    /// `UNSIGNED-PAYLOAD` (S3 presigned URLs).
    Unsigned,
}

/// An HTTP request to sign. Nothing is copied.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// HTTP method (`GET`, `POST`, ...); used verbatim.
    pub method: &'a str,
    /// Absolute path as sent on the wire (`/`, `/a/b`); see [`Settings::uri_encoding`].
    pub path: &'a str,
    /// Raw query string without `?` (may be empty); `%XX` escapes are decoded then re-encoded.
    pub query: &'a str,
    /// Header name/value pairs to sign, in any order and case; repeated names are joined with `,`.
    /// Must include `host`. The signer adds `x-amz-date` (and `x-amz-security-token`,
    /// `x-amz-content-sha256` per [`Settings`]) unless already present.
    pub headers: &'a [(&'a str, &'a str)],
    /// Body or its hash.
    pub payload: Payload<'a>,
}

/// How the session token is treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SessionTokenMode {
    /// Add `x-amz-security-token` and sign it (default; what STS and MONGODB-AWS need).
    #[default]
    Signed,
    /// Leave the token out of the signature; the caller adds the header after signing (the AWS
    /// suites' `post-sts-header-after`, `omit_session_token`).
    Omitted,
}

/// Signer options. The defaults are right for every AWS service except S3.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Remove dot segments and empty segments from the path (default `true`; S3 wants `false`).
    pub normalize_path: bool,
    /// Path encoding (default [`UriEncoding::Double`]; S3 wants [`UriEncoding::Single`]).
    pub uri_encoding: UriEncoding,
    /// Session token handling.
    pub session_token: SessionTokenMode,
    /// Add and sign `x-amz-content-sha256` with the payload hash (S3; the suites' `sign_body`).
    pub content_sha256_header: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            normalize_path: true,
            uri_encoding: UriEncoding::Double,
            session_token: SessionTokenMode::Signed,
            content_sha256_header: false,
        }
    }
}

fn valid_scope_part(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Checks a region as [`Scope::new`] does (1–253 of `[A-Za-z0-9._-]`), without a time.
pub(crate) fn validate_region(region: &str) -> Result<(), Error> {
    if valid_scope_part(region, 253) {
        Ok(())
    } else {
        Err(Error::InvalidRegion)
    }
}

/// The credential scope: time, region and service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scope<'a> {
    time: AmzDate,
    region: &'a str,
    service: &'a str,
}

impl<'a> Scope<'a> {
    /// Validates the region (1–253 of `[A-Za-z0-9._-]`) and service (1–64 of the same).
    pub fn new(time: AmzDate, region: &'a str, service: &'a str) -> Result<Self, Error> {
        if !valid_scope_part(region, 253) {
            return Err(Error::InvalidRegion);
        }
        if !valid_scope_part(service, 64) {
            return Err(Error::InvalidService);
        }
        Ok(Scope {
            time,
            region,
            service,
        })
    }

    /// A scope whose region and service the caller has already validated as [`Scope::new`] does
    /// (a validated server-first's region and the constant `sts`): skips the second check.
    pub(crate) fn from_validated(time: AmzDate, region: &'a str, service: &'a str) -> Self {
        Scope {
            time,
            region,
            service,
        }
    }

    /// The request time.
    pub fn time(&self) -> &AmzDate {
        &self.time
    }

    /// The region.
    pub fn region(&self) -> &'a str {
        self.region
    }

    /// The service.
    pub fn service(&self) -> &'a str {
        self.service
    }

    /// Writes `YYYYMMDD/region/service/aws4_request`.
    pub fn put<S: Sink + ?Sized>(&self, s: &mut S) {
        s.put(self.time.date_bytes());
        s.put(b"/");
        s.put(self.region.as_bytes());
        s.put(b"/");
        s.put(self.service.as_bytes());
        s.put(b"/aws4_request");
    }
}

/// A derived SigV4 signing key (`kSigning`) for one date, region and service. Zeroized on drop.
///
/// Deriving costs 4 HMACs (16 SHA-256 compressions); reuse the key for every request of the same day,
/// region and service.
///
/// Design note (STYLE.md item 12: reuse the keyed HMAC state instead of re-keying): a cloned
/// `hmac::Hmac<Sha256>` cannot be zeroized without `unsafe`, which the core forbids, yet its pad
/// digests are as secret as the key. The key therefore keeps the two SHA-256 midstates after the
/// key's pad blocks as plain arrays (`prekeyed::PadStates`), zeroized on drop with the key; each
/// signature resumes from them and saves two compressions.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SigningKey {
    key: [u8; 32],
    /// HMAC pad midstates of `key` (as secret as the key; zeroized with it).
    pads: prekeyed::PadStates,
    #[zeroize(skip)]
    date: [u8; 8],
    #[zeroize(skip)]
    region: heapless::String<253>,
    #[zeroize(skip)]
    service: heapless::String<64>,
}

impl core::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SigningKey")
            .field("date", &core::str::from_utf8(&self.date).unwrap_or(""))
            .field("region", &self.region.as_str())
            .field("service", &self.service.as_str())
            .field("key", &"<redacted>")
            .finish()
    }
}

impl SigningKey {
    /// Derives `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
    pub fn derive(secret_access_key: &str, scope: &Scope<'_>) -> Result<Self, Error> {
        crate::credentials::validate_secret(secret_access_key)?;
        let mut date = [0u8; 8];
        date.copy_from_slice(scope.time.date_bytes());
        let kd = Zeroizing::new(prekeyed::hmac(
            &[b"AWS4", secret_access_key.as_bytes()],
            &[&date],
        ));
        let kr = Zeroizing::new(prekeyed::hmac(&[&*kd], &[scope.region.as_bytes()]));
        let ks = Zeroizing::new(prekeyed::hmac(&[&*kr], &[scope.service.as_bytes()]));
        let key = prekeyed::hmac(&[&*ks], &[b"aws4_request"]);
        let mut region = heapless::String::new();
        region
            .push_str(scope.region)
            .map_err(|_| Error::InvalidRegion)?;
        let mut service = heapless::String::new();
        service
            .push_str(scope.service)
            .map_err(|_| Error::InvalidService)?;
        let pads = prekeyed::PadStates::new(&key);
        Ok(SigningKey {
            key,
            pads,
            date,
            region,
            service,
        })
    }

    /// Whether this key was derived for `scope`'s date, region and service.
    pub fn matches(&self, scope: &Scope<'_>) -> bool {
        &self.date == scope.time.date_bytes()
            && self.region == scope.region
            && self.service == scope.service
    }

    /// The scope date (`YYYYMMDD`) this key is for.
    pub fn date(&self) -> &str {
        core::str::from_utf8(&self.date).unwrap_or("")
    }

    /// The region this key is for.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The service this key is for.
    pub fn service(&self) -> &str {
        &self.service
    }
}

/// A 32-byte SigV4 signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature(pub [u8; 32]);

/// 64 lower-case hex characters.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct HexSignature([u8; 64]);

impl HexSignature {
    /// The 64 hex digits as bytes.
    pub fn as_bytes(&self) -> &[u8; 64] {
        &self.0
    }

    /// The hex text.
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl core::fmt::Debug for HexSignature {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Signature {
    /// Lower-case hex of the signature, as it appears in `Authorization` and `X-Amz-Signature`.
    pub fn hex(&self) -> HexSignature {
        let mut out = [0u8; 64];
        sink::hex_into(&self.0, &mut out);
        HexSignature(out)
    }
}

fn validate_payload(p: &Payload<'_>) -> Result<(), Error> {
    if let Payload::Hash(h) = p {
        if h.len() != 64 || !h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(Error::InvalidPayloadHash);
        }
    }
    Ok(())
}

fn validate_request(req: &Request<'_>) -> Result<(), Error> {
    if req.method.is_empty()
        || req.method.len() > 32
        || !req.method.bytes().all(|b| b.is_ascii_alphabetic())
    {
        return Err(Error::InvalidMethod);
    }
    canonical::validate_path(req.path)?;
    canonical::validate_query(req.query)?;
    for (n, v) in req.headers {
        canonical::validate_header(n, v)?;
    }
    if !canonical::has_header(req.headers, "host") {
        return Err(Error::MissingHostHeader);
    }
    validate_payload(&req.payload)
}

/// Hex payload hash of `p` (64 hex chars or `UNSIGNED-PAYLOAD`).
#[derive(Clone, Copy)]
struct PayloadHash {
    buf: [u8; 64],
    unsigned: bool,
}

impl PayloadHash {
    fn of(p: &Payload<'_>) -> Self {
        let mut buf = [0u8; 64];
        match p {
            Payload::Bytes(b) => {
                let _ = hex::encode_to_slice(Sha256::digest(b), &mut buf);
            }
            Payload::Hash(h) => {
                if let Some(src) = h.as_bytes().get(..64) {
                    buf.copy_from_slice(src);
                }
            }
            Payload::Unsigned => {
                return PayloadHash {
                    buf,
                    unsigned: true,
                }
            }
        }
        PayloadHash {
            buf,
            unsigned: false,
        }
    }

    fn as_str(&self) -> &str {
        if self.unsigned {
            UNSIGNED_PAYLOAD
        } else {
            core::str::from_utf8(&self.buf).unwrap_or("")
        }
    }
}

/// Everything the canonical request needs beyond the caller's request.
struct Plan<'a> {
    req: &'a Request<'a>,
    settings: &'a Settings,
    /// Headers the signer adds (x-amz-date, token, content hash), signed.
    extra_headers: [(&'a str, &'a str); 3],
    n_extra_headers: usize,
    /// Query parameters the signer adds (presigning).
    extra_params: [Param<'a>; 6],
    n_extra_params: usize,
    payload_hash: &'a str,
}

impl<'a> Plan<'a> {
    fn extra_headers(&self) -> &[(&'a str, &'a str)] {
        self.extra_headers
            .get(..self.n_extra_headers)
            .unwrap_or(&[])
    }
    fn extra_params(&self) -> &[Param<'a>] {
        self.extra_params.get(..self.n_extra_params).unwrap_or(&[])
    }

    fn put_signed_headers<S: Sink + ?Sized>(&self, s: &mut S) {
        let mut first = true;
        canonical::for_each_header_group(self.req.headers, self.extra_headers(), |name, _| {
            if !first {
                s.put(b";");
            }
            canonical::put_lower(s, name.as_bytes());
            first = false;
        });
    }

    fn put_canonical_request<S: Sink + ?Sized>(&self, s: &mut S) {
        s.put(self.req.method.as_bytes());
        s.put(b"\n");
        canonical::put_canonical_path(
            s,
            self.req.path,
            self.settings.normalize_path,
            self.settings.uri_encoding,
        );
        s.put(b"\n");
        canonical::put_canonical_query(s, self.req.query, self.extra_params());
        s.put(b"\n");
        canonical::for_each_header_group(self.req.headers, self.extra_headers(), |name, values| {
            canonical::put_lower(s, name.as_bytes());
            s.put(b":");
            let mut first = true;
            for v in values {
                if !first {
                    s.put(b",");
                }
                canonical::put_header_value(s, v.as_bytes());
                first = false;
            }
            s.put(b"\n");
        });
        s.put(b"\n");
        self.put_signed_headers(s);
        s.put(b"\n");
        s.put(self.payload_hash.as_bytes());
    }
}

/// Signing mode: header-based or presigned query.
#[derive(Clone, Copy)]
enum Mode<'a> {
    Header,
    Presign {
        expires: &'a str,
        credential: Credential<'a>,
    },
}

/// `AKID/YYYYMMDD/region/service/aws4_request`, as a parameter value (not yet URI-encoded).
#[derive(Clone, Copy)]
struct Credential<'a> {
    buf: &'a [u8],
}

/// Runs `f` with the [`Plan`] for `req`.
fn with_plan<R>(
    req: &Request<'_>,
    creds: &Credentials<'_>,
    scope: &Scope<'_>,
    settings: &Settings,
    mode: Mode<'_>,
    signed_headers_for_presign: &str,
    f: impl FnOnce(&Plan<'_>) -> R,
) -> Result<R, Error> {
    validate_request(req)?;
    let ph = PayloadHash::of(&req.payload);
    let mut plan = Plan {
        req,
        settings,
        extra_headers: [("", ""); 3],
        n_extra_headers: 0,
        extra_params: [Param {
            key: b"",
            value: b"",
        }; 6],
        n_extra_params: 0,
        payload_hash: ph.as_str(),
    };
    let token = creds
        .session_token()
        .filter(|_| settings.session_token == SessionTokenMode::Signed);
    match mode {
        Mode::Header => {
            let mut extra: heapless::Vec<(&str, &str), 3> = heapless::Vec::new();
            match req
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("x-amz-date"))
            {
                Some((_, v)) if v.trim() != scope.time.as_str() => {
                    return Err(Error::InvalidAmzDate)
                }
                Some(_) => {}
                None => extra
                    .push(("x-amz-date", scope.time.as_str()))
                    .map_err(|_| Error::LengthOverflow)?,
            }
            if let Some(t) = token {
                if !canonical::has_header(req.headers, "x-amz-security-token") {
                    extra
                        .push(("x-amz-security-token", t))
                        .map_err(|_| Error::LengthOverflow)?;
                }
            }
            if settings.content_sha256_header
                && !canonical::has_header(req.headers, "x-amz-content-sha256")
            {
                extra
                    .push(("x-amz-content-sha256", ph.as_str()))
                    .map_err(|_| Error::LengthOverflow)?;
            }
            for (slot, h) in plan.extra_headers.iter_mut().zip(extra.iter()) {
                *slot = *h;
            }
            plan.n_extra_headers = extra.len();
        }
        Mode::Presign {
            expires,
            credential,
        } => {
            let token_param = token.map(|t| Param {
                key: b"X-Amz-Security-Token",
                value: t.as_bytes(),
            });
            let params = [
                Some(Param {
                    key: b"X-Amz-Algorithm",
                    value: ALGORITHM.as_bytes(),
                }),
                Some(Param {
                    key: b"X-Amz-Credential",
                    value: credential.buf,
                }),
                Some(Param {
                    key: b"X-Amz-Date",
                    value: scope.time.as_bytes(),
                }),
                Some(Param {
                    key: b"X-Amz-Expires",
                    value: expires.as_bytes(),
                }),
                token_param,
                Some(Param {
                    key: b"X-Amz-SignedHeaders",
                    value: signed_headers_for_presign.as_bytes(),
                }),
            ];
            for p in params.into_iter().flatten() {
                if let Some(slot) = plan.extra_params.get_mut(plan.n_extra_params) {
                    *slot = p;
                    plan.n_extra_params += 1;
                }
            }
        }
    }
    Ok(f(&plan))
}

/// Writes the string to sign for a canonical-request hash.
fn put_string_to_sign<S: Sink + ?Sized>(s: &mut S, scope: &Scope<'_>, creq_hash: &[u8; 32]) {
    // Assembled on the stack and handed over in one piece, so the hasher copies once. The longest
    // possible is 17 + 16 + 1 + 8 + 1 + 253 + 1 + 64 + 14 + 64 = 439 bytes (region and service at
    // the limits `Scope::new` enforces); should it ever not fit, the pieces go one by one.
    let mut buf = [0u8; 448];
    let mut w = SliceSink::new(&mut buf);
    put_string_to_sign_pieces(&mut w, scope, creq_hash);
    match w.finish() {
        Ok(n) => s.put(buf.get(..n).unwrap_or(&[])),
        Err(_) => put_string_to_sign_pieces(s, scope, creq_hash),
    }
}

fn put_string_to_sign_pieces<S: Sink + ?Sized>(s: &mut S, scope: &Scope<'_>, creq_hash: &[u8; 32]) {
    s.put(ALGORITHM_LINE.as_bytes());
    s.put(scope.time.as_bytes());
    s.put(b"\n");
    scope.put(s);
    s.put(b"\n");
    put_hex(s, creq_hash);
}

fn signing_key_for<'k>(
    creds: &Credentials<'_>,
    scope: &Scope<'_>,
    key: Option<&'k SigningKey>,
    slot: &'k mut Option<SigningKey>,
) -> Result<&'k SigningKey, Error> {
    match key {
        Some(k) if k.matches(scope) => Ok(k),
        Some(_) => Err(Error::SigningKeyMismatch),
        None => Ok(slot.insert(SigningKey::derive(creds.secret_access_key(), scope)?)),
    }
}

fn finish_signature(plan: &Plan<'_>, scope: &Scope<'_>, key: &SigningKey) -> Signature {
    let mut h = sha256::RequestHasher::new();
    plan.put_canonical_request(&mut h);
    let creq_hash = h.finalize();
    sign_hash(key, scope, &creq_hash)
}

/// Signs `req` for header-based authentication and returns the signature.
///
/// `key`: a cached [`SigningKey`] for this scope (saves 4 HMACs); `None` derives one. A key for
/// another scope is an error ([`Error::SigningKeyMismatch`]), never a silent wrong signature.
pub fn sign(
    req: &Request<'_>,
    creds: &Credentials<'_>,
    scope: &Scope<'_>,
    settings: &Settings,
    key: Option<&SigningKey>,
) -> Result<Signature, Error> {
    let mut slot = None;
    let key = signing_key_for(creds, scope, key, &mut slot)?;
    with_plan(req, creds, scope, settings, Mode::Header, "", |plan| {
        finish_signature(plan, scope, key)
    })
}

/// Writes the canonical request (header signing) into `out`; returns its length. For diagnostics and
/// tests — [`sign`] never materialises it.
pub fn canonical_request(
    req: &Request<'_>,
    creds: &Credentials<'_>,
    scope: &Scope<'_>,
    settings: &Settings,
    out: &mut [u8],
) -> Result<usize, Error> {
    let mut s = SliceSink::new(out);
    with_plan(req, creds, scope, settings, Mode::Header, "", |plan| {
        plan.put_canonical_request(&mut s)
    })?;
    s.finish()
}

/// Exact length of [`canonical_request`]'s output.
pub fn canonical_request_len(
    req: &Request<'_>,
    creds: &Credentials<'_>,
    scope: &Scope<'_>,
    settings: &Settings,
) -> Result<usize, Error> {
    let mut c = Counter::default();
    with_plan(req, creds, scope, settings, Mode::Header, "", |plan| {
        plan.put_canonical_request(&mut c)
    })?;
    Ok(c.0)
}

/// Writes the string to sign (header signing) into `out`; returns its length.
pub fn string_to_sign(
    req: &Request<'_>,
    creds: &Credentials<'_>,
    scope: &Scope<'_>,
    settings: &Settings,
    out: &mut [u8],
) -> Result<usize, Error> {
    let hash = with_plan(req, creds, scope, settings, Mode::Header, "", |plan| {
        let mut h = Sha256::new();
        plan.put_canonical_request(&mut h);
        <[u8; 32]>::from(h.finalize())
    })?;
    let mut s = SliceSink::new(out);
    put_string_to_sign(&mut s, scope, &hash);
    s.finish()
}

/// Writes the `Authorization` header value for a signature:
/// `AWS4-HMAC-SHA256 Credential=AKID/scope, SignedHeaders=a;b, Signature=hex`. Returns its length.
pub fn authorization(
    req: &Request<'_>,
    creds: &Credentials<'_>,
    scope: &Scope<'_>,
    settings: &Settings,
    signature: &Signature,
    out: &mut [u8],
) -> Result<usize, Error> {
    let mut s = SliceSink::new(out);
    with_plan(req, creds, scope, settings, Mode::Header, "", |plan| {
        put_authorization(
            &mut s,
            creds.access_key_id(),
            scope,
            |s| plan.put_signed_headers(s),
            signature,
        )
    })?;
    s.finish()
}

/// Exact length of [`authorization`]'s output.
pub fn authorization_len(
    req: &Request<'_>,
    creds: &Credentials<'_>,
    scope: &Scope<'_>,
    settings: &Settings,
) -> Result<usize, Error> {
    let mut c = Counter::default();
    let sig = Signature([0; 32]);
    with_plan(req, creds, scope, settings, Mode::Header, "", |plan| {
        put_authorization(
            &mut c,
            creds.access_key_id(),
            scope,
            |s| plan.put_signed_headers(s),
            &sig,
        )
    })?;
    Ok(c.0)
}

/// Writes an Authorization value; `signed_headers` writes the `a;b;c` list.
pub(crate) fn put_authorization<S: Sink>(
    s: &mut S,
    akid: &str,
    scope: &Scope<'_>,
    signed_headers: impl FnOnce(&mut S),
    signature: &Signature,
) {
    s.put(ALGORITHM.as_bytes());
    s.put(b" Credential=");
    s.put(akid.as_bytes());
    s.put(b"/");
    scope.put(s);
    s.put(b", SignedHeaders=");
    signed_headers(s);
    s.put(b", Signature=");
    s.put(signature.hex().as_str().as_bytes());
}

// ---------------------------------------------------------------------------------------------
// Presigned URLs (query signing)
// ---------------------------------------------------------------------------------------------

/// Maximum presigned URL lifetime (7 days).
pub const MAX_PRESIGN_EXPIRES: u32 = 604_800;

/// Fixed-capacity text for the presign credential (`AKID/YYYYMMDD/region/service/aws4_request`).
type CredentialBuf = heapless::Vec<u8, { 128 + 1 + 8 + 1 + 253 + 1 + 64 + 13 }>;

fn credential_value(akid: &str, scope: &Scope<'_>) -> CredentialBuf {
    struct V<'v>(&'v mut CredentialBuf);
    impl Sink for V<'_> {
        fn put(&mut self, b: &[u8]) {
            let _ = self.0.extend_from_slice(b);
        }
    }
    let mut buf = CredentialBuf::new();
    let mut v = V(&mut buf);
    v.put(akid.as_bytes());
    v.put(b"/");
    scope.put(&mut v);
    buf
}

/// Signed-header list for presigning (lower-case names joined by `;`), bounded.
type SignedHeadersBuf = heapless::Vec<u8, 1024>;

fn presign_parts(req: &Request<'_>) -> Result<SignedHeadersBuf, Error> {
    struct V<'v>(&'v mut SignedHeadersBuf, bool);
    impl Sink for V<'_> {
        fn put(&mut self, b: &[u8]) {
            if self.0.extend_from_slice(b).is_err() {
                self.1 = true;
            }
        }
    }
    validate_request(req)?;
    let mut buf = SignedHeadersBuf::new();
    let mut v = V(&mut buf, false);
    let mut first = true;
    canonical::for_each_header_group(req.headers, &[], |name, _| {
        if !first {
            v.put(b";");
        }
        canonical::put_lower(&mut v, name.as_bytes());
        first = false;
    });
    if v.1 {
        return Err(Error::InvalidHeaderName);
    }
    Ok(buf)
}

fn expires_text(expires: u32) -> Result<heapless::String<7>, Error> {
    if expires == 0 || expires > MAX_PRESIGN_EXPIRES {
        return Err(Error::InvalidExpires);
    }
    let mut s = heapless::String::<7>::new();
    let mut digits = [0u8; 7];
    let mut n = expires;
    let mut i = digits.len();
    while n > 0 && i > 0 {
        i -= 1;
        if let Some(d) = digits.get_mut(i) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
    }
    for &d in digits.get(i..).unwrap_or(&[]) {
        let _ = s.push(char::from(d));
    }
    Ok(s)
}

/// Presigns `req` (query signing). Writes into `out` the query parameters to append to the URL —
/// `X-Amz-Algorithm=…&X-Amz-Credential=…&X-Amz-Date=…&X-Amz-Expires=…[&X-Amz-Security-Token=…]&X-Amz-SignedHeaders=…&X-Amz-Signature=…`,
/// URI-encoded — and returns the length and the signature. The caller's existing query stays as is.
pub fn presign(
    req: &Request<'_>,
    creds: &Credentials<'_>,
    scope: &Scope<'_>,
    settings: &Settings,
    expires_seconds: u32,
    key: Option<&SigningKey>,
    out: &mut [u8],
) -> Result<(usize, Signature), Error> {
    let mut slot = None;
    let key = signing_key_for(creds, scope, key, &mut slot)?;
    let signed = presign_parts(req)?;
    let signed = core::str::from_utf8(&signed).map_err(|_| Error::InvalidHeaderName)?;
    let exp = expires_text(expires_seconds)?;
    let cred = credential_value(creds.access_key_id(), scope);
    let credential = Credential { buf: &cred };
    let mode = Mode::Presign {
        expires: &exp,
        credential,
    };
    let sig = with_plan(req, creds, scope, settings, mode, signed, |plan| {
        finish_signature(plan, scope, key)
    })?;
    let mut s = SliceSink::new(out);
    let mut first = true;
    let mut param = |s: &mut SliceSink<'_>, k: &str, v: &[u8]| {
        if !first {
            s.put(b"&");
        }
        first = false;
        s.put(k.as_bytes());
        s.put(b"=");
        canonical::put_uri_encoded(s, v);
    };
    param(&mut s, "X-Amz-Algorithm", ALGORITHM.as_bytes());
    param(&mut s, "X-Amz-Credential", &cred);
    param(&mut s, "X-Amz-Date", scope.time.as_bytes());
    param(&mut s, "X-Amz-Expires", exp.as_bytes());
    // An omitted token is still sent (unsigned), like the suites' post-sts-header-after.
    if let Some(t) = creds.session_token() {
        param(&mut s, "X-Amz-Security-Token", t.as_bytes());
    }
    param(&mut s, "X-Amz-SignedHeaders", signed.as_bytes());
    param(&mut s, "X-Amz-Signature", sig.hex().as_str().as_bytes());
    Ok((s.finish()?, sig))
}

/// Writes the canonical request of a presigned request into `out` (diagnostics/tests).
pub fn presign_canonical_request(
    req: &Request<'_>,
    creds: &Credentials<'_>,
    scope: &Scope<'_>,
    settings: &Settings,
    expires_seconds: u32,
    out: &mut [u8],
) -> Result<usize, Error> {
    let signed = presign_parts(req)?;
    let signed = core::str::from_utf8(&signed).map_err(|_| Error::InvalidHeaderName)?;
    let exp = expires_text(expires_seconds)?;
    let cred = credential_value(creds.access_key_id(), scope);
    let mode = Mode::Presign {
        expires: &exp,
        credential: Credential { buf: &cred },
    };
    let mut s = SliceSink::new(out);
    with_plan(req, creds, scope, settings, mode, signed, |plan| {
        plan.put_canonical_request(&mut s)
    })?;
    s.finish()
}

/// The string to sign for a canonical-request hash, streamed into an HMAC keyed with `key`
/// (used by the conversation modules, which build the canonical request themselves).
pub(crate) fn sign_hash(key: &SigningKey, scope: &Scope<'_>, creq_hash: &[u8; 32]) -> Signature {
    let mut inner = key.pads.start::<{ prekeyed::MESSAGE_BLOCKS }>();
    put_string_to_sign(&mut inner, scope, creq_hash);
    Signature(key.pads.finish(&mut inner))
}

/// Writes the string to sign for a canonical-request hash into a sink.
pub(crate) fn put_string_to_sign_for<S: Sink + ?Sized>(
    s: &mut S,
    scope: &Scope<'_>,
    creq_hash: &[u8; 32],
) {
    put_string_to_sign(s, scope, creq_hash)
}

#[cfg(test)]
mod tests {
    #[test]
    fn algorithm_line_is_the_algorithm_and_a_newline() {
        assert_eq!(
            super::ALGORITHM_LINE,
            std::format!("{}\n", super::ALGORITHM)
        );
    }
}
