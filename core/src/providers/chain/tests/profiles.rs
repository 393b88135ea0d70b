//! The AWS shared files in the chain. Expected values come from botocore's source (1.44:
//! `session.py` profile selection and `full_config`, `credentials.py` providers and their order,
//! `configprovider.py` / `args.py` endpoint rules, `compat_shell_split` = `shlex.split`) and
//! PROTOCOL.md part B, never from a run of this code.

use super::*;

const HOME: &str = "/home/u";
const CONFIG: &str = "/home/u/.aws/config";
const CREDS: &str = "/home/u/.aws/credentials";
const BASE_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const BASE_SECRET: &str = "baseSecretKeyEXAMPLE/K7MDENG";
const HOP1_ID: &str = "ASIAHOP1EXAMPLE00001";
const HOP2_ID: &str = "ASIAHOP2EXAMPLE00002";
const ROLE_A: &str = "arn:aws:iam::123456789012:role/admin";
const ROLE_B: &str = "arn:aws:iam::123456789012:role/middle";

/// The AssumeRole XML answer (STS API reference) with access key id `id`.
fn assume_role_xml(id: &str) -> String {
    sts_xml(
        "AssumeRole",
        &format!(
            "      <AccessKeyId>{id}</AccessKeyId>\n      <SecretAccessKey>{SECRET}</SecretAccessKey>\n      <SessionToken>{TOKEN}</SessionToken>\n      <Expiration>{EXP_ISO}</Expiration>"
        ),
    )
}

/// The files' answers: `Some(text)` or missing.
fn files(config: Option<&str>, creds: Option<&str>) -> Vec<Ev> {
    [config, creds]
        .into_iter()
        .map(|f| match f {
            Some(t) => file(t),
            None => io(IoError::NotFound),
        })
        .collect()
}

fn with_home(vars: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut v = vec![("HOME", HOME)];
    v.extend_from_slice(vars);
    v
}

