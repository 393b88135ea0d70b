//! What every host keeps across calls, owned once (ARCHITECTURE.md, "Owned state"): credentials
//! checked once with their signing-key cache ([`SigningCredentials`]), a parsed server-first
//! ([`ParsedServerFirst`]), the request a MongoDB server forwards to STS ([`ForwardedStsRequest`])
//! and a GetCallerIdentity request as an STS stand-in received it ([`IncomingStsRequest`]).
//!
//! The C credentials handle, Python's `Credentials`, `ServerFirst`, `StsRequest` and
//! `IncomingStsRequest` and their Node counterparts wrap these types; none keeps a cache of its own.
//! Every rule stays in the core: this layer only owns the bytes the core's borrowed views point into.

use crate::Credentials;
use mongodb_aws_core::sasl::client::{
    ClientConversation, ServerFirst, CLIENT_FINAL_MAX_LEN, SERVER_NONCE_BASE64_LEN,
    SERVER_NONCE_LEN,
};
use mongodb_aws_core::sasl::server::{ClientFinal, ServerConversation};
use mongodb_aws_core::sigv4::{Scope, SigningKey};
use mongodb_aws_core::{verify, Credentials as CoreCredentials, Error as CoreError, UnixTime};
use std::sync::{Arc, Mutex, PoisonError, TryLockError};

/// The core's view of credentials, or why they are not valid.
type Validated<'a> = Result<CoreCredentials<'a>, CoreError>;

self_cell::self_cell!(
    /// Runtime credentials and the core's validation of them, done once: signing never validates
    /// again (a session token can be kilobytes).
    struct Checked {
        owner: Arc<Credentials>,
        #[covariant]
        dependent: Validated,
    }
);

/// Credentials checked once and kept, with the signing key of their last signature (per date,
/// region and service), reused while the scope stays the same: it saves 4 HMACs per signature.
/// The key is zeroized when replaced or dropped; the secret and token when the last reference to
/// the [`Credentials`] goes. `Sync`: one value may sign on many threads at once (the key slot is
/// locked only to copy the key in or out, never while signing).
pub struct SigningCredentials {
    checked: Checked,
    key: Mutex<Option<SigningKey>>,
}

impl std::fmt::Debug for SigningCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningCredentials")
            .field("credentials", self.credentials())
            .finish_non_exhaustive()
    }
}

impl SigningCredentials {
    /// Checks `id`, `secret` and `token` with the core's rules (an empty token is none) and keeps a
    /// copy.
    pub fn new(
        access_key_id: &str,
        secret_access_key: &str,
        session_token: Option<&str>,
        expiration: Option<UnixTime>,
    ) -> Result<Self, CoreError> {
        let c = Credentials::new(access_key_id, secret_access_key, session_token, expiration)
            .map_err(|e| e.error())?;
        Ok(Self::shared(Arc::new(c)))
    }

    /// Builds them from optional parts with the spec's rule for environment variables (empty counts
    /// as unset; id + secret (+ token); anything else is the core's error for it).
    pub fn from_parts(
        access_key_id: Option<&str>,
        secret_access_key: Option<&str>,
        session_token: Option<&str>,
    ) -> Result<Self, CoreError> {
        let c = CoreCredentials::from_parts(access_key_id, secret_access_key, session_token)?;
        Self::new(
            c.access_key_id(),
            c.secret_access_key(),
            c.session_token(),
            None,
        )
    }

    /// Credentials the runtime resolved, shared rather than copied. The runtime validated them
    /// when it built them; were they invalid, every use would report the core's error.
    pub fn shared(credentials: Arc<Credentials>) -> Self {
        let checked = Checked::new(credentials, |c| {
            CoreCredentials::new(c.access_key_id(), c.secret_access_key(), c.session_token())
        });
        SigningCredentials {
            checked,
            key: Mutex::new(None),
        }
    }

    /// The runtime's credentials (expiration, source, refusal hint).
    pub fn credentials(&self) -> &Arc<Credentials> {
        self.checked.borrow_owner()
    }

