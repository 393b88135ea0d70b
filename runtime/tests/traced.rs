//! `Resolver::resolve_traced` and `Resolver::caller_identity_probes`: the chain's trace, the HTTP
//! exchanges with their `Date` header, and GetCallerIdentity at the global and regional endpoints,
//! against a scripted HTTP server on 127.0.0.1.

use mongodb_aws::{CredentialCache, Decision, Resolver, Source, StsTarget, Subject};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;

/// Serves `answers` (status, Date header, body) in order, one per connection; returns the base URL.
fn serve(answers: Vec<(u16, &'static str, String)>) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for (status, date, body) in answers {
            let Ok((mut s, _)) = l.accept() else { return };
            let mut buf = [0u8; 8192];
            let mut got = Vec::new();
            while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                }
            }
            // A POST body follows the head; read what is announced.
            let head = String::from_utf8_lossy(&got).to_lowercase();
            if let Some(len) = head
                .split("content-length:")
                .nth(1)
                .and_then(|r| r.split("\r\n").next())
                .and_then(|v| v.trim().parse::<usize>().ok())
            {
                let have = got.len() - head.find("\r\n\r\n").unwrap() - 4;
                let mut rest = vec![0u8; len.saturating_sub(have)];
                let _ = s.read_exact(&mut rest);
            }
            let _ = write!(
                s,
                "HTTP/1.1 {status} X\r\nDate: {date}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

const DATE: &str = "Tue, 02 Jan 2024 03:04:05 GMT";

#[test]
fn resolve_traced_gives_the_trace_and_the_exchanges() {
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    let body = format!(
        r#"{{"AccessKeyId":"ASIATRACED","SecretAccessKey":"tracedSecret","Token":"tracedToken","Expiration":"{}"}}"#,
        iso(exp)
    );
    let url = serve(vec![(503, DATE, String::new()), (200, DATE, body)]);
    let cache = CredentialCache::new();
    let t = Resolver::new()
        .env(env(&[
            ("MONGODB_AWS_ECS_ENDPOINT", &url),
            (
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                "/v2/credentials/x",
            ),
            ("AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent"),
        ]))
        .cache(&cache)
        .resolve_traced();
    let r = t.result.unwrap();
    assert_eq!(r.credentials.source(), Source::Ecs);
    let lines: Vec<(Subject, Decision, u8, Option<u16>)> = t
        .trace
        .iter()
        .map(|e| (e.subject, e.decision, e.attempt, e.status))
        .collect();
    let ecs = Subject::Source(Source::Ecs);
    let skipped = |s: Source| (Subject::Source(s), Decision::Skipped, 0, None);
    assert_eq!(
        lines[3..],
        [
            // No shared files: each profile candidate is skipped.
            skipped(Source::AssumeRole),
            skipped(Source::WebIdentity),
            skipped(Source::Sso),
            skipped(Source::Profile),
            skipped(Source::CredentialProcess),
            skipped(Source::Profile),
            (ecs, Decision::Taken, 0, None),
            (
                Subject::Source(Source::ContainerFullUri),
                Decision::Skipped,
                0,
                None
            ),
            (Subject::Source(Source::Ec2), Decision::Shadowed, 0, None),
            (ecs, Decision::Request, 1, Some(503)),
            (ecs, Decision::Request, 2, Some(200)),
            (ecs, Decision::Succeeded, 0, None),
        ]
    );
    assert_eq!(t.trace[4].variable, Some("AWS_ROLE_ARN"));
    assert_eq!(t.trace_dropped, 0);
    assert_eq!(t.exchanges.len(), 2);
    for (x, (attempt, status)) in t.exchanges.iter().zip([(1, 503), (2, 200)]) {
        assert_eq!(x.url, format!("{url}/v2/credentials/x"));
        assert_eq!(
            (x.method, x.attempt, x.status),
            ("GET", attempt, Some(status))
        );
        assert_eq!(x.date.as_deref(), Some(DATE));
        assert_eq!(x.step, "ECS credentials");
    }
    // resolve() is resolve_traced()'s result: the cache now answers.
    let again = Resolver::new()
        .env(env(&[
            ("MONGODB_AWS_ECS_ENDPOINT", &url),
            (
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                "/v2/credentials/x",
            ),
        ]))
        .cache(&cache)
        .resolve_traced();
    assert!(again.result.unwrap().from_cache);
    assert!(again.exchanges.is_empty());
    assert_eq!(again.trace[1].decision, Decision::Taken);
    assert_eq!(again.trace.last().unwrap().decision, Decision::Succeeded);
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

const IDENTITY: &str = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:sts::123456789012:assumed-role/app/s1</Arn><UserId>AROAX:s1</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"#;

#[test]
fn caller_identity_probes_global_and_regional() {
    let creds = mongodb_aws::Credentials::new("AKIAPROBE", "probeSecret", None, None).unwrap();
    let global = serve(vec![(200, DATE, IDENTITY.to_string())]);
    // A closed port for the regional endpoint.
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let probes = Resolver::new()
        .env(env(&[
            ("MONGODB_AWS_STS_ENDPOINT", &global),
            ("MONGODB_AWS_STS_REGIONAL_ENDPOINT", &closed),
            ("AWS_REGION", "eu-west-3"),
            ("AWS_STS_REGIONAL_ENDPOINTS", "regional"),
        ]))
        .caller_identity_probes(&creds);
    assert_eq!(probes.len(), 2);
    let (g, r) = (&probes[0], &probes[1]);
    assert_eq!((g.target, g.configured), (StsTarget::Global, false));
    assert_eq!((r.target, r.configured), (StsTarget::Regional, true));
    let id = g.result.as_ref().unwrap();
    assert_eq!(
        id.mongodb_user,
        "arn:aws:sts::123456789012:assumed-role/app/*"
    );
    assert_eq!(
        g.exchange.as_ref().and_then(|x| x.date.as_deref()),
        Some(DATE)
    );
    assert_eq!(g.url, format!("{global}/"));
    assert_eq!(r.url, format!("{closed}/"));
    assert_eq!(
        r.result.as_ref().unwrap_err().code(),
        "ENDPOINT_UNREACHABLE"
    );
    assert_eq!(r.exchange.as_ref().and_then(|x| x.status), None);
    // Without AWS_REGION there is one endpoint, the global one, and it is the configured one.
    let one = serve(vec![(200, DATE, IDENTITY.to_string())]);
    let probes = Resolver::new()
        .env(env(&[("MONGODB_AWS_STS_ENDPOINT", &one)]))
        .caller_identity_probes(&creds);
    assert_eq!(probes.len(), 1);
    assert!(probes[0].configured && probes[0].result.is_ok());
}
