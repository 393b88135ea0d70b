//! AssumeRoleWithWebIdentity (EKS IRSA), PROTOCOL.md A7: an unsigned `POST /` to STS with
//! `Accept: application/json` and the form body `Action=AssumeRoleWithWebIdentity&Version=2011-06-15&
//! RoleArn=…&RoleSessionName=…&WebIdentityToken=…[&DurationSeconds=…]`, every value percent-encoded
//! (C and Go do not encode, so a `+` in a session name turns into a space there).
//!
//! The host reads `AWS_WEB_IDENTITY_TOKEN_FILE` every time (the token rotates), passes its content
//! through [`token_from_file`] (trailing newline stripped), `AWS_ROLE_ARN`, `AWS_ROLE_SESSION_NAME`
//! (or `None` and 16 random bytes: the name is then [`RandomSessionName`]), and the STS endpoint
//! settings ([`StsEndpoint`]: global unless `AWS_STS_REGIONAL_ENDPOINTS=regional` with
//! `AWS_REGION`).

use super::request::{Form, FormValue, HeaderValue, Target, MAX_PARAMS};
use super::sts_response::{self, Action};
use super::{
    validate_arn, validate_duration, validate_session_name, FetchedCredentials, RandomSessionName,
    RequestPlan, StsEndpoint, FORM_CONTENT_TYPE,
};
use crate::Error;

/// Name of the token file variable.
pub const AWS_WEB_IDENTITY_TOKEN_FILE: &str = "AWS_WEB_IDENTITY_TOKEN_FILE";
/// Name of the role ARN variable.
pub const AWS_ROLE_ARN: &str = "AWS_ROLE_ARN";
/// Name of the session name variable.
pub const AWS_ROLE_SESSION_NAME: &str = "AWS_ROLE_SESSION_NAME";
/// Name of the variable selecting regional STS (`regional` or `legacy`).
pub const AWS_STS_REGIONAL_ENDPOINTS: &str = "AWS_STS_REGIONAL_ENDPOINTS";
/// Name of the region variable.
pub const AWS_REGION: &str = "AWS_REGION";
/// Test-only override of the STS endpoint (base URL; plain http only to loopback).
pub const STS_ENDPOINT_OVERRIDE_VAR: &str = "MONGODB_AWS_STS_ENDPOINT";

/// Parameters of one AssumeRoleWithWebIdentity call.
#[derive(Clone, Copy, Debug)]
pub struct WebIdentityParams<'a> {
    /// `AWS_ROLE_ARN`.
    pub role_arn: &'a str,
    /// The token (content of the token file, see [`token_from_file`]). Secret.
    pub web_identity_token: &'a str,
    /// `AWS_ROLE_SESSION_NAME`; `None` or empty: a name generated from `random`.
    pub role_session_name: Option<&'a str>,
    /// 16 bytes from the host's CSPRNG, used only when `role_session_name` is unset.
    pub random: &'a [u8; 16],
    /// Optional `DurationSeconds` (900..=43200).
    pub duration_seconds: Option<u32>,
    /// Which STS endpoint to call.
    pub sts: StsEndpoint<'a>,
}

/// Strips the trailing newline of a token file and checks the token: 4 to 20000 printable ASCII
/// characters ([`Error::InvalidWebIdentityToken`]).
pub fn token_from_file(content: &[u8]) -> Result<&str, Error> {
    let s = core::str::from_utf8(content).map_err(|_| Error::InvalidWebIdentityToken)?;
    let s = s.trim_end_matches(['\n', '\r', ' ', '\t']);
    validate_token(s)?;
    Ok(s)
}

fn validate_token(s: &str) -> Result<(), Error> {
    if !(4..=20_000).contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::InvalidWebIdentityToken);
    }
    Ok(())
}

/// Builds the request. `session_name` receives the generated name when one is needed (it must
/// outlive the plan); the plan borrows it.
pub fn request<'a>(
    params: &WebIdentityParams<'a>,
    session_name: &'a mut RandomSessionName,
) -> Result<RequestPlan<'a>, Error> {
    let name: &'a str = match params.role_session_name.filter(|s| !s.is_empty()) {
        Some(n) => n,
        None => {
            *session_name = RandomSessionName::new(params.random);
            session_name.as_str()
        }
    };
    request_named(&WebIdentityParams {
        role_session_name: Some(name),
        ..*params
    })
}

/// Builds the request with the session name given in `params.role_session_name` (required here:
/// [`Error::InvalidRoleSessionName`] when `None`).
pub fn request_named<'a>(params: &WebIdentityParams<'a>) -> Result<RequestPlan<'a>, Error> {
    validate_arn(params.role_arn, Error::InvalidRoleArn)?;
    validate_token(params.web_identity_token)?;
    validate_duration(params.duration_seconds)?;
    let name = params
        .role_session_name
        .ok_or(Error::InvalidRoleSessionName)?;
    validate_session_name(name)?;
    let (ep, _region) = params.sts.resolve()?;
    let mut p: [Option<(&'static str, FormValue<'a>)>; MAX_PARAMS] = [None; MAX_PARAMS];
    p[0] = Some(("RoleArn", FormValue::Str(params.role_arn)));
    p[1] = Some(("RoleSessionName", FormValue::Str(name)));
    p[2] = Some((
        "WebIdentityToken",
        FormValue::Str(params.web_identity_token),
    ));
    p[3] = params
        .duration_seconds
        .map(|d| ("DurationSeconds", FormValue::Decimal(d)));
    let mut plan = RequestPlan::new("POST", ep, Target::Str("/"))
        .header("Accept", HeaderValue::Str("application/json"))
        .header("Content-Type", HeaderValue::Str(FORM_CONTENT_TYPE));
    plan.form = Some(Form {
        action: "AssumeRoleWithWebIdentity",
        params: p,
    });
    Ok(plan)
}

