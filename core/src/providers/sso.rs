//! IAM Identity Center (SSO) as botocore reads it (PROTOCOL.md B2; botocore `utils.SSOTokenLoader`,
//! `tokens.SSOTokenProvider`, `credentials.SSOCredentialFetcher`): the token cache file
//! `~/.aws/sso/cache/<sha1 hex>.json` that `aws sso login` writes, the portal's GetRoleCredentials,
//! and the SSO OIDC CreateToken refresh. The chain ([`super::chain`]) runs the steps; this module
//! has the pure parts: the cache key, the JSON it reads and writes, the requests.

use super::request::{HeaderValue, Target};
use super::{Endpoint, FetchedCredentials, RequestPlan, Scheme, Source};
use crate::json::{self, Scratch};
use crate::time::parse_iso8601;
use crate::{AmzDate, Credentials, Error, UnixTime};
use sha1::{Digest, Sha1};

/// botocore refreshes a token with less than this many seconds left (`_REFRESH_WINDOW`).
pub const REFRESH_WINDOW_SECONDS: u64 = 15 * 60;
/// The portal's GetRoleCredentials path.
pub const PORTAL_PATH: &str = "/federation/credentials";
/// The header carrying the access token.
pub const BEARER_HEADER: &str = "x-amz-sso_bearer_token";

/// The cache file name's stem: the SHA-1 of the session name (sso-session form) or of the start
/// URL (legacy form), in lower-case hex.
pub fn cache_key(input: &str) -> [u8; 40] {
    let digest = Sha1::digest(input.as_bytes());
    let mut out = [b'0'; 40];
    let _ = hex::encode_to_slice(digest, &mut out);
    out
}

/// The fields of a cached token (`accessToken` and `expiresAt` are required, as in botocore).
#[derive(Clone, Copy)]
pub struct CachedToken<'a> {
    /// `accessToken` (secret).
    pub access_token: &'a str,
    /// `expiresAt`.
    pub expires_at: UnixTime,
    /// `refreshToken` (secret).
    pub refresh_token: Option<&'a str>,
    /// `clientId`.
    pub client_id: Option<&'a str>,
    /// `clientSecret` (secret).
    pub client_secret: Option<&'a str>,
    /// `registrationExpiresAt`, as written.
    pub registration_expires_at: Option<&'a str>,
}

impl core::fmt::Debug for CachedToken<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CachedToken")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl CachedToken<'_> {
    /// botocore's `_refresh_access_token` preconditions: the refresh token, the client's id and
    /// secret, and a registration that has not expired at `now`.
    pub fn refreshable(&self, now: UnixTime) -> bool {
        self.refresh_token.is_some_and(|t| !t.is_empty())
            && self.client_id.is_some()
            && self.client_secret.is_some()
            && self
                .registration_expires_at
                .and_then(|r| parse_iso8601(r).ok())
                .is_some_and(|r| r > now)
    }
}

fn text<'a>(
    doc: &json::Value<'a>,
    key: &str,
    sc: &mut Scratch<'a>,
) -> Result<Option<&'a str>, Error> {
    match doc.get(key)? {
        None => Ok(None),
        Some(v) if v.kind() == json::Kind::Null => Ok(None),
        Some(v) => v.as_str(sc).map(Some),
    }
}

