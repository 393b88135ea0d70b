//! The claims of a JWT that matter for AWS web identity and EKS Pod Identity tokens, decoded without
//! checking the signature (STS does that). The token itself is a credential: only its length and
//! a SHA-256 prefix are ever shown.

use base64::Engine;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Length and the first 12 hex digits of the SHA-256 of a secret: enough to tell two apart, never
/// enough to use one.
pub fn fingerprint(secret: &[u8]) -> (usize, String) {
    let d = Sha256::digest(secret);
    let hex: String = d.iter().take(6).map(|b| format!("{b:02x}")).collect();
    (secret.len(), hex)
}

/// The claims doctor reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Claims {
    pub iss: Option<String>,
    pub sub: Option<String>,
    /// `aud` as a list (a JWT may give one string or an array).
    pub aud: Vec<String>,
    pub iat: Option<i64>,
    pub exp: Option<i64>,
}

/// Decodes the payload of `token` (`header.payload.signature`, base64url without padding; a
/// trailing newline is ignored). `Err` says why it is not a JWT, without quoting it.
pub fn claims(token: &str) -> Result<Claims, String> {
    let token = token.trim();
    let mut parts = token.split('.');
    let (Some(_), Some(payload), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("not a JWT (expected three dot-separated parts)".into());
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| "the JWT payload is not base64url".to_string())?;
    let v: Value =
        serde_json::from_slice(&bytes).map_err(|_| "the JWT payload is not JSON".to_string())?;
    let Value::Object(m) = v else {
        return Err("the JWT payload is not a JSON object".into());
    };
    let text = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
    let num = |k: &str| {
        m.get(k)
            .and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
    };
    let aud = match m.get("aud") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    };
    Ok(Claims {
        iss: text("iss"),
        sub: text("sub"),
        aud,
        iat: num("iat"),
        exp: num("exp"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        let e = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!("{}.{}.{}", e(r#"{"alg":"RS256"}"#), e(payload), e("sig"))
    }

    #[test]
    fn decodes_the_claims() {
        let c = claims(&(jwt(
            r#"{"iss":"https://oidc.eks.example","sub":"system:serviceaccount:ns:app","aud":["sts.amazonaws.com"],"iat":1700000000,"exp":1700086400.0}"#,
        ) + "\n"))
        .unwrap();
        assert_eq!(c.iss.as_deref(), Some("https://oidc.eks.example"));
        assert_eq!(c.sub.as_deref(), Some("system:serviceaccount:ns:app"));
        assert_eq!(c.aud, vec!["sts.amazonaws.com"]);
        assert_eq!((c.iat, c.exp), (Some(1_700_000_000), Some(1_700_086_400)));
        let c = claims(&jwt(r#"{"aud":"pods.eks.amazonaws.com"}"#)).unwrap();
        assert_eq!(c.aud, vec!["pods.eks.amazonaws.com"]);
        assert!(claims("opaque-token").is_err());
        assert!(claims("a.!!!.c").is_err());
        assert!(claims(&jwt("[1]")).is_err());
    }

    #[test]
    fn fingerprints_never_show_the_secret() {
        let (n, h) = fingerprint(b"abc");
        // SHA-256("abc") = ba7816bf8f01cfea... (FIPS 180-2 example).
        assert_eq!((n, h.as_str()), (3, "ba7816bf8f01"));
    }
}
