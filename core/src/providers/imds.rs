//! EC2 instance role credentials over IMDSv2 only (PROTOCOL.md A7):
//!
//! 1. `PUT /latest/api/token` with `X-aws-ec2-metadata-token-ttl-seconds: <ttl>` → token (text).
//! 2. `GET /latest/meta-data/iam/security-credentials/` with `X-aws-ec2-metadata-token: <token>` →
//!    role name (first line; the trailing newline is trimmed).
//! 3. `GET /latest/meta-data/iam/security-credentials/<role>` with the same header → JSON `Code`
//!    (must be `Success`), `AccessKeyId`, `SecretAccessKey`, `Token`, `Expiration`.
//!
//! The token PUT's response has an IP hop limit (default 1): inside a container the PUT times out
//! unless the instance's hop limit is at least 2. Hosts report that timeout as
//! [`Error::ImdsTokenTimeout`]. The token can be reused for its TTL.

use super::request::{HeaderValue, Target};
use super::{parse_endpoint_json, Endpoint, FetchedCredentials, RequestPlan, Source};
use crate::Error;

/// The instance metadata endpoint.
pub const DEFAULT_ENDPOINT: &str = "http://169.254.169.254";
/// Test-only override of the endpoint (base URL); wins over [`AWS_SDK_ENDPOINT_VAR`].
pub const ENDPOINT_OVERRIDE_VAR: &str = "MONGODB_AWS_EC2_METADATA_ENDPOINT";
/// The AWS SDKs' endpoint variable, honoured too (e.g. `http://[fd00:ec2::254]` for IPv6 IMDS).
pub const AWS_SDK_ENDPOINT_VAR: &str = "AWS_EC2_METADATA_SERVICE_ENDPOINT";
/// `AWS_EC2_METADATA_DISABLED=true` turns the EC2 source off (AWS SDK convention).
pub const DISABLED_VAR: &str = "AWS_EC2_METADATA_DISABLED";
/// Path of the token PUT.
pub const TOKEN_PATH: &str = "/latest/api/token";
/// Path listing the role (and prefix of the credentials path).
pub const CREDENTIALS_PATH: &str = "/latest/meta-data/iam/security-credentials/";
/// Request header carrying the token TTL (on the PUT) — IMDS echoes it in the response.
pub const TTL_HEADER: &str = "X-aws-ec2-metadata-token-ttl-seconds";
/// Request header carrying the token (on the GETs).
pub const TOKEN_HEADER: &str = "X-aws-ec2-metadata-token";
/// TTL the C, Go, Java and Ruby drivers request.
pub const DEFAULT_TOKEN_TTL_SECONDS: u32 = 30;
/// Largest TTL IMDS accepts (6 hours).
pub const MAX_TOKEN_TTL_SECONDS: u32 = 21_600;
/// Longest token accepted.
pub const MAX_TOKEN_LEN: usize = 1024;

fn endpoint(endpoint_override: Option<&str>) -> Result<Endpoint, Error> {
    Endpoint::parse_base(
        endpoint_override
            .filter(|s| !s.is_empty())
            .unwrap_or(DEFAULT_ENDPOINT),
    )
}

/// Step 1: the token PUT. `endpoint_override`: `MONGODB_AWS_EC2_METADATA_ENDPOINT`, else
/// `AWS_EC2_METADATA_SERVICE_ENDPOINT`, else `None`. `ttl_seconds`: 1..=21600
/// ([`Error::InvalidImdsTokenTtl`]).
pub fn token_request(
    endpoint_override: Option<&str>,
    ttl_seconds: u32,
) -> Result<RequestPlan<'static>, Error> {
    if !(1..=MAX_TOKEN_TTL_SECONDS).contains(&ttl_seconds) {
        return Err(Error::InvalidImdsTokenTtl);
    }
    Ok(
        RequestPlan::new("PUT", endpoint(endpoint_override)?, Target::Str(TOKEN_PATH))
            .header(TTL_HEADER, HeaderValue::Decimal(ttl_seconds)),
    )
}

/// Reads the token from the PUT's body (trailing whitespace trimmed): 1 to 1024 printable ASCII
/// characters ([`Error::InvalidImdsToken`]).
pub fn parse_token(body: &[u8]) -> Result<&str, Error> {
    let s = core::str::from_utf8(body).map_err(|_| Error::InvalidImdsToken)?;
    let s = s.trim_end_matches(['\n', '\r', ' ', '\t']);
    if s.is_empty() || s.len() > MAX_TOKEN_LEN || !s.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::InvalidImdsToken);
    }
    Ok(s)
}

/// Step 2: list the instance's role.
pub fn role_name_request<'a>(
    endpoint_override: Option<&str>,
    token: &'a str,
) -> Result<RequestPlan<'a>, Error> {
    parse_token(token.as_bytes())?;
    Ok(RequestPlan::new(
        "GET",
        endpoint(endpoint_override)?,
        Target::Str(CREDENTIALS_PATH),
    )
    .header(TOKEN_HEADER, HeaderValue::Str(token)))
}

/// Checks an IAM role name: 1 to 64 of `[\w+=,.@-]` ([`Error::InvalidRoleName`]); such a name is safe
/// in a path without encoding.
pub fn validate_role_name(name: &str) -> Result<(), Error> {
    if name.is_empty()
        || name.len() > 64
        || !name.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'+' | b'=' | b',' | b'.' | b'@' | b'_' | b'-')
        })
    {
        return Err(Error::InvalidRoleName);
    }
    Ok(())
}

