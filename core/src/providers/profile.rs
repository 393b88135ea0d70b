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

use super::{FetchedCredentials, Source};
use crate::ini::{self, FileKind, Ini, Section, Value};
use crate::json::{self, Scratch};
use crate::time::parse_iso8601;
use crate::{Credentials, Error};

/// botocore's profile selection: the application's explicit option, else `AWS_DEFAULT_PROFILE`,
/// else `AWS_PROFILE` (each counts when set, even empty), else `default`. Returns the name and
/// what named it (`None` for the implicit `default`, which may be absent from the files).
pub fn select<'a>(
    option: Option<&'a str>,
    aws_default_profile: Option<&'a str>,
    aws_profile: Option<&'a str>,
) -> (&'a str, Option<&'static str>) {
    match (option, aws_default_profile, aws_profile) {
        (Some(n), _, _) => (n, Some(super::chain::PROFILE_OPTION)),
        (None, Some(n), _) => (n, Some(AWS_DEFAULT_PROFILE)),
        (None, None, Some(n)) => (n, Some(AWS_PROFILE)),
        (None, None, None) => ("default", None),
    }
}

/// Longest profile name the chain follows (a longer one is [`Error::ProfileInvalidValue`]).
pub const MAX_PROFILE_NAME_LEN: usize = 128;
/// Role hops (`role_arn` profiles) followed through `source_profile` in one resolution.
pub const MAX_ROLE_HOPS: usize = 8;

/// The two shared files, parsed (a missing file is `None`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Files<'a> {
    /// `~/.aws/config`.
    pub config: Option<Ini<'a>>,
    /// `~/.aws/credentials`.
    pub credentials: Option<Ini<'a>>,
}

/// A key's value and the file and section it came from.
#[derive(Clone, Copy, Debug)]
pub struct Found<'a> {
    /// The value.
    pub value: Value<'a>,
    /// Which file.
    pub file: FileKind,
    /// The section (for the line of its header).
    pub section: Section<'a>,
}

impl<'a> Files<'a> {
    /// The section of profile `name` in one file.
    pub fn section(&self, kind: FileKind, name: &str) -> Option<Section<'a>> {
        let ini = match kind {
            FileKind::Config => self.config.as_ref(),
            FileKind::Credentials => self.credentials.as_ref(),
        }?;
        ini::profile(ini, kind, name)
    }

    /// Whether the profile is in either file (botocore's `full_config['profiles']`).
    pub fn exists(&self, name: &str) -> bool {
        self.section(FileKind::Credentials, name).is_some()
            || self.section(FileKind::Config, name).is_some()
    }

    /// The section that names the profile, credentials file first (for the origin of settings
    /// found in neither file, e.g. a profile with no keys).
    pub fn any_section(&self, name: &str) -> Option<(FileKind, Section<'a>)> {
        self.section(FileKind::Credentials, name)
            .map(|s| (FileKind::Credentials, s))
            .or_else(|| {
                self.section(FileKind::Config, name)
                    .map(|s| (FileKind::Config, s))
            })
    }

    /// `key` of profile `name` as botocore's `full_config` sees it: the credentials file's value
    /// wins over the config file's (the sections are merged key by key for settings; static keys
    /// are read per file, see [`static_keys`]).
    pub fn get(&self, name: &str, key: &str) -> Option<Found<'a>> {
        for kind in [FileKind::Credentials, FileKind::Config] {
            if let Some(section) = self.section(kind, name) {
                if let Some(value) = section.get(key) {
                    return Some(Found {
                        value,
                        file: kind,
                        section,
                    });
                }
            }
        }
        None
    }

    /// Whether the merged profile has `key`.
    pub fn has(&self, name: &str, key: &str) -> bool {
        self.get(name, key).is_some()
    }

    /// What the profile's keys can produce (the candidates of the chain for it).
    pub fn facts(&self, name: &str) -> Facts {
        let line = |k: &str| self.get(name, k).map(|f| (f.file, f.section.line()));
        let in_file = |kind: FileKind| {
            self.section(kind, name)
                .filter(|s| s.get("aws_access_key_id").is_some())
                .map(|s| s.line())
        };
        let web = line("web_identity_token_file");
        Facts {
            exists: self.exists(name),
            role: if web.is_none() {
                line("role_arn")
            } else {
                None
            },
            web_identity: web,
            // botocore's SSOProvider: sso_role_name or sso_account_id decide.
            sso: line("sso_account_id").or_else(|| line("sso_role_name")),
            credentials_file_keys: in_file(FileKind::Credentials),
            process: line("credential_process"),
            config_file_keys: in_file(FileKind::Config),
            has_static: self.has(name, "aws_access_key_id")
                || self.has(name, "aws_secret_access_key"),
        }
    }
}

