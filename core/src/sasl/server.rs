//! The server side of MONGODB-AWS, sans-IO: what a MongoDB-compatible server or proxy does between
//! `saslStart` and the reply to `saslContinue` (PROTOCOL.md A1–A6).
//!
//! 1. [`ServerConversation::new`] parses and checks client-first (`r`: 32-byte nonce, `p`: 110 or 121;
//!    112 is refused, as the MongoDB server does with error 51284) and combines the client nonce with
//!    32 random bytes the caller supplies into the 64-byte server nonce.
//! 2. [`ServerConversation::server_first`] writes `{s: BinData(0, nonce), h: <STS host>}`.
//! 3. [`ServerConversation::client_final`] parses client-final (`a`, `d`, optional `t`) and applies the
//!    server's rules: SignedHeaders is an in-order subsequence of [`ALLOWED_SIGNED_HEADERS`] containing
//!    both `x-mongodb-*` names, `Credential=<id>/<scope>` is present, the scope is
//!    `<date of d>/<region of the STS host>/sts/aws4_request`, `d` is a valid `X-Amz-Date`, and `t` is
//!    sent exactly when `x-amz-security-token` is signed.
//! 4. [`ServerConversation::sts_request`] gives the exact HTTP request to forward to STS: the server
//!    rebuilds it from its own nonce, flag and host plus the client's `a`, `d` and `t`, so that nothing
//!    the client did not sign reaches STS.
//! 5. The STS reply is parsed by [`crate::caller_identity::parse_reply`], and the ARN mapped to the
//!    `$external` user name by [`crate::caller_identity::user_name`].
//!
//! ```
//! use mongodb_aws_core::sasl::server::ServerConversation;
//! // Client-first of the shared vector: r = 00..1f, p = 110.
//! let mut client_first = [0u8; 52];
//! client_first[..11].copy_from_slice(&[0x34, 0, 0, 0, 0x05, b'r', 0, 0x20, 0, 0, 0]);
//! for (i, b) in client_first[12..44].iter_mut().enumerate() { *b = i as u8; }
//! client_first[44..51].copy_from_slice(&[0x10, b'p', 0, 0x6e, 0, 0, 0]);
//! let mut random = [0u8; 32];
//! for (i, b) in random.iter_mut().enumerate() { *b = 32 + i as u8; }
//! let conv = ServerConversation::new(&client_first, random, "sts.amazonaws.com")?;
//! let mut out = [0u8; 340];
//! let n = conv.server_first(&mut out)?;
//! assert_eq!(n, conv.server_first_len());
//! assert_eq!(conv.server_nonce_base64(),
//!     "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==");
//! # Ok::<(), mongodb_aws_core::Error>(())
//! ```

use crate::bson::{self, Document, Value, Writer};
use crate::sts;
use crate::time::{AmzDate, UnixTime};
use crate::Error;

pub use super::client::{
    CLIENT_NONCE_LEN, MAX_SERVER_FIRST_LEN, SERVER_NONCE_BASE64_LEN, SERVER_NONCE_LEN,
};
/// `p` = `n`: the client does not support channel binding (what every driver sends).
pub const GS2_FLAG_N: i32 = 110;
/// `p` = `y`: the client supports channel binding but thinks the server does not (accepted).
pub const GS2_FLAG_Y: i32 = 121;
/// `p` = `p`: the client requires channel binding (refused, MongoDB server error 51284).
pub const GS2_FLAG_P: i32 = 112;
/// Largest clock difference a verifier accepts between `X-Amz-Date` and its clock (STS: 15 minutes).
pub const MAX_CLOCK_SKEW_SECONDS: u64 = 15 * 60;

/// The only names SignedHeaders may list, in the only order allowed (PROTOCOL.md A5; the MongoDB
/// server's check, errors 51288–51290). Any in-order subset is accepted if it contains both
/// `x-mongodb-gs2-cb-flag` and `x-mongodb-server-nonce`.
pub const ALLOWED_SIGNED_HEADERS: [&str; 8] = [
    "content-length",
    "content-type",
    "host",
    "x-amz-date",
    "x-amz-security-token",
    "x-mongodb-gs2-cb-flag",
    "x-mongodb-optional-data",
    "x-mongodb-server-nonce",
];

/// The checked client-first message: nonce and channel-binding flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientFirst {
    nonce: [u8; CLIENT_NONCE_LEN],
    gs2_flag: u8,
}

impl ClientFirst {
    /// Parses client-first: a BSON document with exactly `r` (binary subtype 0, 32 bytes) and `p`
    /// (int32 110 or 121), in any order (Go sends `p` first). Errors: BSON errors,
    /// [`Error::ClientFirstMissingField`], [`Error::ClientFirstUnexpectedField`],
    /// [`Error::DuplicateField`], [`Error::ClientFirstWrongFieldType`], [`Error::ClientNonceLength`]
    /// (server 51285), [`Error::Gs2FlagUnsupported`] (server 51284).
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        let doc = Document::parse(bytes)?;
        let mut r: Option<&[u8]> = None;
        let mut p: Option<i32> = None;
        for e in doc.iter() {
            let e = e?;
            match (e.name, e.value) {
                ("r", _) if r.is_some() => return Err(Error::DuplicateField),
                ("p", _) if p.is_some() => return Err(Error::DuplicateField),
                ("r", Value::Binary { subtype: 0, bytes }) => r = Some(bytes),
                ("p", Value::Int32(v)) => p = Some(v),
                ("r" | "p", _) => return Err(Error::ClientFirstWrongFieldType),
                _ => return Err(Error::ClientFirstUnexpectedField),
            }
        }
        let (r, p) = match (r, p) {
            (Some(r), Some(p)) => (r, p),
            _ => return Err(Error::ClientFirstMissingField),
        };
        let nonce: [u8; CLIENT_NONCE_LEN] = r.try_into().map_err(|_| Error::ClientNonceLength)?;
        let gs2_flag = match p {
            GS2_FLAG_N => b'n',
            GS2_FLAG_Y => b'y',
            _ => return Err(Error::Gs2FlagUnsupported),
        };
        Ok(ClientFirst { nonce, gs2_flag })
    }

    /// The 32-byte client nonce `r`.
    pub fn nonce(&self) -> &[u8; CLIENT_NONCE_LEN] {
        &self.nonce
    }

    /// The channel-binding flag as a header value: `"n"` or `"y"`.
    pub fn gs2_flag(&self) -> &'static str {
        if self.gs2_flag == b'y' {
            "y"
        } else {
            "n"
        }
    }
}

