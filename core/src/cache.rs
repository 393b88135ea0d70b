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
    /// [`crate::providers::web_identity`].
    WebIdentity,
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
}

/// How many candidates [`consider`] judges.
pub const CANDIDATES: usize = 7;

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
    }
}

/// THE order rule: every candidate in the spec's order, each with whether it applies and why.
/// Custom provider, then cached endpoint credentials (kept even if env vars appeared later),
/// environment (any of the three variables set), web identity (token file and role ARN both set),
/// ECS relative URI, container full URI, else EC2 (unless `AWS_EC2_METADATA_DISABLED=true`).
/// [`select_source`] takes the first that applies; a later one that applies too is shadowed.
pub fn consider(i: &ChainInputs<'_>) -> [Consideration; CANDIDATES] {
    use crate::providers::{container, ecs, env, imds, web_identity};
    let environment = if set(i.access_key_id) {
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
    let web = match (set(i.web_identity_token_file), set(i.role_arn)) {
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
        web,
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
                    Step::WebIdentity,
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
            (all[3].applies, all[3].variable),
            (false, Some("AWS_ROLE_ARN")),
            "{:?}",
            all[3]
        );
        assert!(all[6].applies && all[6].variable.is_none());
        let off = consider(&ChainInputs {
            ec2_disabled: true,
            ..Default::default()
        });
        assert_eq!(
            (off[6].applies, off[6].variable),
            (false, Some("AWS_EC2_METADATA_DISABLED"))
        );
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
