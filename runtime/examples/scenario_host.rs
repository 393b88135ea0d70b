//! The Rust host of the credential scenario suite (testdata/credential-scenarios): reads
//! `{"calls": [{"env": {..}, "unset": [..], "sleep_ms": n, "clear_cache": bool}, ..]}` on stdin and,
//! for each call, applies the changes to the process environment, sleeps `sleep_ms`, runs `mongodb_aws::Resolver::new().resolve()`
//! and prints one JSON line (tests/scenarios/runner.py compares it with the scenario).

use std::io::{Read, Write};

fn main() {
    let mut input = String::new();
    if std::io::stdin().read_to_string(&mut input).is_err() {
        std::process::exit(2);
    }
    let doc: serde_json::Value = match serde_json::from_str(&input) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("bad input: {e}");
            std::process::exit(2);
        }
    };
    let calls = doc["calls"].as_array().cloned().unwrap_or_default();
    let mut out = std::io::stdout().lock();
    for call in calls {
        if let Some(env) = call["env"].as_object() {
            for (k, v) in env {
                std::env::set_var(k, v.as_str().unwrap_or(""));
            }
        }
        if let Some(unset) = call["unset"].as_array() {
            for k in unset {
                std::env::remove_var(k.as_str().unwrap_or(""));
            }
        }
        if let Some(ms) = call["sleep_ms"].as_u64() {
            std::thread::sleep(std::time::Duration::from_millis(ms));
        }
        if call["clear_cache"].as_bool() == Some(true) {
            mongodb_aws::clear_cache();
        }
        let _ = writeln!(out, "{}", serde_json::json!({"start": true}));
        let _ = out.flush();
        let line = match mongodb_aws::Resolver::new().resolve() {
            Ok(r) => serde_json::json!({
                "ok": true,
                "source": r.credentials.source().name(),
                "access_key_id": r.credentials.access_key_id(),
                "session_token": r.credentials.session_token().is_some(),
                "expiration": r.credentials.expiration().map(|t| t.0),
                "from_cache": r.from_cache,
            }),
            Err(e) => serde_json::json!({"ok": false, "error": e.code(), "message": e.to_string()}),
        };
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
}
