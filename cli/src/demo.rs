//! `mongodb-aws demo`: one whole MONGODB-AWS authentication on this machine, with no set-up and no
//! network beyond loopback. Starts the test server and the in-process verifying STS on 127.0.0.1,
//! then plays a driver with the core's `ClientConversation`, printing every message decoded, the
//! canonical request, the string to sign, what the server forwards to STS, STS's answer, the
//! verified ARN and the time each step took.

use crate::bsonw::{self, Doc};
use crate::mongo_client::{self as mc, ok, Client};
use crate::server::cli::{EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY};
use crate::server::{self, AuthOk, Event};
use crate::sts_verifier::{self, User};
use mongodb_aws_cli::args;
use mongodb_aws_core::sasl::client::ClientConversation;
use mongodb_aws_core::time::{AmzDate, UnixTime};
use mongodb_aws_core::Credentials;
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const HELP: &str = "\
mongodb-aws demo: a whole MONGODB-AWS authentication on this machine, explained

Starts a MongoDB test server and a verifying STS stand-in on 127.0.0.1 (nothing leaves this
machine), then authenticates like a driver: hello, saslStart with client-first, server-first,
SigV4 signing of the GetCallerIdentity request, saslContinue with client-final; the server
checks it, forwards the signed request to the STS stand-in, which recomputes the signature;
the server maps the ARN to the MongoDB user and the client runs a find.

Every message is printed decoded, with the canonical request, the string to sign and the time
each step took. Secrets are never printed.

USAGE:
    mongodb-aws demo [OPTIONS]

CREDENTIALS:
    AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optional AWS_SESSION_TOKEN from the environment
    if set (they only travel over loopback to the in-process STS, which is told the same
    secret); otherwise the AWS documentation's example credentials
    AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY.

OPTIONS:
    --example-credentials   use the example credentials even if the environment has some
    --sts-host HOST         STS host the server announces (default sts.amazonaws.com); its region
                            rule decides the signing region, e.g. sts.eu-west-3.amazonaws.com
    --wrong-secret          sign with a wrong secret to see the STS stand-in reject it
    -h, --help              this text
";

/// The options of `mongodb-aws demo`, as clap parses them.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(short, long)]
    help: bool,
    #[arg(long)]
    example_credentials: bool,
    #[arg(long, value_name = "HOST", default_value = mongodb_aws_core::sts::DEFAULT_HOST)]
    sts_host: String,
    #[arg(long)]
    wrong_secret: bool,
}

struct Options {
    example: bool,
    sts_host: String,
    wrong_secret: bool,
}

fn options(a: Args) -> Result<Options, String> {
    mongodb_aws_core::sts::region_for_host(&a.sts_host).map_err(|e| format!("--sts-host: {e}"))?;
    Ok(Options {
        example: a.example_credentials,
        sts_host: a.sts_host,
        wrong_secret: a.wrong_secret,
    })
}

/// Prints a usage error; returns the exit status (2).
pub fn usage_error(msg: &str) -> i32 {
    eprintln!("mongodb-aws demo: {msg}");
    2
}

