//! The STS side (a stand-in for STS verifying a forwarded GetCallerIdentity request, core
//! `verify`): `IncomingStsRequest`.

use crate::errors::{unix_time, IntoPy};
use crate::DETACH_THRESHOLD;
use mongodb_aws_core::{verify, Error};
use pyo3::prelude::*;

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

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<IncomingStsRequest>()?;
    Ok(())
}
