//! `mongodb-aws serve`: the test server as a command, easy to drive from tests.

use super::{Config, Event};
use crate::sts_verifier::{self, User};
use std::io::Read;
use std::net::SocketAddr;
use std::sync::Arc;

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
                            arn:aws:iam::123456789012:user/example
    --credentials-file FILE identities as JSON: [{\"access_key_id\": ..., \"secret_access_key\": ...,
                            \"session_token\": ... (optional), \"arn\": ...}, ...]
    --allow-user NAME       accept only these user names (after ARN mapping; repeatable);
                            others fail like MongoDB's \"user ... is not found\"
    --no-time-check         forward requests whose X-Amz-Date is more than 15 minutes from this
                            server's clock (MongoDB leaves that check to STS; moto skips it)
    --quiet                 do not log authentications on stderr
    -h, --help              this text

OUTPUT:
    One JSON line on stdout once listening:
      {\"address\": \"127.0.0.1:PORT\", \"host\": \"127.0.0.1\", \"port\": PORT,
       \"uri\": \"mongodb://127.0.0.1:PORT/?authMechanism=MONGODB-AWS&directConnection=true\",
       \"sts_host\": ..., \"sts_endpoint\": \"http://...\", \"in_process_sts\": true|false, \"pid\": PID}
    Each STS call and each authentication is logged on stderr as a JSON line:
      {\"event\": \"sts\", \"conn\": N, \"status\": 200, \"ms\": ...}
      {\"event\": \"auth\", \"ok\": true, \"conn\": N, \"access_key_id\": ..., \"arn\": ..., \"user\": ...,
       \"ms\": ...} or {\"event\": \"auth\", \"ok\": false, ..., \"error\": ...}

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
    sts_host: String,
    sts_endpoint: Option<String>,
    in_process: bool,
    users: Vec<User>,
    allowed: Vec<String>,
    check_time: bool,
    quiet: bool,
}

fn parse(args: &[String]) -> Result<Option<Options>, String> {
    let mut o = Options {
        host: "127.0.0.1".into(),
        port: 27017,
        sts_host: mongodb_aws_core::sts::DEFAULT_HOST.into(),
        sts_endpoint: None,
        in_process: false,
        users: Vec::new(),
        allowed: Vec::new(),
        check_time: true,
        quiet: false,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") && f != "--user" => (f, Some(v.to_string())),
            _ => (a.as_str(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            match &inline {
                Some(v) => Ok(v.clone()),
                None => it
                    .next()
                    .cloned()
                    .ok_or_else(|| format!("{name} needs a value")),
            }
        };
        match flag {
            "-h" | "--help" => return Ok(None),
            "--host" => o.host = value(flag)?,
            "--port" => {
                o.port = value(flag)?
                    .parse()
                    .map_err(|_| "--port: expected 0..65535".to_string())?
            }
            "--sts-host" => o.sts_host = value(flag)?,
            "--sts-endpoint" => o.sts_endpoint = Some(value(flag)?),
            "--in-process-sts" => o.in_process = true,
            "--user" => {
                let spec = value(flag)?;
                o.users
                    .push(User::parse_spec(&spec).map_err(|e| format!("--user: {e}"))?);
            }
            "--credentials-file" => {
                let path = value(flag)?;
                o.users.extend(read_credentials_file(&path)?);
            }
            "--allow-user" => o.allowed.push(value(flag)?),
            "--no-time-check" => o.check_time = false,
            "--quiet" => o.quiet = true,
            other => return Err(format!("unknown option {other} (see --help)")),
        }
    }
    match (&o.sts_endpoint, o.in_process) {
        (Some(_), true) => return Err("give --sts-endpoint or --in-process-sts, not both".into()),
        (None, false) => return Err("give --sts-endpoint URL or --in-process-sts".into()),
        _ => {}
    }
    if !o.users.is_empty() && !o.in_process {
        return Err("--user/--credentials-file only apply to --in-process-sts".into());
    }
    mongodb_aws_core::sts::region_for_host(&o.sts_host).map_err(|e| format!("--sts-host: {e}"))?;
    Ok(Some(o))
}

fn read_credentials_file(path: &str) -> Result<Vec<User>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{path}: not JSON: {e}"))?;
    let arr = v
        .as_array()
        .ok_or_else(|| format!("{path}: expected a JSON array"))?;
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
                    "{path}: entry {i}: expected access_key_id, secret_access_key and arn"
                ));
            };
            let token = field(e, "session_token").unwrap_or_default();
            let spec = if token.is_empty() {
                format!("{id}:{secret}={arn}")
            } else {
                format!("{id}:{secret}:{token}={arn}")
            };
            User::parse_spec(&spec).map_err(|m| format!("{path}: entry {i}: {m}"))
        })
        .collect()
}

fn log_event(e: &Event) {
    if let Event::StsReply {
        conn,
        status,
        elapsed,
        ..
    } = e
    {
        let v = serde_json::json!({
            "event": "sts",
            "conn": conn,
            "status": status,
            "ms": (elapsed.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0,
        });
        eprintln!("{v}");
    }
    if let Event::Auth {
        conn,
        outcome,
        access_key_id,
        elapsed,
    } = e
    {
        let mut v = serde_json::json!({
            "event": "auth",
            "conn": conn,
            "access_key_id": access_key_id,
            "ms": (elapsed.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0,
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
        eprintln!("{v}");
    }
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
pub fn main(args: &[String]) -> i32 {
    let o = match parse(args) {
        Ok(Some(o)) => o,
        Ok(None) => {
            print!("{HELP}");
            return 0;
        }
        Err(e) => {
            eprintln!("mongodb-aws serve: {e}");
            return 2;
        }
    };
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
        match sts_verifier::start(
            sts_verifier::Verifier::new(users, Arc::clone(&clock)),
            0,
            None,
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
    let bind: SocketAddr = match format!("{}:{}", o.host, o.port).parse() {
        Ok(a) => a,
        Err(_) => match (o.host.as_str(), o.port) {
            ("localhost", p) => SocketAddr::from(([127, 0, 0, 1], p)),
            _ => {
                eprintln!("mongodb-aws serve: --host: expected an IP address");
                return 2;
            }
        },
    };
    let quiet = o.quiet;
    let config = Config {
        bind,
        sts_host: o.sts_host.clone(),
        sts_endpoint: endpoint,
        check_time: o.check_time,
        allowed_users: (!o.allowed.is_empty()).then_some(o.allowed),
        events: (!quiet).then(|| Arc::new(log_event) as super::EventSink),
        clock,
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

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn option_rules() {
        assert!(parse(&args(&["--port", "0"])).is_err());
        assert!(parse(&args(&["--in-process-sts", "--sts-endpoint", "http://x:1"])).is_err());
        assert!(parse(&args(&[
            "--sts-endpoint",
            "http://x:1",
            "--user",
            "A:b=arn:aws:iam::1:user/x"
        ]))
        .is_err());
        assert!(parse(&args(&["--in-process-sts", "--sts-host", "sts..com"])).is_err());
        assert!(parse(&args(&["--in-process-sts", "--bogus"])).is_err());
        assert!(parse(&args(&["--help"])).unwrap().is_none());
        let o = parse(&args(&[
            "--in-process-sts",
            "--port=0",
            "--sts-host",
            "sts.us-west-2.amazonaws.com",
            "--user",
            "AKID1:s3cret:tok==arn:aws:iam::123456789012:user/a",
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(o.port, 0);
        assert_eq!(o.sts_host, "sts.us-west-2.amazonaws.com");
        assert_eq!(o.users[0].session_token.as_deref(), Some("tok="));
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
