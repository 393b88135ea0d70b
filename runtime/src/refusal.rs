//! What to tell a user when the server refuses a MONGODB-AWS authentication: drivers say only
//! "Authentication failed" (code 18). This is the one text every host adds (the pymongo shim, the
//! Node provider's clearing hook, the C example): the credential source, the access key id, the
//! `$external` user the server looks up as far as it is knowable without calling STS, and the
//! assumed-role hint. `mongodb-aws doctor` calls STS and prints the exact user.

use crate::{Credentials, Source};
use mongodb_aws_core::caller_identity::{role_user_name, user_name};

/// The assumed-role rule, said once for every host.
pub const ASSUMED_ROLE_HINT: &str = "sessions of an assumed role (temporary keys, ASIA...) map to \
the $external user arn:aws:sts::ACCOUNT:assumed-role/ROLE/*, not to the role's ARN \
arn:aws:iam::ACCOUNT:role/ROLE";

/// The refusal diagnosis from the parts a host has. `source` is `None` for credentials the
/// application gave itself (URI user name and password, an explicit object): "the application
/// (given explicitly)".
pub fn refusal_hint_for(
    source: Option<Source>,
    access_key_id: &str,
    has_session_token: bool,
    arn: Option<&str>,
    instance_role: Option<&str>,
) -> String {
    let from = source.map_or("the application (given explicitly)", |s| s.name());
    let token = if has_session_token {
        ", with a session token"
    } else {
        ""
    };
    let mut temporary = has_session_token || access_key_id.starts_with("ASIA");
    let user = match arn {
        Some(a) => match (user_name(a), role_user_name(a)) {
            (_, Ok(role)) => {
                temporary = true;
                format!("{role} (every session of the role {a})")
            }
            (Ok(u), _) => {
                temporary |= u.is_role_wildcard();
                format!("{u} (from the ARN {a})")
            }
            _ => format!("mapped from the ARN of key {access_key_id}"),
        },
        None => match instance_role {
            Some(r) => {
                temporary = true;
                format!("arn:aws:sts::ACCOUNT:assumed-role/{r}/* (every session of the instance role {r})")
            }
            None => format!(
                "mapped from the ARN of key {access_key_id} (STS GetCallerIdentity; \
                 `mongodb-aws doctor` prints it)"
            ),
        },
    };
    let mut s = format!(
        "credentials from {from} (access key id {access_key_id}{token}); the server looks up \
         the $external user {user}"
    );
    if temporary {
        s.push_str("; ");
        s.push_str(ASSUMED_ROLE_HINT);
    }
    s.push_str("; run `mongodb-aws doctor --uri MONGODB_URI` for the whole diagnosis");
    s
}

impl Credentials {
    /// [`refusal_hint_for`] these credentials (their source, key, ARN or instance role).
    pub fn refusal_hint(&self) -> String {
        refusal_hint_for(
            Some(self.source()),
            self.access_key_id(),
            self.session_token().is_some(),
            self.arn(),
            self.instance_role(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_knowable_is_said() {
        // ECS: the role ARN gives the exact user.
        let h = refusal_hint_for(
            Some(Source::Ecs),
            "ASIAECS",
            true,
            Some("arn:aws:iam::123456789012:role/task"),
            None,
        );
        assert!(h.starts_with("credentials from ecs (access key id ASIAECS, with a session token); the server looks up the $external user arn:aws:sts::123456789012:assumed-role/task/* (every session of the role arn:aws:iam::123456789012:role/task)"), "{h}");
        assert!(h.contains(ASSUMED_ROLE_HINT));
        // Web identity: the session ARN, mapped.
        let h = refusal_hint_for(
            Some(Source::WebIdentity),
            "ASIAWEB",
            true,
            Some("arn:aws:sts::1:assumed-role/irsa/s1"),
            None,
        );
        assert!(h.contains("user arn:aws:sts::1:assumed-role/irsa/* (from the ARN arn:aws:sts::1:assumed-role/irsa/s1)"), "{h}");
        // EC2: the role name, the account unknown.
        let h = refusal_hint_for(Some(Source::Ec2), "ASIAEC2", true, None, Some("web"));
        assert!(h.contains("arn:aws:sts::ACCOUNT:assumed-role/web/*"), "{h}");
        // Long-term keys from the environment: only the key id is known; no role hint.
        let h = refusal_hint_for(Some(Source::Environment), "AKIAENV", false, None, None);
        assert!(
            h.contains("the $external user mapped from the ARN of key AKIAENV (STS"),
            "{h}"
        );
        assert!(!h.contains("assumed-role"), "{h}");
        assert!(h.ends_with("`mongodb-aws doctor --uri MONGODB_URI` for the whole diagnosis"));
        // Explicit temporary keys: the hint.
        let h = refusal_hint_for(None, "ASIAAPP", true, None, None);
        assert!(
            h.starts_with("credentials from the application (given explicitly)"),
            "{h}"
        );
        assert!(h.contains(ASSUMED_ROLE_HINT));
    }
}
