//! The server side of MONGODB-AWS for Node (core `sasl::server`, `caller_identity`): for a
//! MongoDB-compatible server or proxy written in JavaScript. The host sends the returned STS request
//! and hands STS's answer back.

use crate::{js_err, unix_from_ms, Code};
use mongodb_aws_core::caller_identity::{self, StsReply};
use mongodb_aws_core::sasl::server::ServerConversation;
use mongodb_aws_core::{verify, Error};
use napi::bindgen_prelude::Buffer;
use napi_derive::napi;
use zeroize::Zeroizing;

/// The request a server forwards to STS.
#[napi(object)]
pub struct StsRequestJs {
    /// `POST`.
    pub method: String,
    /// `/`.
    pub path: String,
    /// The `Host` header (the configured STS host; signed, so sent unchanged).
    pub host: String,
    /// Flat `[name, value, ...]` in the order the MongoDB server writes them.
    pub headers: Vec<String>,
    /// The 43-byte GetCallerIdentity body.
    pub body: Buffer,
    /// The whole HTTP/1.1 request, for a raw socket.
    pub http: Buffer,
    /// The access key id of the `Authorization` credential.
    pub access_key_id: String,
    /// The session token the client sent (`t`), if any.
    pub session_token: Option<String>,
    /// The client's `X-Amz-Date`.
    pub amz_date: String,
}

/// One MONGODB-AWS conversation, server side.
#[napi(js_name = "NativeServerConversation")]
pub struct NativeServerConversation {
    inner: ServerConversation,
}

#[napi]
impl NativeServerConversation {
    /// Checks client-first and the STS host; `server_random` is 32 bytes from a CSPRNG.
    #[napi(constructor, catch_unwind)]
    pub fn new(
        client_first: &[u8],
        server_random: &[u8],
        sts_host: String,
    ) -> napi::Result<Self, Code> {
        let random: [u8; 32] = server_random
            .try_into()
            .map_err(|_| js_err(Error::InvalidParameter))?;
        ServerConversation::new(client_first, random, &sts_host)
            .map(|inner| NativeServerConversation { inner })
            .map_err(js_err)
    }

    /// The client's nonce (32 bytes).
    #[napi(getter, catch_unwind)]
    pub fn client_nonce(&self) -> Buffer {
        self.inner.client_first().nonce().to_vec().into()
    }

    /// The client's channel-binding flag, `n` or `y`.
    #[napi(getter, catch_unwind)]
    pub fn gs2_flag(&self) -> String {
        self.inner.client_first().gs2_flag().to_string()
    }

    /// The 64-byte server nonce.
    #[napi(getter, catch_unwind)]
    pub fn server_nonce(&self) -> Buffer {
        self.inner.server_nonce().to_vec().into()
    }

    /// Base64 of the server nonce.
    #[napi(getter, catch_unwind)]
    pub fn server_nonce_base64(&self) -> String {
        self.inner.server_nonce_base64().to_string()
    }

    /// The STS host.
    #[napi(getter, catch_unwind)]
    pub fn sts_host(&self) -> String {
        self.inner.sts_host().to_string()
    }

    /// The signing region the STS host implies.
    #[napi(getter, catch_unwind)]
    pub fn region(&self) -> String {
        self.inner.region().to_string()
    }

    /// The saslStart reply payload `{s, h}`.
    #[napi(catch_unwind)]
    pub fn server_first(&self) -> napi::Result<Buffer, Code> {
        let mut out = vec![0u8; self.inner.server_first_len()];
        let n = self.inner.server_first(&mut out).map_err(js_err)?;
        out.truncate(n);
        Ok(out.into())
    }

