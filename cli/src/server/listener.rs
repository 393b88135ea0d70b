//! The connection side of the test server: the accept loop (connection cap, accept errors backed
//! off, never a spin), one thread per admitted connection, and its timeouts (idle between
//! messages, read inside a message, write of a reply). Every refusal and every close is reported
//! as an `Event` with its reason, the way mongod logs "connection refused because too many open
//! connections" and "ProtocolError ... msgLen ... is invalid".

use super::wire::{self, FrameError};
use super::{emit, handle, Conn, Event, Shared};
use std::io::{self, BufReader, BufWriter, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Connection cap and timeouts of the server, and the deadline of a call to STS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once; the next one is refused (logged, then closed).
    pub max_connections: usize,
    /// Once the first byte of a message has arrived, the whole message must arrive within this;
    /// also the time a reply may take to be written.
    pub read_timeout: Duration,
    /// An authenticated connection with no new message for this long is closed.
    pub idle_timeout: Duration,
    /// A connection that has not authenticated, with no new message for this long, is closed.
    pub unauthenticated_idle_timeout: Duration,
    /// One deadline for a call to STS: connect, send and the whole answer.
    pub sts_timeout: Duration,
}

/// Default `read_timeout`.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Default `idle_timeout`.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(600);
/// Default `unauthenticated_idle_timeout`: longer than the drivers' 10 s heartbeat, so their
/// monitoring connections (which never authenticate) stay open.
pub const DEFAULT_UNAUTHENTICATED_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Default `sts_timeout` (the spec's 10 s for the HTTP calls of MONGODB-AWS).
pub const DEFAULT_STS_TIMEOUT: Duration = Duration::from_secs(10);
/// The cap when the descriptor limit allows more.
pub const MAX_DEFAULT_CONNECTIONS: usize = 256;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: default_max_connections(),
            read_timeout: DEFAULT_READ_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            unauthenticated_idle_timeout: DEFAULT_UNAUTHENTICATED_IDLE_TIMEOUT,
            sts_timeout: DEFAULT_STS_TIMEOUT,
        }
    }
}

/// The soft `RLIMIT_NOFILE` of this process (from `/proc/self/limits`); `None` if unknown or
/// unlimited.
pub fn open_files_limit() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// `min(256, RLIMIT_NOFILE / 4)`, at least 1: a connection holds one descriptor, its call to STS
/// another, and the in-process STS one more for that request, so a quarter of the limit leaves
/// room for all of them and for the process's own files.
pub fn default_max_connections() -> usize {
    match open_files_limit() {
        Some(n) => usize::try_from(n / 4)
            .unwrap_or(usize::MAX)
            .clamp(1, MAX_DEFAULT_CONNECTIONS),
        None => MAX_DEFAULT_CONNECTIONS,
    }
}

/// Why a connection was closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseReason {
    /// The client closed it between messages.
    End,
    /// Bad framing or content: a length outside 16..=48000000 (oversized included), an unknown
    /// opcode, a malformed OP_MSG/OP_QUERY (`FrameError`'s message, mongod's ProtocolError).
    Protocol(String),
    /// The client closed it inside a message.
    Truncated { got: usize, want: usize },
    /// No new message within the idle timeout that applied.
    Idle {
        after: Duration,
        authenticated: bool,
    },
    /// A message started but did not finish within the read timeout.
    ReadTimeout {
        after: Duration,
        got: usize,
        want: usize,
    },
    /// A reply could not be written (the client does not read, or reset the connection).
    Write(String),
    /// Another read error (a reset, ...).
    Io(String),
}

impl CloseReason {
    /// A stable name for logs: `end`, `protocol`, `truncated`, `idle`, `read_timeout`, `write`,
    /// `io`.
    pub fn kind(&self) -> &'static str {
        match self {
            CloseReason::End => "end",
            CloseReason::Protocol(_) => "protocol",
            CloseReason::Truncated { .. } => "truncated",
            CloseReason::Idle { .. } => "idle",
            CloseReason::ReadTimeout { .. } => "read_timeout",
            CloseReason::Write(_) => "write",
            CloseReason::Io(_) => "io",
        }
    }
}

