//! Credential resolution for Node: Promises over the runtime (the `mongodb-aws` crate), which runs
//! the core's credential chain (`mongodb_aws_core::providers::chain`: source order, every step,
//! deadlines, retries, expiry, error mapping) and keeps the process-wide cache. Nothing of that is
//! here or in `lib/providers.js`.
//!
//! Each Promise is a napi `AsyncTask`: the runtime's blocking call runs on libuv's thread pool, so
//! the event loop never waits for an endpoint. The environment is read here, on the JavaScript
//! thread, from the object `lib/providers.js` passes (`process.env` unless the caller gave one):
//! only the runtime's [`VARS`], handed over as a snapshot (`Resolver::env`), so that no pool thread
//! reads the C environment while JavaScript may be changing it.
//!
//! Results reach JavaScript as plain objects `{ accessKeyId, secretAccessKey, sessionToken?,
//! expiration? (unix seconds), source, fromCache, profile?, originFile?, originLine? }` built from
//! the runtime's zeroizing `Credentials`; failures reject with an `Error` whose `code` is the
//! runtime error's stable name and whose message is the runtime's full message (`lib/errors.js`
//! makes it a `MongoDBAWSError`).
//!
//! MFA codes: the runtime asks its [`MfaProvider`] on the pool thread, which must not run
//! JavaScript. The provider made here posts the request to the JavaScript thread through a napi
//! `ThreadsafeFunction` (`lib/providers.js` wraps the application's async function: it awaits it
//! and answers with [`mfa_answer`]) and waits on a channel for that answer.

use crate::{js_err, unix_from_ms, Code, NativeCredentials};
use mongodb_aws::{
    AssumeRole, AssumeRoleWithSaml, Credentials, Error as RuntimeError, MfaProvider, MfaRequest,
    Provided, Provider, Resolver, VARS,
};
use mongodb_aws_core::Error;
use napi::bindgen_prelude::AsyncTask;
use napi::threadsafe_function::{
    ThreadSafeCallContext, ThreadsafeFunction, ThreadsafeFunctionCallMode,
};
use napi::{Env, JsFunction, JsObject, JsUnknown, Status, Task};
use napi_derive::napi;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex};
use zeroize::Zeroizing;

type Outcome = Result<(Arc<Credentials>, bool), RuntimeError>;

/// One blocking runtime call (credentials and whether they came from the cache), run on libuv's
/// thread pool.
pub struct CredentialsTask {
    call: Option<Box<dyn FnOnce() -> Outcome + Send>>,
}

impl CredentialsTask {
    fn new(call: impl FnOnce() -> Outcome + Send + 'static) -> AsyncTask<Self> {
        AsyncTask::new(CredentialsTask {
            call: Some(Box::new(call)),
        })
    }
}

impl Task for CredentialsTask {
    type Output = Outcome;
    type JsValue = JsObject;

    fn compute(&mut self) -> napi::Result<Outcome> {
        let call = self
            .call
            .take()
            .ok_or_else(|| napi::Error::new(Status::GenericFailure, "task already ran"))?;
        // A panic must not unwind into libuv's thread (that aborts the process).
        catch_unwind(AssertUnwindSafe(call)).map_err(|_| {
            napi::Error::new(
                Status::GenericFailure,
                "mongodb-aws: the credential runtime panicked",
            )
        })
    }

    fn resolve(&mut self, env: Env, output: Outcome) -> napi::Result<JsObject> {
        match output {
            Ok((c, from_cache)) => credentials_object(&env, &c, from_cache),
            Err(e) => Err(rejection(&env, &e)),
        }
    }
}

/// `{ accessKeyId, secretAccessKey, sessionToken?, expiration?, source, fromCache }`.
fn credentials_object(env: &Env, c: &Credentials, from_cache: bool) -> napi::Result<JsObject> {
    let mut o = env.create_object()?;
    o.set("accessKeyId", c.access_key_id())?;
    o.set("secretAccessKey", c.secret_access_key())?;
    if let Some(t) = c.session_token() {
        o.set("sessionToken", t)?;
    }
    if let Some(e) = c.expiration() {
        o.set("expiration", e.0 as f64)?;
    }
    o.set("source", c.source().name())?;
    o.set("fromCache", from_cache)?;
    o.set("refusalHint", c.refusal_hint())?;
    if let Some(origin) = c.origin() {
        o.set("profile", origin.profile.as_str())?;
        o.set("originFile", origin.file.as_str())?;
        o.set("originLine", origin.line)?;
    }
    Ok(o)
}

