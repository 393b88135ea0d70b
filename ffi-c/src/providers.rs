//! Sans-IO credential providers (core `providers`, `cache`): HTTP request builders and response
//! parsers for ECS, container full URI, EC2 IMDSv2, web identity, AssumeRole, AssumeRoleWithSAML and
//! GetCallerIdentity, and the chain order and freshness rule. The host does the I/O: it reads the
//! environment and files, sends the requests, and passes the bodies back.

use crate::ffi::{bytes, guard, guard_value, opt_text, reference, target, text, Out, R};
use crate::server::scratch_buf;
use crate::status::mongodb_aws_status;
use crate::types::mongodb_aws_credentials;
use core::ffi::c_char;
use mongodb_aws_core::cache::{self, ChainInputs, Step};
use mongodb_aws_core::providers::{
    self, assume_role, container, ecs, get_caller_identity, imds, saml, web_identity,
    FetchedCredentials, HttpRequest, RandomSessionName, RequestPlan, Scheme, Source, StsEndpoint,
};
use mongodb_aws_core::{Error, UnixTime};

/// Credentials source: an application-supplied provider.
pub const MONGODB_AWS_SOURCE_CUSTOM_PROVIDER: u32 = 1;
/// Credentials source: `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`.
pub const MONGODB_AWS_SOURCE_ENVIRONMENT: u32 = 2;
/// Credentials source: STS AssumeRoleWithWebIdentity (EKS IRSA).
pub const MONGODB_AWS_SOURCE_WEB_IDENTITY: u32 = 3;
/// Credentials source: ECS task role (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`).
pub const MONGODB_AWS_SOURCE_ECS: u32 = 4;
/// Credentials source: `AWS_CONTAINER_CREDENTIALS_FULL_URI` (EKS Pod Identity, Lambda SnapStart).
pub const MONGODB_AWS_SOURCE_CONTAINER_FULL_URI: u32 = 5;
/// Credentials source: EC2 instance role (IMDSv2).
pub const MONGODB_AWS_SOURCE_EC2: u32 = 6;
/// Credentials source: STS AssumeRole.
pub const MONGODB_AWS_SOURCE_ASSUME_ROLE: u32 = 7;
/// Credentials source: STS AssumeRoleWithSAML.
pub const MONGODB_AWS_SOURCE_SAML: u32 = 8;

/// Chain step: call the application's provider.
pub const MONGODB_AWS_STEP_CUSTOM_PROVIDER: u32 = 1;
/// Chain step: use the cached endpoint credentials.
pub const MONGODB_AWS_STEP_CACHE: u32 = 2;
/// Chain step: the environment variables (`mongodb_aws_credentials_check`).
pub const MONGODB_AWS_STEP_ENVIRONMENT: u32 = 3;
/// Chain step: web identity (`mongodb_aws_web_identity_request`).
pub const MONGODB_AWS_STEP_WEB_IDENTITY: u32 = 4;
/// Chain step: ECS (`mongodb_aws_ecs_request`).
pub const MONGODB_AWS_STEP_ECS: u32 = 5;
/// Chain step: container full URI (`mongodb_aws_container_request`).
pub const MONGODB_AWS_STEP_CONTAINER_FULL_URI: u32 = 6;
/// Chain step: EC2 IMDSv2 (`mongodb_aws_imds_token_request`, ...).
pub const MONGODB_AWS_STEP_EC2: u32 = 7;
/// Chain step: nothing applies (EC2 disabled): fail with `MONGODB_AWS_NO_CREDENTIALS`.
pub const MONGODB_AWS_STEP_NONE: u32 = 8;

/// URL scheme `http`.
pub const MONGODB_AWS_SCHEME_HTTP: u32 = 1;
/// URL scheme `https`.
pub const MONGODB_AWS_SCHEME_HTTPS: u32 = 2;
/// Most headers a request view lists (besides `Host`, `Content-Length`, `Connection`).
pub const MONGODB_AWS_HTTP_MAX_HEADERS: usize = 8;
/// Largest response body to read from a credential endpoint or STS (64 KiB).
pub const MONGODB_AWS_MAX_RESPONSE_LEN: usize = 65536;
/// Default IMDSv2 token lifetime in seconds.
pub const MONGODB_AWS_IMDS_DEFAULT_TOKEN_TTL_SECONDS: u32 = 30;

