//! The credential chain (`providers::chain::Chain`) driven like a host would, with fuzzer-chosen
//! environment, plan, clock and answers.
//!
//! Input: a scenario (a coherent configuration: EC2, ECS, full URI, web identity, environment,
//! custom provider, cache, AssumeRole, SAML, ...), a few variable overrides (unset, empty, a
//! candidate value or arbitrary text), the clock, then one answer per action: the fitting answer
//! (valid body for the step, mutated or arbitrary bodies, statuses, `Retry-After`, I/O errors,
//! files) or an out-of-place event. A zero byte always picks the most ordinary choice, so an
//! input of one scenario byte is that scenario's happy path (the seeds).
//!
//! Invariants (the same as the unit proptest in `core/src/providers/chain/tests.rs`):
//! * no panic; `poll()` twice gives the same action; every request renders to exactly
//!   `RequestPlan::len()` bytes that httparse reads as a complete HTTP/1.1 request;
//! * the chain ends within 64 polls in `Done`, `Failed` or (fresh cache only) `UseCache`;
//! * `Done` carries credentials that pass `Credentials::new`, that are fresh at `now`, whose
//!   `cache` flag is the source's `is_cacheable()`, and whose source is the plan's (the explicit
//!   plans, the custom provider) or the one `cache::select_source` picks for the environment;
//! * `Failed` carries a typed error (`check_error`), its `Display` starts with the error's message
//!   and shows none of the secrets given (environment secret and token, authorization token,
//!   token files, IMDS token, response credentials, base credentials, provider secret).
#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use mongodb_aws_core::cache::{is_fresh, select_source, ChainInputs, Step};
use mongodb_aws_core::providers::chain::{Action, Chain, Env, IoError, Plan, Var, VARS};
use mongodb_aws_core::providers::{sts_response, Source};
use mongodb_aws_core::{Credentials, UnixTime};
use mongodb_aws_fuzz::{check_error, gen, stat};

/// 2024-01-01T00:00:00Z and one hour before.
const EXP: u64 = 1_704_067_200;
const NOW: u64 = EXP - 3600;

// Secrets: distinctive markers that must never appear in a failure's text.
const ENV_SECRET: &str = "envSECRETvalue";
const ENV_TOKEN: &str = "envTOKENvalue";
const AUTH_TOKEN: &str = "authTOKENvalue";
const AUTH_TOKEN_FILE_CONTENT: &str = "fileAUTHTOKENvalue";
const WEB_TOKEN: &str = "webTOKEN.eyJzdWIiOiJ4In0.sig";
const IMDS_TOKEN: &str = "imdsTOKENvalue==";
const BODY_SECRET: &str = "bodySECRETwJalrXUtnFEMI/K7MDENG";
const BODY_TOKEN: &str = "bodyTOKENIQoJb3JpZ2luX2Vj+/=";
const BASE_SECRET: &str = "baseSECRETvalue";
const BASE_TOKEN: &str = "baseTOKENvalue";
const PROVIDER_SECRET: &str = "providerSECRETvalue";
const PROFILE_SECRET: &str = "profileSECRETvalue";
const PROCESS_SECRET: &str = "processSECRETvalue";
const SSO_TOKEN: &str = "ssoACCESSTOKENvalue";
const SSO_REFRESH: &str = "ssoREFRESHvalue";
const MFA_CODE: &str = "918273";
const SECRETS: &[&str] = &[
    PROFILE_SECRET,
    PROCESS_SECRET,
    SSO_TOKEN,
    SSO_REFRESH,
    MFA_CODE,
    ENV_SECRET,
    ENV_TOKEN,
    AUTH_TOKEN,
    AUTH_TOKEN_FILE_CONTENT,
    WEB_TOKEN,
    IMDS_TOKEN,
    BODY_SECRET,
    BODY_TOKEN,
    BASE_SECRET,
    BASE_TOKEN,
    PROVIDER_SECRET,
];
/// Variables whose values are secret.
const SECRET_VARS: &[Var] = &[
    Var::SecretAccessKey,
    Var::SessionToken,
    Var::ContainerAuthToken,
];

const KEY_ID: &str = "ASIAIOSFODNN7EXAMPLE";
const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/demo";
const EXP_ISO: &str = "2024-01-01T00:00:00Z";