// ---------------------------------------------------------------------------------------------
// MFA codes from JavaScript
// ---------------------------------------------------------------------------------------------

type MfaAnswer = Result<Zeroizing<String>, String>;

/// Requests posted to JavaScript and not answered yet, by id.
fn pending() -> &'static Mutex<HashMap<u32, Sender<MfaAnswer>>> {
    static PENDING: std::sync::OnceLock<Mutex<HashMap<u32, Sender<MfaAnswer>>>> =
        std::sync::OnceLock::new();
    PENDING.get_or_init(|| Mutex::new(HashMap::new()))
}

fn take_pending(id: u32) -> Option<Sender<MfaAnswer>> {
    pending()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&id)
}

/// The JavaScript side's answer to MFA request `id` (`lib/providers.js`): the code, or the text of
/// the failure of the application's function. An unknown id (answered late, after the wait ended)
/// is ignored.
#[napi(catch_unwind)]
pub fn mfa_answer(id: u32, code: Option<String>, error: Option<String>) {
    let answer = match (code, error) {
        (Some(c), None) => Ok(Zeroizing::new(c)),
        (_, Some(e)) => Err(e),
        (None, None) => Err("the MFA function gave no code".to_string()),
    };
    if let Some(tx) = take_pending(id) {
        let _ = tx.send(answer);
    }
}

/// `(id, serial, profile)` for the JavaScript asker.
type MfaCall = (u32, String, String);

/// A runtime MFA provider over `asker`, a JavaScript function `(err, id, serial, profile)` that
/// answers with [`mfa_answer`]. Unreferenced: an installed callback does not keep Node running.
fn mfa_of(env: &Env, asker: &JsFunction) -> napi::Result<MfaProvider> {
    let mut tsfn: ThreadsafeFunction<MfaCall> =
        env.create_threadsafe_function(asker, 0, |cx: ThreadSafeCallContext<MfaCall>| {
            let (id, serial, profile) = cx.value;
            Ok(vec![
                cx.env.create_uint32(id)?.into_unknown(),
                cx.env.create_string(&serial)?.into_unknown(),
                cx.env.create_string(&profile)?.into_unknown(),
            ] as Vec<JsUnknown>)
        })?;
    tsfn.unref(env)?;
    static NEXT: AtomicU32 = AtomicU32::new(1);
    Ok(Arc::new(move |r: &MfaRequest| {
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = channel();
        pending()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, tx);
        let status = tsfn.call(
            Ok((id, r.serial.clone(), r.profile.clone())),
            ThreadsafeFunctionCallMode::Blocking,
        );
        if status != Status::Ok {
            take_pending(id);
            return Err(format!(
                "the JavaScript MFA function could not be called ({status})"
            ));
        }
        // The chain's deadline (the core's MFA_TIMEOUT_MS, or MONGODB_AWS_MFA_TIMEOUT): a Promise
        // that never settles would otherwise hold one of libuv's few pool threads for ever.
        match rx.recv_timeout(r.timeout) {
            Ok(answer) => answer,
            Err(_) => {
                take_pending(id);
                Err(format!(
                    "the JavaScript MFA function did not settle within {:.1} s \
                     (MONGODB_AWS_MFA_TIMEOUT sets the deadline)",
                    r.timeout.as_secs_f64()
                ))
            }
        }
    }))
}

/// Installs (or, with `null`, removes) the process-wide MFA callback (`set_mfa_provider`):
/// `asker` as for `resolveCredentials`.
#[napi(catch_unwind)]
pub fn set_mfa_callback(env: Env, asker: Option<JsFunction>) -> napi::Result<()> {
    let provider = asker.map(|a| mfa_of(&env, &a)).transpose()?;
    mongodb_aws::set_mfa_provider(provider);
    Ok(())
}

