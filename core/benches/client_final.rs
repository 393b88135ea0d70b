//! Client-final cost: ours (with and without a session token, with a fresh or a cached SigningKey)
//! against the aws-sigv4 crate signing the same GetCallerIdentity request in the same run.
//!
//! `cargo bench -p mongodb-aws-core --bench client_final` prints criterion's figures and, at the end,
//! the ratios (aws-sigv4 time / ours) measured in this run.

use aws_credential_types::Credentials as AwsCredentials;
use aws_sigv4::http_request::{sign as aws_sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use criterion::{black_box, criterion_group, Criterion};
use mongodb_aws_core::bson::Writer;
use mongodb_aws_core::sasl::client::ClientConversation;
use mongodb_aws_core::sigv4::SigningKey;
use mongodb_aws_core::time::{AmzDate, UnixTime};
use mongodb_aws_core::{sts, Credentials};
use std::time::{Duration, SystemTime};

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";
const NOW: u64 = 1_440_938_160;

fn server_first(nonce: &[u8; 32]) -> Vec<u8> {
    let mut s = [0u8; 64];
    s[..32].copy_from_slice(nonce);
    s[32..].fill(0x5a);
    let mut buf = vec![0u8; 256];
    let mut w = Writer::new(&mut buf).unwrap();
    w.binary("s", 0, &s).unwrap();
    w.string("h", sts::DEFAULT_HOST).unwrap();
    let n = w.finish().unwrap();
    buf.truncate(n);
    buf
}

/// aws-sigv4 signing the exact request (headers, body) and producing the Authorization value.
fn aws_sigv4_authorization(token: Option<&str>, nonce_b64: &str) -> String {
    let creds = AwsCredentials::new(AKID, SECRET, token.map(str::to_string), None, "bench").into();
    let mut settings = SigningSettings::default();
    settings.session_token_mode = aws_sigv4::http_request::SessionTokenMode::Include;
    let params = v4::SigningParams::builder()
        .identity(&creds)
        .region(sts::DEFAULT_REGION)
        .name(sts::SERVICE)
        .time(SystemTime::UNIX_EPOCH + Duration::from_secs(NOW))
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let headers = [
        ("content-length", sts::CONTENT_LENGTH),
        ("content-type", sts::CONTENT_TYPE),
        ("host", sts::DEFAULT_HOST),
        ("x-mongodb-gs2-cb-flag", "n"),
        ("x-mongodb-server-nonce", nonce_b64),
    ];
    let req = SignableRequest::new(
        "POST",
        "https://sts.amazonaws.com/",
        headers.into_iter(),
        SignableBody::Bytes(sts::GET_CALLER_IDENTITY_BODY.as_bytes()),
    )
    .unwrap();
    let (instructions, _sig) = aws_sign(req, &params).unwrap().into_parts();
    let authz = instructions
        .headers()
        .find(|(n, _)| *n == "authorization")
        .map(|(_, v)| v.to_string());
    authz.unwrap()
}

fn bench(c: &mut Criterion) {
    let nonce = [0x11u8; 32];
    let conv = ClientConversation::new(nonce);
    let sf = server_first(&nonce);
    let nonce_b64 =
        std::str::from_utf8(&conv.parse_server_first(&sf).unwrap().server_nonce_base64())
            .unwrap()
            .to_string();
    let scope = conv
        .parse_server_first(&sf)
        .unwrap()
        .scope(AmzDate::from_unix(UnixTime(NOW)).unwrap())
        .unwrap();
    let key = SigningKey::derive(SECRET, &scope).unwrap();

    // Sanity: aws-sigv4's Authorization equals ours for the same request (so we time the same work).
    for token in [None, Some(TOKEN)] {
        let creds = Credentials::new(AKID, SECRET, token).unwrap();
        let mut out = [0u8; 2048];
        let n = conv
            .finish(&sf, &creds, UnixTime(NOW), None, &mut out)
            .unwrap();
        let theirs = aws_sigv4_authorization(token, &nonce_b64);
        assert!(
            out[..n]
                .windows(theirs.len())
                .any(|w| w == theirs.as_bytes()),
            "aws-sigv4 disagrees"
        );
    }

    let mut g = c.benchmark_group("client_final");
    for (label, token) in [("no_token", None), ("token", Some(TOKEN))] {
        let creds = Credentials::new(AKID, SECRET, token).unwrap();
        g.bench_function(format!("ours/{label}/fresh_key"), |b| {
            let mut out = [0u8; 2048];
            b.iter(|| {
                conv.finish(black_box(&sf), &creds, UnixTime(NOW), None, &mut out)
                    .unwrap()
            })
        });
        g.bench_function(format!("ours/{label}/cached_key"), |b| {
            let mut out = [0u8; 2048];
            b.iter(|| {
                conv.finish(black_box(&sf), &creds, UnixTime(NOW), Some(&key), &mut out)
                    .unwrap()
            })
        });
        // What the hosts call (the runtime's owned layer): parse, then sign with the key slot.
        g.bench_function(format!("ours/{label}/cached_key_slot"), |b| {
            let mut out = [0u8; 2048];
            let mut slot = Some(key.clone());
            b.iter(|| {
                let p = conv.parse_server_first(black_box(&sf)).unwrap();
                conv.finish_parsed(&p, &creds, UnixTime(NOW), &mut slot, &mut out)
                    .unwrap()
            })
        });
        g.bench_function(format!("aws-sigv4/{label}"), |b| {
            b.iter(|| aws_sigv4_authorization(black_box(token), &nonce_b64))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    print_ratios();
}

/// Reads criterion's estimates from this run and prints the ratios.
fn print_ratios() {
    // Benches run in the package directory; the default target directory is the workspace's.
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("criterion/client_final");
    let mean_ns = |id: &str| -> Option<f64> {
        let p = dir.join(id.replace('/', "_")).join("new/estimates.json");
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok()?;
        v["mean"]["point_estimate"].as_f64()
    };
    println!("\nclient-final, mean per call (this run):");
    for label in ["no_token", "token"] {
        let (Some(fresh), Some(cached), Some(aws)) = (
            mean_ns(&format!("ours/{label}/fresh_key")),
            mean_ns(&format!("ours/{label}/cached_key")),
            mean_ns(&format!("aws-sigv4/{label}")),
        ) else {
            println!("  {label}: estimates not found under {}", dir.display());
            continue;
        };
        println!(
            "  {label:9} ours fresh key {:7.2} µs | ours cached key {:7.2} µs | aws-sigv4 {:7.2} µs | aws-sigv4/ours {:5.1}x (fresh), {:5.1}x (cached)",
            fresh / 1e3,
            cached / 1e3,
            aws / 1e3,
            aws / fresh,
            aws / cached
        );
    }
}