fn endpoint_json(extra: &str) -> String {
    format!(
        r#"{{{extra}"AccessKeyId":"{KEY_ID}","SecretAccessKey":"{BODY_SECRET}","Token":"{BODY_TOKEN}","Expiration":"{EXP_ISO}","RoleArn":"arn:aws:iam::123456789012:role/r"}}"#
    )
}

fn sts_xml(action: &str) -> String {
    format!(
        "<{action}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><{action}Result><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/demo/s</Arn><AssumedRoleId>AROA1:s</AssumedRoleId></AssumedRoleUser><Credentials><AccessKeyId>{KEY_ID}</AccessKeyId><SecretAccessKey>{BODY_SECRET}</SecretAccessKey><SessionToken>{BODY_TOKEN}</SessionToken><Expiration>{EXP_ISO}</Expiration></Credentials></{action}Result><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></{action}Response>"
    )
}

fn sts_json(action: &str) -> String {
    format!(
        r#"{{"{action}Response":{{"{action}Result":{{"AssumedRoleUser":{{"Arn":"arn:aws:sts::123456789012:assumed-role/demo/s","AssumedRoleId":"AROA1:s"}},"Credentials":{{"AccessKeyId":"{KEY_ID}","Expiration":1.7040672E9,"SecretAccessKey":"{BODY_SECRET}","SessionToken":"{BODY_TOKEN}"}}}},"ResponseMetadata":{{"RequestId":"r"}}}}}}"#
    )
}

