//! General AWS Signature Version 4: `SigV4Request`, one request with its scope and settings, and
//! one typed method per operation (sign, presign and their diagnostics).

use crate::credentials::Credentials;
use crate::detach_if_large;
use crate::errors::{into_vec, unix_time, IntoPy};
use mongodb_aws_core::sigv4::{
    self, Payload, Request, Scope, SessionTokenMode, Settings, UriEncoding,
};
use mongodb_aws_core::time::{AmzDate, UnixTime};
use mongodb_aws_core::{Credentials as CoreCredentials, Error};
use pyo3::prelude::*;
use sha2::{Digest, Sha256};

/// An HTTP request to sign with SigV4, its credential scope and the signer's settings (native part
/// of `mongodb_aws.sign_v4` and friends, which split the URL and add the headers).
#[pyclass(frozen, module = "mongodb_aws._mongodb_aws", name = "SigV4Request")]
pub struct SigV4Request {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// The payload's hash when given, or computed here for `x-amz-content-sha256`.
    payload_hash: Option<String>,
    unsigned_payload: bool,
    region: String,
    service: String,
    now: UnixTime,
    settings: Settings,
}

impl SigV4Request {
    fn size(&self, creds: &Credentials) -> usize {
        self.body.len()
            + creds.token_len()
            + self
                .headers
                .iter()
                .map(|(n, v)| n.len() + v.len())
                .sum::<usize>()
    }

    /// Runs `f` with the core request, credentials and scope, with the GIL released when the
    /// inputs are large.
    fn run<R: Send>(
        &self,
        py: Python<'_>,
        creds: &Credentials,
        f: impl FnOnce(&Request<'_>, &CoreCredentials<'_>, &Scope<'_>) -> Result<R, Error> + Send,
    ) -> PyResult<R> {
        let work = || {
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
                Payload::Bytes(&self.body)
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
            f(&req, c, &scope)
        };
        detach_if_large(py, self.size(creds), work).py(py)
    }
}

fn text(v: Vec<u8>) -> Result<String, Error> {
    // Core output is ASCII (or the caller's own UTF-8) by construction.
    String::from_utf8(v).map_err(|_| Error::LengthOverflow)
}

#[pymethods]
impl SigV4Request {
    #[new]
    #[pyo3(signature = (method, path, query, headers, body, *, region, service, now,
                        payload_hash=None, unsigned_payload=false, normalize_path=true,
                        double_encode_path=true, sign_session_token=true,
                        content_sha256_header=false))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        method: String,
        path: String,
        query: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        region: String,
        service: String,
        now: &Bound<'_, PyAny>,
        payload_hash: Option<String>,
        unsigned_payload: bool,
        normalize_path: bool,
        double_encode_path: bool,
        sign_session_token: bool,
        content_sha256_header: bool,
    ) -> PyResult<Self> {
        // With `x-amz-content-sha256`, the body is hashed once here and handed to the core as a
        // precomputed hash, so that the header value and the signed hash are the same bytes.
        let payload_hash = match payload_hash {
            None if content_sha256_header && !unsigned_payload => {
                let hash = |b: &[u8]| hex::encode(Sha256::digest(b));
                Some(detach_if_large(py, body.len(), || hash(&body)))
            }
            given => given,
        };
        Ok(SigV4Request {
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
        })
    }

    /// Signs for header authentication: `(signature, authorization, amz_date, payload_hash)`,
    /// the payload hash being the one sent in `x-amz-content-sha256` (or `UNSIGNED-PAYLOAD`), if any.
    fn sign(
        &self,
        py: Python<'_>,
        credentials: &Credentials,
    ) -> PyResult<(String, String, String, Option<String>)> {
        self.run(py, credentials, |req, c, scope| {
            let key = credentials.signing().signing_key(scope)?;
            let sig = sigv4::sign(req, c, scope, &self.settings, Some(&key))?;
            let authz = into_vec(512, |out| {
                sigv4::authorization(req, c, scope, &self.settings, &sig, out)
            })?;
            let hash = if self.unsigned_payload {
                Some(sigv4::UNSIGNED_PAYLOAD.to_owned())
            } else {
                self.payload_hash.clone()
            };
            Ok((
                sig.hex().as_str().to_owned(),
                text(authz)?,
                scope.time().as_str().to_owned(),
                hash,
            ))
        })
    }

    /// Presigns for `expires` seconds: `(signature, query parameters)`.
    fn presign(
        &self,
        py: Python<'_>,
        credentials: &Credentials,
        expires: u32,
    ) -> PyResult<(String, String)> {
        self.run(py, credentials, |req, c, scope| {
            let key = credentials.signing().signing_key(scope)?;
            let mut sig = None;
            let v = into_vec(2048, |out| {
                let (n, s) =
                    sigv4::presign(req, c, scope, &self.settings, expires, Some(&key), out)?;
                sig = Some(s);
                Ok(n)
            })?;
            let sig = sig.ok_or(Error::LengthOverflow)?;
            Ok((sig.hex().as_str().to_owned(), text(v)?))
        })
    }

    /// The canonical request `sign` signs (diagnostics).
    fn canonical_request(&self, py: Python<'_>, credentials: &Credentials) -> PyResult<String> {
        self.run(py, credentials, |req, c, scope| {
            text(into_vec(2048, |out| {
                sigv4::canonical_request(req, c, scope, &self.settings, out)
            })?)
        })
    }

    /// The canonical request `presign` signs for `expires` seconds (diagnostics).
    fn presign_canonical_request(
        &self,
        py: Python<'_>,
        credentials: &Credentials,
        expires: u32,
    ) -> PyResult<String> {
        self.run(py, credentials, |req, c, scope| {
            text(into_vec(2048, |out| {
                sigv4::presign_canonical_request(req, c, scope, &self.settings, expires, out)
            })?)
        })
    }

    /// The string to sign of `sign` (diagnostics).
    fn string_to_sign(&self, py: Python<'_>, credentials: &Credentials) -> PyResult<String> {
        self.run(py, credentials, |req, c, scope| {
            text(into_vec(512, |out| {
                sigv4::string_to_sign(req, c, scope, &self.settings, out)
            })?)
        })
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<SigV4Request>()?;
    Ok(())
}
