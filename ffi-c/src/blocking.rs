//! The blocking credential call over the runtime (the `mongodb-aws` crate): the driver's chain with
//! the process environment, the runtime's HTTP (ureq, rustls for https) with whole-request
//! deadlines, its retry waits and its process-wide cache. No rule lives here: the core's chain
//! decides, the runtime does the I/O, this file converts.

use crate::credentials::mongodb_aws_credentials_handle;
use crate::ffi::{free_boxed, guard, opt_text, opt_view, reference, target, text, Out, R};
use crate::status::mongodb_aws_status;
use crate::types::mongodb_aws_credentials;
use core::ffi::{c_char, c_void};
use mongodb_aws_core::providers::Source;
use mongodb_aws_core::{Error, UnixTime};
use std::cell::RefCell;
use std::sync::Arc;
use zeroize::Zeroizing;

/// Credentials the library resolved: an opaque object owned by the caller.
///
/// Made by `mongodb_aws_get_credentials`, `mongodb_aws_assume_role` and
/// `mongodb_aws_assume_role_with_saml`; read with `mongodb_aws_owned_credentials_info`; signed with
/// through `mongodb_aws_owned_credentials_handle` (no copy); released by
/// `mongodb_aws_owned_credentials_free`. Immutable: many threads may read one at once, as long as
/// none of them frees it meanwhile.
pub struct mongodb_aws_owned_credentials {
    handle: mongodb_aws_credentials_handle,
    expiration: Option<UnixTime>,
    source: Source,
    from_cache: bool,
    origin: Option<runtime::Origin>,
}

/// What a set of credentials is, as views: filled by `mongodb_aws_owned_credentials_info` (views
/// into the owned credentials, valid until they are freed) and by a `MONGODB_AWS_ACTION_DONE` of
/// the state machine (views into the chain, valid until its next event or free). The secret and
/// token are secret: never log them.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mongodb_aws_credentials_info {
    /// The credentials, ready for the signing functions (`session_token` NULL/0 when there is none).
    pub credentials: mongodb_aws_credentials,
    /// `Expiration` in seconds since 1970, when `has_expiration` is 1 (else 0).
    pub expiration_unix: u64,
    /// Where they came from: a `MONGODB_AWS_SOURCE_*` (`mongodb_aws_source_name` names it).
    pub source: u32,
    /// 1 when there is a session token, else 0.
    pub has_session_token: u8,
    /// 1 when `expiration_unix` is set (endpoint and STS credentials), 0 for environment
    /// credentials.
    pub has_expiration: u8,
    /// 1 when `mongodb_aws_get_credentials` answered from the process-wide cache (no request was
    /// made); always 0 in a `MONGODB_AWS_ACTION_DONE`.
    pub from_cache: u8,
}

impl mongodb_aws_credentials_info {
    pub(crate) fn new(
        c: &mongodb_aws_core::Credentials<'_>,
        expiration: Option<UnixTime>,
        source: Source,
        from_cache: bool,
    ) -> Self {
        let (token, token_len) = opt_view(c.session_token());
        mongodb_aws_credentials_info {
            credentials: mongodb_aws_credentials {
                access_key_id: c.access_key_id().as_ptr().cast(),
                access_key_id_len: c.access_key_id().len(),
                secret_access_key: c.secret_access_key().as_ptr().cast(),
                secret_access_key_len: c.secret_access_key().len(),
                session_token: token,
                session_token_len: token_len,
            },
            expiration_unix: expiration.map_or(0, |e| e.0),
            source: source as u32,
            has_session_token: u8::from(token_len != 0),
            has_expiration: u8::from(expiration.is_some()),
            from_cache: u8::from(from_cache),
        }
    }
}

