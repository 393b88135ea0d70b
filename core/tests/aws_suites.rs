//! Every case of both AWS SigV4 suites in ../shared/vectors: canonical request, string to sign and
//! signature (and the Authorization value / presigned query where the suite gives them).

use mongodb_aws_core::sigv4::{
    self, Payload, Request, Scope, SessionTokenMode, Settings, UriEncoding,
};
use mongodb_aws_core::time::{parse_iso8601, AmzDate, UnixTime};
use mongodb_aws_core::Credentials;
use std::fs;
use std::path::{Path, PathBuf};

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const T: u64 = 1_440_938_160; // 2015-08-30T12:36:00Z

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/vectors")
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A parsed `.req` / `request.txt`.
struct Parsed {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// `fold_as_values`: the classic suite treats a continuation line as another value of the same header
/// (joined with ','); the CRT suite treats it as part of the value (an obsolete line fold).
fn parse_request(text: &str, fold_as_values: bool) -> Parsed {
    let (head, body) = match text.find("\n\n") {
        Some(i) => (&text[..i], text.as_bytes()[i + 2..].to_vec()),
        None => (text, Vec::new()),
    };
    let mut lines = head.split('\n');
    let request_line = lines.next().unwrap();
    let method = request_line.split(' ').next().unwrap().to_string();
    let target =
        request_line[method.len() + 1..request_line.rfind(" HTTP/1.1").unwrap()].to_string();
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target.clone(), String::new()),
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with(' ') || line.starts_with('\t') {
            let last = headers.last_mut().unwrap();
            if fold_as_values {
                let name = last.0.clone();
                headers.push((name, line.to_string()));
            } else {
                last.1.push('\n');
                last.1.push_str(line);
            }
        } else if let Some((n, v)) = line.split_once(':') {
            headers.push((n.to_string(), v.to_string()));
        }
    }
    Parsed {
        method,
        path,
        query,
        headers,
        body,
    }
}

/// The request's headers as borrowed pairs.
fn header_refs(p: &Parsed) -> Vec<(&str, &str)> {
    p.headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect()
}

/// The request of a suite case.
fn request<'a>(p: &'a Parsed, headers: &'a [(&'a str, &'a str)]) -> Request<'a> {
    Request {
        method: &p.method,
        path: &p.path,
        query: &p.query,
        headers,
        payload: Payload::Bytes(&p.body),
    }
}

/// Every suite signs at `T` in us-east-1 for the service `service`.
fn suite_scope() -> Scope<'static> {
    Scope::new(
        AmzDate::from_unix(UnixTime(T)).unwrap(),
        "us-east-1",
        "service",
    )
    .unwrap()
}

#[allow(clippy::too_many_arguments)]
fn check_all(
    name: &str,
    p: &Parsed,
    creds: &Credentials<'_>,
    settings: &Settings,
    creq: &str,
    sts: &str,
    sig: &str,
    authz: Option<&str>,
) {
    let headers = header_refs(p);
    let req = request(p, &headers);
    let scope = suite_scope();
    let mut buf = vec![0u8; 4096];
    let n = sigv4::canonical_request(&req, creds, &scope, settings, &mut buf).unwrap();
    assert_eq!(
        std::str::from_utf8(&buf[..n]).unwrap(),
        creq,
        "{name}: canonical request"
    );
    assert_eq!(
        sigv4::canonical_request_len(&req, creds, &scope, settings).unwrap(),
        n,
        "{name}: len"
    );
    let n = sigv4::string_to_sign(&req, creds, &scope, settings, &mut buf).unwrap();
    assert_eq!(
        std::str::from_utf8(&buf[..n]).unwrap(),
        sts,
        "{name}: string to sign"
    );
    let s = sigv4::sign(&req, creds, &scope, settings, None).unwrap();
    assert_eq!(s.hex().as_str(), sig, "{name}: signature");
    // Same signature with a cached key.
    let key = sigv4::SigningKey::derive(SECRET, &scope).unwrap();
    assert_eq!(
        sigv4::sign(&req, creds, &scope, settings, Some(&key)).unwrap(),
        s,
        "{name}: cached key"
    );
    if let Some(a) = authz {
        let n = sigv4::authorization(&req, creds, &scope, settings, &s, &mut buf).unwrap();
        assert_eq!(
            std::str::from_utf8(&buf[..n]).unwrap(),
            a,
            "{name}: authorization"
        );
        assert_eq!(
            sigv4::authorization_len(&req, creds, &scope, settings).unwrap(),
            n
        );
    }
}