/// Parses a token cache file. A file that is not such JSON, or lacks `accessToken` or
/// `expiresAt`, is [`Error::SsoTokenMissing`] (botocore: "Token for ... is invalid").
pub fn parse_cache<'a>(file: &'a [u8], scratch: &'a mut [u8]) -> Result<CachedToken<'a>, Error> {
    let bad = |_| Error::SsoTokenMissing;
    let doc = json::parse(file).map_err(bad)?;
    if doc.kind() != json::Kind::Object {
        return Err(Error::SsoTokenMissing);
    }
    let mut sc = Scratch::new(scratch);
    let access_token = text(&doc, "accessToken", &mut sc)
        .map_err(bad)?
        .filter(|t| !t.is_empty())
        .ok_or(Error::SsoTokenMissing)?;
    let expires = text(&doc, "expiresAt", &mut sc)
        .map_err(bad)?
        .ok_or(Error::SsoTokenMissing)?;
    Ok(CachedToken {
        access_token,
        expires_at: parse_iso8601(expires).map_err(bad)?,
        refresh_token: text(&doc, "refreshToken", &mut sc).map_err(bad)?,
        client_id: text(&doc, "clientId", &mut sc).map_err(bad)?,
        client_secret: text(&doc, "clientSecret", &mut sc).map_err(bad)?,
        registration_expires_at: text(&doc, "registrationExpiresAt", &mut sc).map_err(bad)?,
    })
}

/// A small JSON writer into a fixed buffer.
pub(crate) struct JsonOut<'b> {
    out: &'b mut [u8],
    len: usize,
    first: bool,
    overflow: bool,
}

impl<'b> JsonOut<'b> {
    pub(crate) fn new(out: &'b mut [u8]) -> Self {
        let mut w = JsonOut {
            out,
            len: 0,
            first: true,
            overflow: false,
        };
        w.raw(b"{");
        w
    }

    fn raw(&mut self, b: &[u8]) {
        let end = self.len.saturating_add(b.len());
        match self.out.get_mut(self.len..end) {
            Some(d) => {
                d.copy_from_slice(b);
                self.len = end;
            }
            None => self.overflow = true,
        }
    }

    fn string(&mut self, s: &str) {
        self.raw(b"\"");
        for c in s.chars() {
            match c {
                '"' => self.raw(b"\\\""),
                '\\' => self.raw(b"\\\\"),
                c if (c as u32) < 0x20 => {
                    let hexd = b"0123456789abcdef";
                    let n = c as usize;
                    let esc = [
                        b'\\',
                        b'u',
                        b'0',
                        b'0',
                        hexd.get(n >> 4).copied().unwrap_or(b'0'),
                        hexd.get(n & 15).copied().unwrap_or(b'0'),
                    ];
                    self.raw(&esc);
                }
                c => {
                    let mut b = [0u8; 4];
                    self.raw(c.encode_utf8(&mut b).as_bytes());
                }
            }
        }
        self.raw(b"\"");
    }

    /// `"key": "value"`.
    pub(crate) fn field(&mut self, key: &str, value: &str) {
        if !self.first {
            self.raw(b", ");
        }
        self.first = false;
        self.string(key);
        self.raw(b": ");
        self.string(value);
    }