thread_local! {
    /// The message of the last failed blocking call on this thread.
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

fn set_last_error(message: &str) {
    LAST_ERROR.with(|m| {
        let mut m = m.borrow_mut();
        m.clear();
        m.push_str(message);
    });
}

/// Runs a blocking call: its status, with the thread's last error message set on failure and
/// cleared on success.
fn blocking(f: impl FnOnce() -> Result<(), (Status, String)>) -> mongodb_aws_status {
    let mut message = None;
    let st = guard(|| match f() {
        Ok(()) => Ok(()),
        Err((s, m)) => {
            message = Some(m);
            Err(s)
        }
    });
    match (st, message) {
        (mongodb_aws_status::MONGODB_AWS_OK, _) => set_last_error(""),
        (_, Some(m)) => set_last_error(&m),
        (s, None) => set_last_error(&status_message(s)),
    }
    st
}

type Status = mongodb_aws_status;

fn status_message(s: Status) -> String {
    crate::status::message_cstr(s.code())
        .map(|c| c.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A C-side refusal (NULL, UTF-8, a parameter) as a blocking failure.
fn refusal(s: Status) -> (Status, String) {
    (s, status_message(s))
}

fn runtime_failure(e: runtime::Error) -> (Status, String) {
    (Status::from(e.error()), e.message().to_string())
}

fn own(c: Arc<runtime::Credentials>, from_cache: bool) -> R<Box<mongodb_aws_owned_credentials>> {
    let expiration = c.expiration();
    let source = c.source();
    let origin = c.origin().cloned();
    Ok(Box::new(mongodb_aws_owned_credentials {
        handle: mongodb_aws_credentials_handle::shared(c)?,
        expiration,
        source,
        from_cache,
        origin,
    }))
}

/// Resolves credentials as a MongoDB driver does, blocking the calling thread: the custom provider
/// (`mongodb_aws_set_credential_provider`) when one is installed; then the process-wide cache while
/// its credentials are fresh (more than 5 minutes before `Expiration`); then the environment
/// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, read on every call, never
/// cached), web identity, ECS, the container full URI, EC2 IMDSv2 — the first that
/// applies is the answer, with no fall-back. Endpoint credentials are stored in the cache; callers
/// that arrive while a fetch runs wait for it and share its answer.
///
/// Deadlines (each a whole-request deadline: connect, send and the complete answer): EC2 IMDS 1 s
/// per step (`AWS_METADATA_SERVICE_TIMEOUT` replaces it), 3 steps, `AWS_METADATA_SERVICE_NUM_ATTEMPTS`
/// attempts each (default 1), no backoff; ECS, the container full URI and STS 10 s (connect 2 s or
/// 5 s), 3 attempts, backoff 200 ms then 400 ms (a `Retry-After` may raise each to 2 s). Worst case
/// with the defaults: about 3 s for EC2, about 31 s (34 s with `Retry-After`) for ECS, the full URI
/// and web identity.
///
/// On success stores a new object in `*out` (release it with `mongodb_aws_owned_credentials_free`)
/// and returns `MONGODB_AWS_OK`. On failure returns the error's status (`MONGODB_AWS_ENDPOINT_TIMEOUT`,
/// `MONGODB_AWS_NO_CREDENTIALS`, ...), leaves `*out` alone and keeps the full message (source, step,
/// URL, file, HTTP status, STS Code and Message; never a secret) for
/// `mongodb_aws_last_error_message` on this thread. Thread-safe.
///
/// # Safety
/// `out` must be NULL or point to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_get_credentials(
    out: *mut *mut mongodb_aws_owned_credentials,
) -> mongodb_aws_status {
    // SAFETY: forwarded contract (no options).
    unsafe { mongodb_aws_get_credentials_with(core::ptr::null(), out) }
}

/// Options of `mongodb_aws_get_credentials_with`. Zero-initialize it (`= {0}`) and set what you
/// need: NULL/0 everywhere is `mongodb_aws_get_credentials`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mongodb_aws_fetch_options {
    /// The profile of the AWS shared config and credentials files to use (like `AWS_PROFILE`, which
    /// it overrides; a profile in neither file is `MONGODB_AWS_PROFILE_NOT_FOUND`), or NULL/0 for
    /// `AWS_PROFILE` / `AWS_DEFAULT_PROFILE` / `default`.
    pub profile: *const c_char,
    /// Length of `profile`.
    pub profile_len: usize,
    /// The MFA callback of this call, or NULL for the one installed with
    /// `mongodb_aws_set_mfa_callback` (if any).
    pub mfa_callback: mongodb_aws_mfa_fn,
    /// Passed to `mfa_callback` as is.
    pub mfa_user_data: *mut c_void,
}

/// `mongodb_aws_get_credentials` with options: an explicit profile of the AWS shared files and an
/// MFA callback for this call. `options` NULL is `mongodb_aws_get_credentials`. The chain, the
/// cache, `*out` and the error message are as there.
///
/// # Safety
/// `options` NULL or valid (its pointers as documented; `mfa_callback` callable from this thread
/// with `mfa_user_data` during the call); `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_get_credentials_with(
    options: *const mongodb_aws_fetch_options,
    out: *mut *mut mongodb_aws_owned_credentials,
) -> mongodb_aws_status {
    blocking(|| {
        // SAFETY: forwarded contract.
        let (profile, mfa, out) = (|| unsafe {
            let (profile, mfa) = match options.as_ref() {
                None => (None, None),
                Some(o) => (
                    owned_string(opt_text(o.profile, o.profile_len)?),
                    o.mfa_callback.map(|callback| MfaInstalled {
                        callback,
                        user_data: o.mfa_user_data,
                    }),
                ),
            };
            Ok((profile, mfa, target(out)?))
        })()
        .map_err(refusal)?;
        let mut resolver = runtime::Resolver::new().profile(profile);
        if let Some(m) = mfa {
            let p: runtime::MfaProvider = Arc::new(move |r: &runtime::MfaRequest| m.call(r));
            resolver = resolver.mfa(Some(p));
        }
        let r = resolver.resolve().map_err(runtime_failure)?;
        *out = Box::into_raw(own(r.credentials, r.from_cache).map_err(refusal)?);
        Ok(())
    })
}

