//! A MongoDB test server that accepts MONGODB-AWS: enough of the wire protocol for the official
//! drivers (OP_MSG, and legacy OP_QUERY for the first hello/isMaster), `saslStart`/`saslContinue` on
//! `$external` through the core's `ServerConversation`, then `ping`, `find` and a few harmless
//! commands. The signed GetCallerIdentity request is forwarded over plain HTTP to a configurable
//! STS endpoint (moto, or the in-process verifier), with the configured STS host as `Host`, under
//! one deadline for the whole exchange. Connections are capped, timed out when idle or stalled,
//! and every refusal and close is reported with its reason (`listener`).

pub mod cli;
mod listener;
pub mod wire;

pub use listener::{open_files_limit, CloseReason, Limits, Refusal};

use crate::bsonw::{self, Bson, Doc};
use crate::http;
use mongodb_aws_core::bson::{Document, Value};
use mongodb_aws_core::caller_identity::{parse_reply, user_name, StsReply};
use mongodb_aws_core::sasl::server::{ServerConversation, StsRequest, MAX_CLOCK_SKEW_SECONDS};
use mongodb_aws_core::time::UnixTime;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI32, AtomicU64, AtomicUsize};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Something the server did, for logs and the demo.
#[derive(Debug, Clone)]
pub enum Event {
    /// The exact HTTP request forwarded to STS, and where.
    StsRequest {
        #[allow(dead_code)]
        conn: u64,
        endpoint: String,
        http: Vec<u8>,
    },
    /// STS's answer.
    StsReply {
        conn: u64,
        status: u16,
        body: Vec<u8>,
        elapsed: Duration,
    },
    /// No answer from STS (unreachable, timed out, closed, malformed).
    StsFailed {
        conn: u64,
        error: String,
        elapsed: Duration,
    },
    /// The end of an authentication.
    Auth {
        conn: u64,
        outcome: Result<AuthOk, String>,
        access_key_id: Option<String>,
        elapsed: Duration,
    },
    /// A connection was accepted; `open` counts it.
    Accepted {
        conn: u64,
        peer: SocketAddr,
        open: usize,
    },
    /// A connection was closed, and why.
    Closed {
        conn: u64,
        peer: SocketAddr,
        reason: CloseReason,
        elapsed: Duration,
    },
    /// A connection was closed at once, without being served.
    Refused {
        peer: Option<SocketAddr>,
        reason: Refusal,
        open: usize,
        max: usize,
    },
    /// `accept` failed (e.g. out of file descriptors); the next try is after `retry_in`.
    AcceptFailed { error: String, retry_in: Duration },
}

/// A successful authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthOk {
    /// The ARN STS returned.
    pub arn: String,
    /// The `$external` user name (assumed-role sessions mapped to `…/ROLE/*`).
    pub user: String,
}

pub type EventSink = Arc<dyn Fn(&Event) + Send + Sync>;

/// Server settings.
#[derive(Clone)]
pub struct Config {
    /// Address to listen on.
    pub bind: SocketAddr,
    /// `h` in server-first and the `Host` of the forwarded request.
    pub sts_host: String,
    /// `HOST:PORT` the request is POSTed to.
    pub sts_endpoint: String,
    /// Refuse `d` more than 15 minutes from this server's clock (stricter than MongoDB, which leaves
    /// it to STS; moto does not check it).
    pub check_time: bool,
    /// Accept only these user names (after ARN mapping); `None` = any identity STS confirms.
    pub allowed_users: Option<Vec<String>>,
    pub events: Option<EventSink>,
    pub clock: crate::sts_verifier::Clock,
    /// Connection cap and timeouts, and the STS deadline.
    pub limits: Limits,
}

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
}

/// Binds and serves in background threads (one per connection, at most
/// `limits.max_connections`).
pub fn start(config: Config) -> std::io::Result<Running> {
    mongodb_aws_core::sts::region_for_host(&config.sts_host).map_err(|e| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("--sts-host: {e}"))
    })?;
    if config.limits.max_connections == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "--max-connections: expected at least 1",
        ));
    }
    let listener = std::net::TcpListener::bind(config.bind)?;
    let addr = listener.local_addr()?;
    let shared = Arc::new(Shared {
        config,
        next_conn: AtomicU64::new(1),
        next_reply: AtomicI32::new(1),
        open: AtomicUsize::new(0),
    });
    std::thread::Builder::new()
        .name("mongodb-accept".into())
        .spawn(move || listener::accept_loop(listener, shared))?;
    Ok(Running { addr })
}

