//! `mongodb-aws credentials --profile` with real AWS shared files in a temporary directory: the
//! origin (profile, file, line of the section header) in text and JSON, `--format env` read back by
//! a POSIX shell, `--format process` read back by botocore's own credential_process provider, and an
//! MFA role chain whose code comes from stdin, against moto on 127.0.0.1 (scripts/moto-sts).

mod support;

use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use support::{repo, Moto};

const SECRET: &str = "pRoFiLeSeCrEtKeY/0123456789abcdefghijKL";
const TOKEN: &str = "pRoFiLeToKeN+zyxwvutsrqponmlkjihgfedcba==";

/// A fresh directory with an empty home (so no developer's ~/.aws is read).
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("mongodb-aws-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("home")).unwrap();
        Dir(d)
    }

    fn file(&self, name: &str, text: &str) -> String {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    }

    fn home(&self) -> String {
        self.0.join("home").to_str().unwrap().to_string()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The 1-based line of `header` in `text` (what the origin must say, found independently).
fn line_of(text: &str, header: &str) -> u64 {
    text.lines().position(|l| l.trim() == header).unwrap() as u64 + 1
}

/// Instance metadata on a closed loopback port: a chain that falls through to IMDS never leaves
/// this machine.
const NO_IMDS: (&str, &str) = ("MONGODB_AWS_EC2_METADATA_ENDPOINT", "http://127.0.0.1:9");

/// `mongodb-aws credentials ARGS` with exactly `env` (plus PATH and [`NO_IMDS`]) and `stdin` on
/// its stdin.
fn run(env: &[(&str, &str)], args: &[&str], stdin: &str) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mongodb-aws"));
    c.arg("credentials").args(args);
    output(c, env, stdin)
}

