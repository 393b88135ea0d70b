//! The CLI's credential host: `mongodb-aws credentials` answers "which identity will my driver
//! use?". The chain is the runtime's (`mongodb_aws`, over the core's sans-IO chain); this module
//! only parses arguments, asks for MFA codes and prints.

pub mod command;
pub mod mfa;
