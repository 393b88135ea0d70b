//! `mongodb-aws doctor`: why an application does or does not log in with MONGODB-AWS.
//!
//! Everything it reports comes from the runtime and the core, never re-derived here: the chain's
//! trace (`Resolver::resolve_traced`: every source considered, taken, skipped or shadowed and why),
//! the chain's error message, GetCallerIdentity at the global and regional STS endpoints
//! (`Resolver::caller_identity_probes`, with STS's `Date` header), the `$external` user (core
//! `caller_identity::user_name`), and with `--uri` a whole MONGODB-AWS conversation with the
//! command's own client (`mongo_client`, the one `demo` uses). This module decodes JWT claims,
//! measures the clock skew, turns what it saw into findings and prints them.

mod jwt;
mod uri;

use crate::mongo_client::{self as mc, Client};
use mongodb_aws::{
    CallerIdentity, Credentials, Decision, Exchange, Resolver, Source, StsProbe, StsTarget,
    Subject, TraceEntry, Traced,
};
use mongodb_aws_cli::args;
use mongodb_aws_core::caller_identity::{user_name, Arn};
use mongodb_aws_core::sasl::client::ClientConversation;
use mongodb_aws_core::UnixTime;
use serde_json::{json, Value};
use std::time::{Duration, Instant, UNIX_EPOCH};

pub const HELP: &str = "\
mongodb-aws doctor: why MONGODB-AWS authentication does or does not work here

USAGE:
    mongodb-aws doctor [--uri MONGODB_URI] [--profile NAME] [--json]

