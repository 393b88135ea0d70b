//! The credential chain for Python: `mongodb_aws::Resolver` (the runtime that drives the core's
//! chain: every source, deadline, retry, expiry check and error mapping, and the process-wide cache)
//! run with the GIL released, and the application's provider hook (`provider=` /
//! `set_credential_provider`) as a runtime [`Provider`] and its MFA callback (`mfa_callback=` /
//! `set_mfa_callback`) as a runtime [`MfaProvider`], each retaking the GIL only to call Python.
//!
//! This module keeps no rule of its own: it converts Python values (an environment mapping, a
//! provider's answer, the runtime's credentials and errors) and nothing else.

use crate::{runtime_err, Credentials};
use mongodb_aws::{
    AssumeRole, AssumeRoleWithSaml, CredentialCache, MfaProvider, MfaRequest, Provider, Resolver,
    UnixTime,
};
use pyo3::exceptions::{PyAttributeError, PyException, PyKeyError, PyTypeError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;
use zeroize::Zeroizing;

thread_local! {
    /// The exception the provider or the MFA callback raised during the current call on this
    /// thread (the runtime calls them on the calling thread): chained as the `__cause__` of the
    /// error, or re-raised as is when it is not an `Exception` (`KeyboardInterrupt`, `SystemExit`).
    static PROVIDER_EXCEPTION: RefCell<Option<PyErr>> = const { RefCell::new(None) };
}

/// Where each part of a provider's answer may be: keys of a mapping or attributes of an object, in
/// the spellings of this package (`Credentials`), boto3 / STS (`AccessKeyId`, ...), the Node
/// driver's provider (`accessKeyId`, ...) and botocore's `Credentials` (`access_key`, ...).
const ACCESS_KEY_ID: &[&str] = &["access_key_id", "AccessKeyId", "accessKeyId", "access_key"];
const SECRET_ACCESS_KEY: &[&str] = &[
    "secret_access_key",
    "SecretAccessKey",
    "secretAccessKey",
    "secret_key",
];
const SESSION_TOKEN: &[&str] = &[
    "session_token",
    "SessionToken",
    "sessionToken",
    "Token",
    "token",
];
const EXPIRATION: &[&str] = &["expiration", "Expiration"];

/// A short description of a Python exception for the error message: `RuntimeError: text`.
fn describe(py: Python<'_>, e: &PyErr) -> String {
    let kind = e
        .get_type(py)
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "exception".to_owned());
    match e.value(py).str() {
        Ok(text) if !text.to_string_lossy().is_empty() => {
            format!("{kind}: {}", text.to_string_lossy())
        }
        _ => kind,
    }
}

/// The first of `names` the answer has (mapping key or attribute), `None` if it has none of them
/// or only `None` values.
fn part<'py>(
    answer: &Bound<'py, PyAny>,
    mapping: bool,
    names: &[&str],
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let py = answer.py();
    for name in names {
        let got = if mapping {
            answer.get_item(*name)
        } else {
            answer.getattr(*name)
        };
        match got {
            Ok(v) if v.is_none() => {}
            Ok(v) => return Ok(Some(v)),
            Err(e)
                if e.is_instance_of::<PyKeyError>(py)
                    || e.is_instance_of::<PyAttributeError>(py) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}

fn text(value: Option<Bound<'_, PyAny>>, what: &str) -> Result<Option<Zeroizing<String>>, String> {
    match value {
        None => Ok(None),
        Some(v) => match v.cast::<PyString>() {
            Ok(s) => Ok(Some(Zeroizing::new(s.to_string_lossy().into_owned()))),
            Err(_) => Err(format!(
                "the provider's {what} must be a str, not {}",
                type_name(&v)
            )),
        },
    }
}

fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".to_owned())
}

