//! Sans-IO AWS credential sources: one module per source, each a request builder and a response
//! parser. The core never reads the environment, files, the clock or the network, and never draws
//! randomness; hosts (C, Python, Node, the CLI) do that and pass the values in.
//!
//! # The chain
//!
//! The order of the sources, every step of every source, the deadlines, retries, the expiry check
//! and the error mapping are [`chain`]: a sans-IO state machine that hosts drive (the `mongodb-aws`
//! runtime crate does it for Rust, C, Python, Node and the CLI; drivers with their own HTTP stack
//! can drive it through the C ABI). The modules below are its parts: request builders returning a
//! [`RequestPlan`] ([`RequestPlan::write`] renders HTTP/1.1 into a caller buffer; [`HttpRequest`]
//! gives the parts to HTTP libraries) and response parsers. AssumeRole ([`assume_role`]) and
//! AssumeRoleWithSAML ([`saml`]) are not in the automatic chain; [`chain::Plan`] runs them
//! explicitly.
//!
//! ## Parsing
//!
//! Parsers take the body bytes and a scratch buffer (used only when a string has escapes; a
//! scratch as long as the body always suffices) and return [`FetchedCredentials`] borrowing both.
//! Zeroize the body and the scratch after copying what you keep.
//!
//! ## Environment variables
//!
//! | variable | used by |
//! |---|---|
//! | `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` | [`env`](mod@env) |
//! | `AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_ARN`, `AWS_ROLE_SESSION_NAME` | [`web_identity`] |
//! | `AWS_STS_REGIONAL_ENDPOINTS` (`regional` or `legacy`), `AWS_REGION` | STS endpoint ([`StsEndpoint`]) |
//! | `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` | [`ecs`] |
//! | `AWS_CONTAINER_CREDENTIALS_FULL_URI`, `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`, `AWS_CONTAINER_AUTHORIZATION_TOKEN` | [`container`] |
//! | `AWS_EC2_METADATA_SERVICE_ENDPOINT` (AWS SDK convention, e.g. `http://[fd00:ec2::254]`) | [`imds`] |
//! | `AWS_EC2_METADATA_DISABLED=true` | skips EC2 (the chain then ends in [`Error::NoCredentials`]) |
//!
//! Test-only endpoint overrides (documented; base URLs `scheme://host[:port]`, no path):
//!
//! | variable | default |
//! |---|---|
//! | `MONGODB_AWS_EC2_METADATA_ENDPOINT` (wins over `AWS_EC2_METADATA_SERVICE_ENDPOINT`) | `http://169.254.169.254` |
//! | `MONGODB_AWS_ECS_ENDPOINT` | `http://169.254.170.2` |
//! | `MONGODB_AWS_STS_ENDPOINT` (used for web identity, AssumeRole and SAML) | `https://sts.amazonaws.com` or regional |
//!
//! The full-URI source needs no override: loopback URLs are allowed.

pub mod assume_role;
pub mod chain;
pub mod container;
pub mod ecs;
pub mod env;
pub mod get_caller_identity;
pub mod imds;
pub mod profile;
mod request;
pub mod saml;
pub mod sso;
pub mod sts_response;
pub mod web_identity;

pub use request::{
    Endpoint, HeaderIter, HttpRequest, RequestPlan, Scheme, FORM_CONTENT_TYPE, MAX_AUTHORITY_LEN,
    MAX_HOST_LEN, STS_API_VERSION,
};

use crate::json::{self, Scratch};
use crate::time::parse_iso8601;
use crate::{Credentials, Error, UnixTime};

/// Largest response body a host should read from a credential endpoint or STS (64 KiB); larger is
/// [`Error::EndpointBadResponse`].
pub const MAX_RESPONSE_LEN: usize = 64 * 1024;

