//! STS: host validation, the region rule, and GetCallerIdentity replies.

use crate::errors::{py_err, IntoPy};
use mongodb_aws_core::{caller_identity, sts, Error};
use pyo3::prelude::*;
use pyo3::types::PyString;

/// Validates an STS host as it appears in server-first (1..=255 bytes, no empty label, host
/// characters only).
#[pyfunction]
fn validate_sts_host(py: Python<'_>, host: &Bound<'_, PyString>) -> PyResult<()> {
    let host = host.to_cow()?;
    sts::validate_host(&host).py(py)
}

/// The signing region for an STS host (the MONGODB-AWS region rule).
#[pyfunction]
fn sts_region(py: Python<'_>, host: &Bound<'_, PyString>) -> PyResult<String> {
    let host = host.to_cow()?;
    Ok(sts::region_for_host(&host).py(py)?.to_owned())
}
/// Parses STS's reply to GetCallerIdentity: `(arn, user_id, account)` on success; a rejection is
/// the core's `STS_REJECTED` with STS's error code appended to the message.
#[pyfunction]
fn parse_caller_identity(
    py: Python<'_>,
    status: u16,
    body: &[u8],
) -> PyResult<(String, Option<String>, Option<String>)> {
    let mut scratch = vec![0u8; body.len()];
    match caller_identity::parse_reply(status, body, &mut scratch).py(py)? {
        caller_identity::StsReply::Identity(i) => Ok((
            i.arn.to_owned(),
            i.user_id.map(str::to_owned),
            i.account.map(str::to_owned),
        )),
        caller_identity::StsReply::Rejected(e) => {
            let err = py_err(py, Error::StsRejected);
            // The code is an identifier such as SignatureDoesNotMatch (no request data in it).
            if e.code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.')
            {
                let value = err.value(py);
                let msg = format!("{} ({})", Error::StsRejected, e.code);
                value.setattr("args", (msg,))?;
                value.setattr("sts_code", e.code)?;
            }
            Err(err)
        }
    }
}

/// The MongoDB `$external` user name for a caller ARN (assumed-role sessions map to `.../ROLE/*`).
#[pyfunction]
fn user_name(py: Python<'_>, arn: &str) -> PyResult<String> {
    Ok(caller_identity::user_name(arn).py(py)?.to_string())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(validate_sts_host, m)?)?;
    m.add_function(wrap_pyfunction!(sts_region, m)?)?;
    m.add_function(wrap_pyfunction!(parse_caller_identity, m)?)?;
    m.add_function(wrap_pyfunction!(user_name, m)?)?;
    Ok(())
}
