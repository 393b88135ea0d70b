//! AssumeRoleWithSAML: an unsigned `POST /` to STS with the form body
//! `Action=AssumeRoleWithSAML&Version=2011-06-15&RoleArn=…&PrincipalArn=…&SAMLAssertion=…
//! [&DurationSeconds=…]` (PROTOCOL.md, "Other STS calls"). The assertion is the base64 of the IdP's
//! SAML response, sent percent-encoded. Not part of the automatic chain: an explicit provider.

use super::request::{Form, FormValue, HeaderValue, Target, MAX_PARAMS};
use super::sts_response::{self, Action};
use super::{
    validate_arn, validate_duration, FetchedCredentials, RequestPlan, StsEndpoint,
    FORM_CONTENT_TYPE,
};
use crate::Error;

/// Parameters of one AssumeRoleWithSAML call.
#[derive(Clone, Copy, Debug)]
pub struct SamlParams<'a> {
    /// The role to assume.
    pub role_arn: &'a str,
    /// The ARN of the IAM SAML provider.
    pub principal_arn: &'a str,
    /// Base64 of the SAML response (4 to 100000 characters; surrounding whitespace is trimmed and
    /// line breaks inside are removed by the host if it wraps). Secret.
    pub saml_assertion: &'a str,
    /// Optional `DurationSeconds` (900..=43200).
    pub duration_seconds: Option<u32>,
    /// Which STS endpoint to call.
    pub sts: StsEndpoint<'a>,
}

/// Checks a SAML assertion: 4 to 100000 characters of standard base64.
pub fn validate_assertion(a: &str) -> Result<(), Error> {
    if !(4..=100_000).contains(&a.len())
        || !a
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
    {
        return Err(Error::InvalidSamlAssertion);
    }
    Ok(())
}

/// Normalises a SAML assertion file's content in place: drops every ASCII whitespace byte (the
/// base64 is usually wrapped at 76 columns) and checks the result ([`validate_assertion`]).
pub fn assertion_from_file(content: &mut [u8]) -> Result<&str, Error> {
    let mut n = 0usize;
    for i in 0..content.len() {
        let b = content.get(i).copied().unwrap_or(b' ');
        if !b.is_ascii_whitespace() {
            if let Some(dst) = content.get_mut(n) {
                *dst = b;
            }
            n += 1;
        }
    }
    let s = core::str::from_utf8(content.get(..n).unwrap_or(&[]))
        .map_err(|_| Error::InvalidSamlAssertion)?;
    validate_assertion(s)?;
    Ok(s)
}

/// Builds the request.
pub fn request<'a>(params: &SamlParams<'a>) -> Result<RequestPlan<'a>, Error> {
    validate_arn(params.role_arn, Error::InvalidRoleArn)?;
    validate_arn(params.principal_arn, Error::InvalidPrincipalArn)?;
    let assertion = params.saml_assertion.trim();
    validate_assertion(assertion)?;
    validate_duration(params.duration_seconds)?;
    let (ep, _region) = params.sts.resolve()?;
    let mut p: [Option<(&'static str, FormValue<'a>)>; MAX_PARAMS] = [None; MAX_PARAMS];
    p[0] = Some(("RoleArn", FormValue::Str(params.role_arn)));
    p[1] = Some(("PrincipalArn", FormValue::Str(params.principal_arn)));
    p[2] = Some(("SAMLAssertion", FormValue::Str(assertion)));
    p[3] = params
        .duration_seconds
        .map(|d| ("DurationSeconds", FormValue::Decimal(d)));
    let mut plan = RequestPlan::new("POST", ep, Target::Str("/"))
        .header("Content-Type", HeaderValue::Str(FORM_CONTENT_TYPE));
    plan.form = Some(Form {
        action: "AssumeRoleWithSAML",
        params: p,
    });
    Ok(plan)
}

/// Parses the STS answer (XML or JSON).
pub fn parse<'a>(body: &'a [u8], scratch: &'a mut [u8]) -> Result<FetchedCredentials<'a>, Error> {
    sts_response::parse_credentials(Action::AssumeRoleWithSaml, body, scratch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_body() {
        let p = SamlParams {
            role_arn: "arn:aws:iam::123456789012:role/saml-role",
            principal_arn: "arn:aws:iam::123456789012:saml-provider/idp",
            saml_assertion: "PHNhbWxwOlJlc3BvbnNlPg==\n",
            duration_seconds: Some(900),
            sts: StsEndpoint {
                override_url: Some("http://127.0.0.1:5000"),
                ..Default::default()
            },
        };
        let plan = request(&p).unwrap();
        let mut buf = [0u8; 1024];
        let r = plan.write(&mut buf).unwrap();
        assert_eq!(r.authority(), "127.0.0.1:5000");
        let pairs: std::vec::Vec<(std::string::String, std::string::String)> =
            form_urlencoded::parse(r.body()).into_owned().collect();
        let want: std::vec::Vec<(std::string::String, std::string::String)> = [
            ("Action", "AssumeRoleWithSAML"),
            ("Version", "2011-06-15"),
            ("RoleArn", "arn:aws:iam::123456789012:role/saml-role"),
            (
                "PrincipalArn",
                "arn:aws:iam::123456789012:saml-provider/idp",
            ),
            ("SAMLAssertion", "PHNhbWxwOlJlc3BvbnNlPg=="),
            ("DurationSeconds", "900"),
        ]
        .iter()
        .map(|(a, b)| ((*a).into(), (*b).into()))
        .collect();
        assert_eq!(pairs, want);
        let mut bad = p;
        bad.saml_assertion = "<samlp:Response>";
        assert_eq!(request(&bad).map(|_| ()), Err(Error::InvalidSamlAssertion));
        bad = p;
        bad.principal_arn = "idp";
        assert_eq!(request(&bad).map(|_| ()), Err(Error::InvalidPrincipalArn));
    }
}
