//! The core's sans-IO credential providers for Node: request builders return `{ method, url, headers,
//! body }` for `fetch`, parsers take the response body. The host side (environment, files, `fetch`
//! with timeouts, the cache) is `lib/providers.js`; the rules (chain order, freshness, request shapes,
//! response parsing) are all the core's (`mongodb_aws_core::providers`, `mongodb_aws_core::cache`).

use crate::{js_err, unix_from_ms, Code, NativeCredentials};
use mongodb_aws_core::cache::{self, ChainInputs, Step};
use mongodb_aws_core::providers::{
    assume_role, container, ecs, env, imds, saml, sts_response, web_identity, FetchedCredentials,
    RandomSessionName, RequestPlan, StsEndpoint, MAX_RESPONSE_LEN,
};
use mongodb_aws_core::{Error, UnixTime};
use napi::bindgen_prelude::Buffer;
use napi_derive::napi;
use zeroize::Zeroizing;

/// An HTTP request to send with `fetch`.
#[napi(object)]
pub struct PlannedRequest {
    /// `GET`, `PUT` or `POST`.
    pub method: String,
    /// `scheme://authority/target`.
    pub url: String,
    /// Flat `[name, value, ...]` (without Host, Content-Length and Connection, which fetch sets).
    pub headers: Vec<String>,
    /// The body, if any.
    pub body: Option<Buffer>,
}

fn plan_to_js(plan: &RequestPlan<'_>) -> Result<PlannedRequest, Error> {
    // The written request may hold secrets (tokens): wipe the buffer afterwards.
    let mut buf = Zeroizing::new(vec![0u8; plan.len()]);
    let req = plan.write(&mut buf)?;
    let mut headers = Vec::new();
    for (n, v) in req.headers() {
        headers.push(n.to_string());
        headers.push(v.to_string());
    }
    let body = req.body();
    Ok(PlannedRequest {
        method: req.method().to_string(),
        url: format!(
            "{}://{}{}",
            req.scheme().as_str(),
            req.authority(),
            req.target()
        ),
        headers,
        body: (!body.is_empty()).then(|| body.to_vec().into()),
    })
}

/// Credentials as a source returned them.
#[napi(object)]
pub struct Fetched {
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
    /// Session token, if any.
    pub session_token: Option<String>,
    /// Expiration in unix seconds, if any.
    pub expiration: Option<f64>,
    /// Role ARN (ECS `RoleArn`, STS `AssumedRoleUser.Arn`).
    pub arn: Option<String>,
    /// STS `AssumedRoleUser.AssumedRoleId`.
    pub assumed_role_id: Option<String>,
    /// EKS Pod Identity `AccountId`.
    pub account_id: Option<String>,
    /// The core's source name (`environment`, `ecs`, `ec2`, ...).
    pub source: String,
}

fn fetched(f: &FetchedCredentials<'_>) -> Fetched {
    Fetched {
        access_key_id: f.credentials.access_key_id().to_string(),
        secret_access_key: f.credentials.secret_access_key().to_string(),
        session_token: f.credentials.session_token().map(str::to_string),
        expiration: f.expiration.map(|t| t.0 as f64),
        arn: f.arn.map(str::to_string),
        assumed_role_id: f.assumed_role_id.map(str::to_string),
        account_id: f.account_id.map(str::to_string),
        source: f.source.name().to_string(),
    }
}

/// Parses `body` with a scratch buffer as long as the body (always enough), wiped afterwards.
fn parse_with(
    body: &[u8],
    parse: for<'a> fn(&'a [u8], &'a mut [u8]) -> Result<FetchedCredentials<'a>, Error>,
) -> napi::Result<Fetched, Code> {
    let mut scratch = Zeroizing::new(vec![0u8; body.len()]);
    parse(body, &mut scratch)
        .map(|f| fetched(&f))
        .map_err(js_err)
}

fn unix_opt(secs: Option<f64>) -> Option<UnixTime> {
    secs.filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| UnixTime(s.floor() as u64))
}

/// What the chain needs to know (environment values; empty strings count as unset).
#[napi(object)]
pub struct ChainInputsJs {
    /// A custom provider is configured.
    pub custom_provider: bool,
    /// The cache holds fresh endpoint credentials.
    pub fresh_cache: bool,
    /// `AWS_ACCESS_KEY_ID`.
    pub access_key_id: Option<String>,
    /// `AWS_SECRET_ACCESS_KEY`.
    pub secret_access_key: Option<String>,
    /// `AWS_SESSION_TOKEN`.
    pub session_token: Option<String>,
    /// `AWS_WEB_IDENTITY_TOKEN_FILE`.
    pub web_identity_token_file: Option<String>,
    /// `AWS_ROLE_ARN`.
    pub role_arn: Option<String>,
    /// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`.
    pub ecs_relative_uri: Option<String>,
    /// `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
    pub container_full_uri: Option<String>,
    /// `AWS_EC2_METADATA_DISABLED` is `true`.
    pub ec2_disabled: bool,
}

