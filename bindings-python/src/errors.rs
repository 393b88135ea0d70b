//! Core and runtime errors as Python exceptions, and the conversions every module shares
//! (buffers sized by the core, unix time from an `int` or `float`).

use mongodb_aws_core::time::{UnixTime, MAX_UNIX_SECONDS};
use mongodb_aws_core::Error;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyFloat, PyInt};

static FROM_CORE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The Python exception for a core error: `mongodb_aws._errors._from_core(message, name, number)`
/// picks the family subclass of `MongoDBAWSError`.
pub(crate) fn py_err(py: Python<'_>, e: Error) -> PyErr {
    error_of(py, &e.to_string(), e.name(), e.code())
}

/// The Python exception for a runtime error: its code and number, its full message.
pub(crate) fn runtime_err(py: Python<'_>, e: &mongodb_aws::Error) -> PyErr {
    error_of(py, e.message(), e.code(), e.number())
}

fn error_of(py: Python<'_>, message: &str, name: &str, number: u32) -> PyErr {
    let make = || -> PyResult<PyErr> {
        let f = FROM_CORE.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
            Ok(py
                .import("mongodb_aws._errors")?
                .getattr("_from_core")?
                .unbind())
        })?;
        let exc = f.bind(py).call1((message, name, number))?;
        Ok(PyErr::from_value(exc))
    };
    make().unwrap_or_else(|err| err)
}

pub(crate) trait IntoPy<T> {
    fn py(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPy<T> for Result<T, Error> {
    fn py(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| py_err(py, e))
    }
}

/// Every core error as `(number, name, message)`, in number order (for tests and documentation).
#[pyfunction]
fn error_table() -> Vec<(u32, &'static str, &'static str)> {
    Error::ALL
        .iter()
        .map(|e| (e.code(), e.name(), e.message()))
        .collect()
}

/// Runs `f` with a growing buffer until it fits (the core reports the exact size it needs).
pub(crate) fn into_vec(
    initial: usize,
    mut f: impl FnMut(&mut [u8]) -> Result<usize, Error>,
) -> Result<Vec<u8>, Error> {
    let mut buf = vec![0u8; initial];
    let n = match f(&mut buf) {
        Err(Error::BufferTooSmall { needed }) => {
            buf = vec![0u8; needed];
            f(&mut buf)?
        }
        other => other?,
    };
    buf.truncate(n);
    Ok(buf)
}

pub(crate) fn utf8(py: Python<'_>, bytes: Vec<u8>) -> PyResult<String> {
    // Core output is ASCII by construction; anything else is an internal error.
    String::from_utf8(bytes).map_err(|_| py_err(py, Error::LengthOverflow))
}

/// Unix seconds from a Python `int` or `float` (floored). Negative, non-finite or beyond
/// 9999-12-31 values are the core's `INVALID_TIME`.
pub(crate) fn unix_time(now: &Bound<'_, PyAny>) -> PyResult<UnixTime> {
    let py = now.py();
    if now.is_instance_of::<PyInt>() {
        return match now.extract::<u64>() {
            Ok(t) => Ok(UnixTime(t)),
            Err(_) => Err(py_err(py, Error::InvalidTime)),
        };
    }
    if now.is_instance_of::<PyFloat>() {
        let t: f64 = now.extract()?;
        if !t.is_finite() || t < 0.0 || t.floor() > MAX_UNIX_SECONDS as f64 {
            return Err(py_err(py, Error::InvalidTime));
        }
        return Ok(UnixTime(t.floor() as u64));
    }
    Err(PyTypeError::new_err(
        "now must be unix seconds as an int or float",
    ))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(error_table, m)?)?;
    Ok(())
}