    /// The core's validated view (checked once, when these were made).
    pub fn core(&self) -> Result<&CoreCredentials<'_>, CoreError> {
        self.checked.borrow_dependent().as_ref().map_err(|e| *e)
    }

    /// A copy of the cached signing key (`None` when there is none yet).
    fn cached(&self) -> Option<SigningKey> {
        self.key
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Keeps `key` unless the slot already holds a key for its scope (another thread's).
    fn keep(&self, key: SigningKey) {
        let mut slot = self.key.lock().unwrap_or_else(PoisonError::into_inner);
        let same = slot.as_ref().is_some_and(|k| {
            k.date() == key.date() && k.region() == key.region() && k.service() == key.service()
        });
        if !same {
            *slot = Some(key);
        }
    }

    /// The signing key for `scope`: the cached one when it matches, else a new one (then cached).
    pub fn signing_key(&self, scope: &Scope<'_>) -> Result<SigningKey, CoreError> {
        if let Some(k) = self.cached().filter(|k| k.matches(scope)) {
            return Ok(k);
        }
        let k = SigningKey::derive(self.core()?.secret_access_key(), scope)?;
        self.keep(k.clone());
        Ok(k)
    }

    /// Client-final for a parsed server-first into `out` (core
    /// [`ClientConversation::finish_parsed`]) with the cached key, or a new one that is then
    /// cached. Returns the length written; a too-small `out` is [`CoreError::BufferTooSmall`] with
    /// the exact size, and then nothing was written or derived.
    ///
    /// The key slot is used in place, locked for the call. Should another thread hold it (signing
    /// with the same credentials at that moment), this call does not wait: it signs with a key
    /// derived for it alone (4 more HMACs), leaving the cache to the other thread.
    pub fn client_final(
        &self,
        conversation: &ClientConversation,
        server_first: &ServerFirst<'_>,
        now: UnixTime,
        out: &mut [u8],
    ) -> Result<usize, CoreError> {
        let core = self.core()?;
        match self.key.try_lock() {
            Ok(mut slot) => conversation.finish_parsed(server_first, core, now, &mut slot, out),
            Err(TryLockError::Poisoned(p)) => {
                conversation.finish_parsed(server_first, core, now, &mut p.into_inner(), out)
            }
            Err(TryLockError::WouldBlock) => {
                conversation.finish_parsed(server_first, core, now, &mut None, out)
            }
        }
    }

    /// Bytes that always hold a client-final signed with these credentials, whatever the
    /// server-first (core [`CLIENT_FINAL_MAX_LEN`] plus the session token's length).
    pub fn client_final_max_len(&self) -> usize {
        CLIENT_FINAL_MAX_LEN.saturating_add(self.credentials().session_token().map_or(0, str::len))
    }

    /// Exact client-final length for a parsed server-first.
    pub fn client_final_len(
        &self,
        conversation: &ClientConversation,
        server_first: &ServerFirst<'_>,
    ) -> Result<usize, CoreError> {
        conversation.client_final_len_parsed(server_first, self.core()?)
    }
}

/// A validated server-first message, owned (the core's [`ServerFirst`] borrows from the bytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedServerFirst {
    host: String,
    region: String,
    server_nonce: [u8; SERVER_NONCE_LEN],
    server_nonce_base64: [u8; SERVER_NONCE_BASE64_LEN],
}

impl ParsedServerFirst {
    /// Copies what the core validated.
    pub fn new(server_first: &ServerFirst<'_>) -> Self {
        ParsedServerFirst {
            host: server_first.host().to_owned(),
            region: server_first.region().to_owned(),
            server_nonce: *server_first.server_nonce(),
            server_nonce_base64: server_first.server_nonce_base64(),
        }
    }

    /// The STS host `h`, verbatim.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The signing region derived from the host.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The 64-byte server nonce `s`.
    pub fn server_nonce(&self) -> &[u8; SERVER_NONCE_LEN] {
        &self.server_nonce
    }

    /// Standard base64 of the server nonce (the `X-MongoDB-Server-Nonce` value).
    pub fn server_nonce_base64(&self) -> &str {
        // Base64 is ASCII by construction.
        std::str::from_utf8(&self.server_nonce_base64).unwrap_or_default()
    }
}

/// What a MongoDB server forwards to STS for a checked client-final, owned: the request's host and
/// headers, the whole HTTP/1.1 request for a raw socket, and what client-final said.
#[derive(Clone)]
pub struct ForwardedStsRequest {
    host: String,
    headers: Vec<(&'static str, String)>,
    http: Vec<u8>,
    access_key_id: String,
    session_token: Option<String>,
    amz_date: String,
}

impl std::fmt::Debug for ForwardedStsRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForwardedStsRequest")
            .field("host", &self.host)
            .field("access_key_id", &self.access_key_id)
            .field("amz_date", &self.amz_date)
            .finish_non_exhaustive()
    }
}