/// The one step of the chain to take (core `cache::select_source`): `custom-provider`, `cache`,
/// `environment`, `web-identity`, `ecs`, `container-full-uri`, `ec2` or `none`.
#[napi(catch_unwind)]
pub fn select_source(inputs: ChainInputsJs) -> String {
    let i = ChainInputs {
        custom_provider: inputs.custom_provider,
        fresh_cache: inputs.fresh_cache,
        access_key_id: inputs.access_key_id.as_deref(),
        secret_access_key: inputs.secret_access_key.as_deref(),
        session_token: inputs.session_token.as_deref(),
        web_identity_token_file: inputs.web_identity_token_file.as_deref(),
        role_arn: inputs.role_arn.as_deref(),
        ecs_relative_uri: inputs.ecs_relative_uri.as_deref(),
        container_full_uri: inputs.container_full_uri.as_deref(),
        ec2_disabled: inputs.ec2_disabled,
    };
    match cache::select_source(&i) {
        Step::CustomProvider => "custom-provider",
        Step::Cache => "cache",
        Step::Environment => "environment",
        Step::WebIdentity => "web-identity",
        Step::Ecs => "ecs",
        Step::ContainerFullUri => "container-full-uri",
        Step::Ec2 => "ec2",
        Step::None => "none",
    }
    .to_string()
}

/// Whether credentials expiring at `expiration` (unix seconds; null = never) are still fresh at
/// `now_ms` (core `cache::is_fresh`: more than 5 minutes left).
#[napi(catch_unwind)]
pub fn is_fresh(expiration: Option<f64>, now_ms: f64) -> napi::Result<bool, Code> {
    let now = unix_from_ms(now_ms).map_err(js_err)?;
    Ok(cache::is_fresh(unix_opt(expiration), now))
}

/// Whether credentials expiring at `expiration` have not expired yet at `now_ms`.
#[napi(catch_unwind)]
pub fn is_unexpired(expiration: Option<f64>, now_ms: f64) -> napi::Result<bool, Code> {
    let now = unix_from_ms(now_ms).map_err(js_err)?;
    Ok(cache::is_unexpired(unix_opt(expiration), now))
}

/// Largest response body to read from an endpoint.
#[napi(catch_unwind)]
pub fn max_response_len() -> u32 {
    u32::try_from(MAX_RESPONSE_LEN).unwrap_or(u32::MAX)
}

/// Environment credentials with the spec's combination rule.
#[napi(catch_unwind)]
pub fn env_credentials(
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    session_token: Option<String>,
) -> napi::Result<Fetched, Code> {
    env::credentials(
        access_key_id.as_deref(),
        secret_access_key.as_deref(),
        session_token.as_deref(),
    )
    .map(|f| fetched(&f))
    .map_err(js_err)
}

/// ECS: the GET request for `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`.
#[napi(catch_unwind)]
pub fn ecs_request(
    endpoint_override: Option<String>,
    relative_uri: String,
) -> napi::Result<PlannedRequest, Code> {
    ecs::request(endpoint_override.as_deref(), &relative_uri)
        .and_then(|p| plan_to_js(&p))
        .map_err(js_err)
}

/// ECS: parses the response.
#[napi(catch_unwind)]
pub fn ecs_parse(body: &[u8]) -> napi::Result<Fetched, Code> {
    parse_with(body, ecs::parse)
}

/// Container full URI: the token from `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`'s content.
#[napi(catch_unwind)]
pub fn container_token_from_file(content: &[u8]) -> napi::Result<String, Code> {
    container::token_from_file(content)
        .map(str::to_string)
        .map_err(js_err)
}

/// Container full URI: the GET request.
#[napi(catch_unwind)]
pub fn container_request(
    full_uri: String,
    authorization_token: Option<String>,
) -> napi::Result<PlannedRequest, Code> {
    container::request(&full_uri, authorization_token.as_deref())
        .and_then(|p| plan_to_js(&p))
        .map_err(js_err)
}

/// Container full URI: parses the response.
#[napi(catch_unwind)]
pub fn container_parse(body: &[u8]) -> napi::Result<Fetched, Code> {
    parse_with(body, container::parse)
}

