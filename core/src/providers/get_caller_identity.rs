//! GetCallerIdentity with credentials a source returned: "who am I?" — the identity STS sees, and
//! so the MongoDB `$external` user the server will look up (see
//! [`crate::caller_identity::user_name`]). A SigV4-signed `POST /` with the body
//! `Action=GetCallerIdentity&Version=2011-06-15` to the STS endpoint [`StsEndpoint`] selects; parse
//! the answer with [`crate::caller_identity::parse_reply`].
//!
//! This is the plain AWS call (for diagnostics such as `mongodb-aws credentials --caller-identity`),
//! not the MONGODB-AWS conversation, which the server makes with its own nonce headers.

use super::assume_role::signed_post;
use super::request::{Form, MAX_PARAMS};
use super::{RequestPlan, StsEndpoint};
use crate::{Credentials, Error, UnixTime};

/// Builds and signs the request with `creds` at `now`.
pub fn request<'a>(
    creds: &Credentials<'a>,
    sts: &StsEndpoint<'_>,
    now: UnixTime,
) -> Result<RequestPlan<'a>, Error> {
    let form = Form {
        action: "GetCallerIdentity",
        params: [None; MAX_PARAMS],
    };
    signed_post(form, creds, sts, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_and_headers() {
        let c = Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            Some("tok"),
        )
        .unwrap();
        let plan = request(&c, &StsEndpoint::default(), UnixTime(1_440_938_160)).unwrap();
        let mut buf = [0u8; 1024];
        let r = plan.write(&mut buf).unwrap();
        assert_eq!(r.body(), crate::sts::GET_CALLER_IDENTITY_BODY.as_bytes());
        assert_eq!(r.authority(), "sts.amazonaws.com");
        let names: std::vec::Vec<&str> = r.headers().map(|h| h.0).collect();
        assert_eq!(
            names,
            [
                "Content-Type",
                "X-Amz-Date",
                "X-Amz-Security-Token",
                "Authorization"
            ]
        );
        let auth = r.headers().find(|h| h.0 == "Authorization").unwrap().1;
        assert!(auth.starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature="
        ), "{auth}");
    }
}
