//! `mongodb-aws credentials`: resolve the chain like a driver would and print which identity it
//! yields — source, the profile, file and line that supplied it, access key id, expiry and ARN-related
//! fields, with the secret and token redacted; or, with `--format`, the credentials themselves for
//! another program (a shell's `eval`, a `credential_process`).

use super::mfa;
use mongodb_aws::{
    now, AssumeRole as AssumeRoleOptions, AssumeRoleWithSaml as SamlOptions,
    CallerIdentity as CallerInfo, Credentials as OwnedCredentials, Error as ResolveError, Resolved,
    Resolver,
};
use mongodb_aws_core::cache::{is_fresh, refresh_at};
use mongodb_aws_core::UnixTime;
use std::sync::Arc;
use zeroize::Zeroizing;

pub const USAGE: &str = "\
usage: mongodb-aws credentials [--profile NAME] [--json | --format env|process|json] [--caller-identity]
         [--assume-role ROLE_ARN [--role-session-name NAME] [--external-id ID]
                                 [--mfa-serial SERIAL [--mfa-code CODE]] [--duration-seconds N]]
         [--saml-assertion-file FILE --role-arn ROLE_ARN --principal-arn PROVIDER_ARN
                                 [--duration-seconds N]]

Resolves AWS credentials the way a MONGODB-AWS driver does — AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
(+AWS_SESSION_TOKEN), then the AWS shared config and credentials files (~/.aws/config and
~/.aws/credentials, or AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE; the profile of --profile, else
AWS_PROFILE, else default: its role, web identity, IAM Identity Center (SSO), static keys or
credential_process), then AssumeRoleWithWebIdentity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN),
ECS (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI), the container full URI
(AWS_CONTAINER_CREDENTIALS_FULL_URI), EC2 instance metadata (IMDSv2) — and prints the source, the
profile, file and line that supplied them, the access key id, expiry and role ARN. The secret access
key and session token are never printed, except on stdout with --format.

  --profile NAME          use this profile of the shared files (like AWS_PROFILE, which it overrides;
                          a profile in neither file is an error)
  --json                  one JSON object instead of text (secrets redacted)
  --format env|process|json
                          print the credentials themselves, secrets included, on stdout: env as
                          `export AWS_ACCESS_KEY_ID=...` lines for a shell's eval; process as the
                          credential_process JSON (Version 1, Expiration in RFC 3339), so any tool
                          that reads a credential_process can use the flows of this command; json as
                          the --json object with the secret and token in clear
  --caller-identity       also ask STS GetCallerIdentity who these credentials are, and print the
                          MongoDB $external user the server will map them to
  --assume-role ARN       then call STS AssumeRole with the resolved credentials
  --mfa-serial SERIAL     with --assume-role: the MFA device; the code is --mfa-code, else asked for
  --saml-assertion-file   call STS AssumeRoleWithSAML with the base64 assertion in FILE

