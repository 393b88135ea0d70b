//! The server side (a MongoDB-compatible server or proxy verifying MONGODB-AWS clients):
//! `ServerConversation` and the `StsRequest` it forwards.

use crate::errors::{py_err, unix_time, IntoPy};
use crate::DETACH_THRESHOLD;
use mongodb_aws_core::sasl::client::MAX_SERVER_FIRST_LEN;
use mongodb_aws_core::sasl::server;
use mongodb_aws_core::{sts, Error};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

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

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ServerConversation>()?;
    m.add_class::<StsRequest>()?;
    Ok(())
}