/// What one profile's keys offer, each with the file and the line of the section header that
/// holds the deciding key (`None`: the profile does not have it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// The profile is in one of the files.
    pub exists: bool,
    /// `role_arn` (and no `web_identity_token_file`): assume a role.
    pub role: Option<(FileKind, u32)>,
    /// `web_identity_token_file`.
    pub web_identity: Option<(FileKind, u32)>,
    /// `sso_*` settings.
    pub sso: Option<(FileKind, u32)>,
    /// `aws_access_key_id` in the credentials file's section.
    pub credentials_file_keys: Option<u32>,
    /// `credential_process`.
    pub process: Option<(FileKind, u32)>,
    /// `aws_access_key_id` in the config file's section.
    pub config_file_keys: Option<u32>,
    /// botocore's `_has_static_credentials`: either key, in either file.
    pub has_static: bool,
}

/// Whether a failure's message may show the value of profile key `key`: settings that are never
/// secret (names of profiles and sessions, ARNs, regions, URLs, paths, numbers). Keys, tokens,
/// `external_id` and `credential_process` (its arguments may hold secrets) are never shown.
pub fn shows_value(key: &str) -> bool {
    [
        "source_profile",
        "credential_source",
        "mfa_serial",
        "role_arn",
        "role_session_name",
        "duration_seconds",
        "region",
        "sts_regional_endpoints",
        "endpoint_url",
        "web_identity_token_file",
        "sso_session",
        "sso_account_id",
        "sso_role_name",
        "sso_start_url",
        "sso_region",
    ]
    .into_iter()
    .any(|k| ini::key_eq(k, key))
}

/// A one-line value, or [`Error::ProfileInvalidValue`] (a continued value is not a setting the
/// chain reads; for the static keys see [`static_keys`]).
pub fn one_line<'a>(v: &Value<'a>) -> Result<&'a str, Error> {
    v.as_str().ok_or(Error::ProfileInvalidValue)
}

/// The static keys of profile `name` in the file `kind` (botocore's `SharedCredentialProvider` /
/// `ConfigProvider`): `aws_access_key_id` and `aws_secret_access_key` of that one section
/// ([`Error::ProfilePartialCredentials`] when the secret is missing), and the token from
/// `aws_security_token`, else `aws_session_token` (botocore's order). `Ok(None)` when the section
/// has no `aws_access_key_id`.
pub fn static_keys<'a>(
    files: &Files<'a>,
    kind: FileKind,
    name: &str,
) -> Result<Option<(Credentials<'a>, u32)>, (Error, &'static str)> {
    let Some(section) = files.section(kind, name) else {
        return Ok(None);
    };
    let Some(id) = section.get("aws_access_key_id") else {
        return Ok(None);
    };
    let secret = section
        .get("aws_secret_access_key")
        .ok_or((Error::ProfilePartialCredentials, "aws_secret_access_key"))?;
    let token = match section.get("aws_security_token") {
        Some(t) => Some((t, "aws_security_token")),
        None => section
            .get("aws_session_token")
            .map(|t| (t, "aws_session_token")),
    };
    // A continued value is, as botocore reads it, its lines joined by a line break (configparser),
    // which no key, secret or token may contain: validated as CONTINUED, a stand-in that every rule
    // of `Credentials::from_parts` refuses for the same reason (non-empty, has a line break), each
    // part gets the error botocore's joined value would get here (INVALID_ACCESS_KEY_ID ...).
    const CONTINUED: &str = "\n";
    let joined = |v: &Value<'a>| v.as_str().unwrap_or(CONTINUED);
    let (id, secret) = (joined(&id), joined(&secret));
    let token_key = token.map_or("aws_session_token", |(_, k)| k);
    let token = token.map(|(t, _)| joined(&t));
    let creds = Credentials::from_parts(Some(id), Some(secret), token).map_err(|e| {
        (
            e,
            match e {
                Error::InvalidSecretAccessKey | Error::MissingSecretAccessKey => {
                    "aws_secret_access_key"
                }
                Error::InvalidSessionToken => token_key,
                _ => "aws_access_key_id",
            },
        )
    })?;
    Ok(Some((creds, section.line())))
}

