//! Parsers for the STS responses of AssumeRole, AssumeRoleWithWebIdentity and AssumeRoleWithSAML, in
//! both shapes STS answers (PROTOCOL.md, "Other STS calls"):
//!
//! * XML (default): `<{Action}Response><{Action}Result><Credentials><AccessKeyId>…<SecretAccessKey>…
//!   <SessionToken>…<Expiration>ISO-8601…</Credentials><AssumedRoleUser><Arn>…<AssumedRoleId>…`.
//! * JSON (`Accept: application/json`): `{"{Action}Response":{"{Action}Result":{"Credentials":
//!   {…,"Expiration":<epoch seconds>},"AssumedRoleUser":{…}}}}`.
//!
//! Errors come back as `ErrorResponse.Error.{Type, Code, Message}` (XML or JSON): the credential
//! parsers report [`Error::StsErrorResponse`], and [`parse_error`] returns Code and Message.

use super::{FetchedCredentials, Source};
use crate::json::{self, Scratch};
use crate::time::parse_iso8601;
use crate::xml;
use crate::{Credentials, Error, UnixTime};

/// The STS call whose answer is parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// `AssumeRole`.
    AssumeRole,
    /// `AssumeRoleWithWebIdentity`.
    AssumeRoleWithWebIdentity,
    /// `AssumeRoleWithSAML`.
    AssumeRoleWithSaml,
}

impl Action {
    /// The API action name.
    pub fn name(&self) -> &'static str {
        match self {
            Action::AssumeRole => "AssumeRole",
            Action::AssumeRoleWithWebIdentity => "AssumeRoleWithWebIdentity",
            Action::AssumeRoleWithSaml => "AssumeRoleWithSAML",
        }
    }

    fn response(&self) -> &'static str {
        match self {
            Action::AssumeRole => "AssumeRoleResponse",
            Action::AssumeRoleWithWebIdentity => "AssumeRoleWithWebIdentityResponse",
            Action::AssumeRoleWithSaml => "AssumeRoleWithSAMLResponse",
        }
    }

    fn result(&self) -> &'static str {
        match self {
            Action::AssumeRole => "AssumeRoleResult",
            Action::AssumeRoleWithWebIdentity => "AssumeRoleWithWebIdentityResult",
            Action::AssumeRoleWithSaml => "AssumeRoleWithSAMLResult",
        }
    }

    fn source(&self) -> Source {
        match self {
            Action::AssumeRole => Source::AssumeRole,
            Action::AssumeRoleWithWebIdentity => Source::WebIdentity,
            Action::AssumeRoleWithSaml => Source::Saml,
        }
    }
}

/// An STS error document's fields, borrowed from the body (or scratch).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StsError<'a> {
    /// `Sender` or `Receiver`, when present.
    pub kind: Option<&'a str>,
    /// The error code, e.g. `AccessDenied`, `InvalidIdentityToken`, `ExpiredTokenException`.
    pub code: &'a str,
    /// The human-readable message (may be empty).
    pub message: &'a str,
}

fn is_json(body: &[u8]) -> bool {
    body.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{')
}

/// Parses an STS credentials response for `action`, XML or JSON (decided by the first non-blank
/// byte). An error document is [`Error::StsErrorResponse`]; another root is
/// [`Error::UnexpectedResponseShape`].
pub fn parse_credentials<'a>(
    action: Action,
    body: &'a [u8],
    scratch: &'a mut [u8],
) -> Result<FetchedCredentials<'a>, Error> {
    let mut sc = Scratch::new(scratch);
    if is_json(body) {
        parse_json(action, body, &mut sc)
    } else {
        parse_xml(action, body, &mut sc)
    }
}

struct Fields<'a> {
    id: Option<&'a str>,
    secret: Option<&'a str>,
    token: Option<&'a str>,
    expiration: Option<UnixTime>,
    arn: Option<&'a str>,
    role_id: Option<&'a str>,
}

fn finish(f: Fields<'_>, action: Action) -> Result<FetchedCredentials<'_>, Error> {
    let id = f.id.ok_or(Error::MissingResponseField)?;
    let secret = f.secret.ok_or(Error::MissingResponseField)?;
    // The STS API marks SessionToken as required in every Credentials object.
    let token = f.token.ok_or(Error::MissingResponseField)?;
    let expiration = f.expiration.ok_or(Error::MissingResponseField)?;
    Ok(FetchedCredentials {
        credentials: Credentials::new(id, secret, Some(token))?,
        expiration: Some(expiration),
        arn: f.arn,
        assumed_role_id: f.role_id,
        account_id: None,
        source: action.source(),
    })
}

fn xml_text<'a>(
    el: &xml::Element<'a>,
    name: &str,
    sc: &mut Scratch<'a>,
) -> Result<Option<&'a str>, Error> {
    match el.child(name)? {
        Some(c) => Ok(Some(c.text(sc)?.trim()).filter(|s| !s.is_empty())),
        None => Ok(None),
    }
}

