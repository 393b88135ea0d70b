//! `libmongodb_aws`: the C ABI of [`mongodb_aws_core`] and the runtime (ARCHITECTURE.md "C ABI
//! conventions").
//!
//! Every export starts with `mongodb_aws_`, returns a [`mongodb_aws_status`] when it can fail, takes
//! inputs as pointer + length and writes outputs through `(out, out_cap, out_len)`:
//!
//! - `out == NULL && out_cap == 0` asks for the size: `*out_len` is set, `MONGODB_AWS_OK` returned.
//! - `out_cap` too small: `MONGODB_AWS_BUFFER_TOO_SMALL`, `*out_len` = bytes needed, nothing else
//!   written.
//! - Any other failure writes nothing at all.
//! - A required NULL pointer gives `MONGODB_AWS_NULL_ARGUMENT`; a panic (a bug) gives
//!   `MONGODB_AWS_PANIC`. Nothing unwinds into C.
//!
//! Objects the library allocates are opaque and released by their `_free` call: the signing key,
//! the credentials handle, the owned credentials of the blocking call and the chain. Signing, the
//! conversations, the server side and the chain's poll and events work in caller memory and on
//! the stack. The credential chain comes two ways: [`mongodb_aws_get_credentials`], a blocking call
//! over the runtime (the `mongodb-aws` crate: its HTTP, deadlines, retries and process-wide cache,
//! the only global state besides the per-thread last error message), and [`mongodb_aws_chain_new`],
//! the core's sans-IO state machine for drivers that bring their own HTTP stack. Every rule lives
//! in the core; nothing here decides. The header `include/mongodb_aws.h` is generated from this
//! crate by cbindgen (`cbindgen.toml`) and checked by `tests/header.rs`.

#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::undocumented_unsafe_blocks
    )
)]
#![allow(non_camel_case_types)]

mod blocking;
mod chain;
mod client;
mod credentials;
mod ffi;
mod providers;
mod server;
mod sigv4;
mod status;
mod sts;
mod types;

pub use blocking::*;
pub use chain::*;
pub use client::*;
pub use credentials::*;
pub use providers::*;
pub use server::*;
pub use sigv4::*;
pub use status::mongodb_aws_status;
pub use sts::*;
pub use types::*;

use core::ffi::{c_char, CStr};
use ffi::guard_value;

/// Major version of the library this header belongs to.
pub const MONGODB_AWS_VERSION_MAJOR: u32 = 0;
/// Minor version of the library this header belongs to.
pub const MONGODB_AWS_VERSION_MINOR: u32 = 1;
/// Patch version of the library this header belongs to.
pub const MONGODB_AWS_VERSION_PATCH: u32 = 0;
/// `(MAJOR << 16) | (MINOR << 8) | PATCH` of this header: compare with `mongodb_aws_version_number()`
/// to detect a header/library mismatch.
pub const MONGODB_AWS_VERSION_NUMBER: u32 = 0x0000_0100;

/// NUL-terminated version text of the library (`"0.1.0"`), static storage: never free it.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn mongodb_aws_version() -> *const c_char {
    guard_value(c"?".as_ptr(), || {
        concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
    })
}

/// `(MAJOR << 16) | (MINOR << 8) | PATCH` of the library, to compare with the header's
/// `MONGODB_AWS_VERSION_NUMBER`. Thread-safe.
#[no_mangle]
pub extern "C" fn mongodb_aws_version_number() -> u32 {
    guard_value(0, || {
        let n = |s: &str| s.parse::<u32>().unwrap_or(0);
        (n(env!("CARGO_PKG_VERSION_MAJOR")) << 16)
            | (n(env!("CARGO_PKG_VERSION_MINOR")) << 8)
            | n(env!("CARGO_PKG_VERSION_PATCH"))
    })
}

/// Static, NUL-terminated English message for a status (what was wrong, what was expected); never
/// NULL, never contains secret data, never free it. Unknown numbers give `"unknown status"`.
/// Takes a `uint32_t` so any number is safe to pass. Thread-safe.
#[no_mangle]
pub extern "C" fn mongodb_aws_status_str(status: u32) -> *const c_char {
    status_text(status, crate::status::message_cstr, c"unknown status")
}

/// Static, NUL-terminated upper-case name of a status without the `MONGODB_AWS_` prefix
/// (`"BUFFER_TOO_SMALL"`), the same name Python's `.code` and Node's `err.code` use; `"UNKNOWN"` for
/// an unknown number. Never NULL, never free it. Thread-safe.
#[no_mangle]
pub extern "C" fn mongodb_aws_status_name(status: u32) -> *const c_char {
    status_text(status, crate::status::name_cstr, c"UNKNOWN")
}

/// A status's static text from `lookup`, or `unknown` for a number without one (and on a panic).
fn status_text(
    status: u32,
    lookup: fn(u32) -> Option<&'static CStr>,
    unknown: &'static CStr,
) -> *const c_char {
    guard_value(unknown.as_ptr(), || {
        lookup(status).unwrap_or(unknown).as_ptr()
    })
}
