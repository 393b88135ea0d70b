//! Differential SigV4: `sigv4::canonical_request` / `sigv4::sign` / `sigv4::authorization` against the
//! `aws-sigv4` crate (`http_request::sign`) on arbitrary requests that both accept. Settings: path
//! normalisation on, double-encoded path, no `x-amz-content-sha256`, session token signed — the
//! defaults of both — plus, chosen by the input, normalisation off, the content-hash header, and an
//! omitted token, which both also offer.
//!
//! aws-sigv4 does not expose its canonical request; it logs it at TRACE level (session token
//! redacted), so a small `tracing` subscriber captures it and the same redaction is applied to ours.
//! Canonical request, signature and Authorization value must be equal.
//!
//! Known divergences (see fuzz/README.md, "SigV4 divergences") are filtered out by
//! `known_divergence` so that the target keeps looking for new ones.
#![no_main]

use arbitrary::{Arbitrary, Result as AResult, Unstructured};
use aws_sigv4::http_request::{
    self as aws, PayloadChecksumKind, SessionTokenMode as AwsTokenMode, SignableBody,
    SignableRequest, SigningSettings, UriPathNormalizationMode,
};
use libfuzzer_sys::fuzz_target;
use mongodb_aws_core::sigv4::{self, Payload, Request, Scope, SessionTokenMode, Settings};
use mongodb_aws_core::time::{AmzDate, UnixTime, MAX_UNIX_SECONDS};
use mongodb_aws_core::Credentials;
use mongodb_aws_fuzz::{gen, stat, typed};
use std::cell::RefCell;
use std::fmt;
use std::time::{Duration, SystemTime};
use tracing::field::{Field, Visit};
use tracing::{span, Event, Metadata, Subscriber};

// ---- capture aws-sigv4's canonical request ------------------------------------------------------

thread_local! {
    static CAPTURED: RefCell<Option<String>> = const { RefCell::new(None) };
}

struct Capture;

struct Grab;
impl Visit for Grab {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "canonical_request" {
            CAPTURED.with(|c| *c.borrow_mut() = Some(format!("{value:?}")));
        }
    }
}

impl Subscriber for Capture {
    fn enabled(&self, m: &Metadata<'_>) -> bool {
        m.target().starts_with("aws_sigv4")
    }
    fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
        span::Id::from_u64(1)
    }
    fn record(&self, _: &span::Id, _: &span::Record<'_>) {}
    fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}
    fn event(&self, e: &Event<'_>) {
        e.record(&mut Grab);
    }
    fn enter(&self, _: &span::Id) {}
    fn exit(&self, _: &span::Id) {}
}

// ---- input -----------------------------------------------------------------------------------------

const PATH_TOKENS: &[&str] = &[
    "/", "/", "a", "b", "example", ".", "..", "//", "%2F", "%2f", "%", "%41", "%zz", "%25", " ",
    "+", "=", "~", "-", "_", "é", "€", "!", "*", "'", "(", ")", ";", ":", "@", "&", "$", ",", "[",
    "]",
];
const QUERY_TOKENS: &[&str] = &[
    "a",
    "b",
    "Param",
    "value",
    "=",
    "=",
    "&",
    "&",
    "%20",
    "%2B",
    "+",
    "%41",
    "%e2%82%ac",
    "%C3%A9",
    "~",
    "-",
    "_",
    ".",
    "A",
    "%3D",
    "%26",
    "%",
    "%zz",
    "%FF",
    "é",
    " ",
    "X-Amz-Date",
    "*",
    "/",
    ":",
];
const HEADER_NAMES: &[&str] = &[
    "My-Header1",
    "my-header1",
    "MY-HEADER1",
    "X-Amz-Meta-a",
    "Content-Type",
    "accept",
    "A",
    "a",
    "x-amz-foo",
    "Content-Length",
    "zz",
    "x-amz-target",
    "Range",
];
const VALUE_TOKENS: &[&str] = &[
    "value",
    " ",
    " ",
    "  ",
    "\t",
    "a",
    "\"a   b   c\"",
    "é",
    ",",
    "1",
    "text/plain",
    ";",
    "=",
];
/// Names aws-sigv4 handles specially by default (excluded from signing, added by the signer, or
/// redacted in its log): the generator does not use them.
const RESERVED: &[&str] = &[
    "authorization",
    "user-agent",
    "x-amzn-trace-id",
    "transfer-encoding",
    "x-amz-date",
    "x-amz-content-sha256",
    "x-amz-security-token",
    "host",
    "cookie",
    "set-cookie",
    "x-amz-server-side-encryption-customer-key",
    "x-amz-server-side-encryption-customer-key-md5",
    "x-amz-copy-source-server-side-encryption-customer-key",
    "x-amz-copy-source-server-side-encryption-customer-key-md5",
];