/// Unix seconds from an `int`, a `float` or a `datetime` (`.timestamp()`, so a naive datetime is
/// local time, as Python reads it).
fn expiration(value: Option<Bound<'_, PyAny>>) -> Result<Option<UnixTime>, String> {
    let Some(v) = value else { return Ok(None) };
    let bad = || {
        format!(
            "the provider's expiration must be a datetime or unix seconds, not {}",
            type_name(&v)
        )
    };
    let seconds: f64 = if v.is_instance_of::<PyBool>() {
        return Err(bad());
    } else if v.is_instance_of::<PyInt>() || v.is_instance_of::<PyFloat>() {
        v.extract().map_err(|_| bad())?
    } else if v.hasattr("timestamp").unwrap_or(false) {
        v.call_method0("timestamp")
            .and_then(|t| t.extract())
            .map_err(|_| bad())?
    } else {
        return Err(bad());
    };
    if !seconds.is_finite() || seconds < 0.0 || seconds > u64::MAX as f64 {
        return Err(format!(
            "the provider's expiration {seconds} is not a valid time"
        ));
    }
    Ok(Some(UnixTime(seconds.floor() as u64)))
}

/// The provider's answer as the chain takes it (the chain validates it and gives a bad one its own
/// typed error).
fn provided(answer: &Bound<'_, PyAny>) -> Result<mongodb_aws::Provided, String> {
    let py = answer.py();
    if answer.is_none() {
        return Err(
            "the provider returned None, expected a mapping or an object with \
                    access_key_id, secret_access_key, session_token and expiration"
                .to_owned(),
        );
    }
    let mapping =
        answer.is_instance_of::<PyDict>() || answer.hasattr(intern!(py, "keys")).unwrap_or(false);
    let get = |names| part(answer, mapping, names).map_err(|e| describe(py, &e));
    let id = text(get(ACCESS_KEY_ID)?, "access key id")?;
    let secret = text(get(SECRET_ACCESS_KEY)?, "secret access key")?;
    let token = text(get(SESSION_TOKEN)?, "session token")?;
    let expires = expiration(get(EXPIRATION)?)?;
    Ok(mongodb_aws::Provided {
        access_key_id: id.as_ref().map_or(String::new(), |s| s.to_string()),
        secret_access_key: Zeroizing::new(secret.as_ref().map_or(String::new(), |s| s.to_string())),
        session_token: token.as_ref().map(|s| Zeroizing::new(s.to_string())),
        expiration: expires,
    })
}

/// A runtime provider that calls `callable` with the GIL held.
fn python_provider(callable: Bound<'_, PyAny>) -> PyResult<Provider> {
    if !callable.is_callable() {
        return Err(PyTypeError::new_err(format!(
            "a credential provider must be callable, not {}",
            type_name(&callable)
        )));
    }
    let callable = callable.unbind();
    Ok(Arc::new(move || {
        Python::attach(|py| match callable.bind(py).call0() {
            Ok(answer) => provided(&answer),
            Err(e) => {
                let text = describe(py, &e);
                PROVIDER_EXCEPTION.with(|slot| *slot.borrow_mut() = Some(e));
                Err(text)
            }
        })
    }))
}

/// A runtime MFA callback that calls `callable(serial, profile)` with the GIL held (only for that
/// call) and takes the `str` it returns as the code. An exception becomes the chain's
/// `MFA_CODE_UNAVAILABLE` with the exception's text (and the exception as its `__cause__`).
fn python_mfa(callable: Bound<'_, PyAny>) -> PyResult<MfaProvider> {
    if !callable.is_callable() {
        return Err(PyTypeError::new_err(format!(
            "an MFA callback must be callable, not {}",
            type_name(&callable)
        )));
    }
    let callable = callable.unbind();
    Ok(Arc::new(move |r: &MfaRequest| {
        Python::attach(|py| {
            match callable
                .bind(py)
                .call1((r.serial.as_str(), r.profile.as_str()))
            {
                Ok(code) => match code.cast::<PyString>() {
                    Ok(s) => Ok(Zeroizing::new(s.to_string_lossy().into_owned())),
                    Err(_) => Err(format!(
                        "the MFA callback must return the code as a str, not {}",
                        type_name(&code)
                    )),
                },
                Err(e) => {
                    let text = describe(py, &e);
                    PROVIDER_EXCEPTION.with(|slot| *slot.borrow_mut() = Some(e));
                    Err(text)
                }
            }
        })
    }))
}

