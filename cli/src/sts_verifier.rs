//! An STS stand-in that verifies for real, on loopback: it answers `GetCallerIdentity` like STS
//! (XML, or JSON with `Accept: application/json`) after checking, with the core's verifier
//! (`mongodb_aws_core::verify`): the request shape, the signature recomputed with the secret it
//! knows for the access key, `X-Amz-Date` within 15 minutes of its clock, the signed region against
//! the Host's region rule, the session token issued with the key, and that no server nonce is used
//! twice while a request carrying it could still pass the clock check (nonces are forgotten once
//! their request's date is more than 15 minutes old, so memory stays bounded). Errors come back
//! as STS's `ErrorResponse` documents.

use crate::http;
use mongodb_aws_core::sasl::server::MAX_CLOCK_SKEW_SECONDS;
use mongodb_aws_core::time::UnixTime;
use mongodb_aws_core::verify::{inspect, IncomingRequest};
use mongodb_aws_core::Error;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::io::{BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One identity the verifier knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    /// What GetCallerIdentity returns as `Arn`.
    pub arn: String,
}

impl User {
    /// Parses `AKID:SECRET[:TOKEN]=ARN` (the ARN starts at the last `=arn:`, so tokens ending in
    /// `=` padding are fine).
    pub fn parse_spec(spec: &str) -> Result<User, String> {
        let i = spec
            .rfind("=arn:")
            .ok_or_else(|| "expected AKID:SECRET[:TOKEN]=ARN".to_string())?;
        let (keys, arn) = (&spec[..i], &spec[i + 1..]);
        let mut parts = keys.splitn(3, ':');
        let (id, secret, token) = (parts.next(), parts.next(), parts.next());
        match (id, secret) {
            (Some(id), Some(secret)) if !id.is_empty() && !secret.is_empty() => {
                mongodb_aws_core::Credentials::new(id, secret, token)
                    .map_err(|e| format!("credentials: {e}"))?;
                mongodb_aws_core::caller_identity::Arn::parse(arn)
                    .map_err(|e| format!("ARN: {e}"))?;
                Ok(User {
                    access_key_id: id.into(),
                    secret_access_key: secret.into(),
                    session_token: token.filter(|t| !t.is_empty()).map(String::from),
                    arn: arn.into(),
                })
            }
            _ => Err("expected AKID:SECRET[:TOKEN]=ARN".into()),
        }
    }

    /// A `UserId` in STS's style: `AIDA…` for users, `AROA…:SESSION` for role sessions.
    fn user_id(&self) -> String {
        use sha2::{Digest, Sha256};
        let h = Sha256::digest(self.arn.as_bytes());
        let tag: String = h.iter().take(9).map(|b| format!("{b:02X}")).collect();
        match self.arn.split_once(":assumed-role/") {
            Some((_, rest)) => {
                let session = rest.split_once('/').map_or("", |(_, s)| s);
                format!("AROA{}:{session}", &tag[..17])
            }
            None => format!("AIDA{}", &tag[..17]),
        }
    }

    fn account(&self) -> &str {
        self.arn.split(':').nth(4).unwrap_or("")
    }
}

/// Clock used for the ±15 minute check (tests can shift it).
pub type Clock = Arc<dyn Fn() -> UnixTime + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        UnixTime(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        )
    })
}

/// The verifier's state: users by access key id, and the nonces already used.
pub struct Verifier {
    users: HashMap<String, User>,
    seen: Mutex<Nonces>,
    clock: Clock,
}

/// Server nonces already used, each kept while a request carrying it could still pass the clock
/// check: until its request's `X-Amz-Date` plus 15 minutes. Stored as SHA-256 digests (32 bytes,
/// no allocation per entry), ordered by expiry so forgetting is cheap.
#[derive(Default)]
struct Nonces {
    seen: HashSet<[u8; 32]>,
    by_expiry: BinaryHeap<Reverse<(u64, [u8; 32])>>,
}

