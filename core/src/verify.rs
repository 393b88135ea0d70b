//! Verification of a signed `GetCallerIdentity` request, as STS does it: for test stand-ins of STS
//! and for servers that hold the secrets themselves. Sans-IO: the host parses HTTP, looks the access
//! key up, supplies the clock, and remembers nonces it has seen.
//!
//! [`inspect`] checks everything that needs no secret: the request is `POST /` with the
//! GetCallerIdentity body; `Authorization` parses ([`Authorization::parse`]); SignedHeaders is sorted,
//! unique, lower-case and includes `host` and `x-amz-date`; every signed header is present; the scope
//! is `<date of X-Amz-Date>/<region of the Host header>/sts/aws4_request` (region rule of
//! PROTOCOL.md A4); a session token header, if sent, is signed. [`SignedRequest::verify`] then checks,
//! with the secret the host knows for the key: `X-Amz-Date` within 15 minutes of `now`, the session
//! token issued with the key (constant-time comparison), and the signature recomputed over the signed
//! headers (constant-time comparison).
//!
//! ```
//! use mongodb_aws_core::verify::{inspect, IncomingRequest};
//! let headers = [("Host", "sts.amazonaws.com")];
//! let req = IncomingRequest { method: "POST", path: "/", query: "", headers: &headers,
//!     body: b"Action=GetCallerIdentity&Version=2011-06-15" };
//! assert_eq!(inspect(req).err(), Some(mongodb_aws_core::Error::MissingAuthorization));
//! ```

use crate::sasl::server::{check_skew, Authorization, MAX_CLOCK_SKEW_SECONDS};
use crate::sigv4::{self, Payload, Request, Scope, Settings};
use crate::time::{AmzDate, UnixTime};
use crate::{sts, Credentials, Error};
use subtle::ConstantTimeEq;

/// Most headers a verified request may sign.
pub const MAX_SIGNED_HEADERS: usize = 64;

/// An HTTP request as received, borrowed from the host's parser.
#[derive(Clone, Copy, Debug)]
pub struct IncomingRequest<'a> {
    /// Method (`POST`).
    pub method: &'a str,
    /// Path without the query (`/`).
    pub path: &'a str,
    /// Query string without `?` (empty for STS's POST form).
    pub query: &'a str,
    /// Header names and values as received (names in any case; repeated names allowed).
    pub headers: &'a [(&'a str, &'a str)],
    /// The body.
    pub body: &'a [u8],
}

impl<'a> IncomingRequest<'a> {
    /// Values of header `name` (case-insensitive), in order.
    fn values(&self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }

    /// The single value of header `name`: `Ok(None)` if absent, `Err(dup)` if repeated.
    fn single(&self, name: &'a str, dup: Error) -> Result<Option<&'a str>, Error> {
        let mut it = self.values(name);
        let first = it.next();
        if it.next().is_some() {
            return Err(dup);
        }
        Ok(first.map(str::trim))
    }
}

/// A request that passed [`inspect`]: everything is parsed; only the secret-dependent checks remain.
#[derive(Clone, Copy, Debug)]
pub struct SignedRequest<'a> {
    req: IncomingRequest<'a>,
    auth: Authorization<'a>,
    date: AmzDate,
    host: &'a str,
    region: &'a str,
    token: Option<&'a str>,
    nonce: Option<&'a str>,
}