/// Where credentials came from. Numbers are stable (shared with the C ABI).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[repr(u32)]
pub enum Source {
    /// An application-supplied provider (`AWS_CREDENTIAL_PROVIDER`).
    CustomProvider = 1,
    /// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`.
    Environment = 2,
    /// STS AssumeRoleWithWebIdentity (EKS IRSA).
    WebIdentity = 3,
    /// ECS task role via `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`.
    Ecs = 4,
    /// `AWS_CONTAINER_CREDENTIALS_FULL_URI` (EKS Pod Identity, Lambda SnapStart).
    ContainerFullUri = 5,
    /// EC2 instance role via IMDSv2.
    Ec2 = 6,
    /// STS AssumeRole.
    AssumeRole = 7,
    /// STS AssumeRoleWithSAML.
    Saml = 8,
    /// Static keys of a profile in the AWS shared credentials or config file (re-read every
    /// call, never cached).
    Profile = 9,
    /// A profile's `credential_process` (cached only when its answer has an `Expiration`).
    CredentialProcess = 10,
    /// IAM Identity Center (SSO): a profile's `sso_session` or legacy `sso_start_url`.
    Sso = 11,
}

impl Source {
    /// Stable lower-case name: `custom-provider`, `environment`, `web-identity`, `ecs`,
    /// `container-full-uri`, `ec2`, `assume-role`, `saml`, `profile`, `credential-process`, `sso`.
    pub const fn name(&self) -> &'static str {
        match self {
            Source::CustomProvider => "custom-provider",
            Source::Environment => "environment",
            Source::WebIdentity => "web-identity",
            Source::Ecs => "ecs",
            Source::ContainerFullUri => "container-full-uri",
            Source::Ec2 => "ec2",
            Source::AssumeRole => "assume-role",
            Source::Saml => "saml",
            Source::Profile => "profile",
            Source::CredentialProcess => "credential-process",
            Source::Sso => "sso",
        }
    }

    /// Whether credentials from this source come from an endpoint and so belong in the cache
    /// (PROTOCOL.md A8: endpoint credentials MUST be cached, environment ones MUST NOT).
    /// Static profile keys are like environment keys (re-read every call); a
    /// `credential_process` answer is cacheable, but only one with an `Expiration` is cached
    /// ([`chain::Outcome::cache`]).
    pub const fn is_cacheable(&self) -> bool {
        matches!(
            self,
            Source::WebIdentity
                | Source::Ecs
                | Source::ContainerFullUri
                | Source::Ec2
                | Source::AssumeRole
                | Source::Saml
                | Source::CredentialProcess
                | Source::Sso
        )
    }

    /// Every source, in number order.
    pub const ALL: &'static [Source] = &[
        Source::CustomProvider,
        Source::Environment,
        Source::WebIdentity,
        Source::Ecs,
        Source::ContainerFullUri,
        Source::Ec2,
        Source::AssumeRole,
        Source::Saml,
        Source::Profile,
        Source::CredentialProcess,
        Source::Sso,
    ];

    /// The source with this stable number.
    pub fn from_u32(n: u32) -> Option<Source> {
        Self::ALL.iter().copied().find(|s| *s as u32 == n)
    }
}

/// Credentials as a source returned them, with their expiry and identity details. Borrowed from the
/// response body (or scratch). `Debug` redacts the secret and token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FetchedCredentials<'a> {
    /// The validated credentials.
    pub credentials: Credentials<'a>,
    /// When they expire (`None` for environment credentials).
    pub expiration: Option<UnixTime>,
    /// The role ARN: ECS `RoleArn`, STS `AssumedRoleUser.Arn`.
    pub arn: Option<&'a str>,
    /// STS `AssumedRoleUser.AssumedRoleId` (`AROA...:session`).
    pub assumed_role_id: Option<&'a str>,
    /// EKS Pod Identity `AccountId`.
    pub account_id: Option<&'a str>,
    /// Where they came from.
    pub source: Source,
}

// ---------------------------------------------------------------------------------------------
// Parameter validation shared by the STS calls (limits from the STS API reference).
// ---------------------------------------------------------------------------------------------

fn all_chars(s: &str, extra: &[u8]) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || extra.contains(&b))
}

/// `arn:...`, 20 to 2048 printable ASCII characters.
pub(crate) fn validate_arn(s: &str, err: Error) -> Result<(), Error> {
    if !(20..=2048).contains(&s.len())
        || !s.starts_with("arn:")
        || !s.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(err);
    }
    Ok(())
}

/// `[\w+=,.@-]{2,64}`.
pub fn validate_session_name(s: &str) -> Result<(), Error> {
    if !(2..=64).contains(&s.len()) || !all_chars(s, b"+=,.@-") {
        return Err(Error::InvalidRoleSessionName);
    }
    Ok(())
}

