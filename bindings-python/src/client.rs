//! The client side of the conversation: `ClientConversation` and its parsed `ServerFirst`.

use crate::credentials::Credentials;
use crate::detach_if_large;
use crate::errors::{into_vec, py_err, unix_time, utf8, IntoPy};
use mongodb_aws::owned::ParsedServerFirst;
use mongodb_aws_core::sasl::client::{ClientConversation as CoreConversation, CLIENT_NONCE_LEN};
use mongodb_aws_core::{Credentials as CoreCredentials, Error, UnixTime};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// A validated server-first message (the owned layer's `ParsedServerFirst`).
#[pyclass(frozen, module = "mongodb_aws", name = "ServerFirst")]
pub struct ServerFirst {
    inner: ParsedServerFirst,
}

pymethods_with_getters! {
    impl ServerFirst {
        getters { host: &str, region: &str, server_nonce_base64: &str }
        bytes { server_nonce }

        fn __repr__(&self) -> String {
            format!(
                // Hosts and regions are host characters only: quoting them is Python's repr.
                "ServerFirst(host='{}', region='{}')",
                self.inner.host(),
                self.inner.region()
            )
        }
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
            inner: ParsedServerFirst::new(&sf),
        })
    }

    /// Client-final: server-first parsed once, signed with the credentials' cached key (or a new
    /// one, then cached) by the owned layer.
    fn finish<'py>(
        &self,
        py: Python<'py>,
        server_first: &[u8],
        credentials: &Credentials,
        now: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let now = unix_time(now)?;
        let signing = credentials.signing();
        let work = || -> Result<Vec<u8>, Error> {
            let sf = self.inner.parse_server_first(server_first)?;
            let mut stack = [0u8; 1024];
            match signing.client_final(&self.inner, &sf, now, &mut stack) {
                Ok(n) => Ok(stack.get(..n).unwrap_or(&[]).to_vec()),
                Err(Error::BufferTooSmall { needed }) => {
                    // Nothing was derived or written: sign once, into the exact size.
                    let mut v = vec![0u8; needed];
                    let n = signing.client_final(&self.inner, &sf, now, &mut v)?;
                    v.truncate(n);
                    Ok(v)
                }
                Err(e) => Err(e),
            }
        };
        let out = detach_if_large(py, credentials.token_len(), work);
        Ok(PyBytes::new(py, &out.py(py)?))
    }

    fn canonical_request(
        &self,
        py: Python<'_>,
        server_first: &[u8],
        credentials: &Credentials,
        now: &Bound<'_, PyAny>,
    ) -> PyResult<String> {
        diagnostic(py, server_first, credentials, now, 1024, |sf, c, t, out| {
            self.inner.canonical_request(sf, c, t, out)
        })
    }

    fn string_to_sign(
        &self,
        py: Python<'_>,
        server_first: &[u8],
        credentials: &Credentials,
        now: &Bound<'_, PyAny>,
    ) -> PyResult<String> {
        diagnostic(py, server_first, credentials, now, 256, |sf, c, t, out| {
            self.inner.string_to_sign(sf, c, t, out)
        })
    }
}

/// A diagnostic text of the conversation (`f` writes it), in a buffer of `guess` bytes or the size
/// the core reports.
fn diagnostic(
    py: Python<'_>,
    server_first: &[u8],
    credentials: &Credentials,
    now: &Bound<'_, PyAny>,
    guess: usize,
    mut f: impl FnMut(&[u8], &CoreCredentials<'_>, UnixTime, &mut [u8]) -> Result<usize, Error>,
) -> PyResult<String> {
    let now = unix_time(now)?;
    let creds = credentials.core().py(py)?;
    let v = into_vec(guess, |out| f(server_first, creds, now, out)).py(py)?;
    utf8(py, v)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ServerFirst>()?;
    m.add_class::<ClientConversation>()?;
    Ok(())
}