#[derive(Debug)]
struct Input {
    method: String,
    path: String,
    query: String,
    host: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    akid: String,
    secret: String,
    token: Option<String>,
    time: u64,
    region: String,
    service: String,
    normalize: bool,
    content_sha256: bool,
    omit_token: bool,
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> AResult<Self> {
        let method = if u.ratio(7, 8)? {
            u.choose(&["GET", "POST", "PUT", "DELETE", "HEAD", "get"])?
                .to_string()
        } else {
            gen::from_alphabet(
                u,
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-",
                1,
                8,
            )?
        };
        let path = format!("/{}", gen::from_tokens(u, PATH_TOKENS, 10)?);
        let query = gen::from_tokens(u, QUERY_TOKENS, 10)?;
        let host = if u.ratio(3, 4)? {
            "example.amazonaws.com".to_string()
        } else {
            gen::from_tokens(u, &["example", ".", "com", ":", "8080", " ", "a"], 5)?
        };
        let n = u.int_in_range(0..=5)?;
        let mut headers = Vec::new();
        for _ in 0..n {
            let name = if u.ratio(3, 4)? {
                u.choose(HEADER_NAMES)?.to_string()
            } else {
                gen::from_alphabet(u, b"abcXYZ-_!#$%&'*+.^`|~019", 1, 6)?
            };
            let value = gen::from_tokens(u, VALUE_TOKENS, 5)?;
            headers.push((name, value));
        }
        let body: Vec<u8> = u.arbitrary()?;
        let akid = gen::from_alphabet(u, gen::ALNUM, 1, 24)?;
        let secret = gen::from_alphabet(u, gen::GRAPHIC, 1, 48)?;
        let token = if u.arbitrary()? {
            Some(gen::from_alphabet(u, gen::GRAPHIC, 1, 64)?)
        } else {
            None
        };
        let time = u.int_in_range(0..=MAX_UNIX_SECONDS)?;
        let region = if u.ratio(3, 4)? {
            u.choose(&["us-east-1", "eu-west-3", "cn-north-1", "a"])?
                .to_string()
        } else {
            gen::from_alphabet(u, b"abz019-_.", 1, 12)?
        };
        let service = u
            .choose(&["service", "sts", "s3", "execute-api", "x"])?
            .to_string();
        Ok(Input {
            method,
            path,
            query,
            host,
            headers,
            body,
            akid,
            secret,
            token,
            time,
            region,
            service,
            normalize: u.ratio(3, 4)?,
            content_sha256: u.ratio(1, 4)?,
            omit_token: u.ratio(1, 8)?,
        })
    }
}