/// Where credentials from the AWS shared files came from: views filled by
/// `mongodb_aws_owned_credentials_origin`, valid until the credentials are freed.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mongodb_aws_credentials_origin {
    /// The profile that supplied them (for a role chain, the profile asked for); UTF-8, not
    /// NUL-terminated; NULL/0 without an origin.
    pub profile: *const c_char,
    /// Length of `profile`.
    pub profile_len: usize,
    /// The file holding that profile (the path as used); NULL/0 without an origin.
    pub file: *const c_char,
    /// Length of `file`.
    pub file_len: usize,
    /// The 1-based line of the profile's section header; 0 without an origin.
    pub line: u32,
    /// 1 when the credentials came from the shared files (the fields above are set), else 0.
    pub has_origin: u8,
}

/// Fills `*origin` with the profile, file and line that supplied `creds` (`has_origin` 0 for
/// credentials from elsewhere: environment, endpoints, explicit STS calls). Thread-safe.
///
/// # Safety
/// `creds` NULL or from this library and not yet freed; `origin` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_owned_credentials_origin(
    creds: *const mongodb_aws_owned_credentials,
    origin: *mut mongodb_aws_credentials_origin,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (c, origin) = unsafe { (reference(creds)?, target(origin)?) };
        let o = c.origin.as_ref();
        let (profile, profile_len) = opt_view(o.map(|o| o.profile.as_str()));
        let (file, file_len) = opt_view(o.map(|o| o.file.as_str()));
        *origin = mongodb_aws_credentials_origin {
            profile,
            profile_len,
            file,
            file_len,
            line: o.map_or(0, |o| o.line),
            has_origin: u8::from(o.is_some()),
        };
        Ok(())
    })
}

/// Empties the process-wide cache, so the next `mongodb_aws_get_credentials` fetches again. Call it
/// after the server refuses a MONGODB-AWS authentication (the cached credentials may have been
/// revoked). A fetch running meanwhile does not store its answer. Objects already handed out stay
/// valid. Thread-safe.
#[no_mangle]
pub extern "C" fn mongodb_aws_clear_credential_cache() {
    let _ = guard(|| {
        runtime::clear_cache();
        Ok(())
    });
}

/// Copies the message of the last failed `mongodb_aws_get_credentials`, `mongodb_aws_assume_role`
/// or `mongodb_aws_assume_role_with_saml` on the calling thread (UTF-8, not NUL-terminated; empty
/// after a success) into `(out, out_cap, out_len)`, the output convention as everywhere. The status
/// that call returned names the error (`mongodb_aws_status_name`). Never contains a secret.
///
/// # Safety
/// `out` must be NULL or point to `out_cap` writable bytes; `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_last_error_message(
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let o = unsafe { Out::new(out, out_cap, out_len)? };
        LAST_ERROR.with(|m| o.emit_bytes(m.borrow().as_bytes()))
    })
}

/// Fills `*info` with views of `creds` (valid until `creds` is freed). Thread-safe.
///
/// # Safety
/// `creds` NULL or from this library and not yet freed; `info` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_owned_credentials_info(
    creds: *const mongodb_aws_owned_credentials,
    info: *mut mongodb_aws_credentials_info,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (c, info) = unsafe { (reference(creds)?, target(info)?) };
        *info = mongodb_aws_credentials_info::new(
            c.handle.credentials()?,
            c.expiration,
            c.source,
            c.from_cache,
        );
        Ok(())
    })
}

