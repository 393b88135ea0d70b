//! Python binding of `mongodb-aws-core` and its runtime `mongodb-aws`: the native module
//! `mongodb_aws._mongodb_aws`.
//!
//! Thin by rule (STYLE.md 13): every function here converts Python values, calls exactly one core
//! entry point and converts the result back. The credential functions ([`chain`]) call the
//! runtime's resolver the same way, with the GIL released. Defaults that need the outside world (the clock,
//! `os.urandom`, a URL's host) live in `python/mongodb_aws/__init__.py`. Errors become the Python
//! exception family of the core's error number (`mongodb_aws._errors`), carrying the core's stable
//! `name()` as `.code`, `code()` as `.number` and its `Display` text as the message.
//!
//! The GIL is released around work that depends on input size (hashing a body, a long session
//! token), i.e. when the variable-length inputs of a call exceed [`DETACH_THRESHOLD`] bytes; a
//! client-final with an ordinary token takes about a microsecond, less than releasing and retaking
//! the GIL would cost other threads.

use mongodb_aws_core::caller_identity;
use mongodb_aws_core::sasl::client::{
    ClientConversation as CoreConversation, CLIENT_NONCE_LEN, MAX_SERVER_FIRST_LEN,
    SERVER_NONCE_BASE64_LEN,
};
use mongodb_aws_core::sasl::server;
use mongodb_aws_core::sigv4::{
    self, Payload, Request, Scope, SessionTokenMode, Settings, SigningKey, UriEncoding,
};
use mongodb_aws_core::time::{AmzDate, UnixTime, MAX_UNIX_SECONDS};
use mongodb_aws_core::{cache, sts, verify, Credentials as CoreCredentials, Error};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyFloat, PyInt, PyString, PyTuple};
use sha2::{Digest, Sha256};
use std::sync::Mutex;
use zeroize::Zeroizing;

mod chain;

/// Inputs larger than this (bytes of body, headers and token together) are processed with the GIL
/// released.
pub const DETACH_THRESHOLD: usize = 4096;

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

static FROM_CORE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The Python exception for a core error: `mongodb_aws._errors._from_core(message, name, number)`
/// picks the family subclass of `MongoDBAWSError`.
fn py_err(py: Python<'_>, e: Error) -> PyErr {
    error_of(py, &e.to_string(), e.name(), e.code())
}

/// The Python exception for a runtime error: its code and number, its full message.
fn runtime_err(py: Python<'_>, e: &mongodb_aws::Error) -> PyErr {
    error_of(py, e.message(), e.code(), e.number())
}

fn error_of(py: Python<'_>, message: &str, name: &str, number: u32) -> PyErr {
    let make = || -> PyResult<PyErr> {
        let f = FROM_CORE.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
            Ok(py
                .import("mongodb_aws._errors")?
                .getattr("_from_core")?
                .unbind())
        })?;
        let exc = f.bind(py).call1((message, name, number))?;
        Ok(PyErr::from_value(exc))
    };
    make().unwrap_or_else(|err| err)
}

