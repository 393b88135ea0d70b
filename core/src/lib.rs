#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

#[cfg(test)]
extern crate std;

pub mod bson;
pub mod cache;
pub mod caller_identity;
pub mod credentials;
pub mod error;
pub mod ini;
pub mod json;
pub mod providers;
pub mod sasl;
pub mod sigv4;
pub mod sts;
pub mod time;
pub mod verify;
pub mod xml;

pub use credentials::Credentials;
pub use error::Error;
pub use time::{AmzDate, UnixTime};

/// The repository README's Rust example, run as a doctest on the shared GetCallerIdentity vector
/// (it reads the repository's `testdata/`, so it exists only in `cargo test --doc` in the repository).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct RepositoryReadme;
