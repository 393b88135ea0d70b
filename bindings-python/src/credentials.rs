//! `Credentials`: AWS credentials validated by the core, kept with their signing-key cache by the
//! runtime's owned layer (`mongodb_aws::owned::SigningCredentials`).

use crate::errors::{unix_time, IntoPy};
use mongodb_aws::owned::SigningCredentials;
use mongodb_aws_core::time::UnixTime;
use mongodb_aws_core::{cache, Credentials as CoreCredentials, Error};
use pyo3::prelude::*;
use std::sync::Arc;

/// AWS credentials, validated by the core. The secret and the token never appear in `repr()`.
#[pyclass(frozen, module = "mongodb_aws", name = "Credentials")]
pub struct Credentials {
    /// The credentials and the signing key of their last signature.
    inner: SigningCredentials,
    /// Where they came from (`Source::name()`, e.g. `"ecs"`), `None` when built by the caller.
    source: Option<&'static str>,
    /// Whether the credential chain served them from the process-wide cache.
    from_cache: bool,
}

impl Credentials {
    /// Credentials the runtime resolved (`from_cache`: they were served from the cache).
    pub(crate) fn from_runtime(c: &mongodb_aws::Credentials, from_cache: bool) -> Self {
        Credentials {
            // The runtime's credentials were validated when it built them.
            inner: SigningCredentials::shared(Arc::new(c.clone())),
            source: Some(c.source().name()),
            from_cache,
        }
    }

    /// Credentials the caller built.
    fn built(inner: SigningCredentials) -> Self {
        Credentials {
            inner,
            source: None,
            from_cache: false,
        }
    }

    /// The runtime's form (for AssumeRole's base credentials).
    pub(crate) fn to_runtime(&self) -> Result<mongodb_aws::Credentials, mongodb_aws::Error> {
        Ok((**self.inner.credentials()).clone())
    }

    /// The owned layer: the core's view and the signing-key cache.
    pub(crate) fn signing(&self) -> &SigningCredentials {
        &self.inner
    }

    /// The core's validated view.
    pub(crate) fn core(&self) -> Result<&CoreCredentials<'_>, Error> {
        self.inner.core()
    }

    /// The runtime's credentials.
    fn kept(&self) -> &mongodb_aws::Credentials {
        self.inner.credentials()
    }

    pub(crate) fn token(&self) -> Option<&str> {
        self.kept().session_token()
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
        let inner = SigningCredentials::new(
            access_key_id,
            secret_access_key,
            session_token,
            expiration.map(UnixTime),
        )
        .py(py)?;
        Ok(Credentials::built(inner))
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
        let inner = SigningCredentials::from_parts(access_key_id, secret_access_key, session_token)
            .py(py)?;
        Ok(Credentials::built(inner))
    }

    #[getter]
    fn access_key_id(&self) -> &str {
        self.kept().access_key_id()
    }

    #[getter]
    fn secret_access_key(&self) -> &str {
        self.kept().secret_access_key()
    }

    #[getter]
    fn session_token(&self) -> Option<&str> {
        self.token()
    }

    /// Unix seconds when these credentials expire, or `None`.
    #[getter]
    fn expiration(&self) -> Option<u64> {
        self.kept().expiration().map(|t| t.0)
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
        self.kept().origin().map(|o| o.profile.as_str())
    }

    /// The file that holds that profile, or `None`.
    #[getter]
    fn origin_file(&self) -> Option<&str> {
        self.kept().origin().map(|o| o.file.as_str())
    }

    /// The 1-based line of that profile's section header, or `None`.
    #[getter]
    fn origin_line(&self) -> Option<u32> {
        self.kept().origin().map(|o| o.line)
    }

    /// What to add when a server refuses a MONGODB-AWS authentication with these credentials: the
    /// source, the access key id and the `$external` user the server looks up (the runtime's one
    /// text, `mongodb_aws::Credentials::refusal_hint`).
    fn refusal_hint(&self) -> String {
        match self.source {
            Some(_) => self.kept().refusal_hint(),
            None => mongodb_aws::refusal_hint_for(
                None,
                self.kept().access_key_id(),
                self.token().is_some(),
                None,
                None,
            ),
        }
    }

    /// Whether they may still be used at `now` (the cache rule: more than 5 minutes before
    /// expiry; credentials without expiry always are).
    fn is_fresh(&self, now: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(cache::is_fresh(self.kept().expiration(), unix_time(now)?))
    }

    fn __repr__(&self) -> String {
        let token = if self.token().is_some() {
            "'<redacted>'"
        } else {
            "None"
        };
        format!(
            // Access key ids are ASCII letters and digits: quoting them is Python's repr.
            "Credentials(access_key_id='{}', secret_access_key='<redacted>', session_token={token})",
            self.kept().access_key_id()
        )
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        match other.cast::<Credentials>() {
            Ok(o) => {
                let o = o.get();
                let (a, b) = (self.kept(), o.kept());
                a.access_key_id() == b.access_key_id()
                    && a.secret_access_key() == b.secret_access_key()
                    && a.session_token() == b.session_token()
            }
            Err(_) => false,
        }
    }

    /// Hashes the public parts only (equal credentials still hash equal).
    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.kept().access_key_id().hash(&mut h);
        self.token().hash(&mut h);
        h.finish()
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Credentials>()?;
    Ok(())
}
