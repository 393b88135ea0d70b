//! `Credentials`: AWS credentials validated by the core.

use crate::errors::{unix_time, IntoPy};
use mongodb_aws_core::sigv4::{Scope, SigningKey};
use mongodb_aws_core::time::UnixTime;
use mongodb_aws_core::{cache, Credentials as CoreCredentials, Error};
use pyo3::prelude::*;
use std::sync::Mutex;
use zeroize::Zeroizing;

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
    /// The runtime's diagnosis for a refused authentication (source, key, `$external` user as far
    /// as the ARN or instance role tells), computed when the chain answered.
    refusal_hint: Option<String>,
    /// The signing key of the last signature made with these credentials (per date/region/service).
    key: Mutex<Option<SigningKey>>,
}

impl Credentials {
    pub(crate) fn from_core(c: &CoreCredentials<'_>) -> Self {
        Credentials {
            access_key_id: c.access_key_id().to_owned(),
            secret_access_key: Zeroizing::new(c.secret_access_key().to_owned()),
            session_token: c.session_token().map(|t| Zeroizing::new(t.to_owned())),
            expiration: None,
            source: None,
            from_cache: false,
            refusal_hint: None,
            key: Mutex::new(None),
        }
    }

    /// A copy of the runtime's credentials (`from_cache`: they were served from the cache).
    pub(crate) fn from_runtime(c: &mongodb_aws::Credentials, from_cache: bool) -> Self {
        Credentials {
            access_key_id: c.access_key_id().to_owned(),
            secret_access_key: Zeroizing::new(c.secret_access_key().to_owned()),
            session_token: c.session_token().map(|t| Zeroizing::new(t.to_owned())),
            expiration: c.expiration().map(|t| t.0),
            source: Some(c.source().name()),
            from_cache,
            refusal_hint: Some(c.refusal_hint()),
            key: Mutex::new(None),
        }
    }

    /// The runtime's form (for AssumeRole's base credentials).
    pub(crate) fn to_runtime(&self) -> Result<mongodb_aws::Credentials, mongodb_aws::Error> {
        mongodb_aws::Credentials::new(
            &self.access_key_id,
            &self.secret_access_key,
            self.token(),
            self.expiration.map(UnixTime),
        )
    }

    /// The core's view (validated at construction; validation is repeated because the core only
    /// hands out validated values).
    pub(crate) fn core(&self) -> Result<CoreCredentials<'_>, Error> {
        CoreCredentials::new(
            &self.access_key_id,
            self.secret_access_key.as_str(),
            self.token(),
        )
    }

    /// The signing key for `scope`: the cached one if it matches, else a new one (then cached).
    pub(crate) fn signing_key(&self, scope: &Scope<'_>) -> Result<SigningKey, Error> {
        let mut slot = self.key.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(k) = slot.as_ref().filter(|k| k.matches(scope)) {
            return Ok(k.clone());
        }
        let k = SigningKey::derive(self.secret_access_key.as_str(), scope)?;
        *slot = Some(k.clone());
        Ok(k)
    }

    pub(crate) fn token(&self) -> Option<&str> {
        self.session_token.as_ref().map(|t| t.as_str())
    }

    pub(crate) fn token_len(&self) -> usize {
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

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Credentials>()?;
    Ok(())
}