/// Reads the role name from step 2's body: the first line, trimmed. An empty body is
/// [`Error::NoInstanceRole`].
pub fn parse_role_name(body: &[u8]) -> Result<&str, Error> {
    let s = core::str::from_utf8(body).map_err(|_| Error::ResponseNotText)?;
    let first = s.lines().next().unwrap_or("").trim();
    if first.is_empty() {
        return Err(Error::NoInstanceRole);
    }
    validate_role_name(first)?;
    Ok(first)
}

/// Step 3: the role's credentials.
pub fn credentials_request<'a>(
    endpoint_override: Option<&str>,
    token: &'a str,
    role_name: &'a str,
) -> Result<RequestPlan<'a>, Error> {
    parse_token(token.as_bytes())?;
    validate_role_name(role_name)?;
    Ok(RequestPlan::new(
        "GET",
        endpoint(endpoint_override)?,
        Target::Concat(CREDENTIALS_PATH, role_name),
    )
    .header(TOKEN_HEADER, HeaderValue::Str(token)))
}

/// Parses step 3's JSON. `Code` other than `Success` is [`Error::ImdsCodeNotSuccess`] (only Ruby
/// checks it among the drivers; IMDS sends e.g. `AssumeRoleUnauthorizedAccess`).
pub fn parse_credentials<'a>(
    body: &'a [u8],
    scratch: &'a mut [u8],
) -> Result<FetchedCredentials<'a>, Error> {
    parse_endpoint_json(body, scratch, Source::Ec2, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UnixTime;

    #[test]
    fn three_requests() {
        let mut buf = [0u8; 512];
        let p = token_request(None, 30).unwrap();
        let r = p.write(&mut buf).unwrap();
        assert_eq!(
            r.as_bytes(),
            &b"PUT /latest/api/token HTTP/1.1\r\nHost: 169.254.169.254\r\nX-aws-ec2-metadata-token-ttl-seconds: 30\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"[..]
        );
        assert_eq!(r.method(), "PUT");
        assert_eq!(r.body(), b"");
        assert_eq!(
            token_request(None, 0).map(|_| ()),
            Err(Error::InvalidImdsTokenTtl)
        );
        assert_eq!(
            token_request(None, 21_601).map(|_| ()),
            Err(Error::InvalidImdsTokenTtl)
        );
        assert!(token_request(None, 21_600).is_ok());

        let tok = parse_token(b"AQAEAKnK2xPDvNZP1Ws8o6OoJ1PWHXR7f7Al8Q==\n").unwrap();
        let p = role_name_request(Some("http://127.0.0.1:8111"), tok).unwrap();
        let r = p.write(&mut buf).unwrap();
        assert_eq!(
            r.as_bytes(),
            &b"GET /latest/meta-data/iam/security-credentials/ HTTP/1.1\r\nHost: 127.0.0.1:8111\r\nX-aws-ec2-metadata-token: AQAEAKnK2xPDvNZP1Ws8o6OoJ1PWHXR7f7Al8Q==\r\nConnection: close\r\n\r\n"[..]
        );
        let role = parse_role_name(b"my-role\n").unwrap();
        let p = credentials_request(None, tok, role).unwrap();
        let r = p.write(&mut buf).unwrap();
        assert_eq!(
            r.target(),
            "/latest/meta-data/iam/security-credentials/my-role"
        );
        assert_eq!(r.as_bytes().len(), p.len());
        let mut headers = [httparse::EMPTY_HEADER; 8];
        let mut req = httparse::Request::new(&mut headers);
        assert!(req.parse(r.as_bytes()).unwrap().is_complete());
    }

    #[test]
    fn token_and_role_rules() {
        assert_eq!(parse_token(b""), Err(Error::InvalidImdsToken));
        assert_eq!(parse_token(b"a b"), Err(Error::InvalidImdsToken));
        assert_eq!(parse_role_name(b""), Err(Error::NoInstanceRole));
        assert_eq!(parse_role_name(b"\n"), Err(Error::NoInstanceRole));
        assert_eq!(parse_role_name(b"role-a\nrole-b\n"), Ok("role-a"));
        assert_eq!(parse_role_name(b"../etc"), Err(Error::InvalidRoleName));
        assert_eq!(parse_role_name(b"a/b"), Err(Error::InvalidRoleName));
        assert_eq!(
            credentials_request(None, "t", "a?b").map(|_| ()),
            Err(Error::InvalidRoleName)
        );
        assert_eq!(
            role_name_request(None, "t\r\nX: 1").map(|_| ()),
            Err(Error::InvalidImdsToken)
        );
    }

    #[test]
    fn parse_real_shape() {
        // The IMDS answer as documented by AWS ("Retrieve security credentials from instance metadata").
        let body = br#"{
  "Code" : "Success",
  "LastUpdated" : "2012-04-26T16:39:16Z",
  "Type" : "AWS-HMAC",
  "AccessKeyId" : "ASIAIOSFODNN7EXAMPLE",
  "SecretAccessKey" : "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  "Token" : "token",
  "Expiration" : "2017-05-17T15:09:54Z"
}"#;
        let mut s = [0u8; 64];
        let c = parse_credentials(body, &mut s).unwrap();
        assert_eq!(c.source, Source::Ec2);
        assert_eq!(c.credentials.access_key_id(), "ASIAIOSFODNN7EXAMPLE");
        // 2017-05-17T15:09:54Z = 1495033794 (python3 -c 'import calendar,time; ...').
        assert_eq!(c.expiration, Some(UnixTime(1_495_033_794)));
        let bad = br#"{"Code":"AssumeRoleUnauthorizedAccess","Message":"...","LastUpdated":"2012-04-26T16:39:16Z"}"#;
        assert_eq!(
            parse_credentials(bad, &mut s).map(|_| ()),
            Err(Error::ImdsCodeNotSuccess)
        );
    }
}
