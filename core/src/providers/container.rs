//! Container "full URI" credentials (EKS Pod Identity, Lambda SnapStart; AWS SDK standard, not in the
//! MongoDB spec): `GET $AWS_CONTAINER_CREDENTIALS_FULL_URI` with an `Authorization` header holding
//! the content of `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (re-read every time) or
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN` (PROTOCOL.md A7).
//!
//! Allowed targets: any `https` URL; plain `http` only to loopback (`127.0.0.0/8`, `::1`,
//! `localhost`), the ECS endpoint `169.254.170.2`, and the EKS Pod Identity agent `169.254.170.23` /
//! `fd00:ec2::23`.

use super::request::{parse_ipv4, parse_ipv6, HeaderValue, Target};
use super::{parse_endpoint_json, Endpoint, FetchedCredentials, RequestPlan, Scheme, Source};
use crate::Error;

/// Name of the variable holding the full URI.
pub const AWS_CONTAINER_CREDENTIALS_FULL_URI: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
/// Name of the variable holding the path of the authorization token file.
pub const AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
/// Name of the variable holding the authorization token.
pub const AWS_CONTAINER_AUTHORIZATION_TOKEN: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN";

/// Whether `ep` may be called with plain http.
pub fn is_allowed_http_host(ep: &Endpoint) -> bool {
    if ep.is_loopback() {
        return true;
    }
    let h = ep.host();
    match parse_ipv4(h) {
        Some([169, 254, 170, 2]) | Some([169, 254, 170, 23]) => return true,
        Some(_) => return false,
        None => {}
    }
    parse_ipv6(h) == Some([0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x23])
}

/// Trims the trailing whitespace (newline) of a token file's content and checks it.
pub fn token_from_file(content: &[u8]) -> Result<&str, Error> {
    let s = core::str::from_utf8(content).map_err(|_| Error::InvalidAuthorizationToken)?;
    let s = s.trim_end_matches(['\n', '\r', ' ', '\t']);
    validate_token(s)?;
    Ok(s)
}

fn validate_token(t: &str) -> Result<(), Error> {
    if t.is_empty()
        || !t
            .bytes()
            .all(|b| b == b' ' || b == b'\t' || b.is_ascii_graphic())
    {
        return Err(Error::InvalidAuthorizationToken);
    }
    Ok(())
}

/// The GET request for `full_uri`, with `Authorization: <authorization_token>` when given (`None`
/// or empty: no header). Plain http to a host not listed above is
/// [`Error::ForbiddenContainerHost`].
pub fn request<'a>(
    full_uri: &'a str,
    authorization_token: Option<&'a str>,
) -> Result<RequestPlan<'a>, Error> {
    let (ep, target) = Endpoint::parse_url(full_uri)?;
    if ep.scheme() == Scheme::Http && !is_allowed_http_host(&ep) {
        return Err(Error::ForbiddenContainerHost);
    }
    let mut plan = RequestPlan::new("GET", ep, Target::Str(target))
        .header("Accept", HeaderValue::Str("application/json"));
    if let Some(t) = authorization_token.filter(|t| !t.is_empty()) {
        validate_token(t)?;
        plan = plan.header("Authorization", HeaderValue::Str(t));
    }
    Ok(plan)
}

/// Parses the response (same JSON as ECS; EKS Pod Identity adds `AccountId`).
pub fn parse<'a>(body: &'a [u8], scratch: &'a mut [u8]) -> Result<FetchedCredentials<'a>, Error> {
    parse_endpoint_json(body, scratch, Source::ContainerFullUri, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UnixTime;

    #[test]
    fn allowed_hosts() {
        for ok in [
            "https://example.com/creds",
            "https://10.0.0.1/creds",
            "http://127.0.0.1:8080/creds",
            "http://127.1.2.3/x",
            "http://localhost:9/x",
            "http://[::1]:9/x",
            "http://169.254.170.2/v1/credentials",
            "http://169.254.170.23/v1/credentials",
            "http://[fd00:ec2::23]/v1/credentials",
            "http://[fd00:ec2:0::23]:80/v1/credentials",
        ] {
            assert!(request(ok, None).is_ok(), "{ok}");
        }
        for bad in [
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1/creds",
            "http://example.com/creds",
            "http://[fd00:ec2::24]/x",
            "http://169.254.170.3/x",
            "http://127.0.0.1.example.com/x",
        ] {
            assert_eq!(
                request(bad, None).map(|_| ()),
                Err(Error::ForbiddenContainerHost),
                "{bad}"
            );
        }
        assert_eq!(
            request("file:///etc/passwd", None).map(|_| ()),
            Err(Error::InvalidEndpointUrl)
        );
    }

    #[test]
    fn request_with_token() {
        let plan = request(
            "http://169.254.170.23/v1/credentials",
            Some("eyJhbGciOi.x.y"),
        )
        .unwrap();
        let mut buf = [0u8; 512];
        let r = plan.write(&mut buf).unwrap();
        assert_eq!(
            r.as_bytes(),
            &b"GET /v1/credentials HTTP/1.1\r\nHost: 169.254.170.23\r\nAccept: application/json\r\nAuthorization: eyJhbGciOi.x.y\r\nConnection: close\r\n\r\n"[..]
        );
        assert_eq!(
            request("http://127.0.0.1/", Some("a\r\nX-Injected: 1")).map(|_| ()),
            Err(Error::InvalidAuthorizationToken)
        );
        assert_eq!(token_from_file(b"tok123\n"), Ok("tok123"));
        assert_eq!(
            token_from_file(b"\n"),
            Err(Error::InvalidAuthorizationToken)
        );
        assert_eq!(
            token_from_file(b"a\nb"),
            Err(Error::InvalidAuthorizationToken)
        );
    }

    #[test]
    fn parse_pod_identity_shape() {
        // Shape of the EKS Pod Identity agent's answer (AWS docs, "EKS Pod Identity").
        let body = br#"{"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"secret/+=","Token":"tok","AccountId":"123456789012","Expiration":"2024-01-01T00:00:00Z"}"#;
        let mut s = [0u8; 16];
        let c = parse(body, &mut s).unwrap();
        assert_eq!(c.source, Source::ContainerFullUri);
        assert_eq!(c.account_id, Some("123456789012"));
        assert_eq!(c.expiration, Some(UnixTime(1_704_067_200)));
    }
}