struct Shared {
    config: Config,
    next_conn: AtomicU64,
    next_reply: AtomicI32,
    /// Connections being served.
    open: AtomicUsize,
}

/// Per-connection state.
struct Conn {
    id: u64,
    conversation: Option<ServerConversation>,
    conversation_id: i32,
    started: Option<Instant>,
    authenticated: Option<AuthOk>,
}

fn error_reply(code: i32, code_name: &str, msg: &str) -> Doc {
    Doc::new()
        .with("ok", 0.0)
        .with("errmsg", msg)
        .with("code", code)
        .with("codeName", code_name)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The commands a client may run before authenticating.
const OPEN_COMMANDS: &[&str] = &[
    "hello",
    "isMaster",
    "ismaster",
    "saslStart",
    "saslContinue",
    "ping",
    "buildInfo",
    "buildinfo",
    "connectionStatus",
    "endSessions",
    "getLastError",
];

fn handle(conn: &mut Conn, shared: &Shared, msg: &wire::Incoming) -> Doc {
    let doc = match Document::parse(&msg.command) {
        Ok(d) => d,
        Err(e) => return error_reply(22, "InvalidBSON", &format!("invalid command document: {e}")),
    };
    let Some(name) = bsonw::first_key(&doc) else {
        return error_reply(59, "CommandNotFound", "empty command document");
    };
    let db = match bsonw::get(&doc, "$db") {
        Some(Value::String(s)) => s.to_string(),
        _ => msg
            .collection
            .strip_suffix(".$cmd")
            .unwrap_or("admin")
            .to_string(),
    };
    if conn.authenticated.is_none() && !OPEN_COMMANDS.contains(&name) {
        return error_reply(
            13,
            "Unauthorized",
            &format!("command {name} requires authentication"),
        );
    }
    match name {
        "hello" | "isMaster" | "ismaster" => hello(conn, name, &doc),
        "ping" | "endSessions" | "killCursors" | "getLastError" => Doc::new().with("ok", 1.0),
        "buildInfo" | "buildinfo" => Doc::new()
            .with("version", "7.0.0")
            .with(
                "versionArray",
                vec![
                    Bson::Int32(7),
                    Bson::Int32(0),
                    Bson::Int32(0),
                    Bson::Int32(0),
                ],
            )
            .with("maxBsonObjectSize", 16_777_216)
            .with("ok", 1.0),
        "connectionStatus" => {
            let users: Vec<Bson> = conn
                .authenticated
                .iter()
                .map(|a| {
                    Bson::Doc(
                        Doc::new()
                            .with("user", a.user.as_str())
                            .with("db", "$external"),
                    )
                })
                .collect();
            Doc::new()
                .with(
                    "authInfo",
                    Doc::new()
                        .with("authenticatedUsers", users)
                        .with("authenticatedUserRoles", Vec::<Bson>::new()),
                )
                .with("ok", 1.0)
        }
        "saslStart" => sasl_start(conn, shared, &doc, &db),
        "saslContinue" => sasl_continue(conn, shared, &doc, &db),
        "find" => {
            let coll = match bsonw::get(&doc, "find") {
                Some(Value::String(s)) => s.to_string(),
                _ => "test".to_string(),
            };
            let who = conn.authenticated.clone().unwrap_or(AuthOk {
                arn: String::new(),
                user: String::new(),
            });
            let row = Doc::new()
                .with("_id", 1)
                .with("user", who.user)
                .with("arn", who.arn);
            Doc::new()
                .with(
                    "cursor",
                    Doc::new()
                        .with("firstBatch", vec![Bson::Doc(row)])
                        .with("id", 0i64)
                        .with("ns", format!("{db}.{coll}")),
                )
                .with("ok", 1.0)
        }
        other => error_reply(
            59,
            "CommandNotFound",
            &format!("no such command: '{other}'"),
        ),
    }
}

fn hello(conn: &Conn, name: &str, doc: &Document<'_>) -> Doc {
    let mut d = Doc::new();
    d = if name == "hello" {
        d.with("isWritablePrimary", true)
    } else {
        d.with("ismaster", true)
    };
    d = d
        .with("helloOk", true)
        .with("maxBsonObjectSize", 16_777_216)
        .with("maxMessageSizeBytes", wire::MAX_MESSAGE as i32)
        .with("maxWriteBatchSize", 100_000)
        .with("localTime", Bson::Date(now_ms()))
        .with("logicalSessionTimeoutMinutes", 30)
        .with("connectionId", conn.id as i32)
        .with("minWireVersion", 0)
        .with("maxWireVersion", 21)
        .with("readOnly", false);
    if bsonw::get(doc, "saslSupportedMechs").is_some() {
        d = d.with("saslSupportedMechs", vec![Bson::Str("MONGODB-AWS".into())]);
    }
    d.with("ok", 1.0)
}

fn auth_failed(conn: &mut Conn, shared: &Shared, reason: String, akid: Option<String>) -> Doc {
    let elapsed = conn.started.take().map(|s| s.elapsed()).unwrap_or_default();
    conn.conversation = None;
    emit(
        shared,
        Event::Auth {
            conn: conn.id,
            outcome: Err(reason.clone()),
            access_key_id: akid,
            elapsed,
        },
    );
    error_reply(
        18,
        "AuthenticationFailed",
        &format!("Authentication failed: {reason}"),
    )
}

fn emit(shared: &Shared, e: Event) {
    if let Some(sink) = &shared.config.events {
        sink(&e);
    }
}

fn binary_payload<'a>(doc: &Document<'a>) -> Option<&'a [u8]> {
    match bsonw::get(doc, "payload") {
        Some(Value::Binary { bytes, .. }) => Some(bytes),
        _ => None,
    }
}