/// Copies what to tell a user when a server refuses a MONGODB-AWS authentication with `creds`
/// (code 18, "Authentication failed") into `(out, out_cap, out_len)` (UTF-8, not NUL-terminated;
/// the output convention as everywhere): the credential source, the access key id, and the
/// `$external` user the server looks up as far as the ARN or instance role tells, with the
/// assumed-role hint for temporary keys — the runtime's one text (`Credentials::refusal_hint`,
/// the same the Python and Node libraries add). Never contains a secret. Thread-safe.
///
/// # Safety
/// `creds` NULL or from this library and not yet freed; `out` NULL or `out_cap` writable bytes;
/// `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_owned_credentials_refusal_hint(
    creds: *const mongodb_aws_owned_credentials,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (c, o) = unsafe { (reference(creds)?, Out::new(out, out_cap, out_len)?) };
        let hint = c.handle.signing().credentials().refusal_hint();
        o.emit_bytes(hint.as_bytes())
    })
}

/// The credentials handle of `creds`, for `mongodb_aws_client_conversation_client_final_with_handle`
/// (the credentials are checked already and not copied). It belongs to `creds`: valid until `creds`
/// is freed, and never passed to `mongodb_aws_credentials_handle_free`. NULL when `creds` is NULL.
///
/// # Safety
/// `creds` NULL or from this library and not yet freed.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_owned_credentials_handle(
    creds: *const mongodb_aws_owned_credentials,
) -> *const mongodb_aws_credentials_handle {
    crate::ffi::guard_value(core::ptr::null(), || {
        // SAFETY: forwarded contract.
        match unsafe { creds.as_ref() } {
            Some(c) => &c.handle,
            None => core::ptr::null(),
        }
    })
}

/// Frees credentials from this library. `NULL` is ignored. Credentials only this object holds
/// (environment, AssumeRole, SAML) have their secret and token zeroized now; endpoint credentials
/// are shared with the process-wide cache, which zeroizes its copy when it drops it (a newer set,
/// or `mongodb_aws_clear_credential_cache`). Views and the handle from the object become invalid.
///
/// # Safety
/// `creds` NULL or from this library and not yet freed, not in use by another thread.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_owned_credentials_free(
    creds: *mut mongodb_aws_owned_credentials,
) {
    // SAFETY: created by Box::into_raw in this file, not yet freed (documented contract).
    unsafe { free_boxed(creds) }
}

/// Parameters of an explicit STS AssumeRole (`mongodb_aws_assume_role`). Text is pointer + length;
/// NULL/0 is unset.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mongodb_aws_assume_role_params {
    /// The role to assume (required).
    pub role_arn: *const c_char,
    /// Length of `role_arn`.
    pub role_arn_len: usize,
    /// `RoleSessionName` (2 to 64 of letters, digits and `_+=,.@-`), or NULL/0 to generate
    /// `mongodb-aws-<random hex>`.
    pub role_session_name: *const c_char,
    /// Length of `role_session_name`.
    pub role_session_name_len: usize,
    /// `ExternalId`, or NULL/0.
    pub external_id: *const c_char,
    /// Length of `external_id`.
    pub external_id_len: usize,
    /// MFA device serial number or ARN, or NULL/0 for no MFA.
    pub mfa_serial_number: *const c_char,
    /// Length of `mfa_serial_number`.
    pub mfa_serial_number_len: usize,
    /// The MFA device's current code (with `mfa_serial_number`). Secret.
    pub mfa_token_code: *const c_char,
    /// Length of `mfa_token_code`.
    pub mfa_token_code_len: usize,
    /// `DurationSeconds` (900 to 43200), or 0 for STS's default.
    pub duration_seconds: u32,
}

fn duration(d: u32) -> Option<u32> {
    (d != 0).then_some(d)
}

fn owned_string(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_string)
}