/// A rendered HTTP/1.1 request: views into the caller's output buffer, for HTTP libraries (URL =
/// `scheme://authority` + `target`, then `headers`, then `body`); raw-socket hosts send the whole
/// buffer instead. The buffer may hold secrets (tokens, assertions): wipe it after sending.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mongodb_aws_http_request {
    /// `GET`, `PUT` or `POST` (static, NUL-terminated).
    pub method: *const c_char,
    /// `MONGODB_AWS_SCHEME_HTTP` or `MONGODB_AWS_SCHEME_HTTPS`.
    pub scheme: u32,
    /// Port to connect to.
    pub port: u16,
    /// Host to connect to (an IPv6 address without brackets).
    pub host: *const c_char,
    /// Length of `host`.
    pub host_len: usize,
    /// `host[:port]` as in the URL and the `Host` header (IPv6 in brackets).
    pub authority: *const c_char,
    /// Length of `authority`.
    pub authority_len: usize,
    /// Request target: path and query.
    pub target: *const c_char,
    /// Length of `target`.
    pub target_len: usize,
    /// The headers besides `Host`, `Content-Length` and `Connection`.
    pub headers: [crate::types::mongodb_aws_header; MONGODB_AWS_HTTP_MAX_HEADERS],
    /// Number of entries used in `headers`.
    pub headers_len: usize,
    /// The body (form-encoded for STS; empty for GET and PUT).
    pub body: *const u8,
    /// Length of `body`.
    pub body_len: usize,
}

/// Where STS calls go (web identity, AssumeRole, SAML, GetCallerIdentity). All optional (NULL/0):
/// without any, the global endpoint `https://sts.amazonaws.com` and region `us-east-1`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mongodb_aws_sts_endpoint {
    /// Test-only base URL override (`MONGODB_AWS_STS_ENDPOINT`; plain http only to loopback).
    pub override_url: *const c_char,
    /// Length of `override_url`.
    pub override_url_len: usize,
    /// `AWS_STS_REGIONAL_ENDPOINTS` (`regional` or `legacy`).
    pub regional_endpoints: *const c_char,
    /// Length of `regional_endpoints`.
    pub regional_endpoints_len: usize,
    /// `AWS_REGION`.
    pub region: *const c_char,
    /// Length of `region`.
    pub region_len: usize,
}

impl mongodb_aws_sts_endpoint {
    /// # Safety
    /// The struct's documented contract.
    unsafe fn view(&self) -> R<StsEndpoint<'_>> {
        // SAFETY: forwarded contract.
        unsafe {
            Ok(StsEndpoint {
                override_url: opt_text(self.override_url, self.override_url_len)?,
                regional_endpoints: opt_text(self.regional_endpoints, self.regional_endpoints_len)?,
                region: opt_text(self.region, self.region_len)?,
            })
        }
    }
}

/// Optional endpoint: NULL means the defaults.
///
/// # Safety
/// `p` NULL or valid.
unsafe fn sts_or_default<'a>(p: *const mongodb_aws_sts_endpoint) -> R<StsEndpoint<'a>> {
    // SAFETY: forwarded contract.
    match unsafe { p.as_ref() } {
        // SAFETY: forwarded contract.
        Some(e) => unsafe { e.view() },
        None => Ok(StsEndpoint::default()),
    }
}

fn fill_view(r: &HttpRequest<'_>, v: &mut mongodb_aws_http_request) {
    let empty = crate::types::mongodb_aws_header {
        name: core::ptr::null(),
        name_len: 0,
        value: core::ptr::null(),
        value_len: 0,
    };
    let mut headers = [empty; MONGODB_AWS_HTTP_MAX_HEADERS];
    let mut n = 0;
    for (slot, (name, value)) in headers.iter_mut().zip(r.headers()) {
        *slot = crate::types::mongodb_aws_header {
            name: name.as_ptr().cast(),
            name_len: name.len(),
            value: value.as_ptr().cast(),
            value_len: value.len(),
        };
        n += 1;
    }
    let method: &'static core::ffi::CStr = match r.method() {
        "GET" => c"GET",
        "PUT" => c"PUT",
        _ => c"POST",
    };
    *v = mongodb_aws_http_request {
        method: method.as_ptr(),
        scheme: match r.scheme() {
            Scheme::Http => MONGODB_AWS_SCHEME_HTTP,
            Scheme::Https => MONGODB_AWS_SCHEME_HTTPS,
        },
        port: r.port(),
        host: r.host().as_ptr().cast(),
        host_len: r.host().len(),
        authority: r.authority().as_ptr().cast(),
        authority_len: r.authority().len(),
        target: r.target().as_ptr().cast(),
        target_len: r.target().len(),
        headers,
        headers_len: n,
        body: r.body().as_ptr(),
        body_len: r.body().len(),
    };
}

