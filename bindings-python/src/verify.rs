//! The STS side (a stand-in for STS verifying a forwarded GetCallerIdentity request, core
//! `verify`): `IncomingStsRequest`.

use crate::detach_if_large;
use crate::errors::{unix_time, IntoPy};
use mongodb_aws::owned::IncomingStsRequest as OwnedIncomingStsRequest;
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
    inner: OwnedIncomingStsRequest,
}

pymethods_with_getters! {
    impl IncomingStsRequest {
        getters {
            access_key_id: &str,
            host: &str,
            region: &str,
            session_token: Option<&str>,
            server_nonce: Option<&str>,
            amz_date: &str,
        }
        bytes {}

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
            let inner = OwnedIncomingStsRequest::new(method, path, query, headers, body).py(py)?;
            Ok(IncomingStsRequest { inner })
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
            let work = || self.inner.verify(secret, session_token, now);
            detach_if_large(py, self.inner.headers_len(), work).py(py)
        }

        #[getter]
        fn date(&self) -> u64 {
            self.inner.date().0
        }
        fn __repr__(&self) -> String {
            let r = &self.inner;
            crate::request_repr("IncomingStsRequest", r.host(), r.access_key_id(), r.amz_date())
        }
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<IncomingStsRequest>()?;
    Ok(())
}