/// STS AssumeRole signed with `base`, blocking (STS deadlines: connect 5 s, 10 s per attempt, 3
/// attempts). The STS endpoint comes from the process environment (`AWS_REGION`,
/// `AWS_STS_REGIONAL_ENDPOINTS`; test-only `MONGODB_AWS_STS_ENDPOINT`). Never cached. `*out` and the
/// error message as for `mongodb_aws_get_credentials`. Thread-safe.
///
/// # Safety
/// `base` and `params` NULL or valid (their pointers as documented); `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_assume_role(
    base: *const mongodb_aws_credentials,
    params: *const mongodb_aws_assume_role_params,
    out: *mut *mut mongodb_aws_owned_credentials,
) -> mongodb_aws_status {
    blocking(|| {
        // SAFETY: forwarded contract.
        let (base, options, out) = (|| unsafe {
            let base = reference(base)?.view()?;
            let p = reference(params)?;
            let serial = owned_string(opt_text(p.mfa_serial_number, p.mfa_serial_number_len)?);
            let code = owned_string(opt_text(p.mfa_token_code, p.mfa_token_code_len)?);
            let mfa = match (serial, code) {
                (None, None) => None,
                (Some(s), Some(c)) => Some((s, c)),
                (Some(_), None) => return Err(Error::InvalidMfaTokenCode.into()),
                (None, Some(_)) => return Err(Error::InvalidMfaSerialNumber.into()),
            };
            let options = runtime::AssumeRole {
                role_arn: text(p.role_arn, p.role_arn_len)?.to_string(),
                session_name: owned_string(opt_text(p.role_session_name, p.role_session_name_len)?),
                external_id: owned_string(opt_text(p.external_id, p.external_id_len)?),
                duration_seconds: duration(p.duration_seconds),
                mfa,
            };
            Ok((base, options, target(out)?))
        })()
        .map_err(refusal)?;
        let base = runtime::Credentials::new(
            base.access_key_id(),
            base.secret_access_key(),
            base.session_token(),
            None,
        )
        .map_err(runtime_failure)?;
        let c = runtime::assume_role(&base, &options).map_err(runtime_failure)?;
        *out = Box::into_raw(own(Arc::new(c), false).map_err(refusal)?);
        Ok(())
    })
}

/// Parameters of an explicit STS AssumeRoleWithSAML (`mongodb_aws_assume_role_with_saml`).
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
    /// Path of a file holding the base64 SAML response (whitespace ignored).
    pub assertion_file: *const c_char,
    /// Length of `assertion_file`.
    pub assertion_file_len: usize,
    /// `DurationSeconds` (900 to 43200), or 0 for STS's default.
    pub duration_seconds: u32,
}

/// STS AssumeRoleWithSAML, blocking, as `mongodb_aws_assume_role` (endpoint from the environment,
/// never cached; `*out` and the error message as for `mongodb_aws_get_credentials`). Thread-safe.
///
/// # Safety
/// `params` NULL or valid (its pointers as documented); `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_assume_role_with_saml(
    params: *const mongodb_aws_saml_params,
    out: *mut *mut mongodb_aws_owned_credentials,
) -> mongodb_aws_status {
    blocking(|| {
        // SAFETY: forwarded contract.
        let (options, out) = (|| unsafe {
            let p = reference(params)?;
            let options = runtime::AssumeRoleWithSaml {
                role_arn: text(p.role_arn, p.role_arn_len)?.to_string(),
                principal_arn: text(p.principal_arn, p.principal_arn_len)?.to_string(),
                assertion_file: text(p.assertion_file, p.assertion_file_len)?.to_string(),
                duration_seconds: duration(p.duration_seconds),
            };
            Ok((options, target(out)?))
        })()
        .map_err(refusal)?;
        let c = runtime::assume_role_with_saml(&options).map_err(runtime_failure)?;
        *out = Box::into_raw(own(Arc::new(c), false).map_err(refusal)?);
        Ok(())
    })
}

/// What a custom provider hands back, filled through `mongodb_aws_provider_result_set` (or
/// `mongodb_aws_provider_result_set_error`) during the callback; opaque, owned by the library,
/// valid only during the callback.
pub struct mongodb_aws_provider_result {
    credentials: Option<runtime::Credentials>,
    error: Option<String>,
}

/// An application's credential provider (the spec's custom `AWS_CREDENTIAL_PROVIDER`): called by
/// `mongodb_aws_get_credentials` before every other source, from the calling thread (so possibly
/// from several threads at once), with the `user_data` it was installed with. It answers with
/// `mongodb_aws_provider_result_set` and returns 0, or returns non-zero (optionally after
/// `mongodb_aws_provider_result_set_error`) to fail the call with
/// `MONGODB_AWS_CUSTOM_PROVIDER_FAILED`. Its answer is never cached.
pub type mongodb_aws_provider_fn = Option<
    unsafe extern "C" fn(user_data: *mut c_void, result: *mut mongodb_aws_provider_result) -> u32,