/// The runtime's refusal diagnosis for credentials the application built itself (no source, ARN
/// or instance role known): `mongodb_aws::refusal_hint_for`.
#[napi(catch_unwind)]
pub fn refusal_hint_for(access_key_id: String, has_session_token: bool) -> String {
    mongodb_aws::refusal_hint_for(None, &access_key_id, has_session_token, None, None)
}

/// The rejection value: an `Error` with the runtime's message and its stable name as `code`.
fn rejection(env: &Env, e: &RuntimeError) -> napi::Error {
    let made = env
        .create_error(napi::Error::new(
            Status::GenericFailure,
            e.message().to_string(),
        ))
        .and_then(|mut o| {
            o.set("code", e.code())?;
            o.set("number", e.number())?;
            Ok(o)
        });
    match made {
        Ok(o) => napi::Error::from(o.into_unknown()),
        Err(err) => err,
    }
}

/// The chain's variables ([`VARS`]) from `vars` (`process.env` or the caller's object); unset,
/// `undefined` and `null` leave a variable out.
fn snapshot(vars: &JsObject) -> napi::Result<HashMap<String, String>, Code> {
    let mut map = HashMap::new();
    for name in VARS {
        let v = vars
            .get::<_, Option<String>>(name)
            .map_err(|e| napi::Error::new(Code(Error::InvalidParameter.name()), e.reason))?;
        if let Some(Some(v)) = v {
            map.insert((*name).to_string(), v);
        }
    }
    Ok(map)
}

/// What the application's JavaScript provider answered (`getCredentials({ provider })`): its
/// parts, or the text of its failure.
#[napi(object)]
pub struct ProvidedCredentials {
    /// Access key id.
    pub access_key_id: Option<String>,
    /// Secret access key.
    pub secret_access_key: Option<String>,
    /// Session token.
    pub session_token: Option<String>,
    /// Expiration, milliseconds since the epoch.
    pub expiration_ms: Option<f64>,
    /// Set when the provider failed (threw, rejected or returned something else than credentials).
    pub error: Option<String>,
}

/// The provider hook the runtime calls: it hands the chain the answer the JavaScript provider
/// gave as it gave it, and the chain applies its rules to it (a bad answer gets its own typed
/// error).
fn provider_of(p: ProvidedCredentials) -> Provider {
    let secret = p.secret_access_key.map(Zeroizing::new);
    let token = p.session_token.map(Zeroizing::new);
    let answer: Result<Provided, String> = match p.error {
        Some(e) => Err(e),
        None => p
            .expiration_ms
            .map(|ms| unix_from_ms(ms).map_err(|e| format!("expiration: {e}")))
            .transpose()
            .map(|expiration| Provided {
                access_key_id: p.access_key_id.unwrap_or_default(),
                secret_access_key: secret.unwrap_or_default(),
                session_token: token,
                expiration,
            }),
    };
    Arc::new(move || answer.clone())
}

/// Resolves credentials with the runtime's chain (`Resolver::resolve`): the process-wide cache,
/// the variables of `vars`, the explicit `profile` of the AWS shared files, and, when given, the
/// JavaScript provider's answer as the custom provider and `mfa` (a JavaScript function `(err, id,
/// serial, profile)` answering with `mfaAnswer`) as the MFA callback. A Promise of `{ accessKeyId,
/// secretAccessKey, sessionToken?, expiration?, source, fromCache, profile?, originFile?,
/// originLine? }`.
#[napi(catch_unwind, ts_return_type = "Promise<object>")]
pub fn resolve_credentials(
    env: Env,
    vars: JsObject,
    provided: Option<ProvidedCredentials>,
    profile: Option<String>,
    mfa: Option<JsFunction>,
) -> napi::Result<AsyncTask<CredentialsTask>, Code> {
    let mut resolver = Resolver::new().env(snapshot(&vars)?).profile(profile);
    if let Some(p) = provided {
        resolver = resolver.provider(Some(provider_of(p)));
    }
    if let Some(asker) = mfa {
        let m = mfa_of(&env, &asker)
            .map_err(|e| napi::Error::new(Code(Error::InvalidParameter.name()), e.reason))?;
        resolver = resolver.mfa(Some(m));
    }
    Ok(CredentialsTask::new(move || {
        resolver.resolve().map(|r| (r.credentials, r.from_cache))
    }))
}