#[test]
fn classic_suite_all_31_cases() {
    let root = vectors().join("aws-sig-v4-test-suite");
    let mut cases = Vec::new();
    for e in fs::read_dir(&root).unwrap() {
        let e = e.unwrap().path();
        if !e.is_dir() {
            continue;
        }
        let name = e.file_name().unwrap().to_str().unwrap().to_string();
        if e.join(format!("{name}.req")).exists() {
            cases.push(e);
        } else {
            for sub in fs::read_dir(&e).unwrap() {
                let sub = sub.unwrap().path();
                if sub.is_dir() {
                    cases.push(sub);
                }
            }
        }
    }
    cases.sort();
    assert_eq!(cases.len(), 31, "the classic suite has 31 cases");
    let creds = Credentials::new(AKID, SECRET, None).unwrap();
    for dir in &cases {
        let name = dir.file_name().unwrap().to_str().unwrap();
        let f = |ext: &str| read(&dir.join(format!("{name}.{ext}")));
        let p = parse_request(&f("req"), true);
        let authz = f("authz");
        let sig = authz.rsplit("Signature=").next().unwrap().to_string();
        check_all(
            name,
            &p,
            &creds,
            &Settings::default(),
            &f("creq"),
            &f("sts"),
            &sig,
            Some(&authz),
        );
    }
}

#[derive(serde::Deserialize)]
struct Context {
    credentials: Creds,
    expiration_in_seconds: u32,
    normalize: bool,
    region: String,
    service: String,
    sign_body: bool,
    timestamp: String,
    #[serde(default)]
    omit_session_token: bool,
}

#[derive(serde::Deserialize)]
struct Creds {
    access_key_id: String,
    secret_access_key: String,
    token: Option<String>,
}

#[test]
fn crt_suite_header_and_query_signing() {
    let root = vectors().join("aws-signing-test-suite-v4");
    let mut dirs: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert_eq!(dirs.len(), 38, "the CRT suite has 38 SigV4 cases");
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_str().unwrap();
        let f = |file: &str| read(&dir.join(file));
        let ctx: Context = serde_json::from_str(&f("context.json")).unwrap();
        assert_eq!(
            (ctx.region.as_str(), ctx.service.as_str()),
            ("us-east-1", "service")
        );
        assert_eq!(parse_iso8601(&ctx.timestamp).unwrap(), UnixTime(T));
        let creds = Credentials::new(
            &ctx.credentials.access_key_id,
            &ctx.credentials.secret_access_key,
            ctx.credentials.token.as_deref(),
        )
        .unwrap();
        let settings = Settings {
            normalize_path: ctx.normalize,
            uri_encoding: if ctx.normalize {
                UriEncoding::Double
            } else {
                UriEncoding::Single
            },
            session_token: if ctx.omit_session_token {
                SessionTokenMode::Omitted
            } else {
                SessionTokenMode::Signed
            },
            content_sha256_header: ctx.sign_body,
        };
        let p = parse_request(&f("request.txt"), false);
        let signed_req = f("header-signed-request.txt");
        let authz = signed_req
            .lines()
            .find_map(|l| l.strip_prefix("Authorization:"))
            .unwrap();
        check_all(
            name,
            &p,
            &creds,
            &settings,
            &f("header-canonical-request.txt"),
            &f("header-string-to-sign.txt"),
            f("header-signature.txt").trim(),
            Some(authz),
        );

        // Presigned (query) variant.
        let headers = header_refs(&p);
        let req = request(&p, &headers);
        let scope = suite_scope();
        // The suites hash the body for query signing too, but never sign x-amz-content-sha256 there.
        let qsettings = Settings {
            content_sha256_header: false,
            ..settings
        };
        let mut buf = vec![0u8; 8192];
        let n = sigv4::presign_canonical_request(
            &req,
            &creds,
            &scope,
            &qsettings,
            ctx.expiration_in_seconds,
            &mut buf,
        )
        .unwrap();
        assert_eq!(
            std::str::from_utf8(&buf[..n]).unwrap(),
            f("query-canonical-request.txt"),
            "{name}: query creq"
        );
        let (n, sig) = sigv4::presign(
            &req,
            &creds,
            &scope,
            &qsettings,
            ctx.expiration_in_seconds,
            None,
            &mut buf,
        )
        .unwrap();
        assert_eq!(
            sig.hex().as_str(),
            f("query-signature.txt").trim(),
            "{name}: query signature"
        );
        // Every parameter we emit appears, identically encoded, in the suite's signed request line.
        let line = f("query-signed-request.txt");
        let line = line.lines().next().unwrap();
        for param in std::str::from_utf8(&buf[..n]).unwrap().split('&') {
            assert!(line.contains(param), "{name}: {param} not in {line}");
        }
    }
}