fn sasl_start(conn: &mut Conn, shared: &Shared, doc: &Document<'_>, db: &str) -> Doc {
    conn.started = Some(Instant::now());
    conn.authenticated = None;
    let mechanism = match bsonw::get(doc, "mechanism") {
        Some(Value::String(s)) => s,
        _ => "",
    };
    if mechanism != "MONGODB-AWS" {
        conn.started = None;
        return error_reply(
            334,
            "MechanismUnavailable",
            &format!("Received authentication for mechanism {mechanism} which is not enabled"),
        );
    }
    if db != "$external" {
        return auth_failed(
            conn,
            shared,
            format!("MONGODB-AWS must use the $external database, not {db}"),
            None,
        );
    }
    let Some(payload) = binary_payload(doc) else {
        return auth_failed(
            conn,
            shared,
            "saslStart without a binary payload".into(),
            None,
        );
    };
    let mut random = [0u8; 32];
    if getrandom::fill(&mut random).is_err() {
        return auth_failed(conn, shared, "no randomness available".into(), None);
    }
    let sc = match ServerConversation::new(payload, random, &shared.config.sts_host) {
        Ok(c) => c,
        Err(e) => return auth_failed(conn, shared, format!("client-first: {e}"), None),
    };
    let mut sf = vec![0u8; sc.server_first_len()];
    let n = match sc.server_first(&mut sf) {
        Ok(n) => n,
        Err(e) => return auth_failed(conn, shared, format!("server-first: {e}"), None),
    };
    sf.truncate(n);
    conn.conversation = Some(sc);
    conn.conversation_id = conn.conversation_id.wrapping_add(1).max(1);
    Doc::new()
        .with("conversationId", conn.conversation_id)
        .with("done", false)
        .with("payload", Bson::Binary(0, sf))
        .with("ok", 1.0)
}

