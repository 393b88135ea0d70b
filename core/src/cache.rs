//! The caching rule and the chain order as pure functions (PROTOCOL.md A7, A8). The cache itself
//! (storage, atomic replacement, in-flight deduplication) lives in each host.
//!
//! ```
//! use mongodb_aws_core::cache::{is_fresh, select_source, ChainInputs, Step};
//! use mongodb_aws_core::UnixTime;
//! // Usable until 5 minutes before expiry.
//! assert!(is_fresh(Some(UnixTime(1_000)), UnixTime(699)));
//! assert!(!is_fresh(Some(UnixTime(1_000)), UnixTime(700)));
//! // Nothing configured: EC2.
//! assert_eq!(select_source(&ChainInputs::default()), Step::Ec2);
//! ```

use crate::ini::FileKind;
use crate::providers::profile::Facts;
use crate::UnixTime;

/// Cached credentials are usable only while more than this many seconds remain before
/// `Expiration` (5 minutes; AWS rotates instance-role credentials at least 5 minutes early).
pub const REFRESH_WINDOW_SECONDS: u64 = 300;

/// Whether credentials expiring at `expiration` may still be used at `now`: strictly more than
/// [`REFRESH_WINDOW_SECONDS`] before expiry. `None` (no expiry, e.g. environment credentials) is
/// always fresh.
pub fn is_fresh(expiration: Option<UnixTime>, now: UnixTime) -> bool {
    match expiration {
        None => true,
        Some(exp) => now.0.saturating_add(REFRESH_WINDOW_SECONDS) < exp.0,
    }
}

/// The instant from which credentials expiring at `expiration` must be refreshed.
pub fn refresh_at(expiration: UnixTime) -> UnixTime {
    UnixTime(expiration.0.saturating_sub(REFRESH_WINDOW_SECONDS))
}

/// Whether a freshly fetched set is usable at all: not yet expired. (A set inside the refresh
/// window is used for this authentication but is stale for the cache, so the next one refetches.)
pub fn is_unexpired(expiration: Option<UnixTime>, now: UnixTime) -> bool {
    expiration.map_or(true, |e| now < e)
}

/// What the host knows before resolving credentials. Values are the environment variables (`None`
/// when unset); empty strings count as unset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChainInputs<'a> {
    /// The application configured a custom provider (`AWS_CREDENTIAL_PROVIDER`).
    pub custom_provider: bool,
    /// The cache holds a set that [`is_fresh`] now.
    pub fresh_cache: bool,
    /// `AWS_ACCESS_KEY_ID`.
    pub access_key_id: Option<&'a str>,
    /// `AWS_SECRET_ACCESS_KEY`.
    pub secret_access_key: Option<&'a str>,
    /// `AWS_SESSION_TOKEN`.
    pub session_token: Option<&'a str>,
    /// `AWS_WEB_IDENTITY_TOKEN_FILE`.
    pub web_identity_token_file: Option<&'a str>,
    /// `AWS_ROLE_ARN`.
    pub role_arn: Option<&'a str>,
    /// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`.
    pub ecs_relative_uri: Option<&'a str>,
    /// `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
    pub container_full_uri: Option<&'a str>,
    /// `AWS_EC2_METADATA_DISABLED` is `true` (case-insensitive).
    pub ec2_disabled: bool,
    /// What the AWS shared files say about the active profile.
    pub profile: ProfileInputs,
}

/// The active profile of the AWS shared files, as far as the order needs it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProfileInputs {
    /// The files were read (they are not when an earlier candidate is certain to be taken:
    /// custom provider, fresh cache, environment keys without an explicitly named profile).
    pub read: bool,
    /// The application's explicit profile option was given: environment keys (and the
    /// environment's web identity variables) are switched off, as botocore does for a session's
    /// `profile_name` (`aws --profile`).
    pub env_disabled: bool,
    /// What the profile's keys offer.
    pub facts: Facts,
}