/// The server's state between `saslStart` and `saslContinue`. Owns everything it needs (no borrow),
/// so hosts can keep it across calls; about 450 bytes.
#[derive(Clone, Debug)]
pub struct ServerConversation {
    client_first: ClientFirst,
    server_nonce: [u8; SERVER_NONCE_LEN],
    nonce_b64: [u8; SERVER_NONCE_BASE64_LEN],
    host: heapless::String<{ sts::MAX_HOST_LEN }>,
}

impl ServerConversation {
    /// Checks `client_first` ([`ClientFirst::parse`]) and the configured `sts_host` (the spec's host
    /// rules, PROTOCOL.md A3; the region must be derivable, A4), and builds the server nonce
    /// `r ‖ server_random`. `server_random` must come from a CSPRNG.
    pub fn new(
        client_first: &[u8],
        server_random: [u8; 32],
        sts_host: &str,
    ) -> Result<Self, Error> {
        let client_first = ClientFirst::parse(client_first)?;
        sts::region_for_host(sts_host)?;
        let mut host = heapless::String::new();
        host.push_str(sts_host).map_err(|_| Error::HostTooLong)?;
        let mut server_nonce = [0u8; SERVER_NONCE_LEN];
        let (head, tail) = server_nonce.split_at_mut(CLIENT_NONCE_LEN);
        head.copy_from_slice(&client_first.nonce);
        tail.copy_from_slice(&server_random);
        let nonce_b64 = super::server_nonce_base64(&server_nonce);
        Ok(ServerConversation {
            client_first,
            server_nonce,
            nonce_b64,
            host,
        })
    }

    /// The checked client-first.
    pub fn client_first(&self) -> &ClientFirst {
        &self.client_first
    }

    /// The 64-byte server nonce `s` (client nonce ‖ server random).
    pub fn server_nonce(&self) -> &[u8; SERVER_NONCE_LEN] {
        &self.server_nonce
    }

    /// Standard base64 (padded) of the server nonce: the `X-MongoDB-Server-Nonce` value, 88 chars.
    pub fn server_nonce_base64(&self) -> &str {
        core::str::from_utf8(&self.nonce_b64).unwrap_or("")
    }

    /// The configured STS host (`h`), also the `Host` header of the forwarded request.
    pub fn sts_host(&self) -> &str {
        &self.host
    }

    /// The signing region the STS host implies (PROTOCOL.md A4).
    pub fn region(&self) -> &str {
        sts::region_for_host(&self.host).unwrap_or(sts::DEFAULT_REGION)
    }

    /// Exact length of [`server_first`](Self::server_first): 85 + the host length.
    pub fn server_first_len(&self) -> usize {
        4 + bson::binary_element_len(1, SERVER_NONCE_LEN)
            + bson::string_element_len(1, self.host.len())
            + 1
    }

    /// Writes server-first `{s: BinData(0, 64-byte nonce), h: host}` into `out`; returns its length.
    /// [`Error::BufferTooSmall`] (with the exact size) if `out` is shorter than
    /// [`server_first_len`](Self::server_first_len).
    pub fn server_first(&self, out: &mut [u8]) -> Result<usize, Error> {
        let needed = self.server_first_len();
        let out = out
            .get_mut(..needed)
            .ok_or(Error::BufferTooSmall { needed })?;
        let mut w = Writer::new(out)?;
        w.binary("s", 0, &self.server_nonce)?;
        w.string("h", &self.host)?;
        w.finish()
    }

