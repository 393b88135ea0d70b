//! The server's last step: read STS's answer to the forwarded `GetCallerIdentity` request and turn
//! the caller's ARN into the MongoDB user name (PROTOCOL.md A5).
//!
//! * [`parse_reply`] reads the reply, XML (STS's default) or JSON (`Accept: application/json`):
//!   `GetCallerIdentityResponse.GetCallerIdentityResult.{Arn, UserId, Account}`, or an STS error
//!   document `ErrorResponse.Error.{Type, Code, Message}` (returned as [`StsReply::Rejected`] so the
//!   host can log STS's code and message).
//! * [`user_name`] maps the ARN as the MongoDB server does: `arn:aws:iam::ACCT:user/NAME` stays as
//!   is; `arn:aws:sts::ACCT:assumed-role/ROLE/SESSION` becomes `arn:aws:sts::ACCT:assumed-role/ROLE/*`
//!   (so one `$external` user covers every session of a role).
//!
//! ```
//! use mongodb_aws_core::caller_identity::{parse_reply, user_name, StsReply};
//! let body = br#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
//!   <GetCallerIdentityResult>
//!     <Arn>arn:aws:sts::123456789012:assumed-role/my-role/session-1</Arn>
//!     <UserId>AROAEXAMPLE:session-1</UserId>
//!     <Account>123456789012</Account>
//!   </GetCallerIdentityResult>
//! </GetCallerIdentityResponse>"#;
//! let mut scratch = [0u8; 512];
//! let StsReply::Identity(id) = parse_reply(200, body, &mut scratch)? else { panic!() };
//! assert_eq!(id.account, Some("123456789012"));
//! let user = user_name(id.arn)?;
//! assert_eq!(user.to_string(), "arn:aws:sts::123456789012:assumed-role/my-role/*");
//! # Ok::<(), mongodb_aws_core::Error>(())
//! ```

use crate::json::{self, Scratch};
use crate::providers::sts_response::{parse_error, StsError};
use crate::xml;
use crate::Error;
use core::fmt;

/// What STS said about the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallerIdentity<'a> {
    /// The caller's ARN (`arn:aws:iam::ACCT:user/NAME`, `arn:aws:sts::ACCT:assumed-role/ROLE/SESSION`).
    pub arn: &'a str,
    /// `UserId` (`AIDA…` for a user, `AROA…:SESSION` for a role session), if present.
    pub user_id: Option<&'a str>,
    /// `Account` (12 digits), if present.
    pub account: Option<&'a str>,
}

/// STS's answer: the identity, or an error document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StsReply<'a> {
    /// A `GetCallerIdentityResult`: authentication succeeded.
    Identity(CallerIdentity<'a>),
    /// An STS error (`SignatureDoesNotMatch`, `InvalidClientTokenId`, `ExpiredToken`, …):
    /// authentication failed.
    Rejected(StsError<'a>),
}

impl<'a> StsReply<'a> {
    /// The identity, or [`Error::StsRejected`].
    pub fn identity(self) -> Result<CallerIdentity<'a>, Error> {
        match self {
            StsReply::Identity(i) => Ok(i),
            StsReply::Rejected(_) => Err(Error::StsRejected),
        }
    }
}

fn first_byte(body: &[u8]) -> Option<u8> {
    body.iter().copied().find(|b| !b.is_ascii_whitespace())
}