impl ForwardedStsRequest {
    /// Checks `client_final` for `conversation` (the server's rules, and `X-Amz-Date` within
    /// `max_skew_seconds` of `now`) and builds the request to forward.
    pub fn new(
        conversation: &ServerConversation,
        client_final: &[u8],
        now: UnixTime,
        max_skew_seconds: u64,
    ) -> Result<Self, CoreError> {
        let cf: ClientFinal<'_> = conversation.client_final(client_final)?;
        cf.check_time(now, max_skew_seconds)?;
        let req = conversation.sts_request(&cf);
        let mut http = vec![0u8; req.http_len()];
        let n = req.write_http(&mut http)?;
        http.truncate(n);
        Ok(ForwardedStsRequest {
            host: req.host().to_owned(),
            headers: req.headers().map(|(k, v)| (k, v.to_owned())).collect(),
            http,
            access_key_id: cf.access_key_id().to_owned(),
            session_token: cf.session_token().map(str::to_owned),
            amz_date: cf.date().as_str().to_owned(),
        })
    }

    /// `POST`.
    pub fn method(&self) -> &'static str {
        mongodb_aws_core::sasl::server::StsRequest::METHOD
    }
    /// `/`.
    pub fn path(&self) -> &'static str {
        mongodb_aws_core::sasl::server::StsRequest::PATH
    }
    /// The STS host.
    pub fn host(&self) -> &str {
        &self.host
    }
    /// The headers to send, in order.
    pub fn headers(&self) -> &[(&'static str, String)] {
        &self.headers
    }
    /// The body (`Action=GetCallerIdentity&Version=2011-06-15`).
    pub fn body(&self) -> &'static [u8] {
        mongodb_aws_core::sts::GET_CALLER_IDENTITY_BODY.as_bytes()
    }
    /// The whole HTTP/1.1 request.
    pub fn http(&self) -> &[u8] {
        &self.http
    }
    /// The client's access key id.
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }
    /// The client's session token, if it sent one.
    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_deref()
    }
    /// The client's `X-Amz-Date`.
    pub fn amz_date(&self) -> &str {
        &self.amz_date
    }
}

/// A GetCallerIdentity request as an STS stand-in received it, owned and checked by the core's
/// [`verify::inspect`] (what needs no secret) when built; [`verify`](Self::verify) does the rest.
pub struct IncomingStsRequest {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    found: Inspected,
}

/// What `inspect` found, owned.
struct Inspected {
    access_key_id: String,
    host: String,
    region: String,
    session_token: Option<String>,
    server_nonce: Option<String>,
    amz_date: String,
    date: UnixTime,
}

impl std::fmt::Debug for IncomingStsRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IncomingStsRequest")
            .field("host", &self.found.host)
            .field("access_key_id", &self.found.access_key_id)
            .field("amz_date", &self.found.amz_date)
            .finish_non_exhaustive()
    }
}