fn sasl_continue(conn: &mut Conn, shared: &Shared, doc: &Document<'_>, db: &str) -> Doc {
    let Some(sc) = conn.conversation.take() else {
        return auth_failed(conn, shared, "saslContinue without saslStart".into(), None);
    };
    if db != "$external" {
        return auth_failed(conn, shared, "saslContinue outside $external".into(), None);
    }
    let id = bsonw::get(doc, "conversationId").and_then(|v| bsonw::as_i64(&v));
    if id != Some(i64::from(conn.conversation_id)) {
        return auth_failed(conn, shared, "wrong conversationId".into(), None);
    }
    let Some(payload) = binary_payload(doc) else {
        return auth_failed(
            conn,
            shared,
            "saslContinue without a binary payload".into(),
            None,
        );
    };
    let cf = match sc.client_final(payload) {
        Ok(cf) => cf,
        Err(e) => return auth_failed(conn, shared, format!("client-final: {e}"), None),
    };
    let akid = Some(cf.access_key_id().to_string());
    if shared.config.check_time {
        let now: UnixTime = (shared.config.clock)();
        if let Err(e) = cf.check_time(now, MAX_CLOCK_SKEW_SECONDS) {
            return auth_failed(conn, shared, format!("client-final: {e}"), akid);
        }
    }
    let req = sc.sts_request(&cf);
    // Like mongod, every failure of the mechanism (STS unreachable, timed out, 5xx) is an
    // AuthenticationFailed (18) to the client; this test server says why in errmsg.
    let (status, body) = match forward(conn.id, shared, &req) {
        Ok(r) => r,
        Err(e) => return auth_failed(conn, shared, e, akid),
    };
    let mut scratch = vec![0u8; body.len()];
    if status >= 500 {
        let detail = match parse_reply(status, &body, &mut scratch) {
            Ok(StsReply::Rejected(e)) => format!(" ({}: {})", e.code, e.message),
            _ => String::new(),
        };
        return auth_failed(
            conn,
            shared,
            format!("STS is unavailable: HTTP {status}{detail}"),
            akid,
        );
    }
    let identity = match parse_reply(status, &body, &mut scratch) {
        Ok(StsReply::Identity(i)) => i,
        Ok(StsReply::Rejected(e)) => {
            return auth_failed(
                conn,
                shared,
                format!("STS rejected the request: {}: {}", e.code, e.message),
                akid,
            )
        }
        Err(e) => {
            return auth_failed(
                conn,
                shared,
                format!("STS answered HTTP {status}: {e}"),
                akid,
            )
        }
    };
    let user = match user_name(identity.arn) {
        Ok(u) => u.to_string(),
        Err(e) => return auth_failed(conn, shared, format!("STS's ARN: {e}"), akid),
    };
    if let Some(allowed) = &shared.config.allowed_users {
        if !allowed.iter().any(|a| a == &user) {
            return auth_failed(
                conn,
                shared,
                format!("user {user}@$external is not found"),
                akid,
            );
        }
    }
    let ok = AuthOk {
        arn: identity.arn.to_string(),
        user,
    };
    conn.authenticated = Some(ok.clone());
    let elapsed = conn.started.take().map(|s| s.elapsed()).unwrap_or_default();
    emit(
        shared,
        Event::Auth {
            conn: conn.id,
            outcome: Ok(ok),
            access_key_id: akid,
            elapsed,
        },
    );
    Doc::new()
        .with("conversationId", conn.conversation_id)
        .with("done", true)
        .with("payload", Bson::Binary(0, Vec::new()))
        .with("ok", 1.0)
}

/// POSTs the request to the STS endpoint under one deadline (`limits.sts_timeout`) for connect,
/// send and the whole answer; returns the status and body.
fn forward(conn: u64, shared: &Shared, req: &StsRequest<'_>) -> Result<(u16, Vec<u8>), String> {
    let mut bytes = vec![0u8; req.http_len()];
    let n = req
        .write_http(&mut bytes)
        .map_err(|e| format!("building the STS request: {e}"))?;
    bytes.truncate(n);
    let endpoint = &shared.config.sts_endpoint;
    emit(
        shared,
        Event::StsRequest {
            conn,
            endpoint: endpoint.clone(),
            http: bytes.clone(),
        },
    );
    let started = Instant::now();
    match http::post(endpoint, &bytes, shared.config.limits.sts_timeout) {
        Ok(r) => {
            emit(
                shared,
                Event::StsReply {
                    conn,
                    status: r.status,
                    body: r.body.clone(),
                    elapsed: started.elapsed(),
                },
            );
            Ok((r.status, r.body))
        }
        Err(e) => {
            let error = e.to_string();
            emit(
                shared,
                Event::StsFailed {
                    conn,
                    error: error.clone(),
                    elapsed: started.elapsed(),
                },
            );
            Err(error)
        }
    }
}
