//! The AWS shared config and credentials files as a credential source (PROTOCOL.md B): which
//! files and which profile, and what each profile's keys produce. The chain
//! ([`super::chain`]) runs the steps; this module holds the variable names and the pure rules.

/// Path of the config file (default `~/.aws/config`).
pub const AWS_CONFIG_FILE: &str = "AWS_CONFIG_FILE";
/// Path of the credentials file (default `~/.aws/credentials`).
pub const AWS_SHARED_CREDENTIALS_FILE: &str = "AWS_SHARED_CREDENTIALS_FILE";
/// The home directory (`~`).
pub const HOME: &str = "HOME";
/// The home directory when `HOME` is unset (Windows).
pub const USERPROFILE: &str = "USERPROFILE";
/// The profile (read after [`AWS_DEFAULT_PROFILE`], botocore's order).
pub const AWS_PROFILE: &str = "AWS_PROFILE";
/// The profile (read first, botocore's order).
pub const AWS_DEFAULT_PROFILE: &str = "AWS_DEFAULT_PROFILE";
/// The region of the profile's STS calls when the profile has no `region`.
pub const AWS_DEFAULT_REGION: &str = "AWS_DEFAULT_REGION";
/// The SDKs' STS endpoint override.
pub const AWS_ENDPOINT_URL_STS: &str = "AWS_ENDPOINT_URL_STS";
/// The SDKs' endpoint override for every service.
pub const AWS_ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";
/// The SDKs' SSO portal endpoint override.
pub const AWS_ENDPOINT_URL_SSO: &str = "AWS_ENDPOINT_URL_SSO";
/// The SDKs' SSO OIDC endpoint override.
pub const AWS_ENDPOINT_URL_SSO_OIDC: &str = "AWS_ENDPOINT_URL_SSO_OIDC";
/// `true`: the configured endpoint URLs (variables and files) are ignored.
pub const AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: &str = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";
/// The project's test override of the SSO portal (base URL; plain http allowed).
pub const SSO_ENDPOINT_OVERRIDE_VAR: &str = "MONGODB_AWS_SSO_ENDPOINT";
/// The project's test override of SSO OIDC (base URL; plain http allowed).
pub const SSO_OIDC_ENDPOINT_OVERRIDE_VAR: &str = "MONGODB_AWS_SSO_OIDC_ENDPOINT";
