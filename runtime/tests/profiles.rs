//! The runtime's side of the AWS shared files: real files in a temporary HOME, a real
//! `credential_process` child (a /bin/sh one-liner), the MFA callback (Resolver's and the
//! process-wide one) against a scripted STS on 127.0.0.1, and `first_request`.

use mongodb_aws::{CredentialCache, DryRun, MfaProvider, MfaRequest, Resolver, Source};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use zeroize::Zeroizing;

/// A fresh directory under the target's temp dir, with `.aws/config` and `.aws/credentials`.
fn home(name: &str, config: &str, creds: Option<&str>) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "mongodb-aws-profiles-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".aws")).unwrap();
    std::fs::write(dir.join(".aws/config"), config).unwrap();
    if let Some(c) = creds {
        std::fs::write(dir.join(".aws/credentials"), c).unwrap();
    }
    dir
}

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn iso(t: u64) -> String {
    let d = mongodb_aws_core::AmzDate::from_unix(mongodb_aws_core::UnixTime(t)).unwrap();
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

/// Serves `bodies` as 200 answers, one per connection, and records each request's body.
fn serve(bodies: Vec<String>) -> (String, Arc<Mutex<Vec<String>>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    std::thread::spawn(move || {
        for body in bodies {
            let Ok((mut s, _)) = l.accept() else { return };
            let mut got = Vec::new();
            let mut buf = [0u8; 8192];
            loop {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                }
                let text = String::from_utf8_lossy(&got).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let len = text[..end]
                        .to_lowercase()
                        .split("content-length:")
                        .nth(1)
                        .and_then(|r| r.split("\r\n").next())
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    if got.len() >= end + 4 + len {
                        seen2.lock().unwrap().push(text[end + 4..].to_string());
                        break;
                    }
                }
            }
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, seen)
}

fn assume_role_xml(id: &str) -> String {
    format!(
        "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/admin/s</Arn><AssumedRoleId>AROA1:s</AssumedRoleId></AssumedRoleUser><Credentials><AccessKeyId>{id}</AccessKeyId><SecretAccessKey>roleSecret</SecretAccessKey><SessionToken>roleToken</SessionToken><Expiration>{}</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>",
        iso(now() + 3600)
    )
}

#[test]
fn credential_process_runs_a_real_child_and_reports_its_origin() {
    let exp = iso(now() + 3600);
    let config = format!(
        "[default]\nregion = eu-west-1\n\n[profile tool]\ncredential_process = /bin/sh -c 'printf \"{{\\\"Version\\\": 1, \\\"AccessKeyId\\\": \\\"ASIAPROCESS\\\", \\\"SecretAccessKey\\\": \\\"processSecret\\\", \\\"Expiration\\\": \\\"%s\\\"}}\" \"$0\"' {exp}\n"
    );
    let dir = home("process-ok", &config, None);
    let cache = CredentialCache::new();
    let r = Resolver::new()
        .env(env(&[
            ("HOME", dir.to_str().unwrap()),
            ("AWS_PROFILE", "tool"),
        ]))
        .cache(&cache)
        .resolve()
        .unwrap();
    let c = &r.credentials;
    assert_eq!(
        (c.access_key_id(), c.secret_access_key()),
        ("ASIAPROCESS", "processSecret")
    );
    assert_eq!(c.source(), Source::CredentialProcess);
    let o = c.origin().expect("origin");
    assert_eq!(
        (o.profile.as_str(), o.file.as_str(), o.line),
        ("tool", dir.join(".aws/config").to_str().unwrap(), 4)
    );
    // With an Expiration it is cached like endpoint credentials.
    assert!(cache.get_fresh(mongodb_aws::UnixTime(now())).is_some());
}

#[test]
fn credential_process_failure_carries_stderr_and_not_stdout() {
    let config = "[default]\ncredential_process = /bin/sh -c 'echo leakedSTDOUT; echo \"no session for $0\" >&2; exit 7' prod-arg\n";
    let dir = home("process-fail", config, None);
    let e = Resolver::new()
        .env(env(&[("HOME", dir.to_str().unwrap())]))
        .cache(&CredentialCache::new())
        .resolve()
        .unwrap_err();
    assert_eq!(e.code(), "CREDENTIAL_PROCESS_FAILED");
    let m = e.to_string();
    assert!(m.contains("exited with status 7"), "{m}");
    assert!(m.contains("stderr: no session for prod-arg"), "{m}");
    assert!(!m.contains("leakedSTDOUT"), "{m}");
    assert!(m.contains("program /bin/sh (3 arguments not shown)"), "{m}");
    // A program that does not exist.
    let dir = home(
        "process-missing",
        "[default]\ncredential_process = /nonexistent/helper --x\n",
        None,
    );
    let e = Resolver::new()
        .env(env(&[("HOME", dir.to_str().unwrap())]))
        .cache(&CredentialCache::new())
        .resolve()
        .unwrap_err();
    assert_eq!(e.code(), "CREDENTIAL_PROCESS_SPAWN");
}

#[test]
fn static_profile_keys_are_read_each_time_and_never_cached() {
    let dir = home(
        "static",
        "",
        Some("[dev]\naws_access_key_id = AKIDFIRST\naws_secret_access_key = s1\n"),
    );
    let cache = CredentialCache::new();
    let vars = env(&[("HOME", dir.to_str().unwrap()), ("AWS_PROFILE", "dev")]);
    let r = Resolver::new()
        .env(vars.clone())
        .cache(&cache)
        .resolve()
        .unwrap();
    assert_eq!(
        (r.credentials.access_key_id(), r.credentials.source()),
        ("AKIDFIRST", Source::Profile)
    );
    assert!(cache.get_fresh(mongodb_aws::UnixTime(now())).is_none());
    std::fs::write(
        dir.join(".aws/credentials"),
        "[dev]\naws_access_key_id = AKIDSECOND\naws_secret_access_key = s2\n",
    )
    .unwrap();
    let r = Resolver::new().env(vars).cache(&cache).resolve().unwrap();
    assert_eq!(r.credentials.access_key_id(), "AKIDSECOND");
}

#[test]
fn mfa_callbacks_resolver_first_then_the_process_wide_one() {
    let config = "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n";
    let creds = "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = baseSecret\n";
    let dir = home("mfa", config, Some(creds));
    let (url, seen) = serve(vec![
        assume_role_xml("ASIAROLE1"),
        assume_role_xml("ASIAROLE2"),
    ]);
    let vars = env(&[
        ("HOME", dir.to_str().unwrap()),
        ("AWS_PROFILE", "admin"),
        ("MONGODB_AWS_STS_ENDPOINT", &url),
    ]);
    let asked = Arc::new(Mutex::new(Vec::<MfaRequest>::new()));
    let a2 = asked.clone();
    let mfa: MfaProvider = Arc::new(move |r: &MfaRequest| {
        a2.lock().unwrap().push(r.clone());
        Ok(Zeroizing::new("123456".to_string()))
    });
    let r = Resolver::new()
        .env(vars.clone())
        .cache(&CredentialCache::new())
        .mfa(Some(mfa))
        .resolve()
        .unwrap();
    assert_eq!(
        (r.credentials.access_key_id(), r.credentials.source()),
        ("ASIAROLE1", Source::AssumeRole)
    );
    assert_eq!(
        asked.lock().unwrap().clone(),
        vec![MfaRequest {
            serial: "arn:aws:iam::123456789012:mfa/alice".into(),
            profile: "admin".into(),
            timeout: std::time::Duration::from_secs(300),
        }]
    );
    let body = seen.lock().unwrap()[0].clone();
    assert!(body.contains("TokenCode=123456"), "{body}");
    assert!(
        body.contains("SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Falice"),
        "{body}"
    );
    // No callback anywhere: MFA_CODE_REQUIRED, no request.
    let e = Resolver::new()
        .env(vars.clone())
        .cache(&CredentialCache::new())
        .mfa(None)
        .resolve()
        .unwrap_err();
    assert_eq!(e.code(), "MFA_CODE_REQUIRED");
    // A failing callback: MFA_CODE_UNAVAILABLE with its message.
    let failing: MfaProvider = Arc::new(|_| Err("the user cancelled".to_string()));
    let e = Resolver::new()
        .env(vars.clone())
        .cache(&CredentialCache::new())
        .mfa(Some(failing))
        .resolve()
        .unwrap_err();
    assert_eq!(e.code(), "MFA_CODE_UNAVAILABLE");
    assert!(e.to_string().contains("the user cancelled"), "{e}");
    // A code later than MONGODB_AWS_MFA_TIMEOUT: refused, nothing sent.
    let mut late_vars = vars.clone();
    late_vars.insert("MONGODB_AWS_MFA_TIMEOUT".into(), "0.2".into());
    let slow: MfaProvider = Arc::new(|r: &MfaRequest| {
        assert_eq!(r.timeout, std::time::Duration::from_millis(200));
        std::thread::sleep(std::time::Duration::from_millis(400));
        Ok(Zeroizing::new("123456".to_string()))
    });
    let e = Resolver::new()
        .env(late_vars)
        .cache(&CredentialCache::new())
        .mfa(Some(slow))
        .resolve()
        .unwrap_err();
    assert_eq!(e.code(), "MFA_CODE_UNAVAILABLE");
    assert!(
        e.to_string().contains("later than the deadline of 0.2 s"),
        "{e}"
    );
    assert_eq!(seen.lock().unwrap().len(), 1);
    // The process-wide callback when the resolver has none set.
    mongodb_aws::set_mfa_provider(Some(Arc::new(|_| Ok(Zeroizing::new("654321".to_string())))));
    let r = Resolver::new()
        .env(vars)
        .cache(&CredentialCache::new())
        .resolve();
    mongodb_aws::set_mfa_provider(None);
    assert_eq!(r.unwrap().credentials.access_key_id(), "ASIAROLE2");
    assert!(seen.lock().unwrap()[1].contains("TokenCode=654321"));
}

#[test]
fn first_request_stops_before_sending() {
    let config = "[profile admin]\nregion = eu-central-1\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = base\n";
    let creds = "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = baseSecret\n";
    let dir = home("dry", config, Some(creds));
    let d = Resolver::new()
        .env(env(&[("HOME", dir.to_str().unwrap())]))
        .profile(Some("admin".into()))
        .first_request()
        .unwrap();
    match d {
        DryRun::Request(r) => {
            assert_eq!(
                (r.method, r.url.as_str(), r.step),
                (
                    "POST",
                    "https://sts.eu-central-1.amazonaws.com/",
                    "STS AssumeRole"
                )
            );
        }
        other => panic!("{other:?}"),
    }
    let d = Resolver::new()
        .env(env(&[("HOME", dir.to_str().unwrap())]))
        .profile(Some("base".into()))
        .first_request()
        .unwrap();
    assert!(matches!(d, DryRun::Resolved(c) if c.access_key_id() == "AKIABASE"));
    // An explicit profile that does not exist.
    let e = Resolver::new()
        .env(env(&[("HOME", dir.to_str().unwrap())]))
        .profile(Some("ghost".into()))
        .first_request()
        .unwrap_err();
    assert_eq!(e.code(), "PROFILE_NOT_FOUND");
}

#[test]
fn each_named_profile_has_its_own_process_wide_cache() {
    let config = "[profile cache-a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = base\n\
                  [profile cache-b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = base\n";
    let creds = "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = baseSecret\n";
    let dir = home("named-caches", config, Some(creds));
    let (url, seen) = serve(vec![
        assume_role_xml("ASIAROLEA"),
        assume_role_xml("ASIAROLEB"),
    ]);
    let vars = env(&[
        ("HOME", dir.to_str().unwrap()),
        ("MONGODB_AWS_STS_ENDPOINT", &url),
    ]);
    let get = |p: &str| {
        Resolver::new()
            .env(vars.clone())
            .profile(Some(p.to_string()))
            .resolve()
            .unwrap()
    };
    let a = get("cache-a");
    assert_eq!(
        (a.credentials.access_key_id(), a.from_cache),
        ("ASIAROLEA", false)
    );
    let b = get("cache-b");
    assert_eq!(
        (b.credentials.access_key_id(), b.from_cache),
        ("ASIAROLEB", false)
    );
    let a = get("cache-a");
    assert_eq!(
        (a.credentials.access_key_id(), a.from_cache),
        ("ASIAROLEA", true)
    );
    assert_eq!(seen.lock().unwrap().len(), 2);
}

/// The chain (about 230 KiB of fixed buffers) is built in its box, never on the caller's stack: a
/// whole resolve (files read, AssumeRole over HTTP to 127.0.0.1, the cache) runs on a thread with
/// musl's default 128 KiB stack (Alpine), or a small thread of a host's pool. Release builds only
/// (`scripts/test` runs `cargo test --release -p mongodb-aws --test profiles small_stack`): a debug
/// build keeps every temporary on the stack.
#[cfg(not(debug_assertions))]
#[test]
fn small_stack_resolves_a_role_on_128_kib() {
    let config =
        "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = base\n";
    let creds = "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = baseSecret\n";
    let dir = home("small-stack", config, Some(creds));
    let (url, seen) = serve(vec![assume_role_xml("ASIASMALLSTACK")]);
    let vars = env(&[
        ("HOME", dir.to_str().unwrap()),
        ("AWS_PROFILE", "admin"),
        ("MONGODB_AWS_STS_ENDPOINT", &url),
    ]);
    let got = std::thread::Builder::new()
        .stack_size(128 * 1024)
        .spawn(move || {
            Resolver::new()
                .env(vars)
                .cache(&CredentialCache::new())
                .resolve()
                .map(|r| {
                    (
                        r.credentials.access_key_id().to_string(),
                        r.credentials.source(),
                    )
                })
                .map_err(|e| e.to_string())
        })
        .unwrap()
        .join()
        .expect("the resolve overflowed its 128 KiB stack or panicked");
    assert_eq!(got, Ok(("ASIASMALLSTACK".to_string(), Source::AssumeRole)));
    assert_eq!(seen.lock().unwrap().len(), 1);
}