/// The one step the chain takes. There is no fall-back: whatever this step yields (credentials or
/// an error) is the answer (PROTOCOL.md A7: no ECS to EC2 fall-back).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Call the application's provider.
    CustomProvider,
    /// Use the cached endpoint credentials.
    Cache,
    /// [`crate::providers::env::credentials`].
    Environment,
    /// The profile's `role_arn` (`source_profile` / `credential_source`): STS AssumeRole.
    ProfileRole,
    /// [`crate::providers::web_identity`]: the environment's variables, or the profile's
    /// `web_identity_token_file`.
    WebIdentity,
    /// The profile's IAM Identity Center settings.
    Sso,
    /// The profile's static keys in the credentials file.
    ProfileCredentialsFile,
    /// The profile's `credential_process`.
    CredentialProcess,
    /// The profile's static keys in the config file.
    ProfileConfigFile,
    /// [`crate::providers::ecs`].
    Ecs,
    /// [`crate::providers::container`].
    ContainerFullUri,
    /// [`crate::providers::imds`].
    Ec2,
    /// Nothing applies (EC2 disabled): [`crate::Error::NoCredentials`].
    None,
}

fn set(v: Option<&str>) -> bool {
    v.is_some_and(|s| !s.is_empty())
}

/// One candidate of the chain's order as [`consider`] judged it: whether it applies, why, and the
/// variable that decided it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Consideration {
    /// The candidate.
    pub step: Step,
    /// Whether it applies (the first that applies is the chain's one step).
    pub applies: bool,
    /// Why it applies or not, naming the variables (static text, never a value).
    pub reason: &'static str,
    /// The variable that decided it, when one did.
    pub variable: Option<&'static str>,
    /// For a profile candidate: the file of the deciding key's section, and its header's line.
    pub file: Option<(FileKind, u32)>,
}

/// How many candidates [`consider`] judges.
pub const CANDIDATES: usize = 12;

const fn c(
    step: Step,
    applies: bool,
    reason: &'static str,
    variable: Option<&'static str>,
) -> Consideration {
    Consideration {
        step,
        applies,
        reason,
        variable,
        file: None,
    }
}

/// A profile candidate: applies when `at` is some (the file and line of the deciding key).
fn p(
    step: Step,
    i: &ChainInputs<'_>,
    at: Option<(FileKind, u32)>,
    yes: &'static str,
    no: &'static str,
) -> Consideration {
    if !i.profile.read {
        return c(
            step,
            false,
            "the shared files were not read: an earlier candidate applies",
            None,
        );
    }
    let mut k = c(
        step,
        at.is_some(),
        if at.is_some() { yes } else { no },
        None,
    );
    k.file = at;
    k
}