/// Writes a plan into the caller's buffer (exact size first, so a short buffer is never touched)
/// and fills the optional view.
///
/// # Safety
/// `out`, `out_len`, `view` as the exports document.
unsafe fn emit_plan(
    plan: &RequestPlan<'_>,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
    view: *mut mongodb_aws_http_request,
) -> R {
    // SAFETY: forwarded contract.
    let o = unsafe { Out::new(out, out_cap, out_len)? };
    // SAFETY: forwarded contract (NULL allowed).
    let view = unsafe { view.as_mut() };
    o.emit_sized(
        || Ok(plan.len()),
        |b| {
            let r = plan.write(b)?;
            if let Some(v) = view {
                fill_view(&r, v);
            }
            Ok(r.as_bytes().len())
        },
    )
}

/// Builds the ECS credentials request: `GET <endpoint><relative_uri>` (endpoint
/// `http://169.254.170.2`, or `endpoint_override`, the test-only `MONGODB_AWS_ECS_ENDPOINT`).
/// `relative_uri` is `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`. Writes the HTTP/1.1 request into `out`
/// (output convention as everywhere) and, if `view` is not NULL, its parts into `*view` (views into
/// `out`). Parse the reply with `mongodb_aws_parse_credentials(MONGODB_AWS_SOURCE_ECS, ...)`.
/// Timeouts the spec asks for: 10 s. Thread-safe.
///
/// # Safety
/// Text pointers must point to their lengths of readable bytes (or be NULL with 0); `out` to
/// `out_cap` writable bytes (or NULL with 0); `out_len` writable; `view` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_ecs_request(
    endpoint_override: *const c_char,
    endpoint_override_len: usize,
    relative_uri: *const c_char,
    relative_uri_len: usize,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
    view: *mut mongodb_aws_http_request,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        unsafe {
            let ep = opt_text(endpoint_override, endpoint_override_len)?;
            let uri = text(relative_uri, relative_uri_len)?;
            let plan = ecs::request(ep, uri)?;
            emit_plan(&plan, out, out_cap, out_len, view)
        }
    })
}

/// Builds the container full-URI request: `GET <full_uri>` with `Authorization: <token>` when
/// `authorization_token` is set (the content of `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`, see
/// `mongodb_aws_container_token_from_file`, else `AWS_CONTAINER_AUTHORIZATION_TOKEN`). Plain http is
/// allowed only to loopback and the ECS/EKS link-local addresses
/// (`MONGODB_AWS_FORBIDDEN_CONTAINER_HOST`). Output and view as for `mongodb_aws_ecs_request`.
///
/// # Safety
/// As for `mongodb_aws_ecs_request`.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_container_request(
    full_uri: *const c_char,
    full_uri_len: usize,
    authorization_token: *const c_char,
    authorization_token_len: usize,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
    view: *mut mongodb_aws_http_request,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        unsafe {
            let uri = text(full_uri, full_uri_len)?;
            let token = opt_text(authorization_token, authorization_token_len)?;
            let plan = container::request(uri, token)?;
            emit_plan(&plan, out, out_cap, out_len, view)
        }
    })
}

/// Builds the IMDSv2 token request: `PUT /latest/api/token` with
/// `X-aws-ec2-metadata-token-ttl-seconds: <ttl_seconds>` (1 to 21600; 30 is the default) to
/// `http://169.254.169.254` or `endpoint_override`. Timeouts: 1 s to connect and to read; a timeout
/// here is `MONGODB_AWS_IMDS_TOKEN_TIMEOUT` (its message names the hop limit). Output and view as for
/// `mongodb_aws_ecs_request`.
///
/// # Safety
/// As for `mongodb_aws_ecs_request`.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_imds_token_request(
    endpoint_override: *const c_char,
    endpoint_override_len: usize,
    ttl_seconds: u32,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
    view: *mut mongodb_aws_http_request,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        unsafe {
            let ep = opt_text(endpoint_override, endpoint_override_len)?;
            let plan = imds::token_request(ep, ttl_seconds)?;
            emit_plan(&plan, out, out_cap, out_len, view)
        }
    })
}

/// Builds the IMDSv2 role-name request (`GET /latest/meta-data/iam/security-credentials/` with the
/// token from `mongodb_aws_imds_parse_token`). Output and view as for `mongodb_aws_ecs_request`.
///
/// # Safety
/// As for `mongodb_aws_ecs_request`.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_imds_role_name_request(
    endpoint_override: *const c_char,
    endpoint_override_len: usize,
    token: *const c_char,
    token_len: usize,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
    view: *mut mongodb_aws_http_request,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        unsafe {
            let ep = opt_text(endpoint_override, endpoint_override_len)?;
            let token = text(token, token_len)?;
            let plan = imds::role_name_request(ep, token)?;
            emit_plan(&plan, out, out_cap, out_len, view)
        }
    })
}