trait IntoPy<T> {
    fn py(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPy<T> for Result<T, Error> {
    fn py(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| py_err(py, e))
    }
}

/// Every core error as `(number, name, message)`, in number order (for tests and documentation).
#[pyfunction]
fn error_table() -> Vec<(u32, &'static str, &'static str)> {
    Error::ALL
        .iter()
        .map(|e| (e.code(), e.name(), e.message()))
        .collect()
}

/// Runs `f` with a growing buffer until it fits (the core reports the exact size it needs).
fn into_vec(
    initial: usize,
    mut f: impl FnMut(&mut [u8]) -> Result<usize, Error>,
) -> Result<Vec<u8>, Error> {
    let mut buf = vec![0u8; initial];
    let n = match f(&mut buf) {
        Err(Error::BufferTooSmall { needed }) => {
            buf = vec![0u8; needed];
            f(&mut buf)?
        }
        other => other?,
    };
    buf.truncate(n);
    Ok(buf)
}

fn utf8(py: Python<'_>, bytes: Vec<u8>) -> PyResult<String> {
    // Core output is ASCII by construction; anything else is an internal error.
    String::from_utf8(bytes).map_err(|_| py_err(py, Error::LengthOverflow))
}

/// Unix seconds from a Python `int` or `float` (floored). Negative, non-finite or beyond
/// 9999-12-31 values are the core's `INVALID_TIME`.
fn unix_time(now: &Bound<'_, PyAny>) -> PyResult<UnixTime> {
    let py = now.py();
    if now.is_instance_of::<PyInt>() {
        return match now.extract::<u64>() {
            Ok(t) => Ok(UnixTime(t)),
            Err(_) => Err(py_err(py, Error::InvalidTime)),
        };
    }
    if now.is_instance_of::<PyFloat>() {
        let t: f64 = now.extract()?;
        if !t.is_finite() || t < 0.0 || t.floor() > MAX_UNIX_SECONDS as f64 {
            return Err(py_err(py, Error::InvalidTime));
        }
        return Ok(UnixTime(t.floor() as u64));
    }
    Err(PyTypeError::new_err(
        "now must be unix seconds as an int or float",
    ))
}

// ---------------------------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------------------------

/// AWS credentials, validated by the core. The secret and the token never appear in `repr()`.
#[pyclass(frozen, module = "mongodb_aws", name = "Credentials")]
pub struct Credentials {
    access_key_id: String,
    secret_access_key: Zeroizing<String>,
    session_token: Option<Zeroizing<String>>,
    /// Unix seconds when they expire (endpoint credentials), else `None`.
    expiration: Option<u64>,
    /// Where they came from (`Source::name()`, e.g. `"ecs"`), `None` when built by the caller.
    source: Option<&'static str>,
    /// Whether the credential chain served them from the process-wide cache.
    from_cache: bool,
    /// The profile, file and section-header line of the AWS shared files that supplied them.
    origin: Option<mongodb_aws::Origin>,
    /// The runtime's diagnosis for a refused authentication (source, key, `$external` user as far
    /// as the ARN or instance role tells), computed when the chain answered.
    refusal_hint: Option<String>,
    /// The signing key of the last signature made with these credentials (per date/region/service).
    key: Mutex<Option<SigningKey>>,
}

impl Credentials {
    fn from_core(c: &CoreCredentials<'_>) -> Self {
        Credentials {
            access_key_id: c.access_key_id().to_owned(),
            secret_access_key: Zeroizing::new(c.secret_access_key().to_owned()),
            session_token: c.session_token().map(|t| Zeroizing::new(t.to_owned())),
            expiration: None,
            source: None,
            from_cache: false,
            origin: None,
            refusal_hint: None,
            key: Mutex::new(None),
        }
    }

    /// A copy of the runtime's credentials (`from_cache`: they were served from the cache).
    fn from_runtime(c: &mongodb_aws::Credentials, from_cache: bool) -> Self {
        Credentials {
            access_key_id: c.access_key_id().to_owned(),
            secret_access_key: Zeroizing::new(c.secret_access_key().to_owned()),
            session_token: c.session_token().map(|t| Zeroizing::new(t.to_owned())),
            expiration: c.expiration().map(|t| t.0),
            source: Some(c.source().name()),
            from_cache,
            origin: c.origin().cloned(),
            refusal_hint: Some(c.refusal_hint()),
            key: Mutex::new(None),
        }
    }

    /// The runtime's form (for AssumeRole's base credentials).
    fn to_runtime(&self) -> Result<mongodb_aws::Credentials, mongodb_aws::Error> {
        mongodb_aws::Credentials::new(
            &self.access_key_id,
            &self.secret_access_key,
            self.token(),
            self.expiration.map(UnixTime),
        )
    }

    /// The core's view (validated at construction; validation is repeated because the core only
    /// hands out validated values).
    fn core(&self) -> Result<CoreCredentials<'_>, Error> {
        CoreCredentials::new(
            &self.access_key_id,
            self.secret_access_key.as_str(),
            self.token(),
        )
    }

    /// The signing key for `scope`: the cached one if it matches, else a new one (then cached).
    fn signing_key(&self, scope: &Scope<'_>) -> Result<SigningKey, Error> {
        let mut slot = self.key.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(k) = slot.as_ref().filter(|k| k.matches(scope)) {
            return Ok(k.clone());
        }
        let k = SigningKey::derive(self.secret_access_key.as_str(), scope)?;
        *slot = Some(k.clone());
        Ok(k)
    }

    fn token(&self) -> Option<&str> {
        self.session_token.as_ref().map(|t| t.as_str())
    }

    fn token_len(&self) -> usize {
        self.token().map_or(0, str::len)
    }
}