/// Runs `demo`; returns the exit code.
pub fn main(a: Args) -> i32 {
    let o = match args::start(a.help, a, options, || print!("{HELP}"), usage_error) {
        Ok(o) => o,
        Err(code) => return code,
    };
    match run(&o) {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(e) => {
            eprintln!("mongodb-aws demo: {e}");
            1
        }
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Credentials for the demo and where they came from.
fn credentials(o: &Options) -> Result<(String, String, Option<String>, &'static str), String> {
    if !o.example {
        let (id, secret, token) = (
            env("AWS_ACCESS_KEY_ID"),
            env("AWS_SECRET_ACCESS_KEY"),
            env("AWS_SESSION_TOKEN"),
        );
        match Credentials::from_parts(id.as_deref(), secret.as_deref(), token.as_deref()) {
            Ok(c) => {
                return Ok((
                    c.access_key_id().to_string(),
                    c.secret_access_key().to_string(),
                    c.session_token().map(String::from),
                    "environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)",
                ))
            }
            Err(mongodb_aws_core::Error::NoCredentials) => {}
            Err(e) => {
                return Err(format!(
                    "credentials in the environment: {e} (or pass --example-credentials)"
                ))
            }
        }
    }
    Ok((
        EXAMPLE_ACCESS_KEY_ID.into(),
        EXAMPLE_SECRET_ACCESS_KEY.into(),
        None,
        "the AWS documentation's example credentials (none in the environment)",
    ))
}

fn fmt_dur(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1000.0 {
        format!("{us:.0} µs")
    } else {
        format!("{:.2} ms", us / 1000.0)
    }
}

fn section(n: usize, title: &str) {
    println!();
    println!(
        "── {n}. {title} {}",
        "─".repeat(70usize.saturating_sub(title.len()))
    );
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Text with the session token replaced by its length (it is a credential).
fn redact(text: &str, token: Option<&str>) -> String {
    match token {
        Some(t) if !t.is_empty() => text.replace(t, &format!("<session token, {} chars>", t.len())),
        _ => text.to_string(),
    }
}

/// Sends `cmd` and prints it (after `sent`) and the reply; the round trip goes into `timings` as
/// `what`.
fn round_trip(
    client: &mut Client,
    cmd: &Doc,
    sent: &str,
    what: &'static str,
    timings: &mut Vec<(&'static str, Duration)>,
) -> Result<Vec<u8>, String> {
    let t = Instant::now();
    let reply = client.command(cmd)?;
    let d = t.elapsed();
    timings.push((what, d));
    println!("  {sent}\n{}", indent(&bsonw::render(&cmd.to_bytes())));
    print_reply(d, &reply);
    Ok(reply)
}

/// Prints a reply that took `d` to come.
fn print_reply(d: Duration, reply: &[u8]) {
    println!(
        "  server -> client  ({})\n{}",
        fmt_dur(d),
        indent(&bsonw::render(reply))
    );
}

/// How the demo shows a command it sends.
const OP_MSG: &str = "client -> server  OP_MSG";

fn run(o: &Options) -> Result<bool, String> {
    let total = Instant::now();
    let mut timings: Vec<(&'static str, Duration)> = Vec::new();
    let (akid, secret, token, source) = credentials(o)?;
    let arn = if token.is_some() {
        "arn:aws:sts::123456789012:assumed-role/demo-role/demo-session"
    } else {
        "arn:aws:iam::123456789012:user/demo"
    };

    println!("mongodb-aws demo: one MONGODB-AWS authentication, end to end, on 127.0.0.1");
    println!();
    println!("  credentials   {source}");
    println!(
        "                access key id {akid}, secret never printed{}",
        if token.is_some() {
            ", with a session token"
        } else {
            ""
        }
    );
    if o.wrong_secret {
        println!("                (--wrong-secret: the client will sign with a different secret)");
    }

    // Set-up: STS stand-in and server.
    let t = Instant::now();
    let events: Arc<Mutex<Vec<Event>>> = Arc::new(Mutex::new(Vec::new()));
    let sts = sts_verifier::start(
        sts_verifier::Verifier::new(
            vec![User {
                access_key_id: akid.clone(),
                secret_access_key: secret.clone(),
                session_token: token.clone(),
                arn: arn.into(),
            }],
            sts_verifier::system_clock(),
        ),
        0,
        None,
    )
    .map_err(|e| format!("starting the STS stand-in: {e}"))?;
    let sink_events = Arc::clone(&events);
    let srv = server::start(server::Config {
        bind: ([127, 0, 0, 1], 0).into(),
        sts_host: o.sts_host.clone(),
        sts_endpoint: sts.addr.to_string(),
        check_time: true,
        allowed_users: None,
        events: Some(Arc::new(move |e: &Event| {
            if let Ok(mut v) = sink_events.lock() {
                v.push(e.clone());
            }
        })),
        clock: sts_verifier::system_clock(),
        limits: server::Limits::default(),
    })
    .map_err(|e| format!("starting the server: {e}"))?;
    let stream = TcpStream::connect(srv.addr).map_err(|e| format!("connecting: {e}"))?;
    let mut client = Client::new(stream);
    timings.push(("start server + STS stand-in, connect", t.elapsed()));
    println!(
        "  server        mongodb://{} (announces STS host {})",
        srv.addr, o.sts_host
    );
    println!(
        "  STS stand-in  http://{} (verifies SigV4 with the secret it was given)",
        sts.addr
    );

    // 1. hello
    section(1, "hello (driver handshake)");
    let hello = mc::hello();
    round_trip(
        &mut client,
        &hello,
        OP_MSG,
        "hello round trip",
        &mut timings,
    )?;

    // 2. client-first
    section(2, "saslStart: client-first {r: 32-byte nonce, p: 'n'}");
    let t = Instant::now();
    let mut nonce = [0u8; 32];
    getrandom::fill(&mut nonce).map_err(|e| format!("randomness: {e}"))?;
    let conv = ClientConversation::new(nonce);
    let client_first = conv.client_first();
    let d = t.elapsed();
    timings.push(("client-first (nonce + 52-byte BSON)", d));
    println!(
        "  client-first ({} bytes, built in {})",
        client_first.len(),
        fmt_dur(d)
    );
    println!("{}", indent(&bsonw::render(&client_first)));
    let start = mc::sasl_start(&client_first);
    let reply = round_trip(
        &mut client,
        &start,
        OP_MSG,
        "saslStart round trip",
        &mut timings,
    )?;
    if !ok(&reply) {
        println!("\nsaslStart failed.");
        return Ok(false);
    }
    let (conversation_id, server_first) =
        mc::sasl_reply(&reply).ok_or("saslStart reply without conversationId or payload")?;

    // 3. server-first
    section(
        3,
        "server-first {s: client nonce + server nonce, h: STS host}",
    );
    println!("{}", indent(&bsonw::render(&server_first)));
    let sf = conv
        .parse_server_first(&server_first)
        .map_err(|e| format!("server-first: {e}"))?;
    println!(
        "  checked: s is 64 bytes and starts with our nonce; h = {} is a valid host; region = {}",
        sf.host(),
        sf.region()
    );

    // 4. sign
    section(4, "client-final: SigV4 signature of STS GetCallerIdentity");
    let sign_secret = if o.wrong_secret {
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYWRONGSECRET"
    } else {
        secret.as_str()
    };
    let creds = Credentials::new(&akid, sign_secret, token.as_deref())
        .map_err(|e| format!("credentials: {e}"))?;
    let now_secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs();
    let now = UnixTime(now_secs);
    let t = Instant::now();
    let len = conv
        .client_final_len(&server_first, &creds)
        .map_err(|e| format!("client-final: {e}"))?;
    let mut client_final = vec![0u8; len];
    let n = conv
        .finish(&server_first, &creds, now, None, &mut client_final)
        .map_err(|e| format!("client-final: {e}"))?;
    client_final.truncate(n);
    let d = t.elapsed();
    timings.push(("sign + client-final (core, one call)", d));
    let mut buf = vec![0u8; 4096 + token.as_ref().map_or(0, String::len)];
    let cn = conv
        .canonical_request(&server_first, &creds, now, &mut buf)
        .map_err(|e| format!("canonical request: {e}"))?;
    let creq = String::from_utf8_lossy(&buf[..cn]).into_owned();
    let sn = conv
        .string_to_sign(&server_first, &creds, now, &mut buf)
        .map_err(|e| format!("string to sign: {e}"))?;
    let sts_text = String::from_utf8_lossy(&buf[..sn]).into_owned();
    let date = AmzDate::from_unix(now).map_err(|e| e.to_string())?;
    println!(
        "  X-Amz-Date {} (this machine's clock, read once)",
        date.as_str()
    );
    println!("  canonical request ({cn} bytes):");
    println!("{}", indent(&redact(&creq, token.as_deref())));
    println!("  string to sign ({sn} bytes):");
    println!("{}", indent(&sts_text));
    println!(
        "  signing key = HMAC chain (\"AWS4\" + secret, {}) -> {} -> sts -> aws4_request",
        date.date(),
        sf.region()
    );
    println!("  client-final ({n} bytes, signed in {}):", fmt_dur(d));
    println!(
        "{}",
        indent(&redact(&bsonw::render(&client_final), token.as_deref()))
    );

    // 5. saslContinue
    section(
        5,
        "saslContinue: the server checks, forwards to STS, maps the ARN",
    );
    let cont = mc::sasl_continue(conversation_id as i32, &client_final);
    let t = Instant::now();
    let reply = client.command(&cont)?;
    let d = t.elapsed();
    timings.push(("saslContinue round trip (incl. STS)", d));
    let events = events.lock().map(|v| v.clone()).unwrap_or_default();
    let mut outcome: Option<Result<AuthOk, String>> = None;
    for e in &events {
        match e {
            Event::StsRequest { endpoint, http, .. } => {
                println!("  server -> STS  POST to http://{endpoint}, exactly:");
                let text = String::from_utf8_lossy(http).replace("\r\n", "\n");
                println!("{}", indent(&redact(&text, token.as_deref())));
            }
            Event::StsReply {
                status,
                body,
                elapsed,
                ..
            } => {
                timings.push(("  of which STS verification (HTTP)", *elapsed));
                println!("  STS -> server  HTTP {status} ({}):", fmt_dur(*elapsed));
                println!("{}", indent(String::from_utf8_lossy(body).trim_end()));
            }
            Event::StsFailed { error, elapsed, .. } => {
                timings.push(("  of which the failed STS call", *elapsed));
                println!("  STS -> server  no answer: {error}");
            }
            Event::Auth { outcome: o, .. } => outcome = Some(o.clone()),
            // Connection events: the demo's one connection needs no narration.
            Event::Accepted { .. }
            | Event::Closed { .. }
            | Event::Refused { .. }
            | Event::AcceptFailed { .. } => {}
        }
    }
    print_reply(d, &reply);
    let authenticated = match &outcome {
        Some(Ok(a)) => {
            println!();
            println!("  verified ARN    {}", a.arn);
            println!("  MongoDB user    {} (database $external)", a.user);
            ok(&reply)
        }
        Some(Err(e)) => {
            println!();
            println!("  authentication failed: {e}");
            false
        }
        None => false,
    };

    // 6. find
    if authenticated {
        section(6, "an authenticated command: find");
        let find = Doc::new().with("find", "demo").with("$db", "test");
        let sent = "client -> server";
        round_trip(&mut client, &find, sent, "find round trip", &mut timings)?;
    }

    println!();
    println!("── timings {}", "─".repeat(70));
    for (name, d) in &timings {
        println!("  {name:<42} {:>10}", fmt_dur(*d));
    }
    println!("  {:<42} {:>10}", "total", fmt_dur(total.elapsed()));
    println!();
    let expected = authenticated != o.wrong_secret;
    match (authenticated, o.wrong_secret) {
        (true, _) => println!("result: authenticated as {arn}"),
        (false, true) => println!("result: rejected, as expected with --wrong-secret"),
        (false, false) => println!("result: authentication failed"),
    }
    Ok(expected)
}