/// Runs `f` (a runtime call) with the GIL released; a failure becomes the Python exception, with
/// the provider's own exception as its cause.
fn run<T: Send>(
    py: Python<'_>,
    f: impl FnOnce() -> Result<T, mongodb_aws::Error> + Send,
) -> PyResult<T> {
    PROVIDER_EXCEPTION.with(|slot| slot.borrow_mut().take());
    let result = py.detach(f);
    let raised = PROVIDER_EXCEPTION.with(|slot| slot.borrow_mut().take());
    result.map_err(|e| {
        let err = runtime_err(py, &e);
        match raised {
            Some(cause) if !cause.is_instance_of::<PyException>(py) => cause,
            Some(cause) => {
                err.set_cause(py, Some(cause));
                err
            }
            None => err,
        }
    })
}

/// The values of the chain's variables (`mongodb_aws::VARS`) in `environ`.
fn env_map(environ: &Bound<'_, PyAny>) -> PyResult<HashMap<String, String>> {
    let py = environ.py();
    let mut vars = HashMap::new();
    for name in mongodb_aws::VARS {
        match environ.get_item(*name) {
            Ok(v) if v.is_none() => {}
            Ok(v) => {
                let value = v.cast::<PyString>().map_err(|_| {
                    PyTypeError::new_err(format!("environ[{name:?}] must be a str"))
                })?;
                vars.insert((*name).to_owned(), value.to_cow()?.into_owned());
            }
            Err(e) if e.is_instance_of::<PyKeyError>(py) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(vars)
}

fn resolver<'c>(environ: Option<&Bound<'_, PyAny>>) -> PyResult<Resolver<'c>> {
    Ok(match environ {
        Some(env) => Resolver::new().env(env_map(env)?),
        None => Resolver::new(),
    })
}

/// Resolves credentials like the drivers do: the chain of the MONGODB-AWS spec, run by the Rust
/// runtime with the GIL released (other threads keep running while it waits on an endpoint).
///
/// The order, every variable, deadline, retry and error are in the project's one table (the root
/// README, "Credential sources"): a custom provider (``provider``, else the one installed with
/// ``set_credential_provider``); fresh cached endpoint credentials; ``AWS_ACCESS_KEY_ID`` /
/// ``AWS_SECRET_ACCESS_KEY`` / ``AWS_SESSION_TOKEN``; web identity; ECS; the container full URI;
/// EC2 IMDSv2. The result's ``source`` says where they came from, ``expiration`` when they expire
/// (unix seconds) and ``from_cache`` whether the cache answered.
///
/// The AWS shared config and credentials files are read (``~/.aws/config``, ``~/.aws/credentials``,
/// or ``AWS_CONFIG_FILE`` / ``AWS_SHARED_CREDENTIALS_FILE``): ``profile`` names the profile (like
/// ``AWS_PROFILE``, which it overrides; a profile in neither file raises ``PROFILE_NOT_FOUND``).
/// A profile whose role has ``mfa_serial`` needs a code: ``mfa_callback(serial, profile)`` (else
/// the one installed with ``set_mfa_callback``) returns it as a ``str``; without one the call
/// raises ``MFA_CODE_REQUIRED``, and an exception it raises becomes ``MFA_CODE_UNAVAILABLE``
/// (with the exception as ``__cause__``). The result's ``profile``, ``origin_file`` and
/// ``origin_line`` say which profile, file and section header supplied the credentials.
///
/// ``environ`` replaces the process environment (only the chain's variables are read from it);
/// ``use_cache=False`` neither reads nor fills the process-wide cache. A provider is a callable
/// taking no argument and returning a mapping or an object with ``access_key_id``,
/// ``secret_access_key``, optional ``session_token`` and ``expiration`` (a datetime or unix
/// seconds); the boto3 (``AccessKeyId``, ...) and Node driver (``accessKeyId``, ...) spellings
/// work too. Its answer is validated and never cached; an exception it raises becomes a
/// ``ResponseError`` ``CUSTOM_PROVIDER_FAILED`` whose message ends with the exception's text (and
/// whose ``__cause__`` is the exception).
///
/// Raises a ``MongoDBAWSError`` subclass with the chain's ``code`` and its full message (source,
/// step, URL or file, HTTP status, STS code and message; never a secret).
#[pyfunction]
#[pyo3(signature = (environ=None, *, use_cache=true, provider=None, profile=None,
                    mfa_callback=None))]