#[pymethods]
impl Credentials {
    #[new]
    #[pyo3(signature = (access_key_id, secret_access_key, session_token=None, *, expiration=None))]
    fn new(
        py: Python<'_>,
        access_key_id: &str,
        secret_access_key: &str,
        session_token: Option<&str>,
        expiration: Option<u64>,
    ) -> PyResult<Self> {
        let c = CoreCredentials::new(access_key_id, secret_access_key, session_token).py(py)?;
        let mut c = Credentials::from_core(&c);
        c.expiration = expiration;
        Ok(c)
    }

    /// Builds credentials from optional parts with the spec's rule for environment variables
    /// (empty counts as unset; id + secret (+ token), anything else is an error).
    #[staticmethod]
    #[pyo3(signature = (access_key_id=None, secret_access_key=None, session_token=None))]
    fn from_parts(
        py: Python<'_>,
        access_key_id: Option<&str>,
        secret_access_key: Option<&str>,
        session_token: Option<&str>,
    ) -> PyResult<Self> {
        let c =
            CoreCredentials::from_parts(access_key_id, secret_access_key, session_token).py(py)?;
        Ok(Credentials::from_core(&c))
    }

    #[getter]
    fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    #[getter]
    fn secret_access_key(&self) -> &str {
        &self.secret_access_key
    }

    #[getter]
    fn session_token(&self) -> Option<&str> {
        self.token()
    }

    /// Unix seconds when these credentials expire, or `None`.
    #[getter]
    fn expiration(&self) -> Option<u64> {
        self.expiration
    }

    /// Where the credentials came from (`"custom-provider"`, `"environment"`, `"web-identity"`,
    /// `"ecs"`, `"container-full-uri"`, `"ec2"`, `"assume-role"`, `"saml"`), or `None` when the
    /// caller built them.
    #[getter]
    fn source(&self) -> Option<&'static str> {
        self.source
    }

    /// Whether `get_credentials` answered from the process-wide cache (no request was made).
    #[getter(from_cache)]
    fn served_from_cache(&self) -> bool {
        self.from_cache
    }

    /// The profile of the AWS shared files that supplied them (for a role chain, the profile
    /// asked for), or `None`.
    #[getter]
    fn profile(&self) -> Option<&str> {
        self.origin.as_ref().map(|o| o.profile.as_str())
    }

    /// The file that holds that profile, or `None`.
    #[getter]
    fn origin_file(&self) -> Option<&str> {
        self.origin.as_ref().map(|o| o.file.as_str())
    }

    /// The 1-based line of that profile's section header, or `None`.
    #[getter]
    fn origin_line(&self) -> Option<u32> {
        self.origin.as_ref().map(|o| o.line)
    }

    /// What to add when a server refuses a MONGODB-AWS authentication with these credentials: the
    /// source, the access key id and the `$external` user the server looks up (the runtime's one
    /// text, `mongodb_aws::Credentials::refusal_hint`).
    fn refusal_hint(&self) -> String {
        match &self.refusal_hint {
            Some(h) => h.clone(),
            None => mongodb_aws::refusal_hint_for(
                None,
                &self.access_key_id,
                self.session_token.is_some(),
                None,
                None,
            ),
        }
    }

    /// Whether they may still be used at `now` (the cache rule: more than 5 minutes before
    /// expiry; credentials without expiry always are).
    fn is_fresh(&self, now: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(cache::is_fresh(
            self.expiration.map(UnixTime),
            unix_time(now)?,
        ))
    }

    fn __repr__(&self) -> String {
        let token = if self.session_token.is_some() {
            "'<redacted>'"
        } else {
            "None"
        };
        format!(
            // Access key ids are ASCII letters and digits: quoting them is Python's repr.
            "Credentials(access_key_id='{}', secret_access_key='<redacted>', session_token={token})",
            self.access_key_id
        )
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        match other.cast::<Credentials>() {
            Ok(o) => {
                let o = o.get();
                self.access_key_id == o.access_key_id
                    && *self.secret_access_key == *o.secret_access_key
                    && self.token() == o.token()
            }
            Err(_) => false,
        }
    }

    /// Hashes the public parts only (equal credentials still hash equal).
    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.access_key_id.hash(&mut h);
        self.token().hash(&mut h);
        h.finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Client conversation
// ---------------------------------------------------------------------------------------------

/// A validated server-first message.
#[pyclass(frozen, module = "mongodb_aws", name = "ServerFirst")]
pub struct ServerFirst {
    host: String,
    region: String,
    server_nonce: [u8; 64],
    server_nonce_base64: [u8; SERVER_NONCE_BASE64_LEN],
}