fn plan(profile: Option<&'static str>) -> Plan<'static> {
    Plan::Default {
        custom_provider: false,
        fresh_cache: false,
        profile,
    }
}

/// Runs the default chain with HOME set, the explicit `profile`, and `script` (the two file reads
/// first); returns what it asked, how it ended, and the chain (for the origin and failure fields).
fn run_p(
    vars: &[(&'static str, &'static str)],
    profile: Option<&'static str>,
    script: &[Ev],
) -> (Vec<Seen>, End, Box<Chain<'static>>) {
    let mut c = new_chain(env(&with_home(vars)), plan(profile), NOW);
    let (seen, end) = drive(&mut c, script);
    (seen, end, c)
}

fn origin(c: &mut Chain<'_>) -> Option<(String, String, u32)> {
    match c.poll() {
        Action::Done(o) => o
            .origin
            .map(|p| (p.profile.to_string(), p.file.to_string(), p.line)),
        _ => None,
    }
}

/// (profile, key, line, detail) of the failure.
fn failure_facts(
    c: &mut Chain<'_>,
) -> (
    Option<String>,
    Option<&'static str>,
    Option<u32>,
    Option<String>,
) {
    match c.poll() {
        Action::Failed(f) => (
            f.profile.map(Into::into),
            f.key,
            f.line,
            f.detail.map(Into::into),
        ),
        _ => panic!("not failed"),
    }
}

fn requests(seen: &[Seen]) -> Vec<&Req> {
    http(seen)
}

fn signed_by(r: &Req) -> String {
    let a = r.header("authorization").expect("signed");
    let cred = a.split("Credential=").nth(1).expect("Credential=");
    cred.split('/').next().unwrap().to_string()
}

fn file_reads(seen: &[Seen]) -> Vec<(String, &'static str)> {
    seen.iter()
        .filter_map(|s| match s {
            Seen::File { path, variable } => Some((path.clone(), *variable)),
            _ => None,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Files and profile selection (B1)
// ---------------------------------------------------------------------------------------------

#[test]
fn default_paths_come_from_home_and_static_keys_are_not_cached() {
    let creds = format!(
        "[default]\naws_access_key_id = {BASE_ID}\naws_secret_access_key = {BASE_SECRET}\n"
    );
    let (seen, end, mut c) = run_p(&[], None, &files(None, Some(&creds)));
    assert_eq!(
        file_reads(&seen),
        vec![(CONFIG.into(), "HOME"), (CREDS.into(), "HOME")]
    );
    let g = done(end);
    assert_eq!((g.id.as_str(), g.secret.as_str()), (BASE_ID, BASE_SECRET));
    assert_eq!((g.source, g.cache, g.token), (Source::Profile, false, None));
    assert_eq!(origin(&mut c), Some(("default".into(), CREDS.into(), 1)));
}

#[test]
fn userprofile_when_home_is_unset_and_variables_with_tilde() {
    let mut c = new_chain(
        env(&[
            ("USERPROFILE", "C:/Users/u"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ]),
        plan(None),
        NOW,
    );
    let (seen, _) = drive(&mut c, &files(None, None));
    assert_eq!(
        file_reads(&seen),
        vec![
            ("C:/Users/u/.aws/config".into(), "USERPROFILE"),
            ("C:/Users/u/.aws/credentials".into(), "USERPROFILE")
        ]
    );
    // `~` is expanded (os.path.expanduser); a set-but-empty variable means no file.
    let (seen, _, _) = run_p(
        &[
            ("AWS_CONFIG_FILE", "~/cfg/aws.ini"),
            ("AWS_SHARED_CREDENTIALS_FILE", ""),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ],
        None,
        &[io(IoError::NotFound)],
    );
    assert_eq!(
        file_reads(&seen),
        vec![("/home/u/cfg/aws.ini".into(), "AWS_CONFIG_FILE")]
    );
    // Without HOME, USERPROFILE or variables there is no file: no read at all (EC2 as before).
    let (seen, end) = run(&[("AWS_EC2_METADATA_DISABLED", "true")], &[]);
    assert!(seen.is_empty());
    assert_eq!(failed(end).error, Error::NoCredentials);
}

#[test]
fn profile_order_option_then_default_profile_then_profile() {
    let creds = "[a]\naws_access_key_id = AKIDPROFILEA00000001\naws_secret_access_key = s\n\
         [b]\naws_access_key_id = AKIDPROFILEB00000002\naws_secret_access_key = s\n\
         [c]\naws_access_key_id = AKIDPROFILEC00000003\naws_secret_access_key = s\n";
    let sc = files(None, Some(creds));
    // botocore: 'profile': (None, ['AWS_DEFAULT_PROFILE', 'AWS_PROFILE'], ...)
    let (_, end, _) = run_p(
        &[("AWS_PROFILE", "a"), ("AWS_DEFAULT_PROFILE", "b")],
        None,
        &sc,
    );
    assert_eq!(done(end).id, "AKIDPROFILEB00000002");
    let (_, end, _) = run_p(&[("AWS_PROFILE", "a")], None, &sc);
    assert_eq!(done(end).id, "AKIDPROFILEA00000001");
    let (_, end, mut c) = run_p(
        &[("AWS_PROFILE", "a"), ("AWS_DEFAULT_PROFILE", "b")],
        Some("c"),
        &sc,
    );
    assert_eq!(done(end).id, "AKIDPROFILEC00000003");
    assert_eq!(origin(&mut c), Some(("c".into(), CREDS.into(), 7)));
}

#[test]
fn a_named_profile_in_neither_file_is_an_error_even_with_environment_keys() {
    let creds = "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = s\n";
    let keys = [
        ("AWS_ACCESS_KEY_ID", KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
    ];
    // botocore: ProfileNotFound for AWS_PROFILE=nope, whatever the environment holds.
    let mut v = keys.to_vec();
    v.push(("AWS_PROFILE", "nope"));
    let (_, end, mut c) = run_p(&v, None, &files(None, Some(creds)));
    let f = failed(end);
    assert_eq!(
        (f.error, f.variable),
        (Error::ProfileNotFound, Some("AWS_PROFILE"))
    );
    assert!(f.display.contains("profile nope"), "{}", f.display);
    assert!(
        f.display.contains(CREDS) && f.display.contains(CONFIG),
        "{}",
        f.display
    );
    assert_eq!(failure_facts(&mut c).0.as_deref(), Some("nope"));
    // An empty AWS_PROFILE is the profile '' (ProfileNotFound), not unset.
    let (_, end, _) = run_p(&[("AWS_PROFILE", "")], None, &files(None, Some(creds)));
    assert_eq!(failed(end).error, Error::ProfileNotFound);
    // A named `default` must exist too; only the implicit default may be absent.
    let (_, end, _) = run_p(&[("AWS_PROFILE", "default")], None, &files(None, None));
    assert_eq!(failed(end).error, Error::ProfileNotFound);
    // AWS_PROFILE naming an existing profile does not switch environment keys off.
    let mut v = keys.to_vec();
    v.push(("AWS_PROFILE", "dev"));
    let (_, end, _) = run_p(&v, None, &files(None, Some(creds)));
    assert_eq!(done(end).source, Source::Environment);
    // Without a named profile, environment keys need no file at all.
    let (seen, end, _) = run_p(&keys, None, &[]);
    assert!(seen.is_empty());
    assert_eq!(done(end).source, Source::Environment);
    // The explicit option is like boto3's profile_name: environment keys are off.
    let (_, end, _) = run_p(&keys, Some("dev"), &files(None, Some(creds)));
    assert_eq!(done(end).id, "AKIDDEV");
}

#[test]
fn unreadable_unparsable_and_oversized_files() {
    let (_, end, _) = run_p(&[], None, &[io(IoError::Unreadable)]);
    let f = failed(end);
    assert_eq!(
        (f.error, f.path.as_deref(), f.variable),
        (Error::FileUnreadable, Some(CONFIG), Some("HOME"))
    );
    let (_, end, mut c) = run_p(&[], None, &[file("[default]\nregion = x\n[default]\n")]);
    let f = failed(end);
    assert_eq!(
        (f.error, f.path.as_deref()),
        (Error::IniDuplicateSection, Some(CONFIG))
    );
    assert_eq!(failure_facts(&mut c).2, Some(3));
    assert!(f.display.contains("line 3"), "{}", f.display);
    let big = "#".repeat(MAX_SHARED_FILE_LEN + 1);
    let (_, end, _) = run_p(&[], None, &[io(IoError::NotFound), file(&big)]);
    let f = failed(end);
    assert_eq!(
        (f.error, f.path.as_deref()),
        (Error::FileUnreadable, Some(CREDS))
    );
}

// ---------------------------------------------------------------------------------------------
// Static keys (B2, SharedCredentialProvider / ConfigProvider)
// ---------------------------------------------------------------------------------------------

#[test]
fn credentials_file_keys_win_over_config_file_keys() {
    let config =
        "[profile dev]\naws_access_key_id = AKIDFROMCONFIG000001\naws_secret_access_key = c\n";
    let creds = "\n[dev]\naws_access_key_id = AKIDFROMCREDS0000001\naws_secret_access_key = k\n";
    let (_, end, mut c) = run_p(
        &[("AWS_PROFILE", "dev")],
        None,
        &files(Some(config), Some(creds)),
    );
    assert_eq!(done(end).id, "AKIDFROMCREDS0000001");
    assert_eq!(origin(&mut c), Some(("dev".into(), CREDS.into(), 2)));
    let (_, end, mut c) = run_p(&[("AWS_PROFILE", "dev")], None, &files(Some(config), None));
    let g = done(end);
    assert_eq!(
        (g.id.as_str(), g.source),
        ("AKIDFROMCONFIG000001", Source::Profile)
    );
    assert_eq!(origin(&mut c), Some(("dev".into(), CONFIG.into(), 1)));
}

#[test]
fn keys_split_across_files_are_partial_credentials() {
    // The id in the credentials file, the secret in the config file: not merged.
    let config = "[profile dev]\naws_secret_access_key = c\n";
    let creds = "[dev]\naws_access_key_id = AKIDFROMCREDS0000001\n";
    let (_, end, mut c) = run_p(
        &[("AWS_PROFILE", "dev")],
        None,
        &files(Some(config), Some(creds)),
    );
    let f = failed(end);
    assert_eq!(
        (f.error, f.path.as_deref()),
        (Error::ProfilePartialCredentials, Some(CREDS))
    );
    let (p, key, line, _) = failure_facts(&mut c);
    assert_eq!(
        (p.as_deref(), key, line),
        (Some("dev"), Some("aws_secret_access_key"), Some(1))
    );
    // The other way round: the credentials file has no id (skipped), the config file's id lacks
    // its secret.
    let config = "[profile dev]\naws_access_key_id = AKIDFROMCONFIG000001\n";
    let creds = "[dev]\naws_secret_access_key = k\n";
    let (_, end, _) = run_p(
        &[("AWS_PROFILE", "dev")],
        None,
        &files(Some(config), Some(creds)),
    );
    let f = failed(end);
    assert_eq!(
        (f.error, f.path.as_deref()),
        (Error::ProfilePartialCredentials, Some(CONFIG))
    );
}

#[test]
fn session_token_keys_and_multi_line_values() {
    // botocore TOKENS = ['aws_security_token', 'aws_session_token']: the first found wins.
    let creds = format!(
        "[default]\naws_access_key_id = {BASE_ID}\naws_secret_access_key = s\n\
         aws_session_token = sessionTOKEN\naws_security_token = securityTOKEN\n"
    );
    let (_, end, _) = run_p(&[], None, &files(None, Some(&creds)));
    assert_eq!(done(end).token.as_deref(), Some("securityTOKEN"));
    // A continued value is its lines joined by a line break (configparser, as botocore reads it:
    // 'AKIDCONT\nEXTRA'), which PROTOCOL E3 refuses in a key, a secret and a token; each part is
    // checked in E3's order (the id first).
    let cases: &[(String, Error, &str)] = &[
        (
            "aws_access_key_id = AKIDCONT\n  EXTRA\naws_secret_access_key = s\n".into(),
            Error::InvalidAccessKeyId,
            "aws_access_key_id",
        ),
        (
            format!("aws_access_key_id = {BASE_ID}\naws_secret_access_key = s\n  more\n"),
            Error::InvalidSecretAccessKey,
            "aws_secret_access_key",
        ),
        (
            format!(
                "aws_access_key_id = {BASE_ID}\naws_secret_access_key = s\n\
                 aws_security_token = tok\n  more\n"
            ),
            Error::InvalidSessionToken,
            "aws_security_token",
        ),
        (
            "aws_access_key_id = AKID-BAD\naws_secret_access_key = s\n  more\n".into(),
            Error::InvalidAccessKeyId,
            "aws_access_key_id",
        ),
    ];
    for (keys, error, key) in cases {
        let creds = format!("[default]\n{keys}");
        let (_, end, mut c) = run_p(&[], None, &files(None, Some(&creds)));
        let f = failed(end);
        assert_eq!(f.error, *error, "{creds}");
        assert!(
            !f.display.contains("more") && !f.display.contains(" = s"),
            "{}",
            f.display
        );
        assert_eq!(failure_facts(&mut c).1, Some(*key), "{creds}");
    }
}

// ---------------------------------------------------------------------------------------------
// Roles (AssumeRoleProvider)
// ---------------------------------------------------------------------------------------------

const ROLE_CONFIG: &str = "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\n\
source_profile = base\nexternal_id = ext-123\nrole_session_name = alice\nduration_seconds = 1800\n";
const BASE_CREDS: &str =
    "[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = baseSecretKeyEXAMPLE/K7MDENG\n";

#[test]
fn role_with_source_profile_is_assumed_with_the_source_keys() {
    let mut script = files(Some(ROLE_CONFIG), Some(BASE_CREDS));
    script.push(ok(&assume_role_xml(HOP1_ID)));
    let (seen, end, mut c) = run_p(&[("AWS_PROFILE", "admin")], None, &script);
    let r = only_request(&seen[2..]);
    // No region anywhere: the global endpoint (PROTOCOL B3).
    assert_eq!(
        (r.method.as_str(), r.url.as_str()),
        ("POST", "https://sts.amazonaws.com/")
    );
    assert_eq!(signed_by(r), BASE_ID);
    assert_eq!(r.form_value("Action").as_deref(), Some("AssumeRole"));
    assert_eq!(r.form_value("RoleArn").as_deref(), Some(ROLE_A));
    assert_eq!(r.form_value("ExternalId").as_deref(), Some("ext-123"));
    assert_eq!(r.form_value("RoleSessionName").as_deref(), Some("alice"));
    assert_eq!(r.form_value("DurationSeconds").as_deref(), Some("1800"));
    assert_eq!(r.form_value("SerialNumber"), None);
    let g = done(end);
    assert_eq!(
        (g.id.as_str(), g.source, g.cache),
        (HOP1_ID, Source::AssumeRole, true)
    );
    assert_eq!(origin(&mut c), Some(("admin".into(), CONFIG.into(), 1)));
}

#[test]
fn the_generated_session_name_is_used_without_role_session_name() {
    let config =
        "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = base\n";
    let mut script = files(Some(config), Some(BASE_CREDS));
    script.push(ok(&assume_role_xml(HOP1_ID)));
    let (seen, _, _) = run_p(&[("AWS_PROFILE", "admin")], None, &script);
    let r = only_request(&seen[2..]);
    assert_eq!(
        r.form_value("RoleSessionName").as_deref(),
        Some(GENERATED_NAME)
    );
    assert_eq!(r.form_value("ExternalId"), None);
}

#[test]
fn a_chain_of_roles_is_assumed_from_the_source_outwards() {
    let config = format!(
        "[profile top]\nrole_arn = {ROLE_A}\nsource_profile = middle\n\
         [profile middle]\nrole_arn = {ROLE_B}\nsource_profile = base\n"
    );
    let mut script = files(Some(&config), Some(BASE_CREDS));
    script.push(ok(&assume_role_xml(HOP2_ID)));
    script.push(ok(&assume_role_xml(HOP1_ID)));
    let (seen, end, mut c) = run_p(&[("AWS_PROFILE", "top")], None, &script);
    let rs = requests(&seen);
    assert_eq!(rs.len(), 2);
    assert_eq!(
        (
            rs[0].form_value("RoleArn").as_deref(),
            signed_by(rs[0]).as_str()
        ),
        (Some(ROLE_B), BASE_ID)
    );
    assert_eq!(
        (
            rs[1].form_value("RoleArn").as_deref(),
            signed_by(rs[1]).as_str()
        ),
        (Some(ROLE_A), HOP2_ID)
    );
    assert_eq!(done(end).id, HOP1_ID);
    assert_eq!(origin(&mut c), Some(("top".into(), CONFIG.into(), 1)));
}

#[test]
fn a_source_profile_with_static_keys_is_not_followed_further() {
    // botocore _resolve_credentials_from_profile: static keys win over the source's own role.
    let config = format!(
        "[profile top]\nrole_arn = {ROLE_A}\nsource_profile = base\n\
         [profile base]\nrole_arn = {ROLE_B}\nsource_profile = elsewhere\n"
    );
    let mut script = files(Some(&config), Some(BASE_CREDS));
    script.push(ok(&assume_role_xml(HOP1_ID)));
    let (seen, end, _) = run_p(&[("AWS_PROFILE", "top")], None, &script);
    let r = only_request(&seen[2..]);
    assert_eq!(
        (r.form_value("RoleArn").as_deref(), signed_by(r).as_str()),
        (Some(ROLE_A), BASE_ID)
    );
    assert_eq!(done(end).id, HOP1_ID);
}

#[test]
fn a_profile_may_name_itself_only_with_static_keys() {
    let config = format!(
        "[profile me]\nrole_arn = {ROLE_A}\nsource_profile = me\n\
         aws_access_key_id = {BASE_ID}\naws_secret_access_key = {BASE_SECRET}\n"
    );
    let mut script = files(Some(&config), None);
    script.push(ok(&assume_role_xml(HOP1_ID)));
    let (seen, end, _) = run_p(&[("AWS_PROFILE", "me")], None, &script);
    assert_eq!(signed_by(only_request(&seen[2..])), BASE_ID);
    assert_eq!(done(end).source, Source::AssumeRole);
    let config = format!("[profile me]\nrole_arn = {ROLE_A}\nsource_profile = me\n");
    let (_, end, mut c) = run_p(&[("AWS_PROFILE", "me")], None, &files(Some(&config), None));
    assert_eq!(failed(end).error, Error::ProfileSourceCycle);
    assert_eq!(
        failure_facts(&mut c).3.as_deref(),
        Some("source_profile cycle: me -> me")
    );
}

#[test]
fn a_cycle_is_named() {
    let config = format!(
        "[profile a]\nrole_arn = {ROLE_A}\nsource_profile = b\n\
         [profile b]\nrole_arn = {ROLE_B}\nsource_profile = a\n"
    );
    let (_, end, mut c) = run_p(&[("AWS_PROFILE", "a")], None, &files(Some(&config), None));
    let f = failed(end);
    assert_eq!(f.error, Error::ProfileSourceCycle);
    assert!(
        f.display.contains("source_profile cycle: a -> b -> a"),
        "{}",
        f.display
    );
    let (p, key, line, _) = failure_facts(&mut c);
    assert_eq!(
        (p.as_deref(), key, line),
        (Some("b"), Some("source_profile"), Some(4))
    );
}

#[test]
fn role_chains_are_bounded() {
    let mut config = String::new();
    for i in 0..=MAX_ROLE_HOPS {
        config.push_str(&format!(
            "[profile p{i}]\nrole_arn = arn:aws:iam::123456789012:role/r{i}\nsource_profile = p{}\n",
            i + 1
        ));
    }
    config.push_str(&format!(
        "[profile p{}]\naws_access_key_id = {BASE_ID}\naws_secret_access_key = s\n",
        MAX_ROLE_HOPS + 1
    ));
    let (_, end, _) = run_p(&[("AWS_PROFILE", "p0")], None, &files(Some(&config), None));
    assert_eq!(failed(end).error, Error::ProfileChainTooLong);
    // MAX_ROLE_HOPS hops are fine.
    let mut config = String::new();
    for i in 0..MAX_ROLE_HOPS {
        config.push_str(&format!(
            "[profile p{i}]\nrole_arn = arn:aws:iam::123456789012:role/r{i}\nsource_profile = p{}\n",
            i + 1
        ));
    }
    config.push_str(&format!(
        "[profile p{MAX_ROLE_HOPS}]\naws_access_key_id = {BASE_ID}\naws_secret_access_key = s\n"
    ));
    let mut script = files(Some(&config), None);
    for _ in 0..MAX_ROLE_HOPS {
        script.push(ok(&assume_role_xml(HOP1_ID)));
    }
    let (seen, end, _) = run_p(&[("AWS_PROFILE", "p0")], None, &script);
    assert_eq!(requests(&seen).len(), MAX_ROLE_HOPS);
    assert_eq!(done(end).source, Source::AssumeRole);
}

#[test]
fn role_configuration_errors() {
    // The message names the value at fault as botocore's does ('The source_profile "ghost"
    // referenced in the profile "x" does not exist', 'The credential source "Ec2" ...').
    let cases: &[(&str, Error, Option<&str>, &str)] = &[
        (
            "[profile x]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\ncredential_source = Environment\n",
            Error::ProfileRoleSourceConflict,
            Some("credential_source"),
            "key credential_source = Environment",
        ),
        ("[profile x]\nrole_arn = arn:aws:iam::1:role/r\n", Error::ProfileRoleWithoutSource, Some("role_arn"), "key role_arn = arn:aws:iam::1:role/r"),
        (
            "[profile x]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Ec2\n",
            Error::ProfileInvalidCredentialSource,
            Some("credential_source"),
            "key credential_source = Ec2]",
        ),
        (
            "[profile x]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = ghost\n",
            Error::ProfileNotFound,
            Some("source_profile"),
            "key source_profile = ghost]",
        ),
        (
            "[profile x]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = empty\n[profile empty]\nregion = eu-west-1\n",
            Error::ProfileSourceWithoutCredentials,
            None,
            "profile empty",
        ),
    ];
    for (config, error, key, shown) in cases {
        let (_, end, mut c) = run_p(&[("AWS_PROFILE", "x")], None, &files(Some(config), None));
        let f = failed(end);
        assert_eq!(f.error, *error, "{config}");
        assert!(f.display.contains(shown), "{}", f.display);
        assert_eq!(failure_facts(&mut c).1, *key, "{config}");
    }
    // duration_seconds must be a number (botocore ignores a non-number: a deliberate difference).
    let config =
        format!("[profile x]\nrole_arn = {ROLE_A}\nsource_profile = base\nduration_seconds = 1h\n");
    let (_, end, mut c) = run_p(
        &[("AWS_PROFILE", "x")],
        None,
        &files(Some(&config), Some(BASE_CREDS)),
    );
    assert_eq!(failed(end).error, Error::ProfileInvalidValue);
    assert_eq!(failure_facts(&mut c).1, Some("duration_seconds"));
}

#[test]
fn credential_source_runs_that_source_then_assumes_the_role() {
    // Environment: the environment's keys sign, even under an explicit profile option.
    let config = format!("[profile x]\nrole_arn = {ROLE_A}\ncredential_source = Environment\n");
    let mut script = files(Some(&config), None);
    script.push(ok(&assume_role_xml(HOP1_ID)));
    let (seen, end, _) = run_p(
        &[
            ("AWS_ACCESS_KEY_ID", KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
        ],
        Some("x"),
        &script,
    );
    assert_eq!(signed_by(only_request(&seen[2..])), KEY_ID);
    assert_eq!(done(end).source, Source::AssumeRole);
    // Without keys: no credentials, naming the profile's key.
    let (_, end, _) = run_p(&[], Some("x"), &files(Some(&config), None));
    assert_eq!(failed(end).error, Error::NoCredentials);
    // Ec2InstanceMetadata: the three IMDS steps, then AssumeRole signed with the instance role.
    let config =
        format!("[profile x]\nrole_arn = {ROLE_A}\ncredential_source = Ec2InstanceMetadata\n");
    let mut script = files(Some(&config), None);
    script.extend(imds_happy_script());
    script.push(ok(&assume_role_xml(HOP1_ID)));
    let (seen, end, _) = run_p(&[("AWS_PROFILE", "x")], None, &script);
    let rs = requests(&seen);
    assert_eq!(rs[0].url, IMDS_TOKEN_URL);
    assert_eq!(rs[3].form_value("RoleArn").as_deref(), Some(ROLE_A));
    assert_eq!(signed_by(rs[3]), KEY_ID);
    assert_eq!(done(end).id, HOP1_ID);
    // EcsContainer: the ECS relative URI.
    let config = format!("[profile x]\nrole_arn = {ROLE_A}\ncredential_source = EcsContainer\n");
    let mut script = files(Some(&config), None);
    script.push(ok(&ecs_json(EXP_ISO)));
    script.push(ok(&assume_role_xml(HOP1_ID)));
    let (seen, end, _) = run_p(
        &[
            ("AWS_PROFILE", "x"),
            ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", ECS_URI),
        ],
        None,
        &script,
    );
    assert_eq!(requests(&seen)[0].url, ECS_URL);
    assert_eq!(done(end).id, HOP1_ID);
    let (_, end, _) = run_p(&[("AWS_PROFILE", "x")], None, &files(Some(&config), None));
    assert_eq!(failed(end).error, Error::NoCredentials);
}

#[test]
fn mfa_codes_are_asked_for_and_sent() {
    let config = format!(
        "[profile admin]\nrole_arn = {ROLE_A}\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n"
    );
    let mut script = files(Some(&config), Some(BASE_CREDS));
    script.push(Ev::MfaCode("123456".into()));
    script.push(ok(&assume_role_xml(HOP1_ID)));
    let (seen, end, _) = run_p(&[("AWS_PROFILE", "admin")], None, &script);
    assert_eq!(
        seen[2],
        Seen::Mfa {
            serial: "arn:aws:iam::123456789012:mfa/alice".into(),
            profile: "admin".into(),
            timeout_ms: MFA_TIMEOUT_MS,
        }
    );
    let r = only_request(&seen[3..]);
    assert_eq!(
        r.form_value("SerialNumber").as_deref(),
        Some("arn:aws:iam::123456789012:mfa/alice")
    );
    assert_eq!(r.form_value("TokenCode").as_deref(), Some("123456"));
    assert_eq!(done(end).source, Source::AssumeRole);
    // No callback: MFA_CODE_REQUIRED; a failed callback: MFA_CODE_UNAVAILABLE. Neither has a code.
    for (ev, error) in [
        (Ev::MfaUnavailable, Error::MfaCodeRequired),
        (Ev::MfaFailed, Error::MfaCodeUnavailable),
    ] {
        let mut script = files(Some(&config), Some(BASE_CREDS));
        script.push(ev);
        let (_, end, mut c) = run_p(&[("AWS_PROFILE", "admin")], None, &script);
        let f = failed(end);
        assert_eq!(f.error, error);
        // The serial, as botocore's prompt shows it ('Enter MFA code for arn:...').
        assert!(
            f.display.contains("profile admin")
                && f.display
                    .contains("key mfa_serial = arn:aws:iam::123456789012:mfa/alice"),
            "{}",
            f.display
        );
        assert_eq!(failure_facts(&mut c).2, Some(1));
    }
    // A code STS would refuse is refused before any request, and never shown.
    let mut script = files(Some(&config), Some(BASE_CREDS));
    script.push(Ev::MfaCode("12x456".into()));
    let (_, end, _) = run_p(&[("AWS_PROFILE", "admin")], None, &script);
    let f = failed(end);
    assert_eq!(f.error, Error::InvalidMfaTokenCode);
    assert!(!f.display.contains("12x456"));
}

// ---------------------------------------------------------------------------------------------
// The STS endpoint of profile calls (botocore args.py / configprovider.py, PROTOCOL B3)
// ---------------------------------------------------------------------------------------------

#[allow(clippy::result_large_err)]
fn first_sts_url(
    vars: &[(&'static str, &'static str)],
    extra_config: &str,
) -> Result<String, Fail> {
    let config =
        format!("[profile admin]\nrole_arn = {ROLE_A}\nsource_profile = base\n{extra_config}");
    let mut v = vars.to_vec();
    v.push(("AWS_PROFILE", "admin"));
    let mut c = new_chain(env(&with_home(&v)), plan(None), NOW);
    let mut script = files(Some(&config), Some(BASE_CREDS)).into_iter();
    for _ in 0..10 {
        match observe(&mut c) {
            Obs::Seen(Seen::Http(r)) => return Ok(r.url),
            Obs::Seen(_) => apply(&mut c, &script.next().expect("script")),
            Obs::End(End::Failed(f)) => return Err(f),
            Obs::End(e) => panic!("{e:?}"),
        }
    }
    panic!("no request")
}

#[test]
fn region_and_mode_of_the_active_profile_choose_the_sts_host() {
    // Default mode is regional: the profile's region.
    assert_eq!(
        first_sts_url(&[], "region = eu-west-1\n").unwrap(),
        "https://sts.eu-west-1.amazonaws.com/"
    );
    // AWS_DEFAULT_REGION comes before the profile's region; AWS_REGION is not read.
    assert_eq!(
        first_sts_url(
            &[
                ("AWS_DEFAULT_REGION", "ap-southeast-2"),
                ("AWS_REGION", "us-west-2")
            ],
            "region = eu-west-1\n"
        )
        .unwrap(),
        "https://sts.ap-southeast-2.amazonaws.com/"
    );
    assert_eq!(
        first_sts_url(&[("AWS_REGION", "us-west-2")], "").unwrap(),
        "https://sts.amazonaws.com/"
    );
    // legacy: the global host for the legacy regions only.
    assert_eq!(
        first_sts_url(&[], "region = us-east-1\nsts_regional_endpoints = legacy\n").unwrap(),
        "https://sts.amazonaws.com/"
    );
    assert_eq!(
        first_sts_url(&[], "region = ap-east-1\nsts_regional_endpoints = legacy\n").unwrap(),
        "https://sts.ap-east-1.amazonaws.com/"
    );
    assert_eq!(
        first_sts_url(
            &[("AWS_STS_REGIONAL_ENDPOINTS", "legacy")],
            "region = eu-west-1\n"
        )
        .unwrap(),
        "https://sts.amazonaws.com/"
    );
    assert_eq!(
        first_sts_url(&[], "region = aws-global\n").unwrap(),
        "https://sts.amazonaws.com/"
    );
    assert_eq!(
        first_sts_url(&[], "region = cn-north-1\n").unwrap(),
        "https://sts.cn-north-1.amazonaws.com.cn/"
    );
    // An unknown mode is refused (botocore InvalidSTSRegionalEndpointsConfigError).
    let f = first_sts_url(
        &[],
        "region = eu-west-1\nsts_regional_endpoints = sometimes\n",
    )
    .unwrap_err();
    assert_eq!(f.error, Error::ProfileInvalidValue);
    assert!(
        f.display.contains("key sts_regional_endpoints"),
        "{}",
        f.display
    );
    // The region of the source profile does not count.
    let config = format!("[profile admin]\nrole_arn = {ROLE_A}\nsource_profile = base\n[profile base]\nregion = eu-west-3\n");
    let mut script = files(Some(&config), Some(BASE_CREDS));
    script.push(ok(&assume_role_xml(HOP1_ID)));
    let (seen, _, _) = run_p(&[("AWS_PROFILE", "admin")], None, &script);
    assert_eq!(only_request(&seen[2..]).url, "https://sts.amazonaws.com/");
}

#[test]
fn endpoint_url_precedence() {
    let services =
        "services = local\n[services local]\nsts =\n  endpoint_url = http://127.0.0.1:4003\n";
    let all_config = format!("endpoint_url = http://127.0.0.1:4004\n{services}");
    // AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, [services] sts endpoint_url, profile endpoint_url.
    assert_eq!(
        first_sts_url(
            &[
                ("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:4001"),
                ("AWS_ENDPOINT_URL", "http://127.0.0.1:4002")
            ],
            &all_config
        )
        .unwrap(),
        "http://127.0.0.1:4001/"
    );
    assert_eq!(
        first_sts_url(
            &[("AWS_ENDPOINT_URL", "http://127.0.0.1:4002")],
            &all_config
        )
        .unwrap(),
        "http://127.0.0.1:4002/"
    );
    assert_eq!(
        first_sts_url(&[], &all_config).unwrap(),
        "http://127.0.0.1:4003/"
    );
    assert_eq!(
        first_sts_url(&[], "endpoint_url = http://127.0.0.1:4004\n").unwrap(),
        "http://127.0.0.1:4004/"
    );
    // Ignored when told to, by the variable or the profile.
    assert_eq!(
        first_sts_url(
            &[
                ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
                ("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:4001")
            ],
            &all_config
        )
        .unwrap(),
        "https://sts.amazonaws.com/"
    );
    assert_eq!(
        first_sts_url(
            &[],
            &format!("ignore_configured_endpoint_urls = true\n{all_config}")
        )
        .unwrap(),
        "https://sts.amazonaws.com/"
    );
    // The project's test override wins over everything.
    assert_eq!(
        first_sts_url(
            &[
                ("MONGODB_AWS_STS_ENDPOINT", "http://127.0.0.1:4000"),
                ("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:4001")
            ],
            &all_config
        )
        .unwrap(),
        "http://127.0.0.1:4000/"
    );
    // A services name without its section.
    let f = first_sts_url(&[], "services = ghost\n").unwrap_err();
    assert_eq!(f.error, Error::ProfileInvalidValue);
    assert!(f.display.contains("key services"), "{}", f.display);
    // Plain http only on loopback.
    let f = first_sts_url(&[("AWS_ENDPOINT_URL_STS", "http://sts.example.com")], "").unwrap_err();
    assert_eq!(
        (f.error, f.variable),
        (Error::InvalidEndpointUrl, Some("AWS_ENDPOINT_URL_STS"))
    );
}

// ---------------------------------------------------------------------------------------------
// Web identity in a profile
// ---------------------------------------------------------------------------------------------

#[test]
fn profile_web_identity() {
    let config = format!(
        "[profile eks]\nweb_identity_token_file = /var/token\nrole_arn = {ROLE_ARN}\nrole_session_name = pod\nregion = eu-west-1\n"
    );
    let mut script = files(Some(&config), None);
    script.push(file(WEB_TOKEN));
    script.push(ok(&web_identity_json("1704067200")));
    let (seen, end, mut c) = run_p(&[("AWS_PROFILE", "eks")], None, &script);
    assert_eq!(
        seen[2],
        Seen::File {
            path: "/var/token".into(),
            variable: "web_identity_token_file"
        }
    );
    let r = only_request(&seen[3..]);
    assert_eq!(r.url, "https://sts.eu-west-1.amazonaws.com/");
    assert_eq!(r.form_value("RoleArn").as_deref(), Some(ROLE_ARN));
    assert_eq!(r.form_value("RoleSessionName").as_deref(), Some("pod"));
    assert_eq!(r.form_value("WebIdentityToken").as_deref(), Some(WEB_TOKEN));
    assert_eq!(r.header("authorization"), None);
    let g = done(end);
    assert_eq!((g.source, g.cache), (Source::WebIdentity, true));
    assert_eq!(origin(&mut c), Some(("eks".into(), CONFIG.into(), 1)));
    // AWS_ROLE_ARN comes before the profile's role_arn (botocore _get_config).
    let mut script = files(Some(&config), None);
    script.push(file(WEB_TOKEN));
    script.push(ok(&web_identity_json("1704067200")));
    let (seen, _, _) = run_p(
        &[
            ("AWS_PROFILE", "eks"),
            ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/from-env"),
        ],
        None,
        &script,
    );
    assert_eq!(
        only_request(&seen[3..]).form_value("RoleArn").as_deref(),
        Some("arn:aws:iam::123456789012:role/from-env")
    );
    // A missing token file names the profile key.
    let mut script = files(Some(&config), None);
    script.push(io(IoError::NotFound));
    let (_, end, _) = run_p(&[("AWS_PROFILE", "eks")], None, &script);
    let f = failed(end);
    assert_eq!(
        (f.error, f.io),
        (Error::FileUnreadable, Some(IoError::NotFound))
    );
    assert!(
        f.display.contains("key web_identity_token_file") && f.display.contains("/var/token"),
        "{}",
        f.display
    );
}

// ---------------------------------------------------------------------------------------------
// credential_process (ProcessProvider)
// ---------------------------------------------------------------------------------------------

fn process_json(extra: &str) -> Vec<u8> {
    format!(r#"{{"Version": 1, "AccessKeyId": "{KEY_ID}", "SecretAccessKey": "{SECRET}"{extra}}}"#)
        .into_bytes()
}

fn run_process(command: &str, exit: Ev) -> (Vec<Seen>, End, Box<Chain<'static>>) {
    let config = format!("[default]\ncredential_process = {command}\n");
    let mut script = files(Some(&config), None);
    script.push(exit);
    run_p(&[], None, &script)
}

#[test]
fn credential_process_runs_the_split_command() {
    let (seen, end, mut c) = run_process(
        r#""/opt/my tools/helper" --profile 'prod account' --x=a\ b"#,
        Ev::Exit(
            Some(0),
            process_json(&format!(
                r#", "SessionToken": "{TOKEN}", "Expiration": "{EXP_ISO}""#
            )),
            vec![],
        ),
    );
    assert_eq!(
        seen[2],
        Seen::Process {
            program: "/opt/my tools/helper".into(),
            args: vec!["--profile".into(), "prod account".into(), "--x=a b".into()],
            timeout_ms: PROCESS_TIMEOUT_MS,
        }
    );
    let g = done(end);
    assert_eq!(
        (g.source, g.cache, g.expiration),
        (Source::CredentialProcess, true, Some(EXP))
    );
    assert_eq!(g.token.as_deref(), Some(TOKEN));
    assert_eq!(origin(&mut c), Some(("default".into(), CONFIG.into(), 1)));
    // Without Expiration the answer is not cached (it is re-run every time).
    let (_, end, _) = run_process("helper", Ev::Exit(Some(0), process_json(""), vec![]));
    let g = done(end);
    assert_eq!((g.cache, g.expiration, g.token), (false, None, None));
}

#[test]
fn credential_process_failures_show_stderr_never_stdout_and_redact_arguments() {
    let secret_arg = "--token=hunter2";
    let cmd = format!("/usr/bin/helper {secret_arg}");
    let (_, end, _) = run_process(
        &cmd,
        Ev::Exit(
            Some(3),
            process_json(""),
            b"access denied for role\n".to_vec(),
        ),
    );
    let f = failed(end);
    assert_eq!(
        (f.error, f.source),
        (
            Error::CredentialProcessFailed,
            Some(Source::CredentialProcess)
        )
    );
    assert!(
        f.display
            .contains("program /usr/bin/helper (1 argument not shown)"),
        "{}",
        f.display
    );
    assert!(
        f.display.contains("exited with status 3")
            && f.display.contains("stderr: access denied for role"),
        "{}",
        f.display
    );
    assert!(
        !f.display.contains("hunter2") && !f.display.contains(SECRET),
        "{}",
        f.display
    );
    let cases: Vec<(Vec<u8>, Option<&str>)> = vec![
        (b"not json".to_vec(), None),
        (
            format!(
                r#"{{"Version": 2, "AccessKeyId": "{KEY_ID}", "SecretAccessKey": "{SECRET}"}}"#
            )
            .into_bytes(),
            Some("Version"),
        ),
        (
            format!(r#"{{"AccessKeyId": "{KEY_ID}", "SecretAccessKey": "{SECRET}"}}"#).into_bytes(),
            Some("Version"),
        ),
        (
            format!(r#"{{"Version": 1, "AccessKeyId": "{KEY_ID}"}}"#).into_bytes(),
            Some("SecretAccessKey"),
        ),
        (
            process_json(r#", "Expiration": "tomorrow""#),
            Some("Expiration"),
        ),
    ];
    for (out, field) in cases {
        let (_, end, _) = run_process(&cmd, Ev::Exit(Some(0), out.clone(), vec![]));
        let f = failed(end);
        assert_eq!(
            (f.error, f.field),
            (Error::CredentialProcessBadOutput, field),
            "{}",
            String::from_utf8_lossy(&out)
        );
        assert!(
            !f.display.contains(SECRET) && !f.display.contains("hunter2"),
            "{}",
            f.display
        );
    }
    // Version 1.0 is 1 for botocore (Python compares 1.0 == 1).
    let out =
        format!(r#"{{"Version": 1.0, "AccessKeyId": "{KEY_ID}", "SecretAccessKey": "{SECRET}"}}"#);
    let (_, end, _) = run_process(&cmd, Ev::Exit(Some(0), out.into_bytes(), vec![]));
    assert_eq!(done(end).source, Source::CredentialProcess);
    // Already expired (or within the refresh window): an error.
    let (_, end, _) = run_process(
        &cmd,
        Ev::Exit(
            Some(0),
            process_json(r#", "Expiration": "2023-12-31T23:00:00Z""#),
            vec![],
        ),
    );
    assert_eq!(failed(end).error, Error::CredentialsExpired);
    // Cannot be started, timed out.
    let (_, end, _) = run_process(&cmd, io(IoError::NotFound));
    let f = failed(end);
    assert_eq!(f.error, Error::CredentialProcessSpawn);
    assert!(
        f.display.contains("no such program") && !f.display.contains("hunter2"),
        "{}",
        f.display
    );
    let (_, end, _) = run_process(&cmd, io(IoError::Timeout));
    let f = failed(end);
    assert_eq!(
        (f.error, f.deadline_ms),
        (Error::CredentialProcessTimeout, Some(PROCESS_TIMEOUT_MS))
    );
    // Unclosed quote (shlex ValueError), empty command.
    let config = "[default]\ncredential_process = helper 'oops\n";
    let (_, end, _) = run_p(&[], None, &files(Some(config), None));
    assert_eq!(failed(end).error, Error::ProfileInvalidValue);
    let config = "[default]\ncredential_process =  \n";
    let (_, end, _) = run_p(&[], None, &files(Some(config), None));
    assert_eq!(failed(end).error, Error::CredentialProcessSpawn);
}

#[test]
fn shlex_split_as_python() {
    // Expected values: Python 3.11 shlex.split.
    let split = |s: &str| -> Result<Vec<String>, Error> {
        let mut buf = [0u8; 256];
        let (len, n) = profile::split_command(s, &mut buf)?;
        let text = core::str::from_utf8(&buf[..len]).unwrap();
        Ok(if n == 0 {
            vec![]
        } else {
            text.split('\0').map(Into::into).collect()
        })
    };
    assert_eq!(split("a b  c").unwrap(), ["a", "b", "c"]);
    assert_eq!(split(r#"a "b c" 'd e'"#).unwrap(), ["a", "b c", "d e"]);
    assert_eq!(split(r#"a"b c"d"#).unwrap(), ["ab cd"]);
    assert_eq!(split(r#"a '' b"#).unwrap(), ["a", "", "b"]);
    assert_eq!(split(r#"a\ b"#).unwrap(), ["a b"]);
    assert_eq!(
        split(r#""a\"b" "c\d" 'e\f'"#).unwrap(),
        [r#"a"b"#, r"c\d", r"e\f"]
    );
    assert_eq!(split("a #b").unwrap(), ["a", "#b"]);
    assert_eq!(split(" \t\n").unwrap(), Vec::<String>::new());
    assert_eq!(split("C:\\x\\y.exe").unwrap(), ["C:xy.exe"]);
    assert_eq!(split("a 'b"), Err(Error::ProfileInvalidValue));
    assert_eq!(split("a \"b"), Err(Error::ProfileInvalidValue));
    assert_eq!(split("a\\"), Err(Error::ProfileInvalidValue));
}

// ---------------------------------------------------------------------------------------------
// Order within a profile (B3) and the trace
// ---------------------------------------------------------------------------------------------

#[test]
fn order_within_a_profile() {
    // role_arn beats the profile's own static keys (AssumeRoleProvider comes first).
    let config = format!(
        "[profile x]\nrole_arn = {ROLE_A}\nsource_profile = base\naws_access_key_id = AKIDOWN\naws_secret_access_key = s\n"
    );
    let mut script = files(Some(&config), Some(BASE_CREDS));
    script.push(ok(&assume_role_xml(HOP1_ID)));
    let (_, end, _) = run_p(&[("AWS_PROFILE", "x")], None, &script);
    assert_eq!(done(end).source, Source::AssumeRole);
    // Credentials-file keys beat credential_process, which beats config-file keys.
    let config = "[profile x]\ncredential_process = helper\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = s\n";
    let creds = "[x]\naws_access_key_id = AKIDCREDSFILE\naws_secret_access_key = s\n";
    let (_, end, _) = run_p(
        &[("AWS_PROFILE", "x")],
        None,
        &files(Some(config), Some(creds)),
    );
    assert_eq!(done(end).id, "AKIDCREDSFILE");
    let mut script = files(Some(config), None);
    script.push(Ev::Exit(Some(0), process_json(""), vec![]));
    let (_, end, _) = run_p(&[("AWS_PROFILE", "x")], None, &script);
    assert_eq!(done(end).source, Source::CredentialProcess);
    // Profile sources come before the container and IMDS.
    let creds = "[default]\naws_access_key_id = AKIDCREDSFILE\naws_secret_access_key = s\n";
    let (_, end, _) = run_p(
        &[("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", ECS_URI)],
        None,
        &files(None, Some(creds)),
    );
    assert_eq!(done(end).source, Source::Profile);
    // A role profile beats the environment's web identity variables.
    let config = format!("[profile x]\nrole_arn = {ROLE_A}\nsource_profile = base\n");
    let mut script = files(Some(&config), Some(BASE_CREDS));
    script.push(ok(&assume_role_xml(HOP1_ID)));
    let mut v = web_identity_vars();
    v.push(("AWS_PROFILE", "x"));
    let (_, end, _) = run_p(&v, None, &script);
    assert_eq!(done(end).source, Source::AssumeRole);
}

#[test]
fn the_trace_names_each_profile_candidate_with_its_file_and_line() {
    let config = "\n[profile x]\ncredential_process = helper\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = s\n";
    let mut c = new_chain(env(&with_home(&[("AWS_PROFILE", "x")])), plan(None), NOW);
    let mut script = files(Some(config), None);
    script.push(Ev::Exit(Some(0), process_json(""), vec![]));
    let _ = drive(&mut c, &script);
    let lines = trace_lines(&c);
    let expect = [
        "profile read-file AWS config file [HOME]",
        "profile read-file AWS shared credentials file [HOME] -> NotFound",
        "assume-role skipped the profile has no role_arn (or it has web_identity_token_file)",
        "sso skipped the profile has no sso_account_id or sso_role_name",
        "profile skipped no aws_access_key_id in the profile's section of the credentials file",
        "credential-process taken the profile has credential_process @Config:2",
        "profile shadowed the profile's section in the config file has aws_access_key_id @Config:2",
        "credential-process request credential_process",
        "credential-process succeeded credentials obtained",
    ];
    for e in expect {
        assert!(lines.iter().any(|l| l == e), "missing {e:?} in {lines:#?}");
    }
}

#[test]
fn no_files_changes_nothing_for_the_environment_sources() {
    // HOME set but no files: the same sources as without HOME (here IMDS).
    let mut script = files(None, None);
    script.extend(imds_happy_script());
    let (seen, end, _) = run_p(&[], None, &script);
    assert_eq!(requests(&seen)[0].url, IMDS_TOKEN_URL);
    assert_eq!(done(end).source, Source::Ec2);
}

// ---------------------------------------------------------------------------------------------
// IAM Identity Center (SSOProvider, SSOTokenProvider, SSOTokenLoader)
// ---------------------------------------------------------------------------------------------

const SSO_CONFIG: &str = "[profile dev]\nsso_session = my-sso\nsso_account_id = 111122223333\n\
sso_role_name = ReadOnly\nregion = us-west-2\n\n[sso-session my-sso]\n\
sso_start_url = https://d-123.awsapps.com/start\nsso_region = us-east-1\n";
/// Python: hashlib.sha1(b"my-sso").hexdigest().
const SSO_CACHE: &str = "/home/u/.aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json";
/// Python: hashlib.sha1(b"https://d-123.awsapps.com/start").hexdigest().
const LEGACY_CACHE: &str = "/home/u/.aws/sso/cache/2b829a45f04c9828cb45b7d092d8e4aa30818393.json";
const PORTAL_URL: &str = "https://portal.sso.us-east-1.amazonaws.com/federation/credentials?account_id=111122223333&role_name=ReadOnly";

fn sso_cache(expires: &str, refresh: bool) -> String {
    let r = if refresh {
        r#", "refreshToken": "oldREFRESH", "clientId": "client-1", "clientSecret": "clientSECRET", "registrationExpiresAt": "2030-01-01T00:00:00Z""#
    } else {
        ""
    };
    format!(
        r#"{{"startUrl": "https://d-123.awsapps.com/start", "region": "us-east-1", "accessToken": "ssoACCESStoken", "expiresAt": "{expires}"{r}}}"#
    )
}

/// GetRoleCredentials' answer (AWS SSO API reference), expiration in epoch milliseconds.
fn role_credentials() -> String {
    format!(
        r#"{{"roleCredentials":{{"accessKeyId":"{KEY_ID}","secretAccessKey":"{SECRET}","sessionToken":"{TOKEN}","expiration":{}}}}}"#,
        EXP * 1000
    )
}

#[test]
fn sso_session_token_from_the_cache_and_role_credentials() {
    let mut script = files(Some(SSO_CONFIG), None);
    script.push(file(&sso_cache(EXP_ISO, false)));
    script.push(ok(&role_credentials()));
    let (seen, end, mut c) = run_p(&[("AWS_PROFILE", "dev")], None, &script);
    assert_eq!(
        seen[2],
        Seen::File {
            path: SSO_CACHE.into(),
            variable: "HOME"
        }
    );
    let r = only_request(&seen[3..]);
    assert_eq!((r.method.as_str(), r.url.as_str()), ("GET", PORTAL_URL));
    assert_eq!(r.header("x-amz-sso_bearer_token"), Some("ssoACCESStoken"));
    assert_eq!(r.header("authorization"), None);
    let g = done(end);
    assert_eq!(
        (g.source, g.cache, g.expiration),
        (Source::Sso, true, Some(EXP))
    );
    assert_eq!((g.id.as_str(), g.token.as_deref()), (KEY_ID, Some(TOKEN)));
    assert_eq!(origin(&mut c), Some(("dev".into(), CONFIG.into(), 1)));
}

#[test]
fn legacy_sso_uses_the_start_url_hash_and_never_refreshes() {
    let config =
        "[profile dev]\nsso_start_url = https://d-123.awsapps.com/start\nsso_region = us-east-1\n\
                  sso_account_id = 111122223333\nsso_role_name = ReadOnly\n";
    let mut script = files(Some(config), None);
    script.push(file(&sso_cache(EXP_ISO, true)));
    script.push(ok(&role_credentials()));
    let (seen, end, _) = run_p(&[("AWS_PROFILE", "dev")], None, &script);
    assert_eq!(file_reads(&seen)[2].0, LEGACY_CACHE);
    assert_eq!(done(end).source, Source::Sso);
    // Expired: no refresh for the legacy form (SSOCredentialFetcher raises
    // UnauthorizedSSOTokenError); the message says how to log in.
    let mut script = files(Some(config), None);
    script.push(file(&sso_cache("2023-12-31T00:00:00Z", true)));
    let (_, end, _) = run_p(&[("AWS_PROFILE", "dev")], None, &script);
    let f = failed(end);
    assert_eq!(f.error, Error::SsoTokenExpired);
    assert!(
        f.display.contains("run aws sso login --profile dev"),
        "{}",
        f.display
    );
    assert!(!f.display.contains("ssoACCESStoken") && !f.display.contains("clientSECRET"));
}

#[test]
fn an_expiring_sso_session_token_is_refreshed_and_written_back() {
    // 10 minutes left: inside botocore's 15-minute refresh window.
    let expiring = "2023-12-31T23:10:00Z";
    let mut script = files(Some(SSO_CONFIG), None);
    script.push(file(&sso_cache(expiring, true)));
    script.push(ok(r#"{"accessToken":"ssoNEWtoken","expiresIn":3600,"refreshToken":"newREFRESH","tokenType":"Bearer"}"#));
    script.push(Ev::Written);
    script.push(ok(&role_credentials()));
    let (seen, end, _) = run_p(&[("AWS_PROFILE", "dev")], None, &script);
    let rs = requests(&seen);
    assert_eq!(
        (rs[0].method.as_str(), rs[0].url.as_str()),
        ("POST", "https://oidc.us-east-1.amazonaws.com/token")
    );
    let body: serde_json::Value = serde_json::from_slice(&rs[0].body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"grantType": "refresh_token", "clientId": "client-1", "clientSecret": "clientSECRET", "refreshToken": "oldREFRESH"})
    );
    let written = seen
        .iter()
        .find_map(|s| match s {
            Seen::Write { path, content } => Some((path.clone(), content.clone())),
            _ => None,
        })
        .expect("the cache is written back");
    assert_eq!(written.0, SSO_CACHE);
    let cache: serde_json::Value = serde_json::from_str(&written.1).unwrap();
    // botocore _attempt_create_token: expiresAt = now + expiresIn (NOW + 3600 = EXP).
    assert_eq!(
        cache,
        serde_json::json!({
            "startUrl": "https://d-123.awsapps.com/start", "region": "us-east-1",
            "accessToken": "ssoNEWtoken", "expiresAt": EXP_ISO,
            "clientId": "client-1", "clientSecret": "clientSECRET",
            "registrationExpiresAt": "2030-01-01T00:00:00Z", "refreshToken": "newREFRESH"
        })
    );
    assert_eq!(rs[1].header("x-amz-sso_bearer_token"), Some("ssoNEWtoken"));
    assert_eq!(done(end).source, Source::Sso);
    // A failed write is not fatal.
    let mut script = files(Some(SSO_CONFIG), None);
    script.push(file(&sso_cache(expiring, true)));
    script.push(ok(r#"{"accessToken":"ssoNEWtoken","expiresIn":3600}"#));
    script.push(io(IoError::Unreadable));
    script.push(ok(&role_credentials()));
    let (_, end, _) = run_p(&[("AWS_PROFILE", "dev")], None, &script);
    assert_eq!(done(end).source, Source::Sso);
    // The refresh refused: the old token while it lasts (botocore logs and goes on) ...
    let mut script = files(Some(SSO_CONFIG), None);
    script.push(file(&sso_cache(expiring, true)));
    script.push(answer(400, r#"{"error":"invalid_grant"}"#));
    script.push(ok(&role_credentials()));
    let (seen, end, _) = run_p(&[("AWS_PROFILE", "dev")], None, &script);
    assert_eq!(
        requests(&seen)[1].header("x-amz-sso_bearer_token"),
        Some("ssoACCESStoken")
    );
    assert_eq!(done(end).source, Source::Sso);
    // ... and once it has expired, log in again.
    let mut script = files(Some(SSO_CONFIG), None);
    script.push(file(&sso_cache("2023-12-31T00:00:00Z", true)));
    script.push(answer(400, r#"{"error":"invalid_grant"}"#));
    let (_, end, _) = run_p(&[("AWS_PROFILE", "dev")], None, &script);
    let f = failed(end);
    assert_eq!(f.error, Error::SsoTokenExpired);
    assert!(
        f.display.contains("run aws sso login --sso-session my-sso"),
        "{}",
        f.display
    );
    // Expired without a refresh token.
    let mut script = files(Some(SSO_CONFIG), None);
    script.push(file(&sso_cache("2023-12-31T00:00:00Z", false)));
    let (_, end, _) = run_p(&[("AWS_PROFILE", "dev")], None, &script);
    assert_eq!(failed(end).error, Error::SsoTokenExpired);
}

#[test]
fn sso_errors() {
    // No cache file, or one without accessToken.
    let mut script = files(Some(SSO_CONFIG), None);
    script.push(io(IoError::NotFound));
    let (_, end, _) = run_p(&[("AWS_PROFILE", "dev")], None, &script);
    let f = failed(end);
    assert_eq!(f.error, Error::SsoTokenMissing);
    assert!(
        f.display.contains("run aws sso login --sso-session my-sso")
            && f.display.contains(SSO_CACHE),
        "{}",
        f.display
    );
    let mut script = files(Some(SSO_CONFIG), None);
    script.push(file(r#"{"expiresAt": "2030-01-01T00:00:00Z"}"#));
    let (_, end, _) = run_p(&[("AWS_PROFILE", "dev")], None, &script);
    assert_eq!(failed(end).error, Error::SsoTokenMissing);
    // The portal refuses the token (UnauthorizedException).
    let mut script = files(Some(SSO_CONFIG), None);
    script.push(file(&sso_cache(EXP_ISO, false)));
    script.push(answer(
        401,
        r#"{"message":"Session token not found or invalid"}"#,
    ));
    let (_, end, _) = run_p(&[("AWS_PROFILE", "dev")], None, &script);
    let f = failed(end);
    assert_eq!((f.error, f.status), (Error::SsoTokenExpired, Some(401)));
    // A 403 (ForbiddenException: the token is valid, the role is not the user's) is no expired
    // token: botocore maps only UnauthorizedException to UnauthorizedSSOTokenError.
    let mut script = files(Some(SSO_CONFIG), None);
    script.push(file(&sso_cache(EXP_ISO, false)));
    script.push(answer(403, r#"{"message":"No access"}"#));
    let (_, end, _) = run_p(&[("AWS_PROFILE", "dev")], None, &script);
    let f = failed(end);
    assert_eq!((f.error, f.status), (Error::EndpointHttpStatus, Some(403)));
    let url = PORTAL_URL.split('?').next().unwrap_or("");
    assert!(
        f.display.contains(&format!("GET {url}"))
            && f.display.contains("HTTP 403")
            && !f.display.contains("ssoACCESStoken")
            && !f.display.contains("sso login"),
        "{}",
        f.display
    );
    // Configuration errors (botocore InvalidConfigError), naming the value at fault.
    let cases: &[(&str, Error, Option<&str>, &str)] = &[
        ("[profile dev]\nsso_session = my-sso\nsso_account_id = 1\n[sso-session my-sso]\nsso_start_url = u\nsso_region = us-east-1\n", Error::SsoInvalidConfig, Some("sso_role_name"), "key sso_role_name]"),
        ("[profile dev]\nsso_session = ghost\nsso_account_id = 1\nsso_role_name = r\n", Error::SsoSessionNotFound, Some("sso_session"), "key sso_session = ghost]"),
        ("[profile dev]\nsso_session = s\nsso_account_id = 1\nsso_role_name = r\nsso_start_url = other\n[sso-session s]\nsso_start_url = u\nsso_region = us-east-1\n", Error::SsoInvalidConfig, Some("sso_start_url"), "key sso_start_url = other]"),
        ("[profile dev]\nsso_account_id = 1\nsso_role_name = r\nsso_start_url = u\n", Error::SsoInvalidConfig, Some("sso_region"), "key sso_region]"),
    ];
    for (config, error, key, shown) in cases {
        let (_, end, mut c) = run_p(&[("AWS_PROFILE", "dev")], None, &files(Some(config), None));
        let f = failed(end);
        assert_eq!(f.error, *error, "{config}");
        assert!(f.display.contains(shown), "{}", f.display);
        assert_eq!(failure_facts(&mut c).1, *key, "{config}");
    }
}

#[test]
fn sso_endpoint_overrides_and_order() {
    let portal = |vars: &[(&'static str, &'static str)]| {
        let mut v = vars.to_vec();
        v.push(("AWS_PROFILE", "dev"));
        let mut script = files(Some(SSO_CONFIG), None);
        script.push(file(&sso_cache(EXP_ISO, false)));
        script.push(ok(&role_credentials()));
        let (seen, _, _) = run_p(&v, None, &script);
        only_request(&seen[3..]).url.clone()
    };
    let q = "/federation/credentials?account_id=111122223333&role_name=ReadOnly";
    assert_eq!(
        portal(&[
            ("MONGODB_AWS_SSO_ENDPOINT", "http://127.0.0.1:9000"),
            ("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:9001")
        ]),
        format!("http://127.0.0.1:9000{q}")
    );
    assert_eq!(
        portal(&[
            ("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:9001"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9002")
        ]),
        format!("http://127.0.0.1:9001{q}")
    );
    assert_eq!(
        portal(&[("AWS_ENDPOINT_URL", "http://127.0.0.1:9002")]),
        format!("http://127.0.0.1:9002{q}")
    );
    // OIDC: the project's variable, then AWS_ENDPOINT_URL_SSO_OIDC.
    let oidc = |vars: &[(&'static str, &'static str)]| {
        let mut v = vars.to_vec();
        v.push(("AWS_PROFILE", "dev"));
        let mut c = new_chain(env(&with_home(&v)), plan(None), NOW);
        let cache = sso_cache("2023-12-31T23:10:00Z", true);
        let mut script = files(Some(SSO_CONFIG), None)
            .into_iter()
            .chain([file(&cache)]);
        loop {
            match observe(&mut c) {
                Obs::Seen(Seen::Http(r)) => return r.url,
                Obs::Seen(_) => apply(&mut c, &script.next().unwrap()),
                Obs::End(e) => panic!("{e:?}"),
            }
        }
    };
    assert_eq!(
        oidc(&[
            ("MONGODB_AWS_SSO_OIDC_ENDPOINT", "http://127.0.0.1:9100"),
            ("AWS_ENDPOINT_URL_SSO_OIDC", "http://127.0.0.1:9101")
        ]),
        "http://127.0.0.1:9100/token"
    );
    assert_eq!(
        oidc(&[("AWS_ENDPOINT_URL_SSO_OIDC", "http://127.0.0.1:9101")]),
        "http://127.0.0.1:9101/token"
    );
    // SSO settings beat the profile's static keys (B3).
    let creds = "[dev]\naws_access_key_id = AKIDSTATIC\naws_secret_access_key = s\n";
    let mut script = files(Some(SSO_CONFIG), Some(creds));
    script.push(file(&sso_cache(EXP_ISO, false)));
    script.push(ok(&role_credentials()));
    let (_, end, _) = run_p(&[("AWS_PROFILE", "dev")], None, &script);
    assert_eq!(done(end).source, Source::Sso);
}

#[test]
fn debug_output_never_shows_the_written_cache_or_process_arguments() {
    let v = with_home(&[("AWS_PROFILE", "dev")]);
    let mut c = new_chain(env(&v), plan(None), NOW);
    let cache = sso_cache("2023-12-31T23:10:00Z", true);
    let mut script = files(Some(SSO_CONFIG), None).into_iter().chain([
        file(&cache),
        ok(r#"{"accessToken":"ssoNEWtoken","expiresIn":3600}"#),
    ]);
    for _ in 0..10 {
        if let Action::WriteFile { .. } = c.poll() {
            let d = format!("{:?}", c.poll());
            assert!(
                d.contains("content_len") && !d.contains("ssoNEWtoken"),
                "{d}"
            );
            assert!(!d.contains("clientSECRET"), "{d}");
            return;
        }
        let _ = observe(&mut c);
        apply(&mut c, &script.next().expect("script"));
    }
    panic!("no WriteFile");
}

#[test]
fn the_chain_stays_within_its_documented_size() {
    // Documented on `Chain` and `mongodb_aws_chain`: about 250 KiB of fixed buffers.
    let n = core::mem::size_of::<Chain<'static>>();
    std::println!("Chain is {n} bytes");
    assert!(n < 256 * 1024, "{n}");
}

#[test]
fn sso_and_credential_process_as_the_source_of_a_role() {
    // botocore's source profile chain: SSO (and credential_process) supply the base credentials.
    let config = format!("[profile top]\nrole_arn = {ROLE_A}\nsource_profile = dev\n{SSO_CONFIG}");
    let mut script = files(Some(&config), None);
    script.push(file(&sso_cache(EXP_ISO, false)));
    script.push(ok(&role_credentials()));
    script.push(ok(&assume_role_xml(HOP1_ID)));
    let (seen, end, mut c) = run_p(&[("AWS_PROFILE", "top")], None, &script);
    let rs = requests(&seen);
    assert_eq!(rs[0].url, PORTAL_URL);
    assert_eq!(
        (
            rs[1].form_value("RoleArn").as_deref(),
            signed_by(rs[1]).as_str()
        ),
        (Some(ROLE_A), KEY_ID)
    );
    assert_eq!(done(end).source, Source::AssumeRole);
    assert_eq!(origin(&mut c), Some(("top".into(), CONFIG.into(), 1)));
    let config = format!(
        "[profile top]\nrole_arn = {ROLE_A}\nsource_profile = tool\n[profile tool]\ncredential_process = helper\n"
    );
    let mut script = files(Some(&config), None);
    script.push(Ev::Exit(Some(0), process_json(""), vec![]));
    script.push(ok(&assume_role_xml(HOP1_ID)));
    let (seen, end, _) = run_p(&[("AWS_PROFILE", "top")], None, &script);
    assert_eq!(signed_by(only_request(&seen[3..])), KEY_ID);
    let g = done(end);
    assert_eq!((g.source, g.cache), (Source::AssumeRole, true));
}

#[test]
fn overlong_names_and_paths() {
    let long: &'static str = Box::leak(
        "p".repeat(profile::MAX_PROFILE_NAME_LEN + 1)
            .into_boxed_str(),
    );
    let (seen, end, _) = run_p(&[("AWS_PROFILE", long)], None, &[]);
    assert!(seen.is_empty());
    let f = failed(end);
    assert_eq!(
        (f.error, f.variable),
        (Error::ProfileInvalidValue, Some("AWS_PROFILE"))
    );
    let path: &'static str = Box::leak(format!("/{}", "d".repeat(MAX_PATH_LEN)).into_boxed_str());
    let (_, end, _) = run_p(&[("AWS_CONFIG_FILE", path)], None, &[]);
    let f = failed(end);
    assert_eq!(
        (f.error, f.variable),
        (Error::InvalidEnvironmentVariable, Some("AWS_CONFIG_FILE"))
    );
}

#[test]
fn mfa_timeout_variable() {
    let config = format!(
        "[profile admin]\nrole_arn = {ROLE_A}\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n"
    );
    let config: &'static str = Box::leak(config.into_boxed_str());
    let timeout_of = |seen: &[Seen]| {
        seen.iter().find_map(|s| match s {
            Seen::Mfa { timeout_ms, .. } => Some(*timeout_ms),
            _ => None,
        })
    };
    // Default 300 s; seconds, integer or decimal, as AWS_METADATA_SERVICE_TIMEOUT.
    let mut script = files(Some(config), Some(BASE_CREDS));
    script.push(Ev::MfaFailed);
    let (seen, end, _) = run_p(&[("AWS_PROFILE", "admin")], None, &script);
    assert_eq!(timeout_of(&seen), Some(300_000));
    assert_eq!(failed(end).error, Error::MfaCodeUnavailable);
    for (value, ms) in [("1", 1_000), ("0.5", 500), ("3600", 3_600_000)] {
        let (seen, _, _) = run_p(
            &[("AWS_PROFILE", "admin"), (MFA_TIMEOUT, value)],
            None,
            &script,
        );
        assert_eq!(timeout_of(&seen), Some(ms), "{value}");
    }
    // Out of range or not a number: the variable is named and nothing is asked.
    let files_only = files(Some(config), Some(BASE_CREDS));
    for value in ["0", "3601", "-1", "soon"] {
        let (seen, end, _) = run_p(
            &[("AWS_PROFILE", "admin"), (MFA_TIMEOUT, value)],
            None,
            &files_only,
        );
        assert_eq!(timeout_of(&seen), None, "{value}");
        let f = failed(end);
        assert_eq!(
            (f.error, f.variable),
            (Error::InvalidEnvironmentVariable, Some(MFA_TIMEOUT)),
            "{value}"
        );
        assert_eq!(f.source, Some(Source::AssumeRole), "{value}");
    }
    // A profile without mfa_serial never reads it.
    let plain = format!("[profile admin]\nrole_arn = {ROLE_A}\nsource_profile = base\n");
    let plain: &'static str = Box::leak(plain.into_boxed_str());
    let mut script = files(Some(plain), Some(BASE_CREDS));
    script.push(ok(&assume_role_xml(HOP1_ID)));
    let (_, end, _) = run_p(
        &[("AWS_PROFILE", "admin"), (MFA_TIMEOUT, "soon")],
        None,
        &script,
    );
    assert_eq!(done(end).id, HOP1_ID);
}

#[test]
fn credential_process_timeout_variable() {
    let config = "[default]\ncredential_process = helper --x\n";
    let timeout_of = |seen: &[Seen]| {
        seen.iter().find_map(|s| match s {
            Seen::Process { timeout_ms, .. } => Some(*timeout_ms),
            _ => None,
        })
    };
    // Default 60 s; seconds, integer or decimal, as AWS_METADATA_SERVICE_TIMEOUT.
    let mut script = files(Some(config), None);
    script.push(io(IoError::Timeout));
    let (seen, _, _) = run_p(&[], None, &script);
    assert_eq!(timeout_of(&seen), Some(60_000));
    for (value, ms) in [("1", 1_000), ("2.5", 2_500), ("3600", 3_600_000)] {
        let (seen, end, _) = run_p(&[(CREDENTIAL_PROCESS_TIMEOUT, value)], None, &script);
        assert_eq!(timeout_of(&seen), Some(ms), "{value}");
        let f = failed(end);
        assert_eq!(
            (f.error, f.deadline_ms),
            (Error::CredentialProcessTimeout, Some(ms))
        );
    }
    // Out of range or not a number: the variable is named and nothing runs.
    let files_only = files(Some(config), None);
    for value in ["0", "3601", "-1", "soon"] {
        let (seen, end, _) = run_p(&[(CREDENTIAL_PROCESS_TIMEOUT, value)], None, &files_only);
        assert_eq!(timeout_of(&seen), None, "{value}");
        let f = failed(end);
        assert_eq!(f.error, Error::InvalidEnvironmentVariable, "{value}");
        assert!(
            f.display.contains(CREDENTIAL_PROCESS_TIMEOUT),
            "{}",
            f.display
        );
    }
}
