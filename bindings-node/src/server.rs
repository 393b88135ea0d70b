//! The server side of MONGODB-AWS for Node (core `sasl::server`, `caller_identity`): for a
//! MongoDB-compatible server or proxy written in JavaScript. The host sends the returned STS request
//! and hands STS's answer back.

use crate::{js_err, unix_from_ms, Code};
use mongodb_aws::owned::{ForwardedStsRequest, IncomingStsRequest};
use mongodb_aws_core::caller_identity::{self, StsReply};
use mongodb_aws_core::sasl::server::ServerConversation;
use mongodb_aws_core::Error;
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
}

napi_getters! {
    impl NativeServerConversation {
        #[doc = " The 64-byte server nonce."]
        server_nonce: Buffer,
        #[doc = " Base64 of the server nonce."]
        server_nonce_base64: String,
        #[doc = " The STS host."]
        sts_host: String,
        #[doc = " The signing region the STS host implies."]
        region: String,
    }
}

#[napi]
impl NativeServerConversation {
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
            let req = ForwardedStsRequest::new(
                &self.inner,
                client_final,
                unix_from_ms(now_ms)?,
                u64::from(max_skew_seconds),
            )?;
            Ok(StsRequestJs {
                method: req.method().to_string(),
                path: req.path().to_string(),
                host: req.host().to_string(),
                headers: req
                    .headers()
                    .iter()
                    .flat_map(|(n, v)| [n.to_string(), v.clone()])
                    .collect(),
                body: req.body().to_vec().into(),
                http: req.http().to_vec().into(),
                access_key_id: req.access_key_id().to_string(),
                session_token: req.session_token().map(str::to_string),
                amz_date: req.amz_date().to_string(),
            })
        })()
        .map_err(js_err)
    }
}

/// A GetCallerIdentity request as an STS stand-in received it (the runtime's owned
/// `IncomingStsRequest`): checked on construction for what needs no secret; `verify` does the rest.
#[napi(js_name = "NativeIncomingStsRequest")]
pub struct NativeIncomingStsRequest {
    inner: IncomingStsRequest,
}

#[napi]
impl NativeIncomingStsRequest {
    /// `headers` is a flat `[name, value, ...]` list.
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
        let mut pairs = Vec::with_capacity(headers.len() / 2);
        let mut it = headers.into_iter();
        while let (Some(n), Some(v)) = (it.next(), it.next()) {
            pairs.push((n, v));
        }
        IncomingStsRequest::new(method, path, query, pairs, body.to_vec())
            .map(|inner| NativeIncomingStsRequest { inner })
            .map_err(js_err)
    }

    /// The secret-dependent checks (date within 15 minutes of `now_ms`, the token, the signature).
    #[napi(catch_unwind)]
    pub fn verify(
        &self,
        secret: String,
        session_token: Option<String>,
        now_ms: f64,
    ) -> napi::Result<(), Code> {
        let secret = Zeroizing::new(secret);
        let now = unix_from_ms(now_ms).map_err(js_err)?;
        self.inner
            .verify(&secret, session_token.as_deref(), now)
            .map_err(js_err)
    }
}

napi_getters! {
    impl NativeIncomingStsRequest {
        #[doc = " The access key id of the `Authorization` header."]
        access_key_id: String,
        #[doc = " The `Host` header."]
        host: String,
        #[doc = " The scope's region."]
        region: String,
        #[doc = " The signed session token, if any."]
        session_token: Option<String>,
        #[doc = " The signed server nonce, if any."]
        server_nonce: Option<String>,
        #[doc = " `X-Amz-Date` as sent."]
        amz_date: String,
        #[doc = " `X-Amz-Date` in unix seconds (at most 253402300799, 9999-12-31: exact in an f64)."]
        date: f64,
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
