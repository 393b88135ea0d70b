//! The CLI host's credential sources against the endpoint emulator on 127.0.0.1: each source, the
//! chain order, expiry and refresh, cache clearing, concurrent fetches, malformed and truncated
//! bodies, 4xx/5xx and timeouts.

mod support;

use mongodb_aws_cli::credentials::{cache::CredentialCache, resolve};
use mongodb_aws_core::Error;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};
use support::{cli, env_map, raw, Emulator};

const REL: &str = "/v2/credentials/task-1";

fn ecs_env(e: &Emulator) -> Vec<(&'static str, String)> {
    vec![
        ("MONGODB_AWS_ECS_ENDPOINT", e.url.clone()),
        ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", REL.to_string()),
    ]
}

fn refs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn expect_error(env: &[(&str, &str)], name: &str) -> String {
    let (code, v, stderr) = cli(env, &[]);
    assert_eq!(code, 1, "{v} {stderr}");
    assert_eq!(v["error"], name, "{v} {stderr}");
    assert!(stderr.contains(name), "{stderr}");
    assert!(
        !stderr.contains("emuSecret") && !stderr.contains("emuToken"),
        "{stderr}"
    );
    stderr
}

#[test]
fn ecs_source() {
    let e = Emulator::start(&[]);
    let (code, v, err) = cli(&refs(&ecs_env(&e)), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["source"], "ecs");
    assert!(v["access_key_id"].as_str().unwrap().starts_with("ASIAEMU"));
    assert_eq!(v["secret_access_key"], "<redacted>");
    assert_eq!(v["session_token"], "<redacted>");
    assert_eq!(v["arn"], "arn:aws:iam::123456789012:role/emulated-ecs-task");
    assert_eq!(v["fresh"], true);
    assert!(v["expiration"].as_str().unwrap().ends_with('Z'));
    assert_eq!(e.count("ecs"), 1);
}

#[test]
fn ecs_epoch_expiration_and_escaped_slashes() {
    let e = Emulator::start(&["--expiration-format", "epoch", "--escape-slashes"]);
    let (code, v, err) = cli(&refs(&ecs_env(&e)), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["arn"], "arn:aws:iam::123456789012:role/emulated-ecs-task");
    let exp = v["expiration_unix"].as_u64().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(exp > now + 3500 && exp < now + 3700, "{exp} vs {now}");
}

