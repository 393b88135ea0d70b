//! Python binding of `mongodb-aws-core` and its runtime `mongodb-aws`: the native module
//! `mongodb_aws._mongodb_aws`.
//!
//! Thin by rule (STYLE.md 13): every function here converts Python values, calls exactly one core
//! entry point and converts the result back. The credential functions ([`chain`]) call the
//! runtime's resolver the same way, with the GIL released. Defaults that need the outside world (the clock,
//! `os.urandom`, a URL's host) live in `python/mongodb_aws/__init__.py`. Errors become the Python
//! exception family of the core's error number (`mongodb_aws._errors`), carrying the core's stable
//! `name()` as `.code`, `code()` as `.number` and its `Display` text as the message.
//!
//! The GIL is released around work that depends on input size (hashing a body, a long session
//! token), i.e. when the variable-length inputs of a call exceed [`DETACH_THRESHOLD`] bytes; a
//! client-final with an ordinary token takes about a microsecond, less than releasing and retaking
//! the GIL would cost other threads.
//!
//! One module per concern, each registering its classes and functions (pydantic-core's layout):
//! [`errors`], [`credentials`], [`client`] (the conversation), [`sigv4`], [`sts`], [`server`] (the
//! MongoDB server side), [`verify`] (the STS side) and [`chain`] (credential resolution).

use pyo3::prelude::*;

/// `#[pymethods] impl Class { ... }` for a class wrapping `inner`, with its plain read-only
/// properties listed rather than written out: each `getters` entry `name: Type` is a property
/// returning `self.inner.name()` as it is, each `bytes` entry one returning `self.inner.name()` as
/// Python `bytes`; doc comments on an entry are the property's docstring. The class's other
/// methods follow, written as usual.
macro_rules! pymethods_with_getters {
    (
        impl $class:ident {
            getters { $($(#[$gmeta:meta])* $getter:ident: $ty:ty),* $(,)? }
            bytes { $($(#[$bmeta:meta])* $bytes:ident),* $(,)? }
            $($rest:tt)*
        }
    ) => {
        #[::pyo3::pymethods]
        impl $class {
            $(
                $(#[$gmeta])*
                #[getter]
                fn $getter(&self) -> $ty {
                    self.inner.$getter()
                }
            )*
            $(
                $(#[$bmeta])*
                #[getter]
                fn $bytes<'py>(
                    &self,
                    py: ::pyo3::Python<'py>,
                ) -> ::pyo3::Bound<'py, ::pyo3::types::PyBytes> {
                    ::pyo3::types::PyBytes::new(py, self.inner.$bytes())
                }
            )*
            $($rest)*
        }
    };
}

mod chain;
mod client;
mod credentials;
mod errors;
mod server;
mod sigv4;
mod sts;
mod verify;

pub(crate) use credentials::Credentials;
pub(crate) use errors::runtime_err;

/// Inputs larger than this (bytes of body, headers and token together) are processed with the GIL
/// released.
pub const DETACH_THRESHOLD: usize = 4096;

/// `Class(host='...', access_key_id='...', amz_date='...')`: the repr of the STS requests (the
/// values between single quotes as they are).
pub(crate) fn request_repr(class: &str, host: &str, access_key_id: &str, amz_date: &str) -> String {
    format!("{class}(host='{host}', access_key_id='{access_key_id}', amz_date='{amz_date}')")
}

/// Runs `work`, with the GIL released when the variable-length inputs it depends on (`len` bytes)
/// exceed [`DETACH_THRESHOLD`].
pub(crate) fn detach_if_large<T, F>(py: Python<'_>, len: usize, work: F) -> T
where
    F: pyo3::marker::Ungil + FnOnce() -> T,
    T: pyo3::marker::Ungil,
{
    if len > DETACH_THRESHOLD {
        py.detach(work)
    } else {
        work()
    }
}

#[pymodule]
fn _mongodb_aws(m: &Bound<'_, PyModule>) -> PyResult<()> {
    use mongodb_aws_core::{sasl, sigv4 as core_sigv4, sts as core_sts};
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("STS_DEFAULT_HOST", core_sts::DEFAULT_HOST)?;
    m.add("STS_SERVICE", core_sts::SERVICE)?;
    m.add(
        "GET_CALLER_IDENTITY_BODY",
        core_sts::GET_CALLER_IDENTITY_BODY,
    )?;
    m.add("DETACH_THRESHOLD", DETACH_THRESHOLD)?;
    m.add("MAX_PRESIGN_EXPIRES", core_sigv4::MAX_PRESIGN_EXPIRES)?;
    m.add(
        "MAX_CLOCK_SKEW_SECONDS",
        sasl::server::MAX_CLOCK_SKEW_SECONDS,
    )?;
    errors::register(m)?;
    credentials::register(m)?;
    client::register(m)?;
    sigv4::register(m)?;
    sts::register(m)?;
    chain::register(m)?;
    server::register(m)?;
    verify::register(m)?;
    Ok(())
}