    /// Closes the object; the length written, or [`Error::BufferTooSmall`].
    pub(crate) fn finish(mut self) -> Result<usize, Error> {
        self.raw(b"}");
        if self.overflow {
            return Err(Error::BufferTooSmall {
                needed: self.len.saturating_add(1),
            });
        }
        Ok(self.len)
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` (botocore's `_serialize_utc_timestamp`).
pub fn iso(t: UnixTime, out: &mut [u8; 20]) -> Result<&str, Error> {
    let d = AmzDate::from_unix(t)?;
    let s = d.as_bytes();
    let pick = |i: usize| s.get(i).copied().unwrap_or(b'0');
    *out = [
        pick(0),
        pick(1),
        pick(2),
        pick(3),
        b'-',
        pick(4),
        pick(5),
        b'-',
        pick(6),
        pick(7),
        b'T',
        pick(9),
        pick(10),
        b':',
        pick(11),
        pick(12),
        b':',
        pick(13),
        pick(14),
        b'Z',
    ];
    core::str::from_utf8(out).map_err(|_| Error::InvalidTime)
}

/// The SSO OIDC CreateToken body (botocore `_attempt_create_token`: `grantType`
/// `refresh_token`, `clientId`, `clientSecret`, `refreshToken`) into `out`; its length.
pub fn refresh_body(out: &mut [u8], t: &CachedToken<'_>) -> Result<usize, Error> {
    let mut w = JsonOut::new(out);
    w.field("grantType", "refresh_token");
    w.field("clientId", t.client_id.unwrap_or(""));
    w.field("clientSecret", t.client_secret.unwrap_or(""));
    w.field("refreshToken", t.refresh_token.unwrap_or(""));
    w.finish()
}

/// What CreateToken answered.
#[derive(Clone, Copy)]
pub struct NewToken<'a> {
    /// `accessToken` (secret).
    pub access_token: &'a str,
    /// `expiresIn` seconds.
    pub expires_in: u64,
    /// `refreshToken`, when a new one came (secret).
    pub refresh_token: Option<&'a str>,
}

/// Parses CreateToken's JSON answer.
pub fn parse_create_token<'a>(
    body: &'a [u8],
    scratch: &'a mut [u8],
) -> Result<NewToken<'a>, Error> {
    let doc = json::parse(body)?;
    if doc.kind() != json::Kind::Object {
        return Err(Error::UnexpectedResponseShape);
    }
    let mut sc = Scratch::new(scratch);
    let access_token = text(&doc, "accessToken", &mut sc)?
        .filter(|t| !t.is_empty())
        .ok_or(Error::MissingResponseField)?;
    let expires_in = doc
        .get("expiresIn")?
        .ok_or(Error::MissingResponseField)?
        .as_epoch_seconds()?;
    Ok(NewToken {
        access_token,
        expires_in,
        refresh_token: text(&doc, "refreshToken", &mut sc)?,
    })
}

/// The cache file botocore writes after a refresh (`_attempt_create_token`): `startUrl`,
/// `region`, `accessToken`, `expiresAt` (now + `expiresIn`), `clientId`, `clientSecret`,
/// `registrationExpiresAt`, and `refreshToken` only when the answer had one.
pub fn write_cache(
    out: &mut [u8],
    start_url: &str,
    region: &str,
    new: &NewToken<'_>,
    old: &CachedToken<'_>,
    now: UnixTime,
) -> Result<usize, Error> {
    let mut at = [0u8; 20];
    let expires = iso(UnixTime(now.0.saturating_add(new.expires_in)), &mut at)?;
    let mut w = JsonOut::new(out);
    w.field("startUrl", start_url);
    w.field("region", region);
    w.field("accessToken", new.access_token);
    w.field("expiresAt", expires);
    w.field("clientId", old.client_id.unwrap_or(""));
    w.field("clientSecret", old.client_secret.unwrap_or(""));
    w.field(
        "registrationExpiresAt",
        old.registration_expires_at.unwrap_or(""),
    );
    if let Some(r) = new.refresh_token {
        w.field("refreshToken", r);
    }
    w.finish()
}

/// Writes `/federation/credentials?account_id=..&role_name=..` (values percent-encoded) into
/// `out`.
pub fn portal_target<const N: usize>(
    out: &mut heapless::String<N>,
    account_id: &str,
    role_name: &str,
) -> Result<(), Error> {
    out.clear();
    let mut put = |s: &str| out.push_str(s).map_err(|_| Error::ProfileInvalidValue);
    put(PORTAL_PATH)?;
    put("?account_id=")?;
    for (i, v) in [account_id, role_name].into_iter().enumerate() {
        if i == 1 {
            put("&role_name=")?;
        }
        for b in v.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                let c = [b];
                put(core::str::from_utf8(&c).map_err(|_| Error::ProfileInvalidValue)?)?;
            } else {
                let h = b"0123456789ABCDEF";
                let e = [
                    b'%',
                    h.get(usize::from(b >> 4)).copied().unwrap_or(b'0'),
                    h.get(usize::from(b & 15)).copied().unwrap_or(b'0'),
                ];
                put(core::str::from_utf8(&e).map_err(|_| Error::ProfileInvalidValue)?)?;
            }
        }
    }
    Ok(())
}

/// The base endpoint: an override (plain http only for loopback, as the project's other
/// overrides), else `https://<service>.<region>.amazonaws.com` (`portal.sso` or `oidc`).
pub fn endpoint(
    override_url: Option<&str>,
    service: &str,
    region: &str,
) -> Result<Endpoint, Error> {
    if let Some(url) = override_url {
        let ep = Endpoint::parse_base(url)?;
        if ep.scheme() == Scheme::Http && !ep.is_loopback() {
            return Err(Error::InvalidEndpointUrl);
        }
        return Ok(ep);
    }
    if region.is_empty()
        || region.len() > 63
        || !region
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(Error::InvalidRegion);
    }
    let mut host = heapless::String::<{ super::MAX_HOST_LEN }>::new();
    let suffix = if region.starts_with("cn-") {
        ".amazonaws.com.cn"
    } else {
        ".amazonaws.com"
    };
    for part in [service, ".", region, suffix] {
        host.push_str(part).map_err(|_| Error::InvalidRegion)?;
    }
    Endpoint::new(Scheme::Https, &host, 443)
}

/// GetRoleCredentials: `GET <portal><target>` with the bearer token.
pub fn portal_request<'a>(
    ep: Endpoint,
    target: &'a str,
    token: &'a str,
) -> Result<RequestPlan<'a>, Error> {
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::SsoTokenMissing);
    }
    Ok(RequestPlan::new("GET", ep, Target::Str(target))
        .header("Accept", HeaderValue::Str("application/json"))
        .header(BEARER_HEADER, HeaderValue::Str(token)))
}

