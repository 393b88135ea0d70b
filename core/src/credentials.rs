//! AWS credentials as borrowed strings, and the rule for which combinations are valid
//! (PROTOCOL.md A7: id + secret, or id + secret + session token; an empty token means none).

use crate::Error;

/// Longest secret access key accepted (AWS secrets are 40 characters).
pub const MAX_SECRET_LEN: usize = 128;
/// Longest access key id accepted (AWS documents 16 to 128).
pub const MAX_ACCESS_KEY_ID_LEN: usize = 128;

/// A validated set of AWS credentials, borrowed from the caller.
///
/// The core never copies the secret except into the zeroized key-derivation buffer of
/// [`SigningKey`](crate::sigv4::SigningKey). `Debug` never shows the secret or the token.
///
/// ```
/// use mongodb_aws_core::Credentials;
/// let c = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None).unwrap();
/// assert_eq!(c.session_token(), None);
/// assert!(!format!("{c:?}").contains("wJalr"));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Credentials<'a> {
    access_key_id: &'a str,
    secret_access_key: &'a str,
    session_token: Option<&'a str>,
}

impl<'a> Credentials<'a> {
    /// Validates and wraps credentials. An empty `session_token` is treated as absent
    /// (PROTOCOL.md A6: "Treat empty as absent").
    pub fn new(
        access_key_id: &'a str,
        secret_access_key: &'a str,
        session_token: Option<&'a str>,
    ) -> Result<Self, Error> {
        Self::from_parts(Some(access_key_id), Some(secret_access_key), session_token)
    }

    /// Builds credentials from optional parts with the spec's combination rule, as for environment
    /// variables: empty strings count as unset; id + secret (+ token) is valid; anything else is one of
    /// [`Error::MissingSecretAccessKey`], [`Error::MissingAccessKeyId`],
    /// [`Error::SessionTokenWithoutKeys`] or [`Error::NoCredentials`] (nothing set at all).
    pub fn from_parts(
        access_key_id: Option<&'a str>,
        secret_access_key: Option<&'a str>,
        session_token: Option<&'a str>,
    ) -> Result<Self, Error> {
        let nonempty = |s: Option<&'a str>| s.filter(|v| !v.is_empty());
        let (id, secret, token) = (
            nonempty(access_key_id),
            nonempty(secret_access_key),
            nonempty(session_token),
        );
        match (id, secret) {
            (Some(id), Some(secret)) => {
                validate_access_key_id(id)?;
                validate_secret(secret)?;
                if let Some(t) = token {
                    validate_session_token(t)?;
                }
                Ok(Credentials {
                    access_key_id: id,
                    secret_access_key: secret,
                    session_token: token,
                })
            }
            (Some(_), None) => Err(Error::MissingSecretAccessKey),
            (None, Some(_)) => Err(Error::MissingAccessKeyId),
            (None, None) if token.is_some() => Err(Error::SessionTokenWithoutKeys),
            (None, None) => Err(Error::NoCredentials),
        }
    }

    /// The access key id (`AKID...`, `ASIA...`).
    pub fn access_key_id(&self) -> &'a str {
        self.access_key_id
    }

    /// The secret access key. Handle with care: never log it.
    pub fn secret_access_key(&self) -> &'a str {
        self.secret_access_key
    }

    /// The session token, if any (never `Some("")`).
    pub fn session_token(&self) -> Option<&'a str> {
        self.session_token
    }
}

impl core::fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &self.session_token.map(|_| "<redacted>"))
            .finish()
    }
}

/// 1 to 128 ASCII letters or digits.
pub fn validate_access_key_id(id: &str) -> Result<(), Error> {
    // No early exit, so the compiler vectorises it (checked on every signature a host makes).
    let alphanumeric = id
        .bytes()
        .fold(true, |ok, b| ok & b.is_ascii_alphanumeric());
    if id.is_empty() || id.len() > MAX_ACCESS_KEY_ID_LEN || !alphanumeric {
        return Err(Error::InvalidAccessKeyId);
    }
    Ok(())
}

/// 1 to 128 printable ASCII characters (space excluded: it would be altered by header canonicalisation
/// in hosts that pass secrets through headers, and no AWS secret contains one).
pub fn validate_secret(secret: &str) -> Result<(), Error> {
    if secret.is_empty() || secret.len() > MAX_SECRET_LEN || !all_graphic(secret) {
        return Err(Error::InvalidSecretAccessKey);
    }
    Ok(())
}

