//! Library side of the `mongodb-aws` command, so integration tests can drive the hosts directly.

pub mod args;
pub mod credentials;