fn get_credentials(
    py: Python<'_>,
    environ: Option<Bound<'_, PyAny>>,
    use_cache: bool,
    provider: Option<Bound<'_, PyAny>>,
    profile: Option<String>,
    mfa_callback: Option<Bound<'_, PyAny>>,
) -> PyResult<Credentials> {
    let private = CredentialCache::new();
    let mut r = resolver(environ.as_ref())?.profile(profile);
    if let Some(p) = provider {
        r = r.provider(Some(python_provider(p)?));
    }
    if let Some(m) = mfa_callback {
        r = r.mfa(Some(python_mfa(m)?));
    }
    if !use_cache {
        r = r.cache(&private);
    }
    let got = run(py, || r.resolve())?;
    Ok(Credentials::from_runtime(&got.credentials, got.from_cache))
}

/// Installs (or, with ``None``, removes) the process-wide credential provider: the spec's
/// ``AWS_CREDENTIAL_PROVIDER``. It is called first by every ``get_credentials`` without a
/// ``provider`` argument, by ``assume_role`` without ``credentials`` and by the PyMongo shim;
/// see ``get_credentials`` for what it returns.
#[pyfunction]
#[pyo3(signature = (provider, /))]
fn set_credential_provider(provider: Option<Bound<'_, PyAny>>) -> PyResult<()> {
    let p = provider.map(python_provider).transpose()?;
    mongodb_aws::set_provider(p);
    Ok(())
}

/// Installs (or, with ``None``, removes) the process-wide MFA callback: called as
/// ``callback(serial, profile)`` by every ``get_credentials`` without an ``mfa_callback`` argument
/// (and the PyMongo shim) when a profile's role has ``mfa_serial``; it returns the code as a
/// ``str``. The GIL is held only while it runs.
#[pyfunction]
#[pyo3(signature = (callback, /))]
fn set_mfa_callback(callback: Option<Bound<'_, PyAny>>) -> PyResult<()> {
    let m = callback.map(python_mfa).transpose()?;
    mongodb_aws::set_mfa_provider(m);
    Ok(())
}

/// Empties the process-wide credential cache. The spec requires it after any MONGODB-AWS
/// authentication failure (the PyMongo shim does it).
#[pyfunction]
fn clear_credential_cache() {
    mongodb_aws::clear_cache();
}

/// The credentials in the process-wide cache that ``get_credentials(environ, profile=profile)``
/// uses (endpoint, role, SSO and ``credential_process`` credentials; one cache per selected
/// profile: ``profile``, else ``AWS_DEFAULT_PROFILE`` / ``AWS_PROFILE`` of ``environ``, default the
/// process environment), fresh or not; ``None`` when it is empty.
#[pyfunction]
#[pyo3(signature = (environ=None, *, profile=None))]
fn cached_credentials(
    environ: Option<Bound<'_, PyAny>>,
    profile: Option<String>,
) -> PyResult<Option<Credentials>> {
    Ok(resolver(environ.as_ref())?
        .profile(profile)
        .cached()
        .map(|c| Credentials::from_runtime(&c, true)))
}