/// Empties the process-wide cache (`mongodb_aws::clear_cache`).
#[napi(catch_unwind)]
pub fn clear_credential_cache() {
    mongodb_aws::clear_cache();
}

/// The credentials in the cache `resolveCredentials(vars, _, profile)` uses (one per selected
/// profile: `Resolver::cached`), fresh or not, as `resolveCredentials` gives them; null when that
/// cache is empty.
#[napi(catch_unwind)]
pub fn cached_credentials(
    env: Env,
    vars: JsObject,
    profile: Option<String>,
) -> napi::Result<Option<JsObject>, Code> {
    let cached = Resolver::new()
        .env(snapshot(&vars)?)
        .profile(profile)
        .cached();
    cached
        .map(|c| credentials_object(&env, &c, true))
        .transpose()
        .map_err(|e| napi::Error::new(Code(Error::InvalidParameter.name()), e.reason))
}

/// Options of STS AssumeRole.
#[napi(object)]
pub struct AssumeRoleParams {
    /// The role to assume.
    pub role_arn: String,
    /// `RoleSessionName` (generated when absent).
    pub role_session_name: Option<String>,
    /// `ExternalId`.
    pub external_id: Option<String>,
    /// `DurationSeconds`.
    pub duration_seconds: Option<u32>,
    /// MFA device serial number or ARN (with `mfa_token_code`).
    pub mfa_serial_number: Option<String>,
    /// The MFA device's current code (with `mfa_serial_number`).
    pub mfa_token_code: Option<String>,
}

/// STS AssumeRole signed with `base` (`Resolver::assume_role`, STS settings from `vars`). A
/// Promise like `resolveCredentials`'s (source `assume-role`, never cached).
#[napi(catch_unwind, ts_return_type = "Promise<object>")]
pub fn assume_role(
    params: AssumeRoleParams,
    base: &NativeCredentials,
    vars: JsObject,
) -> napi::Result<AsyncTask<CredentialsTask>, Code> {
    let mfa = match (params.mfa_serial_number, params.mfa_token_code) {
        (Some(serial), Some(code)) => Some((serial, code)),
        (None, None) => None,
        _ => return Err(js_err(Error::InvalidMfaTokenCode)),
    };
    let c = base.core().map_err(js_err)?;
    let base = Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        c.session_token(),
        None,
    )
    .map_err(|e| js_err(e.error()))?;
    let o = AssumeRole {
        role_arn: params.role_arn,
        session_name: params.role_session_name,
        external_id: params.external_id,
        duration_seconds: params.duration_seconds,
        mfa,
    };
    let resolver = Resolver::new().env(snapshot(&vars)?);
    Ok(CredentialsTask::new(move || {
        resolver
            .assume_role(&base, &o)
            .map(|c| (Arc::new(c), false))
    }))
}

/// Options of STS AssumeRoleWithSAML.
#[napi(object)]
pub struct SamlParams {
    /// The role to assume.
    pub role_arn: String,
    /// The identity provider's ARN.
    pub principal_arn: String,
    /// Base64 of the identity provider's SAML response.
    pub saml_assertion: String,
    /// `DurationSeconds`.
    pub duration_seconds: Option<u32>,
}

/// STS AssumeRoleWithSAML (`Resolver::assume_role_with_saml_assertion`, STS settings from `vars`).
/// A Promise like `resolveCredentials`'s (source `saml`, never cached).
#[napi(catch_unwind, ts_return_type = "Promise<object>")]
pub fn assume_role_with_saml(
    params: SamlParams,
    vars: JsObject,
) -> napi::Result<AsyncTask<CredentialsTask>, Code> {
    let assertion = Zeroizing::new(params.saml_assertion);
    let o = AssumeRoleWithSaml {
        role_arn: params.role_arn,
        principal_arn: params.principal_arn,
        assertion_file: String::new(),
        duration_seconds: params.duration_seconds,
    };
    let resolver = Resolver::new().env(snapshot(&vars)?);
    Ok(CredentialsTask::new(move || {
        resolver
            .assume_role_with_saml_assertion(&o, &assertion)
            .map(|c| (Arc::new(c), false))
    }))
}
