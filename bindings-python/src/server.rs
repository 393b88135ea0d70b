//! The server side (a MongoDB-compatible server or proxy verifying MONGODB-AWS clients):
//! `ServerConversation` and the `StsRequest` it forwards.

use crate::detach_if_large;
use crate::errors::{py_err, unix_time, IntoPy};
use mongodb_aws::owned::ForwardedStsRequest;
use mongodb_aws_core::sasl::client::MAX_SERVER_FIRST_LEN;
use mongodb_aws_core::sasl::server;
use mongodb_aws_core::Error;
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

/// What a server forwards to STS for a checked client-final (the owned layer's
/// `ForwardedStsRequest`).
#[pyclass(frozen, module = "mongodb_aws", name = "StsRequest")]
pub struct StsRequest {
    inner: ForwardedStsRequest,
}

pymethods_with_getters! {
    impl StsRequest {
        getters {
            /// `POST`.
            method: &'static str,
            /// `/`.
            path: &'static str,
            host: &str,
            access_key_id: &str,
            session_token: Option<&str>,
            amz_date: &str,
        }
        bytes {
            body,
            /// The whole HTTP/1.1 request, for a raw socket.
            http,
        }

        #[getter]
        fn headers(&self) -> Vec<(&'static str, String)> {
            self.inner.headers().to_vec()
        }
        fn __repr__(&self) -> String {
            let r = &self.inner;
            crate::request_repr("StsRequest", r.host(), r.access_key_id(), r.amz_date())
        }
    }
}

pymethods_with_getters! {
    impl ServerConversation {
        getters { server_nonce_base64: &str, sts_host: &str, region: &str }
        bytes { server_nonce }

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
            let work = || {
                ForwardedStsRequest::new(&self.inner, client_final, now, max_skew_seconds)
                    .map(|inner| StsRequest { inner })
            };
            detach_if_large(py, client_final.len(), work).py(py)
        }
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ServerConversation>()?;
    m.add_class::<StsRequest>()?;
    Ok(())
}