#[pymethods]
impl ServerFirst {
    #[getter]
    fn host(&self) -> &str {
        &self.host
    }

    #[getter]
    fn region(&self) -> &str {
        &self.region
    }

    #[getter]
    fn server_nonce<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.server_nonce)
    }

    #[getter]
    fn server_nonce_base64(&self) -> &str {
        std::str::from_utf8(&self.server_nonce_base64).unwrap_or("")
    }

    fn __repr__(&self) -> String {
        format!(
            // Hosts and regions are host characters only: quoting them is Python's repr.
            "ServerFirst(host='{}', region='{}')",
            self.host, self.region
        )
    }
}

/// The client side of one MONGODB-AWS conversation (native part; `mongodb_aws.ClientConversation`
/// adds the defaults).
#[pyclass(
    subclass,
    frozen,
    module = "mongodb_aws._mongodb_aws",
    name = "ClientConversation"
)]
pub struct ClientConversation {
    inner: CoreConversation,
}

fn nonce32(py: Python<'_>, nonce: &[u8]) -> PyResult<[u8; CLIENT_NONCE_LEN]> {
    nonce
        .try_into()
        .map_err(|_| py_err(py, Error::InvalidParameter))
}

#[pymethods]
impl ClientConversation {
    #[new]
    fn new(py: Python<'_>, nonce: &[u8]) -> PyResult<Self> {
        Ok(ClientConversation {
            inner: CoreConversation::new(nonce32(py, nonce)?),
        })
    }

    #[getter]
    fn nonce<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.nonce())
    }

    fn client_first<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.client_first())
    }

    fn parse_server_first(&self, py: Python<'_>, server_first: &[u8]) -> PyResult<ServerFirst> {
        let sf = self.inner.parse_server_first(server_first).py(py)?;
        Ok(ServerFirst {
            host: sf.host().to_owned(),
            region: sf.region().to_owned(),
            server_nonce: *sf.server_nonce(),
            server_nonce_base64: sf.server_nonce_base64(),
        })
    }

    fn finish<'py>(
        &self,
        py: Python<'py>,
        server_first: &[u8],
        credentials: &Credentials,
        now: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let now = unix_time(now)?;
        let work = || -> Result<Vec<u8>, Error> {
            let creds = credentials.core()?;
            let sf = self.inner.parse_server_first(server_first)?;
            let key = credentials.signing_key(&sf.scope(AmzDate::from_unix(now)?)?)?;
            let mut stack = [0u8; 1024];
            match self
                .inner
                .finish(server_first, &creds, now, Some(&key), &mut stack)
            {
                Ok(n) => Ok(stack.get(..n).unwrap_or(&[]).to_vec()),
                Err(Error::BufferTooSmall { needed }) => {
                    let mut v = vec![0u8; needed];
                    let n = self
                        .inner
                        .finish(server_first, &creds, now, Some(&key), &mut v)?;
                    v.truncate(n);
                    Ok(v)
                }
                Err(e) => Err(e),
            }
        };
        let out = if credentials.token_len() > DETACH_THRESHOLD {
            py.detach(work)
        } else {
            work()
        };
        Ok(PyBytes::new(py, &out.py(py)?))
    }

    fn canonical_request(
        &self,
        py: Python<'_>,
        server_first: &[u8],
        credentials: &Credentials,
        now: &Bound<'_, PyAny>,
    ) -> PyResult<String> {
        let now = unix_time(now)?;
        let creds = credentials.core().py(py)?;
        let v = into_vec(1024, |out| {
            self.inner.canonical_request(server_first, &creds, now, out)
        })
        .py(py)?;
        utf8(py, v)
    }

    fn string_to_sign(
        &self,
        py: Python<'_>,
        server_first: &[u8],
        credentials: &Credentials,
        now: &Bound<'_, PyAny>,
    ) -> PyResult<String> {
        let now = unix_time(now)?;
        let creds = credentials.core().py(py)?;
        let v = into_vec(256, |out| {
            self.inner.string_to_sign(server_first, &creds, now, out)
        })
        .py(py)?;
        utf8(py, v)
    }
}

// ---------------------------------------------------------------------------------------------
// General SigV4
// ---------------------------------------------------------------------------------------------

/// Arguments shared by the SigV4 functions (built by `mongodb_aws.sign_v4` and friends).
struct SigV4Args<'a> {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: &'a [u8],
    payload_hash: Option<String>,
    unsigned_payload: bool,
    region: String,
    service: String,
    now: UnixTime,
    settings: Settings,
}