fn parse_xml<'a>(
    action: Action,
    body: &'a [u8],
    sc: &mut Scratch<'a>,
) -> Result<FetchedCredentials<'a>, Error> {
    let root = xml::parse(body)?;
    if root.local_name() == "ErrorResponse" {
        return Err(Error::StsErrorResponse);
    }
    if root.local_name() != action.response() {
        return Err(Error::UnexpectedResponseShape);
    }
    let result = root
        .child(action.result())?
        .ok_or(Error::UnexpectedResponseShape)?;
    let creds = result
        .child("Credentials")?
        .ok_or(Error::MissingResponseField)?;
    let user = result.child("AssumedRoleUser")?;
    let expiration = match xml_text(&creds, "Expiration", sc)? {
        Some(t) => Some(parse_iso8601(t)?),
        None => None,
    };
    let (arn, role_id) = match user {
        Some(u) => (xml_text(&u, "Arn", sc)?, xml_text(&u, "AssumedRoleId", sc)?),
        None => (None, None),
    };
    finish(
        Fields {
            id: xml_text(&creds, "AccessKeyId", sc)?,
            secret: xml_text(&creds, "SecretAccessKey", sc)?,
            token: xml_text(&creds, "SessionToken", sc)?,
            expiration,
            arn,
            role_id,
        },
        action,
    )
}

fn json_text<'a>(
    obj: &json::Value<'a>,
    key: &str,
    sc: &mut Scratch<'a>,
) -> Result<Option<&'a str>, Error> {
    match obj.get(key)? {
        None => Ok(None),
        Some(v) if v.kind() == json::Kind::Null => Ok(None),
        Some(v) => Ok(Some(v.as_str(sc)?).filter(|s| !s.is_empty())),
    }
}

fn json_obj<'a>(obj: &json::Value<'a>, key: &str) -> Result<Option<json::Value<'a>>, Error> {
    match obj.get(key)? {
        Some(v) if v.kind() == json::Kind::Object => Ok(Some(v)),
        Some(v) if v.kind() == json::Kind::Null => Ok(None),
        Some(_) => Err(Error::WrongResponseFieldType),
        None => Ok(None),
    }
}

fn json_error_obj<'a>(doc: &json::Value<'a>) -> Result<Option<json::Value<'a>>, Error> {
    if let Some(e) = json_obj(doc, "Error")? {
        return Ok(Some(e));
    }
    match json_obj(doc, "ErrorResponse")? {
        Some(er) => Ok(Some(json_obj(&er, "Error")?.unwrap_or(er))),
        None => Ok(None),
    }
}

fn parse_json<'a>(
    action: Action,
    body: &'a [u8],
    sc: &mut Scratch<'a>,
) -> Result<FetchedCredentials<'a>, Error> {
    let doc = json::parse(body)?;
    if json_error_obj(&doc)?.is_some() {
        return Err(Error::StsErrorResponse);
    }
    let resp = json_obj(&doc, action.response())?.ok_or(Error::UnexpectedResponseShape)?;
    let result = json_obj(&resp, action.result())?.ok_or(Error::UnexpectedResponseShape)?;
    let creds = json_obj(&result, "Credentials")?.ok_or(Error::MissingResponseField)?;
    let expiration = match creds.get("Expiration")? {
        None => None,
        Some(v) => Some(match v.kind() {
            json::Kind::Number => UnixTime(v.as_epoch_seconds()?),
            json::Kind::String => parse_iso8601(v.as_str(sc)?)?,
            _ => return Err(Error::WrongResponseFieldType),
        }),
    };
    let (arn, role_id) = match json_obj(&result, "AssumedRoleUser")? {
        Some(u) => (
            json_text(&u, "Arn", sc)?,
            json_text(&u, "AssumedRoleId", sc)?,
        ),
        None => (None, None),
    };
    finish(
        Fields {
            id: json_text(&creds, "AccessKeyId", sc)?,
            secret: json_text(&creds, "SecretAccessKey", sc)?,
            token: json_text(&creds, "SessionToken", sc)?,
            expiration,
            arn,
            role_id,
        },
        action,
    )
}

