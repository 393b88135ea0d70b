//! The client side of the conversation: `ClientConversation` and its parsed `ServerFirst`.

use crate::credentials::Credentials;
use crate::errors::{into_vec, py_err, unix_time, utf8, IntoPy};
use crate::DETACH_THRESHOLD;
use mongodb_aws_core::sasl::client::{
    ClientConversation as CoreConversation, CLIENT_NONCE_LEN, SERVER_NONCE_BASE64_LEN,
};
use mongodb_aws_core::time::AmzDate;
use mongodb_aws_core::Error;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

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

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ServerFirst>()?;
    m.add_class::<ClientConversation>()?;
    Ok(())
}