/// Builds the IMDSv2 credentials request for a role name (from `mongodb_aws_imds_parse_role_name`).
/// Parse the reply with `mongodb_aws_parse_credentials(MONGODB_AWS_SOURCE_EC2, ...)`. Output and view
/// as for `mongodb_aws_ecs_request`.
///
/// # Safety
/// As for `mongodb_aws_ecs_request`.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_imds_credentials_request(
    endpoint_override: *const c_char,
    endpoint_override_len: usize,
    token: *const c_char,
    token_len: usize,
    role_name: *const c_char,
    role_name_len: usize,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
    view: *mut mongodb_aws_http_request,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        unsafe {
            let ep = opt_text(endpoint_override, endpoint_override_len)?;
            let token = text(token, token_len)?;
            let role = text(role_name, role_name_len)?;
            let plan = imds::credentials_request(ep, token, role)?;
            emit_plan(&plan, out, out_cap, out_len, view)
        }
    })
}

/// Parameters of AssumeRoleWithWebIdentity (EKS IRSA).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mongodb_aws_web_identity_params {
    /// `AWS_ROLE_ARN`.
    pub role_arn: *const c_char,
    /// Length of `role_arn`.
    pub role_arn_len: usize,
    /// The token (see `mongodb_aws_web_identity_token_from_file`). Secret.
    pub web_identity_token: *const c_char,
    /// Length of `web_identity_token`.
    pub web_identity_token_len: usize,
    /// `AWS_ROLE_SESSION_NAME`, or NULL/0 to generate `mongodb-aws-<hex of random>`.
    pub role_session_name: *const c_char,
    /// Length of `role_session_name`.
    pub role_session_name_len: usize,
    /// 16 bytes from a CSPRNG, used when `role_session_name` is unset (may be NULL otherwise).
    pub random: *const u8,
    /// `DurationSeconds` (900 to 43200), or 0 for STS's default.
    pub duration_seconds: u32,
    /// Which STS endpoint (NULL: the global one).
    pub sts: *const mongodb_aws_sts_endpoint,
}

fn duration(d: u32) -> Option<u32> {
    (d != 0).then_some(d)
}

/// Builds the AssumeRoleWithWebIdentity request (`POST` to STS, form body, unsigned). Parse the
/// reply with `mongodb_aws_parse_credentials(MONGODB_AWS_SOURCE_WEB_IDENTITY, ...)` (a non-200 reply:
/// `mongodb_aws_parse_sts_error`). Output and view as for `mongodb_aws_ecs_request`; the request
/// holds the token: wipe `out` after sending.
///
/// # Safety
/// `params` NULL or valid (its pointers as documented); `out`, `out_len`, `view` as for
/// `mongodb_aws_ecs_request`.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_web_identity_request(
    params: *const mongodb_aws_web_identity_params,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
    view: *mut mongodb_aws_http_request,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        unsafe {
            let p = reference(params)?;
            let name = opt_text(p.role_session_name, p.role_session_name_len)?;
            let zero = [0u8; 16];
            let random: &[u8; 16] = if name.is_some_and(|n| !n.is_empty()) && p.random.is_null() {
                &zero
            } else {
                bytes(p.random, 16)?
                    .try_into()
                    .map_err(|_| Error::InvalidParameter)?
            };
            let wp = web_identity::WebIdentityParams {
                role_arn: text(p.role_arn, p.role_arn_len)?,
                web_identity_token: text(p.web_identity_token, p.web_identity_token_len)?,
                role_session_name: name,
                random,
                duration_seconds: duration(p.duration_seconds),
                sts: sts_or_default(p.sts)?,
            };
            let mut session = RandomSessionName::new(random);
            let plan = web_identity::request(&wp, &mut session)?;
            emit_plan(&plan, out, out_cap, out_len, view)
        }
    })
}

/// Parameters of AssumeRole.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mongodb_aws_assume_role_params {
    /// The role to assume.
    pub role_arn: *const c_char,
    /// Length of `role_arn`.
    pub role_arn_len: usize,
    /// `RoleSessionName` (2 to 64 of letters, digits and `_+=,.@-`).
    pub role_session_name: *const c_char,
    /// Length of `role_session_name`.
    pub role_session_name_len: usize,
    /// `ExternalId`, or NULL/0.
    pub external_id: *const c_char,
    /// Length of `external_id`.
    pub external_id_len: usize,
    /// `DurationSeconds` (900 to 43200), or 0 for STS's default.
    pub duration_seconds: u32,
    /// MFA device serial number or ARN, or NULL/0 for no MFA.
    pub mfa_serial_number: *const c_char,
    /// Length of `mfa_serial_number`.
    pub mfa_serial_number_len: usize,
    /// The MFA device's current 6-digit code (with `mfa_serial_number`).
    pub mfa_token_code: *const c_char,
    /// Length of `mfa_token_code`.
    pub mfa_token_code_len: usize,
    /// Which STS endpoint (NULL: the global one).
    pub sts: *const mongodb_aws_sts_endpoint,
}

