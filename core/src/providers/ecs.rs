//! ECS task credentials: `GET http://169.254.170.2` + `$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`
//! (PROTOCOL.md A7). The variable already starts with `/`, so it is appended as is — no extra `/`
//! (the spec's formula is misleading; Go produces `//…`). Response JSON: `AccessKeyId`,
//! `SecretAccessKey`, `Token`, `Expiration` (ISO-8601), `RoleArn`.

use super::request::{HeaderValue, Target};
use super::{parse_endpoint_json, Endpoint, FetchedCredentials, RequestPlan, Source};
use crate::Error;

/// Name of the variable holding the relative URI.
pub const AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: &str = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
/// Test-only override of the endpoint (base URL).
pub const ENDPOINT_OVERRIDE_VAR: &str = "MONGODB_AWS_ECS_ENDPOINT";
/// The ECS credential endpoint.
pub const DEFAULT_ENDPOINT: &str = "http://169.254.170.2";

/// Checks a relative URI: starts with `/`, printable ASCII without spaces.
pub fn validate_relative_uri(uri: &str) -> Result<(), Error> {
    if !uri.starts_with('/') || uri.starts_with("//") || !uri.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(Error::InvalidRelativeUri);
    }
    Ok(())
}

/// The GET request for `relative_uri`. `endpoint_override`: the value of `MONGODB_AWS_ECS_ENDPOINT`
/// (`None` or empty = [`DEFAULT_ENDPOINT`]).
pub fn request<'a>(
    endpoint_override: Option<&str>,
    relative_uri: &'a str,
) -> Result<RequestPlan<'a>, Error> {
    validate_relative_uri(relative_uri)?;
    let base = endpoint_override
        .filter(|s| !s.is_empty())
        .unwrap_or(DEFAULT_ENDPOINT);
    let ep = Endpoint::parse_base(base)?;
    Ok(RequestPlan::new("GET", ep, Target::Str(relative_uri))
        .header("Accept", HeaderValue::Str("application/json")))
}

