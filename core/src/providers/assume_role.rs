//! AssumeRole: a SigV4-signed (service `sts`) `POST /` to STS with the caller's base credentials and
//! the form body `Action=AssumeRole&Version=2011-06-15&RoleArn=…&RoleSessionName=…[&DurationSeconds=…]
//! [&ExternalId=…][&SerialNumber=…&TokenCode=…]` (PROTOCOL.md, "Other STS calls"). MFA needs both
//! `SerialNumber` (the device ARN or serial) and the current 6-digit `TokenCode`.
//!
//! Signed headers: `content-type`, `host`, `x-amz-date` and, when the base credentials have a session
//! token, `x-amz-security-token`; the payload hash is the SHA-256 of the body. The signing region is
//! the STS endpoint's (`us-east-1` for the global endpoint).

use super::request::{Form, FormValue, HeaderValue, Target, MAX_PARAMS};
use super::sts_response::{self, Action};
use super::{
    validate_arn, validate_duration, validate_session_name, FetchedCredentials, RequestPlan,
    StsEndpoint, FORM_CONTENT_TYPE,
};
use crate::sigv4::sink::put_hex;
use crate::sigv4::{self, Payload, Scope, Settings};
use crate::{AmzDate, Credentials, Error, UnixTime};
use sha2::{Digest, Sha256};

/// The MFA device and its current code.
#[derive(Clone, Copy, Debug)]
pub struct Mfa<'a> {
    /// `SerialNumber`: the MFA device ARN (`arn:aws:iam::123456789012:mfa/user`) or hardware serial.
    pub serial_number: &'a str,
    /// `TokenCode`: the 6 digits the device shows now.
    pub token_code: &'a str,
}

/// Parameters of one AssumeRole call.
#[derive(Clone, Copy, Debug)]
pub struct AssumeRoleParams<'a> {
    /// The role to assume.
    pub role_arn: &'a str,
    /// `RoleSessionName` (2 to 64 of `[\w+=,.@-]`); see
    /// [`RandomSessionName`](super::RandomSessionName) to generate one.
    pub role_session_name: &'a str,
    /// Optional `ExternalId` (2 to 1224 of `[\w+=,.@:/-]`).
    pub external_id: Option<&'a str>,
    /// Optional `DurationSeconds` (900..=43200).
    pub duration_seconds: Option<u32>,
    /// Optional MFA pair.
    pub mfa: Option<Mfa<'a>>,
    /// Which STS endpoint to call.
    pub sts: StsEndpoint<'a>,
}

fn chars(s: &str, extra: &[u8]) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || extra.contains(&b))
}

fn validate(params: &AssumeRoleParams<'_>) -> Result<(), Error> {
    validate_arn(params.role_arn, Error::InvalidRoleArn)?;
    validate_session_name(params.role_session_name)?;
    validate_duration(params.duration_seconds)?;
    if let Some(x) = params.external_id {
        if !(2..=1224).contains(&x.len()) || !chars(x, b"+=,.@:/-") {
            return Err(Error::InvalidExternalId);
        }
    }
    if let Some(m) = params.mfa {
        if !(9..=256).contains(&m.serial_number.len()) || !chars(m.serial_number, b"+=/:,.@-") {
            return Err(Error::InvalidMfaSerialNumber);
        }
        if m.token_code.len() != 6 || !m.token_code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::InvalidMfaTokenCode);
        }
    }
    Ok(())
}

/// Builds and signs the request with `base` credentials at `now`.
pub fn request<'a>(
    params: &AssumeRoleParams<'a>,
    base: &Credentials<'a>,
    now: UnixTime,
) -> Result<RequestPlan<'a>, Error> {
    validate(params)?;
    let p: [Option<(&'static str, FormValue<'a>)>; MAX_PARAMS] = [
        Some(("RoleArn", FormValue::Str(params.role_arn))),
        Some(("RoleSessionName", FormValue::Str(params.role_session_name))),
        params
            .duration_seconds
            .map(|d| ("DurationSeconds", FormValue::Decimal(d))),
        params
            .external_id
            .map(|x| ("ExternalId", FormValue::Str(x))),
        params
            .mfa
            .map(|m| ("SerialNumber", FormValue::Str(m.serial_number))),
        params
            .mfa
            .map(|m| ("TokenCode", FormValue::Str(m.token_code))),
        None,
        None,
    ];
    let form = Form {
        action: "AssumeRole",
        params: p,
    };
    signed_post(form, base, &params.sts, now)
}