/// Checks what needs no secret (see the [module docs](self)).
///
/// Errors: [`Error::NotGetCallerIdentity`]; [`Error::MissingAuthorization`];
/// [`Error::DuplicateHeader`] for repeated `Authorization`, `Host`, `X-Amz-Date`,
/// `X-Amz-Security-Token` or `X-MongoDB-Server-Nonce` headers; the errors of [`Authorization::parse`];
/// [`Error::SignedHeadersInvalid`]; [`Error::SignedHeaderAbsent`]; [`Error::InvalidAmzDate`];
/// the host errors of [`sts::region_for_host`]; [`Error::CredentialScopeInvalid`],
/// [`Error::CredentialScopeDateMismatch`], [`Error::CredentialScopeRegionMismatch`];
/// [`Error::SessionTokenSigning`] for an unsigned token.
pub fn inspect(req: IncomingRequest<'_>) -> Result<SignedRequest<'_>, Error> {
    if req.method != "POST"
        || req.path != "/"
        || !req.query.is_empty()
        || req.body != sts::GET_CALLER_IDENTITY_BODY.as_bytes()
    {
        return Err(Error::NotGetCallerIdentity);
    }
    let dup = Error::DuplicateHeader;
    let raw_auth = req
        .single("authorization", dup)?
        .ok_or(Error::MissingAuthorization)?;
    let auth = Authorization::parse(raw_auth)?;
    check_signed_headers(auth.signed_headers())?;
    for name in auth.signed_headers().split(';') {
        if req.values(name).next().is_none() {
            return Err(Error::SignedHeaderAbsent);
        }
    }
    // Both are signed (checked above), so present.
    let host = req.single("host", dup)?.ok_or(Error::SignedHeaderAbsent)?;
    let date = req
        .single("x-amz-date", dup)?
        .ok_or(Error::SignedHeaderAbsent)?;
    let date = AmzDate::parse(date)?;
    let region = sts::region_for_host(host)?;
    auth.check_scope(&date, region)?;
    let token = req.single("x-amz-security-token", dup)?;
    if token.is_some() && !auth.signs("x-amz-security-token") {
        return Err(Error::SessionTokenSigning);
    }
    let nonce = req.single("x-mongodb-server-nonce", dup)?;
    Ok(SignedRequest {
        req,
        auth,
        date,
        host,
        region,
        token,
        nonce,
    })
}

/// Sorted, unique, lower-case, non-empty names including `host` and `x-amz-date`; at most
/// [`MAX_SIGNED_HEADERS`].
fn check_signed_headers(list: &str) -> Result<(), Error> {
    let mut prev: Option<&str> = None;
    let (mut host, mut date) = (false, false);
    for (i, name) in list.split(';').enumerate() {
        if i >= MAX_SIGNED_HEADERS {
            return Err(Error::TooManyHeaders);
        }
        if name.is_empty()
            || name.bytes().any(|b| b.is_ascii_uppercase())
            || prev.is_some_and(|p| p >= name)
        {
            return Err(Error::SignedHeadersInvalid);
        }
        host |= name == "host";
        date |= name == "x-amz-date";
        prev = Some(name);
    }
    if !(host && date) {
        return Err(Error::SignedHeadersInvalid);
    }
    Ok(())
}

impl<'a> SignedRequest<'a> {
    /// The parsed `Authorization` header.
    pub fn authorization(&self) -> &Authorization<'a> {
        &self.auth
    }

    /// The access key id to look up.
    pub fn access_key_id(&self) -> &'a str {
        self.auth.access_key_id()
    }

    /// `X-Amz-Date`.
    pub fn date(&self) -> &AmzDate {
        &self.date
    }

    /// The `Host` header.
    pub fn host(&self) -> &'a str {
        self.host
    }

    /// The region the host implies (and the scope names).
    pub fn region(&self) -> &'a str {
        self.region
    }

    /// `X-Amz-Security-Token`, if sent.
    pub fn session_token(&self) -> Option<&'a str> {
        self.token
    }

    /// `X-MongoDB-Server-Nonce`, if sent (hosts use it to refuse replays).
    pub fn server_nonce(&self) -> Option<&'a str> {
        self.nonce
    }

    fn scope(&self) -> Result<Scope<'a>, Error> {
        Scope::new(self.date, self.region, sts::SERVICE)
    }

    /// Runs `f` with the signed headers of the request, as the signer wants them.
    fn with_signed_headers<R>(
        &self,
        f: impl FnOnce(&[(&'a str, &'a str)]) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let mut v: heapless::Vec<(&'a str, &'a str), MAX_SIGNED_HEADERS> = heapless::Vec::new();
        for (n, val) in self.req.headers {
            if self.auth.signs_ignore_case(n) {
                v.push((n, val)).map_err(|_| Error::TooManyHeaders)?;
            }
        }
        f(&v)
    }

    fn request<'r>(&self, headers: &'r [(&'a str, &'a str)]) -> Request<'r>
    where
        'a: 'r,
    {
        Request {
            method: self.req.method,
            path: self.req.path,
            query: self.req.query,
            headers,
            payload: Payload::Bytes(self.req.body),
        }
    }

    /// Writes the canonical request of the signed headers into `out` (diagnostics); returns its
    /// length ([`Error::BufferTooSmall`] with the exact size if `out` is short).
    pub fn canonical_request(&self, out: &mut [u8]) -> Result<usize, Error> {
        let scope = self.scope()?;
        // The signer only reads the id and token from credentials to build a canonical request; the
        // token header is already among the signed headers, and no secret is used.
        let creds = Credentials::new(self.access_key_id(), "unused", None)?;
        self.with_signed_headers(|h| {
            sigv4::canonical_request(&self.request(h), &creds, &scope, &Settings::default(), out)
        })
    }

    /// Writes the string to sign into `out` (diagnostics); returns its length.
    pub fn string_to_sign(&self, out: &mut [u8]) -> Result<usize, Error> {
        let scope = self.scope()?;
        let creds = Credentials::new(self.access_key_id(), "unused", None)?;
        self.with_signed_headers(|h| {
            sigv4::string_to_sign(&self.request(h), &creds, &scope, &Settings::default(), out)
        })
    }

    /// The secret-dependent checks, in this order: [`Error::RequestTimeSkewed`] if `X-Amz-Date` is
    /// more than 15 minutes from `now`; [`Error::SessionTokenMismatch`] unless the request's token
    /// equals `expected_token` (both absent is a match); [`Error::SignatureMismatch`] unless the
    /// signature recomputed with `secret` equals the request's. Comparisons of tokens and
    /// signatures are constant-time.
    pub fn verify(
        &self,
        secret: &str,
        expected_token: Option<&str>,
        now: UnixTime,
    ) -> Result<(), Error> {
        check_skew(&self.date, now, MAX_CLOCK_SKEW_SECONDS)?;
        let token_ok = match (expected_token, self.token) {
            (None, None) => true,
            (Some(e), Some(t)) => bool::from(e.as_bytes().ct_eq(t.as_bytes())),
            _ => false,
        };
        if !token_ok {
            return Err(Error::SessionTokenMismatch);
        }
        let scope = self.scope()?;
        let creds = Credentials::new(self.access_key_id(), secret, None)?;
        let sig = self.with_signed_headers(|h| {
            sigv4::sign(&self.request(h), &creds, &scope, &Settings::default(), None)
        })?;
        if !bool::from(sig.0.ct_eq(self.auth.signature())) {
            return Err(Error::SignatureMismatch);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sasl::client::ClientConversation;
    use crate::sasl::server::{ServerConversation, StsRequest};
    use std::string::String;
    use std::vec::Vec;

    fn testdata(rel: &str) -> String {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../testdata/vectors/mongodb-aws-getcalleridentity")
            .join(rel);
        std::fs::read_to_string(p).unwrap()
    }

    const AKID: &str = "AKIDEXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const T: u64 = 1_440_938_160; // 20150830T123600Z, the vector's date

    fn token() -> String {
        let inputs: serde_json::Value = serde_json::from_str(&testdata("inputs.json")).unwrap();
        inputs["session_token"].as_str().unwrap().into()
    }

    /// Headers of the vector's request, as a server forwards them (from the vector's files, not
    /// from our code).
    fn vector_headers(with_token: bool) -> Vec<(String, String)> {
        let variant = if with_token {
            "with-session-token"
        } else {
            "without-session-token"
        };
        let creq = testdata(&format!("{variant}/canonical-request.txt"));
        let mut h: Vec<(String, String)> = creq
            .lines()
            .skip(3)
            .take_while(|l| !l.is_empty())
            .map(|l| {
                let (n, v) = l.split_once(':').unwrap();
                (n.into(), v.into())
            })
            .collect();
        let auth = testdata(&format!("{variant}/authorization.txt"));
        h.push(("Authorization".into(), auth.trim().into()));
        h
    }

    fn check(
        headers: &[(String, String)],
        secret: &str,
        token: Option<&str>,
        now: u64,
    ) -> Result<(), Error> {
        let h: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let req = IncomingRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: &h,
            body: sts::GET_CALLER_IDENTITY_BODY.as_bytes(),
        };
        inspect(req)?.verify(secret, token, UnixTime(now))
    }

    use std::format;

    #[test]
    fn vector_requests_verify() {
        let tok = token();
        assert_eq!(check(&vector_headers(false), SECRET, None, T), Ok(()));
        assert_eq!(check(&vector_headers(true), SECRET, Some(&tok), T), Ok(()));
        // Header names in any case and order.
        let mut h = vector_headers(true);
        h.reverse();
        for (n, _) in h.iter_mut() {
            *n = n.to_ascii_uppercase();
        }
        assert_eq!(check(&h, SECRET, Some(&tok), T), Ok(()));
    }

    #[test]
    fn rejections() {
        let tok = token();
        let h = vector_headers(true);
        // Wrong secret.
        assert_eq!(
            check(
                &h,
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEX",
                Some(&tok),
                T
            ),
            Err(Error::SignatureMismatch)
        );
        // Clock: 15 minutes either way pass, one second more fails.
        assert_eq!(check(&h, SECRET, Some(&tok), T + 900), Ok(()));
        assert_eq!(check(&h, SECRET, Some(&tok), T - 900), Ok(()));
        assert_eq!(
            check(&h, SECRET, Some(&tok), T + 901),
            Err(Error::RequestTimeSkewed)
        );
        assert_eq!(
            check(&h, SECRET, Some(&tok), T - 901),
            Err(Error::RequestTimeSkewed)
        );
        // Token: missing, unexpected, different.
        assert_eq!(check(&h, SECRET, None, T), Err(Error::SessionTokenMismatch));
        assert_eq!(
            check(&vector_headers(false), SECRET, Some(&tok), T),
            Err(Error::SessionTokenMismatch)
        );
        assert_eq!(
            check(&h, SECRET, Some("other"), T),
            Err(Error::SessionTokenMismatch)
        );
        // Tampered signed headers: nonce, flag, host (same region), date (same day).
        let tamper = |name: &str, value: &str| {
            let mut h = vector_headers(false);
            for (n, v) in h.iter_mut() {
                if n == name {
                    *v = value.into();
                }
            }
            check(&h, SECRET, None, T)
        };
        assert_eq!(
            tamper(
                "x-mongodb-server-nonce",
                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pg=="
            ),
            Err(Error::SignatureMismatch)
        );
        assert_eq!(
            tamper("x-mongodb-gs2-cb-flag", "y"),
            Err(Error::SignatureMismatch)
        );
        assert_eq!(
            tamper("host", "sts.us-east-1.amazonaws.com"),
            Err(Error::SignatureMismatch)
        );
        assert_eq!(
            tamper("x-amz-date", "20150830T123601Z"),
            Err(Error::SignatureMismatch)
        );
        // Region of the host must match the scope.
        assert_eq!(
            tamper("host", "sts.us-west-2.amazonaws.com"),
            Err(Error::CredentialScopeRegionMismatch)
        );
        assert_eq!(
            tamper("x-amz-date", "20150831T000000Z"),
            Err(Error::CredentialScopeDateMismatch)
        );
        // A signed header removed; an unsigned token added.
        let mut h = vector_headers(false);
        h.retain(|(n, _)| n != "content-type");
        assert_eq!(check(&h, SECRET, None, T), Err(Error::SignedHeaderAbsent));
        let mut h = vector_headers(false);
        h.push(("Host".into(), "sts.amazonaws.com".into()));
        assert_eq!(check(&h, SECRET, None, T), Err(Error::DuplicateHeader));
        let mut h = vector_headers(false);
        h.push(("X-Amz-Security-Token".into(), tok.clone()));
        assert_eq!(
            check(&h, SECRET, Some(&tok), T),
            Err(Error::SessionTokenSigning)
        );
        // Unsorted SignedHeaders.
        let mut h = vector_headers(false);
        let a = &mut h.last_mut().unwrap().1;
        *a = a.replace("content-length;content-type", "content-type;content-length");
        assert_eq!(check(&h, SECRET, None, T), Err(Error::SignedHeadersInvalid));
        // Not GetCallerIdentity.
        let h = vector_headers(false);
        let hv: Vec<(&str, &str)> = h.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        for (method, path, query, body) in [
            (
                "POST",
                "/",
                "",
                &b"Action=GetSessionToken&Version=2011-06-15"[..],
            ),
            ("GET", "/", "", sts::GET_CALLER_IDENTITY_BODY.as_bytes()),
            ("POST", "/x", "", sts::GET_CALLER_IDENTITY_BODY.as_bytes()),
            ("POST", "/", "a=b", sts::GET_CALLER_IDENTITY_BODY.as_bytes()),
        ] {
            let req = IncomingRequest {
                method,
                path,
                query,
                headers: &hv,
                body,
            };
            assert_eq!(inspect(req).err(), Some(Error::NotGetCallerIdentity));
        }
    }

    #[test]
    fn full_conversation_roundtrip() {
        // Client (lead's ClientConversation) -> server (ServerConversation) -> forwarded request ->
        // verifier, for the global and a regional host, with and without a token.
        let tok = token();
        for host in ["sts.amazonaws.com", "sts.eu-west-3.amazonaws.com"] {
            for t in [None, Some(tok.as_str())] {
                let client = ClientConversation::new([7; 32]);
                let server =
                    ServerConversation::new(&client.client_first(), [9; 32], host).unwrap();
                let mut sf = [0u8; 340];
                let n = server.server_first(&mut sf).unwrap();
                let creds = Credentials::new(AKID, SECRET, t).unwrap();
                let mut cf = std::vec![0u8; 4096];
                let now = UnixTime(1_700_000_000);
                let m = client.finish(&sf[..n], &creds, now, None, &mut cf).unwrap();
                let f = server.client_final(&cf[..m]).unwrap();
                assert_eq!(f.access_key_id(), AKID);
                let fwd = server.sts_request(&f);
                let headers: Vec<(&str, &str)> = fwd.headers().collect();
                let req = IncomingRequest {
                    method: StsRequest::METHOD,
                    path: "/",
                    query: "",
                    headers: &headers,
                    body: fwd.body(),
                };
                let s = inspect(req).unwrap();
                assert_eq!(s.region(), server.region());
                assert_eq!(s.server_nonce(), Some(server.server_nonce_base64()));
                assert_eq!(s.verify(SECRET, t, now), Ok(()));
                assert_eq!(
                    s.verify("wrongsecretwrongsecret", t, now),
                    Err(Error::SignatureMismatch)
                );
                // Diagnostics equal the client's own.
                let (mut a, mut b) = ([0u8; 2048], [0u8; 2048]);
                let la = s.canonical_request(&mut a).unwrap();
                let lb = client
                    .canonical_request(&sf[..n], &creds, now, &mut b)
                    .unwrap();
                assert_eq!(a[..la], b[..lb]);
                let la = s.string_to_sign(&mut a).unwrap();
                let lb = client
                    .string_to_sign(&sf[..n], &creds, now, &mut b)
                    .unwrap();
                assert_eq!(a[..la], b[..lb]);
            }
        }
    }
}