impl SigV4Args<'_> {
    fn size(&self, creds: &Credentials) -> usize {
        self.body.len()
            + creds.token_len()
            + self
                .headers
                .iter()
                .map(|(n, v)| n.len() + v.len())
                .sum::<usize>()
    }

    /// Calls `f` with the core request, credentials and scope.
    fn with<R>(
        &self,
        creds: &Credentials,
        f: impl FnOnce(&Request<'_>, &CoreCredentials<'_>, &Scope<'_>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let payload = if self.unsigned_payload {
            Payload::Unsigned
        } else if let Some(h) = &self.payload_hash {
            Payload::Hash(h)
        } else {
            Payload::Bytes(self.body)
        };
        let req = Request {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &headers,
            payload,
        };
        let c = creds.core()?;
        let scope = Scope::new(AmzDate::from_unix(self.now)?, &self.region, &self.service)?;
        f(&req, &c, &scope)
    }
}

/// One private entry point for the SigV4 family; `op` is "sign", "canonical_request",
/// "string_to_sign" or "presign". Returns, for "sign", `(signature, authorization, amz_date,
/// payload_hash_or_None)`; for "presign", `(signature, query)`; otherwise the text.
#[pyfunction(name = "sigv4")]
#[pyo3(signature = (op, method, path, query, headers, body, payload_hash, unsigned_payload,
                    credentials, region, service, now, normalize_path, double_encode_path,
                    sign_session_token, content_sha256_header, expires))]
#[allow(clippy::too_many_arguments)]
fn sigv4_op<'py>(
    py: Python<'py>,
    op: &str,
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: &[u8],
    payload_hash: Option<String>,
    unsigned_payload: bool,
    credentials: &Credentials,
    region: String,
    service: String,
    now: &Bound<'py, PyAny>,
    normalize_path: bool,
    double_encode_path: bool,
    sign_session_token: bool,
    content_sha256_header: bool,
    expires: u32,
) -> PyResult<Bound<'py, PyTuple>> {
    let mut args = SigV4Args {
        method,
        path,
        query,
        headers,
        body,
        payload_hash,
        unsigned_payload,
        region,
        service,
        now: unix_time(now)?,
        settings: Settings {
            normalize_path,
            uri_encoding: if double_encode_path {
                UriEncoding::Double
            } else {
                UriEncoding::Single
            },
            session_token: if sign_session_token {
                SessionTokenMode::Signed
            } else {
                SessionTokenMode::Omitted
            },
            content_sha256_header,
        },
    };
    enum Out {
        Sign(String, String, String, Option<String>),
        Text(String),
        Presign(String, String),
    }
    let detach = args.size(credentials) > DETACH_THRESHOLD;
    let op = op.to_owned();
    let mut work = move || -> Result<Out, Error> {
        // With `x-amz-content-sha256`, the body is hashed once here and handed to the core as a
        // precomputed hash, so that the header value and the signed hash are the same bytes.
        if args.settings.content_sha256_header
            && !args.unsigned_payload
            && args.payload_hash.is_none()
        {
            args.payload_hash = Some(hex::encode(Sha256::digest(args.body)));
        }
        let text = |v: Vec<u8>| String::from_utf8(v).map_err(|_| Error::LengthOverflow);
        match op.as_str() {
            "sign" => args.with(credentials, |req, c, scope| {
                let key = credentials.signing_key(scope)?;
                let sig = sigv4::sign(req, c, scope, &args.settings, Some(&key))?;
                let authz = into_vec(512, |out| {
                    sigv4::authorization(req, c, scope, &args.settings, &sig, out)
                })?;
                let hash = if args.unsigned_payload {
                    Some(sigv4::UNSIGNED_PAYLOAD.to_owned())
                } else {
                    args.payload_hash.clone()
                };
                Ok(Out::Sign(
                    sig.hex().as_str().to_owned(),
                    text(authz)?,
                    scope.time().as_str().to_owned(),
                    hash,
                ))
            }),
            "canonical_request" => args.with(credentials, |req, c, scope| {
                let v = into_vec(2048, |out| {
                    sigv4::canonical_request(req, c, scope, &args.settings, out)
                })?;
                Ok(Out::Text(text(v)?))
            }),
            "string_to_sign" => args.with(credentials, |req, c, scope| {
                let v = into_vec(512, |out| {
                    sigv4::string_to_sign(req, c, scope, &args.settings, out)
                })?;
                Ok(Out::Text(text(v)?))
            }),
            "presign" => args.with(credentials, |req, c, scope| {
                let key = credentials.signing_key(scope)?;
                let mut sig = None;
                let v = into_vec(2048, |out| {
                    let (n, s) =
                        sigv4::presign(req, c, scope, &args.settings, expires, Some(&key), out)?;
                    sig = Some(s);
                    Ok(n)
                })?;
                let sig = sig.ok_or(Error::LengthOverflow)?;
                Ok(Out::Presign(sig.hex().as_str().to_owned(), text(v)?))
            }),
            "presign_canonical_request" => args.with(credentials, |req, c, scope| {
                let v = into_vec(2048, |out| {
                    sigv4::presign_canonical_request(req, c, scope, &args.settings, expires, out)
                })?;
                Ok(Out::Text(text(v)?))
            }),
            _ => Err(Error::InvalidParameter),
        }
    };
    let out = if detach { py.detach(work) } else { work() }.py(py)?;
    match out {
        Out::Sign(sig, authz, date, hash) => (sig, authz, date, hash).into_pyobject(py),
        Out::Text(t) => (t,).into_pyobject(py),
        Out::Presign(sig, q) => (sig, q).into_pyobject(py),
    }
}