>;

/// The installed callback and its user data, shared with the runtime's threads.
struct Installed {
    callback: unsafe extern "C" fn(*mut c_void, *mut mongodb_aws_provider_result) -> u32,
    user_data: *mut c_void,
}

// SAFETY: the caller installs a thread-safe callback and user data (documented contract of
// `mongodb_aws_set_credential_provider`); the library only passes the pointer back to it.
unsafe impl Send for Installed {}
// SAFETY: as above.
unsafe impl Sync for Installed {}

impl Installed {
    fn call(&self) -> Result<runtime::Provided, String> {
        let mut result = mongodb_aws_provider_result {
            credentials: None,
            error: None,
        };
        // SAFETY: the documented contract of `mongodb_aws_set_credential_provider`; `result` lives
        // for the whole call.
        let rc = unsafe { (self.callback)(self.user_data, &mut result) };
        callback_answer(
            rc,
            result.credentials,
            result.error,
            "the provider",
            "credentials",
        )
        .map(|c| runtime::Provided::from(&c))
    }
}

/// What a C callback's answer means: status 0 with a value is the value; 0 without one, or
/// another status, is an error (the callback's own message when it set one).
fn callback_answer<T>(
    rc: u32,
    value: Option<T>,
    error: Option<String>,
    who: &str,
    what: &str,
) -> Result<T, String> {
    match (rc, value) {
        (0, Some(v)) => Ok(v),
        (0, None) => Err(format!("{who} returned no {what}")),
        (rc, _) => Err(error.unwrap_or_else(|| format!("{who} returned {rc}"))),
    }
}

/// Shared body of the two `_set_error` exports: keeps a callback's own message (lossily decoded as
/// UTF-8) in the `error` field `slot` selects of `*result`.
///
/// # Safety
/// `result` NULL or the callback's argument; `message` `message_len` readable bytes.
unsafe fn set_callback_error<T>(
    result: *mut T,
    message: *const c_char,
    message_len: usize,
    slot: fn(&mut T) -> &mut Option<String>,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (r, m) = unsafe {
            (
                target(result)?,
                crate::ffi::bytes(message.cast(), message_len)?,
            )
        };
        *slot(r) = Some(String::from_utf8_lossy(m).into_owned());
        Ok(())
    })
}

/// Installs (or, with a NULL `callback`, removes) the process-wide custom provider used by
/// `mongodb_aws_get_credentials` from then on. Thread-safe.
///
/// # Safety
/// `callback` must be safe to call from any thread, several at once, with `user_data`, until it is
/// replaced or removed and no `mongodb_aws_get_credentials` that began before is still running.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_set_credential_provider(
    callback: mongodb_aws_provider_fn,
    user_data: *mut c_void,
) -> mongodb_aws_status {
    guard(|| {
        let provider: Option<runtime::Provider> = callback.map(|callback| {
            let installed = Installed {
                callback,
                user_data,
            };
            let p: runtime::Provider = Arc::new(move || installed.call());
            p
        });
        runtime::set_provider(provider);
        Ok(())
    })
}

/// For a custom provider: the credentials it resolved (copied and checked now: a format error is
/// returned, and the provider should then fail), and their expiry when known (`has_expiration`
/// non-zero; expired or within 5 minutes of it, the chain refuses them). Only during the callback.
///
/// # Safety
/// `result` NULL or the callback's argument; `creds` NULL or valid, its pointers as documented.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_provider_result_set(
    result: *mut mongodb_aws_provider_result,
    creds: *const mongodb_aws_credentials,
    has_expiration: u8,
    expiration_unix: u64,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (r, c) = unsafe { (target(result)?, reference(creds)?.view()?) };
        let expiration = (has_expiration != 0).then_some(UnixTime(expiration_unix));
        r.credentials = Some(
            runtime::Credentials::new(
                c.access_key_id(),
                c.secret_access_key(),
                c.session_token(),
                expiration,
            )
            .map_err(|e| Status::from(e.error()))?,
        );
        Ok(())
    })
}