Runs the driver's credential chain for real and explains it:
  * every source in the order a driver tries them: taken, skipped or shadowed, and the variable
    that decided it; each file read and request made, with its answer;
  * the credentials (source, access key id, expiry; the secret never, the session token only as
    its length and a SHA-256 prefix), or the chain's error with its source, URL or file and cause;
  * web identity and EKS Pod Identity tokens: the JWT claims iss, sub, aud, iat, exp (no signature
    check; the token itself only as length and SHA-256 prefix), with a warning when it expired
    or expires within 5 minutes, or when a web identity token is not for sts.amazonaws.com;
  * STS GetCallerIdentity at the global endpoint and, when AWS_REGION is set, at the regional
    one: the ARN, and the exact $external user name to create on the server (an assumed-role
    session arn:aws:sts::ACCT:assumed-role/ROLE/SESSION maps to .../ROLE/*);
  * this machine's clock against STS's (or the credential endpoint's) Date header: a warning past
    5 minutes, a failure past 15 (STS refuses such signatures);
  * with --uri, the whole MONGODB-AWS authentication against that server: hello, saslStart,
    server-first, the signature, saslContinue, and the server's answer or error; with TLS, the
    handshake first (an unknown issuer or a certificate for another name is named as such).

OPTIONS:
    --uri MONGODB_URI   also authenticate against this server (mongodb://HOST[:PORT]/...; the
                        first host; TLS with tls=true or ssl=true, the certificate checked for
                        HOST against the default roots or tlsCAFile=PATH (PEM), or not at all
                        with tlsAllowInvalidCertificates=true or tlsInsecure=true;
                        mongodb+srv:// is not supported yet)
    --profile NAME      resolve with this profile of the AWS shared config and credentials files
                        (like AWS_PROFILE, which it overrides); the trace shows each profile step,
                        file and line. An MFA code a profile needs is asked for on stderr and read
                        from the terminal (or stdin)
    --json              one JSON object: trace, credentials, tokens, sts, clock, mongodb,
                        findings [{id, level, message}], ok, exit_code
    -h, --help          this text

Findings have a stable id and a level: ok, info, warn, fail.
Endpoint overrides for tests: those of `mongodb-aws credentials`, and MONGODB_AWS_STS_REGIONAL_ENDPOINT
for the regional GetCallerIdentity.
Exit status: 0 nothing would fail, 1 something would fail (a finding of level fail), 2 usage.";

/// Past this skew a warning (AWS SDKs warn too; signatures still pass).
pub const SKEW_WARN_SECONDS: i64 = 5 * 60;
/// Past this skew STS refuses the signature ("Signature expired").
pub const SKEW_FAIL_SECONDS: i64 = 15 * 60;
/// A token expiring within this is about to fail (the chain's refresh window).
const TOKEN_SOON_SECONDS: i64 = mongodb_aws_core::cache::REFRESH_WINDOW_SECONDS as i64;

/// The options of `mongodb-aws doctor`, as clap parses them.
#[derive(clap::Args, Debug, Default)]
pub struct Args {
    #[arg(short, long)]
    help: bool,
    #[arg(long, value_name = "MONGODB_URI")]
    uri: Option<String>,
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Default)]
struct Options {
    uri: Option<String>,
    profile: Option<String>,
    json: bool,
}

fn options(a: Args) -> Result<Options, String> {
    // Never echo the URI: it may hold a password.
    if let Some(u) = &a.uri {
        uri::parse(u).map_err(|e| format!("--uri: {e}"))?;
    }
    Ok(Options {
        uri: a.uri,
        profile: a.profile,
        json: a.json,
    })
}

/// Prints a usage error; returns the exit status (2).
pub fn usage_error(msg: &str) -> i32 {
    eprintln!("mongodb-aws doctor: {msg}\n\n{HELP}");
    2
}

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Ok,
    Info,
    Warn,
    Fail,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Fail => "fail",
        }
    }
}

#[derive(Debug)]
struct Finding {
    id: &'static str,
    level: Level,
    message: String,
}

#[derive(Default)]
struct Report {
    findings: Vec<Finding>,
    sections: Vec<(&'static str, Vec<String>)>,
    json: serde_json::Map<String, Value>,
}

impl Report {
    fn add(&mut self, id: &'static str, level: Level, message: impl Into<String>) {
        self.findings.push(Finding {
            id,
            level,
            message: message.into(),
        });
    }

    fn section(&mut self, title: &'static str, lines: Vec<String>) {
        self.sections.push((title, lines));
    }

    fn worst(&self) -> Level {
        self.findings
            .iter()
            .map(|f| f.level)
            .max()
            .unwrap_or(Level::Ok)
    }
}

fn now_unix() -> i64 {
    mongodb_aws::now().0 as i64
}

fn iso(t: i64) -> String {
    crate_iso(UnixTime(t.max(0) as u64))
}

fn crate_iso(t: UnixTime) -> String {
    mongodb_aws_cli::credentials::command::iso8601(t)
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

// ---------------------------------------------------------------------------------------------
// The chain and its trace
// ---------------------------------------------------------------------------------------------

fn io_text(io: mongodb_aws::IoError) -> &'static str {
    use mongodb_aws::IoError as E;
    match io {
        E::NotFound => "no such file",
        E::Unreadable => "unreadable",
        E::Refused => "refused or unreachable",
        E::ConnectTimeout => "connect timed out",
        E::Timeout => "no answer before the deadline",
        E::Closed => "closed before a complete answer",
        E::BadResponse => "malformed answer",
    }
}

fn io_name(io: mongodb_aws::IoError) -> String {
    format!("{io:?}")
}

fn trace_json(e: &TraceEntry) -> Value {
    json!({
        "subject": e.subject.name(),
        "decision": e.decision.name(),
        "reason": e.reason,
        "variable": e.variable,
        "attempt": if e.attempt > 0 { Some(e.attempt) } else { None },
        "status": e.status,
        "io": e.io.map(io_name),
    })
}

fn trace_line(e: &TraceEntry) -> String {
    let mut s = format!(
        "{:<19} {:<10} {}",
        e.subject.name(),
        e.decision.name(),
        e.reason
    );
    if e.attempt > 0 {
        s.push_str(&format!(" (attempt {})", e.attempt));
    }
    if let Some(v) = e.variable {
        if !e.reason.contains(v) {
            s.push_str(&format!(" [{v}]"));
        }
    }
    if let Some(st) = e.status {
        s.push_str(&format!(" -> HTTP {st}"));
    }
    if let Some(io) = e.io {
        s.push_str(&format!(" -> {}", io_text(io)));
    }
    s
}

fn token_json(t: Option<&str>) -> Value {
    match t {
        None => Value::Null,
        Some(t) => {
            let (n, h) = jwt::fingerprint(t.as_bytes());
            json!({"length": n, "sha256_prefix": h})
        }
    }
}

fn chain(r: &mut Report, traced: &Traced) {
    r.json.insert(
        "trace".into(),
        Value::Array(traced.trace.iter().map(trace_json).collect()),
    );
    r.section(
        "credential chain (in the order a driver tries the sources)",
        traced.trace.iter().map(trace_line).collect(),
    );
    // A configured source behind the one taken: the most common "wrong identity".
    let taken = traced
        .trace
        .iter()
        .find(|e| e.decision == Decision::Taken)
        .copied();
    for e in &traced.trace {
        let ec2 = e.subject == Subject::Source(Source::Ec2);
        if e.decision == Decision::Shadowed && !ec2 {
            if let Some(t) = taken {
                r.add(
                    "SOURCE_SHADOWED",
                    Level::Warn,
                    format!(
                        "{} is configured ({}) but {} comes first ({}): the driver uses {}; unset {} to use {}",
                        e.subject.name(),
                        e.reason,
                        t.subject.name(),
                        t.reason,
                        t.subject.name(),
                        shadowing_variables(t.subject),
                        e.subject.name(),
                    ),
                );
            }
        }
    }
    match &traced.result {
        Ok(res) => {
            let c = &res.credentials;
            let exp = c.expiration();
            r.json.insert(
                "credentials".into(),
                json!({
                    "source": c.source().name(),
                    "from_cache": res.from_cache,
                    "access_key_id": c.access_key_id(),
                    "secret_access_key": "<redacted>",
                    "session_token": token_json(c.session_token()),
                    "expiration": exp.map(crate_iso),
                    "arn": c.arn(),
                    "instance_role": c.instance_role(),
                    "account_id": c.account_id(),
                    "profile": c.origin().map(|o| o.profile.as_str()),
                    "origin_file": c.origin().map(|o| o.file.as_str()),
                    "origin_line": c.origin().map(|o| o.line),
                }),
            );
            r.json.insert("error".into(), Value::Null);
            let mut lines = vec![format!("source             {}", c.source().name())];
            if let Some(o) = c.origin() {
                lines.push(format!(
                    "profile            {} ({}, line {})",
                    o.profile, o.file, o.line
                ));
            }
            lines.push(format!("access key id      {}", c.access_key_id()));
            lines.push("secret access key  <redacted>".to_string());
            if let Some(t) = c.session_token() {
                let (n, h) = jwt::fingerprint(t.as_bytes());
                lines.push(format!("session token      {n} characters, sha256 {h}…"));
            }
            if let Some(e) = exp {
                lines.push(format!(
                    "expiration         {} (in {} s)",
                    crate_iso(e),
                    e.0 as i64 - now_unix()
                ));
            }
            if let Some(a) = c.arn() {
                lines.push(format!("role arn           {a}"));
            }
            if let Some(a) = c.instance_role() {
                lines.push(format!("instance role      {a}"));
            }
            r.section("credentials", lines);
            r.add(
                "CREDENTIALS_RESOLVED",
                Level::Ok,
                format!(
                    "credentials from {} (access key id {})",
                    c.source().name(),
                    c.access_key_id()
                ),
            );
        }
        Err(e) => {
            r.json.insert("credentials".into(), Value::Null);
            r.json.insert(
                "error".into(),
                json!({"code": e.code(), "number": e.number(), "message": e.message(),
                       "source": e.credential_source().map(|s| s.name())}),
            );
            r.section(
                "credentials",
                vec![format!(
                    "none: {} ({}): {}",
                    e.code(),
                    e.number(),
                    e.message()
                )],
            );
            r.add(
                "CREDENTIALS_FAILED",
                Level::Fail,
                format!("{} ({}): {}", e.code(), e.number(), e.message()),
            );
            match e.code() {
                "IMDS_TOKEN_TIMEOUT" => r.add(
                    "IMDS_HOP_LIMIT",
                    Level::Fail,
                    "the EC2 metadata token PUT got no answer in time: in a container the \
                     instance's metadata hop limit must be at least 2 (aws ec2 \
                     modify-instance-metadata-options --http-put-response-hop-limit 2), or give \
                     the container its own credentials (ECS task role, IRSA, Pod Identity)",
                ),
                "NO_CREDENTIALS" => r.add(
                    "NO_SOURCE",
                    Level::Fail,
                    "no source is configured and AWS_EC2_METADATA_DISABLED is true",
                ),
                _ => {}
            }
        }
    }
}

/// The variables that make `s` win (for the shadowing advice).
fn shadowing_variables(s: Subject) -> &'static str {
    match s {
        Subject::Source(Source::Environment) => {
            "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN"
        }
        Subject::Source(Source::WebIdentity) => "AWS_WEB_IDENTITY_TOKEN_FILE or AWS_ROLE_ARN",
        Subject::Source(Source::Ecs) => "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        Subject::Source(Source::ContainerFullUri) => "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        Subject::Cache => "nothing (restart the application: the cache is per process)",
        _ => "the custom provider",
    }
}

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

fn tokens(r: &mut Report, traced: &Traced) {
    let taken = traced
        .trace
        .iter()
        .find(|e| e.decision == Decision::Taken)
        .map(|e| e.subject);
    let mut out = Vec::new();
    let mut lines = Vec::new();
    let candidates: [(&str, bool, Source); 3] = [
        ("AWS_WEB_IDENTITY_TOKEN_FILE", true, Source::WebIdentity),
        (
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
            true,
            Source::ContainerFullUri,
        ),
        (
            "AWS_CONTAINER_AUTHORIZATION_TOKEN",
            false,
            Source::ContainerFullUri,
        ),
    ];
    let now = now_unix();
    for (var, is_file, source) in candidates {
        let Some(v) = env(var) else { continue };
        // The container token variable is ignored when the file variable is set (the chain's rule).
        if var == "AWS_CONTAINER_AUTHORIZATION_TOKEN"
            && env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE").is_some()
        {
            continue;
        }
        let in_use = taken == Some(Subject::Source(source));
        let severe = if in_use { Level::Fail } else { Level::Warn };
        let token = if is_file {
            match std::fs::read(&v) {
                Ok(b) => zeroize::Zeroizing::new(String::from_utf8_lossy(&b).into_owned()),
                Err(e) => {
                    out.push(json!({"variable": var, "file": v, "error": e.to_string()}));
                    lines.push(format!("{var}: {v}: cannot be read: {e}"));
                    r.add(
                        "TOKEN_UNREADABLE",
                        severe,
                        format!("{var} names {v}, which cannot be read: {e}"),
                    );
                    continue;
                }
            }
        } else {
            zeroize::Zeroizing::new(v.clone())
        };
        let t = token.trim();
        let (len, hash) = jwt::fingerprint(t.as_bytes());
        let mut entry = json!({
            "variable": var,
            "file": if is_file { Some(v.as_str()) } else { None },
            "source": source.name(),
            "in_use": in_use,
            "length": len,
            "sha256_prefix": hash,
        });
        let what = if is_file {
            format!("{var} ({v})")
        } else {
            var.to_string()
        };
        lines.push(format!(
            "{what}: {len} characters, sha256 {hash}…{}",
            if in_use { ", used by the chain" } else { "" }
        ));
        match jwt::claims(t) {
            Err(why) => {
                entry["claims"] = Value::Null;
                entry["error"] = json!(why);
                lines.push(format!("  {why}"));
                r.add("TOKEN_NOT_JWT", Level::Warn, format!("{what}: {why}"));
            }
            Ok(c) => {
                entry["claims"] = json!({"iss": c.iss, "sub": c.sub, "aud": c.aud,
                                         "iat": c.iat, "exp": c.exp});
                entry["expires_in_s"] = json!(c.exp.map(|e| e - now));
                lines.push(format!(
                    "  iss {}  sub {}  aud {}",
                    c.iss.as_deref().unwrap_or("-"),
                    c.sub.as_deref().unwrap_or("-"),
                    if c.aud.is_empty() {
                        "-".to_string()
                    } else {
                        c.aud.join(",")
                    }
                ));
                lines.push(format!(
                    "  iat {}  exp {}",
                    c.iat.map_or("-".into(), iso),
                    c.exp.map_or("-".into(), iso)
                ));
                match c.exp {
                    Some(e) if e <= now => r.add(
                        "TOKEN_EXPIRED",
                        severe,
                        format!(
                            "{what}: the token expired at {} ({} s ago); STS refuses it \
                             (ExpiredTokenException): whatever writes the file (the kubelet, \
                             the Pod Identity agent) is not refreshing it",
                            iso(e),
                            now - e
                        ),
                    ),
                    Some(e) if e - now < TOKEN_SOON_SECONDS => r.add(
                        "TOKEN_EXPIRES_SOON",
                        Level::Warn,
                        format!("{what}: the token expires at {} (in {} s)", iso(e), e - now),
                    ),
                    Some(_) => {}
                    None => r.add(
                        "TOKEN_NO_EXPIRY",
                        Level::Info,
                        format!("{what}: the token has no exp claim"),
                    ),
                }
                if let Some(i) = c.iat {
                    if i > now + SKEW_WARN_SECONDS {
                        r.add(
                            "TOKEN_ISSUED_IN_FUTURE",
                            Level::Warn,
                            format!(
                                "{what}: issued at {}, {} s from now: this machine's clock is \
                                 probably behind",
                                iso(i),
                                i - now
                            ),
                        );
                    }
                }
                if source == Source::WebIdentity && !c.aud.iter().any(|a| a == "sts.amazonaws.com")
                {
                    r.add(
                        "TOKEN_AUDIENCE",
                        Level::Warn,
                        format!(
                            "{what}: aud is {:?}, not sts.amazonaws.com: STS refuses tokens for \
                             another audience unless the IAM OIDC provider lists it",
                            c.aud
                        ),
                    );
                }
            }
        }
        out.push(entry);
    }
    r.json.insert("tokens".into(), Value::Array(out));
    if !lines.is_empty() {
        r.section(
            "tokens (never printed: length and SHA-256 prefix only)",
            lines,
        );
    }
}

// ---------------------------------------------------------------------------------------------
// STS and the clock
// ---------------------------------------------------------------------------------------------

fn probe_json(p: &StsProbe) -> Value {
    match &p.result {
        Ok(id) => json!({"target": p.target.name(), "configured": p.configured, "url": p.url,
            "ok": true, "arn": id.arn, "account": id.account, "user_id": id.user_id,
            "mongodb_user": id.mongodb_user, "error": Value::Null}),
        Err(e) => json!({"target": p.target.name(), "configured": p.configured, "url": p.url,
            "ok": false, "error": {"code": e.code(), "message": e.message()}}),
    }
}

/// GetCallerIdentity everywhere it matters; returns the identity STS gave.
fn sts(r: &mut Report, creds: &Credentials, probes: &[StsProbe]) -> Option<CallerIdentity> {
    let web_identity = creds.source() == Source::WebIdentity;
    r.json.insert(
        "sts".into(),
        Value::Array(probes.iter().map(probe_json).collect()),
    );
    let mut lines = Vec::new();
    let mut identity: Option<CallerIdentity> = None;
    for p in probes {
        let mark = if p.configured {
            " (the endpoint the chain's STS calls use)"
        } else {
            ""
        };
        match &p.result {
            Ok(id) => {
                lines.push(format!("{} {}{mark}: {}", p.target.name(), p.url, id.arn));
                if identity.is_none() {
                    identity = Some(id.clone());
                }
            }
            Err(e) => {
                lines.push(format!(
                    "{} {}{mark}: {} {}",
                    p.target.name(),
                    p.url,
                    e.code(),
                    e.message()
                ));
                let unreachable = matches!(
                    e.code(),
                    "ENDPOINT_UNREACHABLE" | "ENDPOINT_TIMEOUT" | "ENDPOINT_BAD_RESPONSE"
                );
                // The client's own GetCallerIdentity is a check: MONGODB-AWS fails with it only
                // when the chain itself calls that endpoint (web identity) or STS refuses the keys.
                let level = match (unreachable, p.configured) {
                    (true, true) if web_identity => Level::Fail,
                    (false, true) => Level::Fail,
                    _ => Level::Warn,
                };
                let (id, advice) = match (unreachable, p.target) {
                    (true, StsTarget::Global) => (
                        "STS_GLOBAL_UNREACHABLE",
                        "a private network without a route to sts.amazonaws.com (a VPC with only \
                         the regional STS interface endpoint, GovCloud, China): set \
                         AWS_STS_REGIONAL_ENDPOINTS=regional and AWS_REGION for web identity, and \
                         the server's awsSTSHost to the regional host",
                    ),
                    (true, StsTarget::Regional) => (
                        "STS_REGIONAL_UNREACHABLE",
                        "the regional STS endpoint cannot be reached from here: with \
                         AWS_STS_REGIONAL_ENDPOINTS=regional every web identity call fails; \
                         open the route (VPC interface endpoint for STS, security groups) or \
                         use the global endpoint",
                    ),
                    (false, _) => (
                        "STS_REJECTED",
                        "STS refused these credentials (see its code: SignatureDoesNotMatch \
                         with a skewed clock, InvalidClientTokenId for an unknown or deleted \
                         key, ExpiredToken for expired temporary credentials)",
                    ),
                };
                r.add(
                    id,
                    level,
                    format!(
                        "GetCallerIdentity at the {} endpoint {}: {} {}; {advice}",
                        p.target.name(),
                        p.url,
                        e.code(),
                        e.message()
                    ),
                );
            }
        }
    }
    match &identity {
        Some(id) => {
            r.add(
                "CALLER_IDENTITY",
                Level::Ok,
                format!(
                    "STS says these credentials are {} (account {})",
                    id.arn,
                    id.account.as_deref().unwrap_or("unknown")
                ),
            );
            r.add(
                "MONGODB_USER",
                Level::Info,
                format!(
                    "the server looks up the $external user {}: create it with \
                     db.getSiblingDB(\"$external\").runCommand({{createUser: \"{}\", roles: [...]}}) \
                     (Atlas: a database user with AWS IAM authentication and this ARN)",
                    id.mongodb_user, id.mongodb_user
                ),
            );
            if let Ok(u) = user_name(&id.arn) {
                if u.is_role_wildcard() {
                    let role_arn = Arn::parse(&id.arn).ok().and_then(|a| {
                        let role = a
                            .resource
                            .strip_prefix("assumed-role/")?
                            .split('/')
                            .next()?;
                        Some(format!(
                            "arn:{}:iam::{}:role/{role}",
                            a.partition, a.account
                        ))
                    });
                    r.add(
                        "ASSUMED_ROLE_USER",
                        Level::Info,
                        format!(
                            "{} is an assumed-role session: the user is {}, not the role's ARN {} \
                             (every session of the role maps to the same user)",
                            id.arn,
                            id.mongodb_user,
                            role_arn
                                .as_deref()
                                .unwrap_or("arn:aws:iam::ACCOUNT:role/ROLE")
                        ),
                    );
                }
            }
            lines.push(format!(
                "$external user: {} (create exactly this name)",
                id.mongodb_user
            ));
        }
        None => {
            lines.push(format!(
                "no identity: the $external user is the one mapped from the ARN of key {}",
                creds.access_key_id()
            ));
        }
    }
    r.section("STS GetCallerIdentity", lines);
    identity
}

/// Skew = the server's Date minus this machine's clock at the middle of the exchange.
fn skew_of(x: &Exchange) -> Option<i64> {
    let date = httpdate::parse_http_date(x.date.as_deref()?).ok()?;
    let mid = x.sent_at + x.elapsed / 2;
    let server = date.duration_since(UNIX_EPOCH).ok()?.as_secs_f64();
    let local = mid.duration_since(UNIX_EPOCH).ok()?.as_secs_f64();
    Some((server - local).round() as i64)
}

fn clock(r: &mut Report, sts: &[&Exchange], endpoints: &[Exchange]) {
    // STS's clock is the one that judges signatures; a credential endpoint's is the fallback.
    let best = sts
        .iter()
        .copied()
        .chain(endpoints.iter())
        .find_map(|x| skew_of(x).map(|s| (x, s)));
    let Some((x, skew)) = best else {
        r.json.insert("clock".into(), Value::Null);
        r.add(
            "CLOCK_UNCHECKED",
            Level::Info,
            "no STS or endpoint answer with a Date header: the clock was not checked",
        );
        return;
    };
    r.json.insert(
        "clock".into(),
        json!({"skew_seconds": skew, "against": x.url, "date": x.date, "step": x.step}),
    );
    let relation = match skew {
        0 => "within a second of".to_string(),
        s if s > 0 => format!("{s} s behind"),
        s => format!("{} s ahead of", -s),
    };
    let text = format!(
        "this machine's clock is {relation} {} ({}, Date: {})",
        x.url,
        x.step,
        x.date.as_deref().unwrap_or("")
    );
    r.section("clock", vec![text.clone()]);
    if skew.abs() > SKEW_FAIL_SECONDS {
        r.add(
            "CLOCK_SKEW",
            Level::Fail,
            format!(
                "{text}: more than 15 minutes, so STS refuses every signature (\"Signature \
                 expired\") and the server answers AuthenticationFailed; fix the clock (NTP)"
            ),
        );
    } else if skew.abs() > SKEW_WARN_SECONDS {
        r.add(
            "CLOCK_SKEW",
            Level::Warn,
            format!("{text}: more than 5 minutes; STS refuses past 15; fix the clock (NTP)"),
        );
    } else {
        r.add("CLOCK_OK", Level::Ok, text);
    }
}

// ---------------------------------------------------------------------------------------------
// The MongoDB server
// ---------------------------------------------------------------------------------------------

struct Steps(Vec<Value>, Vec<String>);

impl Steps {
    fn push(&mut self, step: &str, ok: bool, t: Instant, detail: String) {
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        self.0.push(
            json!({"step": step, "ok": ok, "ms": (ms * 10.0).round() / 10.0,
                           "detail": detail}),
        );
        self.1.push(format!(
            "{:<14} {:<4} {detail} ({ms:.1} ms)",
            step,
            if ok { "ok" } else { "FAIL" }
        ));
    }

    /// `r`'s value, or its error recorded as `step` failing and returned as `{what}: {error}`.
    fn check<T, E: std::fmt::Display>(
        &mut self,
        step: &str,
        t: Instant,
        what: &str,
        r: Result<T, E>,
    ) -> Result<T, ServerError> {
        r.map_err(|e| {
            self.push(step, false, t, e.to_string());
            local(format!("{what}: {e}"))
        })
    }
}

fn mongodb(
    r: &mut Report,
    raw_uri: &str,
    creds: Option<&Credentials>,
    identity: Option<&CallerIdentity>,
) {
    let u = match uri::parse(raw_uri) {
        Ok(u) => u,
        Err(e) => {
            r.add("URI_INVALID", Level::Fail, e);
            return;
        }
    };
    for w in &u.warnings {
        r.add("URI_OPTION", Level::Warn, w.clone());
    }
    let mut steps = Steps(Vec::new(), Vec::new());
    let outcome = conversation(&u, creds, &mut steps);
    let (authenticated, user, error) = match &outcome {
        Ok(user) => (true, user.clone(), None),
        Err(e) => (false, None, Some(e.clone())),
    };
    r.json.insert(
        "mongodb".into(),
        json!({"server": format!("{}:{}", u.host, u.port), "tls": u.tls.is_some(),
               "steps": steps.0,
               "authenticated": authenticated, "user": user,
               "error": error.as_ref().map(|e| json!({"code": e.code, "code_name": e.code_name,
                                                      "message": e.message}))}),
    );
    r.section("MongoDB server", steps.1);
    match outcome {
        Ok(user) => r.add(
            "AUTH_OK",
            Level::Ok,
            format!(
                "{}:{} authenticated these credentials as {}",
                u.host,
                u.port,
                user.as_deref()
                    .unwrap_or("(the server did not say which user)")
            ),
        ),
        Err(e) if e.code.is_none() && e.code_name.is_none() => r.add(e.id, Level::Fail, e.message),
        Err(e) => {
            let who = match (identity, creds) {
                (Some(id), _) => format!(
                    "the server looks up the $external user {} (STS says the credentials are {}): \
                     check that this user exists in $external with this exact name",
                    id.mongodb_user, id.arn
                ),
                (None, Some(c)) => c.refusal_hint(),
                (None, None) => String::new(),
            };
            r.add(
                "AUTH_REFUSED",
                Level::Fail,
                format!(
                    "the server refused: {} {}: {}; {who}",
                    e.code.map_or("?".into(), |c| c.to_string()),
                    e.code_name.as_deref().unwrap_or(""),
                    e.message
                ),
            );
        }
    }
}

#[derive(Clone, Debug)]
struct ServerError {
    /// The finding when the server did not answer with an error: AUTH_NOT_RUN or TLS_FAILED.
    id: &'static str,
    code: Option<i64>,
    code_name: Option<String>,
    message: String,
}

fn local(message: impl Into<String>) -> ServerError {
    ServerError {
        id: "AUTH_NOT_RUN",
        code: None,
        code_name: None,
        message: message.into(),
    }
}

fn refused(reply: &[u8]) -> ServerError {
    let (code, code_name, errmsg) = mc::error(reply);
    ServerError {
        id: "AUTH_NOT_RUN",
        code,
        code_name,
        message: errmsg.unwrap_or_else(|| "no errmsg".into()),
    }
}

/// The whole MONGODB-AWS authentication; the authenticated user (from connectionStatus) or why not.
fn conversation(
    u: &uri::Target,
    creds: Option<&Credentials>,
    steps: &mut Steps,
) -> Result<Option<String>, ServerError> {
    let t = Instant::now();
    let Some(creds) = creds else {
        steps.push(
            "credentials",
            false,
            t,
            "none: nothing to authenticate with".into(),
        );
        return Err(local(
            "no credentials: the authentication was not attempted",
        ));
    };
    let connected = mc::tcp(&u.host, u.port, Duration::from_secs(10));
    let tcp = steps.check("connect", t, "cannot connect", connected)?;
    steps.push("connect", true, t, format!("{}:{}", u.host, u.port));
    let mut client = match &u.tls {
        None => Client::new(tcp),
        Some(tls) => {
            let t = Instant::now();
            match Client::tls(tcp, &u.host, u.port, tls) {
                Ok((c, info)) => {
                    let detail = match &info.trust {
                        Some(trust) => format!(
                            "{}, the certificate checked for {} against {trust}",
                            info.version, u.host
                        ),
                        None => format!(
                            "{}, the certificate not checked (tlsAllowInvalidCertificates or \
                             tlsInsecure)",
                            info.version
                        ),
                    };
                    steps.push("tls", true, t, detail);
                    c
                }
                Err(e) => {
                    steps.push("tls", false, t, e.clone());
                    return Err(ServerError {
                        id: "TLS_FAILED",
                        ..local(e)
                    });
                }
            }
        }
    };
    let t = Instant::now();
    let reply = steps.check("hello", t, "hello", client.command(&mc::hello()))?;
    if !mc::ok(&reply) {
        let e = refused(&reply);
        steps.push("hello", false, t, e.message.clone());
        return Err(e);
    }
    steps.push("hello", true, t, "the server answered".into());

    let t = Instant::now();
    let mut nonce = [0u8; 32];
    getrandom::fill(&mut nonce).map_err(|e| local(format!("randomness: {e}")))?;
    let conv = ClientConversation::new(nonce);
    let sent = client.command(&mc::sasl_start(&conv.client_first()));
    let reply = steps.check("saslStart", t, "saslStart", sent)?;
    if !mc::ok(&reply) {
        let e = refused(&reply);
        steps.push("saslStart", false, t, format!("refused: {}", e.message));
        return Err(e);
    }
    let Some((conversation_id, server_first)) = mc::sasl_reply(&reply) else {
        steps.push("saslStart", false, t, "no conversationId or payload".into());
        return Err(local("saslStart: reply without conversationId or payload"));
    };
    steps.push(
        "saslStart",
        true,
        t,
        format!("client-first sent, conversation {conversation_id}"),
    );

    let t = Instant::now();
    let parsed = conv.parse_server_first(&server_first);
    let sf = steps.check("server-first", t, "server-first", parsed)?;
    steps.push(
        "server-first",
        true,
        t,
        format!(
            "nonce checked; the server calls STS at {} (signing region {})",
            sf.host(),
            sf.region()
        ),
    );

    let t = Instant::now();
    let core = creds.as_core().map_err(|e| local(e.to_string()))?;
    let now = mongodb_aws::now();
    let signed = conv.client_final_len(&server_first, &core).and_then(|len| {
        let mut out = vec![0u8; len];
        let n = conv.finish(&server_first, &core, now, None, &mut out)?;
        out.truncate(n);
        Ok(out)
    });
    let client_final = steps.check("sign", t, "signing", signed)?;
    steps.push(
        "sign",
        true,
        t,
        format!(
            "GetCallerIdentity signed with key {} at {}{}",
            creds.access_key_id(),
            crate_iso(now),
            if creds.session_token().is_some() {
                " with the session token"
            } else {
                ""
            }
        ),
    );

    let t = Instant::now();
    let sent = client.command(&mc::sasl_continue(conversation_id as i32, &client_final));
    let reply = steps.check("saslContinue", t, "saslContinue", sent)?;
    if !mc::ok(&reply) {
        let e = refused(&reply);
        steps.push(
            "saslContinue",
            false,
            t,
            format!(
                "refused: {} {}: {}",
                e.code.map_or("?".into(), |c| c.to_string()),
                e.code_name.as_deref().unwrap_or(""),
                e.message
            ),
        );
        return Err(e);
    }
    steps.push("saslContinue", true, t, "the server accepted".into());

    // Which user: connectionStatus (mongod and serve both answer it).
    let t = Instant::now();
    let status = crate::bsonw::Doc::new()
        .with("connectionStatus", 1)
        .with("$db", "admin");
    let user = client.command(&status).ok().and_then(|reply| {
        use mongodb_aws_core::bson::{Document, Value as B};
        // authInfo.authenticatedUsers[0].user
        let B::Document(info) = mc::field(&reply, "authInfo")? else {
            return None;
        };
        let B::Array(users) =
            crate::bsonw::get(&Document::parse(info).ok()?, "authenticatedUsers")?
        else {
            return None;
        };
        let B::Document(first) = crate::bsonw::get(&Document::parse(users).ok()?, "0")? else {
            return None;
        };
        match crate::bsonw::get(&Document::parse(first).ok()?, "user")? {
            B::String(u) => Some(u.to_string()),
            _ => None,
        }
    });
    steps.push(
        "connectionStatus",
        user.is_some(),
        t,
        user.clone()
            .map_or("no authenticated user reported".into(), |u| {
                format!("authenticated as {u}")
            }),
    );
    Ok(user)
}

// ---------------------------------------------------------------------------------------------
// The command
// ---------------------------------------------------------------------------------------------

fn run(o: &Options) -> Report {
    let mut r = Report::default();
    // The profile (or AWS_PROFILE, ...) is the chain's to apply: its steps are in the trace.
    r.json.insert("profile".into(), json!(o.profile));
    let resolver = Resolver::new()
        .profile(o.profile.clone())
        .mfa(Some(mongodb_aws_cli::credentials::mfa::terminal()));
    let traced = resolver.resolve_traced();
    chain(&mut r, &traced);
    tokens(&mut r, &traced);
    let creds = traced.result.as_ref().ok().map(|x| x.credentials.clone());
    let probes = creds
        .as_ref()
        .map(|c| resolver.caller_identity_probes(c))
        .unwrap_or_default();
    let identity = match &creds {
        Some(c) => sts(&mut r, c, &probes),
        None => {
            r.json.insert("sts".into(), Value::Array(Vec::new()));
            None
        }
    };
    let sts_exchanges: Vec<&Exchange> = probes.iter().filter_map(|p| p.exchange.as_ref()).collect();
    clock(&mut r, &sts_exchanges, &traced.exchanges);
    match &o.uri {
        Some(u) => mongodb(&mut r, u, creds.as_deref(), identity.as_ref()),
        None => {
            r.json.insert("mongodb".into(), Value::Null);
        }
    }
    r
}

fn render_text(r: &Report, code: i32) -> String {
    let mut out = String::from("mongodb-aws doctor: why MONGODB-AWS does or does not log in\n");
    for (title, lines) in &r.sections {
        out.push_str(&format!("\n{title}\n"));
        for l in lines {
            out.push_str(&format!("  {l}\n"));
        }
    }
    out.push_str("\nfindings\n");
    let mut sorted: Vec<&Finding> = r.findings.iter().collect();
    sorted.sort_by_key(|f| std::cmp::Reverse(f.level));
    for f in sorted {
        out.push_str(&format!(
            "  {:<4}  {:<24} {}\n",
            f.level.name().to_uppercase(),
            f.id,
            f.message
        ));
    }
    out.push_str(&format!(
        "\nresult: {} (exit {code})\n",
        if code == 0 {
            "nothing here would make MONGODB-AWS fail"
        } else {
            "MONGODB-AWS would fail"
        }
    ));
    out
}

/// Runs `doctor`; returns the exit status.
pub fn main(a: Args) -> i32 {
    let o = match args::start(a.help, a, options, || println!("{HELP}"), usage_error) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let mut r = run(&o);
    let code = if r.worst() == Level::Fail { 1 } else { 0 };
    if o.json {
        let findings: Vec<Value> = r
            .findings
            .iter()
            .map(|f| json!({"id": f.id, "level": f.level.name(), "message": f.message}))
            .collect();
        r.json.insert("findings".into(), Value::Array(findings));
        r.json.insert("ok".into(), json!(code == 0));
        r.json.insert("exit_code".into(), json!(code));
        println!("{}", Value::Object(std::mem::take(&mut r.json)));
    } else {
        print!("{}", render_text(&r, code));
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_args(v: &[&str]) -> Result<Option<Options>, String> {
        args::parse_checked(v, |a: &Args| a.help, options)
    }

    #[test]
    fn args() {
        let o = parse_args(&["--json", "--profile", "dev"])
            .unwrap()
            .unwrap();
        assert!(o.json);
        assert_eq!(o.profile.as_deref(), Some("dev"));
        assert!(parse_args(&["--help"]).unwrap().is_none());
        assert!(parse_args(&["--uri"]).is_err());
        assert!(parse_args(&["--json=1"]).is_err());
        let e = parse_args(&["mongodb://u:secretpw@h"]).unwrap_err();
        assert!(!e.contains("secretpw"), "{e}");
        let e = parse_args(&["--uri", "http://u:secretpw@h"]).unwrap_err();
        assert!(!e.contains("secretpw"), "{e}");
    }

    #[test]
    fn skew_from_a_date_header() {
        let sent = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let x = Exchange {
            step: "STS GetCallerIdentity",
            method: "POST",
            url: "http://127.0.0.1:1/".into(),
            attempt: 1,
            status: Some(200),
            io: None,
            // 1_700_000_000 + 1200 s.
            date: Some(httpdate::fmt_http_date(
                UNIX_EPOCH + Duration::from_secs(1_700_001_200),
            )),
            sent_at: sent,
            elapsed: Duration::from_millis(10),
        };
        assert_eq!(skew_of(&x), Some(1200));
        let mut r = Report::default();
        clock(&mut r, &[&x], &[]);
        assert_eq!(r.findings[0].id, "CLOCK_SKEW");
        assert_eq!(r.findings[0].level, Level::Fail);
        assert!(
            r.findings[0].message.contains("1200 s behind"),
            "{:?}",
            r.findings
        );
    }
}