/// Whether every byte is printable ASCII without space (`!`..=`~`). Written without an early exit so
/// the compiler vectorises it: session tokens are several hundred bytes and are checked on every
/// signature a C, Python or Node host makes (ffi-c/BENCH.md).
fn all_graphic(s: &str) -> bool {
    s.bytes().fold(true, |ok, b| ok & b.is_ascii_graphic())
}

/// Printable ASCII without spaces (the token is sent verbatim as a header value and a BSON string).
/// No length limit: AWS says to make no assumption about its size.
pub fn validate_session_token(token: &str) -> Result<(), Error> {
    if !all_graphic(token) {
        return Err(Error::InvalidSessionToken);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinations_follow_the_spec() {
        let ok = Credentials::from_parts(Some("AKIDEXAMPLE"), Some("secret"), Some("")).unwrap();
        assert_eq!(ok.session_token(), None);
        let ok = Credentials::from_parts(Some("AKIDEXAMPLE"), Some("secret"), Some("tok")).unwrap();
        assert_eq!(ok.session_token(), Some("tok"));
        assert_eq!(
            Credentials::from_parts(Some("AKID"), None, None),
            Err(Error::MissingSecretAccessKey)
        );
        assert_eq!(
            Credentials::from_parts(Some("AKID"), Some(""), Some("t")),
            Err(Error::MissingSecretAccessKey)
        );
        assert_eq!(
            Credentials::from_parts(None, Some("s"), None),
            Err(Error::MissingAccessKeyId)
        );
        assert_eq!(
            Credentials::from_parts(Some(""), Some("s"), Some("t")),
            Err(Error::MissingAccessKeyId)
        );
        assert_eq!(
            Credentials::from_parts(None, None, Some("t")),
            Err(Error::SessionTokenWithoutKeys)
        );
        assert_eq!(
            Credentials::from_parts(None, Some(""), None),
            Err(Error::NoCredentials)
        );
        // The spec's messages (libmongoc's wording) are the Display text.
        use std::string::ToString;
        assert_eq!(
            Error::MissingSecretAccessKey.to_string(),
            "ACCESS_KEY_ID is set, but SECRET_ACCESS_KEY is missing"
        );
    }

    #[test]
    fn validation() {
        assert_eq!(
            Credentials::new("AKID-1", "s", None),
            Err(Error::InvalidAccessKeyId)
        );
        assert_eq!(
            Credentials::new("AKID", "s s", None),
            Err(Error::InvalidSecretAccessKey)
        );
        assert_eq!(
            Credentials::new("AKID", "s", Some("a\nb")),
            Err(Error::InvalidSessionToken)
        );
        let long = [b'a'; 129];
        let long = core::str::from_utf8(&long).unwrap();
        assert_eq!(
            Credentials::new(long, "s", None),
            Err(Error::InvalidAccessKeyId)
        );
        assert_eq!(
            Credentials::new("AKID", long, None),
            Err(Error::InvalidSecretAccessKey)
        );
    }

    /// Every character in every position class (first, middle, last, past a 32-byte vector step) is
    /// judged as the character classes of the standard library say.
    #[test]
    fn character_rules_match_the_standard_classes() {
        use std::string::String;
        for c in (0u32..0x100)
            .chain([0x2028, 0xFEFF, 0x1F600])
            .filter_map(char::from_u32)
        {
            for at in [0usize, 5, 31, 32, 40] {
                let mut s: String = core::iter::repeat_n('A', 41).collect();
                s.replace_range(at..at + 1, c.encode_utf8(&mut [0; 4]));
                let id_ok = c.is_ascii_alphanumeric();
                let graphic_ok = c.is_ascii_graphic();
                assert_eq!(validate_access_key_id(&s).is_ok(), id_ok, "{c:?} at {at}");
                assert_eq!(validate_secret(&s).is_ok(), graphic_ok, "{c:?} at {at}");
                assert_eq!(
                    validate_session_token(&s).is_ok(),
                    graphic_ok,
                    "{c:?} at {at}"
                );
            }
        }
    }
}