/// For a custom provider that fails: its own message (UTF-8, pointer + length; never a secret),
/// appended to the `MONGODB_AWS_CUSTOM_PROVIDER_FAILED` message. Only during the callback.
///
/// # Safety
/// `result` NULL or the callback's argument; `message` `message_len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_provider_result_set_error(
    result: *mut mongodb_aws_provider_result,
    message: *const c_char,
    message_len: usize,
) -> mongodb_aws_status {
    // SAFETY: forwarded contract.
    unsafe { set_callback_error(result, message, message_len, |r| &mut r.error) }
}

/// What an MFA callback hands back, filled through `mongodb_aws_mfa_result_set_code` (or
/// `mongodb_aws_mfa_result_set_error`) during the callback; opaque, owned by the library, valid
/// only during the callback. The code is wiped after use.
pub struct mongodb_aws_mfa_result {
    code: Option<Zeroizing<String>>,
    error: Option<String>,
}

/// An MFA callback: a profile's role has `mfa_serial`, and AssumeRole needs the device's current
/// code. Called from the thread that called `mongodb_aws_get_credentials(_with)` with the
/// `user_data` it was given, the device's serial (an ARN or a hardware serial number) and the
/// profile that needs it (UTF-8, pointer + length, not NUL-terminated, valid during the call). It
/// answers with `mongodb_aws_mfa_result_set_code` and returns 0, or returns non-zero (optionally
/// after `mongodb_aws_mfa_result_set_error`) to fail the call with `MONGODB_AWS_MFA_CODE_UNAVAILABLE`.
/// Without any callback such a profile fails with `MONGODB_AWS_MFA_CODE_REQUIRED`.
pub type mongodb_aws_mfa_fn = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        serial: *const c_char,
        serial_len: usize,
        profile: *const c_char,
        profile_len: usize,
        result: *mut mongodb_aws_mfa_result,
    ) -> u32,
>;

/// An MFA callback and its user data, shared with the runtime.
struct MfaInstalled {
    callback: unsafe extern "C" fn(
        *mut c_void,
        *const c_char,
        usize,
        *const c_char,
        usize,
        *mut mongodb_aws_mfa_result,
    ) -> u32,
    user_data: *mut c_void,
}

// SAFETY: the caller gives a callback and user data safe to use from the threads that call the
// library (documented contracts of `mongodb_aws_set_mfa_callback` and
// `mongodb_aws_get_credentials_with`); the library only passes the pointer back to it.
unsafe impl Send for MfaInstalled {}
// SAFETY: as above.
unsafe impl Sync for MfaInstalled {}

impl MfaInstalled {
    fn call(&self, r: &runtime::MfaRequest) -> Result<Zeroizing<String>, String> {
        let mut result = mongodb_aws_mfa_result {
            code: None,
            error: None,
        };
        // SAFETY: the documented contract; the strings and `result` live for the whole call.
        let rc = unsafe {
            (self.callback)(
                self.user_data,
                r.serial.as_ptr().cast(),
                r.serial.len(),
                r.profile.as_ptr().cast(),
                r.profile.len(),
                &mut result,
            )
        };
        callback_answer(rc, result.code, result.error, "the MFA callback", "code")
    }
}

/// Installs (or, with a NULL `callback`, removes) the process-wide MFA callback, used by every
/// `mongodb_aws_get_credentials` (and `_with` without a callback of its own) from then on.
/// Thread-safe.
///
/// # Safety
/// `callback` must be safe to call from any thread, several at once, with `user_data`, until it is
/// replaced or removed and no call that began before is still running.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_set_mfa_callback(
    callback: mongodb_aws_mfa_fn,
    user_data: *mut c_void,
) -> mongodb_aws_status {
    guard(|| {
        let provider = callback.map(|callback| {
            let m = MfaInstalled {
                callback,
                user_data,
            };
            let p: runtime::MfaProvider = Arc::new(move |r: &runtime::MfaRequest| m.call(r));
            p
        });
        runtime::set_mfa_provider(provider);
        Ok(())
    })
}

/// For an MFA callback: the code (UTF-8, pointer + length; copied now, wiped after use). Only
/// during the callback.
///
/// # Safety
/// `result` NULL or the callback's argument; `code` `code_len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_mfa_result_set_code(
    result: *mut mongodb_aws_mfa_result,
    code: *const c_char,
    code_len: usize,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (r, c) = unsafe { (target(result)?, text(code, code_len)?) };
        r.code = Some(Zeroizing::new(c.to_string()));
        Ok(())
    })
}