impl Nonces {
    /// Forgets what expired before `now`, then records `nonce` of a request dated `date`; false
    /// if it was already there (a replay).
    fn insert(&mut self, nonce: &str, date: UnixTime, now: UnixTime) -> bool {
        while let Some(Reverse((expiry, key))) = self.by_expiry.peek().copied() {
            if expiry >= now.0 {
                break;
            }
            self.by_expiry.pop();
            self.seen.remove(&key);
        }
        use sha2::{Digest, Sha256};
        let key: [u8; 32] = Sha256::digest(nonce.as_bytes()).into();
        if !self.seen.insert(key) {
            return false;
        }
        let expiry = date.0.saturating_add(MAX_CLOCK_SKEW_SECONDS);
        self.by_expiry.push(Reverse((expiry, key)));
        true
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.seen.len()
    }
}

/// What the verifier answers: HTTP status, content type and body, plus what it decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    /// `Ok(arn)` or the STS error code and the core error behind it.
    pub outcome: Result<String, (&'static str, Option<Error>)>,
}

const NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl Verifier {
    pub fn new(users: Vec<User>, clock: Clock) -> Self {
        Verifier {
            users: users
                .into_iter()
                .map(|u| (u.access_key_id.clone(), u))
                .collect(),
            seen: Mutex::new(Nonces::default()),
            clock,
        }
    }

    /// How many used nonces are remembered (for tests of the bound).
    #[cfg(test)]
    pub fn remembered_nonces(&self) -> usize {
        self.seen.lock().map(|s| s.len()).unwrap_or(0)
    }

    /// Decides on one request.
    pub fn answer(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Answer {
        let json = headers
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case("accept") && v.contains("application/json"));
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let req = IncomingRequest {
            method,
            path,
            query,
            headers,
            body,
        };
        match self.check(req) {
            Ok(user) => {
                let rid = request_id(body, headers);
                let body = if json {
                    serde_json::json!({"GetCallerIdentityResponse": {
                        "GetCallerIdentityResult": {
                            "Account": user.account(),
                            "Arn": user.arn,
                            "UserId": user.user_id(),
                        },
                        "ResponseMetadata": {"RequestId": rid},
                    }})
                    .to_string()
                } else {
                    format!(
                        "<GetCallerIdentityResponse xmlns=\"{NS}\">\n  <GetCallerIdentityResult>\n    <Arn>{}</Arn>\n    <UserId>{}</UserId>\n    <Account>{}</Account>\n  </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>{rid}</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n",
                        xml_escape(&user.arn),
                        xml_escape(&user.user_id()),
                        xml_escape(user.account())
                    )
                };
                Answer {
                    status: 200,
                    content_type: if json { "application/json" } else { "text/xml" },
                    body: body.into_bytes(),
                    outcome: Ok(user.arn.clone()),
                }
            }
            Err((status, code, message, err)) => {
                let rid = request_id(body, headers);
                let body = if json {
                    serde_json::json!({
                        "Error": {"Code": code, "Message": message, "Type": "Sender"},
                        "RequestId": rid,
                    })
                    .to_string()
                } else {
                    format!(
                        "<ErrorResponse xmlns=\"{NS}\">\n  <Error>\n    <Type>Sender</Type>\n    <Code>{code}</Code>\n    <Message>{}</Message>\n  </Error>\n  <RequestId>{rid}</RequestId>\n</ErrorResponse>\n",
                        xml_escape(&message)
                    )
                };
                Answer {
                    status,
                    content_type: if json { "application/json" } else { "text/xml" },
                    body: body.into_bytes(),
                    outcome: Err((code, err)),
                }
            }
        }
    }

    #[allow(clippy::type_complexity)]
    fn check(
        &self,
        req: IncomingRequest<'_>,
    ) -> Result<&User, (u16, &'static str, String, Option<Error>)> {
        let signed = inspect(req).map_err(|e| {
            let (status, code) = match e {
                Error::MissingAuthorization => (403, "MissingAuthenticationToken"),
                Error::NotGetCallerIdentity => (400, "InvalidAction"),
                Error::CredentialScopeRegionMismatch | Error::CredentialScopeDateMismatch => {
                    (403, "SignatureDoesNotMatch")
                }
                _ => (400, "IncompleteSignature"),
            };
            (status, code, e.message().to_string(), Some(e))
        })?;
        let user = self.users.get(signed.access_key_id()).ok_or((
            403,
            "InvalidClientTokenId",
            "The security token included in the request is invalid.".to_string(),
            Some(Error::UnknownAccessKeyId),
        ))?;
        let now = (self.clock)();
        signed
            .verify(
                &user.secret_access_key,
                user.session_token.as_deref(),
                now,
            )
            .map_err(|e| match e {
                Error::RequestTimeSkewed => (
                    403,
                    "SignatureDoesNotMatch",
                    format!(
                        "Signature expired: {} is now earlier or later than the verifier's clock by more than 15 min.",
                        signed.date().as_str()
                    ),
                    Some(e),
                ),
                Error::SessionTokenMismatch => (
                    403,
                    "InvalidClientTokenId",
                    "The security token included in the request is invalid.".to_string(),
                    Some(e),
                ),
                Error::SignatureMismatch => (
                    403,
                    "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.".to_string(),
                    Some(e),
                ),
                e => (400, "IncompleteSignature", e.message().to_string(), Some(e)),
            })?;
        // Only authentic requests consume a nonce; a second use is a replay.
        if let Some(nonce) = signed.server_nonce() {
            let date = signed.date().to_unix();
            let fresh = self
                .seen
                .lock()
                .map(|mut s| s.insert(nonce, date, now))
                .unwrap_or(false);
            if !fresh {
                return Err((
                    403,
                    "AccessDenied",
                    "Replayed request: this X-MongoDB-Server-Nonce was already used.".to_string(),
                    Some(Error::NonceReplayed),
                ));
            }
        }
        Ok(user)
    }
}