// ---------------------------------------------------------------------------------------------
// STS
// ---------------------------------------------------------------------------------------------

/// Validates an STS host as it appears in server-first (1..=255 bytes, no empty label, host
/// characters only).
#[pyfunction]
fn validate_sts_host(py: Python<'_>, host: &Bound<'_, PyString>) -> PyResult<()> {
    let host = host.to_cow()?;
    sts::validate_host(&host).py(py)
}

/// The signing region for an STS host (the MONGODB-AWS region rule).
#[pyfunction]
fn sts_region(py: Python<'_>, host: &Bound<'_, PyString>) -> PyResult<String> {
    let host = host.to_cow()?;
    Ok(sts::region_for_host(&host).py(py)?.to_owned())
}

// ---------------------------------------------------------------------------------------------
// Server side (a MongoDB-compatible server or proxy verifying MONGODB-AWS clients)
// ---------------------------------------------------------------------------------------------

/// The server side of one MONGODB-AWS conversation (native part; `mongodb_aws.ServerConversation`
/// adds the defaults).
#[pyclass(
    subclass,
    frozen,
    module = "mongodb_aws._mongodb_aws",
    name = "ServerConversation"
)]
pub struct ServerConversation {
    inner: server::ServerConversation,
}

/// What a server forwards to STS for a checked client-final.
#[pyclass(frozen, module = "mongodb_aws", name = "StsRequest")]
pub struct StsRequest {
    host: String,
    headers: Vec<(&'static str, String)>,
    http: Vec<u8>,
    access_key_id: String,
    session_token: Option<String>,
    amz_date: String,
}

#[pymethods]
impl StsRequest {
    /// `POST`.
    #[getter]
    fn method(&self) -> &'static str {
        server::StsRequest::METHOD
    }
    /// `/`.
    #[getter]
    fn path(&self) -> &'static str {
        server::StsRequest::PATH
    }
    #[getter]
    fn host(&self) -> &str {
        &self.host
    }
    #[getter]
    fn headers(&self) -> Vec<(&'static str, String)> {
        self.headers.clone()
    }
    #[getter]
    fn body<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, sts::GET_CALLER_IDENTITY_BODY.as_bytes())
    }
    /// The whole HTTP/1.1 request, for a raw socket.
    #[getter]
    fn http<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.http)
    }
    #[getter]
    fn access_key_id(&self) -> &str {
        &self.access_key_id
    }
    #[getter]
    fn session_token(&self) -> Option<&str> {
        self.session_token.as_deref()
    }
    #[getter]
    fn amz_date(&self) -> &str {
        &self.amz_date
    }
    fn __repr__(&self) -> String {
        format!(
            "StsRequest(host='{}', access_key_id='{}', amz_date='{}')",
            self.host, self.access_key_id, self.amz_date
        )
    }
}

#[pymethods]
impl ServerConversation {
    #[new]
    fn new(
        py: Python<'_>,
        client_first: &[u8],
        server_random: &[u8],
        sts_host: &str,
    ) -> PyResult<Self> {
        let random: [u8; 32] = server_random
            .try_into()
            .map_err(|_| py_err(py, Error::InvalidParameter))?;
        Ok(ServerConversation {
            inner: server::ServerConversation::new(client_first, random, sts_host).py(py)?,
        })
    }

