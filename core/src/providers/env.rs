//! Environment credentials: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, optional `AWS_SESSION_TOKEN`
//! (PROTOCOL.md A7; Lambda sets all three). The host reads the variables on every authentication and
//! passes their values (`None` when unset); the result is never cached.

use super::{FetchedCredentials, Source};
use crate::{Credentials, Error};

/// Name of the access key id variable.
pub const AWS_ACCESS_KEY_ID: &str = "AWS_ACCESS_KEY_ID";
/// Name of the secret access key variable.
pub const AWS_SECRET_ACCESS_KEY: &str = "AWS_SECRET_ACCESS_KEY";
/// Name of the session token variable.
pub const AWS_SESSION_TOKEN: &str = "AWS_SESSION_TOKEN";

/// Whether the environment source applies: any of the three values is non-empty (the chain then
/// stops here, with credentials or with the combination error).
pub fn is_set(
    access_key_id: Option<&str>,
    secret_access_key: Option<&str>,
    session_token: Option<&str>,
) -> bool {
    [access_key_id, secret_access_key, session_token]
        .iter()
        .any(|v| v.is_some_and(|s| !s.is_empty()))
}

/// Validates the values with the spec's combination rule (empty = unset): id + secret (+ token).
/// Errors carry the spec's messages: [`Error::MissingSecretAccessKey`] ("ACCESS_KEY_ID is set, but
/// SECRET_ACCESS_KEY is missing"), [`Error::MissingAccessKeyId`],
/// [`Error::SessionTokenWithoutKeys`], or [`Error::NoCredentials`] when nothing is set.
pub fn credentials<'a>(
    access_key_id: Option<&'a str>,
    secret_access_key: Option<&'a str>,
    session_token: Option<&'a str>,
) -> Result<FetchedCredentials<'a>, Error> {
    Ok(FetchedCredentials {
        credentials: Credentials::from_parts(access_key_id, secret_access_key, session_token)?,
        expiration: None,
        arn: None,
        assumed_role_id: None,
        account_id: None,
        source: Source::Environment,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn combinations_and_spec_messages() {
        let c = credentials(Some("AKIAEXAMPLE"), Some("secret"), Some("")).unwrap();
        assert_eq!(c.source, Source::Environment);
        assert_eq!(c.credentials.session_token(), None);
        assert_eq!(c.expiration, None);
        let c = credentials(Some("ASIAEXAMPLE"), Some("secret"), Some("tok")).unwrap();
        assert_eq!(c.credentials.session_token(), Some("tok"));
        // The messages libmongoc prints (PROTOCOL.md A7).
        let msg = |r: Result<FetchedCredentials<'_>, Error>| r.unwrap_err().to_string();
        assert_eq!(
            msg(credentials(Some("AKIA"), None, None)),
            "ACCESS_KEY_ID is set, but SECRET_ACCESS_KEY is missing"
        );
        assert_eq!(
            msg(credentials(None, Some("s"), Some("t"))),
            "SECRET_ACCESS_KEY is set, but ACCESS_KEY_ID is missing"
        );
        assert_eq!(
            msg(credentials(Some(""), Some(""), Some("t"))),
            "AWS_SESSION_TOKEN is set, but ACCESS_KEY_ID and SECRET_ACCESS_KEY are missing"
        );
        assert_eq!(credentials(None, None, None), Err(Error::NoCredentials));
        assert!(!is_set(None, Some(""), None));
        assert!(is_set(None, None, Some("t")));
    }
}
