//! Differential test: our SigV4 signer against botocore's `SigV4Auth` on randomly generated requests
//! (canonical request, string to sign and signature compared).
//!
//! Needs a Python with botocore: `scripts/test` installs one (`scripts/install-deps python`) and runs
//! this test through `scripts/test.d/05-botocore-diff`. Set `MONGODB_AWS_PYTHON` to use another.
//!
//! The generator stays inside what both signers define identically (documented divergences):
//! * botocore does not re-encode the query string (it sorts the raw `k=v` pairs), so queries are
//!   generated in canonical form (unreserved characters and upper-case `%XX`);
//! * botocore never signs `user-agent`, `expect` or `x-amzn-trace-id` and reads the payload hash from
//!   `x-amz-content-sha256` when present, so those names are not generated;
//! * botocore's dot-segment removal drops the trailing `/` that RFC 3986 keeps for a path ending in
//!   `.`/`..` (`/a/b/..` is `/a` there, `/a/` here), so paths never end in a dot segment.

use mongodb_aws_core::sigv4::{self, Payload, Request, Scope, Settings};
use mongodb_aws_core::time::{AmzDate, UnixTime};
use mongodb_aws_core::Credentials;
use serde_json::{json, Value};

mod support;
use support::Rng;

const UNRESERVED: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

fn chars(s: &str) -> Vec<&str> {
    s.char_indices()
        .map(|(i, c)| &s[i..i + c.len_utf8()])
        .collect()
}

fn random_request(rng: &mut Rng) -> Value {
    let unreserved = chars(UNRESERVED);
    let mut path_alpha = unreserved.clone();
    path_alpha.extend([
        " ", "!", "$", "&", "'", "(", ")", "*", "+", ",", ";", "=", ":", "@", "%", "é", "ሴ", "\"",
    ]);
    let mut segments = Vec::new();
    for _ in 0..rng.below(5) {
        let seg = match rng.below(6) {
            0 => ".".to_string(),
            1 => "..".to_string(),
            2 => String::new(),
            _ => rng.string(&path_alpha, 8),
        };
        segments.push(seg);
    }
    // Never end in a dot segment (see the module docs).
    if matches!(segments.last().map(String::as_str), Some(".") | Some("..")) {
        segments.push(rng.string(&unreserved, 4) + "x");
    }
    let mut path = format!("/{}", segments.join("/"));
    if rng.below(4) == 0 {
        path.push('/');
    }
    let mut query_alpha = unreserved.clone();
    query_alpha.extend(["%20", "%2F", "%3D", "%26", "%E1%88%B4", "%2B", "%25"]);
    let pairs: Vec<String> = (0..rng.below(5))
        .map(|_| {
            let k = rng.string(&query_alpha, 6);
            let k = if k.is_empty() { "k".to_string() } else { k };
            match rng.below(4) {
                0 => k,
                _ => format!("{k}={}", rng.string(&query_alpha, 6)),
            }
        })
        .collect();
    let query = pairs.join("&");
    let name_alpha =
        chars("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_!#$&'*+.^`|~");
    let mut value_alpha = chars("abcdefghijklmnopqrstuvwxyz0123456789 \t,;:=/\"()[]{}<>?@\\");
    value_alpha.extend(["  ", "é"]);
    let mut headers: Vec<(String, String)> = vec![("Host".into(), "example.amazonaws.com".into())];
    let mut names: Vec<String> = Vec::new();
    for _ in 0..rng.below(6) {
        let name = if !names.is_empty() && rng.below(3) == 0 {
            // a repeated name, possibly in another case
            let n = rng.pick(&names);
            if rng.below(2) == 0 {
                n.to_uppercase()
            } else {
                n
            }
        } else {
            let n = format!("X-{}", rng.string(&name_alpha, 10));
            names.push(n.clone());
            n
        };
        let lower = name.to_ascii_lowercase();
        if [
            "user-agent",
            "expect",
            "x-amzn-trace-id",
            "x-amz-content-sha256",
            "x-amz-date",
            "x-amz-security-token",
            "host",
            "authorization",
        ]
        .contains(&lower.as_str())
        {
            continue;
        }
        headers.push((name, rng.string(&value_alpha, 12)));
    }
    let body: Vec<u8> = (0..rng.below(40)).map(|_| rng.next() as u8).collect();
    let method = rng.pick(&["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"]);
    let region = rng.pick(&["us-east-1", "eu-west-3", "us-gov-west-1", "cn-north-1"]);
    let service = rng.pick(&["sts", "s3x", "execute-api", "iam"]);
    let token = if rng.below(2) == 0 {
        Some(format!("Tok{}/+=", rng.string(&unreserved, 30)))
    } else {
        None
    };
    let t = 1_000_000_000 + rng.below(3_000_000_000) as u64;
    json!({
        "method": method, "host": "example.amazonaws.com", "path": path, "query": query,
        "headers": headers, "body_hex": hex::encode(&body), "region": region, "service": service,
        "akid": "AKIDEXAMPLE", "secret": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "token": token,
        "amz_date": AmzDate::from_unix(UnixTime(t)).unwrap().as_str(),
    })
}

#[test]
#[ignore = "needs botocore: run by scripts/test (scripts/test.d/05-botocore-diff)"]
fn signer_matches_botocore_on_random_requests() {
    let seed: u64 = support::env_number("MONGODB_AWS_DIFF_SEED", 0x5EED_2026);
    let cases: usize = support::env_number("MONGODB_AWS_DIFF_CASES", 1000);
    eprintln!("seed {seed:#x}, {cases} cases");
    let mut rng = Rng(seed);
    let requests: Vec<Value> = (0..cases).map(|_| random_request(&mut rng)).collect();
    let python = support::python_with("botocore.auth")
        .expect("a Python with botocore (scripts/install-deps python, or set MONGODB_AWS_PYTHON)");
    let answers = support::run_script(&python, &[], "botocore_sigv4.py", &requests);

    let mut buf = vec![0u8; 1 << 14];
    for (i, (r, want)) in requests.iter().zip(&answers).enumerate() {
        let s = |k: &str| r[k].as_str().unwrap();
        let headers: Vec<(String, String)> = serde_json::from_value(r["headers"].clone()).unwrap();
        let hs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let body = hex::decode(s("body_hex")).unwrap();
        let req = Request {
            method: s("method"),
            path: s("path"),
            query: s("query"),
            headers: &hs,
            payload: Payload::Bytes(&body),
        };
        let creds = Credentials::new(s("akid"), s("secret"), r["token"].as_str()).unwrap();
        let scope = Scope::new(
            AmzDate::parse(s("amz_date")).unwrap(),
            s("region"),
            s("service"),
        )
        .unwrap();
        let st = Settings::default();
        let n = sigv4::canonical_request(&req, &creds, &scope, &st, &mut buf).unwrap();
        let ours = std::str::from_utf8(&buf[..n]).unwrap();
        assert_eq!(
            ours,
            want["canonical_request"].as_str().unwrap(),
            "case {i}: {r}"
        );
        let n = sigv4::string_to_sign(&req, &creds, &scope, &st, &mut buf).unwrap();
        assert_eq!(
            std::str::from_utf8(&buf[..n]).unwrap(),
            want["string_to_sign"].as_str().unwrap(),
            "case {i}"
        );
        let sig = sigv4::sign(&req, &creds, &scope, &st, None).unwrap();
        assert_eq!(
            sig.hex().as_str(),
            want["signature"].as_str().unwrap(),
            "case {i}"
        );
    }
    eprintln!("{cases} random requests: canonical request, string to sign and signature equal to botocore's");
}