    /// The server-first payload `{s, h}`.
    fn server_first<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let mut out = [0u8; MAX_SERVER_FIRST_LEN];
        let n = self.inner.server_first(&mut out).py(py)?;
        Ok(PyBytes::new(py, out.get(..n).unwrap_or(&[])))
    }

    #[getter]
    fn server_nonce<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.server_nonce())
    }
    #[getter]
    fn server_nonce_base64(&self) -> &str {
        self.inner.server_nonce_base64()
    }
    #[getter]
    fn sts_host(&self) -> &str {
        self.inner.sts_host()
    }
    #[getter]
    fn region(&self) -> &str {
        self.inner.region()
    }
    /// The client's channel-binding flag as sent in the forwarded request (`"n"` or `"y"`).
    #[getter]
    fn gs2_flag(&self) -> &'static str {
        self.inner.client_first().gs2_flag()
    }

    /// Checks client-final (the server's rules, and `X-Amz-Date` within `max_skew_seconds` of `now`)
    /// and returns the request to forward to STS.
    fn client_final(
        &self,
        py: Python<'_>,
        client_final: &[u8],
        now: &Bound<'_, PyAny>,
        max_skew_seconds: u64,
    ) -> PyResult<StsRequest> {
        let now = unix_time(now)?;
        let work = || -> Result<StsRequest, Error> {
            let cf = self.inner.client_final(client_final)?;
            cf.check_time(now, max_skew_seconds)?;
            let req = self.inner.sts_request(&cf);
            let mut http = vec![0u8; req.http_len()];
            let n = req.write_http(&mut http)?;
            http.truncate(n);
            Ok(StsRequest {
                host: req.host().to_owned(),
                headers: req.headers().map(|(k, v)| (k, v.to_owned())).collect(),
                http,
                access_key_id: cf.access_key_id().to_owned(),
                session_token: cf.session_token().map(str::to_owned),
                amz_date: cf.date().as_str().to_owned(),
            })
        };
        if client_final.len() > DETACH_THRESHOLD {
            py.detach(work)
        } else {
            work()
        }
        .py(py)
    }
}

// ---------------------------------------------------------------------------------------------
// STS side (a stand-in for STS verifying a forwarded GetCallerIdentity request, core `verify`)
// ---------------------------------------------------------------------------------------------

/// A GetCallerIdentity request as an STS stand-in received it, checked by the core's `inspect`
/// (native part; `mongodb_aws.IncomingStsRequest` adds the clock default to `verify`).
#[pyclass(
    subclass,
    frozen,
    module = "mongodb_aws._mongodb_aws",
    name = "IncomingStsRequest"
)]
pub struct IncomingStsRequest {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    found: Inspected,
}

/// What `inspect` found in the request, owned.
#[derive(Default)]
struct Inspected {
    access_key_id: String,
    host: String,
    region: String,
    session_token: Option<String>,
    server_nonce: Option<String>,
    amz_date: String,
    date: u64,
}

impl IncomingStsRequest {
    /// Runs `f` on the core's view of the request (inspected again: it borrows from `self`).
    fn inspected<T>(
        &self,
        f: impl FnOnce(&verify::SignedRequest<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let signed = verify::inspect(verify::IncomingRequest {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &headers,
            body: &self.body,
        })?;
        f(&signed)
    }
}

#[pymethods]
impl IncomingStsRequest {
    /// Checks what needs no secret (`POST /` with the GetCallerIdentity body, one `Authorization`
    /// whose scope matches `X-Amz-Date` and the region of `Host`, the signed headers present, a
    /// token only if signed).
    #[new]
    fn new(
        py: Python<'_>,
        method: String,
        path: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        query: String,
    ) -> PyResult<Self> {
        let mut req = IncomingStsRequest {
            method,
            path,
            query,
            headers,
            body,
            found: Inspected::default(),
        };
        req.found = req
            .inspected(|s| {
                Ok(Inspected {
                    access_key_id: s.access_key_id().to_owned(),
                    host: s.host().to_owned(),
                    region: s.region().to_owned(),
                    session_token: s.session_token().map(str::to_owned),
                    server_nonce: s.server_nonce().map(str::to_owned),
                    amz_date: s.date().as_str().to_owned(),
                    date: s.date().to_unix().0,
                })
            })
            .py(py)?;
        Ok(req)
    }

