//! Property tests for the server side: no input to ServerConversation, the Authorization parser, the
//! verifier or the STS reply parser panics, every failure is a known `Error`, and what our client
//! produces is always accepted by our server and verified (for any credentials and host).

use mongodb_aws_core::caller_identity::{parse_reply, user_name};
use mongodb_aws_core::sasl::client::ClientConversation;
use mongodb_aws_core::sasl::server::{Authorization, ClientFirst, ServerConversation};
use mongodb_aws_core::time::UnixTime;
use mongodb_aws_core::verify::{inspect, IncomingRequest};
use mongodb_aws_core::{Credentials, Error};
use proptest::prelude::*;

fn known(e: Error) -> bool {
    Error::ALL.iter().any(|k| k.code() == e.code())
}

/// A valid client-final of our client, with byte mutations applied.
fn client_final_mutated(muts: &[(u16, u8)], token: bool) -> (ServerConversation, Vec<u8>) {
    let client = ClientConversation::new([5; 32]);
    let server =
        ServerConversation::new(&client.client_first(), [6; 32], "sts.amazonaws.com").unwrap();
    let mut sf = [0u8; 340];
    let n = server.server_first(&mut sf).unwrap();
    let creds = Credentials::new("AKIDEXAMPLE", "secret", token.then_some("tok")).unwrap();
    let mut cf = vec![0u8; 1024];
    let m = client
        .finish(&sf[..n], &creds, UnixTime(1_700_000_000), None, &mut cf)
        .unwrap();
    cf.truncate(m);
    for (at, x) in muts {
        let i = usize::from(*at) % cf.len();
        cf[i] ^= x;
    }
    (server, cf)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn client_first_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..80)) {
        if let Err(e) = ClientFirst::parse(&bytes) { prop_assert!(known(e)); }
    }

    #[test]
    fn mutated_client_final_never_panics(muts in prop::collection::vec(any::<(u16, u8)>(), 1..4), token: bool) {
        let (server, cf) = client_final_mutated(&muts, token);
        match server.client_final(&cf) {
            Ok(f) => {
                let req = server.sts_request(&f);
                let mut out = vec![0u8; req.http_len()];
                prop_assert_eq!(req.write_http(&mut out), Ok(out.len()));
            }
            Err(e) => prop_assert!(known(e)),
        }
    }

    #[test]
    fn authorization_never_panics(s in "(AWS4-HMAC-SHA256 )?((Credential|SignedHeaders|Signature)=[a-zA-Z0-9/;\\-]{0,20}(, ?)?){0,4}") {
        if let Err(e) = Authorization::parse(&s) { prop_assert!(known(e)); }
    }

    #[test]
    fn sts_reply_never_panics(status in prop_oneof![Just(200u16), Just(403u16), any::<u16>()],
                              body in prop_oneof![
                                  prop::collection::vec(any::<u8>(), 0..64),
                                  "<[A-Za-z]{0,20}>[a-z:/ ]{0,20}(</[A-Za-z]{0,20}>)?".prop_map(String::into_bytes),
                                  "\\{\"[A-Za-z]{0,20}\":(\\{\"Arn\":\"[a-z:/]{0,20}\"\\}|[0-9]{1,3})\\}".prop_map(String::into_bytes),
                              ]) {
        let mut scratch = vec![0u8; body.len()];
        if let Err(e) = parse_reply(status, &body, &mut scratch) { prop_assert!(known(e)); }
    }

    #[test]
    fn arn_mapping_never_panics(arn in "(arn:)?[a-z\\-]{0,6}:[a-z]{0,4}:[a-z0-9\\-]{0,4}:[0-9]{0,12}:(assumed-role/)?[A-Za-z/\\-]{0,12}") {
        match user_name(&arn) {
            Ok(u) => {
                let s = u.to_string();
                prop_assert_eq!(s.len(), u.len());
                prop_assert!(s == arn || (s.ends_with("/*") && arn.starts_with(&s[..s.len() - 1])));
            }
            Err(e) => prop_assert!(known(e)),
        }
    }

    #[test]
    fn verifier_never_panics(names in prop::collection::vec("[A-Za-z\\-]{1,12}", 0..6),
                             values in prop::collection::vec("[ -~]{0,30}", 6),
                             auth in "[ -~]{0,80}") {
        let mut headers: Vec<(&str, &str)> = names.iter().zip(values.iter()).map(|(n, v)| (n.as_str(), v.as_str())).collect();
        headers.push(("Authorization", auth.as_str()));
        let req = IncomingRequest { method: "POST", path: "/", query: "", headers: &headers,
            body: b"Action=GetCallerIdentity&Version=2011-06-15" };
        match inspect(req) {
            Ok(s) => if let Err(e) = s.verify("secret", None, UnixTime(0)) { prop_assert!(known(e)); },
            Err(e) => prop_assert!(known(e)),
        }
    }

    /// Our client's output is accepted by our server and verified, for any id, secret, token, host,
    /// nonces and time.
    #[test]
    fn client_and_server_agree(id in "[A-Z0-9]{16,40}", secret in "[!-~]{1,60}", token in proptest::option::of("[!-~]{1,200}"),
                               region in "[a-z]{2}-[a-z]{4,9}-[1-9]", regional: bool,
                               cn: [u8; 32], sr: [u8; 32], now in 0u64..253_402_300_799) {
        let host = if regional { format!("sts.{region}.amazonaws.com") } else { "sts.amazonaws.com".to_string() };
        let client = ClientConversation::new(cn);
        let server = ServerConversation::new(&client.client_first(), sr, &host).unwrap();
        let mut sf = [0u8; 340];
        let n = server.server_first(&mut sf).unwrap();
        let creds = Credentials::new(&id, &secret, token.as_deref()).unwrap();
        let mut cf = vec![0u8; 2048];
        let m = client.finish(&sf[..n], &creds, UnixTime(now), None, &mut cf).unwrap();
        let f = server.client_final(&cf[..m]).unwrap();
        prop_assert_eq!(f.access_key_id(), id.as_str());
        prop_assert_eq!(f.session_token(), token.as_deref());
        let req = server.sts_request(&f);
        let headers: Vec<(&str, &str)> = req.headers().collect();
        let signed = inspect(IncomingRequest { method: "POST", path: "/", query: "", headers: &headers, body: req.body() }).unwrap();
        prop_assert_eq!(signed.verify(&secret, token.as_deref(), UnixTime(now)), Ok(()));
    }
}
