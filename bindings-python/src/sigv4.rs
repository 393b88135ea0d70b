//! General AWS Signature Version 4: sign, presign and their diagnostics.

use crate::credentials::Credentials;
use crate::errors::{into_vec, unix_time, IntoPy};
use crate::DETACH_THRESHOLD;
use mongodb_aws_core::sigv4::{
    self, Payload, Request, Scope, SessionTokenMode, Settings, UriEncoding,
};
use mongodb_aws_core::time::{AmzDate, UnixTime};
use mongodb_aws_core::{Credentials as CoreCredentials, Error};
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use sha2::{Digest, Sha256};

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

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(sigv4_op, m)?)?;
    Ok(())
}