/// `credential_source` values (botocore's `CanonicalNameCredentialSourcer`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialSource {
    /// `Environment`: the environment keys.
    Environment,
    /// `Ec2InstanceMetadata`: EC2 IMDS.
    Ec2InstanceMetadata,
    /// `EcsContainer`: the ECS relative URI or the container full URI.
    EcsContainer,
}

impl CredentialSource {
    /// The value as written in the file (botocore compares case-insensitively).
    pub fn parse(v: &str) -> Option<Self> {
        [
            ("environment", CredentialSource::Environment),
            ("ec2instancemetadata", CredentialSource::Ec2InstanceMetadata),
            ("ecscontainer", CredentialSource::EcsContainer),
        ]
        .into_iter()
        .find(|(n, _)| v.eq_ignore_ascii_case(n))
        .map(|(_, s)| s)
    }
}

/// Regions for which botocore's `sts_regional_endpoints = legacy` still calls the global
/// `sts.amazonaws.com` (botocore `args.LEGACY_GLOBAL_STS_REGIONS`).
pub const LEGACY_GLOBAL_STS_REGIONS: &[&str] = &[
    "ap-northeast-1",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "aws-global",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/// Whether botocore calls the regional STS host for `region` in mode `mode` (`regional`, the
/// default, or `legacy`): regional unless legacy with a legacy region; `aws-global` is global.
/// `Err` for another mode.
pub fn sts_regional(mode: Option<&str>, region: &str) -> Result<bool, Error> {
    let legacy = match mode.map(str::trim) {
        None | Some("regional") => false,
        Some("legacy") => true,
        Some(_) => return Err(Error::ProfileInvalidValue),
    };
    Ok(region != "aws-global" && !(legacy && LEGACY_GLOBAL_STS_REGIONS.contains(&region)))
}

/// True for botocore's `ensure_boolean` true: `true` in any case.
pub fn is_true(v: &str) -> bool {
    v.trim().eq_ignore_ascii_case("true")
}

/// Splits `command` as Python's `shlex.split` (POSIX mode, botocore's `compat_shell_split` off
/// Windows) into `out`: the words separated by NUL. Returns the bytes used and the number of
/// words. Whitespace is space, tab, CR and LF; `'...'` is literal; in `"..."` a backslash escapes
/// only `"` and `\`; elsewhere a backslash escapes any character; quoted parts join adjacent text
/// (`a"b c"` is one word) and `''` is an empty word. An unclosed quote or a trailing backslash is
/// [`Error::ProfileInvalidValue`], as shlex's `ValueError`; a NUL in the command too (it cannot
/// be part of an argument); [`Error::BufferTooSmall`] when `out` is too small.
pub fn split_command(command: &str, out: &mut [u8]) -> Result<(usize, usize), Error> {
    #[derive(PartialEq)]
    enum St {
        Space,
        Word,
        Single,
        Double,
    }
    let mut len = 0usize;
    let mut words = 0usize;
    let put = |out: &mut [u8], c: char, len: &mut usize| -> Result<(), Error> {
        let mut b = [0u8; 4];
        let s = c.encode_utf8(&mut b).as_bytes();
        let end = len.checked_add(s.len()).ok_or(Error::LengthOverflow)?;
        out.get_mut(*len..end)
            .ok_or(Error::BufferTooSmall { needed: end })?
            .copy_from_slice(s);
        *len = end;
        Ok(())
    };
    let mut st = St::Space;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        if c == '\0' {
            return Err(Error::ProfileInvalidValue);
        }
        if st == St::Space && !matches!(c, ' ' | '\t' | '\r' | '\n') {
            if words > 0 {
                put(out, '\0', &mut len)?;
            }
            words += 1;
            st = St::Word;
        }
        match st {
            St::Space => {}
            St::Word => match c {
                ' ' | '\t' | '\r' | '\n' => st = St::Space,
                '\'' => st = St::Single,
                '"' => st = St::Double,
                '\\' => {
                    let n = chars.next().ok_or(Error::ProfileInvalidValue)?;
                    if n == '\0' {
                        return Err(Error::ProfileInvalidValue);
                    }
                    put(out, n, &mut len)?;
                }
                _ => put(out, c, &mut len)?,
            },
            St::Single => match c {
                '\'' => st = St::Word,
                _ => put(out, c, &mut len)?,
            },
            St::Double => match c {
                '"' => st = St::Word,
                '\\' => {
                    let n = chars.next().ok_or(Error::ProfileInvalidValue)?;
                    if !matches!(n, '"' | '\\') {
                        put(out, '\\', &mut len)?;
                    }
                    if n == '\0' {
                        return Err(Error::ProfileInvalidValue);
                    }
                    put(out, n, &mut len)?;
                }
                _ => put(out, c, &mut len)?,
            },
        }
    }
    if matches!(st, St::Single | St::Double) {
        return Err(Error::ProfileInvalidValue);
    }
    Ok((len, words))
}