/// Parses the ECS response. Credentials, `Expiration` (ISO-8601 or epoch seconds) required; `Token`
/// and `RoleArn` optional.
pub fn parse<'a>(body: &'a [u8], scratch: &'a mut [u8]) -> Result<FetchedCredentials<'a>, Error> {
    parse_endpoint_json(body, scratch, Source::Ecs, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UnixTime;

    /// The response shape of the ECS agent as documented by AWS and quoted in PROTOCOL.md A7.
    const BODY: &[u8] = br#"{
        "AccessKeyId": "ASIAIOSFODNN7EXAMPLE",
        "Expiration": "2023-02-07T20:04:27Z",
        "RoleArn": "arn:aws:iam::123456789012:role/ecs-task-role",
        "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "Token": "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ"
    }"#;

    #[test]
    fn request_bytes() {
        let plan = request(None, "/v2/credentials/1a2b3c").unwrap();
        let mut buf = [0u8; 256];
        let r = plan.write(&mut buf).unwrap();
        assert_eq!(
            r.as_bytes(),
            b"GET /v2/credentials/1a2b3c HTTP/1.1\r\nHost: 169.254.170.2\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
        );
        assert_eq!(r.as_bytes().len(), plan.len());
        assert_eq!(
            (r.host(), r.port(), r.target()),
            ("169.254.170.2", 80, "/v2/credentials/1a2b3c")
        );
        let hs: std::vec::Vec<_> = r.headers().collect();
        assert_eq!(hs, [("Accept", "application/json")]);
        // Independent check: httparse reads it back.
        let mut headers = [httparse::EMPTY_HEADER; 8];
        let mut req = httparse::Request::new(&mut headers);
        assert!(req.parse(r.as_bytes()).unwrap().is_complete());
        assert_eq!(req.path, Some("/v2/credentials/1a2b3c"));

        let plan = request(Some("http://127.0.0.1:41234"), "/creds").unwrap();
        let r = plan.write(&mut buf).unwrap();
        assert_eq!(
            (r.host(), r.port(), r.authority()),
            ("127.0.0.1", 41234, "127.0.0.1:41234")
        );
        let mut small = [0u8; 10];
        assert_eq!(
            plan.write(&mut small).map(|_| ()),
            Err(Error::BufferTooSmall { needed: plan.len() })
        );
    }

    #[test]
    fn request_rejects() {
        assert_eq!(
            request(None, "v2/x").map(|_| ()),
            Err(Error::InvalidRelativeUri)
        );
        assert_eq!(
            request(None, "/a b").map(|_| ()),
            Err(Error::InvalidRelativeUri)
        );
        assert_eq!(
            request(None, "/a\r\nX: y").map(|_| ()),
            Err(Error::InvalidRelativeUri)
        );
        assert_eq!(
            request(None, "//evil.example/x").map(|_| ()),
            Err(Error::InvalidRelativeUri)
        );
        assert_eq!(
            request(Some("http://h/p"), "/x").map(|_| ()),
            Err(Error::EndpointHasPath)
        );
    }

    #[test]
    fn parse_real_shape() {
        let mut scratch = [0u8; 512];
        let c = parse(BODY, &mut scratch).unwrap();
        assert_eq!(c.source, Source::Ecs);
        assert_eq!(c.credentials.access_key_id(), "ASIAIOSFODNN7EXAMPLE");
        assert_eq!(
            c.credentials.secret_access_key(),
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        );
        assert_eq!(
            c.credentials.session_token(),
            Some("IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ")
        );
        // 2023-02-07T20:04:27Z, the value PROTOCOL.md quotes; epoch computed by `date -u -d`.
        assert_eq!(c.expiration, Some(UnixTime(1_675_800_267)));
        assert_eq!(c.arn, Some("arn:aws:iam::123456789012:role/ecs-task-role"));
    }

    #[test]
    fn parse_rejects() {
        let mut s = [0u8; 512];
        // Truncated at every length: always a typed error, never a panic or success.
        for n in 0..BODY.len() - 1 {
            let e = parse(&BODY[..n], &mut s).unwrap_err();
            assert!(matches!(e, Error::JsonMalformed), "truncated at {n}: {e:?}");
        }
        let cases: &[(&[u8], Error)] = &[
            (b"[]", Error::UnexpectedResponseShape),
            (br#"{"SecretAccessKey":"s","Expiration":"2023-02-07T20:04:27Z"}"#, Error::MissingResponseField),
            (br#"{"AccessKeyId":"A","Expiration":"2023-02-07T20:04:27Z"}"#, Error::MissingResponseField),
            (br#"{"AccessKeyId":"A","SecretAccessKey":"s"}"#, Error::MissingResponseField),
            (br#"{"AccessKeyId":"A","SecretAccessKey":"s","Expiration":"soon"}"#, Error::InvalidTimestamp),
            (br#"{"AccessKeyId":"A","SecretAccessKey":"s","Expiration":true}"#, Error::WrongResponseFieldType),
            (br#"{"AccessKeyId":1,"SecretAccessKey":"s","Expiration":"2023-02-07T20:04:27Z"}"#, Error::WrongResponseFieldType),
            (br#"{"AccessKeyId":"A","AccessKeyId":"B","SecretAccessKey":"s","Expiration":"2023-02-07T20:04:27Z"}"#, Error::DuplicateResponseField),
            (br#"{"AccessKeyId":"A-1","SecretAccessKey":"s","Expiration":"2023-02-07T20:04:27Z"}"#, Error::InvalidAccessKeyId),
            (br#"{"AccessKeyId":"A","SecretAccessKey":"s","Token":"a\nb","Expiration":"2023-02-07T20:04:27Z"}"#, Error::InvalidSessionToken),
            (b"<html>502 Bad Gateway</html>", Error::JsonMalformed),
            (b"", Error::JsonMalformed),
        ];
        for (body, want) in cases {
            assert_eq!(
                parse(body, &mut s).map(|_| ()),
                Err(*want),
                "{:?}",
                core::str::from_utf8(body)
            );
        }
        // Escaped secret needs scratch; a too-small scratch says how much.
        let esc = br#"{"AccessKeyId":"A","SecretAccessKey":"a\/b","Expiration":1675800267}"#;
        let mut tiny = [0u8; 1];
        assert_eq!(
            parse(esc, &mut tiny).map(|_| ()),
            Err(Error::BufferTooSmall { needed: 3 })
        );
        let c = parse(esc, &mut s).unwrap();
        assert_eq!(c.credentials.secret_access_key(), "a/b");
        assert_eq!(c.expiration, Some(UnixTime(1_675_800_267)));
        assert_eq!(c.credentials.session_token(), None);
    }
}
