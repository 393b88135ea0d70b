//! What the credential chain and the STS helpers share: source numbers and names, the HTTP request
//! view (`mongodb_aws_http_request`, used by `mongodb_aws_chain_request`), and the signed STS
//! GetCallerIdentity request builder (to check a set of credentials with a driver's own HTTP).
//! The chain itself is `chain.rs` (state machine) and `blocking.rs` (the runtime).

use crate::ffi::{guard, guard_value, opt_text, reference, Out, R};
use crate::status::mongodb_aws_status;
use crate::types::mongodb_aws_credentials;
use core::ffi::c_char;
use mongodb_aws_core::providers::{
    self, get_caller_identity, HttpRequest, RequestPlan, Scheme, Source, StsEndpoint,
};
use mongodb_aws_core::UnixTime;

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
/// Credentials source: static keys of a profile in the AWS shared credentials or config file.
pub const MONGODB_AWS_SOURCE_PROFILE: u32 = 9;
/// Credentials source: a profile's `credential_process`.
pub const MONGODB_AWS_SOURCE_CREDENTIAL_PROCESS: u32 = 10;
/// Credentials source: IAM Identity Center (a profile's SSO settings).
pub const MONGODB_AWS_SOURCE_SSO: u32 = 11;

/// URL scheme `http`.
pub const MONGODB_AWS_SCHEME_HTTP: u32 = 1;
/// URL scheme `https`.
pub const MONGODB_AWS_SCHEME_HTTPS: u32 = 2;
/// Most headers a request view lists (besides `Host`, `Content-Length`, `Connection`).
pub const MONGODB_AWS_HTTP_MAX_HEADERS: usize = 8;
/// Largest response body to read from a credential endpoint or STS (64 KiB).
pub const MONGODB_AWS_MAX_RESPONSE_LEN: usize = 65536;

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

/// Where `mongodb_aws_get_caller_identity_request` sends GetCallerIdentity. All optional (NULL/0):
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
pub(crate) unsafe fn emit_plan(
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

/// Builds a signed STS GetCallerIdentity request for `creds` at `now_unix` (to check credentials
/// with the driver's own HTTP; `sts` NULL for the global endpoint): writes the HTTP/1.1 request into
/// `(out, out_cap, out_len)` (output convention as everywhere) and, if `view` is not NULL, its parts
/// into `*view` (views into `out`). Parse the answer with `mongodb_aws_parse_caller_identity`.
/// Never allocates; thread-safe.
///
/// # Safety
/// `creds` NULL or valid; `sts` NULL or valid; `out` NULL or `out_cap` writable bytes; `out_len`
/// NULL or writable; `view` NULL or writable.
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
            Some(Source::Profile) => c"profile",
            Some(Source::CredentialProcess) => c"credential-process",
            Some(Source::Sso) => c"sso",
            _ => c"unknown",
        };
        name.as_ptr()
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
    assert!(MONGODB_AWS_SOURCE_PROFILE == Source::Profile as u32);
    assert!(MONGODB_AWS_SOURCE_CREDENTIAL_PROCESS == Source::CredentialProcess as u32);
    assert!(MONGODB_AWS_SOURCE_SSO == Source::Sso as u32);
    assert!(MONGODB_AWS_MAX_RESPONSE_LEN == providers::MAX_RESPONSE_LEN);
};
