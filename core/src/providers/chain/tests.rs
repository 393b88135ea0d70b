//! Unit tests of the credential chain, driven through its public API with scripted answers.
//!
//! Expected values come from the rules in the module docs of `chain.rs`, the source modules' docs
//! and the AWS documentation (request shapes, response examples); none was copied from a run.

use super::*;
use crate::providers::MAX_RESPONSE_LEN;
use std::boxed::Box;
use std::format;
use std::string::{String, ToString};
use std::vec;
use std::vec::Vec;

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

/// 2024-01-01T00:00:00Z.
const EXP: u64 = 1_704_067_200;
const EXP_ISO: &str = "2024-01-01T00:00:00Z";
/// One hour before [`EXP`].
const NOW: u64 = EXP - 3600;
const RANDOM: [u8; 16] = [0xab; 16];
/// The session name generated from [`RANDOM`]: `mongodb-aws-` + 32 hex digits.
const GENERATED_NAME: &str = "mongodb-aws-abababababababababababababababab";

const KEY_ID: &str = "ASIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLETOKEN+/=";
const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/irsa-role";
const WEB_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2ln";
const WEB_TOKEN_FILE: &str = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token";
const ECS_URI: &str = "/v2/credentials/0a7b3d2e-example";
const FULL_URI: &str = "http://127.0.0.1:8080/creds";
const AUTH_TOKEN_FILE: &str =
    "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token";

/// Shape of the ECS task credentials answer (AWS docs, "Task IAM role").
fn ecs_json(expiration: &str) -> String {
    format!(
        r#"{{"AccessKeyId":"{KEY_ID}","Expiration":"{expiration}","RoleArn":"arn:aws:iam::123456789012:role/ecs-task","SecretAccessKey":"{SECRET}","Token":"{TOKEN}"}}"#
    )
}

/// The IMDS role credentials answer (AWS docs, "Retrieve security credentials from instance
/// metadata").
fn imds_json() -> String {
    format!(
        "{{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : \"2023-12-31T22:00:00Z\",\n  \"Type\" : \"AWS-HMAC\",\n  \"AccessKeyId\" : \"{KEY_ID}\",\n  \"SecretAccessKey\" : \"{SECRET}\",\n  \"Token\" : \"{TOKEN}\",\n  \"Expiration\" : \"{EXP_ISO}\"\n}}"
    )
}

/// The EKS Pod Identity agent's answer (AWS docs, "EKS Pod Identity").
fn pod_identity_json() -> String {
    format!(
        r#"{{"AccessKeyId":"{KEY_ID}","SecretAccessKey":"{SECRET}","Token":"{TOKEN}","AccountId":"123456789012","Expiration":"{EXP_ISO}"}}"#
    )
}

/// AssumeRoleWithWebIdentity with `Accept: application/json`: nested Response/Result, Expiration
/// in epoch seconds (`expiration` is the JSON number text).
fn web_identity_json(expiration: &str) -> String {
    format!(
        r#"{{"AssumeRoleWithWebIdentityResponse":{{"AssumeRoleWithWebIdentityResult":{{"AssumedRoleUser":{{"Arn":"arn:aws:sts::123456789012:assumed-role/irsa-role/app1","AssumedRoleId":"AROACLKWSDQRAOEXAMPLE:app1"}},"Audience":"sts.amazonaws.com","Credentials":{{"AccessKeyId":"{KEY_ID}","Expiration":{expiration},"SecretAccessKey":"{SECRET}","SessionToken":"{TOKEN}"}},"PackedPolicySize":null,"Provider":"arn:aws:iam::123456789012:oidc-provider/oidc.eks.example","SubjectFromWebIdentityToken":"system:serviceaccount:default:app"}},"ResponseMetadata":{{"RequestId":"ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE"}}}}}}"#
    )
}

/// The STS XML answer of `action` (AWS STS API reference examples), with `credentials` inside
/// `<Credentials>`.
fn sts_xml(action: &str, credentials: &str) -> String {
    format!(
        "<{action}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <{action}Result>\n    <AssumedRoleUser>\n      <Arn>arn:aws:sts::123456789012:assumed-role/demo/TestAR</Arn>\n      <AssumedRoleId>ARO123EXAMPLE123:TestAR</AssumedRoleId>\n    </AssumedRoleUser>\n    <Credentials>\n{credentials}\n    </Credentials>\n  </{action}Result>\n  <ResponseMetadata>\n    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>\n  </ResponseMetadata>\n</{action}Response>"
    )
}

fn xml_credentials(token: bool) -> String {
    let t = if token {
        format!("      <SessionToken>{TOKEN}</SessionToken>\n")
    } else {
        String::new()
    };
    format!(
        "      <AccessKeyId>{KEY_ID}</AccessKeyId>\n      <SecretAccessKey>{SECRET}</SecretAccessKey>\n{t}      <Expiration>{EXP_ISO}</Expiration>"
    )
}

/// An STS error document (AWS docs, "Common Errors"), XML.
fn sts_error_xml(code: &str, message: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n    <Type>Sender</Type>\n    <Code>{code}</Code>\n    <Message>{message}</Message>\n  </Error>\n  <RequestId>4b5c4a8e-example</RequestId>\n</ErrorResponse>"
    )
}

/// An STS error document, JSON (`Accept: application/json`).
fn sts_error_json(code: &str, message: &str) -> String {
    format!(
        r#"{{"Error":{{"Code":"{code}","Message":"{message}","Type":"Sender"}},"RequestId":"4b5c4a8e-example"}}"#
    )
}

// ---------------------------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------------------------

/// One scripted answer.
#[derive(Clone, Debug)]
enum Ev {
    File(Vec<u8>),
    Http(u16, Vec<(String, String)>, Vec<u8>),
    Io(IoError),
    Wake,
    Provided {
        id: String,
        secret: String,
        token: Option<String>,
        expiration: Option<u64>,
    },
    ProviderFailed,
    Exit(Option<i32>, Vec<u8>, Vec<u8>),
    MfaCode(String),
    MfaUnavailable,
    MfaFailed,
    Written,
}

fn file(s: &str) -> Ev {
    Ev::File(s.as_bytes().to_vec())
}
fn ok(body: &str) -> Ev {
    Ev::Http(200, vec![], body.as_bytes().to_vec())
}
fn status(code: u16) -> Ev {
    Ev::Http(code, vec![], vec![])
}
fn answer(code: u16, body: &str) -> Ev {
    Ev::Http(code, vec![], body.as_bytes().to_vec())
}
fn io(e: IoError) -> Ev {
    Ev::Io(e)
}

/// A request as the host would send it, read back with httparse.
#[derive(Clone, Debug, PartialEq)]
struct Req {
    method: String,
    /// scheme://Host + path (with query).
    url: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    connect_ms: u32,
    timeout_ms: u32,
    attempt: u8,
    step: &'static str,
}

impl Req {
    fn header(&self, name: &str) -> Option<&str> {
        let mut it = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name));
        let first = it.next().map(|(_, v)| v.as_str());
        assert!(it.next().is_none(), "header {name} sent twice");
        first
    }

    fn form(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(&self.body).into_owned().collect()
    }

    fn form_value(&self, key: &str) -> Option<String> {
        self.form()
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }
}

/// A non-final action.
#[derive(Clone, Debug, PartialEq)]
enum Seen {
    File {
        path: String,
        variable: &'static str,
    },
    Http(Req),
    Wait(u32),
    CallProvider,
    Process {
        program: String,
        args: Vec<String>,
        timeout_ms: u32,
    },
    Mfa {
        serial: String,
        profile: String,
        timeout_ms: u32,
    },
    Write {
        path: String,
        content: String,
    },
}

/// Owned copy of an [`Outcome`].
#[derive(Clone, Debug, PartialEq)]
struct Got {
    id: String,
    secret: String,
    token: Option<String>,
    expiration: Option<u64>,
    arn: Option<String>,
    role_id: Option<String>,
    account: Option<String>,
    source: Source,
    instance_role: Option<String>,
    cache: bool,
}

/// Owned copy of a [`Failure`] and its `Display`.
#[derive(Clone, Debug, PartialEq)]
struct Fail {
    error: Error,
    source: Option<Source>,
    step: Option<&'static str>,
    method: Option<&'static str>,
    url: Option<String>,
    path: Option<String>,
    variable: Option<&'static str>,
    status: Option<u16>,
    sts_code: Option<String>,
    sts_message: Option<String>,
    field: Option<&'static str>,
    io: Option<IoError>,
    attempts: u8,
    expiration: Option<u64>,
    deadline_ms: Option<u32>,
    display: String,
}

#[derive(Clone, Debug, PartialEq)]
enum End {
    Done(Got),
    Failed(Fail),
    UseCache,
}

#[derive(Clone, Debug, PartialEq)]
enum Obs {
    Seen(Seen),
    End(End),
}

fn read_request(h: &HttpAction<'_>) -> Req {
    let len = h.request.len();
    let mut buf = vec![0u8; len];
    // One byte short is refused, not truncated.
    if len > 0 {
        let mut short = vec![0u8; len - 1];
        assert!(matches!(
            h.request.write(&mut short),
            Err(Error::BufferTooSmall { .. })
        ));
    }
    let w = h.request.write(&mut buf).expect("request renders");
    assert_eq!(w.as_bytes().len(), len);
    let mut hs = [httparse::EMPTY_HEADER; 16];
    let mut r = httparse::Request::new(&mut hs);
    let n = match r.parse(w.as_bytes()).expect("valid HTTP/1.1") {
        httparse::Status::Complete(n) => n,
        httparse::Status::Partial => panic!("incomplete request head"),
    };
    assert_eq!(r.version, Some(1));
    let method = r.method.expect("method").to_string();
    assert_eq!(method, w.method());
    assert_eq!(method, h.request.method());
    let path = r.path.expect("path").to_string();
    assert_eq!(path, w.target());
    let headers: Vec<(String, String)> = r
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_string(),
                String::from_utf8(h.value.to_vec()).expect("header value is text"),
            )
        })
        .collect();
    let body = w.as_bytes()[n..].to_vec();
    assert_eq!(body, w.body());
    let host = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("host"))
        .map(|(_, v)| v.clone())
        .expect("Host header");
    assert_eq!(host, w.authority());
    let cl = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"));
    match cl {
        Some((_, v)) => assert_eq!(v.parse::<usize>().unwrap(), body.len()),
        None => {
            assert_eq!(method, "GET");
            assert!(body.is_empty());
        }
    }
    // The header view for HTTP libraries: the same headers minus Host/Content-Length/Connection.
    let lib: Vec<(String, String)> = w
        .headers()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    let wire: Vec<(String, String)> = headers
        .iter()
        .filter(|(k, _)| {
            !["host", "content-length", "connection"]
                .iter()
                .any(|x| k.eq_ignore_ascii_case(x))
        })
        .cloned()
        .collect();
    assert_eq!(lib, wire);
    Req {
        url: format!("{}://{}{}", w.scheme().as_str(), host, path),
        method,
        headers,
        body,
        connect_ms: h.connect_timeout_ms,
        timeout_ms: h.timeout_ms,
        attempt: h.attempt,
        step: h.step,
    }
}

fn got(o: &Outcome<'_>) -> Got {
    let c = o.fetched.credentials;
    // Done always carries credentials the core itself accepts.
    assert!(Credentials::new(c.access_key_id(), c.secret_access_key(), c.session_token()).is_ok());
    Got {
        id: c.access_key_id().into(),
        secret: c.secret_access_key().into(),
        token: c.session_token().map(Into::into),
        expiration: o.fetched.expiration.map(|t| t.0),
        arn: o.fetched.arn.map(Into::into),
        role_id: o.fetched.assumed_role_id.map(Into::into),
        account: o.fetched.account_id.map(Into::into),
        source: o.fetched.source,
        instance_role: o.instance_role.map(Into::into),
        cache: o.cache,
    }
}

fn fail(f: &Failure<'_>) -> Fail {
    Fail {
        error: f.error,
        source: f.source,
        step: f.step,
        method: f.method,
        url: f.url.map(Into::into),
        path: f.path.map(Into::into),
        variable: f.variable,
        status: f.status,
        sts_code: f.sts_code.map(Into::into),
        sts_message: f.sts_message.map(Into::into),
        field: f.field,
        io: f.io,
        attempts: f.attempts,
        expiration: f.expiration.map(|t| t.0),
        deadline_ms: f.deadline_ms,
        display: f.to_string(),
    }
}

fn observe(chain: &mut Chain<'_>) -> Obs {
    match chain.poll() {
        Action::ReadFile { path, variable } => Obs::Seen(Seen::File {
            path: path.into(),
            variable,
        }),
        Action::Http(h) => Obs::Seen(Seen::Http(read_request(&h))),
        Action::Wait { millis } => Obs::Seen(Seen::Wait(millis)),
        Action::CallProvider => Obs::Seen(Seen::CallProvider),
        Action::RunProcess(p) => Obs::Seen(Seen::Process {
            program: p.program.into(),
            args: p.args.map(Into::into).collect(),
            timeout_ms: p.timeout_ms,
        }),
        Action::AskMfa {
            serial,
            profile,
            timeout_ms,
        } => Obs::Seen(Seen::Mfa {
            serial: serial.into(),
            profile: profile.into(),
            timeout_ms,
        }),
        Action::WriteFile { path, content } => Obs::Seen(Seen::Write {
            path: path.into(),
            content: String::from_utf8_lossy(content).into_owned(),
        }),
        Action::UseCache => Obs::End(End::UseCache),
        Action::Done(o) => Obs::End(End::Done(got(&o))),
        Action::Failed(f) => Obs::End(End::Failed(fail(&f))),
    }
}

fn apply(chain: &mut Chain<'_>, ev: &Ev) {
    match ev {
        Ev::File(b) => chain.on_file(b),
        Ev::Http(s, h, b) => {
            let hs: Vec<(&str, &str)> = h.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
            chain.on_response(*s, &hs, b)
        }
        Ev::Io(e) => chain.on_io_error(*e),
        Ev::Wake => chain.on_wake(),
        Ev::Provided {
            id,
            secret,
            token,
            expiration,
        } => chain.on_provided(id, secret, token.as_deref(), expiration.map(UnixTime)),
        Ev::ProviderFailed => chain.on_provider_failed(),
        Ev::Exit(code, out, err) => chain.on_process_exit(*code, out, err),
        Ev::MfaCode(c) => chain.on_mfa_code(c),
        Ev::MfaUnavailable => chain.on_mfa_unavailable(),
        Ev::MfaFailed => chain.on_mfa_failed(),
        Ev::Written => chain.on_written(),
    }
}