/// Parses STS's reply to GetCallerIdentity. `status` is the HTTP status; `scratch` receives decoded
/// text when the body has escapes or entities (a scratch as long as `body` always suffices).
///
/// A 2xx reply must hold a `GetCallerIdentityResult` with a non-empty `Arn`
/// ([`Error::StsReplyMissingArn`] otherwise); an error document is [`StsReply::Rejected`] whatever the
/// status. A non-2xx reply that is not an STS error document is [`Error::StsRejected`]; a 2xx reply
/// of another shape is [`Error::StsReplyMalformed`]. Syntax errors are the JSON/XML readers' errors.
pub fn parse_reply<'a>(
    status: u16,
    body: &'a [u8],
    scratch: &'a mut [u8],
) -> Result<StsReply<'a>, Error> {
    let success = (200..300).contains(&status);
    let json = match first_byte(body) {
        Some(b'{') => true,
        Some(b'<') => false,
        _ if success => return Err(Error::StsReplyMalformed),
        _ => return Err(Error::StsRejected),
    };
    let is_error = if json {
        let doc = json::parse(body);
        match doc {
            Ok(d) => d.get("Error")?.is_some() || d.get("ErrorResponse")?.is_some(),
            Err(e) if success => return Err(e),
            Err(_) => return Err(Error::StsRejected),
        }
    } else {
        match xml::parse(body) {
            Ok(root) => matches!(root.local_name(), "ErrorResponse" | "Response"),
            Err(e) if success => return Err(e),
            Err(_) => return Err(Error::StsRejected),
        }
    };
    if is_error {
        return match parse_error(body, scratch) {
            Ok(e) => Ok(StsReply::Rejected(e)),
            Err(e) if success => Err(e),
            Err(_) => Err(Error::StsRejected),
        };
    }
    if !success {
        return Err(Error::StsRejected);
    }
    let mut sc = Scratch::new(scratch);
    let id = if json {
        parse_json(body, &mut sc)?
    } else {
        parse_xml(body, &mut sc)?
    };
    Ok(StsReply::Identity(id))
}

const RESPONSE: &str = "GetCallerIdentityResponse";
const RESULT: &str = "GetCallerIdentityResult";

fn finish<'a>(
    arn: Option<&'a str>,
    user_id: Option<&'a str>,
    account: Option<&'a str>,
) -> Result<CallerIdentity<'a>, Error> {
    let nonempty = |s: Option<&'a str>| s.map(str::trim).filter(|s| !s.is_empty());
    Ok(CallerIdentity {
        arn: nonempty(arn).ok_or(Error::StsReplyMissingArn)?,
        user_id: nonempty(user_id),
        account: nonempty(account),
    })
}

fn parse_xml<'a>(body: &'a [u8], sc: &mut Scratch<'a>) -> Result<CallerIdentity<'a>, Error> {
    let root = xml::parse(body)?;
    if root.local_name() != RESPONSE {
        return Err(Error::StsReplyMalformed);
    }
    let result = root.child(RESULT)?.ok_or(Error::StsReplyMalformed)?;
    let mut text = |name: &str| -> Result<Option<&'a str>, Error> {
        match result.child(name)? {
            Some(e) => Ok(Some(e.text(sc)?)),
            None => Ok(None),
        }
    };
    let arn = text("Arn")?;
    let user_id = text("UserId")?;
    let account = text("Account")?;
    finish(arn, user_id, account)
}

fn parse_json<'a>(body: &'a [u8], sc: &mut Scratch<'a>) -> Result<CallerIdentity<'a>, Error> {
    let doc = json::parse(body)?;
    let object = |v: Option<json::Value<'a>>| match v {
        Some(v) if v.kind() == json::Kind::Object => Ok(v),
        _ => Err(Error::StsReplyMalformed),
    };
    let resp = object(doc.get(RESPONSE)?)?;
    let result = object(resp.get(RESULT)?)?;
    let mut text = |name: &str| -> Result<Option<&'a str>, Error> {
        match result.get(name)? {
            Some(v) if v.kind() == json::Kind::Null => Ok(None),
            Some(v) => Ok(Some(v.as_str(sc)?)),
            None => Ok(None),
        }
    };
    let arn = text("Arn")?;
    let user_id = text("UserId")?;
    let account = text("Account")?;
    finish(arn, user_id, account)
}