#[test]
fn full_uri_with_token_file_reread_each_time() {
    let e = Emulator::start(&["--auth-token", "tok-1"]);
    let dir = std::env::temp_dir().join(format!("mongodb-aws-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("token");
    std::fs::write(&file, "tok-1\n").unwrap();
    let full = format!("{}/v1/credentials", e.url);
    let env = [
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", full.as_str()),
        (
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
            file.to_str().unwrap(),
        ),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "ignored-when-file-set"),
    ];
    let (code, v, err) = cli(&env, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["source"], "container-full-uri");
    assert_eq!(v["account_id"], "123456789012");
    assert_eq!(e.stats()["last_auth"], "tok-1");
    // Rotated token: the file is read again.
    std::fs::write(&file, "tok-2\n").unwrap();
    e.config(r#"{"auth_token": "tok-2"}"#);
    let (code, _, err) = cli(&env, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(e.stats()["last_auth"], "tok-2");
    // A wrong token: 401 surfaces as an HTTP status error.
    e.config(r#"{"auth_token": "tok-3"}"#);
    let err = expect_error(&env, "ENDPOINT_HTTP_STATUS");
    assert!(err.contains("HTTP 401"), "{err}");
    // The token from the variable when there is no file.
    let env2 = [
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", full.as_str()),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "tok-3"),
    ];
    let (code, _, err) = cli(&env2, &[]);
    assert_eq!(code, 0, "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn full_uri_refuses_plain_http_to_other_hosts() {
    // No connection is attempted: the core refuses the URL.
    let err = expect_error(
        &[(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "http://192.0.2.1/creds",
        )],
        "FORBIDDEN_CONTAINER_HOST",
    );
    assert!(err.contains("169.254.170.23"), "{err}");
}

#[test]
fn ec2_imdsv2_three_steps() {
    let e = Emulator::start(&[]);
    let (code, v, err) = cli(&[("MONGODB_AWS_EC2_METADATA_ENDPOINT", &e.url)], &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["source"], "ec2");
    assert_eq!(v["instance_role"], "emulator-role");
    let s = e.stats();
    assert_eq!(s["last_ttl"], "30", "token PUT carries the TTL header");
    assert_eq!(s["counts"]["imds-token"], 1);
    assert_eq!(s["counts"]["imds-role"], 1);
    assert_eq!(s["counts"]["imds-creds"], 1);
    // The AWS SDK variable works too; the MONGODB_AWS_ one wins when both are set.
    let (code, _, err) = cli(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &e.url)], &[]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = cli(
        &[
            ("MONGODB_AWS_EC2_METADATA_ENDPOINT", &e.url),
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1"),
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
}

#[test]
fn emulator_imds_rules() {
    // What the Python and Node hosts rely on too: 400 without the TTL header, 401 without a token,
    // the TTL echoed.
    let e = Emulator::start(&[]);
    let (st, _) = raw(e.port, "PUT", "/latest/api/token", &[], b"");
    assert_eq!(st, 400);
    let (st, _) = raw(
        e.port,
        "PUT",
        "/latest/api/token",
        &[("X-aws-ec2-metadata-token-ttl-seconds", "21601")],
        b"",
    );
    assert_eq!(st, 400);
    let (st, _) = raw(
        e.port,
        "GET",
        "/latest/meta-data/iam/security-credentials/",
        &[],
        b"",
    );
    assert_eq!(st, 401);
    let (st, _) = raw(
        e.port,
        "GET",
        "/latest/meta-data/iam/security-credentials/",
        &[("X-aws-ec2-metadata-token", "forged")],
        b"",
    );
    assert_eq!(st, 401);
    let (st, tok) = raw(
        e.port,
        "PUT",
        "/latest/api/token",
        &[("X-aws-ec2-metadata-token-ttl-seconds", "5")],
        b"",
    );
    assert_eq!(st, 200);
    let (st, role) = raw(
        e.port,
        "GET",
        "/latest/meta-data/iam/security-credentials/",
        &[("X-aws-ec2-metadata-token", &tok)],
        b"",
    );
    assert_eq!((st, role.as_str()), (200, "emulator-role\n"));
}

#[test]
fn imds_token_timeout_names_the_hop_limit() {
    let e = Emulator::start(&[
        "--mode",
        "hang",
        "--target",
        "imds-token",
        "--hang-seconds",
        "5",
    ]);
    let t = Instant::now();
    let err = expect_error(
        &[("MONGODB_AWS_EC2_METADATA_ENDPOINT", &e.url)],
        "IMDS_TOKEN_TIMEOUT",
    );
    assert!(
        t.elapsed() < Duration::from_millis(2500),
        "1 s IMDS timeout: {:?}",
        t.elapsed()
    );
    assert!(err.contains("hop limit"), "{err}");
    assert_eq!(e.count("imds-role"), 0);
}

#[test]
fn imds_unreachable_is_fast() {
    // A closed port: refused at once.
    let err = expect_error(
        &[("MONGODB_AWS_EC2_METADATA_ENDPOINT", "http://127.0.0.1:1")],
        "ENDPOINT_UNREACHABLE",
    );
    assert!(err.contains("/latest/api/token"), "{err}");
}

#[test]
fn ecs_timeout_honours_metadata_timeout() {
    let e = Emulator::start(&["--mode", "hang", "--target", "ecs", "--hang-seconds", "10"]);
    let mut env = ecs_env(&e);
    env.push(("AWS_METADATA_SERVICE_TIMEOUT", "1".into()));
    let t = Instant::now();
    expect_error(&refs(&env), "ENDPOINT_TIMEOUT");
    assert!(t.elapsed() < Duration::from_secs(4), "{:?}", t.elapsed());
}

#[test]
fn bad_bodies_and_statuses() {
    let e = Emulator::start(&[]);
    let env = ecs_env(&e);
    let env = refs(&env);
    let cases: &[(&str, &str)] = &[
        (r#"{"mode":"malformed","target":"ecs"}"#, "JSON_MALFORMED"),
        (r#"{"mode":"html","target":"ecs"}"#, "JSON_MALFORMED"),
        (
            r#"{"mode":"truncated","target":"ecs"}"#,
            "ENDPOINT_BAD_RESPONSE",
        ),
        (
            r#"{"mode":"status","target":"ecs","status":404}"#,
            "ENDPOINT_HTTP_STATUS",
        ),
        (
            r#"{"mode":"status","target":"ecs","status":500}"#,
            "ENDPOINT_HTTP_STATUS",
        ),
        (
            r#"{"mode":"status","target":"ecs","status":503}"#,
            "ENDPOINT_HTTP_STATUS",
        ),
        (
            r#"{"mode":"normal","expires_in":-10}"#,
            "CREDENTIALS_EXPIRED",
        ),
    ];
    for (cfg, want) in cases {
        e.config(cfg);
        let err = expect_error(&env, want);
        if cfg.contains("503") {
            assert!(err.contains("HTTP 503"), "{err}");
        }
    }
    // IMDS: Code other than Success, an instance without a role, a failing token step.
    let imds = [("MONGODB_AWS_EC2_METADATA_ENDPOINT", e.url.as_str())];
    e.config(r#"{"mode":"code","target":"imds-creds","expires_in":3600}"#);
    expect_error(&imds, "IMDS_CODE_NOT_SUCCESS");
    e.config(r#"{"mode":"empty-role","target":"imds-role"}"#);
    expect_error(&imds, "NO_INSTANCE_ROLE");
    e.config(r#"{"mode":"status","target":"imds-token","status":403}"#);
    let err = expect_error(&imds, "ENDPOINT_HTTP_STATUS");
    assert!(err.contains("HTTP 403"), "{err}");
    e.config(r#"{"mode":"truncated","target":"imds-creds"}"#);
    expect_error(&imds, "ENDPOINT_BAD_RESPONSE");
}

#[test]
fn chain_order() {
    let e = Emulator::start(&[]);
    let token_dir = std::env::temp_dir().join(format!("mongodb-aws-chain-{}", std::process::id()));
    std::fs::create_dir_all(&token_dir).unwrap();
    let full = format!("{}/v1/credentials", e.url);
    // 1. env beats everything else.
    let mut env = ecs_env(&e);
    env.push(("MONGODB_AWS_EC2_METADATA_ENDPOINT", e.url.clone()));
    env.push(("AWS_CONTAINER_CREDENTIALS_FULL_URI", full.clone()));
    env.push(("AWS_ACCESS_KEY_ID", "AKIAENVEXAMPLE".into()));
    env.push(("AWS_SECRET_ACCESS_KEY", "envsecret".into()));
    let (code, v, err) = cli(&refs(&env), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        (v["source"].as_str(), v["access_key_id"].as_str()),
        (Some("environment"), Some("AKIAENVEXAMPLE"))
    );
    assert_eq!(v["expiration"], serde_json::Value::Null);
    // Lambda: all three variables.
    let mut lambda = env.clone();
    lambda.push(("AWS_SESSION_TOKEN", "lambdatoken".into()));
    let (_, v, _) = cli(&refs(&lambda), &[]);
    assert_eq!(v["session_token"], "<redacted>");
    // An incomplete env set is an error with the spec's message, not a fall-through to ECS.
    let mut partial = ecs_env(&e);
    partial.push(("AWS_ACCESS_KEY_ID", "AKIAENVEXAMPLE".into()));
    let err = expect_error(&refs(&partial), "MISSING_SECRET_ACCESS_KEY");
    assert!(
        err.contains("ACCESS_KEY_ID is set, but SECRET_ACCESS_KEY is missing"),
        "{err}"
    );
    let mut only_token = ecs_env(&e);
    only_token.push(("AWS_SESSION_TOKEN", "t".into()));
    expect_error(&refs(&only_token), "SESSION_TOKEN_WITHOUT_KEYS");
    assert_eq!(e.count("ecs"), 0);
    // 2. ECS beats the full URI and EC2.
    env.retain(|(k, _)| !k.starts_with("AWS_ACCESS") && !k.starts_with("AWS_SECRET"));
    let (_, v, _) = cli(&refs(&env), &[]);
    assert_eq!(v["source"], "ecs");
    // 3. Without the relative URI, the full URI beats EC2.
    env.retain(|(k, _)| *k != "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    let (_, v, _) = cli(&refs(&env), &[]);
    assert_eq!(v["source"], "container-full-uri");
    env.retain(|(k, _)| *k != "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    let (_, v, _) = cli(&refs(&env), &[]);
    assert_eq!(v["source"], "ec2");
    assert_eq!(
        e.count("imds-token"),
        1,
        "EC2 only when nothing else is configured"
    );
    // 4. No fall-back from a failing ECS endpoint to EC2.
    e.config(r#"{"mode":"status","target":"ecs","status":500}"#);
    let mut ecs_fail = ecs_env(&e);
    ecs_fail.push(("MONGODB_AWS_EC2_METADATA_ENDPOINT", e.url.clone()));
    expect_error(&refs(&ecs_fail), "ENDPOINT_HTTP_STATUS");
    assert_eq!(
        e.count("imds-token"),
        1,
        "ECS failure must not fall back to EC2"
    );
    // 5. Web identity needs both variables; with only one, ECS is used.
    e.config(r#"{"mode":"normal"}"#);
    let tok = token_dir.join("token");
    std::fs::write(&tok, "header.payload.sig\n").unwrap();
    let mut one = ecs_env(&e);
    one.push(("AWS_WEB_IDENTITY_TOKEN_FILE", tok.to_str().unwrap().into()));
    let (_, v, _) = cli(&refs(&one), &[]);
    assert_eq!(v["source"], "ecs");
    // With both set, web identity is chosen before ECS (here STS is unreachable: the error shows it).
    one.push(("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/irsa".into()));
    one.push(("MONGODB_AWS_STS_ENDPOINT", "http://127.0.0.1:1".into()));
    let err = expect_error(&refs(&one), "ENDPOINT_UNREACHABLE");
    assert!(err.contains("127.0.0.1:1/"), "{err}");
    // 6. AWS_EC2_METADATA_DISABLED ends the chain without any request.
    let before = e.count("imds-token");
    expect_error(
        &[
            ("MONGODB_AWS_EC2_METADATA_ENDPOINT", &e.url),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ],
        "NO_CREDENTIALS",
    );
    assert_eq!(e.count("imds-token"), before);
    std::fs::remove_dir_all(&token_dir).unwrap();
}

// ---------------------------------------------------------------------------------------------
// The cache, in-process (one resolver, one cache, like a driver's process).
// ---------------------------------------------------------------------------------------------

#[test]
fn cache_holds_endpoint_credentials_and_refreshes_near_expiry() {
    let e = Emulator::start(&[]);
    let env = env_map(&refs(&ecs_env(&e)));
    let cache = CredentialCache::new();
    let a = resolve(&env, &cache).unwrap();
    assert!(!a.from_cache);
    let b = resolve(&env, &cache).unwrap();
    assert!(b.from_cache);
    assert_eq!(a.credentials.access_key_id, b.credentials.access_key_id);
    assert_eq!(e.count("ecs"), 1);
    // Credentials expiring within 5 minutes are not reused: each call refetches and replaces.
    e.config(r#"{"expires_in": 120}"#);
    cache.clear();
    let c = resolve(&env, &cache).unwrap();
    let d = resolve(&env, &cache).unwrap();
    assert!(!c.from_cache && !d.from_cache);
    assert_ne!(c.credentials.access_key_id, d.credentials.access_key_id);
    assert_eq!(
        cache.peek().unwrap().access_key_id,
        d.credentials.access_key_id
    );
    assert_eq!(e.count("ecs"), 3);
}

#[test]
fn cache_cleared_after_auth_failure_then_refilled() {
    let e = Emulator::start(&[]);
    let env = env_map(&refs(&ecs_env(&e)));
    let cache = CredentialCache::new();
    let poisoned = resolve(&env, &cache)
        .unwrap()
        .credentials
        .access_key_id
        .clone();
    // The driver's authentication fails with these credentials: it clears the cache.
    cache.clear();
    assert!(cache.peek().is_none());
    let fresh = resolve(&env, &cache).unwrap();
    assert!(!fresh.from_cache);
    assert_ne!(fresh.credentials.access_key_id, poisoned);
    assert_eq!(
        cache.peek().unwrap().access_key_id,
        fresh.credentials.access_key_id
    );
}

#[test]
fn cached_credentials_win_over_env_vars_that_appear_later_and_env_is_never_cached() {
    let e = Emulator::start(&[]);
    let mut env = env_map(&refs(&ecs_env(&e)));
    let cache = CredentialCache::new();
    let first = resolve(&env, &cache).unwrap();
    env.insert("AWS_ACCESS_KEY_ID".into(), "AKIALATEENV".into());
    env.insert("AWS_SECRET_ACCESS_KEY".into(), "late".into());
    let second = resolve(&env, &cache).unwrap();
    assert!(second.from_cache);
    assert_eq!(
        second.credentials.access_key_id,
        first.credentials.access_key_id
    );
    // Env credentials are used but never stored.
    let cache2 = CredentialCache::new();
    let env_only = env_map(&[
        ("AWS_ACCESS_KEY_ID", "AKIAENV"),
        ("AWS_SECRET_ACCESS_KEY", "s"),
    ]);
    let r = resolve(&env_only, &cache2).unwrap();
    assert_eq!(r.credentials.access_key_id, "AKIAENV");
    assert!(cache2.peek().is_none());
}

#[test]
fn concurrent_resolutions_share_one_fetch() {
    let e = Emulator::start(&["--delay", "0.5"]);
    let env = Arc::new(env_map(&refs(&ecs_env(&e))));
    let cache = Arc::new(CredentialCache::new());
    let n = 8;
    let barrier = Arc::new(Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let (env, cache, barrier) = (env.clone(), cache.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                resolve(&*env, &cache)
                    .unwrap()
                    .credentials
                    .access_key_id
                    .clone()
            })
        })
        .collect();
    let ids: Vec<String> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(ids.iter().all(|i| *i == ids[0]), "{ids:?}");
    assert_eq!(e.count("ecs"), 1, "one fetch for {n} concurrent callers");
}

#[test]
fn a_failing_fetch_is_not_cached_and_errors_keep_their_code() {
    let e = Emulator::start(&["--mode", "status", "--target", "ecs", "--status", "500"]);
    let env = env_map(&refs(&ecs_env(&e)));
    let cache = CredentialCache::new();
    let err = resolve(&env, &cache).unwrap_err();
    assert_eq!(err.error, Error::EndpointHttpStatus);
    assert!(cache.peek().is_none());
    e.config(r#"{"mode":"normal"}"#);
    assert!(resolve(&env, &cache).is_ok());
    assert_eq!(e.count("ecs"), 2);
}
