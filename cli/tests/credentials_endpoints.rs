//! `mongodb-aws credentials` is a thin printer over the runtime's chain (whose behaviour the
//! scenario suite, testdata/credential-scenarios, pins for every host): these tests check the
//! CLI's own part — its JSON and text output, exit codes, and that no secret is printed — against
//! the endpoint emulator on 127.0.0.1.

mod support;

use serde_json::Value;
use support::{cli, Emulator};

const REL: &str = "/v2/credentials/task-1";

/// `mongodb-aws credentials --json` with the task role of `e`'s ECS endpoint.
fn ecs(e: &Emulator) -> (i32, Value, String) {
    cli(
        &[
            ("MONGODB_AWS_ECS_ENDPOINT", &e.url),
            ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", REL),
        ],
        &[],
    )
}

fn no_secrets(s: &str) {
    assert!(
        !s.contains("emuSecret") && !s.contains("emuToken"),
        "secret printed: {s}"
    );
}

#[test]
fn ecs_json_output() {
    let e = Emulator::start(&[]);
    let (code, v, err) = ecs(&e);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["source"], "ecs");
    assert!(v["access_key_id"].as_str().unwrap().starts_with("ASIAEMU"));
    assert_eq!(v["secret_access_key"], "<redacted>");
    assert_eq!(v["session_token"], "<redacted>");
    assert_eq!(v["arn"], "arn:aws:iam::123456789012:role/emulated-ecs-task");
    assert_eq!(v["fresh"], true);
    assert_eq!(v["from_cache"], false);
    assert!(v["expiration"].as_str().unwrap().ends_with('Z'));
    assert_eq!(e.count("ecs"), 1);
    no_secrets(&v.to_string());
    no_secrets(&err);
}

#[test]
fn imds_text_output_names_the_instance_role() {
    let e = Emulator::start(&[]);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mongodb-aws"))
        .arg("credentials")
        .env_clear()
        .env("MONGODB_AWS_EC2_METADATA_ENDPOINT", &e.url)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("source:            ec2"), "{text}");
    assert!(text.contains("instance role:     emulator-role"), "{text}");
    assert!(text.contains("secret access key: <redacted, "), "{text}");
    no_secrets(&text);
}

#[test]
fn errors_print_code_number_and_detail() {
    let e = Emulator::start(&["--mode", "status", "--status", "503", "--target", "ecs"]);
    let (code, v, err) = ecs(&e);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["error"], "ENDPOINT_HTTP_STATUS");
    assert_eq!(v["code"], 412);
    assert_eq!(v["source"], "ecs");
    let msg = v["message"].as_str().unwrap();
    assert!(msg.contains(&format!("GET {}{REL}", e.url)), "{msg}");
    assert!(
        msg.contains("HTTP 503") && msg.contains("after 3 attempts"),
        "{msg}"
    );
    assert!(err.contains("ENDPOINT_HTTP_STATUS (412)"), "{err}");
    // The chain's retry policy: three attempts.
    assert_eq!(e.count("ecs"), 3);
}

#[test]
fn usage_errors_exit_2() {
    let (code, _, err) = cli(&[], &["--bogus"]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("mongodb-aws credentials: unknown option --bogus (see --help)"),
        "{err}"
    );
    // A value given to the wrong place is never repeated (it may be a secret).
    let (code, _, err) = cli(&[], &["--format", "emuSecret"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--format: expected one of env, process, json"),
        "{err}"
    );
    let (code, _, err) = cli(&[], &["emuSecret"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("unexpected argument #2 (not an option"),
        "{err}"
    );
    no_secrets(&err);
    let (code, _, err) = cli(&[], &["--profile"]);
    assert_eq!(code, 2);
    assert!(err.contains("--profile needs a value"), "{err}");
}