    /// Parses and checks client-final against the server's rules (see the [module docs](self)).
    ///
    /// Errors, in the order checked: BSON errors; [`Error::ClientFinalUnexpectedField`],
    /// [`Error::DuplicateField`], [`Error::ClientFinalWrongFieldType`],
    /// [`Error::ClientFinalMissingField`]; the Authorization errors of [`Authorization::parse`];
    /// [`Error::SignedHeadersUnexpected`] (51290), [`Error::SignedHeadersMissingServerNonce`] (51288),
    /// [`Error::SignedHeadersMissingGs2Flag`] (51289); [`Error::InvalidAmzDate`] for `d`;
    /// [`Error::CredentialScopeInvalid`], [`Error::CredentialScopeDateMismatch`],
    /// [`Error::CredentialScopeRegionMismatch`]; [`Error::SessionTokenSigning`];
    /// [`Error::InvalidSessionToken`] for a `t` that is not printable ASCII without spaces.
    pub fn client_final<'a>(&self, bytes: &'a [u8]) -> Result<ClientFinal<'a>, Error> {
        let doc = Document::parse(bytes)?;
        let (mut a, mut d, mut t) = (None, None, None);
        let (mut p, mut c, mut o) = (false, false, false);
        for e in doc.iter() {
            let e = e?;
            let (slot_seen, is_string) = match e.name {
                "a" => (a.is_some(), true),
                "d" => (d.is_some(), true),
                "t" => (t.is_some(), true),
                // Reserved by the server's IDL for channel binding and optional data; no driver sends
                // them and nothing of them is forwarded. Accepted and ignored.
                "p" => (core::mem::replace(&mut p, true), true),
                "c" => (core::mem::replace(&mut c, true), true),
                "o" => (core::mem::replace(&mut o, true), false),
                _ => return Err(Error::ClientFinalUnexpectedField),
            };
            if slot_seen {
                return Err(Error::DuplicateField);
            }
            let value = match (is_string, e.value) {
                (true, Value::String(s)) => Some(s),
                (false, Value::Document(_)) => None,
                _ => return Err(Error::ClientFinalWrongFieldType),
            };
            match e.name {
                "a" => a = value,
                "d" => d = value,
                "t" => t = value,
                _ => {}
            }
        }
        let (a, d) = match (a, d) {
            (Some(a), Some(d)) => (a, d),
            _ => return Err(Error::ClientFinalMissingField),
        };
        let auth = Authorization::parse(a)?;
        check_mongodb_signed_headers(auth.signed_headers)?;
        let date = AmzDate::parse(d)?;
        auth.check_scope(&date, self.region())?;
        let token_signed = auth.signs("x-amz-security-token");
        if token_signed != t.is_some() {
            return Err(Error::SessionTokenSigning);
        }
        // `t` is forwarded verbatim as the X-Amz-Security-Token header (sts_request): a CR, LF or
        // other control byte would corrupt that request or inject headers into it (found by the
        // client_final_server fuzz target). Tokens are printable ASCII; "" stays accepted.
        if let Some(t) = t {
            crate::credentials::validate_session_token(t)?;
        }
        Ok(ClientFinal {
            authorization: auth,
            date,
            session_token: t,
        })
    }

    /// The HTTP request to forward to STS for a checked client-final (PROTOCOL.md A5, TESTING.md):
    /// `POST /` with `Content-Length: 43`, `Content-Type`, `Host: <configured host>`, the client's
    /// `X-Amz-Date`, `X-Amz-Security-Token` (if `t` was sent), `X-MongoDB-Server-Nonce: <base64 of
    /// this conversation's nonce>`, `X-MongoDB-GS2-CB-Flag: <p of client-first>`, the client's
    /// `Authorization`, and the 43-byte GetCallerIdentity body.
    pub fn sts_request<'a>(&'a self, client_final: &ClientFinal<'a>) -> StsRequest<'a> {
        StsRequest {
            host: &self.host,
            date: client_final.date,
            session_token: client_final.session_token,
            nonce: self.server_nonce_base64(),
            gs2_flag: self.client_first.gs2_flag(),
            authorization: client_final.authorization.raw,
        }
    }
}

/// The ordered-subset rule of the MongoDB server (derived vectors, `server_signed_headers_cases`).
fn check_mongodb_signed_headers(list: &str) -> Result<(), Error> {
    let mut next = 0usize;
    for name in list.split(';') {
        let pos = ALLOWED_SIGNED_HEADERS
            .iter()
            .skip(next)
            .position(|a| *a == name)
            .ok_or(Error::SignedHeadersUnexpected)?;
        next = next.saturating_add(pos).saturating_add(1);
    }
    if !list.split(';').any(|n| n == "x-mongodb-server-nonce") {
        return Err(Error::SignedHeadersMissingServerNonce);
    }
    if !list.split(';').any(|n| n == "x-mongodb-gs2-cb-flag") {
        return Err(Error::SignedHeadersMissingGs2Flag);
    }
    Ok(())
}

/// A parsed SigV4 `Authorization` value, borrowing the caller's text:
/// `AWS4-HMAC-SHA256 Credential=<id>/<date>/<region>/<service>/aws4_request, SignedHeaders=<a;b>,
/// Signature=<64 hex>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Authorization<'a> {
    raw: &'a str,
    access_key_id: &'a str,
    scope_date: &'a str,
    region: &'a str,
    service: &'a str,
    terminator: &'a str,
    signed_headers: &'a str,
    signature: [u8; 32],
}

/// The SigV4 algorithm name.
const ALGORITHM_PREFIX: &str = "AWS4-HMAC-SHA256 ";

impl<'a> Authorization<'a> {
    /// Parses the value structurally, following the MongoDB server where it has a rule.
    ///
    /// Components are separated by `,` (optionally followed by spaces), each `Name=value`, each once.
    /// Errors: [`Error::AuthorizationAlgorithm`]; [`Error::MissingCredential`] (server 51742);
    /// [`Error::CredentialWithoutSlash`] (51743); [`Error::InvalidAccessKeyId`] for an empty or
    /// non-alphanumeric id; [`Error::CredentialScopeInvalid`] unless the scope has four
    /// `/`-separated parts; [`Error::MissingSignedHeaders`] (51293);
    /// [`Error::SignedHeadersNotTerminated`] (51292: the list must be followed by a comma);
    /// [`Error::SignatureFormat`]; [`Error::AuthorizationMalformed`] for unknown or repeated
    /// components.
    pub fn parse(raw: &'a str) -> Result<Self, Error> {
        let rest = raw
            .strip_prefix(ALGORITHM_PREFIX)
            .ok_or(Error::AuthorizationAlgorithm)?;
        let (mut credential, mut signed, mut signature) = (None, None, None);
        let mut signed_is_last = false;
        let mut parts = rest.split(',').peekable();
        while let Some(part) = parts.next() {
            let part = part.trim_start_matches(' ');
            let (name, value) = part.split_once('=').ok_or(Error::AuthorizationMalformed)?;
            let slot = match name {
                "Credential" => &mut credential,
                "SignedHeaders" => {
                    signed_is_last = parts.peek().is_none();
                    &mut signed
                }
                "Signature" => &mut signature,
                _ => return Err(Error::AuthorizationMalformed),
            };
            if slot.replace(value).is_some() {
                return Err(Error::AuthorizationMalformed);
            }
        }
        let credential = credential.ok_or(Error::MissingCredential)?;
        let (access_key_id, scope) = credential
            .split_once('/')
            .ok_or(Error::CredentialWithoutSlash)?;
        crate::credentials::validate_access_key_id(access_key_id)?;
        let mut sp = scope.split('/');
        let (scope_date, region, service, terminator) =
            match (sp.next(), sp.next(), sp.next(), sp.next(), sp.next()) {
                (Some(d), Some(r), Some(s), Some(t), None) => (d, r, s, t),
                _ => return Err(Error::CredentialScopeInvalid),
            };
        let signed_headers = signed.ok_or(Error::MissingSignedHeaders)?;
        if signed_is_last {
            return Err(Error::SignedHeadersNotTerminated);
        }
        let hex_sig = signature.ok_or(Error::SignatureFormat)?;
        let mut sig = [0u8; 32];
        if hex_sig.len() != 64
            || !hex_sig
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            || hex::decode_to_slice(hex_sig, &mut sig).is_err()
        {
            return Err(Error::SignatureFormat);
        }
        Ok(Authorization {
            raw,
            access_key_id,
            scope_date,
            region,
            service,
            terminator,
            signed_headers,
            signature: sig,
        })
    }