    /// Checks client-final (and that its date is within `max_skew_seconds` of `now_ms`) and returns
    /// the request to forward to STS.
    #[napi(catch_unwind)]
    pub fn client_final(
        &self,
        client_final: &[u8],
        now_ms: f64,
        max_skew_seconds: u32,
    ) -> napi::Result<StsRequestJs, Code> {
        (|| {
            let cf = self.inner.client_final(client_final)?;
            cf.check_time(unix_from_ms(now_ms)?, u64::from(max_skew_seconds))?;
            let req = self.inner.sts_request(&cf);
            let mut headers = Vec::new();
            for (n, v) in req.headers() {
                headers.push(n.to_string());
                headers.push(v.to_string());
            }
            let mut http = vec![0u8; req.http_len()];
            let n = req.write_http(&mut http)?;
            http.truncate(n);
            Ok(StsRequestJs {
                method: "POST".to_string(),
                path: "/".to_string(),
                host: req.host().to_string(),
                headers,
                body: req.body().to_vec().into(),
                http: http.into(),
                access_key_id: cf.access_key_id().to_string(),
                session_token: cf.session_token().map(str::to_string),
                amz_date: cf.date().as_str().to_string(),
            })
        })()
        .map_err(js_err)
    }
}

/// A GetCallerIdentity request as a stand-in for STS received it, checked by the core's `inspect`
/// (what needs no secret); `verify` runs the secret-dependent checks.
#[napi(js_name = "NativeIncomingStsRequest")]
pub struct NativeIncomingStsRequest {
    method: String,
    path: String,
    query: String,
    /// Flat `[name, value, ...]`.
    headers: Vec<String>,
    body: Vec<u8>,
    found: Inspected,
}

/// What `inspect` found in the request, owned.
#[derive(Default)]
struct Inspected {
    access_key_id: String,
    host: String,
    region: String,
    session_token: Option<String>,
    server_nonce: Option<String>,
    amz_date: String,
    date: f64,
}

impl NativeIncomingStsRequest {
    /// Runs `f` on the core's view of the request (inspected again: it borrows from `self`).
    fn inspected<T>(
        &self,
        f: impl FnOnce(&verify::SignedRequest<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let headers: Vec<(&str, &str)> = self
            .headers
            .chunks_exact(2)
            .map(|p| match p {
                [n, v] => (n.as_str(), v.as_str()),
                _ => ("", ""),
            })
            .collect();
        let signed = verify::inspect(verify::IncomingRequest {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &headers,
            body: &self.body,
        })?;
        f(&signed)
    }
}

#[napi]
impl NativeIncomingStsRequest {
    /// Checks what needs no secret; `headers` is flat `[name, value, ...]`.
    #[napi(constructor, catch_unwind)]
    pub fn new(
        method: String,
        path: String,
        query: String,
        headers: Vec<String>,
        body: &[u8],
    ) -> napi::Result<Self, Code> {
        if headers.len() & 1 != 0 {
            return Err(js_err(Error::InvalidParameter));
        }
        let mut req = NativeIncomingStsRequest {
            method,
            path,
            query,
            headers,
            body: body.to_vec(),
            found: Inspected::default(),
        };
        req.found = req
            .inspected(|s| {
                Ok(Inspected {
                    access_key_id: s.access_key_id().to_string(),
                    host: s.host().to_string(),
                    region: s.region().to_string(),
                    session_token: s.session_token().map(str::to_string),
                    server_nonce: s.server_nonce().map(str::to_string),
                    amz_date: s.date().as_str().to_string(),
                    // At most 253402300799 (9999-12-31): exact in an f64.
                    date: s.date().to_unix().0 as f64,
                })
            })
            .map_err(js_err)?;
        Ok(req)
    }

    /// The secret-dependent checks: the date within 15 minutes of `now_ms`, the session token equal
    /// to `session_token` (both absent match), the signature recomputed with `secret` equal to the
    /// request's (constant-time comparisons).
    #[napi(catch_unwind)]
    pub fn verify(
        &self,
        secret: String,
        session_token: Option<String>,
        now_ms: f64,
    ) -> napi::Result<(), Code> {
        let secret = Zeroizing::new(secret);
        let now = unix_from_ms(now_ms).map_err(js_err)?;
        self.inspected(|s| s.verify(&secret, session_token.as_deref(), now))
            .map_err(js_err)
    }