/// Builds the AssumeRole request, signed (SigV4) with the `base` credentials at `now_unix`. Parse the
/// reply with `mongodb_aws_parse_credentials(MONGODB_AWS_SOURCE_ASSUME_ROLE, ...)`. Output and view as
/// for `mongodb_aws_ecs_request`.
///
/// # Safety
/// `params` and `base` NULL or valid; `out`, `out_len`, `view` as for `mongodb_aws_ecs_request`.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_assume_role_request(
    params: *const mongodb_aws_assume_role_params,
    base: *const mongodb_aws_credentials,
    now_unix: u64,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
    view: *mut mongodb_aws_http_request,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        unsafe {
            let p = reference(params)?;
            let base = reference(base)?.view()?;
            let serial = opt_text(p.mfa_serial_number, p.mfa_serial_number_len)?;
            let code = opt_text(p.mfa_token_code, p.mfa_token_code_len)?;
            let mfa = match (serial, code) {
                (None, None) => None,
                (Some(serial_number), Some(token_code)) => Some(assume_role::Mfa {
                    serial_number,
                    token_code,
                }),
                (Some(_), None) => return Err(Error::InvalidMfaTokenCode.into()),
                (None, Some(_)) => return Err(Error::InvalidMfaSerialNumber.into()),
            };
            let ap = assume_role::AssumeRoleParams {
                role_arn: text(p.role_arn, p.role_arn_len)?,
                role_session_name: text(p.role_session_name, p.role_session_name_len)?,
                external_id: opt_text(p.external_id, p.external_id_len)?,
                duration_seconds: duration(p.duration_seconds),
                mfa,
                sts: sts_or_default(p.sts)?,
            };
            let plan = assume_role::request(&ap, &base, UnixTime(now_unix))?;
            emit_plan(&plan, out, out_cap, out_len, view)
        }
    })
}

/// Parameters of AssumeRoleWithSAML.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mongodb_aws_saml_params {
    /// The role to assume.
    pub role_arn: *const c_char,
    /// Length of `role_arn`.
    pub role_arn_len: usize,
    /// The ARN of the IAM SAML provider.
    pub principal_arn: *const c_char,
    /// Length of `principal_arn`.
    pub principal_arn_len: usize,
    /// Base64 of the SAML response. Secret.
    pub saml_assertion: *const c_char,
    /// Length of `saml_assertion`.
    pub saml_assertion_len: usize,
    /// `DurationSeconds` (900 to 43200), or 0 for STS's default.
    pub duration_seconds: u32,
    /// Which STS endpoint (NULL: the global one).
    pub sts: *const mongodb_aws_sts_endpoint,
}

/// Builds the AssumeRoleWithSAML request (unsigned). Parse the reply with
/// `mongodb_aws_parse_credentials(MONGODB_AWS_SOURCE_SAML, ...)`. Output and view as for
/// `mongodb_aws_ecs_request`; the request holds the assertion: wipe `out` after sending.
///
/// # Safety
/// `params` NULL or valid; `out`, `out_len`, `view` as for `mongodb_aws_ecs_request`.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_saml_request(
    params: *const mongodb_aws_saml_params,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
    view: *mut mongodb_aws_http_request,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        unsafe {
            let p = reference(params)?;
            let sp = saml::SamlParams {
                role_arn: text(p.role_arn, p.role_arn_len)?,
                principal_arn: text(p.principal_arn, p.principal_arn_len)?,
                saml_assertion: text(p.saml_assertion, p.saml_assertion_len)?,
                duration_seconds: duration(p.duration_seconds),
                sts: sts_or_default(p.sts)?,
            };
            let plan = saml::request(&sp)?;
            emit_plan(&plan, out, out_cap, out_len, view)
        }
    })
}

/// Builds a signed STS GetCallerIdentity request for `creds` at `now_unix` (to check credentials;
/// `sts` NULL for the global endpoint). Output and view as for `mongodb_aws_ecs_request`.
///
/// # Safety
/// `creds` NULL or valid; `sts` NULL or valid; `out`, `out_len`, `view` as for
/// `mongodb_aws_ecs_request`.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_get_caller_identity_request(
    creds: *const mongodb_aws_credentials,
    sts: *const mongodb_aws_sts_endpoint,
    now_unix: u64,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
    view: *mut mongodb_aws_http_request,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        unsafe {
            let c = reference(creds)?.view()?;
            let ep = sts_or_default(sts)?;
            let plan = get_caller_identity::request(&c, &ep, UnixTime(now_unix))?;
            emit_plan(&plan, out, out_cap, out_len, view)
        }
    })
}