/// Drives `chain` to its end: every ReadFile, Http and CallProvider action takes the next answer
/// of `script`; Wait actions are answered with `on_wake`. Every poll is made twice and must give
/// the same action. The script must be used up exactly.
fn drive(chain: &mut Chain<'_>, script: &[Ev]) -> (Vec<Seen>, End) {
    let mut seen = Vec::new();
    let mut answers = script.iter();
    for _ in 0..200 {
        let a = observe(chain);
        assert_eq!(a, observe(chain), "poll() is not idempotent");
        match a {
            Obs::End(end) => {
                assert!(
                    answers.next().is_none(),
                    "the chain ended before using the whole script: {seen:#?} {end:#?}"
                );
                // Finished chains stay finished.
                assert_eq!(observe(chain), Obs::End(end.clone()));
                return (seen, end);
            }
            Obs::Seen(Seen::Wait(ms)) => {
                seen.push(Seen::Wait(ms));
                chain.on_wake();
            }
            Obs::Seen(s) => {
                let ev = answers
                    .next()
                    .unwrap_or_else(|| panic!("script exhausted at {s:#?} after {seen:#?}"));
                seen.push(s);
                apply(chain, ev);
            }
        }
    }
    panic!("no end after 200 polls: {seen:#?}");
}

fn default_plan() -> Plan<'static> {
    Plan::Default {
        custom_provider: false,
        fresh_cache: false,
        profile: None,
    }
}

fn env(vars: &[(&'static str, &'static str)]) -> Env<'static> {
    let mut e = Env::new();
    for (k, v) in vars {
        assert!(e.set(k, Some(v)), "{k} is not a chain variable");
    }
    e
}

fn new_chain<'a>(env: Env<'a>, plan: Plan<'a>, now: u64) -> Box<Chain<'a>> {
    Box::new(Chain::new(env, plan, UnixTime(now), RANDOM))
}

/// Runs the default chain over `vars` at [`NOW`].
fn run(vars: &[(&'static str, &'static str)], script: &[Ev]) -> (Vec<Seen>, End) {
    let mut c = new_chain(env(vars), default_plan(), NOW);
    drive(&mut c, script)
}

fn done(end: End) -> Got {
    match end {
        End::Done(g) => g,
        other => panic!("expected credentials, got {other:#?}"),
    }
}

fn failed(end: End) -> Fail {
    match end {
        End::Failed(f) => f,
        other => panic!("expected a failure, got {other:#?}"),
    }
}

fn http(seen: &[Seen]) -> Vec<&Req> {
    seen.iter()
        .filter_map(|s| match s {
            Seen::Http(r) => Some(r),
            _ => None,
        })
        .collect()
}

fn only_request(seen: &[Seen]) -> &Req {
    match seen {
        [Seen::Http(r)] => r,
        other => panic!("expected exactly one request, saw {other:#?}"),
    }
}

/// The first action of the default chain over `vars`.
fn first_action(vars: &[(&'static str, &'static str)]) -> Obs {
    let mut c = new_chain(env(vars), default_plan(), NOW);
    observe(&mut c)
}

fn first_url(vars: &[(&'static str, &'static str)]) -> String {
    match first_action(vars) {
        Obs::Seen(Seen::Http(r)) => r.url,
        other => panic!("expected a request, got {other:#?}"),
    }
}

fn imds_happy_script() -> Vec<Ev> {
    vec![
        ok("AQAEAKnK2xPDvNZP1Ws8o6OoJ1PWHXR7f7Al8Q==\n"),
        ok("my-instance-role\n"),
        ok(&imds_json()),
    ]
}

const IMDS_TOKEN_URL: &str = "http://169.254.169.254/latest/api/token";
const IMDS_ROLE_URL: &str = "http://169.254.169.254/latest/meta-data/iam/security-credentials/";
const ECS_URL: &str = "http://169.254.170.2/v2/credentials/0a7b3d2e-example";
const STS_URL: &str = "https://sts.amazonaws.com/";

fn web_identity_vars() -> Vec<(&'static str, &'static str)> {
    vec![
        ("AWS_WEB_IDENTITY_TOKEN_FILE", WEB_TOKEN_FILE),
        ("AWS_ROLE_ARN", ROLE_ARN),
    ]
}

// ---------------------------------------------------------------------------------------------
// Environment snapshot
// ---------------------------------------------------------------------------------------------

#[test]
fn env_snapshot_api() {
    assert_eq!(VARS.len(), ALL_VARS.len());
    for (v, name) in ALL_VARS.iter().zip(VARS) {
        assert_eq!(v.name(), *name);
    }
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
        "AWS_ROLE_SESSION_NAME",
        "AWS_STS_REGIONAL_ENDPOINTS",
        "AWS_REGION",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN",
        "AWS_EC2_METADATA_DISABLED",
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        "AWS_METADATA_SERVICE_TIMEOUT",
        "AWS_METADATA_SERVICE_NUM_ATTEMPTS",
        "MONGODB_AWS_EC2_METADATA_ENDPOINT",
        "MONGODB_AWS_ECS_ENDPOINT",
        "MONGODB_AWS_STS_ENDPOINT",
    ] {
        assert!(VARS.contains(&name), "{name} is not snapshotted");
    }
    let mut e = Env::new();
    assert!(!e.set("PATH", Some("/usr/bin")));
    assert!(e.set("AWS_REGION", Some("eu-west-1")));
    assert_eq!(e.get(Var::Region), Some("eu-west-1"));
    assert!(e.set("AWS_REGION", Some("")));
    assert_eq!(e.get(Var::Region), None, "empty counts as unset");
    assert_eq!(e.iter().count(), 0);
    let e = Env::from_fn(|n| (n == "AWS_ROLE_ARN").then_some(ROLE_ARN));
    assert_eq!(e.get(Var::RoleArn), Some(ROLE_ARN));
    assert_eq!(e.iter().collect::<Vec<_>>(), vec![(Var::RoleArn, ROLE_ARN)]);
    assert_eq!(Env::default(), Env::new());
    let c = new_chain(e, default_plan(), NOW);
    assert_eq!(c.env().get(Var::RoleArn), Some(ROLE_ARN));
}

// ---------------------------------------------------------------------------------------------
// Order
// ---------------------------------------------------------------------------------------------

const EVERYTHING: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
    ("AWS_SECRET_ACCESS_KEY", "envsecret"),
    ("AWS_WEB_IDENTITY_TOKEN_FILE", WEB_TOKEN_FILE),
    ("AWS_ROLE_ARN", ROLE_ARN),
    ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", ECS_URI),
    ("AWS_CONTAINER_CREDENTIALS_FULL_URI", FULL_URI),
];

#[test]
fn custom_provider_comes_first_and_is_not_cached() {
    for fresh_cache in [false, true] {
        let plan = Plan::Default {
            custom_provider: true,
            fresh_cache,
            profile: None,
        };
        let mut c = new_chain(env(EVERYTHING), plan, NOW);
        let (seen, end) = drive(
            &mut c,
            &[Ev::Provided {
                id: "AKIDCUSTOM".into(),
                secret: "customsecret".into(),
                token: Some("customtoken".into()),
                expiration: Some(EXP),
            }],
        );
        assert_eq!(seen, vec![Seen::CallProvider]);
        let g = done(end);
        assert_eq!(g.source, Source::CustomProvider);
        assert!(!g.cache, "custom-provider credentials are never cached");
        assert_eq!(
            (g.id.as_str(), g.secret.as_str(), g.token.as_deref()),
            ("AKIDCUSTOM", "customsecret", Some("customtoken"))
        );
        assert_eq!(g.expiration, Some(EXP));
        assert_eq!(g.instance_role, None);
    }
    // Without an expiration, and with an empty token (= none).
    let plan = Plan::Default {
        custom_provider: true,
        fresh_cache: false,
        profile: None,
    };
    let mut c = new_chain(Env::new(), plan, NOW);
    let (_, end) = drive(
        &mut c,
        &[Ev::Provided {
            id: "AKIDCUSTOM".into(),
            secret: "customsecret".into(),
            token: Some(String::new()),
            expiration: None,
        }],
    );
    let g = done(end);
    assert_eq!((g.token, g.expiration, g.cache), (None, None, false));
}

#[test]
fn custom_provider_failures() {
    let plan = Plan::Default {
        custom_provider: true,
        fresh_cache: false,
        profile: None,
    };
    let mut c = new_chain(Env::new(), plan, NOW);
    let f = failed(drive(&mut c, &[Ev::ProviderFailed]).1);
    assert_eq!(f.error, Error::CustomProviderFailed);
    assert_eq!(f.source, Some(Source::CustomProvider));

    let mut c = new_chain(Env::new(), plan, NOW);
    let ev = Ev::Provided {
        id: "AKIDCUSTOM".into(),
        secret: String::new(),
        token: None,
        expiration: None,
    };
    let f = failed(drive(&mut c, &[ev]).1);
    assert_eq!(f.error, Error::MissingSecretAccessKey);
    assert_eq!(f.source, Some(Source::CustomProvider));

    // Expired, or inside the 5-minute window.
    for exp in [NOW - 1, NOW + 300] {
        let mut c = new_chain(Env::new(), plan, NOW);
        let ev = Ev::Provided {
            id: "AKIDCUSTOM".into(),
            secret: "customsecret-value".into(),
            token: None,
            expiration: Some(exp),
        };
        let f = failed(drive(&mut c, &[ev]).1);
        assert_eq!(f.error, Error::CredentialsExpired);
        assert_eq!(f.expiration, Some(exp));
        assert!(!f.display.contains("customsecret-value"));
    }
}

#[test]
fn fresh_cache_comes_before_the_environment() {
    let plan = Plan::Default {
        custom_provider: false,
        fresh_cache: true,
        profile: None,
    };
    let mut c = new_chain(env(EVERYTHING), plan, NOW);
    let (seen, end) = drive(&mut c, &[]);
    assert!(seen.is_empty());
    assert_eq!(end, End::UseCache);
}

#[test]
fn environment_credentials() {
    let (seen, end) = run(
        &[
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "envsecret"),
            ("AWS_SESSION_TOKEN", "envtoken"),
        ],
        &[],
    );
    assert!(seen.is_empty(), "no I/O for environment credentials");
    let g = done(end);
    assert_eq!(g.source, Source::Environment);
    assert!(!g.cache, "environment credentials are never cached");
    assert_eq!(
        (g.id.as_str(), g.secret.as_str(), g.token.as_deref()),
        ("AKIDEXAMPLE", "envsecret", Some("envtoken"))
    );
    assert_eq!((g.expiration, g.arn, g.instance_role), (None, None, None));

    // An empty token is no token.
    let g = done(
        run(
            &[
                ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
                ("AWS_SECRET_ACCESS_KEY", "envsecret"),
                ("AWS_SESSION_TOKEN", ""),
            ],
            &[],
        )
        .1,
    );
    assert_eq!(g.token, None);
    // The environment wins over every endpoint source.
    let g = done(run(EVERYTHING, &[]).1);
    assert_eq!(g.source, Source::Environment);
}

#[test]
fn environment_combinations() {
    let cases: &[(&[(&str, &str)], Error)] = &[
        (
            &[("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")],
            Error::MissingSecretAccessKey,
        ),
        (
            &[
                ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
                ("AWS_SECRET_ACCESS_KEY", ""),
            ],
            Error::MissingSecretAccessKey,
        ),
        (
            &[("AWS_SECRET_ACCESS_KEY", "envsecret")],
            Error::MissingAccessKeyId,
        ),
        (
            &[
                ("AWS_SECRET_ACCESS_KEY", "envsecret"),
                ("AWS_SESSION_TOKEN", "envtoken"),
            ],
            Error::MissingAccessKeyId,
        ),
        (
            &[("AWS_SESSION_TOKEN", "envtoken")],
            Error::SessionTokenWithoutKeys,
        ),
        (
            &[
                ("AWS_ACCESS_KEY_ID", ""),
                ("AWS_SECRET_ACCESS_KEY", ""),
                ("AWS_SESSION_TOKEN", "envtoken"),
            ],
            Error::SessionTokenWithoutKeys,
        ),
        // Any of the three set: the environment is the source even with ECS configured.
        (
            &[
                ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
                ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", ECS_URI),
            ],
            Error::MissingSecretAccessKey,
        ),
        (
            &[
                ("AWS_ACCESS_KEY_ID", "AKID EXAMPLE"),
                ("AWS_SECRET_ACCESS_KEY", "envsecret"),
            ],
            Error::InvalidAccessKeyId,
        ),
        (
            &[
                ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
                ("AWS_SECRET_ACCESS_KEY", "env secret"),
            ],
            Error::InvalidSecretAccessKey,
        ),
    ];
    for (vars, want) in cases {
        let (seen, end) = run(vars, &[]);
        assert!(seen.is_empty());
        let f = failed(end);
        assert_eq!(f.error, *want, "{vars:?}");
        assert_eq!(f.source, Some(Source::Environment), "{vars:?}");
        assert!(!f.display.contains("env secret"));
        assert!(!f.display.contains("envsecret"));
        assert!(!f.display.contains("envtoken"));
    }
}

#[test]
fn empty_environment_values_count_as_unset() {
    let url = first_url(&[
        ("AWS_ACCESS_KEY_ID", ""),
        ("AWS_SECRET_ACCESS_KEY", ""),
        ("AWS_SESSION_TOKEN", ""),
        ("AWS_WEB_IDENTITY_TOKEN_FILE", ""),
        ("AWS_ROLE_ARN", ""),
        ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", ""),
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", ""),
        ("AWS_EC2_METADATA_DISABLED", ""),
    ]);
    assert_eq!(url, IMDS_TOKEN_URL);
}