/// 900 to 43200 seconds.
pub(crate) fn validate_duration(d: Option<u32>) -> Result<(), Error> {
    match d {
        Some(v) if !(900..=43_200).contains(&v) => Err(Error::InvalidDurationSeconds),
        _ => Ok(()),
    }
}

/// A role session name generated from 16 caller-supplied random bytes: `mongodb-aws-` followed by 32
/// lower-case hex digits (44 characters; C uses 32 hex digits, AWS allows up to 64 of `[\w+=,.@-]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RandomSessionName([u8; 44]);

/// Prefix of generated session names.
pub const SESSION_NAME_PREFIX: &str = "mongodb-aws-";

impl RandomSessionName {
    /// Builds the name from 16 random bytes (the host draws them from its CSPRNG).
    pub fn new(random: &[u8; 16]) -> Self {
        let mut out = [0u8; 44];
        let (p, h) = out.split_at_mut(SESSION_NAME_PREFIX.len());
        p.copy_from_slice(SESSION_NAME_PREFIX.as_bytes());
        let _ = hex::encode_to_slice(random, h);
        RandomSessionName(out)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.0).unwrap_or("")
    }
}

// ---------------------------------------------------------------------------------------------
// STS endpoint selection
// ---------------------------------------------------------------------------------------------

/// Which STS endpoint to call, from the host's environment (PROTOCOL.md A7, "Regional STS").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StsEndpoint<'a> {
    /// `MONGODB_AWS_STS_ENDPOINT` (test override; base URL). Plain http is accepted only for
    /// loopback hosts.
    pub override_url: Option<&'a str>,
    /// `AWS_STS_REGIONAL_ENDPOINTS`: `regional` selects `sts.<region>.amazonaws.com`; anything else
    /// (`legacy`, unset) the global `sts.amazonaws.com`.
    pub regional_endpoints: Option<&'a str>,
    /// `AWS_REGION`.
    pub region: Option<&'a str>,
}

/// The global STS host.
pub const STS_GLOBAL_HOST: &str = "sts.amazonaws.com";

impl<'a> StsEndpoint<'a> {
    /// Resolves to an endpoint and the region to sign with: the override if set (signing region
    /// `AWS_REGION` or `us-east-1`); `https://sts.<region>.amazonaws.com` (`.amazonaws.com.cn` for
    /// `cn-` regions) when `AWS_STS_REGIONAL_ENDPOINTS=regional` and `AWS_REGION` is non-empty (as
    /// libmongoc 2.4); else `https://sts.amazonaws.com` with `us-east-1`.
    pub fn resolve(&self) -> Result<(Endpoint, &'a str), Error> {
        let region = self.region.filter(|r| !r.is_empty());
        if let Some(r) = region {
            validate_region(r)?;
        }
        if let Some(url) = self.override_url.filter(|u| !u.is_empty()) {
            let ep = Endpoint::parse_base(url)?;
            if ep.scheme() == Scheme::Http && !ep.is_loopback() {
                return Err(Error::InvalidEndpointUrl);
            }
            return Ok((ep, region.unwrap_or("us-east-1")));
        }
        match (self.regional_endpoints, region) {
            (Some(mode), Some(r)) if mode.eq_ignore_ascii_case("regional") => {
                let mut host = heapless::String::<MAX_HOST_LEN>::new();
                let suffix = if r.starts_with("cn-") {
                    ".amazonaws.com.cn"
                } else {
                    ".amazonaws.com"
                };
                for part in ["sts.", r, suffix] {
                    host.push_str(part).map_err(|_| Error::InvalidRegion)?;
                }
                Ok((Endpoint::new(Scheme::Https, &host, 443)?, r))
            }
            _ => Ok((
                Endpoint::new(Scheme::Https, STS_GLOBAL_HOST, 443)?,
                "us-east-1",
            )),
        }
    }
}