/// Runs `c` with exactly `env` (plus PATH and [`NO_IMDS`]) and `stdin` on its stdin.
fn output(mut c: Command, env: &[(&str, &str)], stdin: &str) -> Output {
    let mut child = c
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env(NO_IMDS.0, NO_IMDS.1)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

fn credentials_file() -> String {
    format!(
        "[default]\naws_access_key_id = AKIADEFAULTDEFAULT1\naws_secret_access_key = other\n\n\
         # the developer's profile\n[dev]\naws_access_key_id = AKIAPROFILEDEV00001\n\
         aws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}\n"
    )
}

#[test]
fn profile_origin_in_text_and_json_and_no_secret() {
    let d = Dir::new("origin");
    let creds = credentials_file();
    let path = d.file("credentials", &creds);
    let home = d.home();
    let env = [
        ("HOME", home.as_str()),
        ("AWS_SHARED_CREDENTIALS_FILE", path.as_str()),
    ];
    let line = line_of(&creds, "[dev]");

    let out = run(&env, &["--profile", "dev", "--json"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["source"], "profile");
    assert_eq!(v["access_key_id"], "AKIAPROFILEDEV00001");
    assert_eq!(v["profile"], "dev");
    assert_eq!(v["origin_file"], path.as_str());
    assert_eq!(v["origin_line"], line);
    assert_eq!(v["secret_access_key"], "<redacted>");
    assert_eq!(v["session_token"], "<redacted>");

    let out = run(&env, &["--profile", "dev"], "");
    let t = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(t.contains("source:            profile\n"), "{t}");
    assert!(
        t.contains(&format!("profile:           dev ({path}, line {line})\n")),
        "{t}"
    );
    for s in [t, text(&out.stderr)] {
        assert!(!s.contains(SECRET) && !s.contains(TOKEN), "{s}");
    }

    // AWS_PROFILE picks the same profile; --profile overrides it.
    let with_var = [env[0], env[1], ("AWS_PROFILE", "dev")];
    let v: Value = serde_json::from_slice(&run(&with_var, &["--json"], "").stdout).unwrap();
    assert_eq!(v["access_key_id"], "AKIAPROFILEDEV00001");
    let v: Value =
        serde_json::from_slice(&run(&with_var, &["--json", "--profile", "default"], "").stdout)
            .unwrap();
    assert_eq!(v["access_key_id"], "AKIADEFAULTDEFAULT1");
    assert_eq!(v["origin_line"], line_of(&creds, "[default]"));

    // A named profile in neither file is an error, not a fall-through to [default].
    let out = run(&env, &["--profile", "nope", "--json"], "");
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"], "PROFILE_NOT_FOUND", "{v}");
    assert!(text(&out.stderr).contains("nope"), "{}", text(&out.stderr));
}

#[test]
fn format_env_is_read_back_by_a_shell() {
    let d = Dir::new("env");
    let path = d.file("credentials", &credentials_file());
    let home = d.home();
    let env = [
        ("HOME", home.as_str()),
        ("AWS_SHARED_CREDENTIALS_FILE", path.as_str()),
    ];
    let out = run(&env, &["--profile", "dev", "--format", "env"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains(SECRET));
    let sh = Command::new("sh")
        .arg("-c")
        .arg("eval \"$(cat)\"; printf '%s\\n' \"$AWS_ACCESS_KEY_ID\" \"$AWS_SECRET_ACCESS_KEY\" \"$AWS_SESSION_TOKEN\" \"${AWS_CREDENTIAL_EXPIRATION-unset}\"")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut sh = sh;
    sh.stdin.take().unwrap().write_all(&out.stdout).unwrap();
    let got = text(&sh.wait_with_output().unwrap().stdout);
    assert_eq!(
        got,
        format!("AKIAPROFILEDEV00001\n{SECRET}\n{TOKEN}\nunset\n"),
        "static keys have no expiration"
    );
}

/// botocore (the AWS CLI's library) runs `mongodb-aws credentials --format process` as the
/// credential_process of a profile and must get the same keys.
#[test]
fn format_process_feeds_botocore() {
    let py = repo().join(".venv/bin/python");
    if !py.exists() {
        eprintln!("SKIPPED: no .venv with botocore (run scripts/install-deps python)");
        return;
    }
    let d = Dir::new("process");
    let path = d.file("credentials", &credentials_file());
    let home = d.home();
    let bin = env!("CARGO_BIN_EXE_mongodb-aws");
    let config = d.file(
        "botocore-config",
        &format!("[profile viaprocess]\ncredential_process = \"{bin}\" credentials --profile dev --format process\n"),
    );
    let out = Command::new(&py)
        .arg("-c")
        .arg(
            "import botocore.session, json\n\
             s = botocore.session.Session(profile='viaprocess')\n\
             c = s.get_credentials().get_frozen_credentials()\n\
             print(json.dumps([c.access_key, c.secret_key, c.token, s.get_credentials().method]))",
        )
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env(NO_IMDS.0, NO_IMDS.1)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", &config)
        // For botocore: no credentials file of its own. For mongodb-aws (its child): the file
        // with [dev] (botocore passes its environment on).
        .env("AWS_SHARED_CREDENTIALS_FILE", &path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v,
        serde_json::json!(["AKIAPROFILEDEV00001", SECRET, TOKEN, "custom-process"])
    );
}

/// A role chain with `mfa_serial`: the code is read from stdin (one line), the prompt is on stderr
/// and the code is never printed; moto checks the signature of the AssumeRole and its answer is
/// printed in the credential_process shape, which botocore's parser accepts (Expiration RFC 3339).
#[test]
fn mfa_role_chain_with_the_code_from_stdin() {
    let Some(m) = Moto::start() else { return };
    let d = Dir::new("mfa");
    let acct = m.s("account_id");
    let serial = format!("arn:aws:iam::{acct}:mfa/mongodb-aws-test");
    let creds = format!(
        "[base]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        m.s("access_key_id"),
        m.s("secret_access_key")
    );
    let config = format!(
        "[profile admin]\nrole_arn = {}\nsource_profile = base\nmfa_serial = {serial}\n\
         role_session_name = cli-mfa\n",
        m.s("role_arn")
    );
    let creds_path = d.file("credentials", &creds);
    let config_path = d.file("config", &config);
    let home = d.home();
    let env = [
        ("HOME", home.as_str()),
        ("AWS_SHARED_CREDENTIALS_FILE", creds_path.as_str()),
        ("AWS_CONFIG_FILE", config_path.as_str()),
        ("MONGODB_AWS_STS_ENDPOINT", m.url()),
    ];
    let out = run(&env, &["--profile", "admin", "--json"], "271828\n");
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains(&format!("Enter MFA code for {serial}: ")),
        "{err}"
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["source"], "assume-role");
    assert_eq!(
        v["arn"],
        format!("arn:aws:sts::{acct}:assumed-role/mongodb-aws-role/cli-mfa")
    );
    assert_eq!(v["profile"], "admin");
    assert_eq!(v["origin_file"], config_path.as_str());
    assert_eq!(v["origin_line"], line_of(&config, "[profile admin]"));
    for s in [v.to_string(), err] {
        assert!(!s.contains("271828"), "the MFA code was printed: {s}");
    }

    // --format process as botocore's credential_process: botocore runs us with its stdin (the
    // code), parses the answer and its Expiration (RFC 3339), and refreshes before it.
    // One config for both: botocore reads [profile viaprocess], mongodb-aws [profile admin].
    let bin = env!("CARGO_BIN_EXE_mongodb-aws");
    let both = format!(
        "{config}\n[profile viaprocess]\ncredential_process = \"{bin}\" credentials --profile admin --format process\n"
    );
    std::fs::write(&config_path, both).unwrap();
    let mut boto = Command::new(repo().join(".venv/bin/python"));
    boto.arg("-c").arg(
        "import botocore.session, json, datetime\n\
         s = botocore.session.Session(profile='viaprocess')\n\
         c = s.get_credentials()\n\
         f = c.get_frozen_credentials()\n\
         left = (c._expiry_time - datetime.datetime.now(datetime.timezone.utc)).total_seconds()\n\
         print(json.dumps([f.access_key[:4], c.method, 600 < left <= 3600]))",
    );
    let boto_env: Vec<(&str, &str)> = std::iter::once(("AWS_EC2_METADATA_DISABLED", "true"))
        .chain(env.iter().copied())
        .collect();
    let r = output(boto, &boto_env, "314159\n");
    assert!(r.status.success(), "{}", text(&r.stderr));
    let v: Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(v, serde_json::json!(["ASIA", "custom-process", true]));

    // No code on stdin: the chain's typed error, exit 1, nothing on stdout.
    let out = run(&env, &["--profile", "admin", "--format", "process"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("MFA_CODE_UNAVAILABLE"),
        "{}",
        text(&out.stderr)
    );
}