impl std::fmt::Display for CloseReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = crate::http::seconds;
        match self {
            CloseReason::End => f.write_str("end of stream (the client closed the connection)"),
            CloseReason::Protocol(m) => f.write_str(m),
            CloseReason::Truncated { got, want } => write!(
                f,
                "the client closed the connection inside a message ({got} of {want} bytes received)"
            ),
            CloseReason::Idle {
                after,
                authenticated: true,
            } => write!(f, "idle for {} s (--idle-timeout)", s(*after)),
            CloseReason::Idle {
                after,
                authenticated: false,
            } => write!(
                f,
                "idle for {} s without authenticating (--unauthenticated-idle-timeout)",
                s(*after)
            ),
            CloseReason::ReadTimeout { after, got, want } => write!(
                f,
                "message not completed within {} s ({got} of {want} bytes received; --read-timeout)",
                s(*after)
            ),
            CloseReason::Write(e) => write!(f, "writing a reply: {e}"),
            CloseReason::Io(e) => write!(f, "reading: {e}"),
        }
    }
}

/// Why a connection was refused (closed at once, not served).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// `max_connections` are open.
    TooManyConnections,
    /// The process is out of file descriptors: a descriptor kept in reserve was freed to accept
    /// this client and close it, so it is told at once instead of waiting in the backlog.
    OutOfDescriptors,
    /// No thread could be started for it.
    NoThread(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::TooManyConnections => f.write_str(
                "connection refused because too many open connections (--max-connections)",
            ),
            Refusal::OutOfDescriptors => {
                f.write_str("connection refused because the process is out of file descriptors")
            }
            Refusal::NoThread(e) => write!(f, "connection refused: cannot start a thread: {e}"),
        }
    }
}

/// First and largest wait after a failed `accept`.
const BACKOFF_MIN: Duration = Duration::from_millis(5);
const BACKOFF_MAX: Duration = Duration::from_secs(1);

fn out_of_descriptors(e: &io::Error) -> bool {
    // EMFILE (per process) and ENFILE (system-wide) on Linux.
    matches!(e.raw_os_error(), Some(24 | 23))
}

/// A descriptor held in reserve for the out-of-descriptors case.
fn reserve() -> Option<std::fs::File> {
    std::fs::File::open("/dev/null").ok()
}

/// Accepts forever: admits up to `max_connections` at once and refuses (logs, closes) the rest.
/// A failed `accept` is logged, then:
/// - out of descriptors (EMFILE/ENFILE), with the reserve descriptor in hand: the reserve is freed
///   and `accept` waits (blocked, no spin) for the next client; if descriptors came back
///   meanwhile (the reserve can be taken again) the client is served, otherwise it is refused so
///   it learns at once instead of waiting in the backlog;
/// - otherwise the next try waits 5 ms, doubling up to 1 s while failures go on.
pub(super) fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut backoff: Option<Duration> = None;
    let mut spare = reserve();
    loop {
        let e = match listener.accept() {
            Ok((stream, peer)) => {
                backoff = None;
                admit(stream, peer, &shared);
                continue;
            }
            // Per-connection failures that leave nothing to wait for.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::Interrupted | io::ErrorKind::ConnectionAborted
                ) =>
            {
                continue
            }
            Err(e) => e,
        };
        if out_of_descriptors(&e) && spare.take().is_some() {
            emit(
                &shared,
                Event::AcceptFailed {
                    error: e.to_string(),
                    retry_in: Duration::ZERO,
                },
            );
            if let Ok((stream, peer)) = listener.accept() {
                spare = reserve();
                if spare.is_some() {
                    admit(stream, peer, &shared);
                } else {
                    refuse(stream, Some(peer), Refusal::OutOfDescriptors, &shared);
                    spare = reserve();
                }
                backoff = None;
                continue;
            }
            spare = reserve();
        } else if spare.is_none() {
            spare = reserve();
        }
        let wait = backoff.map_or(BACKOFF_MIN, |b| (b * 2).min(BACKOFF_MAX));
        backoff = Some(wait);
        emit(
            &shared,
            Event::AcceptFailed {
                error: e.to_string(),
                retry_in: wait,
            },
        );
        std::thread::sleep(wait);
    }
}