/// Signs an STS query call (`POST /`, form body) with `base` at `now` for the endpoint `sts`
/// resolves to (signing region: that endpoint's).
pub(crate) fn signed_post<'a>(
    form: Form<'a>,
    base: &Credentials<'a>,
    sts: &StsEndpoint<'_>,
    now: UnixTime,
) -> Result<RequestPlan<'a>, Error> {
    let (ep, region) = sts.resolve()?;
    let date = AmzDate::from_unix(now)?;
    // Payload hash: SHA-256 of the body, streamed.
    let mut h = Sha256::new();
    form.put(&mut h);
    let digest = h.finalize();
    let mut hex_buf = heapless::Vec::<u8, 64>::new();
    put_hex(&mut HexSink(&mut hex_buf), &digest);
    let payload_hash = core::str::from_utf8(&hex_buf).map_err(|_| Error::LengthOverflow)?;

    let headers = [
        ("content-type", FORM_CONTENT_TYPE),
        ("host", ep.authority()),
        ("x-amz-date", date.as_str()),
    ];
    let req = sigv4::Request {
        method: "POST",
        path: "/",
        query: "",
        headers: &headers,
        payload: Payload::Hash(payload_hash),
    };
    let scope = Scope::new(date, region, "sts")?;
    let settings = Settings::default();
    let sig = sigv4::sign(&req, base, &scope, &settings, None)?;
    let mut auth = [0u8; super::request::MAX_AUTHORIZATION_LEN];
    let n = sigv4::authorization(&req, base, &scope, &settings, &sig, &mut auth)?;
    let auth = auth.get(..n).ok_or(Error::LengthOverflow)?;
    let auth = core::str::from_utf8(auth).map_err(|_| Error::LengthOverflow)?;

    let mut plan = RequestPlan::new("POST", ep, Target::Str("/"))
        .header("Content-Type", HeaderValue::Str(FORM_CONTENT_TYPE))
        .header("X-Amz-Date", HeaderValue::Date(date));
    if let Some(t) = base.session_token() {
        plan = plan.header("X-Amz-Security-Token", HeaderValue::Str(t));
    }
    plan = plan.header("Authorization", HeaderValue::Authorization);
    plan.authorization
        .push_str(auth)
        .map_err(|_| Error::LengthOverflow)?;
    plan.form = Some(form);
    Ok(plan)
}

struct HexSink<'v>(&'v mut heapless::Vec<u8, 64>);

impl crate::sigv4::sink::Sink for HexSink<'_> {
    fn put(&mut self, bytes: &[u8]) {
        let _ = self.0.extend_from_slice(bytes);
    }
}

