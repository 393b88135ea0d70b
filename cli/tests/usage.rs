//! The command line as a user meets it (clap underneath): every command's help (exit 0, its own
//! text), usage errors (exit 2, the command's prefix, no value repeated), the overview, `-V`.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mongodb-aws"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

#[test]
fn overview_version_and_unknown_commands() {
    for args in [
        &["--help"][..],
        &["-h"],
        &["help"],
        &["--help", "credentials"],
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        assert!(
            text(&o.stdout).starts_with("mongodb-aws: MONGODB-AWS authentication tools\n"),
            "{args:?}"
        );
    }
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("COMMANDS:"));
    let o = run(&["-V"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        text(&o.stdout),
        format!("mongodb-aws {}\n", env!("CARGO_PKG_VERSION"))
    );
    let o = run(&["nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).starts_with("mongodb-aws: unknown command 'nope'\n"));
    let o = run(&["--bogus"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).starts_with("mongodb-aws: unknown option --bogus"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn each_command_has_its_help_and_its_usage_errors() {
    for (cmd, first) in [
        ("credentials", "usage: mongodb-aws credentials"),
        ("demo", "mongodb-aws demo: "),
        ("doctor", "mongodb-aws doctor: "),
        ("serve", "mongodb-aws serve: "),
    ] {
        for h in ["--help", "-h"] {
            let o = run(&[cmd, h]);
            assert_eq!(o.status.code(), Some(0), "{cmd} {h}");
            assert!(text(&o.stdout).starts_with(first), "{cmd} {h}");
        }
        let o = run(&[cmd, "--no-such-option=pa55word"]);
        assert_eq!(o.status.code(), Some(2), "{cmd}");
        let err = text(&o.stderr);
        assert!(
            err.starts_with(&format!(
                "mongodb-aws {cmd}: unknown option --no-such-option=<redacted> (see --help)"
            )),
            "{err}"
        );
        assert!(!err.contains("pa55word"));
    }
    // Values checked after parsing keep their messages and exit 2.
    let o = run(&["demo", "--sts-host", "sts..com"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).starts_with("mongodb-aws demo: --sts-host: "));
    let o = run(&["doctor", "--uri", "http://u:pa55word@h"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!text(&o.stderr).contains("pa55word"));
    let o = run(&["serve", "--port", "70000", "--in-process-sts"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        text(&o.stderr),
        "mongodb-aws serve: --port: expected 0..65535 (see --help)\n"
    );
    let o = run(&["credentials", "--mfa-code", "123456"]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("the options given also need --mfa-serial and --assume-role"),
        "{err}"
    );
    assert!(!err.contains("123456"), "{err}");
}