/// Logs the refusal, then closes (so a client that sees the close finds the line written).
fn refuse(stream: TcpStream, peer: Option<SocketAddr>, reason: Refusal, shared: &Shared) {
    emit(
        shared,
        Event::Refused {
            peer,
            reason,
            open: shared.open.load(Ordering::SeqCst),
            max: shared.config.limits.max_connections,
        },
    );
    drop(stream);
}

/// Holds one of the `max_connections` places; gives it back when dropped.
struct Place(Arc<Shared>);

impl Drop for Place {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
}

fn admit(stream: TcpStream, peer: SocketAddr, shared: &Arc<Shared>) {
    let max = shared.config.limits.max_connections;
    let open = shared.open.fetch_add(1, Ordering::SeqCst) + 1;
    if open > max {
        shared.open.fetch_sub(1, Ordering::SeqCst);
        refuse(stream, Some(peer), Refusal::TooManyConnections, shared);
        return;
    }
    let place = Place(Arc::clone(shared));
    let id = shared.next_conn.fetch_add(1, Ordering::Relaxed);
    // Logged here, in the accept loop, so the log has accepts and refusals in the order they
    // happened.
    emit(
        shared,
        Event::Accepted {
            conn: id,
            peer,
            open,
        },
    );
    let spawned = std::thread::Builder::new()
        .name("mongodb-conn".into())
        .spawn(move || {
            let place = place;
            let shared = &place.0;
            let started = Instant::now();
            let reason = serve(&stream, id, shared);
            // Logged before the close, so a client that sees the close finds the line written.
            emit(
                shared,
                Event::Closed {
                    conn: id,
                    peer,
                    reason,
                    elapsed: started.elapsed(),
                },
            );
            drop(stream);
        });
    if let Err(e) = spawned {
        // The closure (stream and place) was dropped: the connection is closed, its place free.
        emit(
            shared,
            Event::Refused {
                peer: Some(peer),
                reason: Refusal::NoThread(e.to_string()),
                open: shared.open.load(Ordering::SeqCst),
                max,
            },
        );
    }
}

/// The client's side of a connection: the wait for a new message is bounded by `idle`, and a
/// message once started must be complete by `deadline` (set by `message_started`).
struct Timed<'a> {
    inner: BufReader<&'a TcpStream>,
    idle: Duration,
    read: Duration,
    deadline: Option<Instant>,
}

impl Read for Timed<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.inner.buffer().is_empty() {
            let wait = match self.deadline {
                Some(d) => d.saturating_duration_since(Instant::now()),
                None => self.idle,
            };
            if wait.is_zero() {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "deadline passed"));
            }
            self.inner.get_ref().set_read_timeout(Some(wait))?;
        }
        self.inner.read(buf)
    }
}

impl wire::Source for Timed<'_> {
    fn message_started(&mut self) -> io::Result<()> {
        self.deadline = Some(Instant::now() + self.read);
        Ok(())
    }
}