/// The parts of an ARN: `arn:<partition>:<service>:<region>:<account>:<resource>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arn<'a> {
    /// `aws`, `aws-cn`, `aws-us-gov`, …
    pub partition: &'a str,
    /// `iam`, `sts`, …
    pub service: &'a str,
    /// Empty for IAM and STS.
    pub region: &'a str,
    /// The account id.
    pub account: &'a str,
    /// `user/NAME`, `assumed-role/ROLE/SESSION`, `role/NAME`, …
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Splits an ARN. [`Error::InvalidArn`] unless it starts with `arn:`, has six `:`-separated parts
    /// (the resource may contain more `:`), non-empty partition, service and resource, and only
    /// printable ASCII without spaces.
    pub fn parse(arn: &'a str) -> Result<Self, Error> {
        if arn.is_empty() || arn.len() > 2048 || !arn.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::InvalidArn);
        }
        let mut it = arn.splitn(6, ':');
        let parts = (
            it.next(),
            it.next(),
            it.next(),
            it.next(),
            it.next(),
            it.next(),
        );
        match parts {
            (
                Some("arn"),
                Some(partition),
                Some(service),
                Some(region),
                Some(account),
                Some(resource),
            ) if !partition.is_empty() && !service.is_empty() && !resource.is_empty() => Ok(Arn {
                partition,
                service,
                region,
                account,
                resource,
            }),
            _ => Err(Error::InvalidArn),
        }
    }
}

/// The MongoDB `$external` user name for an ARN: the ARN itself, or its assumed-role prefix
/// followed by `*`. Borrows the ARN; write it with `Display`, [`UserName::write`] or
/// [`UserName::parts`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserName<'a> {
    prefix: &'a str,
    wildcard: bool,
}

impl<'a> UserName<'a> {
    /// The borrowed prefix and whether `*` follows it.
    pub fn parts(&self) -> (&'a str, bool) {
        (self.prefix, self.wildcard)
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.prefix.len().saturating_add(usize::from(self.wildcard))
    }

    /// Never empty (an ARN has at least `arn:` in it); present for API completeness.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the ARN was an assumed-role session, mapped to `…/ROLE/*`.
    pub fn is_role_wildcard(&self) -> bool {
        self.wildcard
    }

    /// Writes the name into `out`; returns its length ([`Error::BufferTooSmall`] with the exact size).
    pub fn write(&self, out: &mut [u8]) -> Result<usize, Error> {
        let needed = self.len();
        let dst = out
            .get_mut(..needed)
            .ok_or(Error::BufferTooSmall { needed })?;
        let (head, tail) = dst.split_at_mut(self.prefix.len());
        head.copy_from_slice(self.prefix.as_bytes());
        if let Some(star) = tail.first_mut() {
            *star = b'*';
        }
        Ok(needed)
    }
}

impl fmt::Display for UserName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.prefix)?;
        if self.wildcard {
            f.write_str("*")?;
        }
        Ok(())
    }
}

/// Maps a caller ARN to the MongoDB user name (see the [module docs](self)). An `sts` ARN with an
/// `assumed-role/ROLE/SESSION` resource (non-empty ROLE and SESSION) becomes
/// `…:assumed-role/ROLE/*`; every other valid ARN is returned as is. [`Error::InvalidArn`] for
/// something that is not an ARN or an assumed-role ARN without role or session.
pub fn user_name(arn: &str) -> Result<UserName<'_>, Error> {
    let parsed = Arn::parse(arn)?;
    if parsed.service == "sts" {
        if let Some(rest) = parsed.resource.strip_prefix("assumed-role/") {
            let (role, session) = rest.split_once('/').ok_or(Error::InvalidArn)?;
            if role.is_empty() || session.is_empty() {
                return Err(Error::InvalidArn);
            }
            // prefix = everything up to and including "ROLE/".
            let keep = arn
                .len()
                .checked_sub(session.len())
                .ok_or(Error::InvalidArn)?;
            let prefix = arn.get(..keep).ok_or(Error::InvalidArn)?;
            return Ok(UserName {
                prefix,
                wildcard: true,
            });
        }
    }
    Ok(UserName {
        prefix: arn,
        wildcard: false,
    })
}

/// The `$external` user that every session of a role maps to, from the role's ARN:
/// `arn:P:iam::ACCT:role/[PATH/]NAME` gives `arn:P:sts::ACCT:assumed-role/NAME/*` (STS drops the
/// path in session ARNs). What credentials from a role (ECS `RoleArn`, an IRSA `AWS_ROLE_ARN`)
/// authenticate as, known before any STS call. Write it with `Display`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoleUserName<'a> {
    partition: &'a str,
    account: &'a str,
    role: &'a str,
}