/// The valid answer of a step (`HttpAction::step`); `variant` picks the other shape.
fn body_for(step: &str, variant: bool) -> Vec<u8> {
    let s = match step {
        "IMDSv2 token" => format!("{IMDS_TOKEN}\n"),
        "IMDS role name" => "my-role\n".into(),
        "IMDS role credentials" => endpoint_json(r#""Code":"Success","Type":"AWS-HMAC","#),
        "ECS credentials" => endpoint_json(""),
        "container credentials" => endpoint_json(r#""AccountId":"123456789012","#),
        "STS AssumeRoleWithWebIdentity" if variant => sts_xml("AssumeRoleWithWebIdentity"),
        "STS AssumeRoleWithWebIdentity" => sts_json("AssumeRoleWithWebIdentity"),
        "STS AssumeRole" if variant => sts_json("AssumeRole"),
        "STS AssumeRole" => sts_xml("AssumeRole"),
        "STS AssumeRoleWithSAML" if variant => sts_json("AssumeRoleWithSAML"),
        "STS AssumeRoleWithSAML" => sts_xml("AssumeRoleWithSAML"),
        "SSO GetRoleCredentials" => format!(
            r#"{{"roleCredentials":{{"accessKeyId":"{KEY_ID}","secretAccessKey":"{BODY_SECRET}","sessionToken":"{BODY_TOKEN}","expiration":{}}}}}"#,
            EXP * 1000
        ),
        "SSO OIDC CreateToken" => format!(
            r#"{{"accessToken":"{SSO_TOKEN}2","expiresIn":3600,"refreshToken":"{SSO_REFRESH}2"}}"#
        ),
        other => panic!("unknown step {other}"),
    };
    s.into_bytes()
}

/// Other bodies: error documents, near misses.
fn pool_body(i: usize) -> Vec<u8> {
    let s = match i {
        0 => "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>".into(),
        1 => r#"{"Error":{"Code":"AccessDenied","Message":"Not authorized","Type":"Sender"}}"#.into(),
        2 => "<ErrorResponse><Error><Code>IDPCommunicationError</Code></Error></ErrorResponse>".into(),
        3 => r#"{"Code":"AssumeRoleUnauthorizedAccess","Message":"no","LastUpdated":"2023-12-31T22:00:00Z"}"#.into(),
        4 => format!(r#"{{"AccessKeyId":"{KEY_ID}","SecretAccessKey":"{BODY_SECRET}","Expiration":{}}}"#, NOW + 100),
        5 => format!(r#"{{"AccessKeyId":"{KEY_ID}","Expiration":"{EXP_ISO}"}}"#),
        6 => format!(r#"{{"AccessKeyId":"{KEY_ID}","SecretAccessKey":"{BODY_SECRET}","Token":"{}","Expiration":"{EXP_ISO}"}}"#, "A".repeat(16 * 1024 + 1)),
        7 => sts_xml("AssumeRole").replace("<SessionToken>", "<X>").replace("</SessionToken>", "</X>"),
        8 => "<html>503 Service Unavailable</html>".into(),
        _ => String::new(),
    };
    s.into_bytes()
}

const POOL_BODIES: usize = 10;

const IO_ERRORS: &[IoError] = &[
    IoError::NotFound,
    IoError::Unreadable,
    IoError::Refused,
    IoError::ConnectTimeout,
    IoError::Timeout,
    IoError::Closed,
    IoError::BadResponse,
];

const STATUSES: &[u16] = &[200, 301, 400, 403, 404, 429, 500, 501, 502, 503, 504, 599];

/// Candidate values of a variable for overrides.
fn candidates(v: Var) -> &'static [&'static str] {
    match v {
        Var::AccessKeyId => &["AKIDEXAMPLE", "AK ID"],
        Var::SecretAccessKey => &[ENV_SECRET],
        Var::SessionToken => &[ENV_TOKEN],
        Var::WebIdentityTokenFile => &["/t/token"],
        Var::RoleArn => &[ROLE_ARN, "arn:bad"],
        Var::RoleSessionName => &["app+1@ns", "bad name", "x"],
        Var::StsRegionalEndpoints => &["regional", "legacy"],
        Var::Region => &["eu-west-1", "cn-north-1", "bad/region"],
        Var::StsEndpointOverride => &["http://127.0.0.1:5000", "http://sts.example", "https://h/x"],
        Var::EcsRelativeUri => &["/v2/credentials/abc", "//x", "/a?b=c", "a"],
        Var::EcsEndpointOverride => &["http://127.0.0.1:9", "http://h/x"],
        Var::ContainerFullUri => &[
            "http://127.0.0.1:8080/creds",
            "https://creds.example/x?y=1",
            "http://169.254.170.23/v1/credentials",
            "http://10.0.0.1/x",
            "ftp://x",
        ],
        Var::ContainerAuthTokenFile => &["/t/auth"],
        Var::ContainerAuthToken => &[AUTH_TOKEN, "a\r\nb"],
        Var::Ec2MetadataDisabled => &["true", "TRUE", "false"],
        Var::Ec2MetadataEndpointOverride => &["http://127.0.0.1:1", "bad", "http://[::1]:8/"],
        Var::Ec2MetadataServiceEndpoint => &["http://[fd00:ec2::254]"],
        Var::MetadataServiceTimeout => &["2.5", "0", "abc", "3600", "3601", "0.001", ".5"],
        Var::MetadataServiceNumAttempts => &["3", "10", "0", "11"],
        Var::ConfigFile => &["~/cfg", "/h/.aws/config", ""],
        Var::SharedCredentialsFile => &["/h/.aws/credentials", ""],
        Var::Home | Var::UserProfile => &["/h"],
        Var::Profile | Var::DefaultProfile => &["dev", "admin", "proc", "sso", "nope", ""],
        Var::DefaultRegion => &["eu-west-1", "us-east-1", "bad/region"],
        Var::EndpointUrlSts | Var::EndpointUrl | Var::EndpointUrlSso | Var::EndpointUrlSsoOidc => {
            &["http://127.0.0.1:4000", "http://example.com", "https://h/x"]
        }
        Var::IgnoreConfiguredEndpointUrls => &["true", "false"],
        Var::SsoEndpointOverride | Var::SsoOidcEndpointOverride => &["http://127.0.0.1:9000", "x"],
        Var::CredentialProcessTimeout | Var::MfaTimeout => &["1", "0.5", "0", "3601", "x"],
    }
}

/// The shared files and SSO cache of the profile scenarios (answers to ReadFile by path).
fn profile_file(path: &str) -> String {
    if path.ends_with("/.aws/config") {
        format!(
            "[default]\nregion = eu-west-1\n[profile dev]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = {PROFILE_SECRET}\n\
             [profile admin]\nrole_arn = {ROLE_ARN}\nsource_profile = dev\nmfa_serial = arn:aws:iam::123456789012:mfa/u\nduration_seconds = 3600\n\
             [profile proc]\ncredential_process = /bin/helper --x 'a b'\n\
             [profile loop]\nrole_arn = {ROLE_ARN}\nsource_profile = loop2\n[profile loop2]\nrole_arn = {ROLE_ARN}\nsource_profile = loop\n\
             [profile sso]\nsso_session = s\nsso_account_id = 123456789012\nsso_role_name = R\n\
             [sso-session s]\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = us-east-1\n"
        )
    } else if path.ends_with("/.aws/credentials") {
        format!("[dev]\naws_access_key_id = AKIDCREDS\naws_secret_access_key = {PROFILE_SECRET}\n")
    } else {
        format!(
            r#"{{"accessToken":"{SSO_TOKEN}","expiresAt":"2023-12-31T23:10:00Z","refreshToken":"{SSO_REFRESH}","clientId":"c","clientSecret":"cs","registrationExpiresAt":"2030-01-01T00:00:00Z"}}"#
        )
    }
}

fn process_output() -> Vec<u8> {
    format!(r#"{{"Version":1,"AccessKeyId":"{KEY_ID}","SecretAccessKey":"{PROCESS_SECRET}","Expiration":"{EXP_ISO}"}}"#).into_bytes()
}

/// A scenario: variables and plan kind.
fn scenario(i: u8) -> (&'static [(Var, &'static str)], u8) {
    match i {
        0 => (&[], 0),
        1 => (&[(Var::EcsRelativeUri, "/v2/credentials/abc")], 0),
        2 => (
            &[
                (Var::ContainerFullUri, "http://127.0.0.1:8080/creds"),
                (Var::ContainerAuthTokenFile, "/t/auth"),
                (Var::ContainerAuthToken, AUTH_TOKEN),
            ],
            0,
        ),
        3 => (
            &[
                (Var::WebIdentityTokenFile, "/t/token"),
                (Var::RoleArn, ROLE_ARN),
            ],
            0,
        ),
        4 => (
            &[
                (Var::AccessKeyId, "AKIDEXAMPLE"),
                (Var::SecretAccessKey, ENV_SECRET),
                (Var::SessionToken, ENV_TOKEN),
            ],
            0,
        ),
        5 => (&[], 1),
        6 => (&[], 2),
        7 => (&[], 3),
        8 => (&[], 4),
        9 => (
            &[
                (Var::MetadataServiceNumAttempts, "3"),
                (Var::MetadataServiceTimeout, "2.5"),
            ],
            0,
        ),
        10 => (
            &[
                (Var::WebIdentityTokenFile, "/t/token"),
                (Var::RoleArn, ROLE_ARN),
                (Var::RoleSessionName, "app"),
                (Var::StsRegionalEndpoints, "regional"),
                (Var::Region, "eu-west-1"),
                (Var::StsEndpointOverride, "http://127.0.0.1:5000"),
            ],
            0,
        ),
        11 => (
            &[
                (
                    Var::ContainerFullUri,
                    "http://169.254.170.23/v1/credentials",
                ),
                (Var::ContainerAuthToken, AUTH_TOKEN),
            ],
            0,
        ),
        // The shared files: static keys, a role with MFA, credential_process, SSO, a cycle.
        12 => (&[(Var::Home, "/h"), (Var::Profile, "dev")], 0),
        13 => (&[(Var::Home, "/h"), (Var::Profile, "admin")], 0),
        14 => (&[(Var::Home, "/h"), (Var::Profile, "proc")], 0),
        15 => (&[(Var::Home, "/h"), (Var::Profile, "sso")], 0),
        _ => (&[(Var::Home, "/h"), (Var::DefaultProfile, "loop")], 0),
    }
}

const SCENARIOS: u8 = 17;

fn var_of(i: usize) -> Var {
    // VARS and Var share their order.
    const ALL: &[Var] = &[
        Var::AccessKeyId,
        Var::SecretAccessKey,
        Var::SessionToken,
        Var::WebIdentityTokenFile,
        Var::RoleArn,
        Var::RoleSessionName,
        Var::StsRegionalEndpoints,
        Var::Region,
        Var::StsEndpointOverride,
        Var::EcsRelativeUri,
        Var::EcsEndpointOverride,
        Var::ContainerFullUri,
        Var::ContainerAuthTokenFile,
        Var::ContainerAuthToken,
        Var::Ec2MetadataDisabled,
        Var::Ec2MetadataEndpointOverride,
        Var::Ec2MetadataServiceEndpoint,
        Var::MetadataServiceTimeout,
        Var::MetadataServiceNumAttempts,
        Var::ConfigFile,
        Var::SharedCredentialsFile,
        Var::Home,
        Var::UserProfile,
        Var::Profile,
        Var::DefaultProfile,
        Var::DefaultRegion,
        Var::EndpointUrlSts,
        Var::EndpointUrl,
        Var::EndpointUrlSso,
        Var::IgnoreConfiguredEndpointUrls,
        Var::SsoEndpointOverride,
        Var::SsoOidcEndpointOverride,
        Var::EndpointUrlSsoOidc,
        Var::CredentialProcessTimeout,
        Var::MfaTimeout,
    ];
    assert_eq!(ALL.len(), VARS.len());
    ALL[i % ALL.len()]
}

/// Byte edits, a cut and a splice of fuzzer bytes.
fn mutate(u: &mut Unstructured<'_>, mut b: Vec<u8>) -> Result<Vec<u8>> {
    for _ in 0..u.int_in_range(0..=4)? {
        if b.is_empty() {
            break;
        }
        let i = u.choose_index(b.len())?;
        b[i] = u.arbitrary()?;
    }
    if u.arbitrary()? && !b.is_empty() {
        let at = u.choose_index(b.len())?;
        let len = u.int_in_range(0..=(b.len() - at).min(64))?;
        let with: &[u8] = u.arbitrary()?;
        b.splice(at..at + len, with.iter().copied());
    }
    if u.arbitrary()? {
        let keep = u.int_in_range(0..=b.len())?;
        b.truncate(keep);
    }
    Ok(b)
}

/// An event, in owned form.
#[derive(Clone, Debug)]
enum Ev {
    File(Vec<u8>),
    Http(u16, Vec<(String, String)>, Vec<u8>),
    Io(IoError),
    Wake,
    Provided(String, String, Option<String>, Option<u64>),
    ProviderFailed,
    Exit(Option<i32>, Vec<u8>, Vec<u8>),
    MfaCode(String),
    MfaUnavailable,
    MfaFailed,
    Written,
}

fn provided(u: &mut Unstructured<'_>) -> Result<Ev> {
    Ok(match u.int_in_range(0..=5)? {
        0 | 1 => Ev::Provided("AKIDCUSTOM".into(), PROVIDER_SECRET.into(), None, None),
        2 => Ev::Provided(
            "AKIDCUSTOM".into(),
            PROVIDER_SECRET.into(),
            Some("customtoken".into()),
            Some(u.arbitrary()?),
        ),
        3 => Ev::ProviderFailed,
        _ => Ev::Provided(
            gen::from_alphabet(u, gen::ALNUM, 0, 8)?,
            u.arbitrary()?,
            u.arbitrary()?,
            u.arbitrary()?,
        ),
    })
}

/// What the fuzzer answers to the action `kind` (with the step name for HTTP).
fn answer(u: &mut Unstructured<'_>, kind: &Kind) -> Result<Ev> {
    if u.int_in_range(0..=15u8)? >= 14 {
        // An event that does not fit (or happens to fit) the action.
        return Ok(match u.int_in_range(0..=9)? {
            0 => Ev::File(WEB_TOKEN.as_bytes().to_vec()),
            1 => Ev::Http(200, vec![], body_for("ECS credentials", false)),
            2 => Ev::Io(*u.choose(IO_ERRORS)?),
            3 => Ev::Wake,
            4 => provided(u)?,
            5 => Ev::Exit(Some(0), process_output(), vec![]),
            6 => Ev::MfaCode(MFA_CODE.into()),
            7 => Ev::MfaUnavailable,
            8 => Ev::Written,
            _ => Ev::ProviderFailed,
        });
    }
    Ok(match kind {
        Kind::Shared(path) => match u.int_in_range(0..=5)? {
            0..=2 => Ev::File(profile_file(path).into_bytes()),
            3 => Ev::Io(*u.choose(IO_ERRORS)?),
            4 => Ev::File(mutate(u, profile_file(path).into_bytes())?),
            _ => Ev::File(u.arbitrary::<&[u8]>()?.to_vec()),
        },
        Kind::Process => match u.int_in_range(0..=5)? {
            0..=2 => Ev::Exit(Some(0), process_output(), vec![]),
            3 => Ev::Exit(
                u.arbitrary()?,
                mutate(u, process_output())?,
                b"helper: denied\n".to_vec(),
            ),
            4 => Ev::Io(*u.choose(IO_ERRORS)?),
            _ => Ev::Exit(
                Some(0),
                u.arbitrary::<&[u8]>()?.to_vec(),
                u.arbitrary::<&[u8]>()?.to_vec(),
            ),
        },
        Kind::Mfa => match u.int_in_range(0..=4)? {
            0 | 1 => Ev::MfaCode(MFA_CODE.into()),
            2 => Ev::MfaUnavailable,
            3 => Ev::MfaFailed,
            _ => Ev::MfaCode(gen::from_alphabet(u, b"0123456789 x", 0, 8)?),
        },
        Kind::Write => match u.int_in_range(0..=1)? {
            0 => Ev::Written,
            _ => Ev::Io(*u.choose(IO_ERRORS)?),
        },
        Kind::File(var) => match u.int_in_range(0..=4)? {
            0 | 1 => Ev::File(
                if *var == "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE" {
                    format!("{AUTH_TOKEN_FILE_CONTENT}\n")
                } else {
                    format!("{WEB_TOKEN}\n")
                }
                .into_bytes(),
            ),
            2 => Ev::Io(*u.choose(IO_ERRORS)?),
            3 => Ev::File(mutate(u, WEB_TOKEN.as_bytes().to_vec())?),
            _ => Ev::File(u.arbitrary::<&[u8]>()?.to_vec()),
        },
        Kind::Http(step) => match u.int_in_range(0..=9)? {
            0..=2 => Ev::Http(200, vec![], body_for(step, false)),
            3 => Ev::Http(200, vec![], body_for(step, true)),
            4 => {
                let b = body_for(step, u.arbitrary()?);
                Ev::Http(200, vec![], mutate(u, b)?)
            }
            5 => Ev::Io(*u.choose(IO_ERRORS)?),
            6 => Ev::Http(*u.choose(STATUSES)?, vec![], vec![]),
            7 => {
                let i = u.choose_index(POOL_BODIES)?;
                let b = pool_body(i);
                let b = if u.arbitrary()? { mutate(u, b)? } else { b };
                Ev::Http(*u.choose(STATUSES)?, vec![], b)
            }
            8 => {
                let v = gen::from_alphabet(u, b"0123456789 x", 0, 6)?;
                Ev::Http(
                    *u.choose(STATUSES)?,
                    vec![("Retry-After".into(), v)],
                    vec![],
                )
            }
            _ => Ev::Http(u.arbitrary()?, vec![], u.arbitrary::<&[u8]>()?.to_vec()),
        },
        Kind::Wait => Ev::Wake,
        Kind::Provider => provided(u)?,
    })
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
        Ev::Provided(id, secret, token, exp) => {
            chain.on_provided(id, secret, token.as_deref(), exp.map(UnixTime))
        }
        Ev::ProviderFailed => chain.on_provider_failed(),
        Ev::Exit(code, out, err) => chain.on_process_exit(*code, out, err),
        Ev::MfaCode(c) => chain.on_mfa_code(c),
        Ev::MfaUnavailable => chain.on_mfa_unavailable(),
        Ev::MfaFailed => chain.on_mfa_failed(),
        Ev::Written => chain.on_written(),
    }
}

/// The action, reduced to what the answer depends on.
enum Kind {
    File(&'static str),
    /// A shared file or the SSO cache, by path.
    Shared(String),
    Http(&'static str),
    Wait,
    Provider,
    Process,
    Mfa,
    Write,
}

enum Polled {
    Next(Kind, String),
    Done,
}

fn check_request(h: &mongodb_aws_core::providers::chain::HttpAction<'_>) {
    let n = h.request.len();
    let mut buf = vec![0u8; n];
    let w = h.request.write(&mut buf).expect("a request plan renders");
    assert_eq!(w.as_bytes().len(), n);
    let mut hs = [httparse::EMPTY_HEADER; 16];
    let mut r = httparse::Request::new(&mut hs);
    match r.parse(w.as_bytes()) {
        Ok(httparse::Status::Complete(head)) => {
            assert_eq!(&w.as_bytes()[head..], w.body());
            assert_eq!(r.method, Some(w.method()));
            assert_eq!(r.path, Some(w.target()));
        }
        other => panic!("request is not HTTP/1.1: {other:?}"),
    }
    assert!(h.attempt >= 1 && h.attempt <= 10, "attempt {}", h.attempt);
    assert!(h.connect_timeout_ms >= 1 && h.connect_timeout_ms <= h.timeout_ms);
    assert!(h.timeout_ms <= 3_600_000);
}

struct Expect {
    /// The source a Done must have, when known.
    source: Option<Source>,
    now: u64,
    cache_plan: bool,
    exempt: Vec<String>,
}

fn poll(chain: &mut Chain<'_>, x: &Expect, bodies: &[Vec<u8>]) -> Polled {
    let debug = format!("{:?}", chain.poll());
    assert_eq!(
        debug,
        format!("{:?}", chain.poll()),
        "poll() is not idempotent"
    );
    match chain.poll() {
        Action::ReadFile { path, variable }
            if path.starts_with("/h") || variable == "HOME" || variable == "USERPROFILE" =>
        {
            Polled::Next(Kind::Shared(path.to_string()), debug)
        }
        Action::ReadFile { variable, .. } => Polled::Next(Kind::File(variable), debug),
        Action::RunProcess(p) => {
            assert!(
                !format!("{:?}", p.args).contains("a b"),
                "arguments in Debug"
            );
            assert!(p.timeout_ms > 0);
            Polled::Next(Kind::Process, debug)
        }
        Action::AskMfa { .. } => Polled::Next(Kind::Mfa, debug),
        Action::WriteFile { .. } => Polled::Next(Kind::Write, debug),
        Action::Http(h) => {
            check_request(&h);
            Polled::Next(Kind::Http(h.step), debug)
        }
        Action::Wait { millis } => {
            assert!(millis <= 2_000, "wait {millis}");
            Polled::Next(Kind::Wait, debug)
        }
        Action::CallProvider => Polled::Next(Kind::Provider, debug),
        Action::UseCache => {
            assert!(x.cache_plan, "UseCache without a fresh cache");
            stat("use cache");
            Polled::Done
        }
        Action::Done(o) => {
            let c = o.fetched.credentials;
            assert!(
                Credentials::new(c.access_key_id(), c.secret_access_key(), c.session_token())
                    .is_ok(),
                "Done with credentials the core refuses"
            );
            assert_eq!(
                o.cache,
                o.fetched.source.is_cacheable() && o.fetched.expiration.is_some()
            );
            assert!(
                is_fresh(o.fetched.expiration, UnixTime(x.now)),
                "stale credentials"
            );
            if o.fetched.source.is_cacheable() && o.fetched.source != Source::CredentialProcess {
                assert!(o.fetched.expiration.is_some());
            }
            // Credentials from the shared files name their profile; the others never do
            // (AssumeRole and web identity can be either).
            match o.fetched.source {
                Source::Profile | Source::CredentialProcess | Source::Sso => {
                    assert!(o.origin.is_some(), "no origin")
                }
                Source::AssumeRole | Source::WebIdentity => {}
                _ => assert!(o.origin.is_none(), "origin for {:?}", o.fetched.source),
            }
            if let Some(s) = x.source {
                assert_eq!(o.fetched.source, s);
            }
            assert_eq!(o.instance_role.is_some(), o.fetched.source == Source::Ec2);
            stat(o.fetched.source.name());
            Polled::Done
        }
        Action::Failed(f) => {
            check_error(f.error);
            let shown = f.to_string();
            assert!(shown.starts_with(f.error.message()), "{shown}");
            for s in SECRETS {
                let exempt = x.exempt.iter().any(|e| e.contains(s))
                    || bodies.iter().any(|b| {
                        // Text that a failure may quote: STS error documents, IMDS role names.
                        b.windows(s.len()).any(|w| w == s.as_bytes())
                            && (sts_response::parse_error(b, &mut vec![0u8; b.len()]).is_ok()
                                || b.len() <= 64)
                    });
                assert!(
                    exempt || !shown.contains(s),
                    "failure shows a secret: {shown}"
                );
            }
            assert!(f.attempts <= 10);
            stat(f.error.name());
            Polled::Done
        }
    }
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let (vars, plan_kind) = scenario(u.int_in_range(0..=SCENARIOS - 1)?);
    let mut values: Vec<Option<String>> = vec![None; VARS.len()];
    for (v, s) in vars {
        values[*v as usize] = Some((*s).to_string());
    }
    for _ in 0..u.int_in_range(0..=3)? {
        let i = u.choose_index(VARS.len())?;
        values[i] = match u.int_in_range(0..=3)? {
            0 => None,
            1 => Some(String::new()),
            2 => Some((*u.choose(candidates(var_of(i)))?).to_string()),
            _ => Some(u.arbitrary::<String>()?),
        };
    }
    let now = match u.int_in_range(0..=4)? {
        0 => NOW,
        1 => EXP - 300,
        2 => EXP + 1,
        3 => 0,
        _ => u.arbitrary()?,
    };
    let random: [u8; 16] = u.arbitrary()?;
    let mut env = Env::new();
    for (i, v) in values.iter().enumerate() {
        assert!(env.set(VARS[i], v.as_deref()));
    }
    let base = Credentials::new("AKIDBASE", BASE_SECRET, Some(BASE_TOKEN)).expect("base");
    let plan = match plan_kind {
        1 => Plan::Default {
            custom_provider: true,
            fresh_cache: false,
            profile: None,
        },
        2 => Plan::Default {
            custom_provider: false,
            fresh_cache: true,
            profile: None,
        },
        3 => Plan::AssumeRole {
            base,
            role_arn: ROLE_ARN,
            session_name: None,
            external_id: Some("ext-1"),
            duration_seconds: Some(3600),
            mfa: None,
        },
        4 => Plan::Saml {
            role_arn: ROLE_ARN,
            principal_arn: "arn:aws:iam::123456789012:saml-provider/idp",
            assertion: "PHNhbWxwOlJlc3BvbnNlPg==",
            duration_seconds: None,
        },
        _ => Plan::Default {
            custom_provider: false,
            fresh_cache: false,
            profile: None,
        },
    };
    // The shared files make the source depend on their content: no reference for them.
    let files_in_play = [
        Var::Home,
        Var::UserProfile,
        Var::ConfigFile,
        Var::SharedCredentialsFile,
        Var::Profile,
        Var::DefaultProfile,
    ]
    .iter()
    .any(|v| values[*v as usize].is_some());
    let source = match plan_kind {
        1 => Some(Source::CustomProvider),
        2 => None,
        3 => Some(Source::AssumeRole),
        4 => Some(Source::Saml),
        _ if files_in_play => None,
        _ => {
            let get = |v: Var| env.get(v);
            let inputs = ChainInputs {
                custom_provider: false,
                fresh_cache: false,
                access_key_id: get(Var::AccessKeyId),
                secret_access_key: get(Var::SecretAccessKey),
                session_token: get(Var::SessionToken),
                web_identity_token_file: get(Var::WebIdentityTokenFile),
                role_arn: get(Var::RoleArn),
                ecs_relative_uri: get(Var::EcsRelativeUri),
                container_full_uri: get(Var::ContainerFullUri),
                ec2_disabled: get(Var::Ec2MetadataDisabled)
                    .is_some_and(|s| s.trim().eq_ignore_ascii_case("true")),
                profile: Default::default(),
            };
            match select_source(&inputs) {
                Step::Environment => Some(Source::Environment),
                Step::WebIdentity => Some(Source::WebIdentity),
                Step::Ecs => Some(Source::Ecs),
                Step::ContainerFullUri => Some(Source::ContainerFullUri),
                Step::Ec2 => Some(Source::Ec2),
                Step::None | Step::Cache | Step::CustomProvider => None,
                Step::ProfileRole
                | Step::Sso
                | Step::ProfileCredentialsFile
                | Step::CredentialProcess
                | Step::ProfileConfigFile => unreachable!("no shared files in play"),
            }
        }
    };
    // Values a failure may show: every non-secret variable.
    let exempt: Vec<String> = values
        .iter()
        .enumerate()
        .filter(|(i, _)| !SECRET_VARS.contains(&var_of(*i)))
        .filter_map(|(_, v)| v.clone())
        .collect();
    let x = Expect {
        source,
        now,
        cache_plan: plan_kind == 2,
        exempt,
    };
    let mut chain = Box::new(Chain::new(env, plan, UnixTime(now), random));
    let mut bodies: Vec<Vec<u8>> = Vec::new();
    let mut trace: Vec<String> = Vec::new();
    for _ in 0..64 {
        match poll(&mut chain, &x, &bodies) {
            Polled::Done => return Ok(()),
            Polled::Next(kind, debug) => {
                trace.push(debug);
                let ev = answer(u, &kind)?;
                if let Ev::Http(_, _, b) = &ev {
                    bodies.push(b.clone());
                }
                apply(&mut chain, &ev);
            }
        }
    }
    panic!("no end within 64 polls: {trace:#?}");
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
