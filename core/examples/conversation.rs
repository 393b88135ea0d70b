//! A whole MONGODB-AWS client conversation on the shared vector inputs, printing every message.
//!
//! `cargo run -p mongodb-aws-core --example conversation` — no network, no set-up. The server side is
//! played by the vector's server-first message (testdata/vectors/mongodb-aws-getcalleridentity).

use mongodb_aws_core::bson::{Document, Value};
use mongodb_aws_core::sasl::client::ClientConversation;
use mongodb_aws_core::time::AmzDate;
use mongodb_aws_core::Credentials;

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testdata/vectors/mongodb-aws-getcalleridentity"
);

fn show(label: &str, bytes: &[u8]) {
    println!("{label} ({} bytes): {}", bytes.len(), hex::encode(bytes));
    if let Ok(doc) = Document::parse(bytes) {
        for e in doc.iter().flatten() {
            match e.value {
                Value::Binary { subtype, bytes } => {
                    println!("  {}: BinData({subtype}, {})", e.name, hex::encode(bytes))
                }
                Value::String(s) => println!("  {}: {s:?}", e.name),
                Value::Int32(i) => println!("  {}: {i}", e.name),
                other => println!("  {}: {other:?}", e.name),
            }
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let read = |f: &str| std::fs::read_to_string(format!("{VECTORS}/{f}"));
    let inputs: serde_json::Value = serde_json::from_str(&read("inputs.json")?)?;
    let field = |k: &str| inputs[k].as_str().unwrap_or_default().to_string();
    let nonce: [u8; 32] = hex::decode(field("client_nonce_hex"))?
        .try_into()
        .map_err(|_| "nonce")?;
    let server_first = hex::decode(read("server-first.bson.hex")?.trim())?;
    let now = AmzDate::parse(&field("amz_date"))?.to_unix();
    let token = field("session_token");
    let creds = Credentials::new(
        inputs["access_key_id"].as_str().unwrap_or_default(),
        inputs["secret_access_key"].as_str().unwrap_or_default(),
        Some(&token),
    )?;

    let conv = ClientConversation::new(nonce);
    show("client-first  -> saslStart payload", &conv.client_first());
    show("server-first  <- saslStart reply payload", &server_first);
    let sf = conv.parse_server_first(&server_first)?;
    println!("  validated: host {} -> region {}", sf.host(), sf.region());

    let mut buf = vec![0u8; 4096];
    let n = conv.canonical_request(&server_first, &creds, now, &mut buf)?;
    println!(
        "\ncanonical request:\n{}\n",
        String::from_utf8_lossy(&buf[..n])
    );
    let n = conv.string_to_sign(&server_first, &creds, now, &mut buf)?;
    println!("string to sign:\n{}\n", String::from_utf8_lossy(&buf[..n]));

    let needed = conv.client_final_len(&server_first, &creds)?;
    let n = conv.finish(&server_first, &creds, now, None, &mut buf[..needed])?;
    show("client-final  -> saslContinue payload", &buf[..n]);
    let expected = hex::decode(read("with-session-token/client-final.bson.hex")?.trim())?;
    println!(
        "\nmatches the vector byte for byte: {}",
        buf[..n] == expected[..]
    );
    Ok(())
}