/// Views a part of a caller's buffer as text output.
///
/// # Safety
/// `out`, `out_len` NULL or writable.
unsafe fn put_view(s: &str, out: *mut *const c_char, out_len: *mut usize) -> R {
    // SAFETY: forwarded contract.
    let (o, l) = unsafe { (target(out)?, target(out_len)?) };
    *o = s.as_ptr().cast();
    *l = s.len();
    Ok(())
}

/// Parses the IMDSv2 token reply body; `*out`/`*out_len` view the token inside `body`
/// (`MONGODB_AWS_INVALID_IMDS_TOKEN` if malformed). Written only on success. Thread-safe.
///
/// # Safety
/// `body` must point to `body_len` readable bytes; `out` and `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_imds_parse_token(
    body: *const u8,
    body_len: usize,
    out: *mut *const c_char,
    out_len: *mut usize,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        unsafe {
            let b = bytes(body, body_len)?;
            put_view(imds::parse_token(b)?, out, out_len)
        }
    })
}

/// Parses the IMDSv2 role-name reply body (the first line); `*out`/`*out_len` view it inside
/// `body` (`MONGODB_AWS_NO_INSTANCE_ROLE`, `MONGODB_AWS_INVALID_ROLE_NAME`). Thread-safe.
///
/// # Safety
/// `body` must point to `body_len` readable bytes; `out` and `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_imds_parse_role_name(
    body: *const u8,
    body_len: usize,
    out: *mut *const c_char,
    out_len: *mut usize,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        unsafe {
            let b = bytes(body, body_len)?;
            put_view(imds::parse_role_name(b)?, out, out_len)
        }
    })
}

/// The web identity token from the content of `AWS_WEB_IDENTITY_TOKEN_FILE` (trailing newline
/// removed, checked: `MONGODB_AWS_INVALID_WEB_IDENTITY_TOKEN`); `*out`/`*out_len` view it inside
/// `content`. Read the file on every authentication (it rotates). Thread-safe.
///
/// # Safety
/// `content` must point to `content_len` readable bytes; `out` and `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_web_identity_token_from_file(
    content: *const u8,
    content_len: usize,
    out: *mut *const c_char,
    out_len: *mut usize,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        unsafe {
            let b = bytes(content, content_len)?;
            put_view(web_identity::token_from_file(b)?, out, out_len)
        }
    })
}

/// The container authorization token from the content of `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`
/// (trailing newline removed, checked: `MONGODB_AWS_INVALID_AUTHORIZATION_TOKEN`); `*out`/`*out_len`
/// view it inside `content`. Read the file on every request. Thread-safe.
///
/// # Safety
/// `content` must point to `content_len` readable bytes; `out` and `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_container_token_from_file(
    content: *const u8,
    content_len: usize,
    out: *mut *const c_char,
    out_len: *mut usize,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        unsafe {
            let b = bytes(content, content_len)?;
            put_view(container::token_from_file(b)?, out, out_len)
        }
    })
}

/// Credentials parsed from an endpoint or STS reply: views into the body or the scratch buffer.
/// Copy what you keep, then wipe the body and the scratch.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mongodb_aws_fetched_credentials {
    /// The credentials (pass to the signing functions while the body and scratch live).
    pub credentials: mongodb_aws_credentials,
    /// Whether `expiration_unix` is set.
    pub has_expiration: bool,
    /// `Expiration` in seconds since 1970.
    pub expiration_unix: u64,
    /// The role or user ARN, or NULL.
    pub arn: *const c_char,
    /// Length of `arn`.
    pub arn_len: usize,
    /// `AssumedRoleId`, or NULL.
    pub assumed_role_id: *const c_char,
    /// Length of `assumed_role_id`.
    pub assumed_role_id_len: usize,
    /// `AccountId`, or NULL.
    pub account_id: *const c_char,
    /// Length of `account_id`.
    pub account_id_len: usize,
    /// `MONGODB_AWS_SOURCE_*`.
    pub source: u32,
}

