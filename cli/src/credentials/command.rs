//! `mongodb-aws credentials`: resolve the chain like a driver would and print which identity it
//! yields — source, access key id, expiry and ARN-related fields, with the secret and token redacted.

use mongodb_aws::{
    AssumeRole as AssumeRoleOptions, AssumeRoleWithSaml as SamlOptions,
    CallerIdentity as CallerInfo, Credentials as OwnedCredentials, Error as ResolveError, Resolved,
    Resolver,
};
use mongodb_aws_core::cache::{is_fresh, refresh_at};
use mongodb_aws_core::time::AmzDate;
use mongodb_aws_core::UnixTime;
use std::sync::Arc;

const USAGE: &str = "\
usage: mongodb-aws credentials [--json] [--caller-identity]
         [--assume-role ROLE_ARN [--role-session-name NAME] [--external-id ID]
                                 [--mfa-serial SERIAL --mfa-code CODE] [--duration-seconds N]]
         [--saml-assertion-file FILE --role-arn ROLE_ARN --principal-arn PROVIDER_ARN
                                 [--duration-seconds N]]

Resolves AWS credentials the way a MONGODB-AWS driver does — AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
(+AWS_SESSION_TOKEN), else AssumeRoleWithWebIdentity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN),
else ECS (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI), else the container full URI
(AWS_CONTAINER_CREDENTIALS_FULL_URI), else EC2 instance metadata (IMDSv2) — and prints the source,
access key id, expiry and role ARN. The secret access key and session token are never printed.

  --json                  one JSON object instead of text
  --caller-identity       also ask STS GetCallerIdentity who these credentials are, and print the
                          MongoDB $external user the server will map them to
  --assume-role ARN       then call STS AssumeRole with the resolved credentials
  --saml-assertion-file   call STS AssumeRoleWithSAML with the base64 assertion in FILE

