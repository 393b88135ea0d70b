//! The CLI's credential host: reads the environment and files, does the HTTP, keeps the
//! process-wide cache, and answers "which identity will my driver use?" (`mongodb-aws credentials`).
//!
//! Everything protocol-shaped (request bytes, response parsing, chain order, freshness) is the core's
//! (`mongodb_aws_core::providers`, `mongodb_aws_core::cache`); this module only does I/O around it.

pub mod cache;
pub mod command;
pub mod http;

use http::{HttpError, Response, Timeouts};
use mongodb_aws_core::cache::{is_unexpired, select_source, ChainInputs, Step};
use mongodb_aws_core::providers::{
    self, assume_role, container, ecs, env as env_src, imds, saml, sts_response, web_identity,
    FetchedCredentials, RandomSessionName, RequestPlan, Source, StsEndpoint,
};
use mongodb_aws_core::{Credentials, Error, UnixTime};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use zeroize::{Zeroize, Zeroizing};

/// Credentials owned by the host. The secret and token are zeroized on drop; `Debug` redacts them.
#[derive(Clone)]
pub struct OwnedCredentials {
    /// Access key id.
    pub access_key_id: String,
    secret_access_key: Zeroizing<String>,
    session_token: Option<Zeroizing<String>>,
    /// Expiration, when the source gives one.
    pub expiration: Option<UnixTime>,
    /// Role ARN (ECS `RoleArn`, STS `AssumedRoleUser.Arn`).
    pub arn: Option<String>,
    /// STS `AssumedRoleUser.AssumedRoleId`.
    pub assumed_role_id: Option<String>,
    /// EKS Pod Identity `AccountId`.
    pub account_id: Option<String>,
    /// The EC2 instance role name (IMDS step 2).
    pub instance_role: Option<String>,
    /// Where they came from.
    pub source: Source,
}

impl std::fmt::Debug for OwnedCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnedCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .field("expiration", &self.expiration)
            .field("arn", &self.arn)
            .field("source", &self.source)
            .finish()
    }
}

impl OwnedCredentials {
    fn from_fetched(f: &FetchedCredentials<'_>) -> Self {
        OwnedCredentials {
            access_key_id: f.credentials.access_key_id().to_string(),
            secret_access_key: Zeroizing::new(f.credentials.secret_access_key().to_string()),
            session_token: f
                .credentials
                .session_token()
                .map(|t| Zeroizing::new(t.to_string())),
            expiration: f.expiration,
            arn: f.arn.map(str::to_string),
            assumed_role_id: f.assumed_role_id.map(str::to_string),
            account_id: f.account_id.map(str::to_string),
            instance_role: None,
            source: f.source,
        }
    }

    /// Borrowed, validated credentials for signing.
    pub fn credentials(&self) -> Result<Credentials<'_>, Error> {
        Credentials::new(
            &self.access_key_id,
            &self.secret_access_key,
            self.session_token.as_ref().map(|t| t.as_str()),
        )
    }

    /// Length of the secret (for redacted display).
    pub fn secret_len(&self) -> usize {
        self.secret_access_key.len()
    }

    /// Length of the session token, if any.
    pub fn session_token_len(&self) -> Option<usize> {
        self.session_token.as_ref().map(|t| t.len())
    }

    #[cfg(test)]
    pub(crate) fn for_test(id: &str, expiration: Option<UnixTime>, source: Source) -> Self {
        OwnedCredentials {
            access_key_id: id.into(),
            secret_access_key: Zeroizing::new("secret".into()),
            session_token: None,
            expiration,
            arn: None,
            assumed_role_id: None,
            account_id: None,
            instance_role: None,
            source,
        }
    }
}

/// A failure: the core's error (stable code and name) plus what the host knows about it (URL, HTTP
/// status, STS Code and Message). Never contains a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolveError {
    /// The stable error.
    pub error: Error,
    /// Extra context.
    pub detail: Option<String>,
}

impl ResolveError {
    fn new(error: Error, detail: impl Into<String>) -> Self {
        ResolveError {
            error,
            detail: Some(detail.into()),
        }
    }

    pub(crate) fn internal(detail: &str) -> Self {
        ResolveError::new(Error::LengthOverflow, detail)
    }
}