    /// The whole value as received.
    pub fn as_str(&self) -> &'a str {
        self.raw
    }

    /// The access key id from `Credential=` (what the MongoDB server calls the account id).
    pub fn access_key_id(&self) -> &'a str {
        self.access_key_id
    }

    /// The scope date (`YYYYMMDD`).
    pub fn scope_date(&self) -> &'a str {
        self.scope_date
    }

    /// The scope region.
    pub fn region(&self) -> &'a str {
        self.region
    }

    /// The scope service.
    pub fn service(&self) -> &'a str {
        self.service
    }

    /// The `a;b;c` SignedHeaders list.
    pub fn signed_headers(&self) -> &'a str {
        self.signed_headers
    }

    /// Whether SignedHeaders lists `name` (exact, lower-case comparison).
    pub fn signs(&self, name: &str) -> bool {
        self.signed_headers.split(';').any(|n| n == name)
    }

    /// Whether SignedHeaders lists `name`, compared case-insensitively (for HTTP header names).
    pub fn signs_ignore_case(&self, name: &str) -> bool {
        self.signed_headers
            .split(';')
            .any(|n| n.eq_ignore_ascii_case(name))
    }

    /// The 32-byte signature.
    pub fn signature(&self) -> &[u8; 32] {
        &self.signature
    }

    /// Checks the scope: `<date of X-Amz-Date>/<expected_region>/sts/aws4_request`.
    /// Errors: [`Error::CredentialScopeInvalid`], [`Error::CredentialScopeDateMismatch`],
    /// [`Error::CredentialScopeRegionMismatch`].
    pub fn check_scope(&self, date: &AmzDate, expected_region: &str) -> Result<(), Error> {
        if self.service != sts::SERVICE || self.terminator != "aws4_request" {
            return Err(Error::CredentialScopeInvalid);
        }
        if self.scope_date != date.date() {
            return Err(Error::CredentialScopeDateMismatch);
        }
        if self.region != expected_region {
            return Err(Error::CredentialScopeRegionMismatch);
        }
        Ok(())
    }
}

/// A checked client-final, borrowing the message bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientFinal<'a> {
    authorization: Authorization<'a>,
    date: AmzDate,
    session_token: Option<&'a str>,
}

impl<'a> ClientFinal<'a> {
    /// The parsed `a`.
    pub fn authorization(&self) -> &Authorization<'a> {
        &self.authorization
    }

    /// `d`, the signed `X-Amz-Date`.
    pub fn date(&self) -> &AmzDate {
        &self.date
    }

    /// `t`, the session token, if sent (may be `Some("")`: some drivers send an empty token, which
    /// STS rejects).
    pub fn session_token(&self) -> Option<&'a str> {
        self.session_token
    }

    /// The access key id from `Credential=`.
    pub fn access_key_id(&self) -> &'a str {
        self.authorization.access_key_id
    }

    /// Optional extra check, stricter than the MongoDB server (which leaves it to STS): `d` is within
    /// `max_skew_seconds` of `now` ([`MAX_CLOCK_SKEW_SECONDS`] is what STS allows). Error:
    /// [`Error::RequestTimeSkewed`].
    pub fn check_time(&self, now: UnixTime, max_skew_seconds: u64) -> Result<(), Error> {
        check_skew(&self.date, now, max_skew_seconds)
    }
}

/// `|date - now| <= max_skew_seconds`, else [`Error::RequestTimeSkewed`].
pub fn check_skew(date: &AmzDate, now: UnixTime, max_skew_seconds: u64) -> Result<(), Error> {
    if date.to_unix().0.abs_diff(now.0) > max_skew_seconds {
        return Err(Error::RequestTimeSkewed);
    }
    Ok(())
}

/// The request a server forwards to STS. Borrows the conversation and the client-final bytes.
#[derive(Clone, Copy, Debug)]
pub struct StsRequest<'a> {
    host: &'a str,
    date: AmzDate,
    session_token: Option<&'a str>,
    nonce: &'a str,
    gs2_flag: &'static str,
    authorization: &'a str,
}

impl<'a> StsRequest<'a> {
    /// HTTP method: `POST`.
    pub const METHOD: &'static str = "POST";
    /// Request target: `/`.
    pub const PATH: &'static str = "/";