/// Parses the STS answer (JSON or XML).
pub fn parse<'a>(body: &'a [u8], scratch: &'a mut [u8]) -> Result<FetchedCredentials<'a>, Error> {
    sts_response::parse_credentials(Action::AssumeRoleWithWebIdentity, body, scratch)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:iam::123456789012:role/irsa-role";

    fn params<'a>(name: Option<&'a str>, sts: StsEndpoint<'a>) -> WebIdentityParams<'a> {
        WebIdentityParams {
            role_arn: ARN,
            web_identity_token: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.sig+/=",
            role_session_name: name,
            random: &[0x01; 16],
            duration_seconds: None,
            sts,
        }
    }

    #[test]
    fn request_is_percent_encoded_and_global_by_default() {
        let mut name = RandomSessionName::new(&[0; 16]);
        let plan = request(&params(Some("a+b@c"), StsEndpoint::default()), &mut name).unwrap();
        let mut buf = [0u8; 1024];
        let r = plan.write(&mut buf).unwrap();
        assert_eq!(r.authority(), "sts.amazonaws.com");
        assert_eq!(r.scheme(), super::super::Scheme::Https);
        let body = core::str::from_utf8(r.body()).unwrap();
        assert_eq!(
            body,
            "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Firsa-role&RoleSessionName=a%2Bb%40c&WebIdentityToken=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.sig%2B%2F%3D"
        );
        // Independent decoder: the form decodes back to the inputs.
        let pairs: std::vec::Vec<(std::string::String, std::string::String)> =
            form_urlencoded::parse(r.body()).into_owned().collect();
        assert_eq!(pairs[3], ("RoleSessionName".into(), "a+b@c".into()));
        assert_eq!(
            pairs[4].1,
            "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.sig+/="
        );
        let headers: std::vec::Vec<_> = r.headers().collect();
        assert_eq!(
            headers,
            [
                ("Accept", "application/json"),
                ("Content-Type", FORM_CONTENT_TYPE)
            ]
        );
        let wire = core::str::from_utf8(r.as_bytes()).unwrap();
        assert!(wire.contains(&std::format!("Content-Length: {}\r\n", body.len())));
    }

    #[test]
    fn random_name_when_unset_and_regional_endpoint() {
        let mut name = RandomSessionName::new(&[0; 16]);
        let sts = StsEndpoint {
            override_url: None,
            regional_endpoints: Some("regional"),
            region: Some("us-gov-west-1"),
        };
        let mut p = params(None, sts);
        p.duration_seconds = Some(3600);
        let plan = request(&p, &mut name).unwrap();
        let mut buf = [0u8; 1024];
        let r = plan.write(&mut buf).unwrap();
        assert_eq!(r.authority(), "sts.us-gov-west-1.amazonaws.com");
        let pairs: std::vec::Vec<(std::string::String, std::string::String)> =
            form_urlencoded::parse(r.body()).into_owned().collect();
        assert_eq!(pairs[3].1, "mongodb-aws-01010101010101010101010101010101");
        assert_eq!(pairs[5], ("DurationSeconds".into(), "3600".into()));
        // Empty AWS_ROLE_SESSION_NAME counts as unset.
        let plan = request(&params(Some(""), StsEndpoint::default()), &mut name).unwrap();
        let r = plan.write(&mut buf).unwrap();
        assert!(core::str::from_utf8(r.body())
            .unwrap()
            .contains("RoleSessionName=mongodb-aws-0101"));
    }

    #[test]
    fn rejects() {
        let mut name = RandomSessionName::new(&[0; 16]);
        let mut p = params(Some("bad name"), StsEndpoint::default());
        assert_eq!(
            request(&p, &mut name).map(|_| ()),
            Err(Error::InvalidRoleSessionName)
        );
        p.role_session_name = None;
        p.role_arn = "role";
        assert_eq!(
            request(&p, &mut name).map(|_| ()),
            Err(Error::InvalidRoleArn)
        );
        p.role_arn = ARN;
        p.duration_seconds = Some(60);
        assert_eq!(
            request(&p, &mut name).map(|_| ()),
            Err(Error::InvalidDurationSeconds)
        );
        assert_eq!(token_from_file(b"abc.def\n"), Ok("abc.def"));
        assert_eq!(token_from_file(b"\n"), Err(Error::InvalidWebIdentityToken));
        assert_eq!(
            token_from_file(b"ab cd"),
            Err(Error::InvalidWebIdentityToken)
        );
    }
}