/// Inputs on which the two signers are known to differ, with the reason (fuzz/README.md).
fn known_divergence(i: &Input) -> Option<&'static str> {
    // D1: aws-sigv4 reads the query with `form_urlencoded::parse`, which decodes `+` as a space; the
    // SigV4 rules (and the AWS suites' get-vanilla-query-unreserved / botocore) treat `+` as a
    // literal byte to encode as %2B.
    if i.query.contains('+') {
        return Some("D1: '+' in query");
    }
    // D2: aws-sigv4 decodes %XX escapes in the query lossily to UTF-8 (U+FFFD for invalid
    // sequences) before re-encoding; the core keeps the decoded bytes.
    if query_has_invalid_utf8_escape(&i.query) {
        return Some("D2: percent-escape decoding to invalid UTF-8 in query");
    }
    // D3: aws-sigv4 trims and collapses only spaces in header values; the core treats a tab like a
    // space (the HTTP field-value rule: OWS = SP / HTAB).
    if i.host.contains('\t') || i.headers.iter().any(|(_, v)| v.contains('\t')) {
        return Some("D3: tab in header value");
    }
    None
}

fn query_has_invalid_utf8_escape(q: &str) -> bool {
    q.split('&').any(|part| {
        part.split('=').any(|comp| {
            let b = comp.as_bytes();
            let mut out = Vec::new();
            let mut k = 0;
            while k < b.len() {
                if b[k] == b'%' && k + 2 < b.len() {
                    if let (Some(h), Some(l)) = (
                        (b[k + 1] as char).to_digit(16),
                        (b[k + 2] as char).to_digit(16),
                    ) {
                        out.push((h * 16 + l) as u8);
                        k += 3;
                        continue;
                    }
                }
                out.push(b[k]);
                k += 1;
            }
            std::str::from_utf8(&out).is_err()
        })
    })
}

/// Redacts the session token line as aws-sigv4's log does.
fn redact(creq: &str, token: Option<&str>) -> String {
    let Some(t) = token else {
        return creq.to_string();
    };
    let needle = format!("\nx-amz-security-token:{t}\n");
    creq.replacen(
        &needle,
        &format!(
            "\nx-amz-security-token:** redacted (length={}) **\n",
            t.len()
        ),
        1,
    )
}

/// `REQ\n` + an HTTP/1.1 request in text (the AWS suites' `request.txt` / `.req` format), signed with
/// the suites' credentials, date, region and service. Lets the suites seed the corpus.
fn from_request_text(text: &[u8]) -> Option<Input> {
    let text = std::str::from_utf8(text).ok()?;
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut lines = head.split('\n');
    let request_line = lines.next()?;
    let (method, rest) = request_line.split_once(' ')?;
    let target = rest.strip_suffix(" HTTP/1.1").unwrap_or(rest);
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut host = "example.amazonaws.com".to_string();
    let mut headers = Vec::new();
    for line in lines {
        let (n, v) = line.split_once(':')?;
        if n.eq_ignore_ascii_case("host") {
            host = v.to_string();
        } else {
            headers.push((n.to_string(), v.to_string()));
        }
    }
    Some(Input {
        method: method.to_string(),
        path: path.to_string(),
        query: query.to_string(),
        host,
        headers,
        body: body.as_bytes().to_vec(),
        akid: "AKIDEXAMPLE".into(),
        secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
        token: None,
        time: 1_440_938_160,
        region: "us-east-1".into(),
        service: "service".into(),
        normalize: true,
        content_sha256: false,
        omit_token: false,
    })
}