/// STS AssumeRole, signed with ``credentials`` (default: ``get_credentials(environ)``).
///
/// ``role_session_name`` defaults to ``mongodb-aws-`` + 32 random hex digits. The STS endpoint is
/// the global one, or ``sts.<AWS_REGION>.amazonaws.com`` with ``AWS_STS_REGIONAL_ENDPOINTS=regional``
/// (``MONGODB_AWS_STS_ENDPOINT`` overrides, for tests), read from ``environ`` (default: the
/// process environment). The result has ``source == "assume-role"`` and is not cached.
#[pyfunction]
#[pyo3(signature = (role_arn, *, credentials=None, role_session_name=None, external_id=None,
                    duration_seconds=None, mfa_serial_number=None, mfa_token_code=None,
                    environ=None))]
#[allow(clippy::too_many_arguments)]
fn assume_role(
    py: Python<'_>,
    role_arn: String,
    credentials: Option<PyRef<'_, Credentials>>,
    role_session_name: Option<String>,
    external_id: Option<String>,
    duration_seconds: Option<u32>,
    mfa_serial_number: Option<String>,
    mfa_token_code: Option<String>,
    environ: Option<Bound<'_, PyAny>>,
) -> PyResult<Credentials> {
    let r = resolver(environ.as_ref())?;
    let base = match credentials {
        Some(c) => Some(c.to_runtime().map_err(|e| runtime_err(py, &e))?),
        None => None,
    };
    // One of the two MFA values alone is sent as given with the other empty: the core names
    // the invalid one.
    let mfa = match (mfa_serial_number, mfa_token_code) {
        (None, None) => None,
        (s, c) => Some((s.unwrap_or_default(), c.unwrap_or_default())),
    };
    let options = AssumeRole {
        role_arn,
        session_name: role_session_name,
        external_id,
        duration_seconds,
        mfa,
    };
    let got = run(py, || {
        let base = match base {
            Some(b) => b,
            None => (*r.resolve()?.credentials).clone(),
        };
        r.assume_role(&base, &options)
    })?;
    Ok(Credentials::from_runtime(&got, false))
}

/// STS AssumeRoleWithSAML (unsigned): ``saml_assertion`` is the base64 SAML response of the
/// identity provider (whitespace ignored). The result has ``source == "saml"`` and is not cached.
#[pyfunction]
#[pyo3(signature = (role_arn, principal_arn, saml_assertion, *, duration_seconds=None,
                    environ=None))]
fn assume_role_with_saml(
    py: Python<'_>,
    role_arn: String,
    principal_arn: String,
    saml_assertion: String,
    duration_seconds: Option<u32>,
    environ: Option<Bound<'_, PyAny>>,
) -> PyResult<Credentials> {
    let r = resolver(environ.as_ref())?;
    let options = AssumeRoleWithSaml {
        role_arn,
        principal_arn,
        assertion_file: String::new(),
        duration_seconds,
    };
    let assertion = Zeroizing::new(saml_assertion);
    let got = run(py, || {
        r.assume_role_with_saml_assertion(&options, &assertion)
    })?;
    Ok(Credentials::from_runtime(&got, false))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(get_credentials, m)?)?;
    m.add_function(wrap_pyfunction!(set_credential_provider, m)?)?;
    m.add_function(wrap_pyfunction!(set_mfa_callback, m)?)?;
    m.add_function(wrap_pyfunction!(clear_credential_cache, m)?)?;
    m.add_function(wrap_pyfunction!(cached_credentials, m)?)?;
    m.add_function(wrap_pyfunction!(assume_role, m)?)?;
    m.add_function(wrap_pyfunction!(assume_role_with_saml, m)?)?;
    Ok(())
}