/// A region usable in a host name: 1 to 63 letters, digits and `-`.
fn validate_region(r: &str) -> Result<(), Error> {
    if r.is_empty() || r.len() > 63 || !r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(Error::InvalidRegion);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// ECS / full URI / EC2 JSON credentials
// ---------------------------------------------------------------------------------------------

fn opt_str<'a>(
    obj: &json::Value<'a>,
    key: &str,
    scratch: &mut Scratch<'a>,
) -> Result<Option<&'a str>, Error> {
    match obj.get(key)? {
        None => Ok(None),
        Some(v) if v.kind() == json::Kind::Null => Ok(None),
        Some(v) => Ok(Some(v.as_str(scratch)?).filter(|s| !s.is_empty())),
    }
}

/// `Expiration` as ISO-8601 text or epoch seconds.
fn expiration<'a>(v: json::Value<'a>, scratch: &mut Scratch<'a>) -> Result<UnixTime, Error> {
    match v.kind() {
        json::Kind::Number => Ok(UnixTime(v.as_epoch_seconds()?)),
        json::Kind::String => parse_iso8601(v.as_str(scratch)?),
        _ => Err(Error::WrongResponseFieldType),
    }
}

/// Parses the container / IMDS credentials JSON (`AccessKeyId`, `SecretAccessKey`, `Token`,
/// `Expiration`, and `RoleArn` / `AccountId` / `Code` where present). `check_code`: reject a `Code`
/// other than `Success` (EC2).
pub(crate) fn parse_endpoint_json<'a>(
    body: &'a [u8],
    scratch: &'a mut [u8],
    source: Source,
    check_code: bool,
) -> Result<FetchedCredentials<'a>, Error> {
    let doc = json::parse(body)?;
    if doc.kind() != json::Kind::Object {
        return Err(Error::UnexpectedResponseShape);
    }
    let mut sc = Scratch::new(scratch);
    if check_code {
        if let Some(code) = opt_str(&doc, "Code", &mut sc)? {
            if code != "Success" {
                return Err(Error::ImdsCodeNotSuccess);
            }
        }
    }
    let id = opt_str(&doc, "AccessKeyId", &mut sc)?.ok_or(Error::MissingResponseField)?;
    let secret = opt_str(&doc, "SecretAccessKey", &mut sc)?.ok_or(Error::MissingResponseField)?;
    let token = opt_str(&doc, "Token", &mut sc)?;
    let exp = doc.get("Expiration")?.ok_or(Error::MissingResponseField)?;
    let expiration = expiration(exp, &mut sc)?;
    let arn = opt_str(&doc, "RoleArn", &mut sc)?;
    let account_id = opt_str(&doc, "AccountId", &mut sc)?;
    Ok(FetchedCredentials {
        credentials: Credentials::new(id, secret, token)?,
        expiration: Some(expiration),
        arn,
        assumed_role_id: None,
        account_id,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sts_endpoint_rules() {
        let r = |o, m, reg| {
            StsEndpoint {
                override_url: o,
                regional_endpoints: m,
                region: reg,
            }
            .resolve()
            .map(|(e, r)| (std::string::String::from(e.authority()), r, e.scheme()))
        };
        let global = Ok(("sts.amazonaws.com".into(), "us-east-1", Scheme::Https));
        assert_eq!(r(None, None, None), global);
        assert_eq!(r(None, Some("legacy"), Some("eu-west-1")), global);
        assert_eq!(r(None, Some("regional"), None), global);
        assert_eq!(r(None, Some("regional"), Some("")), global);
        assert_eq!(
            r(None, Some("regional"), Some("eu-west-1")),
            Ok((
                "sts.eu-west-1.amazonaws.com".into(),
                "eu-west-1",
                Scheme::Https
            ))
        );
        assert_eq!(
            r(None, Some("regional"), Some("cn-north-1")),
            Ok((
                "sts.cn-north-1.amazonaws.com.cn".into(),
                "cn-north-1",
                Scheme::Https
            ))
        );
        assert_eq!(
            r(
                Some("http://127.0.0.1:5000"),
                Some("regional"),
                Some("us-gov-west-1")
            ),
            Ok(("127.0.0.1:5000".into(), "us-gov-west-1", Scheme::Http))
        );
        assert_eq!(
            r(Some("http://example.com"), None, None),
            Err(Error::InvalidEndpointUrl)
        );
        assert_eq!(
            r(None, Some("regional"), Some("eu/1")),
            Err(Error::InvalidRegion)
        );
    }

    #[test]
    fn session_names() {
        let n = RandomSessionName::new(&[0xab; 16]);
        assert_eq!(n.as_str(), "mongodb-aws-abababababababababababababababab");
        assert_eq!(validate_session_name(n.as_str()), Ok(()));
        assert_eq!(
            validate_session_name("a"),
            Err(Error::InvalidRoleSessionName)
        );
        assert_eq!(
            validate_session_name("a b"),
            Err(Error::InvalidRoleSessionName)
        );
        assert_eq!(validate_session_name("user+x=1,a.b@c-d_e"), Ok(()));
        let long = "a".repeat(65);
        assert_eq!(
            validate_session_name(&long),
            Err(Error::InvalidRoleSessionName)
        );
    }

    mod robustness {
        use super::super::*;
        use proptest::prelude::*;

        const SEEDS: &[&[u8]] = &[
            br#"{"Code":"Success","AccessKeyId":"ASIA1","SecretAccessKey":"s\/x","Token":"t","Expiration":"2023-02-07T20:04:27Z","RoleArn":"arn:aws:iam::1:role/r"}"#,
            br#"{"AssumeRoleWithWebIdentityResponse":{"AssumeRoleWithWebIdentityResult":{"Credentials":{"AccessKeyId":"A","SecretAccessKey":"s","SessionToken":"t","Expiration":1.7E9},"AssumedRoleUser":{"Arn":"arn:x"}}}}"#,
            b"<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>s&amp;</SecretAccessKey><SessionToken><![CDATA[t]]></SessionToken><Expiration>2019-11-09T13:34:41Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>",
            b"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>no &#x41;</Message></Error></ErrorResponse>",
        ];

        /// Success yields credentials that pass the core's own validation; failure is a typed error
        /// in the documented blocks.
        fn check(r: Result<FetchedCredentials<'_>, Error>) {
            match r {
                Ok(c) => {
                    let k = c.credentials;
                    assert!(Credentials::new(
                        k.access_key_id(),
                        k.secret_access_key(),
                        k.session_token()
                    )
                    .is_ok());
                    assert!(c.expiration.is_some());
                }
                Err(e) => assert!((100..1000).contains(&e.code()), "{e:?}"),
            }
        }

        fn run_all(body: &[u8]) {
            let mut s = std::vec![0u8; body.len()];
            check(ecs::parse(body, &mut s));
            check(imds::parse_credentials(body, &mut s));
            check(container::parse(body, &mut s));
            check(web_identity::parse(body, &mut s));
            check(assume_role::parse(body, &mut s));
            check(saml::parse(body, &mut s));
            if let Ok(e) = sts_response::parse_error(body, &mut s) {
                assert!(!e.code.is_empty());
            }
            let _ = imds::parse_token(body);
            let _ = imds::parse_role_name(body);
            // A scratch shorter than the body: BufferTooSmall, never a panic.
            let mut tiny = [0u8; 3];
            let _ = ecs::parse(body, &mut tiny);
            let _ = sts_response::parse_error(body, &mut tiny);
        }

        proptest! {
            #[test]
            fn parsers_never_panic_on_random_bytes(body in proptest::collection::vec(any::<u8>(), 0..400)) {
                run_all(&body);
            }

            #[test]
            fn parsers_never_panic_on_mutated_real_bodies(
                seed in 0usize..4,
                edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
                cut in any::<usize>(),
            ) {
                let mut b = SEEDS[seed].to_vec();
                for (pos, byte) in edits {
                    let i = pos % b.len();
                    b[i] = byte;
                }
                run_all(&b);
                let n = cut % (b.len() + 1);
                run_all(&b[..n]);
            }
        }
    }

    #[test]
    fn source_numbers_are_stable() {
        for s in Source::ALL {
            assert_eq!(Source::from_u32(*s as u32), Some(*s));
        }
        assert_eq!(Source::Ec2 as u32, 6);
        assert_eq!(Source::Ec2.name(), "ec2");
        assert!(!Source::Environment.is_cacheable());
        assert!(!Source::CustomProvider.is_cacheable());
        assert!(Source::Ecs.is_cacheable());
    }
}