fuzz_target!(
    init: {
        let _ = tracing::subscriber::set_global_default(Capture);
    },
    |data: &[u8]| {
    let input = match data.strip_prefix(b"REQ\n") {
        Some(text) => from_request_text(text),
        None => Input::arbitrary_take_rest(Unstructured::new(data)).ok(),
    };
    let Some(i) = input else { return };
    if i.headers.iter().any(|(n, _)| RESERVED.contains(&n.to_ascii_lowercase().as_str())) {
        return stat("skip: reserved header name");
    }
    // The URI given to aws-sigv4 is `path?query`: a `?` or `#` in the path, or a `#` in the query,
    // would change how it splits; the core takes path and query separately.
    if i.path.contains(['?', '#']) || i.query.contains('#') {
        return stat("skip: ? or # in path");
    }
    if let Some(d) = known_divergence(&i) {
        return stat(d);
    }

    // ---- ours
    let Ok(creds) = Credentials::new(&i.akid, &i.secret, i.token.as_deref()) else {
        return stat("core rejects credentials");
    };
    let Ok(date) = AmzDate::from_unix(UnixTime(i.time)) else { return stat("core rejects time") };
    let Ok(scope) = Scope::new(date, &i.region, &i.service) else {
        return stat("core rejects scope");
    };
    let mut hdrs: Vec<(&str, &str)> = vec![("Host", i.host.as_str())];
    hdrs.extend(i.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    let req = Request {
        method: &i.method,
        path: &i.path,
        query: &i.query,
        headers: &hdrs,
        payload: Payload::Bytes(&i.body),
    };
    let settings = Settings {
        normalize_path: i.normalize,
        content_sha256_header: i.content_sha256,
        session_token: if i.omit_token { SessionTokenMode::Omitted } else { SessionTokenMode::Signed },
        ..Settings::default()
    };
    let ours_len = typed(sigv4::canonical_request_len(&req, &creds, &scope, &settings));
    let Ok(len) = ours_len else { return stat("core rejects") };
    let mut buf = vec![0u8; len];
    let n = sigv4::canonical_request(&req, &creds, &scope, &settings, &mut buf).unwrap();
    assert_eq!(n, len);
    let ours_creq = String::from_utf8(buf).expect("canonical request is UTF-8");
    let ours_sig = sigv4::sign(&req, &creds, &scope, &settings, None).unwrap();
    let alen = sigv4::authorization_len(&req, &creds, &scope, &settings).unwrap();
    let mut abuf = vec![0u8; alen];
    let an = sigv4::authorization(&req, &creds, &scope, &settings, &ours_sig, &mut abuf).unwrap();
    let ours_auth = String::from_utf8(abuf[..an].to_vec()).unwrap();

    // ---- aws-sigv4
    let uri = if i.query.is_empty() {
        format!("https://example.amazonaws.com{}", i.path)
    } else {
        format!("https://example.amazonaws.com{}?{}", i.path, i.query)
    };
    let identity = aws_credential_types::Credentials::new(
        &i.akid,
        &i.secret,
        i.token.clone(),
        None,
        "fuzz",
    )
    .into();
    let mut aws_settings = SigningSettings::default();
    aws_settings.uri_path_normalization_mode = UriPathNormalizationMode::from(i.normalize);
    if i.content_sha256 {
        aws_settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    }
    if i.omit_token {
        aws_settings.session_token_mode = AwsTokenMode::Exclude;
    }
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(&i.region)
        .name(&i.service)
        .time(SystemTime::UNIX_EPOCH + Duration::from_secs(i.time))
        .settings(aws_settings)
        .build()
        .unwrap()
        .into();
    let Ok(signable) = SignableRequest::new(
        &i.method,
        uri,
        hdrs.iter().copied(),
        SignableBody::Bytes(&i.body),
    ) else {
        return stat("aws-sigv4 rejects the URI");
    };
    CAPTURED.with(|c| *c.borrow_mut() = None);
    let Ok(out) = aws::sign(signable, &params) else { return stat("aws-sigv4 rejects") };
    let theirs_creq = CAPTURED
        .with(|c| c.borrow_mut().take())
        .expect("aws-sigv4 logged no canonical request: is TRACE compiled out?");

    let token_signed = i.token.as_deref().filter(|_| !i.omit_token);
    assert_eq!(redact(&ours_creq, token_signed), theirs_creq, "canonical request differs for {i:?}");
    assert_eq!(ours_sig.hex().as_str(), out.signature(), "signature differs for {i:?}");
    let theirs_auth = out
        .output()
        .headers()
        .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v.to_string())
        .unwrap();
    assert_eq!(ours_auth, theirs_auth, "Authorization differs for {i:?}");
    stat("compared: equal");
});