/// THE order rule: every candidate in order, each with whether it applies and why. Custom
/// provider, then cached credentials (kept even if env vars appeared later), environment (any of
/// the three variables set; switched off by an explicit profile option), then the active
/// profile of the AWS shared files in botocore's order — its `role_arn` (AssumeRole), web
/// identity (the environment's token file and role ARN, or the profile's
/// `web_identity_token_file`), IAM Identity Center (`sso_account_id` / `sso_role_name`),
/// credentials-file keys, `credential_process`, config-file keys — then ECS relative URI,
/// container full URI, else EC2 (unless `AWS_EC2_METADATA_DISABLED=true`). [`select_source`]
/// takes the first that applies; a later one that applies too is shadowed.
///
/// Why botocore's order for the profile: it is what the AWS CLI and boto3 (and so PyMongo's
/// `pymongo-auth-aws`) do with the same files, so files that work with `aws --profile` work
/// here; the environment comes first as in every AWS SDK, and the endpoint sources come last
/// because a laptop's or CI's files must win over a metadata service the host happens to see.
pub fn consider(i: &ChainInputs<'_>) -> [Consideration; CANDIDATES] {
    use crate::providers::{container, ecs, env, imds, web_identity};
    let f = &i.profile.facts;
    let environment = if i.profile.env_disabled {
        c(
            Step::Environment,
            false,
            "an explicit profile option switches environment keys off (as botocore's profile_name)",
            None,
        )
    } else if set(i.access_key_id) {
        c(
            Step::Environment,
            true,
            "AWS_ACCESS_KEY_ID is set",
            Some(env::AWS_ACCESS_KEY_ID),
        )
    } else if set(i.secret_access_key) {
        c(
            Step::Environment,
            true,
            "AWS_SECRET_ACCESS_KEY is set",
            Some(env::AWS_SECRET_ACCESS_KEY),
        )
    } else if set(i.session_token) {
        c(
            Step::Environment,
            true,
            "AWS_SESSION_TOKEN is set",
            Some(env::AWS_SESSION_TOKEN),
        )
    } else {
        c(
            Step::Environment,
            false,
            "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN are unset",
            None,
        )
    };
    let env_web = (!i.profile.env_disabled).then_some(());
    let web = match (
        env_web
            .and(i.web_identity_token_file)
            .is_some_and(|s| !s.is_empty()),
        env_web.and(i.role_arn).is_some_and(|s| !s.is_empty()),
    ) {
        _ if i.profile.read && f.web_identity.is_some() => {
            let mut k = c(
                Step::WebIdentity,
                true,
                "the profile has web_identity_token_file",
                None,
            );
            k.file = f.web_identity;
            k
        }
        (true, true) => c(
            Step::WebIdentity,
            true,
            "AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are set",
            Some(web_identity::AWS_WEB_IDENTITY_TOKEN_FILE),
        ),
        (true, false) => c(
            Step::WebIdentity,
            false,
            "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is unset",
            Some(web_identity::AWS_ROLE_ARN),
        ),
        (false, true) => c(
            Step::WebIdentity,
            false,
            "AWS_ROLE_ARN is set but AWS_WEB_IDENTITY_TOKEN_FILE is unset",
            Some(web_identity::AWS_WEB_IDENTITY_TOKEN_FILE),
        ),
        (false, false) => c(
            Step::WebIdentity,
            false,
            "AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are unset",
            None,
        ),
    };
    let ecs_var = Some(ecs::AWS_CONTAINER_CREDENTIALS_RELATIVE_URI);
    let full_var = Some(container::AWS_CONTAINER_CREDENTIALS_FULL_URI);
    [
        if i.custom_provider {
            c(
                Step::CustomProvider,
                true,
                "the application configured a custom provider (AWS_CREDENTIAL_PROVIDER)",
                None,
            )
        } else {
            c(
                Step::CustomProvider,
                false,
                "no custom provider is configured",
                None,
            )
        },
        if i.fresh_cache {
            c(
                Step::Cache,
                true,
                "the process-wide cache holds fresh endpoint credentials",
                None,
            )
        } else {
            c(
                Step::Cache,
                false,
                "the process-wide cache holds no fresh credentials",
                None,
            )
        },
        environment,
        p(
            Step::ProfileRole,
            i,
            f.role,
            "the profile has role_arn",
            "the profile has no role_arn (or it has web_identity_token_file)",
        ),
        web,
        p(
            Step::Sso,
            i,
            f.sso,
            "the profile has sso_account_id or sso_role_name",
            "the profile has no sso_account_id or sso_role_name",
        ),
        p(
            Step::ProfileCredentialsFile,
            i,
            f.credentials_file_keys.map(|l| (FileKind::Credentials, l)),
            "the profile's section in the credentials file has aws_access_key_id",
            "no aws_access_key_id in the profile's section of the credentials file",
        ),
        p(
            Step::CredentialProcess,
            i,
            f.process,
            "the profile has credential_process",
            "the profile has no credential_process",
        ),
        p(
            Step::ProfileConfigFile,
            i,
            f.config_file_keys.map(|l| (FileKind::Config, l)),
            "the profile's section in the config file has aws_access_key_id",
            "no aws_access_key_id in the profile's section of the config file",
        ),
        if set(i.ecs_relative_uri) {
            c(
                Step::Ecs,
                true,
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is set",
                ecs_var,
            )
        } else {
            c(
                Step::Ecs,
                false,
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is unset",
                ecs_var,
            )
        },
        if set(i.container_full_uri) {
            c(
                Step::ContainerFullUri,
                true,
                "AWS_CONTAINER_CREDENTIALS_FULL_URI is set",
                full_var,
            )
        } else {
            c(
                Step::ContainerFullUri,
                false,
                "AWS_CONTAINER_CREDENTIALS_FULL_URI is unset",
                full_var,
            )
        },
        if i.ec2_disabled {
            c(
                Step::Ec2,
                false,
                "AWS_EC2_METADATA_DISABLED is true",
                Some(imds::DISABLED_VAR),
            )
        } else {
            c(
                Step::Ec2,
                true,
                "EC2 instance metadata is the last source (AWS_EC2_METADATA_DISABLED is not true)",
                None,
            )
        },
    ]
}