impl From<Error> for ResolveError {
    fn from(error: Error) -> Self {
        ResolveError {
            error,
            detail: None,
        }
    }
}

impl std::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.error.name(),
            self.error.code(),
            self.error
        )?;
        if let Some(d) = &self.detail {
            write!(f, " [{d}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for ResolveError {}

/// Where the host reads its environment from (the process, or a map in tests).
pub trait Env: Sync {
    /// The variable's value; `None` when unset or not UTF-8.
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl Env for HashMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

fn nonempty(env: &dyn Env, name: &str) -> Option<String> {
    env.var(name).filter(|v| !v.is_empty())
}

/// Seconds since the epoch from the system clock.
pub fn now() -> UnixTime {
    UnixTime(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    )
}

/// 16 bytes from the operating system's CSPRNG.
pub fn random16() -> Result<[u8; 16], ResolveError> {
    use std::io::Read;
    let mut b = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .map_err(|e| ResolveError::new(Error::InvalidParameter, format!("no randomness: {e}")))?;
    Ok(b)
}

/// Timeouts: IMDS 1 s connect and 1 s answer (the AWS SDK default); ECS, full URI and STS 2 s / 5 s
/// connect and 10 s answer (the spec's SHOULD). `AWS_METADATA_SERVICE_TIMEOUT` (seconds, AWS SDK
/// convention) overrides the metadata endpoints' answer timeout.
fn timeouts(env: &dyn Env, kind: Source) -> Timeouts {
    let meta = env
        .var("AWS_METADATA_SERVICE_TIMEOUT")
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v > 0.0 && *v <= 3600.0)
        .map(Duration::from_secs_f64);
    match kind {
        Source::Ec2 => Timeouts {
            connect: Duration::from_secs(1),
            answer: meta.unwrap_or(Duration::from_secs(1)),
        },
        Source::Ecs | Source::ContainerFullUri => Timeouts {
            connect: Duration::from_secs(2),
            answer: meta.unwrap_or(Duration::from_secs(10)),
        },
        _ => Timeouts {
            connect: Duration::from_secs(5),
            answer: Duration::from_secs(10),
        },
    }
}

/// Writes and sends a plan; maps wire failures to the core's error codes. `on_timeout` is the error
/// to report when the answer times out (IMDS token PUT: [`Error::ImdsTokenTimeout`]).
fn exchange(
    plan: &RequestPlan<'_>,
    t: Timeouts,
    on_timeout: Error,
) -> Result<Response, ResolveError> {
    let mut buf = Zeroizing::new(vec![0u8; plan.len()]);
    let req = plan.write(&mut buf)?;
    let url = format!(
        "{}://{}{}",
        req.scheme().as_str(),
        req.authority(),
        // Do not echo query strings (they could carry secrets); paths here never do.
        req.target().split('?').next().unwrap_or("")
    );
    http::send(&req, t)
        .map_err(|e| match e {
            HttpError::Unreachable(m) => ResolveError::new(
                Error::EndpointUnreachable,
                format!("{} {url}: {m}", req.method()),
            ),
            HttpError::ConnectTimeout => ResolveError::new(
                if on_timeout == Error::ImdsTokenTimeout {
                    Error::EndpointTimeout
                } else {
                    on_timeout
                },
                format!(
                    "{} {url}: connect timed out after {:?}",
                    req.method(),
                    t.connect
                ),
            ),
            HttpError::AnswerTimeout => ResolveError::new(
                on_timeout,
                format!("{} {url}: no answer within {:?}", req.method(), t.answer),
            ),
            HttpError::BadResponse(m) => ResolveError::new(
                Error::EndpointBadResponse,
                format!("{} {url}: {m}", req.method()),
            ),
        })
        .map(|mut r| {
            r.headers
                .retain(|(n, _)| !n.eq_ignore_ascii_case("set-cookie"));
            r
        })
        .and_then(|r| {
            if r.status == 200 {
                Ok(r)
            } else {
                Err(status_error(&r, &url, req.method()))
            }
        })
}

fn status_error(r: &Response, url: &str, method: &str) -> ResolveError {
    let mut scratch = Zeroizing::new(vec![0u8; r.body.len()]);
    let sts = sts_response::parse_error(&r.body, &mut scratch)
        .ok()
        .map(|e| format!(": STS {} {}", e.code, e.message));
    ResolveError::new(
        Error::EndpointHttpStatus,
        format!(
            "{method} {url} answered HTTP {}{}",
            r.status,
            sts.unwrap_or_default()
        ),
    )
}

/// Parses with a scratch as long as the body, copies the result out, and wipes the scratch.
fn parse_owned(
    body: &[u8],
    parse: for<'a> fn(&'a [u8], &'a mut [u8]) -> Result<FetchedCredentials<'a>, Error>,
    on_sts_error: bool,
) -> Result<OwnedCredentials, ResolveError> {
    let mut scratch = Zeroizing::new(vec![0u8; body.len()]);
    match parse(body, &mut scratch) {
        Ok(f) => Ok(OwnedCredentials::from_fetched(&f)),
        Err(Error::StsErrorResponse) if on_sts_error => {
            let mut s2 = Zeroizing::new(vec![0u8; body.len()]);
            let detail = sts_response::parse_error(body, &mut s2)
                .map(|e| format!("STS {}: {}", e.code, e.message))
                .unwrap_or_default();
            Err(ResolveError::new(Error::StsErrorResponse, detail))
        }
        Err(e) => Err(e.into()),
    }
}

fn check_unexpired(c: OwnedCredentials) -> Result<OwnedCredentials, ResolveError> {
    if is_unexpired(c.expiration, now()) {
        Ok(c)
    } else {
        Err(ResolveError::new(
            Error::CredentialsExpired,
            format!(
                "{} returned credentials that already expired",
                c.source.name()
            ),
        ))
    }
}

fn read_file(path: &str, what: &str) -> Result<Zeroizing<Vec<u8>>, ResolveError> {
    std::fs::read(path).map(Zeroizing::new).map_err(|e| {
        ResolveError::new(
            if what == "web identity token" {
                Error::InvalidWebIdentityToken
            } else {
                Error::InvalidAuthorizationToken
            },
            format!("cannot read {what} file {path}: {e}"),
        )
    })
}

fn sts_endpoint(env: &dyn Env) -> (Option<String>, Option<String>, Option<String>) {
    (
        nonempty(env, web_identity::STS_ENDPOINT_OVERRIDE_VAR),
        nonempty(env, web_identity::AWS_STS_REGIONAL_ENDPOINTS),
        nonempty(env, web_identity::AWS_REGION),
    )
}

// ---------------------------------------------------------------------------------------------
// The sources
// ---------------------------------------------------------------------------------------------

/// ECS: GET the relative URI.
pub fn fetch_ecs(env: &dyn Env, relative_uri: &str) -> Result<OwnedCredentials, ResolveError> {
    let over = nonempty(env, ecs::ENDPOINT_OVERRIDE_VAR);
    let plan = ecs::request(over.as_deref(), relative_uri)?;
    let r = exchange(&plan, timeouts(env, Source::Ecs), Error::EndpointTimeout)?;
    check_unexpired(parse_owned(&r.body, ecs::parse, false)?)
}

/// Container full URI, with the authorization token file (re-read every time) or token.
pub fn fetch_container(env: &dyn Env, full_uri: &str) -> Result<OwnedCredentials, ResolveError> {
    let file_content;
    let token: Option<Zeroizing<String>> =
        if let Some(path) = nonempty(env, container::AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) {
            file_content = read_file(&path, "authorization token")?;
            Some(Zeroizing::new(
                container::token_from_file(&file_content)?.to_string(),
            ))
        } else {
            nonempty(env, container::AWS_CONTAINER_AUTHORIZATION_TOKEN).map(Zeroizing::new)
        };
    let plan = container::request(full_uri, token.as_ref().map(|t| t.as_str()))?;
    let r = exchange(
        &plan,
        timeouts(env, Source::ContainerFullUri),
        Error::EndpointTimeout,
    )?;
    check_unexpired(parse_owned(&r.body, container::parse, false)?)
}

/// EC2 IMDSv2: token PUT, role name, credentials.
pub fn fetch_ec2(env: &dyn Env) -> Result<OwnedCredentials, ResolveError> {
    let over = nonempty(env, imds::ENDPOINT_OVERRIDE_VAR)
        .or_else(|| nonempty(env, imds::AWS_SDK_ENDPOINT_VAR));
    let over = over.as_deref();
    let t = timeouts(env, Source::Ec2);
    let plan = imds::token_request(over, imds::DEFAULT_TOKEN_TTL_SECONDS)?;
    let r = exchange(&plan, t, Error::ImdsTokenTimeout)?;
    let token = Zeroizing::new(imds::parse_token(&r.body)?.to_string());
    let plan = imds::role_name_request(over, &token)?;
    let r = exchange(&plan, t, Error::EndpointTimeout)?;
    let role = imds::parse_role_name(&r.body)?.to_string();
    let plan = imds::credentials_request(over, &token, &role)?;
    let r = exchange(&plan, t, Error::EndpointTimeout)?;
    let mut c = parse_owned(&r.body, imds::parse_credentials, false)?;
    c.instance_role = Some(role);
    check_unexpired(c)
}

/// AssumeRoleWithWebIdentity from `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN`.
pub fn fetch_web_identity(
    env: &dyn Env,
    token_file: &str,
    role_arn: &str,
) -> Result<OwnedCredentials, ResolveError> {
    let content = read_file(token_file, "web identity token")?;
    let token = web_identity::token_from_file(&content)?;
    let session = nonempty(env, web_identity::AWS_ROLE_SESSION_NAME);
    let random = random16()?;
    let (over, mode, region) = sts_endpoint(env);
    let params = web_identity::WebIdentityParams {
        role_arn,
        web_identity_token: token,
        role_session_name: session.as_deref(),
        random: &random,
        duration_seconds: None,
        sts: StsEndpoint {
            override_url: over.as_deref(),
            regional_endpoints: mode.as_deref(),
            region: region.as_deref(),
        },
    };
    let mut name = RandomSessionName::new(&[0; 16]);
    let plan = web_identity::request(&params, &mut name)?;
    let r = exchange(
        &plan,
        timeouts(env, Source::WebIdentity),
        Error::EndpointTimeout,
    )?;
    check_unexpired(parse_owned(&r.body, web_identity::parse, true)?)
}

/// Options of an explicit AssumeRole.
#[derive(Clone, Debug, Default)]
pub struct AssumeRoleOptions {
    /// Role to assume.
    pub role_arn: String,
    /// Session name (generated when `None`).
    pub session_name: Option<String>,
    /// ExternalId.
    pub external_id: Option<String>,
    /// DurationSeconds.
    pub duration_seconds: Option<u32>,
    /// MFA serial number and current code.
    pub mfa: Option<(String, String)>,
}

/// AssumeRole signed with `base`.
pub fn fetch_assume_role(
    env: &dyn Env,
    base: &OwnedCredentials,
    o: &AssumeRoleOptions,
) -> Result<OwnedCredentials, ResolveError> {
    let generated;
    let session = match &o.session_name {
        Some(s) => s.as_str(),
        None => {
            generated = RandomSessionName::new(&random16()?);
            generated.as_str()
        }
    };
    let (over, mode, region) = sts_endpoint(env);
    let params = assume_role::AssumeRoleParams {
        role_arn: &o.role_arn,
        role_session_name: session,
        external_id: o.external_id.as_deref(),
        duration_seconds: o.duration_seconds,
        mfa: o.mfa.as_ref().map(|(s, c)| assume_role::Mfa {
            serial_number: s,
            token_code: c,
        }),
        sts: StsEndpoint {
            override_url: over.as_deref(),
            regional_endpoints: mode.as_deref(),
            region: region.as_deref(),
        },
    };
    let creds = base.credentials()?;
    let plan = assume_role::request(&params, &creds, now())?;
    let r = exchange(
        &plan,
        timeouts(env, Source::AssumeRole),
        Error::EndpointTimeout,
    )?;
    check_unexpired(parse_owned(&r.body, assume_role::parse, true)?)
}

/// Options of an explicit AssumeRoleWithSAML.
#[derive(Clone, Debug, Default)]
pub struct SamlOptions {
    /// Role to assume.
    pub role_arn: String,
    /// SAML provider ARN.
    pub principal_arn: String,
    /// Path of a file holding the base64 SAML response.
    pub assertion_file: String,
    /// DurationSeconds.
    pub duration_seconds: Option<u32>,
}

/// AssumeRoleWithSAML.
pub fn fetch_saml(env: &dyn Env, o: &SamlOptions) -> Result<OwnedCredentials, ResolveError> {
    let content = std::fs::read(&o.assertion_file)
        .map(Zeroizing::new)
        .map_err(|e| {
            ResolveError::new(
                Error::InvalidSamlAssertion,
                format!("cannot read SAML assertion file {}: {e}", o.assertion_file),
            )
        })?;
    let text = std::str::from_utf8(&content)
        .map_err(|_| ResolveError::from(Error::InvalidSamlAssertion))?;
    // Wrapped base64 (76-column lines) is common: drop all whitespace.
    let mut joined: Zeroizing<String> =
        Zeroizing::new(text.chars().filter(|c| !c.is_ascii_whitespace()).collect());
    let (over, mode, region) = sts_endpoint(env);
    let params = saml::SamlParams {
        role_arn: &o.role_arn,
        principal_arn: &o.principal_arn,
        saml_assertion: &joined,
        duration_seconds: o.duration_seconds,
        sts: StsEndpoint {
            override_url: over.as_deref(),
            regional_endpoints: mode.as_deref(),
            region: region.as_deref(),
        },
    };
    let plan = saml::request(&params)?;
    let r = exchange(&plan, timeouts(env, Source::Saml), Error::EndpointTimeout);
    joined.zeroize();
    check_unexpired(parse_owned(&r?.body, saml::parse, true)?)
}

/// What STS GetCallerIdentity says about a set of credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallerInfo {
    /// The caller's ARN.
    pub arn: String,
    /// `UserId`.
    pub user_id: Option<String>,
    /// `Account`.
    pub account: Option<String>,
    /// The MongoDB `$external` user the server maps this ARN to.
    pub mongodb_user: String,
}

/// Calls STS GetCallerIdentity with `creds` (endpoint per `MONGODB_AWS_STS_ENDPOINT`,
/// `AWS_STS_REGIONAL_ENDPOINTS`, `AWS_REGION`).
pub fn fetch_caller_identity(
    env: &dyn Env,
    creds: &OwnedCredentials,
) -> Result<CallerInfo, ResolveError> {
    use mongodb_aws_core::caller_identity::{parse_reply, user_name, StsReply};
    let (over, mode, region) = sts_endpoint(env);
    let sts = StsEndpoint {
        override_url: over.as_deref(),
        regional_endpoints: mode.as_deref(),
        region: region.as_deref(),
    };
    let c = creds.credentials()?;
    let plan = providers::get_caller_identity::request(&c, &sts, now())?;
    let mut buf = Zeroizing::new(vec![0u8; plan.len()]);
    let req = plan.write(&mut buf)?;
    let url = format!("{}://{}/", req.scheme().as_str(), req.authority());
    let r = http::send(&req, timeouts(env, Source::AssumeRole)).map_err(|e| {
        ResolveError::new(
            match e {
                HttpError::ConnectTimeout | HttpError::AnswerTimeout => Error::EndpointTimeout,
                HttpError::Unreachable(_) => Error::EndpointUnreachable,
                HttpError::BadResponse(_) => Error::EndpointBadResponse,
            },
            format!("POST {url}: {e}"),
        )
    })?;
    let mut scratch = Zeroizing::new(vec![0u8; r.body.len()]);
    match parse_reply(r.status, &r.body, &mut scratch)? {
        StsReply::Identity(id) => Ok(CallerInfo {
            arn: id.arn.to_string(),
            user_id: id.user_id.map(str::to_string),
            account: id.account.map(str::to_string),
            mongodb_user: user_name(id.arn)?.to_string(),
        }),
        StsReply::Rejected(e) => Err(ResolveError::new(
            Error::StsErrorResponse,
            format!(
                "POST {url} answered HTTP {}: STS {} {}",
                r.status, e.code, e.message
            ),
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// The chain
// ---------------------------------------------------------------------------------------------

/// The answer of [`resolve`].
#[derive(Clone, Debug)]
pub struct Resolved {
    /// The credentials (shared with the cache for endpoint sources).
    pub credentials: Arc<OwnedCredentials>,
    /// Whether they came out of the cache.
    pub from_cache: bool,
    /// Why this source was chosen (the variable that selected it).
    pub reason: &'static str,
}

/// What the chain reads, snapshotted once.
fn chain_inputs(env: &dyn Env, vars: &mut HashMap<&'static str, Option<String>>) {
    for name in [
        env_src::AWS_ACCESS_KEY_ID,
        env_src::AWS_SECRET_ACCESS_KEY,
        env_src::AWS_SESSION_TOKEN,
        web_identity::AWS_WEB_IDENTITY_TOKEN_FILE,
        web_identity::AWS_ROLE_ARN,
        ecs::AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
        container::AWS_CONTAINER_CREDENTIALS_FULL_URI,
        imds::DISABLED_VAR,
    ] {
        vars.insert(name, env.var(name));
    }
}

/// Resolves credentials like a driver: the core's chain order, this host's cache for endpoint
/// credentials (A8), no fall-back once a source is chosen.
pub fn resolve(env: &dyn Env, cache: &cache::CredentialCache) -> Result<Resolved, ResolveError> {
    let mut v = HashMap::new();
    chain_inputs(env, &mut v);
    let g = |n: &str| v.get(n).and_then(|x| x.as_deref());
    let fresh = cache.get_fresh(now());
    let inputs = ChainInputs {
        custom_provider: false,
        fresh_cache: fresh.is_some(),
        access_key_id: g(env_src::AWS_ACCESS_KEY_ID),
        secret_access_key: g(env_src::AWS_SECRET_ACCESS_KEY),
        session_token: g(env_src::AWS_SESSION_TOKEN),
        web_identity_token_file: g(web_identity::AWS_WEB_IDENTITY_TOKEN_FILE),
        role_arn: g(web_identity::AWS_ROLE_ARN),
        ecs_relative_uri: g(ecs::AWS_CONTAINER_CREDENTIALS_RELATIVE_URI),
        container_full_uri: g(container::AWS_CONTAINER_CREDENTIALS_FULL_URI),
        ec2_disabled: g(imds::DISABLED_VAR).is_some_and(|s| s.eq_ignore_ascii_case("true")),
    };
    let endpoint = |reason: &'static str,
                    f: &dyn Fn() -> Result<OwnedCredentials, ResolveError>|
     -> Result<Resolved, ResolveError> {
        let (r, origin) = cache.get_or_fetch(now, || f().map(Arc::new));
        Ok(Resolved {
            credentials: r?,
            from_cache: origin == cache::Origin::Cached,
            reason,
        })
    };
    match select_source(&inputs) {
        Step::CustomProvider => Err(ResolveError::internal("the CLI has no custom provider")),
        Step::Cache => Ok(Resolved {
            credentials: fresh.ok_or_else(|| ResolveError::internal("cache emptied"))?,
            from_cache: true,
            reason: "cached endpoint credentials (kept even if environment variables changed)",
        }),
        Step::Environment => {
            let f = env_src::credentials(
                inputs.access_key_id,
                inputs.secret_access_key,
                inputs.session_token,
            )?;
            Ok(Resolved {
                credentials: Arc::new(OwnedCredentials::from_fetched(&f)),
                from_cache: false,
                reason: "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN",
            })
        }
        Step::WebIdentity => {
            let file = inputs.web_identity_token_file.unwrap_or("").to_string();
            let arn = inputs.role_arn.unwrap_or("").to_string();
            endpoint("AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN", &|| {
                fetch_web_identity(env, &file, &arn)
            })
        }
        Step::Ecs => {
            let rel = inputs.ecs_relative_uri.unwrap_or("").to_string();
            endpoint("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", &|| {
                fetch_ecs(env, &rel)
            })
        }
        Step::ContainerFullUri => {
            let full = inputs.container_full_uri.unwrap_or("").to_string();
            endpoint("AWS_CONTAINER_CREDENTIALS_FULL_URI", &|| {
                fetch_container(env, &full)
            })
        }
        Step::Ec2 => endpoint(
            "no other source configured: EC2 instance metadata (IMDSv2)",
            &|| fetch_ec2(env),
        ),
        Step::None => Err(ResolveError::new(
            Error::NoCredentials,
            "no source configured and AWS_EC2_METADATA_DISABLED=true",
        )),
    }
}