/// For an MFA callback that fails: its own message (UTF-8, pointer + length; never a secret), kept
/// in the `MONGODB_AWS_MFA_CODE_UNAVAILABLE` message. Only during the callback.
///
/// # Safety
/// `result` NULL or the callback's argument; `message` `message_len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_mfa_result_set_error(
    result: *mut mongodb_aws_mfa_result,
    message: *const c_char,
    message_len: usize,
) -> mongodb_aws_status {
    // SAFETY: forwarded contract.
    unsafe { set_callback_error(result, message, message_len, |r| &mut r.error) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_credentials_share_the_runtimes_copy_and_free_releases_it() {
        let c = Arc::new(
            runtime::Credentials::new("AKIDEXAMPLE", "secret", Some("token"), Some(UnixTime(9)))
                .unwrap(),
        );
        let owned = Box::into_raw(own(c.clone(), true).unwrap());
        // No copy: the handle's views are the runtime's strings.
        let mut info = core::mem::MaybeUninit::<mongodb_aws_credentials_info>::uninit();
        let st = unsafe { mongodb_aws_owned_credentials_info(owned, info.as_mut_ptr()) };
        assert_eq!(st, mongodb_aws_status::MONGODB_AWS_OK);
        let info = unsafe { info.assume_init() };
        assert_eq!(
            info.credentials.secret_access_key.cast::<u8>(),
            c.secret_access_key().as_ptr()
        );
        assert_eq!(
            (info.from_cache, info.has_expiration, info.expiration_unix),
            (1, 1, 9)
        );
        let h = unsafe { mongodb_aws_owned_credentials_handle(owned) };
        assert_eq!(
            unsafe { &*h }.credentials().unwrap().session_token(),
            Some("token")
        );
        assert_eq!(Arc::strong_count(&c), 2);
        unsafe { mongodb_aws_owned_credentials_free(owned) };
        // The last reference is the caller's here (in the library, the cache's or none: then the
        // runtime's Zeroizing strings are wiped as they drop).
        assert_eq!(Arc::strong_count(&c), 1);
    }

    #[test]
    fn refusal_hint_is_the_runtimes_text_with_the_output_convention() {
        let c = Arc::new(
            runtime::Credentials::new(
                "ASIAREFUSED1",
                "refused-secret",
                Some("refused-token"),
                None,
            )
            .unwrap(),
        );
        let owned = Box::into_raw(own(c.clone(), false).unwrap());
        let mut need = 0usize;
        let st = unsafe {
            mongodb_aws_owned_credentials_refusal_hint(owned, core::ptr::null_mut(), 0, &mut need)
        };
        assert_eq!(st, mongodb_aws_status::MONGODB_AWS_OK);
        let mut short = vec![0u8; need - 1];
        let st = unsafe {
            mongodb_aws_owned_credentials_refusal_hint(
                owned,
                short.as_mut_ptr(),
                short.len(),
                &mut need,
            )
        };
        assert_eq!(st, mongodb_aws_status::MONGODB_AWS_BUFFER_TOO_SMALL);
        let mut buf = vec![0u8; need];
        let mut len = 0usize;
        let st = unsafe {
            mongodb_aws_owned_credentials_refusal_hint(owned, buf.as_mut_ptr(), buf.len(), &mut len)
        };
        assert_eq!(st, mongodb_aws_status::MONGODB_AWS_OK);
        let text = std::str::from_utf8(&buf[..len]).unwrap();
        assert_eq!(text, c.refusal_hint());
        // Temporary keys: the key and the assumed-role rule (PROTOCOL: sessions of a role map to
        // arn:aws:sts::ACCOUNT:assumed-role/ROLE/*); never the secret or the token.
        assert!(text.contains("access key id ASIAREFUSED1"), "{text}");
        assert!(text.contains("assumed-role/ROLE/*"), "{text}");
        assert!(!text.contains("refused-secret") && !text.contains("refused-token"));
        let st = unsafe {
            mongodb_aws_owned_credentials_refusal_hint(
                core::ptr::null(),
                buf.as_mut_ptr(),
                buf.len(),
                &mut len,
            )
        };
        assert_eq!(st, mongodb_aws_status::MONGODB_AWS_NULL_ARGUMENT);
        unsafe { mongodb_aws_owned_credentials_free(owned) };
    }
}