/// A request id derived from the request (stable per request, distinct across requests).
fn request_id(body: &[u8], headers: &[(&str, &str)]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(body);
    for (n, v) in headers {
        h.update(n.as_bytes());
        h.update(v.as_bytes());
    }
    let d = h.finalize();
    let x: String = d.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &x[0..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

/// Called with each decision (for logs and the demo).
pub type Observer = Arc<dyn Fn(&Answer) + Send + Sync>;

/// A running verifier: its address.
pub struct Running {
    pub addr: SocketAddr,
}

impl Running {
    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Bounds of the verifier's HTTP side.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Requests served at once; more connections are closed at once.
    pub max_connections: usize,
    /// Time for a whole request to arrive and its answer to be written.
    pub request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 256,
            request_timeout: Duration::from_secs(10),
        }
    }
}

/// Starts the verifier on 127.0.0.1 (port 0 = any) in a background thread, with default limits.
pub fn start(
    verifier: Verifier,
    port: u16,
    observer: Option<Observer>,
) -> std::io::Result<Running> {
    start_with(verifier, port, observer, Limits::default())
}

/// Decrements the count of open connections when a connection thread ends.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Starts the verifier with `limits`: at most `max_connections` at once, each request read and
/// answered within `request_timeout`; accept errors back off (up to 1 s) instead of spinning.
pub fn start_with(
    verifier: Verifier,
    port: u16,
    observer: Option<Observer>,
    limits: Limits,
) -> std::io::Result<Running> {
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    let addr = listener.local_addr()?;
    let verifier = Arc::new(verifier);
    let open = Arc::new(AtomicUsize::new(0));
    std::thread::Builder::new()
        .name("sts-verifier".into())
        .spawn(move || {
            let mut backoff = Duration::ZERO;
            loop {
                let conn = match listener.accept() {
                    Ok((conn, _)) => {
                        backoff = Duration::ZERO;
                        conn
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => {
                        backoff =
                            (backoff * 2).clamp(Duration::from_millis(5), Duration::from_secs(1));
                        std::thread::sleep(backoff);
                        continue;
                    }
                };
                if open.fetch_add(1, Ordering::SeqCst) >= limits.max_connections {
                    open.fetch_sub(1, Ordering::SeqCst);
                    continue; // dropped: closed
                }
                let slot = Slot(Arc::clone(&open));
                let v = Arc::clone(&verifier);
                let obs = observer.clone();
                let _ = std::thread::Builder::new()
                    .name("sts-verifier-conn".into())
                    .spawn(move || {
                        let _slot = slot;
                        let deadline = Instant::now() + limits.request_timeout;
                        let _ = serve_connection(&conn, deadline, &v, obs.as_ref());
                    });
            }
        })?;
    Ok(Running { addr })
}

fn serve_connection(
    conn: &TcpStream,
    deadline: Instant,
    v: &Verifier,
    observer: Option<&Observer>,
) -> std::io::Result<()> {
    let mut r = BufReader::new(http::Deadlined::new(conn, deadline));
    // One request per connection (answers carry Connection: close).
    let Some(head) = http::read_head(&mut r)? else {
        return Ok(());
    };
    let body = http::read_body(&mut r, &head, false)?;
    let mut parts = head.start_line.split(' ');
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("");
    let headers: Vec<(&str, &str)> = head
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let answer = v.answer(method, target, &headers, &body);
    if let Some(o) = observer {
        o(&answer);
    }
    let reason = match answer.status {
        200 => "OK",
        400 => "Bad Request",
        _ => "Forbidden",
    };
    let mut w = http::Deadlined::new(conn, deadline);
    w.write_all(&http::response(
        answer.status,
        reason,
        answer.content_type,
        &answer.body,
    ))?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use mongodb_aws_core::sasl::client::ClientConversation;
    use mongodb_aws_core::sasl::server::ServerConversation;
    use mongodb_aws_core::Credentials;

    const AKID: &str = "AKIDEXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const NOW: u64 = 1_700_000_000;

    fn verifier(token: Option<&str>, arn: &str, clock_offset: i64) -> Verifier {
        let users = vec![User {
            access_key_id: AKID.into(),
            secret_access_key: SECRET.into(),
            session_token: token.map(String::from),
            arn: arn.into(),
        }];
        Verifier::new(
            users,
            Arc::new(move || UnixTime((NOW as i64 + clock_offset) as u64)),
        )
    }

    /// A forwarded request as the server builds it, signed by the client with `secret` at `now`.
    fn forwarded(
        host: &str,
        secret: &str,
        token: Option<&str>,
        now: u64,
        random: u8,
    ) -> Vec<(String, String)> {
        forwarded_with_nonce(host, secret, token, now, [random; 32])
    }

    /// The same with the server's 32 random bytes of the nonce given whole.
    fn forwarded_with_nonce(
        host: &str,
        secret: &str,
        token: Option<&str>,
        now: u64,
        random: [u8; 32],
    ) -> Vec<(String, String)> {
        let client = ClientConversation::new([1; 32]);
        let server = ServerConversation::new(&client.client_first(), random, host).unwrap();
        let mut sf = [0u8; 340];
        let n = server.server_first(&mut sf).unwrap();
        let creds = Credentials::new(AKID, secret, token).unwrap();
        let mut cf = vec![0u8; 4096];
        let m = client
            .finish(&sf[..n], &creds, UnixTime(now), None, &mut cf)
            .unwrap();
        let f = server.client_final(&cf[..m]).unwrap();
        server
            .sts_request(&f)
            .headers()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    /// The identity a 200 answer names, read back with the core's reply parser.
    fn identity<'a>(
        body: &'a [u8],
        scratch: &'a mut Vec<u8>,
    ) -> mongodb_aws_core::caller_identity::CallerIdentity<'a> {
        scratch.resize(body.len(), 0);
        mongodb_aws_core::caller_identity::parse_reply(200, body, scratch)
            .unwrap()
            .identity()
            .unwrap()
    }

    fn ask(v: &Verifier, headers: &[(String, String)]) -> Answer {
        let h: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        v.answer(
            "POST",
            "/",
            &h,
            b"Action=GetCallerIdentity&Version=2011-06-15",
        )
    }

    #[test]
    fn accepts_and_answers_like_sts() {
        let arn = "arn:aws:iam::123456789012:user/demo";
        let v = verifier(None, arn, 0);
        let a = ask(&v, &forwarded("sts.amazonaws.com", SECRET, None, NOW, 1));
        assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
        assert_eq!(a.outcome, Ok(arn.to_string()));
        // The answer parses with the core's reply parser (XML).
        let mut scratch = Vec::new();
        let id = identity(&a.body, &mut scratch);
        assert_eq!(id.arn, arn);
        assert_eq!(id.account, Some("123456789012"));
        // Regional host, role session, token, JSON.
        let arn = "arn:aws:sts::123456789012:assumed-role/demo-role/demo-session";
        let v = verifier(Some("TOKEN123"), arn, 0);
        let mut h = forwarded(
            "sts.us-west-2.amazonaws.com",
            SECRET,
            Some("TOKEN123"),
            NOW,
            1,
        );
        h.push(("Accept".into(), "application/json".into()));
        let a = ask(&v, &h);
        assert_eq!(a.status, 200);
        let mut scratch = Vec::new();
        let id = identity(&a.body, &mut scratch);
        assert_eq!(id.arn, arn);
        assert!(id.user_id.unwrap().ends_with(":demo-session"));
    }

    #[test]
    fn rejects_wrong_secret_replay_skew_tampering_token() {
        let arn = "arn:aws:iam::123456789012:user/demo";
        let code = |a: &Answer| a.outcome.clone().err().map(|(c, e)| (a.status, c, e));
        // Wrong secret.
        let v = verifier(None, arn, 0);
        let a = ask(
            &v,
            &forwarded(
                "sts.amazonaws.com",
                "wrong-secret-wrong-secret",
                None,
                NOW,
                2,
            ),
        );
        assert_eq!(
            code(&a),
            Some((403, "SignatureDoesNotMatch", Some(Error::SignatureMismatch)))
        );
        // Replayed nonce: the same authentic request twice.
        let h = forwarded("sts.amazonaws.com", SECRET, None, NOW, 3);
        assert_eq!(ask(&v, &h).status, 200);
        assert_eq!(
            code(&ask(&v, &h)),
            Some((403, "AccessDenied", Some(Error::NonceReplayed)))
        );
        // Clock: 16 minutes either way is refused, 14 accepted.
        for (offset, ok) in [(16 * 60, false), (-16 * 60, false), (14 * 60, true)] {
            let v = verifier(None, arn, offset);
            let a = ask(&v, &forwarded("sts.amazonaws.com", SECRET, None, NOW, 4));
            if ok {
                assert_eq!(a.status, 200);
            } else {
                assert_eq!(
                    code(&a),
                    Some((403, "SignatureDoesNotMatch", Some(Error::RequestTimeSkewed)))
                );
            }
        }
        // Tampered header (the flag) and tampered host in the same region.
        for (name, value) in [
            ("X-MongoDB-GS2-CB-Flag", "y"),
            ("Host", "sts.us-east-1.amazonaws.com"),
        ] {
            let mut h = forwarded("sts.amazonaws.com", SECRET, None, NOW, 5);
            for (n, v) in h.iter_mut() {
                if n == name {
                    *v = value.into();
                }
            }
            assert_eq!(
                code(&ask(&v, &h)),
                Some((403, "SignatureDoesNotMatch", Some(Error::SignatureMismatch)))
            );
        }
        // Host of another region than the signed scope.
        let mut h = forwarded("sts.amazonaws.com", SECRET, None, NOW, 6);
        h.iter_mut()
            .filter(|(n, _)| n == "Host")
            .for_each(|(_, v)| *v = "sts.eu-west-1.amazonaws.com".into());
        assert_eq!(
            code(&ask(&v, &h)),
            Some((
                403,
                "SignatureDoesNotMatch",
                Some(Error::CredentialScopeRegionMismatch)
            ))
        );
        // Token expected but missing; token not expected but sent; unknown key.
        let vt = verifier(Some("TOKEN"), arn, 0);
        assert_eq!(
            code(&ask(
                &vt,
                &forwarded("sts.amazonaws.com", SECRET, None, NOW, 7)
            )),
            Some((
                403,
                "InvalidClientTokenId",
                Some(Error::SessionTokenMismatch)
            ))
        );
        assert_eq!(
            code(&ask(
                &v,
                &forwarded("sts.amazonaws.com", SECRET, Some("TOKEN"), NOW, 8)
            )),
            Some((
                403,
                "InvalidClientTokenId",
                Some(Error::SessionTokenMismatch)
            ))
        );
        let empty = Verifier::new(vec![], system_clock());
        assert_eq!(
            code(&ask(
                &empty,
                &forwarded("sts.amazonaws.com", SECRET, None, NOW, 9)
            )),
            Some((403, "InvalidClientTokenId", Some(Error::UnknownAccessKeyId)))
        );
        // An error answer parses as an STS rejection.
        let a = ask(
            &v,
            &forwarded("sts.amazonaws.com", "x-wrong-secret", None, NOW, 10),
        );
        let mut scratch = vec![0u8; a.body.len()];
        match mongodb_aws_core::caller_identity::parse_reply(a.status, &a.body, &mut scratch)
            .unwrap()
        {
            mongodb_aws_core::caller_identity::StsReply::Rejected(e) => {
                assert_eq!(e.code, "SignatureDoesNotMatch")
            }
            other => panic!("{other:?}"),
        }
    }

    /// Many authentications with an injected clock: the set of used nonces holds only those whose
    /// request could still pass the clock check, so it stops growing at the rate times the window,
    /// while a replay inside the window is still refused.
    #[test]
    fn used_nonces_are_forgotten_after_the_window() {
        use std::sync::atomic::AtomicU64;
        let arn = "arn:aws:iam::123456789012:user/demo";
        let clock = Arc::new(AtomicU64::new(NOW));
        let c = Arc::clone(&clock);
        let v = Verifier::new(
            vec![User {
                access_key_id: AKID.into(),
                secret_access_key: SECRET.into(),
                session_token: None,
                arn: arn.into(),
            }],
            Arc::new(move || UnixTime(c.load(Ordering::SeqCst))),
        );
        let nonce = |i: u32| {
            let mut r = [0u8; 32];
            r[..4].copy_from_slice(&i.to_le_bytes());
            r
        };
        // One authentication a second for 40 minutes: 2,400 in all.
        let window = MAX_CLOCK_SKEW_SECONDS as usize + 1; // dates now-900 ..= now
        let mut most = 0;
        for i in 0..2400u32 {
            let t = NOW + u64::from(i);
            clock.store(t, Ordering::SeqCst);
            let h = forwarded_with_nonce("sts.amazonaws.com", SECRET, None, t, nonce(i));
            assert_eq!(ask(&v, &h).status, 200, "authentication {i}");
            most = most.max(v.remembered_nonces());
        }
        assert_eq!(most, window, "the set grows to the window and no further");
        assert_eq!(v.remembered_nonces(), window);
        // A replay of a request inside the window (dated 10 minutes ago) is still refused.
        let t = clock.load(Ordering::SeqCst);
        let old = forwarded_with_nonce(
            "sts.amazonaws.com",
            SECRET,
            None,
            t - 600,
            nonce(2399 - 600),
        );
        assert_eq!(
            ask(&v, &old).outcome.err().map(|(c, _)| c),
            Some("AccessDenied")
        );
        // 16 minutes of silence: the next authentication finds only itself remembered.
        clock.store(t + 16 * 60, Ordering::SeqCst);
        let h = forwarded_with_nonce("sts.amazonaws.com", SECRET, None, t + 16 * 60, nonce(9999));
        assert_eq!(ask(&v, &h).status, 200);
        assert_eq!(v.remembered_nonces(), 1);
        // A request dated ahead of the clock (a client 14 minutes fast) is kept until its own
        // date plus 15 minutes: its replay 20 minutes later (6 minutes past its date) is refused.
        let now = t + 16 * 60;
        let ahead = forwarded_with_nonce(
            "sts.amazonaws.com",
            SECRET,
            None,
            now + 14 * 60,
            nonce(10_000),
        );
        assert_eq!(ask(&v, &ahead).status, 200);
        clock.store(now + 20 * 60, Ordering::SeqCst);
        assert_eq!(
            ask(&v, &ahead).outcome.err().map(|(c, _)| c),
            Some("AccessDenied")
        );
        assert_eq!(v.remembered_nonces(), 1, "the earlier one is forgotten");
    }

    #[test]
    fn user_specs() {
        let u = User::parse_spec("AKID-1:s=arn:aws:iam::1:user/a").unwrap_err();
        assert!(u.contains("credentials"), "{u}");
        let u =
            User::parse_spec("AKID1:secret/x+y:tok===arn:aws:iam::123456789012:user/a").unwrap();
        assert_eq!(u.session_token.as_deref(), Some("tok=="));
        assert_eq!(u.arn, "arn:aws:iam::123456789012:user/a");
        assert_eq!(u.account(), "123456789012");
        assert!(u.user_id().starts_with("AIDA"));
        let u = User::parse_spec("AKID1:s=arn:aws:sts::1:assumed-role/r/sess").unwrap();
        assert_eq!(u.session_token, None);
        assert!(u.user_id().ends_with(":sess"));
        assert!(User::parse_spec("AKID1=arn:aws:iam::1:user/a").is_err());
        assert!(User::parse_spec("AKID1:s").is_err());
        assert!(User::parse_spec("AKID1:s=arn:bad").is_err());
    }

    #[test]
    fn limits_of_the_http_side() {
        let arn = "arn:aws:iam::123456789012:user/demo";
        let running = start_with(
            verifier(None, arn, 0),
            0,
            None,
            Limits {
                max_connections: 1,
                request_timeout: Duration::from_millis(300),
            },
        )
        .unwrap();
        // A client that sends half a request holds the only place, then is closed after the
        // request timeout (not left open).
        let mut slow = TcpStream::connect(running.addr).unwrap();
        slow.write_all(b"POST / HTTP/1.1\r\n").unwrap();
        std::thread::sleep(Duration::from_millis(50));
        // Over the cap: closed at once.
        let mut second = TcpStream::connect(running.addr).unwrap();
        second
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut buf = [0u8; 16];
        let started = std::time::Instant::now();
        assert!(matches!(
            std::io::Read::read(&mut second, &mut buf),
            Ok(0) | Err(_)
        ));
        assert!(started.elapsed() < Duration::from_millis(250));
        slow.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let started = std::time::Instant::now();
        assert!(matches!(
            std::io::Read::read(&mut slow, &mut buf),
            Ok(0) | Err(_)
        ));
        let waited = started.elapsed();
        assert!(waited < Duration::from_secs(2), "{waited:?}");
        // The place is free again: a whole request is answered.
        std::thread::sleep(Duration::from_millis(50));
        let h = forwarded("sts.amazonaws.com", SECRET, None, NOW, 12);
        let mut req = b"POST / HTTP/1.1\r\n".to_vec();
        for (n, v) in &h {
            req.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
        }
        req.extend_from_slice(b"\r\nAction=GetCallerIdentity&Version=2011-06-15");
        let r = http::post(&running.addr.to_string(), &req, Duration::from_secs(5)).unwrap();
        assert_eq!(r.status, 200);
    }

    #[test]
    fn over_http() {
        let arn = "arn:aws:iam::123456789012:user/demo";
        let running = start(verifier(None, arn, 0), 0, None).unwrap();
        let h = forwarded("sts.amazonaws.com", SECRET, None, NOW, 11);
        let mut req = b"POST / HTTP/1.1\r\n".to_vec();
        for (n, v) in &h {
            req.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
        }
        req.extend_from_slice(b"\r\nAction=GetCallerIdentity&Version=2011-06-15");
        let mut s = TcpStream::connect(running.addr).unwrap();
        s.write_all(&req).unwrap();
        let mut r = BufReader::new(s);
        let head = http::read_head(&mut r).unwrap().unwrap();
        let body = http::read_body(&mut r, &head, true).unwrap();
        assert_eq!(head.status(), Some(200));
        assert!(String::from_utf8_lossy(&body).contains(arn));
    }
}