    /// The body: `Action=GetCallerIdentity&Version=2011-06-15`.
    pub fn body(&self) -> &'static [u8] {
        sts::GET_CALLER_IDENTITY_BODY.as_bytes()
    }

    /// The `Host` value (the configured STS host). Send the request to whatever address serves that
    /// host; the header must stay as is, since it is signed.
    pub fn host(&self) -> &'a str {
        self.host
    }

    /// The headers in the order the MongoDB server writes them (7 without a session token, 8 with).
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        [
            Some(("Content-Length", sts::CONTENT_LENGTH)),
            Some(("Content-Type", sts::CONTENT_TYPE)),
            Some(("Host", self.host)),
            Some(("X-Amz-Date", self.date.as_str())),
            self.session_token.map(|t| ("X-Amz-Security-Token", t)),
            Some(("X-MongoDB-Server-Nonce", self.nonce)),
            Some(("X-MongoDB-GS2-CB-Flag", self.gs2_flag)),
            Some(("Authorization", self.authorization)),
        ]
        .into_iter()
        .flatten()
    }

    fn put<S: crate::sigv4::sink::Sink>(&self, s: &mut S) {
        s.put(b"POST / HTTP/1.1\r\n");
        for (n, v) in self.headers() {
            s.put(n.as_bytes());
            s.put(b": ");
            s.put(v.as_bytes());
            s.put(b"\r\n");
        }
        s.put(b"\r\n");
        s.put(self.body());
    }

    /// Exact length of [`write_http`](Self::write_http).
    pub fn http_len(&self) -> usize {
        let mut c = crate::sigv4::sink::Counter::default();
        self.put(&mut c);
        c.0
    }

    /// Writes the whole HTTP/1.1 request (request line, headers, blank line, body) into `out`;
    /// returns its length, or [`Error::BufferTooSmall`] with the exact size.
    pub fn write_http(&self, out: &mut [u8]) -> Result<usize, Error> {
        let needed = self.http_len();
        if out.len() < needed {
            return Err(Error::BufferTooSmall { needed });
        }
        let mut s = crate::sigv4::sink::SliceSink::new(out);
        self.put(&mut s);
        s.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;
    use std::string::String;
    use std::vec::Vec;

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s.trim()).unwrap()
    }

    /// The repository's copy of ../shared (testdata/).
    pub(crate) fn shared() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
    }

    fn derived() -> serde_json::Value {
        let p = shared().join("spec-tests/derived/mongodb-aws-derived-vectors.json");
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    }

    fn vector_dir() -> std::path::PathBuf {
        shared().join("vectors/mongodb-aws-getcalleridentity")
    }

    fn vector_file(rel: &str) -> String {
        std::fs::read_to_string(vector_dir().join(rel)).unwrap()
    }

    /// Conversation of the shared vector: client nonce 00..1f, server random 20..3f.
    fn vector_conversation() -> ServerConversation {
        let cf = unhex(&vector_file("client-first.bson.hex"));
        let mut random = [0u8; 32];
        for (i, b) in random.iter_mut().enumerate() {
            *b = 32 + i as u8;
        }
        ServerConversation::new(&cf, random, "sts.amazonaws.com").unwrap()
    }

    #[test]
    fn server_first_matches_shared_vector() {
        let conv = vector_conversation();
        let mut out = [0u8; MAX_SERVER_FIRST_LEN];
        let n = conv.server_first(&mut out).unwrap();
        assert_eq!(out[..n], unhex(&vector_file("server-first.bson.hex"))[..]);
        assert_eq!(n, conv.server_first_len());
        let inputs: serde_json::Value = serde_json::from_str(&vector_file("inputs.json")).unwrap();
        assert_eq!(conv.server_nonce_base64(), inputs["server_nonce_base64"]);
        assert_eq!(conv.region(), "us-east-1");
        // Too small: exact size reported.
        assert_eq!(
            conv.server_first(&mut out[..n - 1]),
            Err(Error::BufferTooSmall { needed: 102 })
        );
    }

    #[test]
    fn spec_example_server_first_layout() {
        // The spec's conversation: our server-first for its nonce must be byte-identical.
        let d = derived();
        let ex = &d["spec_conversation_example"];
        let cf = unhex(ex["client_first_hex"].as_str().unwrap());
        let sf = unhex(ex["server_first_hex"].as_str().unwrap());
        let random: [u8; 32] = sf[12 + 32..12 + 64].try_into().unwrap();
        let conv = ServerConversation::new(&cf, random, "sts.amazonaws.com").unwrap();
        let mut out = [0u8; 340];
        let n = conv.server_first(&mut out).unwrap();
        assert_eq!(out[..n], sf[..]);
        // And the spec's client-final passes the server's checks.
        let cfinal = unhex(ex["client_final_hex"].as_str().unwrap());
        let f = conv.client_final(&cfinal).unwrap();
        assert_eq!(f.access_key_id(), "AKIAICGVLKOKZVY3X3DA");
        assert_eq!(f.date().as_str(), "20191112T210122Z");
        assert_eq!(f.session_token(), None);
    }

    #[test]
    fn client_first_field_orders() {
        let d = derived();
        let o = &d["client_first_field_order"];
        for k in ["r_then_p_hex", "p_then_r_hex_as_go_driver_would_emit"] {
            let c = ClientFirst::parse(&unhex(o[k].as_str().unwrap())).unwrap();
            assert_eq!(c.gs2_flag(), "n");
            assert_eq!(c.nonce()[0], 0x5a);
        }
    }

    fn client_first(r: &[u8], p: i32) -> Vec<u8> {
        let mut buf = [0u8; 128];
        let mut w = Writer::new(&mut buf).unwrap();
        w.binary("r", 0, r).unwrap();
        w.int32("p", p).unwrap();
        let n = w.finish().unwrap();
        buf[..n].to_vec()
    }

    #[test]
    fn client_first_rules() {
        // Server cases from the derived vectors: r of 2 bytes (51285), p = 112 (51284).
        let d = derived();
        let cases = d["server_signed_headers_cases"]["cases"]
            .as_array()
            .unwrap();
        let mut seen = 0;
        for c in cases {
            match c["client_first"].as_str() {
                Some("r of 2 bytes") => {
                    assert_eq!(c["server_error"], 51285);
                    assert_eq!(
                        ClientFirst::parse(&client_first(&[1, 2], 110)),
                        Err(Error::ClientNonceLength)
                    );
                    seen += 1;
                }
                Some(p) if p.starts_with("p = 112") => {
                    assert_eq!(c["server_error"], 51284);
                    assert_eq!(
                        ClientFirst::parse(&client_first(&[0; 32], 112)),
                        Err(Error::Gs2FlagUnsupported)
                    );
                    seen += 1;
                }
                Some(other) => panic!("unhandled case {other}"),
                None => {}
            }
        }
        assert_eq!(seen, 2);
        assert_eq!(
            ClientFirst::parse(&client_first(&[0; 32], 121))
                .unwrap()
                .gs2_flag(),
            "y"
        );
        assert_eq!(
            ClientFirst::parse(&client_first(&[0; 33], 110)),
            Err(Error::ClientNonceLength)
        );
        // Wrong types, missing, extra and duplicate fields.
        let mut buf = [0u8; 128];
        let mut w = Writer::new(&mut buf).unwrap();
        w.string("r", "x").unwrap();
        w.int32("p", 110).unwrap();
        let n = w.finish().unwrap();
        assert_eq!(
            ClientFirst::parse(&buf[..n]),
            Err(Error::ClientFirstWrongFieldType)
        );
        let mut w = Writer::new(&mut buf).unwrap();
        w.binary("r", 4, &[0; 32]).unwrap();
        w.int32("p", 110).unwrap();
        let n = w.finish().unwrap();
        assert_eq!(
            ClientFirst::parse(&buf[..n]),
            Err(Error::ClientFirstWrongFieldType)
        );
        let mut w = Writer::new(&mut buf).unwrap();
        w.binary("r", 0, &[0; 32]).unwrap();
        let n = w.finish().unwrap();
        assert_eq!(
            ClientFirst::parse(&buf[..n]),
            Err(Error::ClientFirstMissingField)
        );
        let mut w = Writer::new(&mut buf).unwrap();
        w.binary("r", 0, &[0; 32]).unwrap();
        w.int32("p", 110).unwrap();
        w.int32("x", 1).unwrap();
        let n = w.finish().unwrap();
        assert_eq!(
            ClientFirst::parse(&buf[..n]),
            Err(Error::ClientFirstUnexpectedField)
        );
        let mut w = Writer::new(&mut buf).unwrap();
        w.int32("p", 110).unwrap();
        w.binary("r", 0, &[0; 32]).unwrap();
        w.int32("p", 110).unwrap();
        let n = w.finish().unwrap();
        assert_eq!(ClientFirst::parse(&buf[..n]), Err(Error::DuplicateField));
        assert_eq!(ClientFirst::parse(&[1, 2]), Err(Error::BsonTruncated));
    }

    #[test]
    fn invalid_sts_host_refused() {
        let cf = client_first(&[0; 32], 110);
        for (h, e) in [
            ("", Error::HostEmpty),
            ("sts..com", Error::HostEmptyLabel),
            (".amazonaws.com", Error::HostEmptyLabel),
            ("sts.amazonaws.", Error::HostEmptyLabel),
        ] {
            assert_eq!(
                ServerConversation::new(&cf, [0; 32], h).err(),
                Some(e),
                "{h}"
            );
        }
        let long = "a".repeat(256);
        assert_eq!(
            ServerConversation::new(&cf, [0; 32], &long).err(),
            Some(Error::HostTooLong)
        );
        let conv = ServerConversation::new(&cf, [0; 32], "sts.us-west-2.amazonaws.com").unwrap();
        assert_eq!(conv.region(), "us-west-2");
        let ok255 = format!("{}.{}", "a".repeat(127), "b".repeat(127));
        let conv = ServerConversation::new(&cf, [0; 32], &ok255).unwrap();
        assert_eq!(conv.server_first_len(), 85 + 255);
        let mut out = [0u8; MAX_SERVER_FIRST_LEN];
        assert_eq!(conv.server_first(&mut out), Ok(MAX_SERVER_FIRST_LEN));
    }

    fn client_final_doc(a: &str, d: &str, t: Option<&str>) -> Vec<u8> {
        let mut buf = std::vec![0u8; a.len() + t.map_or(0, str::len) + 128];
        let mut w = Writer::new(&mut buf).unwrap();
        w.string("a", a).unwrap();
        w.string("d", d).unwrap();
        if let Some(t) = t {
            w.string("t", t).unwrap();
        }
        let n = w.finish().unwrap();
        buf.truncate(n);
        buf
    }

    const SIG: &str = "8a1244fc862e29b6bf7491f2f0419466dcc91fee512aa5b3fff4546741022b2e";

    fn auth(signed: &str) -> String {
        format!(
            "AWS4-HMAC-SHA256 Credential=AKIAICGVLKOKZVY3X3DA/20191112/us-east-1/sts/aws4_request, SignedHeaders={signed}, Signature={SIG}"
        )
    }

    #[test]
    fn server_signed_headers_cases() {
        // Every case of the derived vectors' server acceptance table.
        let conv =
            ServerConversation::new(&client_first(&[0; 32], 110), [0; 32], "sts.amazonaws.com")
                .unwrap();
        let d = derived();
        let cases = d["server_signed_headers_cases"]["cases"]
            .as_array()
            .unwrap();
        let mut checked = 0;
        for c in cases {
            let accepted = c["accepted"].as_bool().unwrap();
            let code = c["server_error"].as_u64();
            let a = if let Some(sh) = c["signed_headers"].as_str() {
                auth(sh)
            } else if let Some(w) = c["authorization_without"].as_str() {
                match w {
                    "SignedHeaders=" => format!(
                        "AWS4-HMAC-SHA256 Credential=AKIAICGVLKOKZVY3X3DA/20191112/us-east-1/sts/aws4_request, Signature={SIG}"
                    ),
                    "Credential=" => format!(
                        "AWS4-HMAC-SHA256 SignedHeaders=content-length;content-type;host;x-amz-date;x-mongodb-gs2-cb-flag;x-mongodb-server-nonce, Signature={SIG}"
                    ),
                    other => panic!("unhandled {other}"),
                }
            } else if let Some(w) = c["authorization"].as_str() {
                match w {
                    "SignedHeaders list not followed by a comma" => format!(
                        "AWS4-HMAC-SHA256 Credential=AKIAICGVLKOKZVY3X3DA/20191112/us-east-1/sts/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date;x-mongodb-gs2-cb-flag;x-mongodb-server-nonce Signature={SIG}"
                    ),
                    "Credential value without '/'" => format!(
                        "AWS4-HMAC-SHA256 Credential=AKIAICGVLKOKZVY3X3DA, SignedHeaders=content-length;content-type;host;x-amz-date;x-mongodb-gs2-cb-flag;x-mongodb-server-nonce, Signature={SIG}"
                    ),
                    other => panic!("unhandled {other}"),
                }
            } else {
                assert!(c["client_first"].is_string()); // covered in client_first_rules
                continue;
            };
            let token = a.contains("x-amz-security-token").then_some("AQoDYXdzEJ");
            let doc = client_final_doc(&a, "20191112T210122Z", token);
            let got = conv.client_final(&doc);
            let expected = match code {
                None => None,
                Some(51288) => Some(Error::SignedHeadersMissingServerNonce),
                Some(51289) => Some(Error::SignedHeadersMissingGs2Flag),
                Some(51290) => Some(Error::SignedHeadersUnexpected),
                Some(51292) => Some(Error::SignedHeadersNotTerminated),
                Some(51293) => Some(Error::MissingSignedHeaders),
                Some(51742) => Some(Error::MissingCredential),
                Some(51743) => Some(Error::CredentialWithoutSlash),
                Some(other) => panic!("unmapped server error {other}"),
            };
            assert_eq!(accepted, expected.is_none(), "{c}");
            assert_eq!(got.err(), expected, "{c}");
            checked += 1;
        }
        assert_eq!(checked, 11);
    }

    #[test]
    fn signed_headers_subsequence_rule() {
        let conv =
            ServerConversation::new(&client_first(&[0; 32], 110), [0; 32], "sts.amazonaws.com")
                .unwrap();
        let check = |sh: &str| {
            let t = sh.contains("x-amz-security-token").then_some("tok");
            conv.client_final(&client_final_doc(&auth(sh), "20191112T210122Z", t))
                .err()
        };
        // Minimal accepted list, and optional-data allowed in its place.
        assert_eq!(check("x-mongodb-gs2-cb-flag;x-mongodb-server-nonce"), None);
        assert_eq!(
            check("host;x-amz-date;x-mongodb-gs2-cb-flag;x-mongodb-optional-data;x-mongodb-server-nonce"),
            None
        );
        // Out of order, duplicated, upper-case, empty entry.
        for sh in [
            "content-type;content-length;host;x-amz-date;x-mongodb-gs2-cb-flag;x-mongodb-server-nonce",
            "host;host;x-mongodb-gs2-cb-flag;x-mongodb-server-nonce",
            "Host;x-mongodb-gs2-cb-flag;x-mongodb-server-nonce",
            "host;;x-mongodb-gs2-cb-flag;x-mongodb-server-nonce",
            "x-mongodb-server-nonce;x-mongodb-gs2-cb-flag",
            "",
        ] {
            assert_eq!(check(sh), Some(Error::SignedHeadersUnexpected), "{sh}");
        }
    }

    #[test]
    fn client_final_other_rules() {
        let conv =
            ServerConversation::new(&client_first(&[0; 32], 110), [0; 32], "sts.amazonaws.com")
                .unwrap();
        let std_sh = "content-length;content-type;host;x-amz-date;x-mongodb-gs2-cb-flag;x-mongodb-server-nonce";
        let tok_sh = "content-length;content-type;host;x-amz-date;x-amz-security-token;x-mongodb-gs2-cb-flag;x-mongodb-server-nonce";
        let a = auth(std_sh);
        let go =
            |a: &str, d: &str, t: Option<&str>| conv.client_final(&client_final_doc(a, d, t)).err();
        assert_eq!(go(&a, "20191112T210122Z", None), None);
        // Date format, scope date, region, service.
        assert_eq!(
            go(&a, "2019-11-12T21:01:22Z", None),
            Some(Error::InvalidAmzDate)
        );
        assert_eq!(
            go(&a, "20191113T000000Z", None),
            Some(Error::CredentialScopeDateMismatch)
        );
        let other_region = a.replace("us-east-1", "us-west-2");
        assert_eq!(
            go(&other_region, "20191112T210122Z", None),
            Some(Error::CredentialScopeRegionMismatch)
        );
        let other_service = a.replace("/sts/", "/iam/");
        assert_eq!(
            go(&other_service, "20191112T210122Z", None),
            Some(Error::CredentialScopeInvalid)
        );
        let short_scope = a.replace("/us-east-1/sts/aws4_request", "/us-east-1");
        assert_eq!(
            go(&short_scope, "20191112T210122Z", None),
            Some(Error::CredentialScopeInvalid)
        );
        // Algorithm, signature, unknown component, empty key id.
        assert_eq!(
            go(
                &a.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512"),
                "20191112T210122Z",
                None
            ),
            Some(Error::AuthorizationAlgorithm)
        );
        assert_eq!(
            go(
                &a.replace(SIG, &SIG.to_uppercase()),
                "20191112T210122Z",
                None
            ),
            Some(Error::SignatureFormat)
        );
        assert_eq!(
            go(&a.replace(SIG, "abcd"), "20191112T210122Z", None),
            Some(Error::SignatureFormat)
        );
        assert_eq!(
            go(&format!("{a}, Extra=1"), "20191112T210122Z", None),
            Some(Error::AuthorizationMalformed)
        );
        assert_eq!(
            go(
                &a.replace("AKIAICGVLKOKZVY3X3DA", ""),
                "20191112T210122Z",
                None
            ),
            Some(Error::InvalidAccessKeyId)
        );
        // SignedHeaders as the last component (no comma after it): server error 51292.
        let last = a.replace(&format!(", Signature={SIG}"), "");
        assert_eq!(
            go(&last, "20191112T210122Z", None),
            Some(Error::SignedHeadersNotTerminated)
        );
        // Token present iff signed.
        assert_eq!(
            go(&a, "20191112T210122Z", Some("tok")),
            Some(Error::SessionTokenSigning)
        );
        assert_eq!(
            go(&auth(tok_sh), "20191112T210122Z", None),
            Some(Error::SessionTokenSigning)
        );
        assert_eq!(go(&auth(tok_sh), "20191112T210122Z", Some("tok")), None);
        // Separators: ',' without a space is accepted too.
        assert_eq!(go(&a.replace(", ", ","), "20191112T210122Z", None), None);
        // Missing / unexpected / mistyped fields.
        let mut buf = [0u8; 1024];
        let mut w = Writer::new(&mut buf).unwrap();
        w.string("a", &a).unwrap();
        let n = w.finish().unwrap();
        assert_eq!(
            conv.client_final(&buf[..n]).err(),
            Some(Error::ClientFinalMissingField)
        );
        let mut w = Writer::new(&mut buf).unwrap();
        w.string("a", &a).unwrap();
        w.int32("d", 1).unwrap();
        let n = w.finish().unwrap();
        assert_eq!(
            conv.client_final(&buf[..n]).err(),
            Some(Error::ClientFinalWrongFieldType)
        );
        let mut w = Writer::new(&mut buf).unwrap();
        w.string("a", &a).unwrap();
        w.string("d", "20191112T210122Z").unwrap();
        w.string("x", "").unwrap();
        let n = w.finish().unwrap();
        assert_eq!(
            conv.client_final(&buf[..n]).err(),
            Some(Error::ClientFinalUnexpectedField)
        );
        let mut w = Writer::new(&mut buf).unwrap();
        w.string("a", &a).unwrap();
        w.string("a", &a).unwrap();
        w.string("d", "20191112T210122Z").unwrap();
        let n = w.finish().unwrap();
        assert_eq!(
            conv.client_final(&buf[..n]).err(),
            Some(Error::DuplicateField)
        );
        // The IDL's reserved optional fields are accepted and ignored.
        let mut w = Writer::new(&mut buf).unwrap();
        w.string("a", &a).unwrap();
        w.string("d", "20191112T210122Z").unwrap();
        w.string("p", "n").unwrap();
        let n = w.finish().unwrap();
        assert!(conv.client_final(&buf[..n]).is_ok());
    }

    #[test]
    fn time_check() {
        let conv =
            ServerConversation::new(&client_first(&[0; 32], 110), [0; 32], "sts.amazonaws.com")
                .unwrap();
        let doc = client_final_doc(
            &auth("content-length;content-type;host;x-amz-date;x-mongodb-gs2-cb-flag;x-mongodb-server-nonce"),
            "20191112T210122Z",
            None,
        );
        let f = conv.client_final(&doc).unwrap();
        // 2019-11-12T21:01:22Z = 1573592482 (computed with `date -u -d`).
        let t = 1_573_592_482;
        assert_eq!(f.check_time(UnixTime(t), MAX_CLOCK_SKEW_SECONDS), Ok(()));
        assert_eq!(
            f.check_time(UnixTime(t + 900), MAX_CLOCK_SKEW_SECONDS),
            Ok(())
        );
        assert_eq!(
            f.check_time(UnixTime(t - 900), MAX_CLOCK_SKEW_SECONDS),
            Ok(())
        );
        assert_eq!(
            f.check_time(UnixTime(t + 901), MAX_CLOCK_SKEW_SECONDS),
            Err(Error::RequestTimeSkewed)
        );
        assert_eq!(
            f.check_time(UnixTime(t - 901), MAX_CLOCK_SKEW_SECONDS),
            Err(Error::RequestTimeSkewed)
        );
    }

    #[test]
    fn session_token_with_control_bytes_refused() {
        // Regression (fuzz target client_final_server, seed-regression-token-control-byte): `t` goes
        // verbatim into the forwarded HTTP request, so CR/LF would inject headers.
        let conv = vector_conversation();
        let tok_sh = "content-length;content-type;host;x-amz-date;x-amz-security-token;x-mongodb-gs2-cb-flag;x-mongodb-server-nonce";
        let a = std::format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, SignedHeaders={tok_sh}, Signature={}",
            "0".repeat(64)
        );
        for bad in ["tok\r\nHost: evil.example", "tok\n", "a b", "tok\u{e}", "é"] {
            let doc = client_final_doc(&a, "20150830T123600Z", Some(bad));
            assert_eq!(
                conv.client_final(&doc).err(),
                Some(Error::InvalidSessionToken),
                "{bad:?}"
            );
        }
        for good in ["AQoDYXdzEPT//////////wEXAMPLE=", ""] {
            let doc = client_final_doc(&a, "20150830T123600Z", Some(good));
            assert_eq!(
                conv.client_final(&doc).map(|f| f.session_token()),
                Ok(Some(good))
            );
        }
    }

    #[test]
    fn forwarded_request_matches_vector() {
        // With the shared vector's client-final, the forwarded request carries exactly the headers
        // whose canonical form is the vector's canonical request.
        let conv = vector_conversation();
        for variant in ["with-session-token", "without-session-token"] {
            let cf = unhex(&vector_file(&format!("{variant}/client-final.bson.hex")));
            let f = conv.client_final(&cf).unwrap();
            let req = conv.sts_request(&f);
            let creq = vector_file(&format!("{variant}/canonical-request.txt"));
            // Canonical header lines of the vector = our headers lower-cased, minus Authorization.
            let mut lines: Vec<String> = req
                .headers()
                .filter(|(n, _)| *n != "Authorization")
                .map(|(n, v)| format!("{}:{}", n.to_ascii_lowercase(), v))
                .collect();
            lines.sort();
            let vector_lines: Vec<&str> =
                creq.lines().skip(3).take_while(|l| !l.is_empty()).collect();
            assert_eq!(lines, vector_lines, "{variant}");
            let auth = vector_file(&format!("{variant}/authorization.txt"));
            assert_eq!(
                req.headers()
                    .find(|(n, _)| *n == "Authorization")
                    .unwrap()
                    .1,
                auth.trim()
            );
            let mut out = std::vec![0u8; req.http_len()];
            let n = req.write_http(&mut out).unwrap();
            let text = std::str::from_utf8(&out[..n]).unwrap();
            assert!(text.starts_with("POST / HTTP/1.1\r\nContent-Length: 43\r\n"));
            assert!(text.ends_with("\r\n\r\nAction=GetCallerIdentity&Version=2011-06-15"));
            assert_eq!(
                req.write_http(&mut out[..n - 1]),
                Err(Error::BufferTooSmall { needed: n })
            );
        }
    }
}