fn fetched_view(f: &FetchedCredentials<'_>) -> mongodb_aws_fetched_credentials {
    let c = &f.credentials;
    let opt = |s: Option<&str>| match s {
        Some(s) => (s.as_ptr().cast::<c_char>(), s.len()),
        None => (core::ptr::null(), 0),
    };
    let (token, token_len) = opt(c.session_token());
    let (arn, arn_len) = opt(f.arn);
    let (role_id, role_id_len) = opt(f.assumed_role_id);
    let (account, account_len) = opt(f.account_id);
    mongodb_aws_fetched_credentials {
        credentials: mongodb_aws_credentials {
            access_key_id: c.access_key_id().as_ptr().cast(),
            access_key_id_len: c.access_key_id().len(),
            secret_access_key: c.secret_access_key().as_ptr().cast(),
            secret_access_key_len: c.secret_access_key().len(),
            session_token: token,
            session_token_len: token_len,
        },
        has_expiration: f.expiration.is_some(),
        expiration_unix: f.expiration.map_or(0, |e| e.0),
        arn,
        arn_len,
        assumed_role_id: role_id,
        assumed_role_id_len: role_id_len,
        account_id: account,
        account_id_len: account_len,
        source: f.source as u32,
    }
}

/// Parses a credentials reply body from `source`: `MONGODB_AWS_SOURCE_ECS`,
/// `MONGODB_AWS_SOURCE_CONTAINER_FULL_URI`, `MONGODB_AWS_SOURCE_EC2` (JSON; EC2 also checks
/// `Code`), `MONGODB_AWS_SOURCE_WEB_IDENTITY`, `MONGODB_AWS_SOURCE_ASSUME_ROLE`,
/// `MONGODB_AWS_SOURCE_SAML` (STS XML or JSON); another source is `MONGODB_AWS_INVALID_PARAMETER`.
/// `scratch` receives decoded text when the body has escapes (a scratch as long as the body always
/// suffices; NULL/0 if none). `*out` views the body and the scratch. Errors:
/// `MONGODB_AWS_JSON_*`, `MONGODB_AWS_XML_*`, `MONGODB_AWS_MISSING_RESPONSE_FIELD`,
/// `MONGODB_AWS_STS_ERROR_RESPONSE` (then `mongodb_aws_parse_sts_error`), credential format errors.
/// Thread-safe.
///
/// # Safety
/// `body` must point to `body_len` readable bytes; `scratch` to `scratch_len` writable bytes not
/// overlapping `body` (or NULL with 0); `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_parse_credentials(
    source: u32,
    body: *const u8,
    body_len: usize,
    scratch: *mut u8,
    scratch_len: usize,
    out: *mut mongodb_aws_fetched_credentials,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (body, scratch, out) = unsafe {
            (
                bytes(body, body_len)?,
                scratch_buf(scratch, scratch_len)?,
                target(out)?,
            )
        };
        let f = match Source::from_u32(source) {
            Some(Source::Ecs) => ecs::parse(body, scratch)?,
            Some(Source::ContainerFullUri) => container::parse(body, scratch)?,
            Some(Source::Ec2) => imds::parse_credentials(body, scratch)?,
            Some(Source::WebIdentity) => web_identity::parse(body, scratch)?,
            Some(Source::AssumeRole) => assume_role::parse(body, scratch)?,
            Some(Source::Saml) => saml::parse(body, scratch)?,
            _ => return Err(Error::InvalidParameter.into()),
        };
        *out = fetched_view(&f);
        Ok(())
    })
}

/// Static, NUL-terminated name of a `MONGODB_AWS_SOURCE_*` (`"ecs"`, `"web-identity"`, ...), or
/// `"unknown"`. Thread-safe.
#[no_mangle]
pub extern "C" fn mongodb_aws_source_name(source: u32) -> *const c_char {
    guard_value(c"unknown".as_ptr(), || {
        let name: &'static core::ffi::CStr = match Source::from_u32(source) {
            Some(Source::CustomProvider) => c"custom-provider",
            Some(Source::Environment) => c"environment",
            Some(Source::WebIdentity) => c"web-identity",
            Some(Source::Ecs) => c"ecs",
            Some(Source::ContainerFullUri) => c"container-full-uri",
            Some(Source::Ec2) => c"ec2",
            Some(Source::AssumeRole) => c"assume-role",
            Some(Source::Saml) => c"saml",
            _ => c"unknown",
        };
        name.as_ptr()
    })
}

/// Whether cached credentials expiring at `expiration_unix` may still be used at `now_unix`:
/// strictly more than 5 minutes before expiry (`has_expiration == false`: always). Thread-safe.
#[no_mangle]
pub extern "C" fn mongodb_aws_cache_is_fresh(
    has_expiration: bool,
    expiration_unix: u64,
    now_unix: u64,
) -> bool {
    guard_value(false, || {
        cache::is_fresh(
            has_expiration.then_some(UnixTime(expiration_unix)),
            UnixTime(now_unix),
        )
    })
}

