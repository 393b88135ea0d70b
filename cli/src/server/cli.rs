//! `mongodb-aws serve`: the test server as a command, easy to drive from tests.

use super::{Config, Event, Limits};
use crate::sts_verifier::{self, User};
use mongodb_aws_cli::args;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub const HELP: &str = "\
mongodb-aws serve: a MongoDB test server that accepts MONGODB-AWS

Speaks enough of the MongoDB wire protocol for the official drivers (OP_MSG; legacy OP_QUERY
hello/isMaster), runs saslStart/saslContinue on $external with the core's ServerConversation,
forwards the signed GetCallerIdentity request to an STS endpoint over plain HTTP with the
configured STS host as Host, and maps the ARN STS returns to the MongoDB user name
(assumed-role sessions become arn:aws:sts::ACCT:assumed-role/ROLE/*). After authentication it
answers ping, connectionStatus (authInfo.authenticatedUsers) and find (one document
{_id: 1, user: <user name>, arn: <ARN>}); other commands need authentication first.

USAGE:
    mongodb-aws serve [OPTIONS] (--sts-endpoint URL | --in-process-sts)

OPTIONS:
    --host ADDR             address to listen on (default 127.0.0.1)
    --port N                port to listen on (default 27017; 0 picks a free one)
    --sts-host HOST         STS host sent in server-first (h) and as the Host header of the
                            forwarded request; its region rule decides the signing region
                            (default sts.amazonaws.com; e.g. sts.us-west-2.amazonaws.com)
    --sts-endpoint URL      http://HOST:PORT to POST the request to (a loopback STS stand-in
                            such as moto started by scripts/moto-sts)
    --in-process-sts        start the built-in verifying STS on a free loopback port and use it;
                            it checks the signature with the secret it knows, the date (+-15 min),
                            the region of the host, the session token and nonce replays
    --user AKID:SECRET[:TOKEN]=ARN
                            an identity the in-process STS knows (repeatable). Without any, it
                            knows the AWS example credentials AKIDEXAMPLE /
                            wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY as
                            arn:aws:iam::123456789012:user/example. The value is visible to
                            every local user (ps, /proc/PID/cmdline): for anything but test
                            keys use --credentials-file
    --credentials-file FILE identities as JSON: [{\"access_key_id\": ..., \"secret_access_key\": ...,
                            \"session_token\": ... (optional), \"arn\": ...}, ...]; keeps secrets
                            off the command line (make it mode 0600). No message ever repeats
                            a value of --user or --credentials-file
    --allow-user NAME       accept only these user names (after ARN mapping; repeatable);
                            others fail like MongoDB's \"user ... is not found\"
    --no-time-check         forward requests whose X-Amz-Date is more than 15 minutes from this
                            server's clock (MongoDB leaves that check to STS; moto skips it)
    --quiet                 log only what needs attention: refusals, accept errors, STS
                            failures, connections closed for a protocol error or a timeout
    -h, --help              this text

LIMITS (each logged when it acts):
    --max-connections N     connections served at once; the next is refused (logged, closed)
                            (default min(256, RLIMIT_NOFILE / 4))
    --read-timeout SECS     a message, once started, must arrive whole within this; also the
                            time a reply may take to be written (default 30)
    --idle-timeout SECS     close an authenticated connection with no message for this long
                            (default 600)
    --unauthenticated-idle-timeout SECS
                            the same for a connection not authenticated (default 60: more than
                            the drivers' 10 s heartbeat, so monitoring connections stay)
    --sts-timeout SECS      one deadline for each call to STS: connect, send and the whole
                            answer (default 10); reported as \"STS timed out after N s\"
    Messages longer than 48000000 bytes or shorter than 16 close the connection (ProtocolError).
    Accept errors (EMFILE, ENFILE, ...) are logged and retried after 5 ms doubling up to 1 s.
    Authentication failures of any kind, STS timeouts and 5xx included, answer code 18
    (AuthenticationFailed) at once, as mongod does; errmsg says why.

OUTPUT:
    One JSON line on stdout once listening:
      {\"address\": \"127.0.0.1:PORT\", \"host\": \"127.0.0.1\", \"port\": PORT,
       \"uri\": \"mongodb://127.0.0.1:PORT/?authMechanism=MONGODB-AWS&directConnection=true\",
       \"sts_host\": ..., \"sts_endpoint\": \"http://...\", \"in_process_sts\": true|false, \"pid\": PID}
    Each connection, STS call and authentication is logged on stderr as a JSON line:
      {\"event\": \"accepted\", \"conn\": N, \"peer\": \"127.0.0.1:PORT\", \"open\": N}
      {\"event\": \"sts\", \"conn\": N, \"status\": 200, \"ms\": ...}
        or {\"event\": \"sts\", \"conn\": N, \"ok\": false, \"error\": \"STS timed out after 10 s\", \"ms\": ...}
      {\"event\": \"auth\", \"ok\": true, \"conn\": N, \"access_key_id\": ..., \"arn\": ..., \"user\": ...,
       \"ms\": ...} or {\"event\": \"auth\", \"ok\": false, ..., \"error\": ...}
      {\"event\": \"closed\", \"conn\": N, \"peer\": ..., \"kind\": K, \"reason\": ..., \"ms\": ...}
        K: end, protocol (ProtocolError: message msgLen N is invalid...), truncated, idle,
        read_timeout, write, io
      {\"event\": \"refused\", \"peer\": ..., \"reason\": \"connection refused because too many open
       connections (--max-connections)\", \"open\": N, \"max\": N}
      {\"event\": \"accept_failed\", \"error\": \"Too many open files (os error 24)\", \"retry_ms\": ...}
    The start-up line also gives max_connections and the timeouts (*_timeout_s).

STOPPING:
    SIGTERM or SIGINT; or close its stdin when stdin is a pipe or socket (a test that starts it
    with a pipe on stdin cannot leak it). With stdin on a terminal or /dev/null it runs until
    signalled.

EXAMPLES:
    mongodb-aws serve --port 0 --in-process-sts --user 'AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY=arn:aws:iam::123456789012:user/demo'
    scripts/moto-sts   # prints url, access_key_id, ...
    mongodb-aws serve --port 0 --sts-endpoint http://127.0.0.1:5000 --sts-host sts.us-west-2.amazonaws.com
";

/// The AWS documentation's example credentials (also the AWS SigV4 test suite's).
pub const EXAMPLE_ACCESS_KEY_ID: &str = "AKIDEXAMPLE";
pub const EXAMPLE_SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
pub const EXAMPLE_ARN: &str = "arn:aws:iam::123456789012:user/example";

struct Options {
    host: String,
    port: u16,
    /// `host:port`, checked.
    bind: SocketAddr,
    sts_host: String,
    sts_endpoint: Option<String>,
    in_process: bool,
    users: Vec<User>,
    /// Some identity came from `--user` (its secret is in /proc/PID/cmdline).
    user_on_command_line: bool,
    allowed: Vec<String>,
    check_time: bool,
    quiet: bool,
    limits: Limits,
}

/// The options of `mongodb-aws serve`, as clap parses them. Values are checked in [`options`], whose
/// messages never repeat one (it may be a secret).
#[derive(clap::Args, Debug, Default)]
pub struct Args {
    #[arg(short, long)]
    help: bool,
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    host: String,
    #[arg(long, value_name = "N", default_value_t = 27017, value_parser = port)]
    port: u16,
    #[arg(long, value_name = "HOST", default_value = mongodb_aws_core::sts::DEFAULT_HOST)]
    sts_host: String,
    #[arg(long, value_name = "URL", conflicts_with = "in_process_sts")]
    sts_endpoint: Option<String>,
    #[arg(long)]
    in_process_sts: bool,
    #[arg(long, value_name = "AKID:SECRET[:TOKEN]=ARN")]
    user: Vec<String>,
    #[arg(long, value_name = "FILE")]
    credentials_file: Vec<String>,
    #[arg(long, value_name = "NAME")]
    allow_user: Vec<String>,
    #[arg(long)]
    no_time_check: bool,
    #[arg(long)]
    quiet: bool,
    #[arg(long, value_name = "N", value_parser = at_least_one)]
    max_connections: Option<usize>,
    #[arg(long, value_name = "SECS", value_parser = seconds)]
    read_timeout: Option<Duration>,
    #[arg(long, value_name = "SECS", value_parser = seconds)]
    idle_timeout: Option<Duration>,
    #[arg(long, value_name = "SECS", value_parser = seconds)]
    unauthenticated_idle_timeout: Option<Duration>,
    #[arg(long, value_name = "SECS", value_parser = seconds)]
    sts_timeout: Option<Duration>,
}

fn port(v: &str) -> Result<u16, String> {
    v.parse().map_err(|_| "expected 0..65535".to_string())
}

fn at_least_one(v: &str) -> Result<usize, String> {
    match v.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("expected a number of at least 1".into()),
    }
}

/// A positive number of seconds (fractions allowed: `0.5`).
fn seconds(v: &str) -> Result<Duration, String> {
    match v.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 && x <= 1e6 => Ok(Duration::from_secs_f64(x)),
        _ => Err("expected a number of seconds greater than 0".into()),
    }
}

fn options(a: Args) -> Result<Options, String> {
    let defaults = Limits::default();
    let mut o = Options {
        host: a.host,
        port: a.port,
        bind: SocketAddr::from(([127, 0, 0, 1], a.port)),
        sts_host: a.sts_host,
        sts_endpoint: a.sts_endpoint,
        in_process: a.in_process_sts,
        users: Vec::new(),
        user_on_command_line: !a.user.is_empty(),
        allowed: a.allow_user,
        check_time: !a.no_time_check,
        quiet: a.quiet,
        limits: Limits {
            max_connections: a.max_connections.unwrap_or(defaults.max_connections),
            read_timeout: a.read_timeout.unwrap_or(defaults.read_timeout),
            idle_timeout: a.idle_timeout.unwrap_or(defaults.idle_timeout),
            unauthenticated_idle_timeout: a
                .unauthenticated_idle_timeout
                .unwrap_or(defaults.unauthenticated_idle_timeout),
            sts_timeout: a.sts_timeout.unwrap_or(defaults.sts_timeout),
        },
    };
    for spec in &a.user {
        o.users
            .push(User::parse_spec(spec).map_err(|e| format!("--user: {e}"))?);
    }
    for path in &a.credentials_file {
        o.users.extend(read_credentials_file(path)?);
    }
    if o.sts_endpoint.is_none() && !o.in_process {
        return Err("give --sts-endpoint URL or --in-process-sts".into());
    }
    if !o.users.is_empty() && !o.in_process {
        return Err("--user/--credentials-file only apply to --in-process-sts".into());
    }
    mongodb_aws_core::sts::region_for_host(&o.sts_host).map_err(|e| format!("--sts-host: {e}"))?;
    if let Some(url) = &o.sts_endpoint {
        crate::http::parse_http_url(url).map_err(|e| format!("--sts-endpoint: {e}"))?;
    }
    o.bind = match format!("{}:{}", o.host, o.port).parse() {
        Ok(a) => a,
        Err(_) if o.host == "localhost" => SocketAddr::from(([127, 0, 0, 1], o.port)),
        Err(_) => return Err("--host: expected an IP address (or localhost)".into()),
    };
    Ok(o)
}

/// Prints a usage error; returns the exit status (2).
pub fn usage_error(msg: &str) -> i32 {
    eprintln!("mongodb-aws serve: {msg}");
    2
}

/// Reads `--credentials-file`. Messages name the option, not the path: a value given to the
/// wrong option could be a secret.
fn read_credentials_file(path: &str) -> Result<Vec<User>, String> {
    const F: &str = "--credentials-file";
    let text = std::fs::read_to_string(path).map_err(|e| format!("{F}: cannot read it: {e}"))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{F}: not JSON: {e}"))?;
    let arr = v
        .as_array()
        .ok_or_else(|| format!("{F}: expected a JSON array"))?;
    let field =
        |e: &serde_json::Value, k: &str| e.get(k).and_then(|x| x.as_str()).map(String::from);
    arr.iter()
        .enumerate()
        .map(|(i, e)| {
            let (Some(id), Some(secret), Some(arn)) = (
                field(e, "access_key_id"),
                field(e, "secret_access_key"),
                field(e, "arn"),
            ) else {
                return Err(format!(
                    "{F}: entry {i}: expected access_key_id, secret_access_key and arn (strings)"
                ));
            };
            let token = field(e, "session_token").unwrap_or_default();
            let spec = if token.is_empty() {
                format!("{id}:{secret}={arn}")
            } else {
                format!("{id}:{secret}:{token}={arn}")
            };
            User::parse_spec(&spec).map_err(|m| format!("{F}: entry {i}: {m}"))
        })
        .collect()
}

fn ms(d: &Duration) -> f64 {
    (d.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0
}

/// The JSON line logged for an event, if any. `quiet` keeps only what needs attention: refusals,
/// accept errors, STS failures and connections closed for a protocol error or a timeout.
fn event_json(e: &Event, quiet: bool) -> Option<serde_json::Value> {
    use serde_json::json;
    let v = match e {
        Event::StsRequest { .. } => return None,
        Event::StsReply {
            conn,
            status,
            elapsed,
            ..
        } if !quiet => json!({"event": "sts", "conn": conn, "status": status, "ms": ms(elapsed)}),
        Event::StsReply { .. } => return None,
        Event::StsFailed {
            conn,
            error,
            elapsed,
        } => json!({"event": "sts", "conn": conn, "ok": false, "error": error, "ms": ms(elapsed)}),
        Event::Auth {
            conn,
            outcome,
            access_key_id,
            elapsed,
        } if !quiet => {
            let mut v = json!({
                "event": "auth",
                "conn": conn,
                "access_key_id": access_key_id,
                "ms": ms(elapsed),
            });
            match outcome {
                Ok(ok) => {
                    v["ok"] = true.into();
                    v["arn"] = ok.arn.clone().into();
                    v["user"] = ok.user.clone().into();
                }
                Err(msg) => {
                    v["ok"] = false.into();
                    v["error"] = msg.clone().into();
                }
            }
            v
        }
        Event::Auth { .. } => return None,
        Event::Accepted { conn, peer, open } if !quiet => {
            json!({"event": "accepted", "conn": conn, "peer": peer.to_string(), "open": open})
        }
        Event::Accepted { .. } => return None,
        Event::Closed {
            conn,
            peer,
            reason,
            elapsed,
        } => {
            if quiet && matches!(reason.kind(), "end" | "io" | "truncated") {
                return None;
            }
            json!({
                "event": "closed",
                "conn": conn,
                "peer": peer.to_string(),
                "kind": reason.kind(),
                "reason": reason.to_string(),
                "ms": ms(elapsed),
            })
        }
        Event::Refused {
            peer,
            reason,
            open,
            max,
        } => json!({
            "event": "refused",
            "peer": peer.map(|p| p.to_string()),
            "reason": reason.to_string(),
            "open": open,
            "max": max,
        }),
        Event::AcceptFailed { error, retry_in } => json!({
            "event": "accept_failed",
            "error": error,
            "retry_ms": ms(retry_in),
        }),
    };
    Some(v)
}

/// Writes one JSON line to stderr in a single write, so a reader of the log never sees half a line
/// (`eprintln!` writes in pieces).
fn log_line(v: &serde_json::Value) {
    use std::io::Write;
    let mut line = v.to_string();
    line.push('\n');
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// Exits when stdin (a pipe or socket) reaches end of file.
fn watch_stdin() {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let watch = std::fs::metadata("/dev/stdin")
            .map(|m| m.file_type().is_fifo() || m.file_type().is_socket())
            .unwrap_or(false);
        if watch {
            let _ = std::thread::Builder::new()
                .name("stdin-watch".into())
                .spawn(|| {
                    let mut buf = [0u8; 256];
                    let mut stdin = std::io::stdin();
                    while matches!(stdin.read(&mut buf), Ok(n) if n > 0) {}
                    std::process::exit(0);
                });
        }
    }
}

/// Runs `serve` with its arguments; returns the exit code.
pub fn main(a: Args) -> i32 {
    let o = match args::start(a.help, a, options, || print!("{HELP}"), usage_error) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let quiet = o.quiet;
    if o.user_on_command_line {
        log_line(&serde_json::json!({
            "event": "warning",
            "message": "--user puts secrets on the command line, where every local user sees them (ps, /proc/PID/cmdline); use --credentials-file FILE (mode 0600) instead",
        }));
    }
    let clock = sts_verifier::system_clock();
    let sts_url = if o.in_process {
        let users = if o.users.is_empty() {
            vec![User {
                access_key_id: EXAMPLE_ACCESS_KEY_ID.into(),
                secret_access_key: EXAMPLE_SECRET_ACCESS_KEY.into(),
                session_token: None,
                arn: EXAMPLE_ARN.into(),
            }]
        } else {
            o.users
        };
        // Room for every connection's forward at once, plus a few strays on loopback.
        let sts_limits = sts_verifier::Limits {
            max_connections: o.limits.max_connections.saturating_add(16),
            request_timeout: o.limits.sts_timeout,
        };
        match sts_verifier::start_with(
            sts_verifier::Verifier::new(users, Arc::clone(&clock)),
            0,
            None,
            sts_limits,
        ) {
            Ok(r) => r.url(),
            Err(e) => {
                eprintln!("mongodb-aws serve: starting the in-process STS: {e}");
                return 1;
            }
        }
    } else {
        o.sts_endpoint.clone().unwrap_or_default()
    };
    let endpoint = match crate::http::parse_http_url(&sts_url) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("mongodb-aws serve: --sts-endpoint: {e}");
            return 2;
        }
    };
    let bind = o.bind;
    let limits = o.limits;
    let config = Config {
        bind,
        sts_host: o.sts_host.clone(),
        sts_endpoint: endpoint,
        check_time: o.check_time,
        allowed_users: (!o.allowed.is_empty()).then_some(o.allowed),
        events: Some(Arc::new(move |e: &Event| {
            if let Some(v) = event_json(e, quiet) {
                log_line(&v);
            }
        }) as super::EventSink),
        clock,
        limits,
    };
    let running = match super::start(config) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mongodb-aws serve: listening on {bind}: {e}");
            return 1;
        }
    };
    let addr = running.addr;
    let line = serde_json::json!({
        "address": addr.to_string(),
        "host": addr.ip().to_string(),
        "port": addr.port(),
        "uri": format!(
            "mongodb://{addr}/?authMechanism=MONGODB-AWS&directConnection=true"
        ),
        "sts_host": o.sts_host,
        "sts_endpoint": sts_url,
        "in_process_sts": o.in_process,
        "pid": std::process::id(),
        "max_connections": limits.max_connections,
        "open_files_limit": super::open_files_limit(),
        "read_timeout_s": limits.read_timeout.as_secs_f64(),
        "idle_timeout_s": limits.idle_timeout.as_secs_f64(),
        "unauthenticated_idle_timeout_s": limits.unauthenticated_idle_timeout.as_secs_f64(),
        "sts_timeout_s": limits.sts_timeout.as_secs_f64(),
    });
    println!("{line}");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    watch_stdin();
    loop {
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: &[&str]) -> Result<Option<Options>, String> {
        args::parse_checked(v, |a: &Args| a.help, options)
    }

    #[test]
    fn option_rules() {
        assert!(parse(&["--port", "0"]).is_err());
        assert!(parse(&["--in-process-sts", "--sts-endpoint", "http://x:1"]).is_err());
        assert!(parse(&[
            "--sts-endpoint",
            "http://x:1",
            "--user",
            "A:b=arn:aws:iam::1:user/x"
        ])
        .is_err());
        assert!(parse(&["--in-process-sts", "--sts-host", "sts..com"]).is_err());
        assert!(parse(&["--in-process-sts", "--bogus"]).is_err());
        assert!(parse(&["--help"]).unwrap().is_none());
        let o = parse(&[
            "--in-process-sts",
            "--port=0",
            "--sts-host",
            "sts.us-west-2.amazonaws.com",
            "--user",
            "AKID1:s3cret:tok==arn:aws:iam::123456789012:user/a",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(o.port, 0);
        assert_eq!(o.sts_host, "sts.us-west-2.amazonaws.com");
        assert_eq!(o.users[0].session_token.as_deref(), Some("tok="));
        // --user=VALUE is --user VALUE (the value's own '=' signs included).
        let o = parse(&[
            "--in-process-sts",
            "--user=AKID1:s3cret:tok==arn:aws:iam::123456789012:user/a",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(o.users[0].secret_access_key, "s3cret");
        assert_eq!(o.users[0].session_token.as_deref(), Some("tok="));
        assert!(o.user_on_command_line);
    }

    /// Every error `parse` can give, each with a secret somewhere on the command line (in the
    /// value of --user, as the value of the wrong option, as a stray argument, as a file name,
    /// inside the credentials file): no message repeats it.
    #[test]
    fn no_option_error_repeats_a_secret() {
        const SECRET: &str = "Zq9/xT7+vP3kLmN0sR8uW2yB5dF1gH4jK6cV0aQe";
        let dir = std::env::temp_dir().join(format!("mongodb-aws-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // Credentials files to refuse: not JSON, not an array, no ARN, a bad ARN, a bad key id.
        let files: Vec<String> = [
            ("a.json", format!("[{{\"secret_access_key\": \"{SECRET}\"")),
            ("b.json", format!("{{\"secret_access_key\": \"{SECRET}\"}}")),
            ("c.json", format!("[{{\"access_key_id\": \"AKID1\", \"secret_access_key\": \"{SECRET}\"}}]")),
            ("d.json", format!("[{{\"access_key_id\": \"AKID1\", \"secret_access_key\": \"{SECRET}\", \"arn\": \"arn:{SECRET}\"}}]")),
            ("e.json", format!("[{{\"access_key_id\": \"AK ID\", \"secret_access_key\": \"{SECRET}\", \"arn\": \"arn:aws:iam::1:user/a\"}}]")),
        ]
        .iter()
        .map(|(name, text)| {
            let p = dir.join(name);
            std::fs::write(&p, text).unwrap();
            p.to_str().unwrap().to_string()
        })
        .collect();
        let spec = format!("AKID1:{SECRET}=arn:aws:iam::123456789012:user/a");
        let ip = "--in-process-sts";
        let cases: Vec<Vec<String>> = vec![
            vec![ip, "--user", &format!("AKID1:{SECRET}")],
            vec![ip, &format!("--user=AKID1:{SECRET}")],
            vec![ip, "--user", &format!("AKID1:{SECRET}=arn:bad")],
            vec![
                ip,
                "--user",
                &format!("AK ID:{SECRET}=arn:aws:iam::1:user/a"),
            ],
            vec![ip, "--user", &format!(":{SECRET}=arn:aws:iam::1:user/a")],
            vec![
                ip,
                "--user",
                &format!("AKID1:{SECRET}:tok\r\nx=arn:aws:iam::1:user/a"),
            ],
            vec![ip, "--user"],
            vec![ip, &format!("--usr={spec}")],
            vec![ip, &format!("--{SECRET}")],
            vec![ip, &format!("-{SECRET}")],
            vec![ip, &spec],
            vec![ip, SECRET],
            vec![ip, "--user", &spec, "--bogus"],
            vec!["--sts-endpoint", "http://127.0.0.1:1", "--user", &spec],
            vec!["--user", &spec],
            vec![
                ip,
                "--sts-endpoint",
                "http://127.0.0.1:1",
                &format!("--user={spec}"),
            ],
            vec![ip, "--credentials-file", &spec],
            vec![ip, &format!("--credentials-file={spec}")],
            vec![ip, "--port", &spec],
            vec![ip, "--host", &spec],
            vec![ip, "--sts-host", &spec],
            vec!["--sts-endpoint", &spec],
            vec![
                "--sts-endpoint",
                &format!("http://AKID1:{SECRET}@127.0.0.1:1"),
            ],
            vec!["--sts-endpoint", &format!("http://127.0.0.1:1/{SECRET}")],
            vec![ip, "--max-connections", &spec],
            vec![ip, "--read-timeout", &spec],
            vec![ip, "--idle-timeout", &spec],
            vec![ip, "--unauthenticated-idle-timeout", &spec],
            vec![ip, "--sts-timeout", &spec],
            vec![&spec],
        ]
        .into_iter()
        .map(|c| c.into_iter().map(String::from).collect())
        .chain(
            files
                .iter()
                .map(|f| vec![ip.into(), "--credentials-file".into(), f.clone()]),
        )
        .collect();
        for args in &cases {
            let e = match parse(&args.iter().map(String::as_str).collect::<Vec<_>>()) {
                Err(e) => e,
                Ok(_) => panic!(
                    "no error for case {}",
                    cases.iter().position(|c| c == args).unwrap()
                ),
            };
            // Nor any piece of it.
            for piece in SECRET.as_bytes().chunks(6) {
                let piece = std::str::from_utf8(piece).unwrap();
                assert!(!e.contains(piece), "{e}");
            }
            assert!(!e.is_empty());
        }
        std::fs::remove_dir_all(&dir).unwrap();
        // The unknown option is still named when it is a plain name.
        assert_eq!(
            parse(&["--in-process-sts", "--usr=AKID:S=arn"])
                .err()
                .unwrap(),
            "unknown option --usr=<redacted> (see --help)"
        );
        assert_eq!(
            parse(&["--in-process-sts", "--bogus"]).err().unwrap(),
            "unknown option --bogus (see --help)"
        );
        assert_eq!(
            parse(&["--in-process-sts", "AKID:S=arn"]).err().unwrap(),
            "unexpected argument #2 (not an option; not shown) (see --help)"
        );
    }

    #[test]
    fn limits_options() {
        let o = parse(&[
            "--in-process-sts",
            "--max-connections",
            "3",
            "--read-timeout=0.5",
            "--idle-timeout",
            "7",
            "--unauthenticated-idle-timeout",
            "2",
            "--sts-timeout",
            "1.5",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(
            o.limits,
            Limits {
                max_connections: 3,
                read_timeout: Duration::from_millis(500),
                idle_timeout: Duration::from_secs(7),
                unauthenticated_idle_timeout: Duration::from_secs(2),
                sts_timeout: Duration::from_millis(1500),
            }
        );
        let d = parse(&["--in-process-sts"]).unwrap().unwrap().limits;
        assert_eq!(d, Limits::default());
        assert!(d.max_connections >= 1 && d.max_connections <= 256);
        assert_eq!(d.sts_timeout, Duration::from_secs(10));
        for bad in [
            ["--max-connections", "0"],
            ["--read-timeout", "0"],
            ["--idle-timeout", "-1"],
            ["--sts-timeout", "NaN"],
            ["--sts-timeout", "inf"],
        ] {
            assert!(
                parse(&["--in-process-sts", bad[0], bad[1]]).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn credentials_file() {
        let dir = std::env::temp_dir().join(format!("mongodb-aws-cf-{}", std::process::id()));
        std::fs::write(
            &dir,
            r#"[{"access_key_id":"AKID1","secret_access_key":"s","arn":"arn:aws:iam::1:user/a"},
                {"access_key_id":"AKID2","secret_access_key":"t","session_token":"x=","arn":"arn:aws:sts::1:assumed-role/r/s"}]"#,
        )
        .unwrap();
        let users = read_credentials_file(dir.to_str().unwrap()).unwrap();
        std::fs::remove_file(&dir).unwrap();
        assert_eq!(users.len(), 2);
        assert_eq!(users[1].session_token.as_deref(), Some("x="));
    }
}