    /// The secret-dependent checks: the date within 15 minutes of `now`, the session token equal to
    /// `session_token` (both absent match), the signature recomputed with `secret` equal to the
    /// request's (constant-time comparisons).
    fn verify(
        &self,
        py: Python<'_>,
        secret: &str,
        session_token: Option<&str>,
        now: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let now = unix_time(now)?;
        let work = || self.inspected(|s| s.verify(secret, session_token, now));
        let size: usize = self.headers.iter().map(|(n, v)| n.len() + v.len()).sum();
        if size > DETACH_THRESHOLD {
            py.detach(work)
        } else {
            work()
        }
        .py(py)
    }

    #[getter]
    fn access_key_id(&self) -> &str {
        &self.found.access_key_id
    }
    #[getter]
    fn host(&self) -> &str {
        &self.found.host
    }
    #[getter]
    fn region(&self) -> &str {
        &self.found.region
    }
    #[getter]
    fn session_token(&self) -> Option<&str> {
        self.found.session_token.as_deref()
    }
    #[getter]
    fn server_nonce(&self) -> Option<&str> {
        self.found.server_nonce.as_deref()
    }
    #[getter]
    fn amz_date(&self) -> &str {
        &self.found.amz_date
    }
    #[getter]
    fn date(&self) -> u64 {
        self.found.date
    }
    fn __repr__(&self) -> String {
        format!(
            "IncomingStsRequest(host='{}', access_key_id='{}', amz_date='{}')",
            self.found.host, self.found.access_key_id, self.found.amz_date
        )
    }
}

/// Parses STS's reply to GetCallerIdentity: `(arn, user_id, account)` on success; a rejection is
/// the core's `STS_REJECTED` with STS's error code appended to the message.
#[pyfunction]
fn parse_caller_identity(
    py: Python<'_>,
    status: u16,
    body: &[u8],
) -> PyResult<(String, Option<String>, Option<String>)> {
    let mut scratch = vec![0u8; body.len()];
    match caller_identity::parse_reply(status, body, &mut scratch).py(py)? {
        caller_identity::StsReply::Identity(i) => Ok((
            i.arn.to_owned(),
            i.user_id.map(str::to_owned),
            i.account.map(str::to_owned),
        )),
        caller_identity::StsReply::Rejected(e) => {
            let err = py_err(py, Error::StsRejected);
            // The code is an identifier such as SignatureDoesNotMatch (no request data in it).
            if e.code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.')
            {
                let value = err.value(py);
                let msg = format!("{} ({})", Error::StsRejected, e.code);
                value.setattr("args", (msg,))?;
                value.setattr("sts_code", e.code)?;
            }
            Err(err)
        }
    }
}

/// The MongoDB `$external` user name for a caller ARN (assumed-role sessions map to `.../ROLE/*`).
#[pyfunction]
fn user_name(py: Python<'_>, arn: &str) -> PyResult<String> {
    Ok(caller_identity::user_name(arn).py(py)?.to_string())
}

// ---------------------------------------------------------------------------------------------
// Module
// ---------------------------------------------------------------------------------------------

#[pymodule]
fn _mongodb_aws(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("STS_DEFAULT_HOST", sts::DEFAULT_HOST)?;
    m.add("STS_SERVICE", sts::SERVICE)?;
    m.add("GET_CALLER_IDENTITY_BODY", sts::GET_CALLER_IDENTITY_BODY)?;
    m.add("DETACH_THRESHOLD", DETACH_THRESHOLD)?;
    m.add("MAX_PRESIGN_EXPIRES", sigv4::MAX_PRESIGN_EXPIRES)?;
    m.add_class::<Credentials>()?;
    m.add_class::<ServerFirst>()?;
    m.add_class::<ClientConversation>()?;
    m.add_function(wrap_pyfunction!(sigv4_op, m)?)?;
    m.add_function(wrap_pyfunction!(validate_sts_host, m)?)?;
    m.add_function(wrap_pyfunction!(sts_region, m)?)?;
    m.add_function(wrap_pyfunction!(error_table, m)?)?;
    chain::register(m)?;
    m.add("MAX_CLOCK_SKEW_SECONDS", server::MAX_CLOCK_SKEW_SECONDS)?;
    m.add_class::<ServerConversation>()?;
    m.add_class::<StsRequest>()?;
    m.add_class::<IncomingStsRequest>()?;
    m.add_function(wrap_pyfunction!(parse_caller_identity, m)?)?;
    m.add_function(wrap_pyfunction!(user_name, m)?)?;
    Ok(())
}