Endpoint overrides for tests: MONGODB_AWS_ECS_ENDPOINT, MONGODB_AWS_EC2_METADATA_ENDPOINT
(or AWS_EC2_METADATA_SERVICE_ENDPOINT), MONGODB_AWS_STS_ENDPOINT. AWS_METADATA_SERVICE_TIMEOUT and
AWS_METADATA_SERVICE_NUM_ATTEMPTS set the EC2 metadata deadline (seconds) and attempts; the other
deadlines and retries are the chain's (README, section Credential sources).
Exit status: 0 resolved, 1 failed (the error's stable name and number are printed), 2 usage.";

#[derive(Debug, Default)]
struct Args {
    json: bool,
    caller_identity: bool,
    assume: Option<AssumeRoleOptions>,
    saml: Option<SamlOptions>,
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut a = Args::default();
    let mut assume = AssumeRoleOptions::default();
    let mut saml = SamlOptions::default();
    let (mut serial, mut code, mut duration) = (None, None, None);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut val = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "--json" => a.json = true,
            "--caller-identity" => a.caller_identity = true,
            "--assume-role" => assume.role_arn = val(arg)?,
            "--role-session-name" => assume.session_name = Some(val(arg)?),
            "--external-id" => assume.external_id = Some(val(arg)?),
            "--mfa-serial" => serial = Some(val(arg)?),
            "--mfa-code" => code = Some(val(arg)?),
            "--duration-seconds" => {
                duration = Some(
                    val(arg)?
                        .parse::<u32>()
                        .map_err(|_| "--duration-seconds needs a number".to_string())?,
                )
            }
            "--saml-assertion-file" => saml.assertion_file = val(arg)?,
            "--role-arn" => saml.role_arn = val(arg)?,
            "--principal-arn" => saml.principal_arn = val(arg)?,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    match (serial, code) {
        (Some(s), Some(c)) => assume.mfa = Some((s, c)),
        (None, None) => {}
        _ => return Err("--mfa-serial and --mfa-code go together".into()),
    }
    if !saml.assertion_file.is_empty() {
        if saml.role_arn.is_empty() || saml.principal_arn.is_empty() {
            return Err("--saml-assertion-file needs --role-arn and --principal-arn".into());
        }
        if !assume.role_arn.is_empty() {
            return Err("--assume-role and --saml-assertion-file exclude each other".into());
        }
        saml.duration_seconds = duration;
        a.saml = Some(saml);
    } else if !assume.role_arn.is_empty() {
        assume.duration_seconds = duration;
        a.assume = Some(assume);
    } else if assume.mfa.is_some()
        || assume.external_id.is_some()
        || assume.session_name.is_some()
        || duration.is_some()
        || !saml.role_arn.is_empty()
        || !saml.principal_arn.is_empty()
    {
        return Err("these options need --assume-role or --saml-assertion-file".into());
    }
    Ok(a)
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
pub fn iso8601(t: UnixTime) -> String {
    match AmzDate::from_unix(t) {
        Ok(d) => {
            let s = d.as_str();
            format!(
                "{}-{}-{}T{}:{}:{}Z",
                &s[0..4],
                &s[4..6],
                &s[6..8],
                &s[9..11],
                &s[11..13],
                &s[13..15]
            )
        }
        Err(_) => t.0.to_string(),
    }
}

fn json_str(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

fn opt(s: Option<&str>) -> String {
    s.map_or("null".into(), json_str)
}

fn now() -> UnixTime {
    UnixTime(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    )
}

/// A resolution with how it was obtained.
struct Answer {
    resolved: Resolved,
    selected_by: &'static str,
}

fn render(
    a: &Answer,
    via: Option<&OwnedCredentials>,
    who: Option<&CallerInfo>,
    json: bool,
) -> String {
    let r = &a.resolved;
    let c: &OwnedCredentials = &r.credentials;
    let t = now();
    let exp = c.expiration();
    if json {
        let mut f = vec![
            format!("\"source\":{}", json_str(c.source().name())),
            format!("\"selected_by\":{}", json_str(a.selected_by)),
            format!("\"from_cache\":{}", r.from_cache),
            format!("\"access_key_id\":{}", json_str(c.access_key_id())),
            "\"secret_access_key\":\"<redacted>\"".into(),
            format!(
                "\"session_token\":{}",
                c.session_token()
                    .map_or("null".into(), |_| "\"<redacted>\"".to_string())
            ),
            format!(
                "\"expiration\":{}",
                exp.map_or("null".into(), |e| json_str(&iso8601(e)))
            ),
            format!(
                "\"expiration_unix\":{}",
                exp.map_or("null".into(), |e| e.0.to_string())
            ),
            format!("\"fresh\":{}", is_fresh(exp, t)),
            format!("\"arn\":{}", opt(c.arn())),
            format!("\"assumed_role_id\":{}", opt(c.assumed_role_id())),
            format!("\"account_id\":{}", opt(c.account_id())),
            format!("\"instance_role\":{}", opt(c.instance_role())),
        ];
        if let Some(b) = via {
            f.push(format!(
                "\"base\":{{\"source\":{},\"access_key_id\":{}}}",
                json_str(b.source().name()),
                json_str(b.access_key_id())
            ));
        }
        if let Some(w) = who {
            f.push(format!(
                "\"caller_identity\":{{\"arn\":{},\"user_id\":{},\"account\":{},\"mongodb_user\":{}}}",
                json_str(&w.arn),
                opt(w.user_id.as_deref()),
                opt(w.account.as_deref()),
                json_str(&w.mongodb_user)
            ));
        }
        return format!("{{{}}}", f.join(","));
    }
    let mut out = String::new();
    let mut line = |k: &str, v: &str| out.push_str(&format!("{k:<18} {v}\n"));
    line("source:", c.source().name());
    line("selected by:", a.selected_by);
    line("from cache:", if r.from_cache { "yes" } else { "no" });
    line("access key id:", c.access_key_id());
    line(
        "secret access key:",
        &format!("<redacted, {} characters>", c.secret_access_key().len()),
    );
    line(
        "session token:",
        &c.session_token().map_or("none".into(), |t| {
            format!("<redacted, {} characters>", t.len())
        }),
    );
    match exp {
        Some(e) => {
            let left = e.0 as i64 - t.0 as i64;
            line(
                "expiration:",
                &format!(
                    "{} (in {}m{:02}s)",
                    iso8601(e),
                    left / 60,
                    (left % 60).abs()
                ),
            );
            line("refresh after:", &iso8601(refresh_at(e)));
        }
        None => line("expiration:", "none (long-term or environment credentials)"),
    }
    if let Some(a) = c.arn() {
        line("arn:", a);
    }
    if let Some(a) = c.assumed_role_id() {
        line("assumed role id:", a);
    }
    if let Some(a) = c.account_id() {
        line("account id:", a);
    }
    if let Some(a) = c.instance_role() {
        line("instance role:", a);
    }
    if let Some(b) = via {
        line(
            "base credentials:",
            &format!("{} ({})", b.access_key_id(), b.source().name()),
        );
    }
    if let Some(w) = who {
        line("caller arn:", &w.arn);
        if let Some(a) = &w.account {
            line("caller account:", a);
        }
        if let Some(u) = &w.user_id {
            line("caller user id:", u);
        }
        line(
            "mongodb user:",
            &format!("{} (db \"$external\")", w.mongodb_user),
        );
    }
    out
}

/// Runs the command with `args` (after `credentials`) with the process environment; returns the
/// exit status.
pub fn run_with(
    args: &[String],
    out: &mut dyn std::io::Write,
    err: &mut dyn std::io::Write,
) -> i32 {
    let a = match parse_args(args) {
        Ok(a) => a,
        Err(msg) => {
            if msg.is_empty() {
                let _ = writeln!(out, "{USAGE}");
                return 0;
            }
            let _ = writeln!(err, "mongodb-aws credentials: {msg}\n\n{USAGE}");
            return 2;
        }
    };
    type Out = (Answer, Option<Arc<OwnedCredentials>>, Option<CallerInfo>);
    let resolver = Resolver::new();
    let result: Result<Out, ResolveError> = (|| {
        let (r, via) = resolve_for(&a, &resolver)?;
        let who = if a.caller_identity {
            Some(resolver.caller_identity(&r.resolved.credentials)?)
        } else {
            None
        };
        Ok((r, via, who))
    })();
    match result {
        Ok((r, via, who)) => {
            let text = render(&r, via.as_deref(), who.as_ref(), a.json);
            let _ = if a.json {
                writeln!(out, "{text}")
            } else {
                write!(out, "{text}")
            };
            0
        }
        Err(e) => {
            if a.json {
                let _ = writeln!(
                    out,
                    "{{\"error\":{},\"code\":{},\"message\":{},\"source\":{}}}",
                    json_str(e.code()),
                    e.number(),
                    json_str(e.message()),
                    opt(e.credential_source().map(|s| s.name()))
                );
            }
            let _ = writeln!(
                err,
                "mongodb-aws credentials: {} ({}): {}",
                e.code(),
                e.number(),
                e.message()
            );
            1
        }
    }
}

fn resolve_for(
    a: &Args,
    resolver: &Resolver<'_>,
) -> Result<(Answer, Option<Arc<OwnedCredentials>>), ResolveError> {
    let direct = |c: OwnedCredentials, selected_by| Answer {
        resolved: Resolved {
            credentials: Arc::new(c),
            from_cache: false,
        },
        selected_by,
    };
    if let Some(s) = &a.saml {
        let c = resolver.assume_role_with_saml(s)?;
        return Ok((direct(c, "--saml-assertion-file"), None));
    }
    let base = resolver.resolve()?;
    match &a.assume {
        Some(o) => {
            let c = resolver.assume_role(&base.credentials, o)?;
            Ok((direct(c, "--assume-role"), Some(base.credentials)))
        }
        None => Ok((
            Answer {
                resolved: base,
                selected_by: "the credential chain",
            },
            None,
        )),
    }
}

/// Entry point from `main`: the process environment, stdout and stderr.
pub fn run(args: &[String]) -> i32 {
    run_with(
        args,
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_format() {
        // 2023-02-07T20:04:27Z = 1675800267 (python3 calendar.timegm).
        assert_eq!(iso8601(UnixTime(1_675_800_267)), "2023-02-07T20:04:27Z");
    }

    #[test]
    fn args() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(parse_args(&s(&["--json"])).unwrap().json);
        let a = parse_args(&s(&[
            "--assume-role",
            "arn:aws:iam::1:role/r",
            "--mfa-serial",
            "arn:aws:iam::1:mfa/u",
            "--mfa-code",
            "123456",
            "--duration-seconds",
            "900",
        ]))
        .unwrap();
        let o = a.assume.unwrap();
        assert_eq!(o.duration_seconds, Some(900));
        assert_eq!(o.mfa.unwrap().1, "123456");
        assert!(parse_args(&s(&["--mfa-code", "1"])).is_err());
        assert!(parse_args(&s(&["--bogus"])).is_err());
        assert!(parse_args(&s(&["--saml-assertion-file", "f"])).is_err());
    }
}
