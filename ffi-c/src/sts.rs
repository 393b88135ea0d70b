//! STS host validation and the region rule (PROTOCOL.md A3, A4), and the fixed parts of the
//! `GetCallerIdentity` request.

use crate::ffi::{guard, target, text};
use crate::status::mongodb_aws_status;
use core::ffi::c_char;
use mongodb_aws_core::sts;

/// Longest valid STS host in bytes.
pub const MONGODB_AWS_STS_MAX_HOST_LEN: usize = 255;

/// Validates an STS host (the server-first's `h`): 1 to 255 bytes, no empty label (no leading,
/// trailing or doubled `.`), only letters, digits, `-`, `_`, `.` and `:`. Returns `MONGODB_AWS_OK` or
/// `MONGODB_AWS_HOST_EMPTY`, `MONGODB_AWS_HOST_TOO_LONG`, `MONGODB_AWS_HOST_EMPTY_LABEL`,
/// `MONGODB_AWS_HOST_INVALID_CHARACTER` (`MONGODB_AWS_INVALID_UTF8` for non-UTF-8 bytes). Thread-safe.
///
/// # Safety
/// `host` must point to `host_len` readable bytes (or be NULL with 0).
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_sts_validate_host(
    host: *const c_char,
    host_len: usize,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let h = unsafe { text(host, host_len)? };
        Ok(sts::validate_host(h)?)
    })
}

/// The signing region for an STS host (PROTOCOL.md A4): `us-east-1` for exactly `sts.amazonaws.com`,
/// else the second label if the host has a dot, else `us-east-1`; an invalid host gives the errors of
/// `mongodb_aws_sts_validate_host`. On success `*out_region`/`*out_region_len` view the region: a
/// part of `host` (valid as long as it is) or static storage; not NUL-terminated. Written only on
/// success. Thread-safe.
///
/// # Safety
/// `host` must point to `host_len` readable bytes; `out_region` and `out_region_len` must be NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn mongodb_aws_sts_region_for_host(
    host: *const c_char,
    host_len: usize,
    out_region: *mut *const c_char,
    out_region_len: *mut usize,
) -> mongodb_aws_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (h, out_region, out_region_len) = unsafe {
            (
                text(host, host_len)?,
                target(out_region)?,
                target(out_region_len)?,
            )
        };
        let region = sts::region_for_host(h)?;
        *out_region = region.as_ptr().cast();
        *out_region_len = region.len();
        Ok(())
    })
}

const _: () = {
    assert!(MONGODB_AWS_STS_MAX_HOST_LEN == sts::MAX_HOST_LEN);
};