    /// The access key id of the `Authorization` credential.
    #[napi(getter, catch_unwind)]
    pub fn access_key_id(&self) -> String {
        self.found.access_key_id.clone()
    }
    /// The `Host` header.
    #[napi(getter, catch_unwind)]
    pub fn host(&self) -> String {
        self.found.host.clone()
    }
    /// The signing region `Host` implies.
    #[napi(getter, catch_unwind)]
    pub fn region(&self) -> String {
        self.found.region.clone()
    }
    /// `X-Amz-Security-Token`, if sent.
    #[napi(getter, catch_unwind)]
    pub fn session_token(&self) -> Option<String> {
        self.found.session_token.clone()
    }
    /// `X-MongoDB-Server-Nonce`, if sent.
    #[napi(getter, catch_unwind)]
    pub fn server_nonce(&self) -> Option<String> {
        self.found.server_nonce.clone()
    }
    /// `X-Amz-Date`.
    #[napi(getter, catch_unwind)]
    pub fn amz_date(&self) -> String {
        self.found.amz_date.clone()
    }
    /// `X-Amz-Date` in unix seconds.
    #[napi(getter, catch_unwind)]
    pub fn date(&self) -> f64 {
        self.found.date
    }
}

/// STS's answer about the caller.
#[napi(object)]
pub struct CallerIdentityJs {
    /// The caller's ARN.
    pub arn: String,
    /// `UserId`, if present.
    pub user_id: Option<String>,
    /// `Account`, if present.
    pub account: Option<String>,
}

/// What `parseCallerIdentity` found: the identity, or STS's rejection (code and message).
#[napi(object)]
pub struct StsReplyJs {
    /// The identity when STS accepted the request.
    pub identity: Option<CallerIdentityJs>,
    /// STS's error code when it rejected it (`SignatureDoesNotMatch`, ...).
    pub rejected_code: Option<String>,
    /// STS's error message when it rejected it.
    pub rejected_message: Option<String>,
}

/// Parses STS's reply (XML or JSON) to the forwarded GetCallerIdentity request.
#[napi(catch_unwind)]
pub fn parse_caller_identity(status: u32, body: &[u8]) -> napi::Result<StsReplyJs, Code> {
    let status = u16::try_from(status).map_err(|_| js_err(Error::InvalidParameter))?;
    let mut scratch = Zeroizing::new(vec![0u8; body.len()]);
    match caller_identity::parse_reply(status, body, &mut scratch).map_err(js_err)? {
        StsReply::Identity(id) => Ok(StsReplyJs {
            identity: Some(CallerIdentityJs {
                arn: id.arn.to_string(),
                user_id: id.user_id.map(str::to_string),
                account: id.account.map(str::to_string),
            }),
            rejected_code: None,
            rejected_message: None,
        }),
        StsReply::Rejected(e) => Ok(StsReplyJs {
            identity: None,
            rejected_code: Some(e.code.to_string()),
            rejected_message: Some(e.message.to_string()),
        }),
    }
}

/// The MongoDB `$external` user name for a caller ARN (assumed-role sessions become `.../ROLE/*`).
#[napi(catch_unwind)]
pub fn user_name(arn: String) -> napi::Result<String, Code> {
    caller_identity::user_name(&arn)
        .map(|u| u.to_string())
        .map_err(js_err)
}

/// The default allowed clock skew between a client's `X-Amz-Date` and the server (15 minutes).
#[napi(catch_unwind)]
pub fn max_clock_skew_seconds() -> u32 {
    u32::try_from(mongodb_aws_core::sasl::server::MAX_CLOCK_SKEW_SECONDS).unwrap_or(900)
}
