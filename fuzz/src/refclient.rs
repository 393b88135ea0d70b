//! Reference model of the MONGODB-AWS client conversation, written straight from PROTOCOL.md
//! (A2 client-first, A3 server-first checks, A4 region, A5 the signed request, A6 client-final, A7
//! credentials), hashlib-style: build the strings, hash them with `sha2`/`hmac`, encode with `base64`.
//! Check order follows the spec's lists; where the spec is silent the core's documented rules are used
//! (strict field set, host character set, scope-usable region).

use crate::refbson::{self, RefValue};
use crate::refhost::{self, HostVerdict};
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// What the reference rejects, one per rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefError {
    /// Not exactly one valid BSON document.
    Bson,
    /// `s` or `h` appears twice.
    Duplicate,
    /// `s` is not binary or `h` not a string.
    WrongType,
    /// `s` has a binary subtype other than 0.
    Subtype,
    /// A field other than `s` and `h`.
    Unexpected,
    /// `s` or `h` missing.
    Missing,
    /// `s` is not 64 bytes.
    NonceLength,
    /// The first 32 bytes of `s` are not the client nonce.
    NonceMismatch,
    /// A3 host rule.
    Host(HostVerdict<'static>),
    /// The derived region cannot be used in a credential scope.
    Region,
    /// The time cannot be written as a 4-digit-year `X-Amz-Date`.
    Time,
    /// Credentials (A7): which rule.
    Creds(CredsError),
}

/// A7 credential rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredsError {
    /// Secret set, id missing.
    MissingId,
    /// Id set, secret missing.
    MissingSecret,
    /// Only a token.
    TokenOnly,
    /// Nothing.
    None,
    /// Id not 1-128 ASCII letters/digits.
    BadId,
    /// Secret not 1-128 printable ASCII without space.
    BadSecret,
    /// Token not printable ASCII without space.
    BadToken,
}

/// A validated server-first.
#[derive(Clone, Debug, PartialEq)]
pub struct RefServerFirst {
    /// `s` (64 bytes).
    pub nonce: Vec<u8>,
    /// `h`.
    pub host: String,
    /// A4 region.
    pub region: String,
}

/// A2: `{r: BinData(0, nonce), p: 110}`.
pub fn client_first(nonce: &[u8; 32]) -> Vec<u8> {
    refbson::encode(&[
        ("r".into(), RefValue::Binary(0, nonce.to_vec())),
        ("p".into(), RefValue::Int32(110)),
    ])
}

fn host_error(v: HostVerdict<'_>) -> RefError {
    RefError::Host(match v {
        HostVerdict::Empty => HostVerdict::Empty,
        HostVerdict::TooLong => HostVerdict::TooLong,
        HostVerdict::EmptyLabel => HostVerdict::EmptyLabel,
        HostVerdict::BadChar | HostVerdict::Region(_) => HostVerdict::BadChar,
    })
}

/// A3 + A4.
pub fn parse_server_first(
    client_nonce: &[u8; 32],
    bytes: &[u8],
) -> Result<RefServerFirst, RefError> {
    let fields = refbson::parse(bytes).map_err(|_| RefError::Bson)?;
    let mut s: Option<Vec<u8>> = None;
    let mut h: Option<String> = None;
    for (name, v) in fields {
        match name.as_str() {
            "s" => {
                if s.is_some() {
                    return Err(RefError::Duplicate);
                }
                match v {
                    RefValue::Binary(0, b) => s = Some(b),
                    RefValue::Binary(_, _) => return Err(RefError::Subtype),
                    _ => return Err(RefError::WrongType),
                }
            }
            "h" => {
                if h.is_some() {
                    return Err(RefError::Duplicate);
                }
                match v {
                    RefValue::String(t) => h = Some(t),
                    _ => return Err(RefError::WrongType),
                }
            }
            _ => return Err(RefError::Unexpected),
        }
    }
    let (Some(s), Some(h)) = (s, h) else {
        return Err(RefError::Missing);
    };
    if s.len() != 64 {
        return Err(RefError::NonceLength);
    }
    if s[..32] != client_nonce[..] {
        return Err(RefError::NonceMismatch);
    }
    let region = match refhost::verdict(&h) {
        HostVerdict::Region(r) => r.to_string(),
        other => return Err(host_error(other)),
    };
    if !refhost::scope_region_ok(&region) {
        return Err(RefError::Region);
    }
    Ok(RefServerFirst {
        nonce: s,
        host: h,
        region,
    })
}

/// A7 with the core's character rules. Empty strings count as unset.
pub fn credentials(
    id: Option<&str>,
    secret: Option<&str>,
    token: Option<&str>,
) -> Result<(String, String, Option<String>), RefError> {
    let id = id.filter(|v| !v.is_empty());
    let secret = secret.filter(|v| !v.is_empty());
    let token = token.filter(|v| !v.is_empty());
    let (id, secret) = match (id, secret) {
        (Some(i), Some(s)) => (i, s),
        (Some(_), None) => return Err(RefError::Creds(CredsError::MissingSecret)),
        (None, Some(_)) => return Err(RefError::Creds(CredsError::MissingId)),
        (None, None) if token.is_some() => return Err(RefError::Creds(CredsError::TokenOnly)),
        (None, None) => return Err(RefError::Creds(CredsError::None)),
    };
    if id.len() > 128 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(RefError::Creds(CredsError::BadId));
    }
    if secret.len() > 128 || !secret.chars().all(|c| c.is_ascii_graphic()) {
        return Err(RefError::Creds(CredsError::BadSecret));
    }
    if let Some(t) = token {
        if !t.chars().all(|c| c.is_ascii_graphic()) {
            return Err(RefError::Creds(CredsError::BadToken));
        }
    }
    Ok((
        id.to_string(),
        secret.to_string(),
        token.map(str::to_string),
    ))
}