#[test]
fn web_identity_needs_both_variables() {
    // Both: read the token file first.
    assert_eq!(
        first_action(&web_identity_vars()),
        Obs::Seen(Seen::File {
            path: WEB_TOKEN_FILE.into(),
            variable: "AWS_WEB_IDENTITY_TOKEN_FILE",
        })
    );
    // Only one of them: the chain goes on (ECS, else EC2).
    for one in [
        ("AWS_WEB_IDENTITY_TOKEN_FILE", WEB_TOKEN_FILE),
        ("AWS_ROLE_ARN", ROLE_ARN),
    ] {
        assert_eq!(first_url(&[one]), IMDS_TOKEN_URL);
        assert_eq!(
            first_url(&[one, ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", ECS_URI)]),
            ECS_URL
        );
        assert_eq!(first_url(&[one, ("AWS_ROLE_ARN", "")]), IMDS_TOKEN_URL);
    }
    // Web identity wins over ECS and the full URI.
    let mut vars = web_identity_vars();
    vars.push(("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", ECS_URI));
    vars.push(("AWS_CONTAINER_CREDENTIALS_FULL_URI", FULL_URI));
    assert!(matches!(first_action(&vars), Obs::Seen(Seen::File { .. })));
}

#[test]
fn ecs_over_full_uri_over_ec2() {
    assert_eq!(
        first_url(&[
            ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", ECS_URI),
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", FULL_URI),
        ]),
        ECS_URL
    );
    assert_eq!(
        first_url(&[("AWS_CONTAINER_CREDENTIALS_FULL_URI", FULL_URI)]),
        FULL_URI
    );
    assert_eq!(first_url(&[]), IMDS_TOKEN_URL);
    // AWS_EC2_METADATA_DISABLED only turns EC2 off.
    assert_eq!(
        first_url(&[
            ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", ECS_URI),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ]),
        ECS_URL
    );
}

#[test]
fn ec2_disabled_means_no_credentials() {
    for v in ["true", "TRUE", "True", " true "] {
        let (seen, end) = run(&[("AWS_EC2_METADATA_DISABLED", v)], &[]);
        assert!(seen.is_empty());
        let f = failed(end);
        assert_eq!(f.error, Error::NoCredentials, "{v:?}");
        assert_eq!(f.variable, Some("AWS_EC2_METADATA_DISABLED"));
        assert!(f.display.contains("AWS_EC2_METADATA_DISABLED"));
    }
    for v in ["false", "1", "yes", ""] {
        assert_eq!(
            first_url(&[("AWS_EC2_METADATA_DISABLED", v)]),
            IMDS_TOKEN_URL,
            "{v:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Each source's happy path
// ---------------------------------------------------------------------------------------------

#[test]
fn ecs_happy_path() {
    let (seen, end) = run(
        &[("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", ECS_URI)],
        &[ok(&ecs_json(EXP_ISO))],
    );
    let r = only_request(&seen);
    assert_eq!(r.method, "GET");
    assert_eq!(r.url, ECS_URL);
    assert_eq!(r.header("Host"), Some("169.254.170.2"));
    assert_eq!(r.header("Accept"), Some("application/json"));
    assert_eq!(r.header("Authorization"), None);
    assert_eq!(r.header("Connection"), Some("close"));
    assert!(r.body.is_empty());
    assert_eq!((r.connect_ms, r.timeout_ms, r.attempt), (2_000, 10_000, 1));
    assert_eq!(r.step, "ECS credentials");
    let g = done(end);
    assert_eq!(
        g,
        Got {
            id: KEY_ID.into(),
            secret: SECRET.into(),
            token: Some(TOKEN.into()),
            expiration: Some(EXP),
            arn: Some("arn:aws:iam::123456789012:role/ecs-task".into()),
            role_id: None,
            account: None,
            source: Source::Ecs,
            instance_role: None,
            cache: true,
        }
    );
}

#[test]
fn ecs_endpoint_override() {
    let (seen, end) = run(
        &[
            ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", ECS_URI),
            ("MONGODB_AWS_ECS_ENDPOINT", "http://127.0.0.1:9901"),
        ],
        &[ok(&ecs_json(EXP_ISO))],
    );
    let r = only_request(&seen);
    assert_eq!(r.url, format!("http://127.0.0.1:9901{ECS_URI}"));
    assert_eq!(r.header("Host"), Some("127.0.0.1:9901"));
    assert_eq!(done(end).source, Source::Ecs);
}

#[test]
fn full_uri_token_file_wins_over_token_variable() {
    let (seen, end) = run(
        &[
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", FULL_URI),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", AUTH_TOKEN_FILE),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "from-the-variable"),
        ],
        &[file("from-the-file\n"), ok(&pod_identity_json())],
    );
    assert_eq!(
        seen[0],
        Seen::File {
            path: AUTH_TOKEN_FILE.into(),
            variable: "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
        }
    );
    let reqs = http(&seen);
    assert_eq!(reqs.len(), 1);
    let r = reqs[0];
    assert_eq!((r.method.as_str(), r.url.as_str()), ("GET", FULL_URI));
    assert_eq!(r.header("Authorization"), Some("from-the-file"));
    assert_eq!(r.header("Accept"), Some("application/json"));
    assert_eq!((r.connect_ms, r.timeout_ms, r.attempt), (2_000, 10_000, 1));
    assert_eq!(r.step, "container credentials");
    let g = done(end);
    assert_eq!(g.source, Source::ContainerFullUri);
    assert_eq!(g.account.as_deref(), Some("123456789012"));
    assert_eq!(g.expiration, Some(EXP));
    assert!(g.cache);
}

#[test]
fn full_uri_with_token_variable_or_none() {
    let (seen, end) = run(
        &[
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", FULL_URI),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "from-the-variable"),
        ],
        &[ok(&pod_identity_json())],
    );
    assert_eq!(
        only_request(&seen).header("Authorization"),
        Some("from-the-variable")
    );
    assert_eq!(done(end).source, Source::ContainerFullUri);
    let (seen, _) = run(
        &[("AWS_CONTAINER_CREDENTIALS_FULL_URI", FULL_URI)],
        &[ok(&pod_identity_json())],
    );
    assert_eq!(only_request(&seen).header("Authorization"), None);
}

#[test]
fn full_uri_rules() {
    // Plain http to a host outside the allowed list.
    let (seen, end) = run(
        &[(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "http://169.254.169.254/latest/meta-data/",
        )],
        &[],
    );
    assert!(seen.is_empty());
    let f = failed(end);
    assert_eq!(f.error, Error::ForbiddenContainerHost);
    assert_eq!(f.source, Some(Source::ContainerFullUri));
    assert_eq!(f.variable, Some("AWS_CONTAINER_CREDENTIALS_FULL_URI"));
    // A token with a line break in the variable: refused, the variable named, the value not shown.
    let f = failed(
        run(
            &[
                ("AWS_CONTAINER_CREDENTIALS_FULL_URI", FULL_URI),
                (
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                    "secret-tok\r\nX-Injected: 1",
                ),
            ],
            &[],
        )
        .1,
    );
    assert_eq!(f.error, Error::InvalidAuthorizationToken);
    assert_eq!(f.variable, Some("AWS_CONTAINER_AUTHORIZATION_TOKEN"));
    assert!(!f.display.contains("secret-tok"));
    // The same in the file.
    let f = failed(
        run(
            &[
                ("AWS_CONTAINER_CREDENTIALS_FULL_URI", FULL_URI),
                ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", AUTH_TOKEN_FILE),
            ],
            &[file("secret-tok\nX-Injected: 1")],
        )
        .1,
    );
    assert_eq!(f.error, Error::InvalidAuthorizationToken);
    assert_eq!(f.path.as_deref(), Some(AUTH_TOKEN_FILE));
    assert!(!f.display.contains("secret-tok"));
    // https to any host is allowed.
    let url = first_url(&[(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "https://creds.example.com/v1?role=x",
    )]);
    assert_eq!(url, "https://creds.example.com/v1?role=x");
}

#[test]
fn imds_three_steps() {
    let (seen, end) = run(&[], &imds_happy_script());
    let reqs = http(&seen);
    assert_eq!(reqs.len(), 3);
    assert_eq!(seen.len(), 3, "no waits, no files");

    let t = reqs[0];
    assert_eq!((t.method.as_str(), t.url.as_str()), ("PUT", IMDS_TOKEN_URL));
    assert_eq!(t.header("X-aws-ec2-metadata-token-ttl-seconds"), Some("30"));
    assert_eq!(t.header("X-aws-ec2-metadata-token"), None);
    assert_eq!(t.header("Content-Length"), Some("0"));
    assert_eq!(t.header("Host"), Some("169.254.169.254"));
    assert_eq!(t.step, "IMDSv2 token");

    let r = reqs[1];
    assert_eq!((r.method.as_str(), r.url.as_str()), ("GET", IMDS_ROLE_URL));
    assert_eq!(
        r.header("X-aws-ec2-metadata-token"),
        Some("AQAEAKnK2xPDvNZP1Ws8o6OoJ1PWHXR7f7Al8Q==")
    );
    assert_eq!(r.header("X-aws-ec2-metadata-token-ttl-seconds"), None);
    assert_eq!(r.step, "IMDS role name");

    let c = reqs[2];
    assert_eq!(c.method, "GET");
    assert_eq!(c.url, format!("{IMDS_ROLE_URL}my-instance-role"));
    assert_eq!(
        c.header("X-aws-ec2-metadata-token"),
        Some("AQAEAKnK2xPDvNZP1Ws8o6OoJ1PWHXR7f7Al8Q==")
    );
    assert_eq!(c.step, "IMDS role credentials");

    for r in &reqs {
        assert_eq!((r.connect_ms, r.timeout_ms, r.attempt), (1_000, 1_000, 1));
    }
    let g = done(end);
    assert_eq!(
        g,
        Got {
            id: KEY_ID.into(),
            secret: SECRET.into(),
            token: Some(TOKEN.into()),
            expiration: Some(EXP),
            arn: None,
            role_id: None,
            account: None,
            source: Source::Ec2,
            instance_role: Some("my-instance-role".into()),
            cache: true,
        }
    );
}

#[test]
fn imds_endpoint_overrides() {
    assert_eq!(
        first_url(&[(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            "http://[fd00:ec2::254]"
        )]),
        "http://[fd00:ec2::254]/latest/api/token"
    );
    assert_eq!(
        first_url(&[
            (
                "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                "http://[fd00:ec2::254]"
            ),
            ("MONGODB_AWS_EC2_METADATA_ENDPOINT", "http://127.0.0.1:8111"),
        ]),
        "http://127.0.0.1:8111/latest/api/token"
    );
    let f = failed(
        run(
            &[(
                "MONGODB_AWS_EC2_METADATA_ENDPOINT",
                "http://127.0.0.1:8111/x",
            )],
            &[],
        )
        .1,
    );
    assert_eq!(f.error, Error::EndpointHasPath);
    assert_eq!(f.variable, Some("MONGODB_AWS_EC2_METADATA_ENDPOINT"));
    assert_eq!(f.source, Some(Source::Ec2));
}

#[test]
fn imds_role_and_token_answers() {
    // An empty role list: no instance role.
    let f = failed(run(&[], &[ok("tok"), ok("")]).1);
    assert_eq!(f.error, Error::NoInstanceRole);
    assert_eq!(f.step, Some("IMDS role name"));
    // A role name that is not a name.
    let f = failed(run(&[], &[ok("tok"), ok("../../etc/passwd")]).1);
    assert_eq!(f.error, Error::InvalidRoleName);
    // A token with a space.
    let f = failed(run(&[], &[ok("bad token")]).1);
    assert_eq!(f.error, Error::InvalidImdsToken);
    assert_eq!(f.step, Some("IMDSv2 token"));
    // Code other than Success.
    let f = failed(
        run(
            &[],
            &[
                ok("tok"),
                ok("r"),
                ok(r#"{"Code":"AssumeRoleUnauthorizedAccess","Message":"...","LastUpdated":"2023-12-31T22:00:00Z"}"#),
            ],
        )
        .1,
    );
    assert_eq!(f.error, Error::ImdsCodeNotSuccess);
    assert_eq!(
        f.url.as_deref(),
        Some("http://169.254.169.254/latest/meta-data/iam/security-credentials/r")
    );
}

#[test]
fn web_identity_json_with_epoch_expiration() {
    for exp in ["1704067200", "1.7040672E9"] {
        let (seen, end) = run(
            &web_identity_vars(),
            &[file(&format!("{WEB_TOKEN}\n")), ok(&web_identity_json(exp))],
        );
        assert_eq!(seen.len(), 2);
        assert_eq!(
            seen[0],
            Seen::File {
                path: WEB_TOKEN_FILE.into(),
                variable: "AWS_WEB_IDENTITY_TOKEN_FILE",
            }
        );
        let r = http(&seen)[0];
        assert_eq!((r.method.as_str(), r.url.as_str()), ("POST", STS_URL));
        assert_eq!(r.header("Host"), Some("sts.amazonaws.com"));
        assert_eq!(r.header("Accept"), Some("application/json"));
        assert_eq!(r.header("Content-Type"), Some(FORM_CONTENT_TYPE_TEXT));
        assert_eq!(r.header("Authorization"), None, "the call is unsigned");
        assert_eq!((r.connect_ms, r.timeout_ms, r.attempt), (5_000, 10_000, 1));
        assert_eq!(r.step, "STS AssumeRoleWithWebIdentity");
        let form = r.form();
        let want: Vec<(String, String)> = [
            ("Action", "AssumeRoleWithWebIdentity"),
            ("Version", "2011-06-15"),
            ("RoleArn", ROLE_ARN),
            ("RoleSessionName", GENERATED_NAME),
            ("WebIdentityToken", WEB_TOKEN),
        ]
        .iter()
        .map(|(a, b)| ((*a).into(), (*b).into()))
        .collect();
        assert_eq!(form, want);
        let g = done(end);
        assert_eq!(
            g,
            Got {
                id: KEY_ID.into(),
                secret: SECRET.into(),
                token: Some(TOKEN.into()),
                expiration: Some(EXP),
                arn: Some("arn:aws:sts::123456789012:assumed-role/irsa-role/app1".into()),
                role_id: Some("AROACLKWSDQRAOEXAMPLE:app1".into()),
                account: None,
                source: Source::WebIdentity,
                instance_role: None,
                cache: true,
            }
        );
    }
}

const FORM_CONTENT_TYPE_TEXT: &str = "application/x-www-form-urlencoded; charset=utf-8";

#[test]
fn web_identity_xml_with_iso_expiration() {
    let mut vars = web_identity_vars();
    vars.push(("AWS_ROLE_SESSION_NAME", "app+1@ns"));
    vars.push(("AWS_STS_REGIONAL_ENDPOINTS", "regional"));
    vars.push(("AWS_REGION", "eu-west-1"));
    let (seen, end) = run(
        &vars,
        &[
            file(WEB_TOKEN),
            ok(&sts_xml(
                "AssumeRoleWithWebIdentity",
                &xml_credentials(true),
            )),
        ],
    );
    let r = http(&seen)[0];
    assert_eq!(r.url, "https://sts.eu-west-1.amazonaws.com/");
    assert_eq!(r.form_value("RoleSessionName").as_deref(), Some("app+1@ns"));
    assert!(String::from_utf8(r.body.clone())
        .unwrap()
        .contains("RoleSessionName=app%2B1%40ns"));
    let g = done(end);
    assert_eq!(g.source, Source::WebIdentity);
    assert_eq!(g.expiration, Some(EXP));
    assert_eq!(g.token.as_deref(), Some(TOKEN));
    assert_eq!(
        g.arn.as_deref(),
        Some("arn:aws:sts::123456789012:assumed-role/demo/TestAR")
    );
}

#[test]
fn web_identity_sts_override_and_bad_settings() {
    let mut vars = web_identity_vars();
    vars.push(("MONGODB_AWS_STS_ENDPOINT", "http://127.0.0.1:5000"));
    let (seen, _) = run(
        &vars,
        &[file(WEB_TOKEN), ok(&web_identity_json("1704067200"))],
    );
    assert_eq!(http(&seen)[0].url, "http://127.0.0.1:5000/");

    let cases: &[(&str, &str, Error)] = &[
        ("AWS_ROLE_ARN", "not-an-arn", Error::InvalidRoleArn),
        (
            "AWS_ROLE_SESSION_NAME",
            "bad name",
            Error::InvalidRoleSessionName,
        ),
        ("AWS_REGION", "eu/west", Error::InvalidRegion),
        (
            "MONGODB_AWS_STS_ENDPOINT",
            "http://sts.example.com",
            Error::InvalidEndpointUrl,
        ),
    ];
    for (var, value, want) in cases {
        let mut e = env(&web_identity_vars());
        assert!(e.set(var, Some(value)));
        let mut c = new_chain(e, default_plan(), NOW);
        let (seen, end) = drive(&mut c, &[file(WEB_TOKEN)]);
        assert_eq!(seen.len(), 1, "{var}");
        let f = failed(end);
        assert_eq!(f.error, *want, "{var}");
        assert_eq!(f.variable, Some(*var));
        assert_eq!(f.source, Some(Source::WebIdentity));
        assert!(f.display.contains(var));
        assert!(!f.display.contains(WEB_TOKEN));
    }
    // A token file that holds no token.
    let f = failed(run(&web_identity_vars(), &[file("ab cd")]).1);
    assert_eq!(f.error, Error::InvalidWebIdentityToken);
    assert_eq!(f.path.as_deref(), Some(WEB_TOKEN_FILE));
    assert!(!f.display.contains("ab cd"));
    // Larger than MAX_FILE_LEN.
    let big = "a".repeat(MAX_FILE_LEN + 1);
    let f = failed(run(&web_identity_vars(), &[file(&big)]).1);
    assert_eq!(f.error, Error::InvalidWebIdentityToken);
    assert_eq!(f.path.as_deref(), Some(WEB_TOKEN_FILE));
}

fn assume_role_plan<'a>(base: Credentials<'a>, session_name: Option<&'a str>) -> Plan<'a> {
    Plan::AssumeRole {
        base,
        role_arn: "arn:aws:iam::123456789012:role/demo",
        session_name,
        external_id: Some("ext-123"),
        duration_seconds: Some(3600),
        mfa: None,
    }
}

/// 2019-11-09T13:34:41Z (the STS reference example's Expiration).
const AR_EXP: u64 = 1_573_306_481;
const AR_EXP_ISO: &str = "2019-11-09T13:34:41Z";

#[test]
fn assume_role_is_signed() {
    let base = Credentials::new("AKIDEXAMPLE", "base-secret-value", None).unwrap();
    let now = AR_EXP - 3600; // 2019-11-09T12:34:41Z
    let mut c = new_chain(Env::new(), assume_role_plan(base, Some("session-1")), now);
    let creds = format!(
        "      <AccessKeyId>{KEY_ID}</AccessKeyId>\n      <SecretAccessKey>{SECRET}</SecretAccessKey>\n      <SessionToken>{TOKEN}</SessionToken>\n      <Expiration>{AR_EXP_ISO}</Expiration>"
    );
    let (seen, end) = drive(&mut c, &[ok(&sts_xml("AssumeRole", &creds))]);
    let r = only_request(&seen);
    assert_eq!((r.method.as_str(), r.url.as_str()), ("POST", STS_URL));
    assert_eq!(r.header("X-Amz-Date"), Some("20191109T123441Z"));
    assert_eq!(r.header("Content-Type"), Some(FORM_CONTENT_TYPE_TEXT));
    assert_eq!(r.header("X-Amz-Security-Token"), None);
    let auth = r.header("Authorization").expect("AssumeRole is signed");
    assert!(
        auth.starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20191109/us-east-1/sts/aws4_request, SignedHeaders="
        ),
        "{auth}"
    );
    let sig = auth.rsplit("Signature=").next().unwrap();
    assert_eq!(sig.len(), 64);
    assert!(sig.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(!auth.contains("base-secret-value"));
    assert_eq!((r.connect_ms, r.timeout_ms, r.attempt), (5_000, 10_000, 1));
    assert_eq!(r.step, "STS AssumeRole");
    let form = r.form();
    assert_eq!(form[0], ("Action".into(), "AssumeRole".into()));
    assert_eq!(
        r.form_value("RoleSessionName").as_deref(),
        Some("session-1")
    );
    assert_eq!(r.form_value("ExternalId").as_deref(), Some("ext-123"));
    assert_eq!(r.form_value("DurationSeconds").as_deref(), Some("3600"));
    let g = done(end);
    assert_eq!(g.source, Source::AssumeRole);
    assert_eq!(g.expiration, Some(AR_EXP));
    assert_eq!(g.role_id.as_deref(), Some("ARO123EXAMPLE123:TestAR"));
    assert!(g.cache);
}

#[test]
fn assume_role_with_session_token_and_generated_name() {
    let base = Credentials::new("ASIABASE", "base-secret-value", Some("base-token")).unwrap();
    let mut c = new_chain(Env::new(), assume_role_plan(base, None), NOW);
    let (seen, end) = drive(
        &mut c,
        &[ok(&sts_xml("AssumeRole", &xml_credentials(true)))],
    );
    let r = only_request(&seen);
    assert_eq!(r.header("X-Amz-Security-Token"), Some("base-token"));
    assert!(r.header("Authorization").is_some());
    assert_eq!(
        r.form_value("RoleSessionName").as_deref(),
        Some(GENERATED_NAME)
    );
    assert_eq!(done(end).source, Source::AssumeRole);
    // An empty session name is generated too.
    let mut c = new_chain(Env::new(), assume_role_plan(base, Some("")), NOW);
    match observe(&mut c) {
        Obs::Seen(Seen::Http(r)) => {
            assert_eq!(
                r.form_value("RoleSessionName").as_deref(),
                Some(GENERATED_NAME)
            )
        }
        other => panic!("{other:#?}"),
    }
    // Invalid parameters fail before any request.
    let mut plan = assume_role_plan(base, Some("x"));
    let mut c = new_chain(Env::new(), plan, NOW);
    let f = failed(drive(&mut c, &[]).1);
    assert_eq!(f.error, Error::InvalidRoleSessionName);
    assert_eq!(f.source, Some(Source::AssumeRole));
    if let Plan::AssumeRole { role_arn, .. } = &mut plan {
        *role_arn = "role";
    }
    let mut c = new_chain(Env::new(), plan, NOW);
    assert_eq!(failed(drive(&mut c, &[]).1).error, Error::InvalidRoleArn);
}

fn saml_plan() -> Plan<'static> {
    Plan::Saml {
        role_arn: "arn:aws:iam::123456789012:role/saml-role",
        principal_arn: "arn:aws:iam::123456789012:saml-provider/idp",
        assertion: "PHNhbWxwOlJlc3BvbnNlPg==",
        duration_seconds: Some(900),
    }
}

#[test]
fn saml_happy_path() {
    let mut c = new_chain(Env::new(), saml_plan(), NOW);
    let (seen, end) = drive(
        &mut c,
        &[ok(&sts_xml("AssumeRoleWithSAML", &xml_credentials(true)))],
    );
    let r = only_request(&seen);
    assert_eq!((r.method.as_str(), r.url.as_str()), ("POST", STS_URL));
    assert_eq!(r.header("Authorization"), None);
    assert_eq!(r.header("Content-Type"), Some(FORM_CONTENT_TYPE_TEXT));
    assert_eq!((r.connect_ms, r.timeout_ms, r.attempt), (5_000, 10_000, 1));
    assert_eq!(r.step, "STS AssumeRoleWithSAML");
    let want: Vec<(String, String)> = [
        ("Action", "AssumeRoleWithSAML"),
        ("Version", "2011-06-15"),
        ("RoleArn", "arn:aws:iam::123456789012:role/saml-role"),
        (
            "PrincipalArn",
            "arn:aws:iam::123456789012:saml-provider/idp",
        ),
        ("SAMLAssertion", "PHNhbWxwOlJlc3BvbnNlPg=="),
        ("DurationSeconds", "900"),
    ]
    .iter()
    .map(|(a, b)| ((*a).into(), (*b).into()))
    .collect();
    assert_eq!(r.form(), want);
    let g = done(end);
    assert_eq!(g.source, Source::Saml);
    assert_eq!(g.expiration, Some(EXP));
    assert!(g.cache);
    // The STS endpoint settings of the environment apply to explicit plans too.
    let e = env(&[
        ("AWS_STS_REGIONAL_ENDPOINTS", "regional"),
        ("AWS_REGION", "us-gov-west-1"),
    ]);
    let mut c = new_chain(e, saml_plan(), NOW);
    match observe(&mut c) {
        Obs::Seen(Seen::Http(r)) => assert_eq!(r.url, "https://sts.us-gov-west-1.amazonaws.com/"),
        other => panic!("{other:#?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// IMDS settings
// ---------------------------------------------------------------------------------------------

#[test]
fn imds_timeout_variable() {
    let (seen, end) = run(
        &[("AWS_METADATA_SERVICE_TIMEOUT", "2.5")],
        &imds_happy_script(),
    );
    let reqs = http(&seen);
    assert_eq!(reqs.len(), 3);
    for r in reqs {
        assert_eq!((r.connect_ms, r.timeout_ms), (2_500, 2_500), "{}", r.step);
    }
    done(end);
    for (v, ms) in [
        ("1", 1_000),
        ("0.001", 1),
        ("3600", 3_600_000),
        (" 5 ", 5_000),
        ("0.25", 250),
    ] {
        let mut c = new_chain(
            env(&[("AWS_METADATA_SERVICE_TIMEOUT", v)]),
            default_plan(),
            NOW,
        );
        match observe(&mut c) {
            Obs::Seen(Seen::Http(r)) => assert_eq!((r.connect_ms, r.timeout_ms), (ms, ms), "{v:?}"),
            other => panic!("{v:?}: {other:#?}"),
        }
    }
    for v in [
        "abc", "0", "-1", "3601", "0.0", "1e3", "3600.001", "2,5", ".",
    ] {
        let (seen, end) = run(&[("AWS_METADATA_SERVICE_TIMEOUT", v)], &[]);
        assert!(seen.is_empty());
        let f = failed(end);
        assert_eq!(f.error, Error::InvalidEnvironmentVariable, "{v:?}");
        assert_eq!(f.variable, Some("AWS_METADATA_SERVICE_TIMEOUT"), "{v:?}");
        assert_eq!(f.source, Some(Source::Ec2));
        assert!(f.display.contains("AWS_METADATA_SERVICE_TIMEOUT"));
    }
    // IMDS only: the container endpoints keep their deadlines, and an invalid value is ignored.
    let (seen, _) = run(
        &[
            ("AWS_METADATA_SERVICE_TIMEOUT", "abc"),
            ("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "abc"),
            ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", ECS_URI),
        ],
        &[ok(&ecs_json(EXP_ISO))],
    );
    let r = only_request(&seen);
    assert_eq!((r.connect_ms, r.timeout_ms), (2_000, 10_000));
}

#[test]
fn imds_num_attempts() {
    // Three attempts of the token PUT, then each later step starts at attempt 1 again. No backoff.
    let mut script = vec![status(500), io(IoError::Timeout)];
    script.extend(imds_happy_script());
    let (seen, end) = run(&[("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "3")], &script);
    assert!(
        seen.iter().all(|s| matches!(s, Seen::Http(_))),
        "no waits for IMDS"
    );
    let attempts: Vec<(&str, u8)> = http(&seen).iter().map(|r| (r.step, r.attempt)).collect();
    assert_eq!(
        attempts,
        vec![
            ("IMDSv2 token", 1),
            ("IMDSv2 token", 2),
            ("IMDSv2 token", 3),
            ("IMDS role name", 1),
            ("IMDS role credentials", 1),
        ]
    );
    assert_eq!(done(end).source, Source::Ec2);

    // Retried: 429, 5xx, timeout, refused, reset; not: 404.
    for first in [
        status(429),
        status(503),
        status(599),
        io(IoError::Refused),
        io(IoError::ConnectTimeout),
        io(IoError::Closed),
    ] {
        let mut script = vec![first.clone()];
        script.extend(imds_happy_script());
        let (_, end) = run(&[("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "2")], &script);
        assert_eq!(done(end).source, Source::Ec2, "{first:?}");
    }
    let f = failed(
        run(
            &[("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "2")],
            &[status(404)],
        )
        .1,
    );
    assert_eq!(
        (f.error, f.status, f.attempts),
        (Error::EndpointHttpStatus, Some(404), 1)
    );

    // Exhausted: the last answer is the error.
    let f = failed(
        run(
            &[("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "2")],
            &[io(IoError::Timeout), io(IoError::Timeout)],
        )
        .1,
    );
    assert_eq!(f.error, Error::ImdsTokenTimeout);
    assert_eq!(f.attempts, 2);
    assert!(f.display.contains("after 2 attempts"), "{}", f.display);

    // Default: one attempt.
    let f = failed(run(&[], &[status(500)]).1);
    assert_eq!(
        (f.error, f.status, f.attempts),
        (Error::EndpointHttpStatus, Some(500), 1)
    );
    // Ten at most.
    let script: Vec<Ev> = (0..10).map(|_| status(500)).collect();
    let f = failed(run(&[("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "10")], &script).1);
    assert_eq!(f.attempts, 10);

    for v in ["0", "11", "abc", "-1", "2.5"] {
        let (seen, end) = run(&[("AWS_METADATA_SERVICE_NUM_ATTEMPTS", v)], &[]);
        assert!(seen.is_empty());
        let f = failed(end);
        assert_eq!(f.error, Error::InvalidEnvironmentVariable, "{v:?}");
        assert_eq!(
            f.variable,
            Some("AWS_METADATA_SERVICE_NUM_ATTEMPTS"),
            "{v:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Container and STS retries
// ---------------------------------------------------------------------------------------------

const ECS_VARS: &[(&str, &str)] = &[("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", ECS_URI)];

fn attempts_and_waits(seen: &[Seen]) -> Vec<String> {
    seen.iter()
        .map(|s| match s {
            Seen::Http(r) => format!("http {}", r.attempt),
            Seen::Wait(ms) => format!("wait {ms}"),
            Seen::File { .. } => "file".into(),
            Seen::CallProvider => "provider".into(),
            Seen::Process { .. } => "process".into(),
            Seen::Mfa { .. } => "mfa".into(),
            Seen::Write { .. } => "write".into(),
        })
        .collect()
}

#[test]
fn container_retries_then_succeeds() {
    let (seen, end) = run(
        ECS_VARS,
        &[status(500), status(500), ok(&ecs_json(EXP_ISO))],
    );
    assert_eq!(
        attempts_and_waits(&seen),
        vec!["http 1", "wait 200", "http 2", "wait 400", "http 3"]
    );
    for r in http(&seen) {
        assert_eq!(r.url, ECS_URL);
        assert_eq!((r.connect_ms, r.timeout_ms), (2_000, 10_000));
    }
    assert_eq!(done(end).source, Source::Ecs);
}

#[test]
fn container_gives_up_after_three_attempts() {
    let (seen, end) = run(ECS_VARS, &[status(503), status(503), status(503)]);
    assert_eq!(
        attempts_and_waits(&seen),
        vec!["http 1", "wait 200", "http 2", "wait 400", "http 3"]
    );
    let f = failed(end);
    assert_eq!(f.error, Error::EndpointHttpStatus);
    assert_eq!((f.status, f.attempts), (Some(503), 3));
    assert_eq!(f.source, Some(Source::Ecs));
    assert_eq!(f.url.as_deref(), Some(ECS_URL));
    assert!(f.display.contains("HTTP 503"), "{}", f.display);
    assert!(f.display.contains(ECS_URL), "{}", f.display);
    assert!(f.display.contains("after 3 attempts"), "{}", f.display);
}

#[test]
fn container_retry_policy() {
    // Retried statuses and closed connections.
    for first in [
        status(429),
        status(500),
        status(502),
        status(503),
        status(504),
        io(IoError::Closed),
    ] {
        let (seen, end) = run(ECS_VARS, &[first.clone(), ok(&ecs_json(EXP_ISO))]);
        assert_eq!(
            attempts_and_waits(&seen),
            vec!["http 1", "wait 200", "http 2"],
            "{first:?}"
        );
        done(end);
    }
    // Not retried.
    for (first, want) in [
        (status(404), Error::EndpointHttpStatus),
        (status(501), Error::EndpointHttpStatus),
        (status(301), Error::EndpointHttpStatus),
        (io(IoError::Refused), Error::EndpointUnreachable),
        (io(IoError::Timeout), Error::EndpointTimeout),
        (io(IoError::ConnectTimeout), Error::EndpointTimeout),
        (io(IoError::BadResponse), Error::EndpointBadResponse),
    ] {
        let (seen, end) = run(ECS_VARS, core::slice::from_ref(&first));
        assert_eq!(seen.len(), 1, "{first:?}");
        let f = failed(end);
        assert_eq!((f.error, f.attempts), (want, 1), "{first:?}");
    }
    // Retry-After (seconds) lengthens the wait, up to 2 s.
    for (value, ms) in [("1", 1_000), ("60", 2_000), ("0", 200), ("soon", 200)] {
        let ev = Ev::Http(503, vec![("Retry-After".into(), value.into())], vec![]);
        let (seen, _) = run(ECS_VARS, &[ev, ok(&ecs_json(EXP_ISO))]);
        assert_eq!(seen[1], Seen::Wait(ms), "Retry-After {value}");
    }
}

#[test]
fn sts_retries_on_503_and_throttling() {
    let (seen, end) = run(
        &web_identity_vars(),
        &[
            file(WEB_TOKEN),
            status(503),
            answer(400, &sts_error_xml("Throttling", "Rate exceeded")),
            ok(&web_identity_json("1704067200")),
        ],
    );
    assert_eq!(
        attempts_and_waits(&seen),
        vec!["file", "http 1", "wait 200", "http 2", "wait 400", "http 3"]
    );
    for r in http(&seen) {
        assert_eq!(r.url, STS_URL);
        assert_eq!(r.form_value("WebIdentityToken").as_deref(), Some(WEB_TOKEN));
    }
    assert_eq!(done(end).source, Source::WebIdentity);

    // Throttling three times: the error document is the answer.
    let throttled = answer(400, &sts_error_json("ThrottlingException", "Rate exceeded"));
    let (seen, end) = run(
        &web_identity_vars(),
        &[
            file(WEB_TOKEN),
            throttled.clone(),
            throttled.clone(),
            throttled,
        ],
    );
    assert_eq!(http(&seen).len(), 3);
    let f = failed(end);
    assert_eq!(f.error, Error::StsErrorResponse);
    assert_eq!(f.sts_code.as_deref(), Some("ThrottlingException"));
    assert_eq!(f.attempts, 3);

    // Other retryable codes.
    for code in [
        "RequestLimitExceeded",
        "IDPCommunicationError",
        "ServiceUnavailable",
        "InternalFailure",
    ] {
        let (seen, end) = run(
            &web_identity_vars(),
            &[
                file(WEB_TOKEN),
                answer(400, &sts_error_xml(code, "try again")),
                ok(&web_identity_json("1704067200")),
            ],
        );
        assert_eq!(http(&seen).len(), 2, "{code}");
        done(end);
    }
    // AssumeRole and SAML retry the same way.
    let mut c = new_chain(Env::new(), saml_plan(), NOW);
    let (seen, end) = drive(
        &mut c,
        &[
            status(502),
            ok(&sts_xml("AssumeRoleWithSAML", &xml_credentials(true))),
        ],
    );
    assert_eq!(
        attempts_and_waits(&seen),
        vec!["http 1", "wait 200", "http 2"]
    );
    done(end);
}

#[test]
fn sts_error_document_is_the_answer() {
    for (st, body) in [
        (
            403,
            sts_error_xml(
                "AccessDenied",
                "Not authorized to perform sts:AssumeRoleWithWebIdentity",
            ),
        ),
        (
            403,
            sts_error_json(
                "AccessDenied",
                "Not authorized to perform sts:AssumeRoleWithWebIdentity",
            ),
        ),
        (
            200,
            sts_error_xml(
                "AccessDenied",
                "Not authorized to perform sts:AssumeRoleWithWebIdentity",
            ),
        ),
    ] {
        let (seen, end) = run(&web_identity_vars(), &[file(WEB_TOKEN), answer(st, &body)]);
        assert_eq!(http(&seen).len(), 1, "not retried");
        let f = failed(end);
        assert_eq!(f.error, Error::StsErrorResponse);
        assert_eq!(f.status, Some(st));
        assert_eq!(f.sts_code.as_deref(), Some("AccessDenied"));
        assert_eq!(
            f.sts_message.as_deref(),
            Some("Not authorized to perform sts:AssumeRoleWithWebIdentity")
        );
        assert_eq!(f.source, Some(Source::WebIdentity));
        assert_eq!(f.attempts, 1);
        assert!(
            f.display.contains(
                "STS AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity"
            ),
            "{}",
            f.display
        );
        assert!(f.display.contains(STS_URL), "{}", f.display);
        assert!(!f.display.contains(WEB_TOKEN));
    }
    // Escaped text is decoded; a long message with escapes is still read.
    let long = "x&amp;".repeat(1000);
    let (_, end) = run(
        &web_identity_vars(),
        &[
            file(WEB_TOKEN),
            answer(400, &sts_error_xml("InvalidIdentityToken", &long)),
        ],
    );
    let f = failed(end);
    assert_eq!(f.error, Error::StsErrorResponse);
    assert_eq!(f.sts_code.as_deref(), Some("InvalidIdentityToken"));
    assert!(f.sts_message.unwrap().starts_with("x&x&x&"));
}

#[test]
fn non_200_without_error_document() {
    for (st, body) in [
        (400, "<html>Bad Request</html>"),
        (404, ""),
        (301, ""),
        (500, "oops"),
    ] {
        let mut script = vec![file(WEB_TOKEN)];
        let n = if matches!(st, 500) { 3 } else { 1 };
        for _ in 0..n {
            script.push(answer(st, body));
        }
        let f = failed(run(&web_identity_vars(), &script).1);
        assert_eq!(f.error, Error::EndpointHttpStatus, "{st}");
        assert_eq!(f.status, Some(st));
        assert_eq!(f.attempts, n);
        assert_eq!(f.sts_code, None);
        assert!(f.display.contains(&format!("HTTP {st}")), "{}", f.display);
    }
}

// ---------------------------------------------------------------------------------------------
// I/O errors
// ---------------------------------------------------------------------------------------------

#[test]
fn io_error_mapping() {
    let cases = [
        (IoError::Refused, Error::EndpointUnreachable, None),
        (IoError::ConnectTimeout, Error::EndpointTimeout, Some(2_000)),
        (IoError::Timeout, Error::EndpointTimeout, Some(10_000)),
        (IoError::BadResponse, Error::EndpointBadResponse, None),
    ];
    for (e, want, deadline) in cases {
        let f = failed(run(ECS_VARS, &[io(e)]).1);
        assert_eq!(f.error, want, "{e:?}");
        assert_eq!(f.io, Some(e));
        assert_eq!(f.deadline_ms, deadline, "{e:?}");
        assert_eq!(f.url.as_deref(), Some(ECS_URL));
        if let Some(ms) = deadline {
            assert!(f.display.contains(&format!("({ms} ms)")), "{}", f.display);
        }
    }
    // Closed is retried, then EndpointBadResponse.
    let f = failed(
        run(
            ECS_VARS,
            &[
                io(IoError::Closed),
                io(IoError::Closed),
                io(IoError::Closed),
            ],
        )
        .1,
    );
    assert_eq!(
        (f.error, f.attempts, f.io),
        (Error::EndpointBadResponse, 3, Some(IoError::Closed))
    );

    // IMDS: a timeout of the token PUT is the hop-limit symptom; later steps time out plainly.
    let f = failed(run(&[], &[io(IoError::Timeout)]).1);
    assert_eq!(
        (f.error, f.deadline_ms),
        (Error::ImdsTokenTimeout, Some(1_000))
    );
    assert_eq!(f.step, Some("IMDSv2 token"));
    assert_eq!(f.method, Some("PUT"));
    assert!(
        f.display.contains(&format!("PUT {IMDS_TOKEN_URL}")),
        "{}",
        f.display
    );
    let f = failed(run(&[], &[io(IoError::ConnectTimeout)]).1);
    assert_eq!(f.error, Error::EndpointTimeout);
    let f = failed(run(&[], &[ok("tok"), io(IoError::Timeout)]).1);
    assert_eq!(
        (f.error, f.step),
        (Error::EndpointTimeout, Some("IMDS role name"))
    );
    let f = failed(run(&[], &[ok("tok"), ok("r"), io(IoError::Timeout)]).1);
    assert_eq!(f.error, Error::EndpointTimeout);
    let f = failed(run(&[], &[io(IoError::Refused)]).1);
    assert_eq!(f.error, Error::EndpointUnreachable);
    let f = failed(run(&[], &[io(IoError::Closed)]).1);
    assert_eq!(f.error, Error::EndpointBadResponse);

    // STS.
    let sts = [
        (IoError::Refused, Error::EndpointUnreachable, None),
        (IoError::ConnectTimeout, Error::EndpointTimeout, Some(5_000)),
        (IoError::Timeout, Error::EndpointTimeout, Some(10_000)),
        (IoError::BadResponse, Error::EndpointBadResponse, None),
    ];
    for (e, want, deadline) in sts {
        let f = failed(run(&web_identity_vars(), &[file(WEB_TOKEN), io(e)]).1);
        assert_eq!((f.error, f.deadline_ms), (want, deadline), "{e:?}");
    }
    // A body over MAX_RESPONSE_LEN is a bad response.
    let big = " ".repeat(MAX_RESPONSE_LEN + 1);
    let f = failed(run(ECS_VARS, &[ok(&big)]).1);
    assert_eq!(f.error, Error::EndpointBadResponse);
}

#[test]
fn file_errors() {
    for (e, shown) in [
        (IoError::NotFound, IoError::NotFound),
        (IoError::Unreadable, IoError::Unreadable),
        (IoError::Refused, IoError::Unreadable),
    ] {
        let (seen, end) = run(&web_identity_vars(), &[io(e)]);
        assert_eq!(seen.len(), 1);
        let f = failed(end);
        assert_eq!(f.error, Error::FileUnreadable);
        assert_eq!(f.path.as_deref(), Some(WEB_TOKEN_FILE));
        assert_eq!(f.variable, Some("AWS_WEB_IDENTITY_TOKEN_FILE"));
        assert_eq!(f.source, Some(Source::WebIdentity));
        assert_eq!(f.io, Some(shown));
        assert!(
            f.display.contains(&format!("file {WEB_TOKEN_FILE}")),
            "{}",
            f.display
        );
    }
    let f = failed(
        run(
            &[
                ("AWS_CONTAINER_CREDENTIALS_FULL_URI", FULL_URI),
                ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", AUTH_TOKEN_FILE),
                ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "from-the-variable"),
            ],
            &[io(IoError::NotFound)],
        )
        .1,
    );
    assert_eq!(
        f.error,
        Error::FileUnreadable,
        "no fall-back to the variable"
    );
    assert_eq!(f.path.as_deref(), Some(AUTH_TOKEN_FILE));
    assert_eq!(f.source, Some(Source::ContainerFullUri));
    assert!(f.display.contains(AUTH_TOKEN_FILE));
}

// ---------------------------------------------------------------------------------------------
// Expiry
// ---------------------------------------------------------------------------------------------

#[test]
fn expiry() {
    // Expiration as epoch seconds in the ECS JSON (accepted like ISO text), against NOW.
    let body = |exp: u64| {
        format!(
            r#"{{"AccessKeyId":"{KEY_ID}","SecretAccessKey":"{SECRET}","Token":"{TOKEN}","Expiration":{exp}}}"#
        )
    };
    for exp in [NOW - 60, NOW, NOW + 1, NOW + 299, NOW + 300] {
        let (_, end) = run(ECS_VARS, &[ok(&body(exp))]);
        let f = failed(end);
        assert_eq!(f.error, Error::CredentialsExpired, "{exp}");
        assert_eq!(f.expiration, Some(exp));
        assert_eq!(f.source, Some(Source::Ecs));
        assert!(!f.display.contains(SECRET));
        assert!(!f.display.contains(TOKEN));
    }
    for exp in [NOW + 301, NOW + 400] {
        let g = done(run(ECS_VARS, &[ok(&body(exp))]).1);
        assert_eq!(g.expiration, Some(exp));
    }
    // ISO text, shown back in the failure.
    let f = failed(run(ECS_VARS, &[ok(&ecs_json("2023-12-31T22:00:00Z"))]).1);
    assert_eq!(f.error, Error::CredentialsExpired);
    assert_eq!(f.expiration, Some(NOW - 3600));
    assert!(
        f.display.contains("Expiration 2023-12-31T22:00:00Z"),
        "{}",
        f.display
    );
    // STS and IMDS answers are checked the same way.
    let mut c = new_chain(env(&web_identity_vars()), default_plan(), EXP - 200);
    let f = failed(
        drive(
            &mut c,
            &[file(WEB_TOKEN), ok(&web_identity_json("1704067200"))],
        )
        .1,
    );
    assert_eq!(
        (f.error, f.expiration),
        (Error::CredentialsExpired, Some(EXP))
    );
    let mut c = new_chain(Env::new(), default_plan(), EXP + 1);
    let f = failed(drive(&mut c, &imds_happy_script()).1);
    assert_eq!(
        (f.error, f.expiration),
        (Error::CredentialsExpired, Some(EXP))
    );
    let mut c = new_chain(Env::new(), default_plan(), EXP - 400);
    done(drive(&mut c, &imds_happy_script()).1);
}

// ---------------------------------------------------------------------------------------------
// Missing and malformed fields
// ---------------------------------------------------------------------------------------------

#[test]
fn sts_answer_without_session_token() {
    // XML, and JSON.
    let xml = sts_xml("AssumeRoleWithWebIdentity", &xml_credentials(false));
    let json = format!(
        r#"{{"AssumeRoleWithWebIdentityResponse":{{"AssumeRoleWithWebIdentityResult":{{"Credentials":{{"AccessKeyId":"{KEY_ID}","Expiration":1704067200,"SecretAccessKey":"{SECRET}"}}}}}}}}"#
    );
    // JSON with ResponseMetadata before the Result, and an empty SessionToken.
    let json_meta_first = format!(
        r#"{{"AssumeRoleWithWebIdentityResponse":{{"ResponseMetadata":{{"RequestId":"x"}},"AssumeRoleWithWebIdentityResult":{{"Credentials":{{"AccessKeyId":"{KEY_ID}","Expiration":1704067200,"SecretAccessKey":"{SECRET}"}}}}}}}}"#
    );
    let json_empty = format!(
        r#"{{"AssumeRoleWithWebIdentityResponse":{{"AssumeRoleWithWebIdentityResult":{{"Credentials":{{"AccessKeyId":"{KEY_ID}","Expiration":1704067200,"SecretAccessKey":"{SECRET}","SessionToken":""}}}}}}}}"#
    );
    let xml_empty = sts_xml(
        "AssumeRoleWithWebIdentity",
        &xml_credentials(false)
            .replace("<Expiration>", "<SessionToken></SessionToken><Expiration>"),
    );
    for body in [xml, json, json_meta_first, json_empty, xml_empty] {
        let f = failed(run(&web_identity_vars(), &[file(WEB_TOKEN), ok(&body)]).1);
        assert_eq!(f.error, Error::MissingResponseField, "{body}");
        assert_eq!(f.field, Some("SessionToken"), "{body}");
        assert!(f.display.contains("field SessionToken"), "{}", f.display);
        assert!(!f.display.contains(SECRET));
    }
    // AssumeRole too.
    let base = Credentials::new("AKIDEXAMPLE", "base-secret-value", None).unwrap();
    let mut c = new_chain(Env::new(), assume_role_plan(base, None), NOW);
    let f = failed(
        drive(
            &mut c,
            &[ok(&sts_xml("AssumeRole", &xml_credentials(false)))],
        )
        .1,
    );
    assert_eq!(
        (f.error, f.field),
        (Error::MissingResponseField, Some("SessionToken"))
    );
}

#[test]
fn endpoint_json_missing_or_malformed_fields() {
    let cases: &[(String, Error, Option<&str>)] = &[
        (
            format!(r#"{{"AccessKeyId":"{KEY_ID}","Token":"{TOKEN}","Expiration":"{EXP_ISO}"}}"#),
            Error::MissingResponseField,
            Some("SecretAccessKey"),
        ),
        (
            format!(
                r#"{{"AccessKeyId":"{KEY_ID}","SecretAccessKey":"","Expiration":"{EXP_ISO}"}}"#
            ),
            Error::MissingResponseField,
            Some("SecretAccessKey"),
        ),
        (
            format!(
                r#"{{"AccessKeyId":"{KEY_ID}","SecretAccessKey":null,"Expiration":"{EXP_ISO}"}}"#
            ),
            Error::MissingResponseField,
            Some("SecretAccessKey"),
        ),
        (
            format!(r#"{{"SecretAccessKey":"{SECRET}","Expiration":"{EXP_ISO}"}}"#),
            Error::MissingResponseField,
            Some("AccessKeyId"),
        ),
        (
            format!(r#"{{"AccessKeyId":"{KEY_ID}","SecretAccessKey":"{SECRET}"}}"#),
            Error::MissingResponseField,
            Some("Expiration"),
        ),
        (
            format!(r#"{{"AccessKeyId":5,"SecretAccessKey":"{SECRET}","Expiration":"{EXP_ISO}"}}"#),
            Error::WrongResponseFieldType,
            Some("AccessKeyId"),
        ),
        (
            format!(
                r#"{{"AccessKeyId":"{KEY_ID}","SecretAccessKey":"{SECRET}","Expiration":"tomorrow"}}"#
            ),
            Error::InvalidTimestamp,
            Some("Expiration"),
        ),
        (
            format!(
                r#"{{"AccessKeyId":"AKID-1","SecretAccessKey":"{SECRET}","Expiration":"{EXP_ISO}"}}"#
            ),
            Error::InvalidAccessKeyId,
            Some("AccessKeyId"),
        ),
        (
            format!(
                r#"{{"AccessKeyId":"{KEY_ID}","SecretAccessKey":"{SECRET}","Token":"a b","Expiration":"{EXP_ISO}"}}"#
            ),
            Error::InvalidSessionToken,
            Some("Token"),
        ),
        ("[1,2]".into(), Error::UnexpectedResponseShape, None),
        ("{".into(), Error::JsonMalformed, None),
    ];
    for (body, want, field) in cases {
        let f = failed(run(ECS_VARS, &[ok(body)]).1);
        assert_eq!((f.error, f.field), (*want, *field), "{body}");
        assert_eq!(f.url.as_deref(), Some(ECS_URL));
        assert!(!f.display.contains(SECRET), "{}", f.display);
        assert!(!f.display.contains(TOKEN), "{}", f.display);
        if let Some(fl) = field {
            assert!(f.display.contains(&format!("field {fl}")), "{}", f.display);
        }
    }
}

#[test]
fn oversized_session_token() {
    let exact = "A".repeat(MAX_SESSION_TOKEN_LEN);
    let over = "A".repeat(MAX_SESSION_TOKEN_LEN + 1);
    let body = |t: &str| {
        format!(
            r#"{{"AccessKeyId":"{KEY_ID}","SecretAccessKey":"{SECRET}","Token":"{t}","Expiration":"{EXP_ISO}"}}"#
        )
    };
    let g = done(run(ECS_VARS, &[ok(&body(&exact))]).1);
    assert_eq!(g.token.as_deref(), Some(exact.as_str()));
    let f = failed(run(ECS_VARS, &[ok(&body(&over))]).1);
    assert_eq!(f.error, Error::ResponseFieldTooLong);
    assert_eq!(f.source, Some(Source::Ecs));
    assert!(!f.display.contains(&over[..64]));
    // STS, XML.
    let creds = xml_credentials(true).replace(TOKEN, &over);
    let f = failed(
        run(
            &web_identity_vars(),
            &[
                file(WEB_TOKEN),
                ok(&sts_xml("AssumeRoleWithWebIdentity", &creds)),
            ],
        )
        .1,
    );
    assert_eq!(f.error, Error::ResponseFieldTooLong);
    // The environment and a custom provider have the same limit.
    let mut e = Env::new();
    e.set("AWS_ACCESS_KEY_ID", Some("AKIDEXAMPLE"));
    e.set("AWS_SECRET_ACCESS_KEY", Some("envsecret"));
    e.set("AWS_SESSION_TOKEN", Some(&over));
    let mut c = new_chain(e, default_plan(), NOW);
    assert_eq!(
        failed(drive(&mut c, &[]).1).error,
        Error::ResponseFieldTooLong
    );
}

// ---------------------------------------------------------------------------------------------
// Display
// ---------------------------------------------------------------------------------------------

#[test]
fn failure_display_names_the_facts_and_never_a_secret() {
    // URL without its query.
    let e = env(&[
        (
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "http://127.0.0.1:8080/creds?password=hunter2",
        ),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "auth-token-value"),
    ]);
    let mut c = new_chain(e, default_plan(), NOW);
    let (seen, end) = drive(&mut c, &[status(403)]);
    assert_eq!(
        only_request(&seen).url,
        "http://127.0.0.1:8080/creds?password=hunter2"
    );
    let f = failed(end);
    assert_eq!(f.url.as_deref(), Some("http://127.0.0.1:8080/creds"));
    assert_eq!(f.method, Some("GET"));
    assert!(
        f.display.starts_with(Error::EndpointHttpStatus.message()),
        "{}",
        f.display
    );
    assert!(
        f.display
            .contains("source container-full-uri, container credentials"),
        "{}",
        f.display
    );
    assert!(
        f.display.contains("GET http://127.0.0.1:8080/creds"),
        "{}",
        f.display
    );
    assert!(f.display.contains("HTTP 403"), "{}", f.display);
    assert!(!f.display.contains("hunter2"), "{}", f.display);
    assert!(!f.display.contains("auth-token-value"), "{}", f.display);
    assert!(
        !f.display.contains("after"),
        "one attempt is not mentioned: {}",
        f.display
    );

    // The ECS relative URI's query is dropped too.
    let e = env(&[(
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "/v2/creds?id=secret-id",
    )]);
    let mut c = new_chain(e, default_plan(), NOW);
    let f = failed(drive(&mut c, &[status(404)]).1);
    assert_eq!(f.url.as_deref(), Some("http://169.254.170.2/v2/creds"));
    assert!(!f.display.contains("secret-id"));

    // A failure after the credentials were read shows neither secret nor token, nor the IMDS token.
    let mut c = new_chain(Env::new(), default_plan(), EXP);
    let f = failed(drive(&mut c, &imds_happy_script()).1);
    for s in [SECRET, TOKEN, "AQAEAKnK2xPDvNZP1Ws8o6OoJ1PWHXR7f7Al8Q=="] {
        assert!(!f.display.contains(s), "{}", f.display);
        assert!(!format!("{f:?}").contains(s));
    }
    assert!(
        f.display.contains("source ec2, IMDS role credentials"),
        "{}",
        f.display
    );
    assert!(f.display.contains(" s remain"), "{}", f.display);

    // A bare failure: only the message.
    let mut c = new_chain(Env::new(), default_plan(), NOW);
    c.on_wake();
    let f = failed(drive(&mut c, &[]).1);
    assert_eq!(f.display, Error::UnexpectedChainEvent.message());

    // The chain's Debug shows no secret.
    let mut c = new_chain(Env::new(), default_plan(), NOW);
    let _ = drive(&mut c, &imds_happy_script());
    let d = format!("{c:?}");
    assert!(!d.contains(SECRET) && !d.contains(TOKEN), "{d}");
}

// ---------------------------------------------------------------------------------------------
// Unexpected events
// ---------------------------------------------------------------------------------------------

fn all_events() -> Vec<Ev> {
    vec![
        file(WEB_TOKEN),
        ok(&ecs_json(EXP_ISO)),
        io(IoError::Refused),
        io(IoError::NotFound),
        Ev::Wake,
        Ev::Provided {
            id: "AKIDCUSTOM".into(),
            secret: "customsecret".into(),
            token: None,
            expiration: None,
        },
        Ev::ProviderFailed,
    ]
}

/// The state a chain is in after `prefix` answers of `script`, and which events it accepts there.
fn unexpected_in(make: &dyn Fn() -> Box<Chain<'static>>, prefix: &[Ev], accepted: &[&str]) {
    for ev in all_events() {
        let name = match &ev {
            Ev::File(_) => "file",
            Ev::Http(..) => "http",
            Ev::Io(IoError::NotFound) => "io-file",
            Ev::Io(_) => "io",
            Ev::Wake => "wake",
            Ev::Provided { .. } => "provided",
            Ev::ProviderFailed => "provider-failed",
            Ev::Exit(..) => "exit",
            Ev::MfaCode(_) => "mfa-code",
            Ev::MfaUnavailable | Ev::MfaFailed => "mfa-unavailable",
            Ev::Written => "written",
        };
        let mut c = make();
        for p in prefix {
            let _ = observe(&mut c);
            apply(&mut c, p);
        }
        let _ = observe(&mut c);
        apply(&mut c, &ev);
        let after = observe(&mut c);
        let is_unexpected = matches!(
            &after,
            Obs::End(End::Failed(f)) if f.error == Error::UnexpectedChainEvent
        );
        let io_is_accepted = name == "io-file" && accepted.contains(&"io");
        if accepted.contains(&name) || io_is_accepted {
            assert!(
                !is_unexpected,
                "{name} refused after {prefix:?}: {after:#?}"
            );
        } else {
            assert!(
                is_unexpected,
                "{name} accepted after {prefix:?}: {after:#?}"
            );
            let f = match after {
                Obs::End(End::Failed(f)) => f,
                _ => unreachable!(),
            };
            assert_eq!(f.source, None);
            assert_eq!(f.display, Error::UnexpectedChainEvent.message());
        }
    }
}

#[test]
fn unexpected_events() {
    // Reading a file: only the file or an I/O error.
    unexpected_in(
        &|| new_chain(env(&web_identity_vars()), default_plan(), NOW),
        &[],
        &["file", "io"],
    );
    // Waiting for an HTTP answer.
    unexpected_in(
        &|| new_chain(env(ECS_VARS), default_plan(), NOW),
        &[],
        &["http", "io"],
    );
    // Waiting before a retry: only the wake.
    unexpected_in(
        &|| new_chain(env(ECS_VARS), default_plan(), NOW),
        &[status(503)],
        &["wake"],
    );
    // The custom provider.
    unexpected_in(
        &|| {
            new_chain(
                Env::new(),
                Plan::Default {
                    custom_provider: true,
                    fresh_cache: false,
                    profile: None,
                },
                NOW,
            )
        },
        &[],
        &["provided", "provider-failed"],
    );
    // After the cache answer, after Done: nothing.
    unexpected_in(
        &|| {
            new_chain(
                Env::new(),
                Plan::Default {
                    custom_provider: false,
                    fresh_cache: true,
                    profile: None,
                },
                NOW,
            )
        },
        &[],
        &[],
    );
    unexpected_in(
        &|| new_chain(env(ECS_VARS), default_plan(), NOW),
        &[ok(&ecs_json(EXP_ISO))],
        &[],
    );
}

#[test]
fn events_before_the_first_poll_and_after_a_failure() {
    let mut c = new_chain(env(ECS_VARS), default_plan(), NOW);
    c.on_response(200, &[], ecs_json(EXP_ISO).as_bytes());
    let f = failed(drive(&mut c, &[]).1);
    assert_eq!(f.error, Error::UnexpectedChainEvent);
    // A failed chain keeps its first failure.
    let mut c = new_chain(env(ECS_VARS), default_plan(), NOW);
    let _ = observe(&mut c);
    c.on_response(404, &[], b"");
    for ev in all_events() {
        apply(&mut c, &ev);
    }
    c.on_timeout();
    let f = failed(drive(&mut c, &[]).1);
    assert_eq!((f.error, f.status), (Error::EndpointHttpStatus, Some(404)));
    // on_timeout is on_io_error(Timeout).
    let mut c = new_chain(Env::new(), default_plan(), NOW);
    let _ = observe(&mut c);
    c.on_timeout();
    assert_eq!(failed(drive(&mut c, &[]).1).error, Error::ImdsTokenTimeout);
}

#[test]
fn io_error_codes_are_stable() {
    for n in 0..10 {
        if let Some(e) = IoError::from_code(n) {
            assert_eq!(e.code(), n);
        }
    }
    assert_eq!(IoError::from_code(0), None);
    assert_eq!(IoError::from_code(8), None);
    assert_eq!(IoError::NotFound.code(), 1);
    assert_eq!(IoError::BadResponse.code(), 7);
}

// ---------------------------------------------------------------------------------------------
// Robustness: random event sequences
// ---------------------------------------------------------------------------------------------

mod robustness {
    use super::*;
    use proptest::prelude::*;

    const N: Option<&str> = None;

    /// Candidate values per variable (None = unset), mostly unset or valid so that inputs get past
    /// the environment checks. The three environment-credential variables come from [`ENV_CREDS`].
    fn pool(v: Var) -> &'static [Option<&'static str>] {
        match v {
            Var::AccessKeyId | Var::SecretAccessKey | Var::SessionToken => &[None],
            // The shared files: no home, no file variables (profiles have their own tests).
            Var::ConfigFile
            | Var::SharedCredentialsFile
            | Var::Home
            | Var::UserProfile
            | Var::Profile
            | Var::DefaultProfile
            | Var::DefaultRegion
            | Var::EndpointUrlSts
            | Var::EndpointUrl
            | Var::EndpointUrlSso
            | Var::EndpointUrlSsoOidc
            | Var::IgnoreConfiguredEndpointUrls
            | Var::SsoEndpointOverride
            | Var::SsoOidcEndpointOverride
            | Var::CredentialProcessTimeout
            | Var::MfaTimeout => &[None],
            Var::WebIdentityTokenFile => {
                &[N, N, N, N, Some(""), Some("/t/token"), Some("/t/token")]
            }
            Var::RoleArn => &[
                N,
                N,
                Some(""),
                Some(ROLE_ARN),
                Some(ROLE_ARN),
                Some(ROLE_ARN),
                Some("arn:bad"),
            ],
            Var::RoleSessionName => &[N, N, N, N, N, N, Some("app"), Some("bad name")],
            Var::StsRegionalEndpoints => &[N, N, N, Some("regional"), Some("legacy")],
            Var::Region => &[
                N,
                N,
                N,
                N,
                N,
                N,
                Some("eu-west-1"),
                Some("cn-north-1"),
                Some("bad/region"),
            ],
            Var::StsEndpointOverride => &[
                N,
                N,
                N,
                N,
                N,
                N,
                N,
                Some("http://127.0.0.1:5000"),
                Some("http://x.example"),
            ],
            Var::EcsRelativeUri => &[
                N,
                N,
                N,
                N,
                N,
                Some(""),
                Some(ECS_URI),
                Some(ECS_URI),
                Some("//x"),
                Some("/a?b=c"),
            ],
            Var::EcsEndpointOverride => &[
                N,
                N,
                N,
                N,
                N,
                N,
                N,
                Some("http://127.0.0.1:9"),
                Some("http://h/x"),
            ],
            Var::ContainerFullUri => &[
                N,
                N,
                N,
                N,
                Some(FULL_URI),
                Some(FULL_URI),
                Some("https://creds.example/x?y=1"),
                Some("http://10.0.0.1/x"),
                Some("ftp://x"),
            ],
            Var::ContainerAuthTokenFile => &[N, N, N, Some("/t/auth")],
            Var::ContainerAuthToken => &[N, N, N, N, Some("tok"), Some("a\r\nb")],
            Var::Ec2MetadataDisabled => &[N, N, N, N, N, Some("true"), Some("false")],
            Var::Ec2MetadataEndpointOverride => {
                &[N, N, N, N, N, N, N, Some("http://127.0.0.1:1"), Some("bad")]
            }
            Var::Ec2MetadataServiceEndpoint => &[N, N, N, Some("http://[fd00:ec2::254]")],
            Var::MetadataServiceTimeout => &[N, N, N, N, N, N, Some("2.5"), Some("0"), Some("abc")],
            Var::MetadataServiceNumAttempts => {
                &[N, N, N, N, N, N, Some("3"), Some("10"), Some("0")]
            }
        }
    }

    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` together.
    type EnvCreds = (
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
    );
    const ENV_CREDS: &[EnvCreds] = &[
        (N, N, N),
        (N, N, N),
        (N, N, N),
        (N, N, N),
        (N, N, N),
        (N, N, N),
        (N, N, N),
        (Some(""), Some(""), Some("")),
        (Some("AKIDEXAMPLE"), Some("envsecret"), N),
        (Some("AKIDEXAMPLE"), Some("envsecret"), Some("envtoken")),
        (Some("AKIDEXAMPLE"), N, N),
        (N, Some("envsecret"), Some("envtoken")),
        (N, N, Some("envtoken")),
        (Some("AK ID"), Some("envsecret"), N),
    ];

    /// Strings no Failure may show.
    const SECRETS: &[&str] = &[
        SECRET,
        TOKEN,
        "envsecret",
        "envtoken",
        "base-secret",
        "base-token",
    ];

    /// Bodies that are valid somewhere in the chain.
    fn pool_bodies() -> Vec<Vec<u8>> {
        [
            ecs_json(EXP_ISO),
            imds_json(),
            pod_identity_json(),
            web_identity_json("1704067200"),
            sts_xml("AssumeRoleWithWebIdentity", &xml_credentials(true)),
            sts_xml("AssumeRole", &xml_credentials(true)),
            sts_xml("AssumeRoleWithSAML", &xml_credentials(true)),
            sts_xml("AssumeRole", &xml_credentials(false)),
            sts_error_xml("Throttling", "slow down"),
            sts_error_json("AccessDenied", "no"),
            "AQAEAKnK2xPDvNZP1Ws8o6OoJ1PWHXR7f7Al8Q==\n".into(),
            "my-role\n".into(),
            String::new(),
            format!(
                r#"{{"AccessKeyId":"{KEY_ID}","SecretAccessKey":"{SECRET}","Token":"{TOKEN}","Expiration":{}}}"#,
                NOW + 100
            ),
        ]
        .into_iter()
        .map(String::into_bytes)
        .collect()
    }

    /// The valid answer to a step (by [`HttpAction::step`]).
    fn body_for(step: &str, variant: bool) -> Vec<u8> {
        match step {
            "IMDSv2 token" => b"AQAEAKnK2xPDvNZP1Ws8o6OoJ1PWHXR7f7Al8Q==\n".to_vec(),
            "IMDS role name" => b"my-role\n".to_vec(),
            "IMDS role credentials" => imds_json().into_bytes(),
            "ECS credentials" => ecs_json(EXP_ISO).into_bytes(),
            "container credentials" => pod_identity_json().into_bytes(),
            "STS AssumeRoleWithWebIdentity" if variant => {
                sts_xml("AssumeRoleWithWebIdentity", &xml_credentials(true)).into_bytes()
            }
            "STS AssumeRoleWithWebIdentity" => web_identity_json("1.7040672E9").into_bytes(),
            "STS AssumeRole" => sts_xml("AssumeRole", &xml_credentials(true)).into_bytes(),
            "STS AssumeRoleWithSAML" => {
                sts_xml("AssumeRoleWithSAML", &xml_credentials(true)).into_bytes()
            }
            other => panic!("unknown step {other}"),
        }
    }

    /// Byte edits and a cut, applied to a valid body.
    #[derive(Clone, Debug)]
    struct Mutation {
        edits: Vec<(usize, u8)>,
        cut: usize,
    }

    fn mutate(mut b: Vec<u8>, m: &Mutation) -> Vec<u8> {
        if b.is_empty() {
            return b;
        }
        for (pos, byte) in &m.edits {
            let l = b.len();
            b[pos % l] = *byte;
        }
        let l = b.len();
        b.truncate(l - m.cut % (l / 4 + 1));
        b
    }

    #[derive(Clone, Debug)]
    enum Body {
        /// The valid answer of the step asked for, maybe mutated.
        ForStep(bool, Option<Mutation>),
        /// A body from the pool, maybe mutated.
        Pool(usize, Option<Mutation>),
        Raw(Vec<u8>),
    }

    /// One answer. `fit`: answer the action asked for (else `other`, usually unexpected).
    #[derive(Clone, Debug)]
    struct Answer {
        fit: bool,
        io: Option<IoError>,
        status: u16,
        headers: Vec<(String, String)>,
        body: Body,
        file: Vec<u8>,
        provided: Ev,
        other: Ev,
    }

    fn io_error() -> impl Strategy<Value = IoError> {
        prop_oneof![
            Just(IoError::NotFound),
            Just(IoError::Unreadable),
            Just(IoError::Refused),
            Just(IoError::ConnectTimeout),
            Just(IoError::Timeout),
            Just(IoError::Closed),
            Just(IoError::BadResponse),
        ]
    }

    fn mutation() -> impl Strategy<Value = Option<Mutation>> {
        prop_oneof![
            3 => Just(None),
            1 => (proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6), any::<usize>())
                .prop_map(|(edits, cut)| Some(Mutation { edits, cut })),
        ]
    }

    fn body() -> impl Strategy<Value = Body> {
        let n = pool_bodies().len();
        prop_oneof![
            8 => (any::<bool>(), mutation()).prop_map(|(v, m)| Body::ForStep(v, m)),
            2 => (0..n, mutation()).prop_map(|(i, m)| Body::Pool(i, m)),
            1 => proptest::collection::vec(any::<u8>(), 0..64).prop_map(Body::Raw),
        ]
    }

    fn provided() -> impl Strategy<Value = Ev> {
        prop_oneof![
            4 => (
                prop_oneof![3 => Just("AKIDCUSTOM"), 1 => Just(""), 1 => Just("bad id")],
                prop_oneof![3 => Just("customsecret"), 1 => Just("")],
                prop_oneof![Just(None), Just(Some("customtoken")), Just(Some("a b"))],
                prop_oneof![Just(None), Just(Some(NOW)), Just(Some(EXP)), Just(Some(u64::MAX))],
            )
                .prop_map(|(id, secret, token, expiration)| Ev::Provided {
                    id: id.into(),
                    secret: secret.into(),
                    token: token.map(Into::into),
                    expiration,
                }),
            1 => Just(Ev::ProviderFailed),
        ]
    }

    fn any_event() -> impl Strategy<Value = Ev> {
        prop_oneof![
            Just(Ev::File(WEB_TOKEN.as_bytes().to_vec())),
            Just(Ev::Http(200, vec![], ecs_json(EXP_ISO).into_bytes())),
            Just(Ev::Http(503, vec![], vec![])),
            io_error().prop_map(Ev::Io),
            Just(Ev::Wake),
            provided(),
        ]
    }

    fn answer() -> impl Strategy<Value = Answer> {
        let status = prop_oneof![
            30 => Just(200u16),
            1 => Just(301),
            1 => Just(400),
            1 => Just(403),
            1 => Just(404),
            1 => Just(429),
            2 => Just(500),
            1 => Just(502),
            2 => Just(503),
            1 => Just(504),
            1 => Just(599),
            1 => any::<u16>(),
        ];
        let headers = prop_oneof![
            3 => Just(vec![]),
            1 => "[0-9a-z ]{0,4}".prop_map(|v| vec![("Retry-After".to_string(), v)]),
        ];
        let file = prop_oneof![
            4 => Just(std::format!("{WEB_TOKEN}\n").into_bytes()),
            1 => proptest::collection::vec(any::<u8>(), 0..32),
        ];
        (
            proptest::bool::weighted(0.95),
            proptest::option::weighted(0.1, io_error()),
            status,
            headers,
            body(),
            file,
            provided(),
            any_event(),
        )
            .prop_map(
                |(fit, io, status, headers, body, file, provided, other)| Answer {
                    fit,
                    io,
                    status,
                    headers,
                    body,
                    file,
                    provided,
                    other,
                },
            )
    }

    /// The event `a` gives for the observed action `o`.
    fn event_for(o: &Obs, a: &Answer) -> Ev {
        if !a.fit {
            return a.other.clone();
        }
        match o {
            Obs::Seen(Seen::File { .. }) => match a.io {
                Some(e) => Ev::Io(e),
                None => Ev::File(a.file.clone()),
            },
            Obs::Seen(Seen::Http(r)) => match a.io {
                Some(e) => Ev::Io(e),
                None => {
                    let body = match &a.body {
                        Body::ForStep(v, m) => {
                            let b = body_for(r.step, *v);
                            m.as_ref().map_or(b.clone(), |m| mutate(b, m))
                        }
                        Body::Pool(i, m) => {
                            let b = pool_bodies()[*i].clone();
                            m.as_ref().map_or(b.clone(), |m| mutate(b, m))
                        }
                        Body::Raw(b) => b.clone(),
                    };
                    Ev::Http(a.status, a.headers.clone(), body)
                }
            },
            Obs::Seen(Seen::Wait(_)) => Ev::Wake,
            Obs::Seen(Seen::CallProvider) => a.provided.clone(),
            Obs::Seen(Seen::Process { .. }) => Ev::Exit(Some(1), vec![], vec![]),
            Obs::Seen(Seen::Mfa { .. }) => Ev::MfaUnavailable,
            Obs::Seen(Seen::Write { .. }) => Ev::Written,
            Obs::End(_) => unreachable!(),
        }
    }

    /// What a host answers once the generated answers are used up: a failure of the asked-for kind.
    fn fallback(o: &Obs) -> Ev {
        match o {
            Obs::Seen(Seen::File { .. }) => Ev::Io(IoError::NotFound),
            Obs::Seen(Seen::Http(_)) => Ev::Io(IoError::Refused),
            Obs::Seen(Seen::Wait(_)) => Ev::Wake,
            Obs::Seen(Seen::CallProvider) => Ev::ProviderFailed,
            Obs::Seen(Seen::Process { .. }) => Ev::Io(IoError::NotFound),
            Obs::Seen(Seen::Mfa { .. }) => Ev::MfaUnavailable,
            Obs::Seen(Seen::Write { .. }) => Ev::Io(IoError::Unreadable),
            Obs::End(_) => unreachable!(),
        }
    }

    fn plan(kind: u8, custom: bool, cache: bool) -> Plan<'static> {
        match kind % 6 {
            0..=3 => Plan::Default {
                custom_provider: custom,
                fresh_cache: cache,
                profile: None,
            },
            4 => Plan::AssumeRole {
                base: Credentials::new("AKIDEXAMPLE", "base-secret", Some("base-token")).unwrap(),
                role_arn: "arn:aws:iam::123456789012:role/demo",
                session_name: if custom { None } else { Some("s1") },
                external_id: None,
                duration_seconds: if cache { Some(60) } else { None },
                mfa: None,
            },
            _ => saml_plan(),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn random_events_end_in_done_or_failed(
            picks in proptest::collection::vec(any::<prop::sample::Index>(), VARS.len()),
            env_creds in any::<prop::sample::Index>(),
            kind in any::<u8>(),
            custom in proptest::bool::weighted(0.1),
            cache in proptest::bool::weighted(0.1),
            now in prop_oneof![
                8 => Just(NOW),
                1 => Just(EXP - 300),
                1 => Just(EXP + 1),
                1 => Just(0u64),
                1 => Just(u64::MAX),
                1 => any::<u64>(),
            ],
            random in any::<[u8; 16]>(),
            answers in proptest::collection::vec(answer(), 0..40),
        ) {
            let mut e = Env::new();
            for (v, pick) in ALL_VARS.iter().zip(&picks) {
                e.set(v.name(), *pick.get(pool(*v)));
            }
            let (id, secret, token) = *env_creds.get(ENV_CREDS);
            e.set("AWS_ACCESS_KEY_ID", id);
            e.set("AWS_SECRET_ACCESS_KEY", secret);
            e.set("AWS_SESSION_TOKEN", token);
            let plan = plan(kind, custom, cache);
            let mut chain = Box::new(Chain::new(e, plan, UnixTime(now), random));
            let mut answers = answers.iter();
            let mut ended = false;
            for _ in 0..64 {
                let o = observe(&mut chain);
                prop_assert_eq!(&o, &observe(&mut chain));
                match &o {
                    Obs::End(End::Done(g)) => {
                        // `got` checked Credentials::new already.
                        prop_assert!(!g.id.is_empty() && !g.secret.is_empty());
                        prop_assert_eq!(g.cache, g.source.is_cacheable());
                        prop_assert!(crate::cache::is_fresh(g.expiration.map(UnixTime), UnixTime(now)));
                        ended = true;
                        break;
                    }
                    Obs::End(End::Failed(f)) => {
                        prop_assert!(Error::ALL.iter().any(|x| x.code() == f.error.code()));
                        prop_assert!((100..1000).contains(&f.error.code()), "{:?}", f.error);
                        prop_assert!(f.display.starts_with(f.error.message()));
                        for s in SECRETS {
                            prop_assert!(!f.display.contains(s), "{} shows {}", f.display, s);
                        }
                        ended = true;
                        break;
                    }
                    Obs::End(End::UseCache) => {
                        prop_assert!(
                            matches!(plan, Plan::Default { custom_provider: false, fresh_cache: true, .. }),
                            "UseCache for another plan"
                        );
                        ended = true;
                        break;
                    }
                    Obs::Seen(_) => {
                        let ev = match answers.next() {
                            Some(a) => event_for(&o, a),
                            None => fallback(&o),
                        };
                        apply(&mut chain, &ev);
                    }
                }
            }
            prop_assert!(ended, "no end within 64 polls");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The trace
// ---------------------------------------------------------------------------------------------

/// The trace as `subject decision reason [variable] [#attempt] [status|io]` lines.
fn trace_lines(c: &Chain<'_>) -> Vec<String> {
    c.trace()
        .iter()
        .map(|e| {
            let mut s = format!("{} {} {}", e.subject.name(), e.decision.name(), e.reason);
            if e.attempt > 0 {
                s.push_str(&format!(" #{}", e.attempt));
            }
            if let Some(v) = e.variable {
                s.push_str(&format!(" [{v}]"));
            }
            if let Some(st) = e.status {
                s.push_str(&format!(" -> {st}"));
            }
            if let Some(io) = e.io {
                s.push_str(&format!(" -> {io:?}"));
            }
            if let Some((kind, line)) = e.file {
                s.push_str(&format!(" @{kind:?}:{line}"));
            }
            s
        })
        .collect()
}

/// Whether a trace entry is one of the five profile candidates skipped (these tests of the
/// environment sources run without shared files; `profile_tests` checks those entries).
fn is_profile_candidate(e: &TraceEntry) -> bool {
    e.decision == Decision::Skipped
        && matches!(
            e.subject,
            Subject::Source(
                Source::AssumeRole | Source::Profile | Source::Sso | Source::CredentialProcess
            )
        )
}

fn traced(
    vars: &[(&'static str, &'static str)],
    plan: Plan<'static>,
    script: &[Ev],
) -> (Vec<String>, End) {
    let mut c = new_chain(env(vars), plan, NOW);
    let (_, end) = drive(&mut c, script);
    assert_eq!(c.trace_dropped(), 0);
    let lines = trace_lines(&c)
        .into_iter()
        .zip(c.trace())
        .filter(|(_, e)| !is_profile_candidate(e))
        .map(|(l, _)| l)
        .collect();
    (lines, end)
}

const NOT_PROVIDER: &str = "custom-provider skipped no custom provider is configured";
const NOT_CACHED: &str = "cache skipped the process-wide cache holds no fresh credentials";
const NOT_ENV: &str =
    "environment skipped AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN are unset";
const NOT_WEB: &str = "web-identity skipped AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are unset";
const NOT_ECS: &str = "ecs skipped AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is unset [AWS_CONTAINER_CREDENTIALS_RELATIVE_URI]";
const NOT_FULL: &str = "container-full-uri skipped AWS_CONTAINER_CREDENTIALS_FULL_URI is unset [AWS_CONTAINER_CREDENTIALS_FULL_URI]";
const EC2_SHADOWED: &str =
    "ec2 shadowed EC2 instance metadata is the last source (AWS_EC2_METADATA_DISABLED is not true)";

#[test]
fn trace_environment_shadowing_web_identity() {
    let mut vars = web_identity_vars();
    vars.extend([
        ("AWS_ACCESS_KEY_ID", KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
    ]);
    let (t, end) = traced(&vars, default_plan(), &[]);
    assert_eq!(done(end).source, Source::Environment);
    assert_eq!(
        t,
        vec![
            NOT_PROVIDER,
            NOT_CACHED,
            "environment taken AWS_ACCESS_KEY_ID is set [AWS_ACCESS_KEY_ID]",
            "web-identity shadowed AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are set [AWS_WEB_IDENTITY_TOKEN_FILE]",
            NOT_ECS,
            NOT_FULL,
            EC2_SHADOWED,
            "environment succeeded credentials obtained",
        ]
    );
    // A lone session token selects the environment too, and the trace says which variable.
    let (t, end) = traced(&[("AWS_SESSION_TOKEN", TOKEN)], default_plan(), &[]);
    assert_eq!(failed(end).error, Error::SessionTokenWithoutKeys);
    assert_eq!(
        t[2],
        "environment taken AWS_SESSION_TOKEN is set [AWS_SESSION_TOKEN]"
    );
    assert_eq!(
        t.last().map(String::as_str),
        Some("environment failed SESSION_TOKEN_WITHOUT_KEYS [AWS_SESSION_TOKEN]")
    );
}

#[test]
fn trace_web_identity_half_configured_and_file_errors() {
    // Only the token file: skipped, naming the missing AWS_ROLE_ARN; EC2 is taken.
    let (t, _) = traced(
        &[("AWS_WEB_IDENTITY_TOKEN_FILE", WEB_TOKEN_FILE)],
        default_plan(),
        &[io(IoError::Timeout)],
    );
    assert_eq!(
        t[3],
        "web-identity skipped AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is unset [AWS_ROLE_ARN]"
    );
    assert_eq!(
        t[6],
        "ec2 taken EC2 instance metadata is the last source (AWS_EC2_METADATA_DISABLED is not true)"
    );
    // The whole web identity run: the file read, the request, the result.
    let (t, end) = traced(
        &web_identity_vars(),
        default_plan(),
        &[file(WEB_TOKEN), ok(&web_identity_json("1704067200"))],
    );
    assert_eq!(done(end).source, Source::WebIdentity);
    assert_eq!(
        t[3..].to_vec(),
        vec![
            "web-identity taken AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are set [AWS_WEB_IDENTITY_TOKEN_FILE]",
            NOT_ECS,
            NOT_FULL,
            EC2_SHADOWED,
            "web-identity read-file web identity token file [AWS_WEB_IDENTITY_TOKEN_FILE]",
            "web-identity request STS AssumeRoleWithWebIdentity #1 -> 200",
            "web-identity succeeded credentials obtained",
        ]
    );
    // A missing file: the read's answer and the failure name the variable.
    let (t, _) = traced(
        &web_identity_vars(),
        default_plan(),
        &[io(IoError::NotFound)],
    );
    assert_eq!(
        t[t.len() - 2..].to_vec(),
        vec![
            "web-identity read-file web identity token file [AWS_WEB_IDENTITY_TOKEN_FILE] -> NotFound",
            "web-identity failed FILE_UNREADABLE [AWS_WEB_IDENTITY_TOKEN_FILE]",
        ]
    );
    // The STS override is named on the request.
    let mut vars = web_identity_vars();
    vars.push(("MONGODB_AWS_STS_ENDPOINT", "http://127.0.0.1:9"));
    let (t, _) = traced(
        &vars,
        default_plan(),
        &[file(WEB_TOKEN), io(IoError::Refused)],
    );
    assert!(t.contains(
        &"web-identity request STS AssumeRoleWithWebIdentity #1 [MONGODB_AWS_STS_ENDPOINT] -> Refused"
            .to_string()
    ), "{t:#?}");
}

#[test]
fn trace_imds_token_timeout_and_attempts() {
    let (t, end) = traced(
        &[("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "2")],
        default_plan(),
        &[io(IoError::Timeout), io(IoError::Timeout)],
    );
    assert_eq!(failed(end).error, Error::ImdsTokenTimeout);
    assert_eq!(
        t,
        vec![
            NOT_PROVIDER,
            NOT_CACHED,
            NOT_ENV,
            NOT_WEB,
            NOT_ECS,
            NOT_FULL,
            "ec2 taken EC2 instance metadata is the last source (AWS_EC2_METADATA_DISABLED is not true)",
            "ec2 request IMDSv2 token #1 -> Timeout",
            "ec2 request IMDSv2 token #2 -> Timeout",
            "ec2 failed IMDS_TOKEN_TIMEOUT",
        ]
    );
    // The happy path: three steps, each answered 200, with the override named.
    let (t, _) = traced(
        &[("MONGODB_AWS_EC2_METADATA_ENDPOINT", "http://127.0.0.1:1")],
        default_plan(),
        &imds_happy_script(),
    );
    assert_eq!(
        t[7..].to_vec(),
        vec![
            "ec2 request IMDSv2 token #1 [MONGODB_AWS_EC2_METADATA_ENDPOINT] -> 200",
            "ec2 request IMDS role name #1 [MONGODB_AWS_EC2_METADATA_ENDPOINT] -> 200",
            "ec2 request IMDS role credentials #1 [MONGODB_AWS_EC2_METADATA_ENDPOINT] -> 200",
            "ec2 succeeded credentials obtained",
        ]
    );
}

#[test]
fn trace_container_retries_and_the_ec2_switch() {
    let (t, end) = traced(
        ECS_VARS,
        default_plan(),
        &[status(503), status(503), status(503)],
    );
    assert_eq!(failed(end).error, Error::EndpointHttpStatus);
    assert_eq!(
        t[4..].to_vec(),
        vec![
            "ecs taken AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is set [AWS_CONTAINER_CREDENTIALS_RELATIVE_URI]",
            NOT_FULL,
            EC2_SHADOWED,
            "ecs request ECS credentials #1 [AWS_CONTAINER_CREDENTIALS_RELATIVE_URI] -> 503",
            "ecs request ECS credentials #2 [AWS_CONTAINER_CREDENTIALS_RELATIVE_URI] -> 503",
            "ecs request ECS credentials #3 [AWS_CONTAINER_CREDENTIALS_RELATIVE_URI] -> 503",
            "ecs failed ENDPOINT_HTTP_STATUS",
        ]
    );
    let (t, end) = traced(
        &[("AWS_EC2_METADATA_DISABLED", "true")],
        default_plan(),
        &[],
    );
    assert_eq!(failed(end).error, Error::NoCredentials);
    assert_eq!(
        t[6..].to_vec(),
        vec![
            "ec2 skipped AWS_EC2_METADATA_DISABLED is true [AWS_EC2_METADATA_DISABLED]",
            "ec2 failed NO_CREDENTIALS [AWS_EC2_METADATA_DISABLED]",
        ]
    );
}

#[test]
fn trace_provider_cache_and_explicit_plans() {
    let cached = Plan::Default {
        custom_provider: false,
        fresh_cache: true,
        profile: None,
    };
    let (t, end) = traced(
        &[
            ("AWS_ACCESS_KEY_ID", KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
        ],
        cached,
        &[],
    );
    assert_eq!(end, End::UseCache);
    assert_eq!(
        t[1..3].to_vec(),
        vec![
            "cache taken the process-wide cache holds fresh endpoint credentials",
            "environment shadowed AWS_ACCESS_KEY_ID is set [AWS_ACCESS_KEY_ID]",
        ]
    );
    assert_eq!(
        t.last().map(String::as_str),
        Some("cache succeeded fresh cached endpoint credentials are used")
    );
    let provider = Plan::Default {
        custom_provider: true,
        fresh_cache: false,
        profile: None,
    };
    let (t, _) = traced(&[], provider, &[Ev::ProviderFailed]);
    assert_eq!(
        (t[0].as_str(), t.last().map(String::as_str)),
        (
            "custom-provider taken the application configured a custom provider (AWS_CREDENTIAL_PROVIDER)",
            Some("custom-provider failed CUSTOM_PROVIDER_FAILED")
        )
    );
    let base = Credentials::new("AKIDEXAMPLE", "base-secret-value", None).unwrap();
    let (t, _) = traced(
        &[],
        assume_role_plan(base, Some("session-1")),
        &[ok(&sts_xml("AssumeRole", &xml_credentials(true)))],
    );
    assert_eq!(
        t,
        vec![
            "assume-role taken an explicit STS AssumeRole call",
            "assume-role request STS AssumeRole #1 -> 200",
            "assume-role succeeded credentials obtained",
        ]
    );
}

#[test]
fn trace_capacity_keeps_the_last_entry() {
    // The longest real run fits: IMDS with 10 attempts at each of its three steps.
    let mut script = Vec::new();
    for step in imds_happy_script() {
        script.extend(std::iter::repeat_n(status(500), 9));
        script.push(step);
    }
    let (t, end) = traced(
        &[("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "10")],
        default_plan(),
        &script,
    );
    assert_eq!(done(end).source, Source::Ec2);
    assert_eq!(t.len(), 7 + 30 + 1);
    // Past the capacity, entries are counted and dropped, but the final one is kept.
    let mut c = new_chain(Env::new(), default_plan(), NOW);
    let filler = TraceEntry::new(Subject::Cache, Decision::Skipped, "x", None);
    for _ in 0..MAX_TRACE + 5 {
        c.record(filler);
    }
    c.fail(FailInfo::new(Error::NoCredentials));
    assert_eq!(c.trace().len(), MAX_TRACE);
    assert_eq!(c.trace_dropped(), 6);
    assert_eq!(c.trace().last().map(|e| e.decision), Some(Decision::Failed));
}

mod profiles;