MFA codes (a profile's mfa_serial, or --mfa-serial without --mfa-code) are asked for on stderr
(`Enter MFA code for SERIAL: `) and read from the terminal, or one line each from stdin when stdin is
not a terminal; they are never printed.
Endpoint overrides for tests: MONGODB_AWS_ECS_ENDPOINT, MONGODB_AWS_EC2_METADATA_ENDPOINT
(or AWS_EC2_METADATA_SERVICE_ENDPOINT), MONGODB_AWS_STS_ENDPOINT, MONGODB_AWS_SSO_ENDPOINT,
MONGODB_AWS_SSO_OIDC_ENDPOINT. AWS_METADATA_SERVICE_TIMEOUT and AWS_METADATA_SERVICE_NUM_ATTEMPTS set
the EC2 metadata deadline (seconds) and attempts; the other deadlines and retries are the chain's
(README, section Credential sources).
Exit status: 0 resolved, 1 failed (the error's stable name and number are printed), 2 usage.";

/// What `--format` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `export NAME=value` lines.
    Env,
    /// The credential_process JSON, Version 1.
    Process,
    /// The `--json` object with the secrets in clear.
    Json,
}

/// The options of `mongodb-aws credentials`, as clap parses them.
#[derive(clap::Args, Debug, Default)]
pub struct Args {
    /// Prints USAGE.
    #[arg(short, long)]
    pub help: bool,
    #[arg(long, conflicts_with = "format")]
    json: bool,
    #[arg(long)]
    caller_identity: bool,
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    #[arg(long, value_enum, value_name = "FORMAT")]
    format: Option<Format>,
    #[arg(long, value_name = "ROLE_ARN", conflicts_with = "saml_assertion_file")]
    assume_role: Option<String>,
    #[arg(long, value_name = "NAME", requires = "assume_role")]
    role_session_name: Option<String>,
    #[arg(long, value_name = "ID", requires = "assume_role")]
    external_id: Option<String>,
    #[arg(long, value_name = "SERIAL", requires = "assume_role")]
    mfa_serial: Option<String>,
    #[arg(long, value_name = "CODE", requires = "mfa_serial")]
    mfa_code: Option<String>,
    #[arg(long, value_name = "N", value_parser = seconds)]
    duration_seconds: Option<u32>,
    #[arg(long, value_name = "FILE", requires_all = ["role_arn", "principal_arn"])]
    saml_assertion_file: Option<String>,
    #[arg(long, value_name = "ROLE_ARN", requires = "saml_assertion_file")]
    role_arn: Option<String>,
    #[arg(long, value_name = "PROVIDER_ARN", requires = "saml_assertion_file")]
    principal_arn: Option<String>,
}

fn seconds(v: &str) -> Result<u32, String> {
    v.parse::<u32>()
        .map_err(|_| "expected a number of seconds".into())
}

/// Checked options.
#[derive(Debug, Default)]
struct Options {
    json: bool,
    format: Option<Format>,
    caller_identity: bool,
    profile: Option<String>,
    assume: Option<AssumeRoleOptions>,
    /// `--mfa-serial` of `--assume-role` and its `--mfa-code` (asked for when not given).
    assume_mfa: Option<(String, Option<String>)>,
    saml: Option<SamlOptions>,
}

fn options(a: Args) -> Result<Options, String> {
    if a.duration_seconds.is_some() && a.assume_role.is_none() && a.saml_assertion_file.is_none() {
        return Err(
            "--duration-seconds needs --assume-role or --saml-assertion-file (see --help)".into(),
        );
    }
    if a.caller_identity && matches!(a.format, Some(Format::Env | Format::Process)) {
        return Err(
            "--caller-identity goes with the text, --json or --format json output (see --help)"
                .into(),
        );
    }
    let assume = a.assume_role.map(|role_arn| AssumeRoleOptions {
        role_arn,
        session_name: a.role_session_name,
        external_id: a.external_id,
        duration_seconds: a.duration_seconds,
        mfa: None,
    });
    let assume_mfa = a.mfa_serial.map(|serial| (serial, a.mfa_code));
    let saml = a.saml_assertion_file.map(|assertion_file| SamlOptions {
        role_arn: a.role_arn.unwrap_or_default(),
        principal_arn: a.principal_arn.unwrap_or_default(),
        assertion_file,
        duration_seconds: a.duration_seconds,
    });
    Ok(Options {
        json: a.json,
        format: a.format,
        caller_identity: a.caller_identity,
        profile: a.profile,
        assume,
        assume_mfa,
        saml,
    })
}

/// `YYYY-MM-DDTHH:MM:SSZ` (the core's SSO cache format); the bare seconds beyond year 9999.
pub fn iso8601(t: UnixTime) -> String {
    let mut buf = [0u8; 20];
    match mongodb_aws_core::providers::sso::iso(t, &mut buf) {
        Ok(s) => s.to_string(),
        Err(_) => t.0.to_string(),
    }
}

fn json_str(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

fn opt(s: Option<&str>) -> String {
    s.map_or("null".into(), json_str)
}

/// A resolution with how it was obtained.
struct Answer {
    resolved: Resolved,
    selected_by: &'static str,
}

/// The `--json` object (`secrets`: the secret and token in clear, for `--format json`).
fn render_json(
    a: &Answer,
    via: Option<&OwnedCredentials>,
    who: Option<&CallerInfo>,
    secrets: bool,
) -> String {
    let r = &a.resolved;
    let c: &OwnedCredentials = &r.credentials;
    let exp = c.expiration();
    let origin = c.origin();
    let mut f = vec![
        format!("\"source\":{}", json_str(c.source().name())),
        format!("\"selected_by\":{}", json_str(a.selected_by)),
        format!("\"from_cache\":{}", r.from_cache),
        format!("\"profile\":{}", opt(origin.map(|o| o.profile.as_str()))),
        format!("\"origin_file\":{}", opt(origin.map(|o| o.file.as_str()))),
        format!(
            "\"origin_line\":{}",
            origin.map_or("null".into(), |o| o.line.to_string())
        ),
        format!("\"access_key_id\":{}", json_str(c.access_key_id())),
        format!(
            "\"secret_access_key\":{}",
            if secrets {
                json_str(c.secret_access_key())
            } else {
                "\"<redacted>\"".into()
            }
        ),
        format!(
            "\"session_token\":{}",
            match c.session_token() {
                None => "null".into(),
                Some(t) if secrets => json_str(t),
                Some(_) => "\"<redacted>\"".into(),
            }
        ),
        format!(
            "\"expiration\":{}",
            exp.map_or("null".into(), |e| json_str(&iso8601(e)))
        ),
        format!(
            "\"expiration_unix\":{}",
            exp.map_or("null".into(), |e| e.0.to_string())
        ),
        format!("\"fresh\":{}", is_fresh(exp, now())),
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
    format!("{{{}}}\n", f.join(","))
}

/// The text report (secrets as their length only).
fn render_text(a: &Answer, via: Option<&OwnedCredentials>, who: Option<&CallerInfo>) -> String {
    let r = &a.resolved;
    let c: &OwnedCredentials = &r.credentials;
    let t = now();
    let exp = c.expiration();
    let mut out = String::new();
    let mut line = |k: &str, v: &str| out.push_str(&format!("{k:<18} {v}\n"));
    line("source:", c.source().name());
    if let Some(o) = c.origin() {
        line(
            "profile:",
            &format!("{} ({}, line {})", o.profile, o.file, o.line),
        );
    }
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
        None => line(
            "expiration:",
            "none (long-term, environment or shared-file credentials)",
        ),
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

/// A value for a POSIX shell: as is when it is made of characters no shell treats specially
/// (access key ids, base64 secrets and tokens), else single-quoted.
fn shell_word(v: &str) -> String {
    if !v.is_empty()
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=._:-@%".contains(&b))
    {
        v.to_string()
    } else {
        format!("'{}'", v.replace('\'', "'\\''"))
    }
}

/// `--format env`: the variables the AWS SDKs and this project read, as `aws configure
/// export-credentials --format env` writes them.
fn render_env(c: &OwnedCredentials) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::new());
    out.push_str(&format!(
        "export AWS_ACCESS_KEY_ID={}\n",
        shell_word(c.access_key_id())
    ));
    out.push_str(&format!(
        "export AWS_SECRET_ACCESS_KEY={}\n",
        shell_word(c.secret_access_key())
    ));
    if let Some(t) = c.session_token() {
        out.push_str(&format!("export AWS_SESSION_TOKEN={}\n", shell_word(t)));
    }
    if let Some(e) = c.expiration() {
        out.push_str(&format!(
            "export AWS_CREDENTIAL_EXPIRATION={}\n",
            iso8601(e)
        ));
    }
    out
}

/// `--format process`: the credential_process answer, Version 1, Expiration in RFC 3339 (absent
/// for long-term keys, which the SDKs then never refresh).
fn render_process(c: &OwnedCredentials) -> Zeroizing<String> {
    let mut f = vec![
        "\"Version\":1".to_string(),
        format!("\"AccessKeyId\":{}", json_str(c.access_key_id())),
        format!("\"SecretAccessKey\":{}", json_str(c.secret_access_key())),
    ];
    if let Some(t) = c.session_token() {
        f.push(format!("\"SessionToken\":{}", json_str(t)));
    }
    if let Some(e) = c.expiration() {
        f.push(format!("\"Expiration\":{}", json_str(&iso8601(e))));
    }
    let out = Zeroizing::new(format!("{{{}}}\n", f.join(",")));
    for s in &mut f {
        zeroize::Zeroize::zeroize(s);
    }
    out
}

/// Prints a usage error the way `mongodb-aws credentials` does; returns the exit status (2).
pub fn usage_error(msg: &str, err: &mut dyn std::io::Write) -> i32 {
    let _ = writeln!(err, "mongodb-aws credentials: {msg}\n\n{USAGE}");
    2
}

/// Runs the command with its parsed arguments and the process environment; returns the exit
/// status. MFA codes are read from stdin (see [`mfa`]).
pub fn run_with(a: Args, out: &mut dyn std::io::Write, err: &mut dyn std::io::Write) -> i32 {
    let help = || {
        let _ = writeln!(out, "{USAGE}");
    };
    let mut a = match crate::args::start(a.help, a, options, help, |m| usage_error(m, err)) {
        Ok(a) => a,
        Err(code) => return code,
    };
    if let Some((serial, code @ None)) = &mut a.assume_mfa {
        match mfa::ask(serial) {
            Ok(c) => *code = Some(c.to_string()),
            Err(e) => {
                let _ = writeln!(
                    err,
                    "mongodb-aws credentials: no MFA code for {serial}: {e}"
                );
                return 1;
            }
        }
    }
    type Out = (Answer, Option<Arc<OwnedCredentials>>, Option<CallerInfo>);
    let resolver = Resolver::new()
        .profile(a.profile.clone())
        .mfa(Some(mfa::terminal()));
    let json_out = a.json || a.format == Some(Format::Json);
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
            let c = &r.resolved.credentials;
            let text = match a.format {
                Some(Format::Env) => render_env(c),
                Some(Format::Process) => render_process(c),
                Some(Format::Json) => {
                    Zeroizing::new(render_json(&r, via.as_deref(), who.as_ref(), true))
                }
                None if a.json => {
                    Zeroizing::new(render_json(&r, via.as_deref(), who.as_ref(), false))
                }
                None => Zeroizing::new(render_text(&r, via.as_deref(), who.as_ref())),
            };
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
            0
        }
        Err(e) => {
            if json_out {
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
    a: &Options,
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
            let mut o = o.clone();
            o.mfa = a
                .assume_mfa
                .as_ref()
                .and_then(|(s, c)| c.clone().map(|c| (s.clone(), c)));
            let c = resolver.assume_role(&base.credentials, &o)?;
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
pub fn run(a: Args) -> i32 {
    run_with(
        a,
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_args(args: &[&str]) -> Result<Option<Options>, String> {
        crate::args::parse_checked(args, |a: &Args| a.help, options)
    }

    #[test]
    fn iso_format() {
        // 2023-02-07T20:04:27Z = 1675800267 (python3 calendar.timegm).
        assert_eq!(iso8601(UnixTime(1_675_800_267)), "2023-02-07T20:04:27Z");
    }

    #[test]
    fn args() {
        assert!(parse_args(&["--json"]).unwrap().unwrap().json);
        assert!(parse_args(&["--help"]).unwrap().is_none());
        let a = parse_args(&[
            "--assume-role",
            "arn:aws:iam::1:role/r",
            "--mfa-serial",
            "arn:aws:iam::1:mfa/u",
            "--mfa-code",
            "123456",
            "--duration-seconds",
            "900",
        ])
        .unwrap()
        .unwrap();
        let o = a.assume.unwrap();
        assert_eq!(o.duration_seconds, Some(900));
        assert_eq!(a.assume_mfa.unwrap().1.as_deref(), Some("123456"));
        let a = parse_args(&["--profile", "dev", "--format", "process"])
            .unwrap()
            .unwrap();
        assert_eq!(a.profile.as_deref(), Some("dev"));
        assert_eq!(a.format, Some(Format::Process));
        for bad in [
            &["--mfa-code", "1"][..],
            &["--bogus"],
            &["--saml-assertion-file", "f"],
            &["--duration-seconds", "900"],
            &[
                "--assume-role",
                "arn:aws:iam::1:role/r",
                "--duration-seconds",
                "x",
            ],
            &["--json", "--format", "json"],
            &["--format", "yaml"],
            &["--format", "env", "--caller-identity"],
            &["--profile"],
            &[
                "--assume-role",
                "a",
                "--saml-assertion-file",
                "f",
                "--role-arn",
                "r",
                "--principal-arn",
                "p",
            ],
        ] {
            assert!(parse_args(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            parse_args(&["--format", "yaml"]).unwrap_err(),
            "--format: expected one of env, process, json (see --help)"
        );
    }

    #[test]
    fn shell_words() {
        assert_eq!(shell_word("AKIA/x+y="), "AKIA/x+y=");
        assert_eq!(shell_word("it's $x"), "'it'\\''s $x'");
        assert_eq!(shell_word(""), "''");
    }
}