/// Parses a `credential_process` answer (stdout): JSON `{"Version": 1, "AccessKeyId",
/// "SecretAccessKey", "SessionToken"?, "Expiration"?}` (RFC 3339). Every problem is
/// [`Error::CredentialProcessBadOutput`] with the field it concerns (never the text).
pub fn parse_process_output<'a>(
    stdout: &'a [u8],
    scratch: &'a mut [u8],
) -> Result<FetchedCredentials<'a>, (Error, Option<&'static str>)> {
    let bad = |f: Option<&'static str>| (Error::CredentialProcessBadOutput, f);
    let doc = json::parse(stdout).map_err(|_| bad(None))?;
    if doc.kind() != json::Kind::Object {
        return Err(bad(None));
    }
    let version = doc
        .get("Version")
        .map_err(|_| bad(None))?
        .ok_or(bad(Some("Version")))?;
    let is_one = version.kind() == json::Kind::Number
        && core::str::from_utf8(version.raw())
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            == Some(1.0);
    if !is_one {
        return Err(bad(Some("Version")));
    }
    let mut sc = Scratch::new(scratch);
    let mut text = |key: &'static str| -> Result<Option<&'a str>, (Error, Option<&'static str>)> {
        match doc.get(key).map_err(|_| bad(Some(key)))? {
            None => Ok(None),
            Some(v) if v.kind() == json::Kind::Null => Ok(None),
            Some(v) => v.as_str(&mut sc).map(Some).map_err(|_| bad(Some(key))),
        }
    };
    let id = text("AccessKeyId")?.ok_or(bad(Some("AccessKeyId")))?;
    let secret = text("SecretAccessKey")?.ok_or(bad(Some("SecretAccessKey")))?;
    let token = text("SessionToken")?.filter(|t| !t.is_empty());
    let expiration = match text("Expiration")? {
        Some(e) => Some(parse_iso8601(e).map_err(|_| bad(Some("Expiration")))?),
        None => None,
    };
    let credentials = Credentials::new(id, secret, token).map_err(|e| {
        (
            Error::CredentialProcessBadOutput,
            Some(match e {
                Error::InvalidSecretAccessKey | Error::MissingSecretAccessKey => "SecretAccessKey",
                Error::InvalidSessionToken => "SessionToken",
                _ => "AccessKeyId",
            }),
        )
    })?;
    Ok(FetchedCredentials {
        credentials,
        expiration,
        arn: None,
        assumed_role_id: None,
        account_id: None,
        source: Source::CredentialProcess,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_commands_are_never_shown() {
        for k in [
            "aws_access_key_id",
            "aws_secret_access_key",
            "aws_session_token",
            "aws_security_token",
            "external_id",
            "credential_process",
            "sso_registration_scopes",
        ] {
            assert!(!shows_value(k), "{k}");
        }
        for k in [
            "source_profile",
            "Credential_Source",
            "mfa_serial",
            "sso_session",
        ] {
            assert!(shows_value(k), "{k}");
        }
    }
}