/// IMDSv2 step 1: the token PUT.
#[napi(catch_unwind)]
pub fn imds_token_request(
    endpoint_override: Option<String>,
    ttl_seconds: u32,
) -> napi::Result<PlannedRequest, Code> {
    imds::token_request(endpoint_override.as_deref(), ttl_seconds)
        .and_then(|p| plan_to_js(&p))
        .map_err(js_err)
}

/// IMDSv2: the token from step 1's body.
#[napi(catch_unwind)]
pub fn imds_parse_token(body: &[u8]) -> napi::Result<String, Code> {
    imds::parse_token(body).map(str::to_string).map_err(js_err)
}

/// IMDSv2 step 2: list the role.
#[napi(catch_unwind)]
pub fn imds_role_name_request(
    endpoint_override: Option<String>,
    token: String,
) -> napi::Result<PlannedRequest, Code> {
    imds::role_name_request(endpoint_override.as_deref(), &token)
        .and_then(|p| plan_to_js(&p))
        .map_err(js_err)
}

/// IMDSv2: the role name from step 2's body.
#[napi(catch_unwind)]
pub fn imds_parse_role_name(body: &[u8]) -> napi::Result<String, Code> {
    imds::parse_role_name(body)
        .map(str::to_string)
        .map_err(js_err)
}

/// IMDSv2 step 3: the role's credentials.
#[napi(catch_unwind)]
pub fn imds_credentials_request(
    endpoint_override: Option<String>,
    token: String,
    role_name: String,
) -> napi::Result<PlannedRequest, Code> {
    imds::credentials_request(endpoint_override.as_deref(), &token, &role_name)
        .and_then(|p| plan_to_js(&p))
        .map_err(js_err)
}

/// IMDSv2: parses step 3's JSON.
#[napi(catch_unwind)]
pub fn imds_parse_credentials(body: &[u8]) -> napi::Result<Fetched, Code> {
    parse_with(body, imds::parse_credentials)
}

/// Which STS endpoint to call (`MONGODB_AWS_STS_ENDPOINT`, `AWS_STS_REGIONAL_ENDPOINTS`,
/// `AWS_REGION`).
#[napi(object)]
pub struct StsEndpointJs {
    /// Test override (base URL).
    pub override_url: Option<String>,
    /// `regional` or `legacy`.
    pub regional_endpoints: Option<String>,
    /// `AWS_REGION`.
    pub region: Option<String>,
}

fn sts<'a>(s: &'a Option<StsEndpointJs>) -> StsEndpoint<'a> {
    match s {
        Some(s) => StsEndpoint {
            override_url: s.override_url.as_deref(),
            regional_endpoints: s.regional_endpoints.as_deref(),
            region: s.region.as_deref(),
        },
        None => StsEndpoint::default(),
    }
}

fn random16(random: &[u8]) -> Result<[u8; 16], Error> {
    random.try_into().map_err(|_| Error::InvalidParameter)
}

/// AssumeRoleWithWebIdentity parameters.
#[napi(object)]
pub struct WebIdentityParamsJs {
    /// `AWS_ROLE_ARN`.
    pub role_arn: String,
    /// The token file's content, through `webIdentityTokenFromFile`.
    pub web_identity_token: String,
    /// `AWS_ROLE_SESSION_NAME`; null: generated from `random`.
    pub role_session_name: Option<String>,
    /// 16 random bytes.
    pub random: Buffer,
    /// `DurationSeconds`.
    pub duration_seconds: Option<u32>,
    /// The STS endpoint settings.
    pub sts: Option<StsEndpointJs>,
}

/// Web identity: the token from `AWS_WEB_IDENTITY_TOKEN_FILE`'s content.
#[napi(catch_unwind)]
pub fn web_identity_token_from_file(content: &[u8]) -> napi::Result<String, Code> {
    web_identity::token_from_file(content)
        .map(str::to_string)
        .map_err(js_err)
}

/// Web identity: the (unsigned) STS POST.
#[napi(catch_unwind)]
pub fn web_identity_request(params: WebIdentityParamsJs) -> napi::Result<PlannedRequest, Code> {
    (|| {
        let random = random16(&params.random)?;
        let p = web_identity::WebIdentityParams {
            role_arn: &params.role_arn,
            web_identity_token: &params.web_identity_token,
            role_session_name: params.role_session_name.as_deref(),
            random: &random,
            duration_seconds: params.duration_seconds,
            sts: sts(&params.sts),
        };
        let mut name = RandomSessionName::new(&random);
        let plan = web_identity::request(&p, &mut name)?;
        plan_to_js(&plan)
    })()
    .map_err(js_err)
}