impl IncomingStsRequest {
    /// Checks what needs no secret (`POST /` with the GetCallerIdentity body, one `Authorization`
    /// whose scope matches `X-Amz-Date` and the region of `Host`, the signed headers present, a
    /// token only if signed) and keeps the request.
    pub fn new(
        method: String,
        path: String,
        query: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> Result<Self, CoreError> {
        let found = Self::inspect(&method, &path, &query, &headers, &body, |s| {
            Ok(Inspected {
                access_key_id: s.access_key_id().to_owned(),
                host: s.host().to_owned(),
                region: s.region().to_owned(),
                session_token: s.session_token().map(str::to_owned),
                server_nonce: s.server_nonce().map(str::to_owned),
                amz_date: s.date().as_str().to_owned(),
                date: s.date().to_unix(),
            })
        })?;
        Ok(IncomingStsRequest {
            method,
            path,
            query,
            headers,
            body,
            found,
        })
    }

    fn inspect<T>(
        method: &str,
        path: &str,
        query: &str,
        headers: &[(String, String)],
        body: &[u8],
        f: impl FnOnce(&verify::SignedRequest<'_>) -> Result<T, CoreError>,
    ) -> Result<T, CoreError> {
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let signed = verify::inspect(verify::IncomingRequest {
            method,
            path,
            query,
            headers: &headers,
            body,
        })?;
        f(&signed)
    }

    /// The secret-dependent checks (core `SignedRequest::verify`): the date within 15 minutes of
    /// `now`, the session token equal to `session_token` (both absent match), the signature
    /// recomputed with `secret` equal to the request's (constant-time comparisons).
    pub fn verify(
        &self,
        secret: &str,
        session_token: Option<&str>,
        now: UnixTime,
    ) -> Result<(), CoreError> {
        Self::inspect(
            &self.method,
            &self.path,
            &self.query,
            &self.headers,
            &self.body,
            |s| s.verify(secret, session_token, now),
        )
    }

    /// Total bytes of the header names and values (hosts release their lock above a size).
    pub fn headers_len(&self) -> usize {
        self.headers.iter().map(|(n, v)| n.len() + v.len()).sum()
    }
    /// The access key id of the `Authorization` header.
    pub fn access_key_id(&self) -> &str {
        &self.found.access_key_id
    }
    /// The `Host` header.
    pub fn host(&self) -> &str {
        &self.found.host
    }
    /// The scope's region.
    pub fn region(&self) -> &str {
        &self.found.region
    }
    /// The signed `X-Amz-Security-Token`, if any.
    pub fn session_token(&self) -> Option<&str> {
        self.found.session_token.as_deref()
    }
    /// The signed `X-MongoDB-Server-Nonce`, if any.
    pub fn server_nonce(&self) -> Option<&str> {
        self.found.server_nonce.as_deref()
    }
    /// `X-Amz-Date` as sent.
    pub fn amz_date(&self) -> &str {
        &self.found.amz_date
    }
    /// `X-Amz-Date` in unix seconds.
    pub fn date(&self) -> UnixTime {
        self.found.date
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mongodb_aws_core::AmzDate;
    use std::path::Path;

    const GCI: &str = "../testdata/vectors/mongodb-aws-getcalleridentity";

    fn vector(rel: &str) -> String {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(GCI).join(rel);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    fn unhex(s: &str) -> Vec<u8> {
        s.trim()
            .as_bytes()
            .chunks(2)
            .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
            .collect()
    }

    fn field(json: &serde_json::Value, k: &str) -> String {
        json[k].as_str().unwrap().to_owned()
    }

    #[test]
    fn signing_credentials_sign_the_vector_and_keep_the_key() {
        fn assert_sync<T: Sync + Send>() {}
        assert_sync::<SigningCredentials>();
        let inputs: serde_json::Value = serde_json::from_str(&vector("inputs.json")).unwrap();
        let nonce: [u8; 32] = unhex(&field(&inputs, "client_nonce_hex"))
            .try_into()
            .unwrap();
        let conv = ClientConversation::new(nonce);
        let bytes = unhex(&vector("server-first.bson.hex"));
        let sf = conv.parse_server_first(&bytes).unwrap();
        let parsed = ParsedServerFirst::new(&sf);
        assert_eq!(parsed.host(), field(&inputs, "host"));
        assert_eq!(parsed.region(), field(&inputs, "region"));
        assert_eq!(
            parsed.server_nonce_base64(),
            field(&inputs, "server_nonce_base64")
        );
        let now = AmzDate::parse(&field(&inputs, "amz_date"))
            .unwrap()
            .to_unix();
        for (dir, token) in [
            ("with-session-token", Some(field(&inputs, "session_token"))),
            ("without-session-token", None),
        ] {
            let creds = SigningCredentials::new(
                &field(&inputs, "access_key_id"),
                &field(&inputs, "secret_access_key"),
                token.as_deref(),
                None,
            )
            .unwrap();
            let want = unhex(&vector(&format!("{dir}/client-final.bson.hex")));
            assert_eq!(creds.client_final_len(&conv, &sf).unwrap(), want.len());
            assert!(want.len() <= creds.client_final_max_len());
            assert!(creds.cached().is_none());
            let mut out = vec![0u8; want.len()];
            for _ in 0..2 {
                let n = creds.client_final(&conv, &sf, now, &mut out).unwrap();
                assert_eq!(out[..n], want[..], "{dir}");
                let k = creds.cached().unwrap();
                assert_eq!((k.date(), k.region()), ("20150830", "us-east-1"));
            }
            // While another thread holds the slot: the same bytes, signed with a key of its own,
            // and the cache left as it was.
            {
                let held = creds.key.lock().unwrap();
                let n = creds.client_final(&conv, &sf, now, &mut out).unwrap();
                assert_eq!(out[..n], want[..], "{dir}, slot held");
                assert_eq!(held.as_ref().unwrap().date(), "20150830");
            }
            // The next day: a new key replaces the cached one.
            let mut short = vec![0u8; 10];
            assert_eq!(
                creds.client_final(&conv, &sf, UnixTime(now.0 + 86_400), &mut short),
                Err(CoreError::BufferTooSmall { needed: want.len() })
            );
            creds
                .client_final(&conv, &sf, UnixTime(now.0 + 86_400), &mut out)
                .unwrap();
            assert_eq!(creds.cached().unwrap().date(), "20150831");
        }
    }

    #[test]
    fn bad_credentials_are_the_core_errors() {
        assert_eq!(
            SigningCredentials::new("AKID", "", None, None).unwrap_err(),
            CoreError::MissingSecretAccessKey
        );
        assert_eq!(
            SigningCredentials::from_parts(None, None, None).unwrap_err(),
            CoreError::NoCredentials
        );
        let c = SigningCredentials::from_parts(Some("AKID"), Some("s"), Some("")).unwrap();
        assert_eq!(c.core().unwrap().session_token(), None);
        assert!(!format!("{c:?}").contains("\"s\""));
    }
}