/// The one step the chain takes: the first candidate of [`consider`] that applies, or
/// [`Step::None`] when none does (EC2 disabled and nothing configured).
pub fn select_source(i: &ChainInputs<'_>) -> Step {
    consider(i)
        .iter()
        .find(|c| c.applies)
        .map_or(Step::None, |c| c.step)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freshness_boundaries() {
        let exp = Some(UnixTime(10_000));
        assert!(is_fresh(exp, UnixTime(0)));
        assert!(is_fresh(exp, UnixTime(9_699)));
        assert!(
            !is_fresh(exp, UnixTime(9_700)),
            "exactly 5 minutes left: refresh"
        );
        assert!(!is_fresh(exp, UnixTime(9_999)));
        assert!(!is_fresh(exp, UnixTime(20_000)));
        assert!(is_fresh(None, UnixTime(u64::MAX)));
        assert!(!is_fresh(Some(UnixTime(5)), UnixTime(u64::MAX)));
        // Prose test 7: an entry expiring within 1 minute is replaced.
        assert!(!is_fresh(Some(UnixTime(1_060)), UnixTime(1_000)));
        assert_eq!(refresh_at(UnixTime(10_000)), UnixTime(9_700));
        assert_eq!(refresh_at(UnixTime(10)), UnixTime(0));
        assert!(is_unexpired(Some(UnixTime(10)), UnixTime(9)));
        assert!(!is_unexpired(Some(UnixTime(10)), UnixTime(10)));
    }

    /// The order as it was written before [`consider`] existed: an independent reference.
    fn reference(i: &ChainInputs<'_>) -> Step {
        if i.custom_provider {
            Step::CustomProvider
        } else if i.fresh_cache {
            Step::Cache
        } else if set(i.access_key_id) || set(i.secret_access_key) || set(i.session_token) {
            Step::Environment
        } else if set(i.web_identity_token_file) && set(i.role_arn) {
            Step::WebIdentity
        } else if set(i.ecs_relative_uri) {
            Step::Ecs
        } else if set(i.container_full_uri) {
            Step::ContainerFullUri
        } else if i.ec2_disabled {
            Step::None
        } else {
            Step::Ec2
        }
    }

    #[test]
    fn consider_agrees_with_the_reference_for_every_combination() {
        let pick = |bits: u32, n: u32, v: &'static str| match (bits >> (2 * n)) & 3 {
            0 => None,
            1 => Some(""),
            _ => Some(v),
        };
        for bits in 0..(1u32 << 18) {
            let i = ChainInputs {
                custom_provider: bits & (1 << 16) != 0,
                fresh_cache: bits & (1 << 17) != 0,
                access_key_id: pick(bits, 0, "AKIA"),
                secret_access_key: pick(bits, 1, "s"),
                session_token: pick(bits, 2, "t"),
                web_identity_token_file: pick(bits, 3, "/t"),
                role_arn: pick(bits, 4, "arn:aws:iam::1:role/r"),
                ecs_relative_uri: pick(bits, 5, "/v2"),
                container_full_uri: pick(bits, 6, "http://127.0.0.1/"),
                ec2_disabled: (bits >> 14) & 3 == 3,
                profile: ProfileInputs::default(),
            };
            assert_eq!(select_source(&i), reference(&i), "{i:?}");
            let all = consider(&i);
            let steps: std::vec::Vec<Step> = all.iter().map(|c| c.step).collect();
            assert_eq!(
                steps,
                [
                    Step::CustomProvider,
                    Step::Cache,
                    Step::Environment,
                    Step::ProfileRole,
                    Step::WebIdentity,
                    Step::Sso,
                    Step::ProfileCredentialsFile,
                    Step::CredentialProcess,
                    Step::ProfileConfigFile,
                    Step::Ecs,
                    Step::ContainerFullUri,
                    Step::Ec2
                ]
            );
            for c in &all {
                if let Some(v) = c.variable {
                    assert!(c.reason.contains(v), "{c:?}");
                }
            }
        }
    }

    #[test]
    fn reasons_name_the_deciding_variable() {
        let i = ChainInputs {
            web_identity_token_file: Some("/t"),
            session_token: Some("t"),
            ..Default::default()
        };
        let all = consider(&i);
        assert_eq!(all[2].variable, Some("AWS_SESSION_TOKEN"));
        assert!(all[2].applies);
        assert_eq!(
            (all[4].step, all[4].applies, all[4].variable),
            (Step::WebIdentity, false, Some("AWS_ROLE_ARN")),
            "{:?}",
            all[4]
        );
        assert!(all[11].applies && all[11].variable.is_none());
        let off = consider(&ChainInputs {
            ec2_disabled: true,
            ..Default::default()
        });
        assert_eq!(
            (off[11].applies, off[11].variable),
            (false, Some("AWS_EC2_METADATA_DISABLED"))
        );
    }

    #[test]
    fn profile_candidates_in_botocores_order() {
        // botocore create_credential_resolver: env, assume-role, then the profile providers
        // (web identity, SSO, shared credentials file, process, config file), then container
        // and IMDS.
        let at = |l: u32| Some((FileKind::Config, l));
        let all = Facts {
            exists: true,
            role: at(1),
            web_identity: at(2),
            sso: at(3),
            credentials_file_keys: Some(4),
            process: at(5),
            config_file_keys: Some(6),
            has_static: true,
        };
        let mut i = ChainInputs {
            access_key_id: Some("AKIA"),
            ecs_relative_uri: Some("/v2"),
            profile: ProfileInputs {
                read: true,
                env_disabled: false,
                facts: all,
            },
            ..Default::default()
        };
        let order = [
            Step::Environment,
            Step::ProfileRole,
            Step::WebIdentity,
            Step::Sso,
            Step::ProfileCredentialsFile,
            Step::CredentialProcess,
            Step::ProfileConfigFile,
            Step::Ecs,
        ];
        for want in order {
            assert_eq!(select_source(&i), want);
            let f = &mut i.profile.facts;
            match want {
                Step::Environment => i.access_key_id = None,
                Step::ProfileRole => f.role = None,
                Step::WebIdentity => f.web_identity = None,
                Step::Sso => f.sso = None,
                Step::ProfileCredentialsFile => f.credentials_file_keys = None,
                Step::CredentialProcess => f.process = None,
                Step::ProfileConfigFile => f.config_file_keys = None,
                _ => {}
            }
        }
        // The explicit option switches the environment (keys and web identity variables) off.
        let i = ChainInputs {
            access_key_id: Some("AKIA"),
            web_identity_token_file: Some("/t"),
            role_arn: Some("arn:aws:iam::1:role/r"),
            profile: ProfileInputs {
                read: true,
                env_disabled: true,
                facts: Facts {
                    config_file_keys: Some(1),
                    ..Facts::default()
                },
            },
            ..Default::default()
        };
        assert_eq!(select_source(&i), Step::ProfileConfigFile);
        // The trace has the file and line of the deciding section.
        let c = consider(&i);
        let taken = c.iter().find(|c| c.applies).unwrap();
        assert_eq!(taken.file, Some((FileKind::Config, 1)));
        // Files not read: no profile candidate applies.
        let i = ChainInputs {
            profile: ProfileInputs {
                read: false,
                env_disabled: false,
                facts: all,
            },
            ..Default::default()
        };
        assert_eq!(select_source(&i), Step::Ec2);
    }

    #[test]
    fn chain_order() {
        let all = ChainInputs {
            custom_provider: true,
            fresh_cache: true,
            access_key_id: Some("AKIA"),
            secret_access_key: Some("s"),
            session_token: None,
            web_identity_token_file: Some("/var/run/token"),
            role_arn: Some("arn:aws:iam::1:role/r"),
            ecs_relative_uri: Some("/v2/creds"),
            container_full_uri: Some("http://169.254.170.23/v1/credentials"),
            ec2_disabled: false,
            profile: ProfileInputs::default(),
        };
        let mut i = all;
        assert_eq!(select_source(&i), Step::CustomProvider);
        i.custom_provider = false;
        assert_eq!(
            select_source(&i),
            Step::Cache,
            "cache beats env vars that appeared later"
        );
        i.fresh_cache = false;
        assert_eq!(select_source(&i), Step::Environment);
        i.access_key_id = Some("");
        assert_eq!(
            select_source(&i),
            Step::Environment,
            "a lone secret still selects env (and errors there)"
        );
        i.secret_access_key = None;
        assert_eq!(select_source(&i), Step::WebIdentity);
        i.role_arn = None;
        assert_eq!(
            select_source(&i),
            Step::Ecs,
            "web identity needs both variables"
        );
        i.ecs_relative_uri = Some("");
        assert_eq!(select_source(&i), Step::ContainerFullUri);
        i.container_full_uri = None;
        assert_eq!(select_source(&i), Step::Ec2);
        i.ec2_disabled = true;
        assert_eq!(select_source(&i), Step::None);
        // Relative URI beats full URI; ECS set means no EC2 whatever happens.
        let j = ChainInputs {
            ecs_relative_uri: Some("/x"),
            container_full_uri: Some("http://127.0.0.1/"),
            ..Default::default()
        };
        assert_eq!(select_source(&j), Step::Ecs);
        let k = ChainInputs {
            session_token: Some("t"),
            ..Default::default()
        };
        assert_eq!(select_source(&k), Step::Environment);
    }
}