/// Web identity: parses STS's answer (JSON or XML).
#[napi(catch_unwind)]
pub fn web_identity_parse(body: &[u8]) -> napi::Result<Fetched, Code> {
    parse_with(body, web_identity::parse)
}

/// AssumeRole parameters.
#[napi(object)]
pub struct AssumeRoleParamsJs {
    /// The role to assume.
    pub role_arn: String,
    /// `RoleSessionName`; null: generated from `random`.
    pub role_session_name: Option<String>,
    /// 16 random bytes.
    pub random: Buffer,
    /// `ExternalId`.
    pub external_id: Option<String>,
    /// `DurationSeconds`.
    pub duration_seconds: Option<u32>,
    /// MFA device serial number or ARN.
    pub mfa_serial_number: Option<String>,
    /// The MFA device's current code.
    pub mfa_token_code: Option<String>,
    /// The STS endpoint settings.
    pub sts: Option<StsEndpointJs>,
}

/// AssumeRole: the STS POST, signed with `base` at `now_ms`.
#[napi(catch_unwind)]
pub fn assume_role_request(
    params: AssumeRoleParamsJs,
    base: &NativeCredentials,
    now_ms: f64,
) -> napi::Result<PlannedRequest, Code> {
    (|| {
        let random = random16(&params.random)?;
        let generated = RandomSessionName::new(&random);
        let name = match params.role_session_name.as_deref() {
            Some(n) if !n.is_empty() => n,
            _ => generated.as_str(),
        };
        let mfa = match (&params.mfa_serial_number, &params.mfa_token_code) {
            (Some(s), Some(c)) => Some(assume_role::Mfa {
                serial_number: s,
                token_code: c,
            }),
            (None, None) => None,
            _ => return Err(Error::InvalidMfaTokenCode),
        };
        let p = assume_role::AssumeRoleParams {
            role_arn: &params.role_arn,
            role_session_name: name,
            external_id: params.external_id.as_deref(),
            duration_seconds: params.duration_seconds,
            mfa,
            sts: sts(&params.sts),
        };
        let creds = base.core()?;
        let plan = assume_role::request(&p, &creds, unix_from_ms(now_ms)?)?;
        plan_to_js(&plan)
    })()
    .map_err(js_err)
}

/// AssumeRole: parses STS's answer.
#[napi(catch_unwind)]
pub fn assume_role_parse(body: &[u8]) -> napi::Result<Fetched, Code> {
    parse_with(body, assume_role::parse)
}

/// AssumeRoleWithSAML parameters.
#[napi(object)]
pub struct SamlParamsJs {
    /// The role to assume.
    pub role_arn: String,
    /// The identity provider's ARN.
    pub principal_arn: String,
    /// Base64 of the IdP's SAML response.
    pub saml_assertion: String,
    /// `DurationSeconds`.
    pub duration_seconds: Option<u32>,
    /// The STS endpoint settings.
    pub sts: Option<StsEndpointJs>,
}

/// AssumeRoleWithSAML: the (unsigned) STS POST.
#[napi(catch_unwind)]
pub fn saml_request(params: SamlParamsJs) -> napi::Result<PlannedRequest, Code> {
    let p = saml::SamlParams {
        role_arn: &params.role_arn,
        principal_arn: &params.principal_arn,
        saml_assertion: &params.saml_assertion,
        duration_seconds: params.duration_seconds,
        sts: sts(&params.sts),
    };
    saml::request(&p)
        .and_then(|plan| plan_to_js(&plan))
        .map_err(js_err)
}

/// AssumeRoleWithSAML: parses STS's answer.
#[napi(catch_unwind)]
pub fn saml_parse(body: &[u8]) -> napi::Result<Fetched, Code> {
    parse_with(body, saml::parse)
}

/// An STS error document's fields.
#[napi(object)]
pub struct StsErrorJs {
    /// `Sender` or `Receiver`.
    pub kind: Option<String>,
    /// STS's error code (`AccessDenied`, `InvalidIdentityToken`, ...).
    pub code: String,
    /// STS's message.
    pub message: String,
}

/// Parses an STS error document (XML or JSON); null when the body is not one.
#[napi(catch_unwind)]
pub fn sts_parse_error(body: &[u8]) -> Option<StsErrorJs> {
    let mut scratch = Zeroizing::new(vec![0u8; body.len()]);
    sts_response::parse_error(body, &mut scratch)
        .ok()
        .map(|e| StsErrorJs {
            kind: e.kind.map(str::to_string),
            code: e.code.to_string(),
            message: e.message.to_string(),
        })
}