/// Parses the STS answer (XML or JSON).
pub fn parse<'a>(body: &'a [u8], scratch: &'a mut [u8]) -> Result<FetchedCredentials<'a>, Error> {
    sts_response::parse_credentials(Action::AssumeRole, body, scratch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_credential_types::Credentials as AwsCreds;
    use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
    use aws_sigv4::sign::v4;
    use std::string::String;
    use std::vec::Vec;

    fn params<'a>() -> AssumeRoleParams<'a> {
        AssumeRoleParams {
            role_arn: "arn:aws:iam::123456789012:role/demo",
            role_session_name: "session-1",
            external_id: Some("ext:id/1"),
            duration_seconds: Some(3600),
            mfa: Some(Mfa {
                serial_number: "arn:aws:iam::123456789012:mfa/alice",
                token_code: "123456",
            }),
            sts: StsEndpoint::default(),
        }
    }

    /// Signs the same request with AWS's own `aws-sigv4` crate and compares the Authorization header.
    fn reference_authorization(
        body: &[u8],
        token: Option<&str>,
        t: u64,
        host: &str,
        region: &str,
    ) -> String {
        let creds = AwsCreds::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            token.map(String::from),
            None,
            "test",
        );
        let identity = creds.into();
        let mut settings = SigningSettings::default();
        settings.payload_checksum_kind = aws_sigv4::http_request::PayloadChecksumKind::NoHeader;
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(region)
            .name("sts")
            .time(std::time::UNIX_EPOCH + std::time::Duration::from_secs(t))
            .settings(settings)
            .build()
            .unwrap()
            .into();
        let headers = [("content-type", FORM_CONTENT_TYPE), ("host", host)];
        let signable = SignableRequest::new(
            "POST",
            std::format!("https://{host}/"),
            headers.iter().copied(),
            SignableBody::Bytes(body),
        )
        .unwrap();
        let (instructions, _) = sign(signable, &params).unwrap().into_parts();
        let (hs, _) = instructions.into_parts();
        hs.iter()
            .find(|h| h.name() == "authorization")
            .map(|h| String::from(h.value()))
            .unwrap()
    }

    #[test]
    fn signed_request_matches_aws_sigv4() {
        let t = 1_440_938_160;
        for token in [None, Some("AQoDYXdzEPT//////////wEXAMPLE")] {
            let base = Credentials::new(
                "AKIDEXAMPLE",
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                token,
            )
            .unwrap();
            let plan = request(&params(), &base, UnixTime(t)).unwrap();
            let mut buf = [0u8; 2048];
            let r = plan.write(&mut buf).unwrap();
            let headers: Vec<_> = r.headers().collect();
            let auth = headers.iter().find(|h| h.0 == "Authorization").unwrap().1;
            assert_eq!(
                auth,
                reference_authorization(r.body(), token, t, "sts.amazonaws.com", "us-east-1")
            );
            assert_eq!(
                headers.iter().find(|h| h.0 == "X-Amz-Date").unwrap().1,
                "20150830T123600Z"
            );
            assert_eq!(
                headers
                    .iter()
                    .find(|h| h.0 == "X-Amz-Security-Token")
                    .map(|h| h.1),
                token
            );
            let pairs: Vec<(String, String)> =
                form_urlencoded::parse(r.body()).into_owned().collect();
            let names: Vec<&str> = pairs.iter().map(|p| p.0.as_str()).collect();
            assert_eq!(
                names,
                [
                    "Action",
                    "Version",
                    "RoleArn",
                    "RoleSessionName",
                    "DurationSeconds",
                    "ExternalId",
                    "SerialNumber",
                    "TokenCode"
                ]
            );
            assert_eq!(pairs[5].1, "ext:id/1");
            assert_eq!(pairs[7].1, "123456");
        }
        // Regional endpoint: signed for its region.
        let base = Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            None,
        )
        .unwrap();
        let mut p = params();
        p.mfa = None;
        p.external_id = None;
        p.sts = StsEndpoint {
            override_url: None,
            regional_endpoints: Some("regional"),
            region: Some("eu-west-1"),
        };
        let plan = request(&p, &base, UnixTime(t)).unwrap();
        let mut buf = [0u8; 2048];
        let r = plan.write(&mut buf).unwrap();
        let auth = r.headers().find(|h| h.0 == "Authorization").unwrap().1;
        assert!(auth.contains("/eu-west-1/sts/aws4_request"));
        assert_eq!(
            auth,
            reference_authorization(
                r.body(),
                None,
                t,
                "sts.eu-west-1.amazonaws.com",
                "eu-west-1"
            )
        );
    }

    #[test]
    fn parameter_rules() {
        let base = Credentials::new("AKIDEXAMPLE", "secret", None).unwrap();
        let now = UnixTime(1_440_938_160);
        let mut p = params();
        p.mfa = Some(Mfa {
            serial_number: "arn:aws:iam::123456789012:mfa/alice",
            token_code: "12345",
        });
        assert_eq!(
            request(&p, &base, now).map(|_| ()),
            Err(Error::InvalidMfaTokenCode)
        );
        p.mfa = Some(Mfa {
            serial_number: "short",
            token_code: "123456",
        });
        assert_eq!(
            request(&p, &base, now).map(|_| ()),
            Err(Error::InvalidMfaSerialNumber)
        );
        p = params();
        p.external_id = Some("x");
        assert_eq!(
            request(&p, &base, now).map(|_| ()),
            Err(Error::InvalidExternalId)
        );
        p = params();
        p.duration_seconds = Some(43_201);
        assert_eq!(
            request(&p, &base, now).map(|_| ()),
            Err(Error::InvalidDurationSeconds)
        );
        p = params();
        p.role_session_name = "x";
        assert_eq!(
            request(&p, &base, now).map(|_| ()),
            Err(Error::InvalidRoleSessionName)
        );
    }
}