/// `YYYYMMDD'T'HHMMSS'Z'` from unix seconds, by chrono (4-digit years only).
pub fn amz_date(unix: u64) -> Result<String, RefError> {
    let secs = i64::try_from(unix).map_err(|_| RefError::Time)?;
    let t = chrono::DateTime::from_timestamp(secs, 0).ok_or(RefError::Time)?;
    let s = t.format("%Y%m%dT%H%M%SZ").to_string();
    if s.len() != 16 {
        return Err(RefError::Time);
    }
    Ok(s)
}

/// Everything the client computes for one signature.
#[derive(Clone, Debug, PartialEq)]
pub struct RefFinal {
    /// A5 canonical request.
    pub canonical_request: String,
    /// A5 string to sign.
    pub string_to_sign: String,
    /// A5 signing key.
    pub signing_key: [u8; 32],
    /// A5 Authorization value (`a`).
    pub authorization: String,
    /// A6 client-final BSON.
    pub client_final: Vec<u8>,
}

fn hmac(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(msg);
    m.finalize().into_bytes().into()
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

/// A5 + A6.
pub fn client_final(
    sf: &RefServerFirst,
    akid: &str,
    secret: &str,
    token: Option<&str>,
    amz_date: &str,
) -> RefFinal {
    let body = "Action=GetCallerIdentity&Version=2011-06-15";
    let date8 = &amz_date[..8];
    let nonce_b64 = base64::engine::general_purpose::STANDARD.encode(&sf.nonce);
    let mut headers: Vec<(&str, String)> = vec![
        ("content-length", body.len().to_string()),
        (
            "content-type",
            "application/x-www-form-urlencoded".to_string(),
        ),
        ("host", sf.host.clone()),
        ("x-amz-date", amz_date.to_string()),
    ];
    if let Some(t) = token {
        headers.push(("x-amz-security-token", t.to_string()));
    }
    headers.push(("x-mongodb-gs2-cb-flag", "n".to_string()));
    headers.push(("x-mongodb-server-nonce", nonce_b64));
    headers.sort();
    let signed_headers: Vec<&str> = headers.iter().map(|(n, _)| *n).collect();
    let signed_headers = signed_headers.join(";");
    let mut creq = String::from("POST\n/\n\n");
    for (n, v) in &headers {
        creq.push_str(&format!("{n}:{v}\n"));
    }
    creq.push('\n');
    creq.push_str(&signed_headers);
    creq.push('\n');
    creq.push_str(&sha256_hex(body.as_bytes()));
    let scope = format!("{date8}/{}/sts/aws4_request", sf.region);
    let sts = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        sha256_hex(creq.as_bytes())
    );
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date8.as_bytes());
    let k_region = hmac(&k_date, sf.region.as_bytes());
    let k_service = hmac(&k_region, b"sts");
    let k_signing = hmac(&k_service, b"aws4_request");
    let signature = hex::encode(hmac(&k_signing, sts.as_bytes()));
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential={akid}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"
    );
    let mut fields = vec![
        ("a".to_string(), RefValue::String(authorization.clone())),
        ("d".to_string(), RefValue::String(amz_date.to_string())),
    ];
    if let Some(t) = token {
        fields.push(("t".to_string(), RefValue::String(t.to_string())));
    }
    RefFinal {
        canonical_request: creq,
        string_to_sign: sts,
        signing_key: k_signing,
        authorization,
        client_final: refbson::encode(&fields),
    }
}

/// Whether the core's error `e` is the one the reference predicts.
pub fn same_error(e: mongodb_aws_core::Error, r: RefError) -> bool {
    use mongodb_aws_core::Error as E;
    match r {
        RefError::Bson => matches!(
            e,
            E::BsonTruncated | E::BsonMalformed | E::BsonTrailingBytes
        ),
        RefError::Duplicate => e == E::DuplicateField,
        RefError::WrongType => e == E::WrongFieldType,
        RefError::Subtype => e == E::ServerNonceSubtype,
        RefError::Unexpected => e == E::UnexpectedField,
        RefError::Missing => e == E::MissingField,
        RefError::NonceLength => e == E::ServerNonceLength,
        RefError::NonceMismatch => e == E::ServerNonceMismatch,
        RefError::Host(HostVerdict::Empty) => e == E::HostEmpty,
        RefError::Host(HostVerdict::TooLong) => e == E::HostTooLong,
        RefError::Host(HostVerdict::EmptyLabel) => e == E::HostEmptyLabel,
        RefError::Host(_) => e == E::HostInvalidCharacter,
        RefError::Region => e == E::InvalidRegion,
        RefError::Time => e == E::InvalidTime,
        RefError::Creds(c) => {
            e == match c {
                CredsError::MissingId => E::MissingAccessKeyId,
                CredsError::MissingSecret => E::MissingSecretAccessKey,
                CredsError::TokenOnly => E::SessionTokenWithoutKeys,
                CredsError::None => E::NoCredentials,
                CredsError::BadId => E::InvalidAccessKeyId,
                CredsError::BadSecret => E::InvalidSecretAccessKey,
                CredsError::BadToken => E::InvalidSessionToken,
            }
        }
    }
}