/// Reads an STS error document, XML (`<ErrorResponse><Error><Type/><Code/><Message/></Error>`, also
/// `<ErrorResponse><Errors><Error>` and `<Response><Errors><Error>`) or JSON (`{"Error":{…}}` or
/// `{"ErrorResponse":{"Error":{…}}}`). A body that is not an error document is
/// [`Error::UnexpectedResponseShape`]; one without `Code` is [`Error::MissingResponseField`].
pub fn parse_error<'a>(body: &'a [u8], scratch: &'a mut [u8]) -> Result<StsError<'a>, Error> {
    let mut sc = Scratch::new(scratch);
    if is_json(body) {
        let doc = json::parse(body)?;
        let e = json_error_obj(&doc)?.ok_or(Error::UnexpectedResponseShape)?;
        return Ok(StsError {
            kind: json_text(&e, "Type", &mut sc)?,
            code: json_text(&e, "Code", &mut sc)?.ok_or(Error::MissingResponseField)?,
            message: json_text(&e, "Message", &mut sc)?.unwrap_or(""),
        });
    }
    let root = xml::parse(body)?;
    if !matches!(root.local_name(), "ErrorResponse" | "Response") {
        return Err(Error::UnexpectedResponseShape);
    }
    let e = match root.child("Error")? {
        Some(e) => e,
        None => root
            .child("Errors")?
            .ok_or(Error::UnexpectedResponseShape)?
            .children()
            .find(|c| c.as_ref().map_or(true, |c| c.local_name() == "Error"))
            .ok_or(Error::UnexpectedResponseShape)??,
    };
    Ok(StsError {
        kind: xml_text(&e, "Type", &mut sc)?,
        code: xml_text(&e, "Code", &mut sc)?.ok_or(Error::MissingResponseField)?,
        message: xml_text(&e, "Message", &mut sc)?.unwrap_or(""),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AssumeRole response, verbatim shape of the STS API reference example.
    const ASSUME_ROLE_XML: &[u8] = br#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
  <SourceIdentity>Alice</SourceIdentity>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/demo/TestAR</Arn>
      <AssumedRoleId>ARO123EXAMPLE123:TestAR</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <SessionToken>
       AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==
      </SessionToken>
      <Expiration>2019-11-09T13:34:41Z</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>"#;

    /// AssumeRoleWithWebIdentity JSON as STS returns it with `Accept: application/json`
    /// (PROTOCOL.md A7: nested under Response/Result, Expiration in epoch seconds as a float).
    const WEB_IDENTITY_JSON: &[u8] = br#"{"AssumeRoleWithWebIdentityResponse":{"AssumeRoleWithWebIdentityResult":{"AssumedRoleUser":{"Arn":"arn:aws:sts::123456789012:assumed-role/FederatedWebIdentityRole/app1","AssumedRoleId":"AROACLKWSDQRAOEXAMPLE:app1"},"Audience":"client.5498841531868486423.1548@apps.example.com","Credentials":{"AccessKeyId":"ASIAIOSFODNN7EXAMPLE","Expiration":1.675800267E9,"SecretAccessKey":"wJalrXUtnFEMI\/K7MDENG\/bPxRfiCYzEXAMPLEKEY","SessionToken":"AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE"},"PackedPolicySize":null,"Provider":"www.amazon.com","SourceIdentity":null,"SubjectFromWebIdentityToken":"amzn1.account.AF6RHO7KZU5XRVQJGXK6HEXAMPLE"},"ResponseMetadata":{"RequestId":"ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE"}}}"#;

    #[test]
    fn assume_role_xml() {
        let mut s = [0u8; 2048];
        let c = parse_credentials(Action::AssumeRole, ASSUME_ROLE_XML, &mut s).unwrap();
        assert_eq!(c.source, Source::AssumeRole);
        assert_eq!(c.credentials.access_key_id(), "ASIAIOSFODNN7EXAMPLE");
        assert_eq!(
            c.credentials.secret_access_key(),
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
        );
        assert!(c
            .credentials
            .session_token()
            .unwrap()
            .starts_with("AQoDYXdzEPT//////////wEXAMPLE"));
        assert!(c.credentials.session_token().unwrap().ends_with("BA=="));
        // 2019-11-09T13:34:41Z = 1573306481 (GNU date -u -d ... +%s).
        assert_eq!(c.expiration, Some(UnixTime(1_573_306_481)));
        assert_eq!(
            c.arn,
            Some("arn:aws:sts::123456789012:assumed-role/demo/TestAR")
        );
        assert_eq!(c.assumed_role_id, Some("ARO123EXAMPLE123:TestAR"));
        // The wrong action is a shape error, not a silent success.
        assert_eq!(
            parse_credentials(Action::AssumeRoleWithSaml, ASSUME_ROLE_XML, &mut s).map(|_| ()),
            Err(Error::UnexpectedResponseShape)
        );
    }

    #[test]
    fn web_identity_json() {
        let mut s = [0u8; 2048];
        let c = parse_credentials(Action::AssumeRoleWithWebIdentity, WEB_IDENTITY_JSON, &mut s)
            .unwrap();
        assert_eq!(c.source, Source::WebIdentity);
        assert_eq!(
            c.credentials.secret_access_key(),
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
        );
        assert_eq!(c.expiration, Some(UnixTime(1_675_800_267)));
        assert_eq!(
            c.arn,
            Some("arn:aws:sts::123456789012:assumed-role/FederatedWebIdentityRole/app1")
        );
    }

    #[test]
    fn truncated_bodies_are_typed_errors() {
        let mut s = [0u8; 2048];
        for body in [ASSUME_ROLE_XML, WEB_IDENTITY_JSON] {
            let action = if body == ASSUME_ROLE_XML {
                Action::AssumeRole
            } else {
                Action::AssumeRoleWithWebIdentity
            };
            for n in 0..body.len() {
                let e = parse_credentials(action, &body[..n], &mut s).unwrap_err();
                assert!(
                    matches!(e, Error::XmlMalformed | Error::JsonMalformed),
                    "at {n}: {e:?}"
                );
            }
        }
    }

    #[test]
    fn errors_xml_and_json() {
        let mut s = [0u8; 512];
        // STS API reference error shape.
        let xml = br#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>AccessDenied</Code>
    <Message>User: arn:aws:iam::123456789012:user/x is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/r &amp; more</Message>
  </Error>
  <RequestId>4a3b1e1c-0000-0000-0000-000000000000</RequestId>
</ErrorResponse>"#;
        assert_eq!(
            parse_credentials(Action::AssumeRole, xml, &mut s).map(|_| ()),
            Err(Error::StsErrorResponse)
        );
        let e = parse_error(xml, &mut s).unwrap();
        assert_eq!(e.kind, Some("Sender"));
        assert_eq!(e.code, "AccessDenied");
        assert!(e.message.ends_with("role/r & more"));
        let json = br#"{"Error":{"Code":"InvalidIdentityToken","Message":"Incorrect token audience","Type":"Sender"},"RequestId":"x"}"#;
        assert_eq!(
            parse_credentials(Action::AssumeRoleWithWebIdentity, json, &mut s).map(|_| ()),
            Err(Error::StsErrorResponse)
        );
        let e = parse_error(json, &mut s).unwrap();
        assert_eq!(
            (e.code, e.message),
            ("InvalidIdentityToken", "Incorrect token audience")
        );
        let wrapped = br#"{"ErrorResponse":{"Error":{"Code":"ExpiredTokenException","Message":"Token expired"}}}"#;
        assert_eq!(
            parse_error(wrapped, &mut s).unwrap().code,
            "ExpiredTokenException"
        );
        let errors = b"<Response><Errors><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></Errors></Response>";
        assert_eq!(parse_error(errors, &mut s).unwrap().code, "Throttling");
        assert_eq!(
            parse_error(ASSUME_ROLE_XML, &mut s),
            Err(Error::UnexpectedResponseShape)
        );
        assert_eq!(
            parse_error(b"<html/>", &mut s),
            Err(Error::UnexpectedResponseShape)
        );
        assert_eq!(
            parse_error(b"Bad Gateway", &mut s),
            Err(Error::XmlMalformed)
        );
    }

    #[test]
    fn missing_fields() {
        let mut s = [0u8; 512];
        let no_secret = b"<AssumeRoleWithSAMLResponse><AssumeRoleWithSAMLResult><Credentials><AccessKeyId>ASIA</AccessKeyId><Expiration>2019-11-09T13:34:41Z</Expiration></Credentials></AssumeRoleWithSAMLResult></AssumeRoleWithSAMLResponse>";
        assert_eq!(
            parse_credentials(Action::AssumeRoleWithSaml, no_secret, &mut s).map(|_| ()),
            Err(Error::MissingResponseField)
        );
        let no_creds =
            b"<AssumeRoleWithSAMLResponse><AssumeRoleWithSAMLResult/></AssumeRoleWithSAMLResponse>";
        assert_eq!(
            parse_credentials(Action::AssumeRoleWithSaml, no_creds, &mut s).map(|_| ()),
            Err(Error::MissingResponseField)
        );
        let bad_time = br#"{"AssumeRoleResponse":{"AssumeRoleResult":{"Credentials":{"AccessKeyId":"A","SecretAccessKey":"s","SessionToken":"t","Expiration":-5}}}}"#;
        assert_eq!(
            parse_credentials(Action::AssumeRole, bad_time, &mut s).map(|_| ()),
            Err(Error::InvalidTimestamp)
        );
    }
}