impl fmt::Display for RoleUserName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:sts::{}:assumed-role/{}/*",
            self.partition, self.account, self.role
        )
    }
}

/// [`RoleUserName`] for an IAM role ARN; [`Error::InvalidArn`] for anything else (an assumed-role
/// session ARN goes through [`user_name`]).
pub fn role_user_name(role_arn: &str) -> Result<RoleUserName<'_>, Error> {
    let a = Arn::parse(role_arn)?;
    let path = a.resource.strip_prefix("role/").ok_or(Error::InvalidArn)?;
    let role = path.rsplit('/').next().unwrap_or("");
    if a.service != "iam" || a.account.is_empty() || role.is_empty() {
        return Err(Error::InvalidArn);
    }
    Ok(RoleUserName {
        partition: a.partition,
        account: a.account,
        role,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    fn parse(status: u16, body: &str) -> Result<StsReply<'static>, Error> {
        let body: &'static [u8] =
            std::boxed::Box::leak(body.as_bytes().to_vec().into_boxed_slice());
        let scratch: &'static mut [u8] =
            std::boxed::Box::leak(std::vec![0u8; body.len()].into_boxed_slice());
        parse_reply(status, body, scratch)
    }

    // Shapes as documented by AWS for GetCallerIdentity (API reference example) and as moto returns.
    const XML_USER: &str = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
  <Arn>arn:aws:iam::123456789012:user/Alice</Arn>
    <UserId>AKIAI44QH8DHBEXAMPLE</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>"#;

    const JSON_ROLE: &str = r#"{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":"123456789012","Arn":"arn:aws:sts::123456789012:assumed-role\/my-role\/my-session","UserId":"AROA123EXAMPLE123:my-session"},"ResponseMetadata":{"RequestId":"x"}}}"#;

    const XML_ERROR: &str = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>SignatureDoesNotMatch</Code>
    <Message>The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key &amp; signing method.</Message>
  </Error>
  <RequestId>x</RequestId>
</ErrorResponse>"#;

    #[test]
    fn xml_identity() {
        let StsReply::Identity(id) = parse(200, XML_USER).unwrap() else {
            panic!()
        };
        assert_eq!(id.arn, "arn:aws:iam::123456789012:user/Alice");
        assert_eq!(id.user_id, Some("AKIAI44QH8DHBEXAMPLE"));
        assert_eq!(id.account, Some("123456789012"));
    }

    #[test]
    fn json_identity_with_escapes() {
        let id = parse(200, JSON_ROLE).unwrap().identity().unwrap();
        assert_eq!(
            id.arn,
            "arn:aws:sts::123456789012:assumed-role/my-role/my-session"
        );
        assert_eq!(
            user_name(id.arn).unwrap().to_string(),
            "arn:aws:sts::123456789012:assumed-role/my-role/*"
        );
    }

    #[test]
    fn errors() {
        let StsReply::Rejected(e) = parse(403, XML_ERROR).unwrap() else {
            panic!()
        };
        assert_eq!(e.code, "SignatureDoesNotMatch");
        assert!(e.message.ends_with("Secret Access Key & signing method."));
        let j = r#"{"Error":{"Code":"InvalidClientTokenId","Message":"The security token included in the request is invalid.","Type":"Sender"},"RequestId":"x"}"#;
        let StsReply::Rejected(e) = parse(403, j).unwrap() else {
            panic!()
        };
        assert_eq!(e.code, "InvalidClientTokenId");
        assert_eq!(parse(403, j).unwrap().identity(), Err(Error::StsRejected));
        // Non-2xx without an error document.
        assert_eq!(parse(500, "Internal Server Error"), Err(Error::StsRejected));
        assert_eq!(parse(403, "<html></html>"), Err(Error::StsRejected));
        assert_eq!(parse(403, XML_USER), Err(Error::StsRejected));
        // 2xx of the wrong shape or without Arn.
        assert_eq!(parse(200, ""), Err(Error::StsReplyMalformed));
        assert_eq!(parse(200, "<Other/>"), Err(Error::StsReplyMalformed));
        assert_eq!(
            parse(200, r#"{"GetCallerIdentityResponse":{}}"#),
            Err(Error::StsReplyMalformed)
        );
        assert_eq!(
            parse(
                200,
                &XML_USER.replace("<Arn>arn:aws:iam::123456789012:user/Alice</Arn>", "")
            ),
            Err(Error::StsReplyMissingArn)
        );
        assert_eq!(
            parse(200, &XML_USER.replace("user/Alice", "")).map(|r| r.identity().unwrap().arn),
            Ok("arn:aws:iam::123456789012:")
        );
        assert!(parse(200, "<GetCallerIdentityResponse>").is_err());
    }

    #[test]
    fn arn_mapping() {
        for (arn, want) in [
            (
                "arn:aws:iam::123456789012:user/Alice",
                "arn:aws:iam::123456789012:user/Alice",
            ),
            (
                "arn:aws:iam::123456789012:user/division/Alice",
                "arn:aws:iam::123456789012:user/division/Alice",
            ),
            (
                "arn:aws:sts::123456789012:assumed-role/my-role/session",
                "arn:aws:sts::123456789012:assumed-role/my-role/*",
            ),
            (
                "arn:aws-cn:sts::123456789012:assumed-role/r/i-0abc",
                "arn:aws-cn:sts::123456789012:assumed-role/r/*",
            ),
            (
                // The session part may itself contain '/' (keep only ROLE).
                "arn:aws:sts::123456789012:assumed-role/r/a/b",
                "arn:aws:sts::123456789012:assumed-role/r/*",
            ),
            (
                "arn:aws:sts::123456789012:federated-user/bob",
                "arn:aws:sts::123456789012:federated-user/bob",
            ),
            (
                "arn:aws:iam::123456789012:root",
                "arn:aws:iam::123456789012:root",
            ),
        ] {
            let u = user_name(arn).unwrap();
            assert_eq!(u.to_string(), want);
            let mut out = [0u8; 128];
            let n = u.write(&mut out).unwrap();
            assert_eq!(&out[..n], want.as_bytes());
            assert_eq!(u.len(), want.len());
            assert_eq!(
                u.write(&mut out[..n - 1]),
                Err(Error::BufferTooSmall { needed: n })
            );
        }
        for bad in [
            "",
            "arn:aws:iam",
            "urn:aws:iam::1:user/a",
            "arn::iam::1:user/a",
            "arn:aws:iam::1:",
            "arn:aws:iam::1:user/a b",
            "arn:aws:sts::1:assumed-role/role",
            "arn:aws:sts::1:assumed-role//s",
            "arn:aws:sts::1:assumed-role/r/",
        ] {
            assert_eq!(user_name(bad), Err(Error::InvalidArn), "{bad}");
        }
    }

    #[test]
    fn role_arn_to_the_user_of_its_sessions() {
        let u = |a: &str| role_user_name(a).map(|n| n.to_string());
        assert_eq!(
            u("arn:aws:iam::123456789012:role/app").as_deref(),
            Ok("arn:aws:sts::123456789012:assumed-role/app/*")
        );
        assert_eq!(
            u("arn:aws-us-gov:iam::123456789012:role/team/a/app").as_deref(),
            Ok("arn:aws-us-gov:sts::123456789012:assumed-role/app/*")
        );
        // The same user name as a session of that role maps to.
        assert_eq!(
            u("arn:aws:iam::1:role/r").unwrap(),
            user_name("arn:aws:sts::1:assumed-role/r/session")
                .unwrap()
                .to_string()
        );
        for bad in [
            "arn:aws:iam::1:user/u",
            "arn:aws:sts::1:assumed-role/r/s",
            "arn:aws:iam::1:role/",
            "arn:aws:iam:::role/r",
            "role/r",
        ] {
            assert_eq!(u(bad), Err(Error::InvalidArn), "{bad}");
        }
    }
}