/// CreateToken: `POST <oidc>/token` with the JSON body.
pub fn refresh_request(ep: Endpoint, body: &[u8]) -> RequestPlan<'_> {
    let mut plan = RequestPlan::new("POST", ep, Target::Str("/token"))
        .header("Content-Type", HeaderValue::Str("application/json"))
        .header("Accept", HeaderValue::Str("application/json"));
    plan.raw_body = Some(body);
    plan
}

/// Parses GetRoleCredentials: `{"roleCredentials": {"accessKeyId", "secretAccessKey",
/// "sessionToken", "expiration" (epoch milliseconds)}}`.
pub fn parse_role_credentials<'a>(
    body: &'a [u8],
    scratch: &'a mut [u8],
) -> Result<FetchedCredentials<'a>, Error> {
    let doc = json::parse(body)?;
    let rc = doc
        .get("roleCredentials")?
        .ok_or(Error::MissingResponseField)?;
    if rc.kind() != json::Kind::Object {
        return Err(Error::WrongResponseFieldType);
    }
    let mut sc = Scratch::new(scratch);
    let id = text(&rc, "accessKeyId", &mut sc)?.ok_or(Error::MissingResponseField)?;
    let secret = text(&rc, "secretAccessKey", &mut sc)?.ok_or(Error::MissingResponseField)?;
    let token = text(&rc, "sessionToken", &mut sc)?;
    let ms = rc
        .get("expiration")?
        .ok_or(Error::MissingResponseField)?
        .as_epoch_seconds()?;
    Ok(FetchedCredentials {
        credentials: Credentials::new(id, secret, token)?,
        expiration: Some(UnixTime(ms / 1000)),
        arn: None,
        assumed_role_id: None,
        account_id: None,
        source: Source::Sso,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_key_is_sha1_hex() {
        // Python's hashlib.sha1(s.encode()).hexdigest() for these strings.
        assert_eq!(&cache_key(""), b"da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(
            &cache_key("my-sso"),
            b"0ad374308c5a4e22f723adf10145eafad7c4031c"
        );
        assert_eq!(
            &cache_key("https://d-123.awsapps.com/start"),
            b"2b829a45f04c9828cb45b7d092d8e4aa30818393"
        );
    }
}
