//! Zero heap allocations on the server side too: ServerConversation (client-first, server-first,
//! client-final checks, the forwarded request), the verifier, and the STS reply parser with the ARN
//! mapping, counted by a global allocator. Also run on a 16 KiB thread stack.

use mongodb_aws_core::caller_identity::{parse_reply, user_name};
use mongodb_aws_core::sasl::client::ClientConversation;
use mongodb_aws_core::sasl::server::ServerConversation;
use mongodb_aws_core::time::UnixTime;
use mongodb_aws_core::verify::{inspect, IncomingRequest};
use mongodb_aws_core::Credentials;

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const REPLY: &[u8] =
    br#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:sts::123456789012:assumed-role/my-role/my&#45;session</Arn>
    <UserId>AROAEXAMPLE:my-session</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
</GetCallerIdentityResponse>"#;

/// The server's whole side of a conversation, with fixed buffers. Returns the forwarded request's
/// length and the mapped user name's length.
fn server_side(token: Option<&str>) -> (usize, usize) {
    let now = UnixTime(1_700_000_000);
    let client = ClientConversation::new([3; 32]);
    let server = ServerConversation::new(
        &client.client_first(),
        [9; 32],
        "sts.us-west-2.amazonaws.com",
    )
    .unwrap();
    let mut sf = [0u8; 340];
    let n = server.server_first(&mut sf).unwrap();
    let creds = Credentials::new("AKIDEXAMPLE", SECRET, token).unwrap();
    let mut cf = [0u8; 1536];
    let m = client.finish(&sf[..n], &creds, now, None, &mut cf).unwrap();

    let f = server.client_final(&cf[..m]).unwrap();
    f.check_time(now, 900).unwrap();
    let req = server.sts_request(&f);
    let mut http = [0u8; 2048];
    let len = req.write_http(&mut http).unwrap();
    assert_eq!(len, req.http_len());

    // The verifier on the forwarded headers.
    let mut headers = [("", ""); 8];
    let mut k = 0;
    for h in req.headers() {
        headers[k] = h;
        k += 1;
    }
    let incoming = IncomingRequest {
        method: "POST",
        path: "/",
        query: "",
        headers: &headers[..k],
        body: req.body(),
    };
    let signed = inspect(incoming).unwrap();
    signed.verify(SECRET, token, now).unwrap();

    // STS's reply and the ARN mapping.
    let mut scratch = [0u8; 512];
    let id = parse_reply(200, REPLY, &mut scratch)
        .unwrap()
        .identity()
        .unwrap();
    let user = user_name(id.arn).unwrap();
    let mut name = [0u8; 128];
    let u = user.write(&mut name).unwrap();
    assert_eq!(
        &name[..u],
        b"arn:aws:sts::123456789012:assumed-role/my-role/*"
    );
    (len, u)
}

#[test]
fn server_side_allocates_nothing() {
    // Warm up anything lazily initialised outside the core (thread-locals of the test harness).
    server_side(None);
    let ((a, b), n) =
        counting_alloc::counted(|| (server_side(None), server_side(Some("AQoDYXdzEJ/+token=="))));
    assert_eq!(n, 0, "heap allocations on the server side");
    assert!(b.0 > a.0);
}

#[test]
fn server_side_fits_a_16k_stack() {
    let h = std::thread::Builder::new()
        .stack_size(16 * 1024)
        .spawn(|| server_side(Some("AQoDYXdzEJ/+token==")))
        .unwrap();
    assert_eq!(
        h.join().unwrap().1,
        "arn:aws:sts::123456789012:assumed-role/my-role/*".len()
    );
}
