//! The Rust host of the credential scenario suite (testdata/credential-scenarios): reads
//! `{"calls": [{"env": {..}, "unset": [..], "sleep_ms": n, "clear_cache": bool, "profile": null |
//! "NAME", "mfa_codes": null | ["123456", ..]}, ..]}` on stdin and, for each call, applies the
//! changes to the process environment, sleeps `sleep_ms`, runs `mongodb_aws::Resolver::new()`
//! with the call's explicit profile and MFA callback (`mfa_codes` null: none installed; a list:
//! a callback that answers the codes in order, then fails with "no more codes"), and prints one
//! JSON line (tests/scenarios/runner.py compares it with the scenario).
//!
//! With `--first-request`, each call runs `Resolver::first_request` instead: files are read,
//! `credential_process` runs and MFA codes are answered as above, but the first HTTP request is
//! printed as `{"first_request": {"method", "url", "step"}}` and not sent (the differential
//! test compares the STS or SSO host chosen with botocore's).

use mongodb_aws::{DryRun, MfaProvider, MfaRequest, Resolver};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use zeroize::Zeroizing;

/// The MFA callback of a call: answers `codes` in order and records the serials asked for.
fn mfa_callback(codes: Vec<String>, asked: Arc<Mutex<Vec<String>>>) -> MfaProvider {
    let codes = Mutex::new(codes.into_iter());
    Arc::new(move |r: &MfaRequest| {
        asked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(r.serial.clone());
        match codes.lock().unwrap_or_else(|p| p.into_inner()).next() {
            Some(c) => Ok(Zeroizing::new(c)),
            None => Err("no more codes".to_string()),
        }
    })
}

fn main() {
    let first_request = std::env::args().any(|a| a == "--first-request");
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
        let asked = Arc::new(Mutex::new(Vec::new()));
        let mfa = call["mfa_codes"].as_array().map(|codes| {
            let codes = codes
                .iter()
                .map(|c| c.as_str().unwrap_or("").to_string())
                .collect();
            mfa_callback(codes, asked.clone())
        });
        let resolver = Resolver::new()
            .profile(call["profile"].as_str().map(str::to_string))
            .mfa(mfa);
        let _ = writeln!(out, "{}", serde_json::json!({"start": true}));
        let _ = out.flush();
        let mfa_asked = || asked.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let success = |c: &mongodb_aws::Credentials, from_cache: bool| {
            let origin = c.origin();
            serde_json::json!({
                "ok": true,
                "source": c.source().name(),
                "access_key_id": c.access_key_id(),
                "session_token": c.session_token().is_some(),
                "expiration": c.expiration().map(|t| t.0),
                "from_cache": from_cache,
                "profile": origin.map(|o| o.profile.clone()),
                "origin_file": origin.map(|o| o.file.clone()),
                "origin_line": origin.map(|o| o.line),
                "mfa_asked": mfa_asked(),
            })
        };
        let failure = |e: &mongodb_aws::Error| {
            serde_json::json!({
                "ok": false,
                "error": e.code(),
                "message": e.to_string(),
                "mfa_asked": mfa_asked(),
            })
        };
        let line = if first_request {
            match resolver.first_request() {
                Ok(DryRun::Request(r)) => serde_json::json!({
                    "first_request": {"method": r.method, "url": r.url, "step": r.step},
                    "mfa_asked": mfa_asked(),
                }),
                Ok(DryRun::Resolved(c)) => success(&c, false),
                Err(e) => failure(&e),
            }
        } else {
            match resolver.resolve() {
                Ok(r) => success(&r.credentials, r.from_cache),
                Err(e) => failure(&e),
            }
        };
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
}