/// What the host knows before resolving credentials: environment variable values (NULL/0 when unset;
/// empty counts as unset) and two flags.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mongodb_aws_chain_inputs {
    /// The application configured a custom provider.
    pub custom_provider: bool,
    /// The host's cache holds credentials for which `mongodb_aws_cache_is_fresh` is true.
    pub fresh_cache: bool,
    /// `AWS_EC2_METADATA_DISABLED` is `true` (case-insensitive).
    pub ec2_disabled: bool,
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`.
    pub environment: mongodb_aws_credentials,
    /// `AWS_WEB_IDENTITY_TOKEN_FILE`.
    pub web_identity_token_file: *const c_char,
    /// Length of `web_identity_token_file`.
    pub web_identity_token_file_len: usize,
    /// `AWS_ROLE_ARN`.
    pub role_arn: *const c_char,
    /// Length of `role_arn`.
    pub role_arn_len: usize,
    /// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`.
    pub ecs_relative_uri: *const c_char,
    /// Length of `ecs_relative_uri`.
    pub ecs_relative_uri_len: usize,
    /// `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
    pub container_full_uri: *const c_char,
    /// Length of `container_full_uri`.
    pub container_full_uri_len: usize,
}

/// The one step of the credential chain to take now (PROTOCOL.md A7): custom provider, fresh cache,
/// environment (any of the three variables set), web identity (token file and role ARN set), ECS,
/// container full URI, else EC2 (or none when EC2 is disabled). No fall-back: the step's result is
/// the answer. `*out_step` is a `MONGODB_AWS_STEP_*`. Thread-safe.
///
/// # Safety
/// `inputs` NULL or valid; `out_step` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_chain_select(
    inputs: *const mongodb_aws_chain_inputs,
    out_step: *mut u32,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        unsafe {
            let i = reference(inputs)?;
            let out = target(out_step)?;
            let e = &i.environment;
            let ci = ChainInputs {
                custom_provider: i.custom_provider,
                fresh_cache: i.fresh_cache,
                access_key_id: opt_text(e.access_key_id, e.access_key_id_len)?,
                secret_access_key: opt_text(e.secret_access_key, e.secret_access_key_len)?,
                session_token: opt_text(e.session_token, e.session_token_len)?,
                web_identity_token_file: opt_text(
                    i.web_identity_token_file,
                    i.web_identity_token_file_len,
                )?,
                role_arn: opt_text(i.role_arn, i.role_arn_len)?,
                ecs_relative_uri: opt_text(i.ecs_relative_uri, i.ecs_relative_uri_len)?,
                container_full_uri: opt_text(i.container_full_uri, i.container_full_uri_len)?,
                ec2_disabled: i.ec2_disabled,
            };
            *out = match cache::select_source(&ci) {
                Step::CustomProvider => MONGODB_AWS_STEP_CUSTOM_PROVIDER,
                Step::Cache => MONGODB_AWS_STEP_CACHE,
                Step::Environment => MONGODB_AWS_STEP_ENVIRONMENT,
                Step::WebIdentity => MONGODB_AWS_STEP_WEB_IDENTITY,
                Step::Ecs => MONGODB_AWS_STEP_ECS,
                Step::ContainerFullUri => MONGODB_AWS_STEP_CONTAINER_FULL_URI,
                Step::Ec2 => MONGODB_AWS_STEP_EC2,
                Step::None => MONGODB_AWS_STEP_NONE,
            };
            Ok(())
        }
    })
}

const _: () = {
    assert!(MONGODB_AWS_SOURCE_CUSTOM_PROVIDER == Source::CustomProvider as u32);
    assert!(MONGODB_AWS_SOURCE_ENVIRONMENT == Source::Environment as u32);
    assert!(MONGODB_AWS_SOURCE_WEB_IDENTITY == Source::WebIdentity as u32);
    assert!(MONGODB_AWS_SOURCE_ECS == Source::Ecs as u32);
    assert!(MONGODB_AWS_SOURCE_CONTAINER_FULL_URI == Source::ContainerFullUri as u32);
    assert!(MONGODB_AWS_SOURCE_EC2 == Source::Ec2 as u32);
    assert!(MONGODB_AWS_SOURCE_ASSUME_ROLE == Source::AssumeRole as u32);
    assert!(MONGODB_AWS_SOURCE_SAML == Source::Saml as u32);
    assert!(MONGODB_AWS_MAX_RESPONSE_LEN == providers::MAX_RESPONSE_LEN);
    assert!(MONGODB_AWS_IMDS_DEFAULT_TOKEN_TTL_SECONDS == imds::DEFAULT_TOKEN_TTL_SECONDS);
};