/// Serves one connection until it ends; returns why it ended.
fn serve(stream: &TcpStream, id: u64, shared: &Shared) -> CloseReason {
    let limits = shared.config.limits;
    let _ = stream.set_nodelay(true);
    if let Err(e) = stream.set_write_timeout(Some(limits.read_timeout)) {
        return CloseReason::Io(e.to_string());
    }
    let mut src = Timed {
        inner: BufReader::new(stream),
        idle: limits.unauthenticated_idle_timeout,
        read: limits.read_timeout,
        deadline: None,
    };
    let mut w = BufWriter::new(stream);
    let mut conn = Conn {
        id,
        conversation: None,
        conversation_id: 0,
        started: None,
        authenticated: None,
    };
    loop {
        let authenticated = conn.authenticated.is_some();
        src.idle = if authenticated {
            limits.idle_timeout
        } else {
            limits.unauthenticated_idle_timeout
        };
        src.deadline = None;
        let msg = match wire::read_message(&mut src) {
            Ok(Some(m)) => m,
            Ok(None) => return CloseReason::End,
            Err(FrameError::Idle) => {
                return CloseReason::Idle {
                    after: src.idle,
                    authenticated,
                }
            }
            Err(FrameError::Stalled { got, want }) => {
                return CloseReason::ReadTimeout {
                    after: limits.read_timeout,
                    got,
                    want,
                }
            }
            Err(FrameError::Truncated { got, want }) => {
                return CloseReason::Truncated { got, want }
            }
            Err(e @ (FrameError::InvalidLength(_) | FrameError::Malformed(_))) => {
                return CloseReason::Protocol(e.to_string())
            }
            Err(FrameError::Io(e)) => return CloseReason::Io(e.to_string()),
        };
        let reply = handle(&mut conn, shared, &msg);
        if !msg.more_to_come {
            let reply_id = shared.next_reply.fetch_add(1, Ordering::Relaxed);
            let bytes = wire::encode_reply(&msg, reply_id, &reply.to_bytes());
            if let Err(e) = wire::send(&mut w, &bytes) {
                return CloseReason::Write(match e.kind() {
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => format!(
                        "timed out after {} s (the client does not read its replies)",
                        crate::http::seconds(limits.read_timeout)
                    ),
                    _ => e.to_string(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{start, AuthOk, Config, Event, Limits};
    use super::{CloseReason, Refusal};
    use crate::bsonw::{self, Bson, Doc};
    use crate::server::cli::{EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY};
    use crate::server::wire;
    use crate::sts_verifier::{self, User};
    use mongodb_aws_core::bson::{Document, Value};
    use mongodb_aws_core::sasl::client::ClientConversation;
    use mongodb_aws_core::{Credentials, UnixTime};
    use std::io::{Read, Write};
    use std::net::{SocketAddr, TcpStream};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    type Log = Arc<Mutex<Vec<Event>>>;

    fn short_limits() -> Limits {
        Limits {
            max_connections: 8,
            read_timeout: Duration::from_millis(300),
            idle_timeout: Duration::from_secs(5),
            unauthenticated_idle_timeout: Duration::from_millis(400),
            sts_timeout: Duration::from_secs(5),
        }
    }

    /// A server in front of `sts` (default: a fresh in-process STS that knows the example user).
    fn server(limits: Limits, sts: Option<String>) -> (SocketAddr, Log) {
        let sts = sts.unwrap_or_else(|| {
            let v = sts_verifier::Verifier::new(
                vec![User {
                    access_key_id: EXAMPLE_ACCESS_KEY_ID.into(),
                    secret_access_key: EXAMPLE_SECRET_ACCESS_KEY.into(),
                    session_token: None,
                    arn: "arn:aws:iam::123456789012:user/example".into(),
                }],
                sts_verifier::system_clock(),
            );
            sts_verifier::start(v, 0, None).unwrap().addr.to_string()
        });
        let log: Log = Arc::default();
        let sink = Arc::clone(&log);
        let running = start(Config {
            bind: ([127, 0, 0, 1], 0).into(),
            sts_host: "sts.amazonaws.com".into(),
            sts_endpoint: sts,
            check_time: true,
            allowed_users: None,
            events: Some(Arc::new(move |e: &Event| {
                sink.lock().unwrap().push(e.clone())
            })),
            clock: sts_verifier::system_clock(),
            limits,
        })
        .unwrap();
        (running.addr, log)
    }

    fn connect(addr: SocketAddr) -> TcpStream {
        let s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s
    }

    fn command(s: &mut TcpStream, doc: Doc) -> std::io::Result<Vec<u8>> {
        s.write_all(&wire::encode_msg(1, &doc.to_bytes()))?;
        wire::read_reply(s)
    }

    fn field<'a>(reply: &'a [u8], name: &str) -> Option<Value<'a>> {
        bsonw::get(&Document::parse(reply).ok()?, name)
    }

    fn code(reply: &[u8]) -> Option<i64> {
        field(reply, "code").and_then(|v| bsonw::as_i64(&v))
    }

    fn errmsg(reply: &[u8]) -> String {
        match field(reply, "errmsg") {
            Some(Value::String(s)) => s.to_string(),
            _ => String::new(),
        }
    }

    /// saslStart + saslContinue with the example credentials; the saslContinue reply.
    fn authenticate(s: &mut TcpStream) -> Vec<u8> {
        let conv = ClientConversation::new([7; 32]);
        let start = Doc::new()
            .with("saslStart", 1)
            .with("mechanism", "MONGODB-AWS")
            .with("payload", Bson::Binary(0, conv.client_first().to_vec()))
            .with("$db", "$external");
        let reply = command(s, start).unwrap();
        let Some(Value::Binary { bytes: sf, .. }) = field(&reply, "payload") else {
            panic!("saslStart: {}", bsonw::render(&reply));
        };
        let creds =
            Credentials::new(EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY, None).unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let mut out = vec![0u8; 2048];
        let n = conv
            .finish(sf, &creds, UnixTime(now), None, &mut out)
            .unwrap();
        let cont = Doc::new()
            .with("saslContinue", 1)
            .with("conversationId", 1)
            .with("payload", Bson::Binary(0, out[..n].to_vec()))
            .with("$db", "$external");
        command(s, cont).unwrap()
    }

    /// Waits (at most 5 s) until the log holds an event `pick` selects; returns it.
    fn wait_for<T>(log: &Log, pick: impl Fn(&Event) -> Option<T>) -> T {
        let until = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(t) = log.lock().unwrap().iter().find_map(&pick) {
                return t;
            }
            assert!(Instant::now() < until, "event not logged");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// True once the server closed `s` (a read returns end of file or an error) within `within`.
    fn closed_within(s: &mut TcpStream, within: Duration) -> bool {
        s.set_read_timeout(Some(within)).unwrap();
        let mut b = [0u8; 64];
        match s.read(&mut b) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => !matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
        }
    }

    #[test]
    fn cap_refuses_logs_and_frees_places() {
        let (addr, log) = server(
            Limits {
                max_connections: 2,
                ..short_limits()
            },
            None,
        );
        let mut a = connect(addr);
        let mut b = connect(addr);
        for s in [&mut a, &mut b] {
            assert!(command(s, Doc::new().with("ping", 1).with("$db", "admin")).is_ok());
        }
        let mut c = connect(addr);
        assert!(closed_within(&mut c, Duration::from_secs(2)));
        let (reason, open, max) = wait_for(&log, |e| match e {
            Event::Refused {
                reason, open, max, ..
            } => Some((reason.clone(), *open, *max)),
            _ => None,
        });
        assert_eq!((reason, open, max), (Refusal::TooManyConnections, 2, 2));
        // A place comes back when a client leaves.
        drop(a);
        wait_for(&log, |e| match e {
            Event::Closed {
                reason: CloseReason::End,
                ..
            } => Some(()),
            _ => None,
        });
        let mut d = connect(addr);
        let reply = authenticate(&mut d);
        assert_eq!(
            field(&reply, "done").map(|v| matches!(v, Value::Boolean(true))),
            Some(true)
        );
        let auth = wait_for(&log, |e| match e {
            Event::Auth { outcome, .. } => Some(outcome.clone()),
            _ => None,
        });
        assert_eq!(
            auth,
            Ok(AuthOk {
                arn: "arn:aws:iam::123456789012:user/example".into(),
                user: "arn:aws:iam::123456789012:user/example".into(),
            })
        );
    }

    #[test]
    fn idle_stalled_and_malformed_connections_are_closed_with_the_reason() {
        let (addr, log) = server(short_limits(), None);
        let closed = |conn_peer: SocketAddr| {
            wait_for(&log, move |e| match e {
                Event::Closed { peer, reason, .. } if *peer == conn_peer => Some(reason.clone()),
                _ => None,
            })
        };
        // Never sends anything: closed after the unauthenticated idle timeout.
        let mut idle = connect(addr);
        let t = Instant::now();
        assert!(closed_within(&mut idle, Duration::from_secs(3)));
        assert!(
            t.elapsed() >= Duration::from_millis(350),
            "{:?}",
            t.elapsed()
        );
        assert_eq!(
            closed(idle.local_addr().unwrap()),
            CloseReason::Idle {
                after: Duration::from_millis(400),
                authenticated: false
            }
        );
        // Stops after the header: closed after the read timeout, with what arrived.
        let mut cut = connect(addr);
        cut.write_all(&100i32.to_le_bytes()).unwrap();
        cut.write_all(&[0; 12]).unwrap();
        assert!(closed_within(&mut cut, Duration::from_secs(3)));
        assert_eq!(
            closed(cut.local_addr().unwrap()),
            CloseReason::ReadTimeout {
                after: Duration::from_millis(300),
                got: 16,
                want: 100
            }
        );
        // Trickles a byte every 100 ms: the read timeout is for the whole message, not per read.
        let mut trickle = connect(addr);
        let t = Instant::now();
        let msg = wire::encode_msg(1, &Doc::new().with("ping", 1).to_bytes());
        for b in &msg {
            if trickle.write_all(&[*b]).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
            if t.elapsed() > Duration::from_secs(2) {
                break;
            }
        }
        assert!(closed_within(&mut trickle, Duration::from_secs(3)));
        assert!(matches!(
            closed(trickle.local_addr().unwrap()),
            CloseReason::ReadTimeout { .. }
        ));
        // Lengths out of range, short and oversized, and an unknown opcode: ProtocolError.
        for (len, op, want) in [
            (
                12i32,
                2013i32,
                "ProtocolError: message msgLen 12 is invalid. Min 16 Max: 48000000",
            ),
            (
                48_000_001,
                2013,
                "ProtocolError: message msgLen 48000001 is invalid. Min 16 Max: 48000000",
            ),
            (
                -1,
                2013,
                "ProtocolError: message msgLen -1 is invalid. Min 16 Max: 48000000",
            ),
            (
                16,
                2010,
                "ProtocolError: unsupported opcode (expected OP_MSG 2013 or OP_QUERY 2004)",
            ),
        ] {
            let mut s = connect(addr);
            let mut m = len.to_le_bytes().to_vec();
            m.extend_from_slice(&[0; 8]);
            m.extend_from_slice(&op.to_le_bytes());
            s.write_all(&m).unwrap();
            assert!(closed_within(&mut s, Duration::from_secs(2)));
            let reason = closed(s.local_addr().unwrap());
            assert_eq!(reason.kind(), "protocol");
            assert_eq!(reason.to_string(), want);
        }
    }

    /// A stand-in STS that accepts and reads, then runs `then` (hang, answer 5xx, ...), for each
    /// of at most `n` connections.
    fn hostile_sts(n: usize, then: fn(&mut TcpStream)) -> String {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap().to_string();
        std::thread::spawn(move || {
            for s in l.incoming().take(n).flatten() {
                std::thread::spawn(move || {
                    let mut s = s;
                    let mut buf = [0u8; 4096];
                    let _ = s.read(&mut buf);
                    then(&mut s);
                });
            }
        });
        addr
    }

    #[test]
    fn a_hanging_or_failing_sts_fails_the_authentication_promptly_with_code_18() {
        let limits = Limits {
            sts_timeout: Duration::from_millis(500),
            ..short_limits()
        };
        let hang = hostile_sts(1, |_| std::thread::sleep(Duration::from_secs(3)));
        let (addr, log) = server(limits, Some(hang));
        let mut s = connect(addr);
        let t = Instant::now();
        let reply = authenticate(&mut s);
        let took = t.elapsed();
        assert_eq!(code(&reply), Some(18));
        assert_eq!(
            errmsg(&reply),
            "Authentication failed: STS timed out after 0.5 s"
        );
        assert!(took < Duration::from_millis(1500), "{took:?}");
        let error = wait_for(&log, |e| match e {
            Event::StsFailed { error, .. } => Some(error.clone()),
            _ => None,
        });
        assert_eq!(error, "STS timed out after 0.5 s");

        let unavailable = hostile_sts(1, |s| {
            let _ = s.write_all(&crate::http::response(
                503,
                "Service Unavailable",
                "text/xml",
                b"<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>try later</Message></Error></ErrorResponse>",
            ));
        });
        let (addr, _) = server(limits, Some(unavailable));
        let mut s = connect(addr);
        let reply = authenticate(&mut s);
        assert_eq!(code(&reply), Some(18));
        assert_eq!(
            errmsg(&reply),
            "Authentication failed: STS is unavailable: HTTP 503 (ServiceUnavailable: try later)"
        );
    }
}
