//! The custom provider hook (the spec's AWS_CREDENTIAL_PROVIDER): it runs before every other
//! source, its answer is validated by the core, and it is never cached (PROTOCOL.md A7, A9).

use mongodb_aws::{CredentialCache, Credentials, Provider, Resolver, Source, UnixTime};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn env_with_keys() -> HashMap<String, String> {
    [
        ("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT"),
        ("AWS_SECRET_ACCESS_KEY", "environmentSecret"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn provider_beats_environment_and_is_not_cached() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c2 = calls.clone();
    let p: Provider = Arc::new(move || {
        c2.fetch_add(1, Ordering::SeqCst);
        Credentials::new(
            "ASIAPROVIDER",
            "providerSecret",
            Some("providerToken"),
            Some(UnixTime(now() + 3600)),
        )
        .map_err(|e| e.to_string())
    });
    let cache = CredentialCache::new();
    let r = Resolver::new()
        .env(env_with_keys())
        .provider(Some(p))
        .cache(&cache);
    for _ in 0..2 {
        let got = r.resolve().unwrap();
        assert_eq!(got.credentials.access_key_id(), "ASIAPROVIDER");
        assert_eq!(got.credentials.source(), Source::CustomProvider);
        assert_eq!(got.credentials.session_token(), Some("providerToken"));
        assert!(!got.from_cache);
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "called on every resolution"
    );
    assert!(cache.peek().is_none(), "provider answers are never cached");
}

#[test]
fn provider_failures_are_typed() {
    let cache = CredentialCache::new();
    let failing: Provider = Arc::new(|| Err("vault unreachable".to_string()));
    let e = Resolver::new()
        .env(env_with_keys())
        .provider(Some(failing))
        .cache(&cache)
        .resolve()
        .unwrap_err();
    assert_eq!(e.code(), "CUSTOM_PROVIDER_FAILED");
    assert!(e.message().contains("vault unreachable"), "{e}");
    assert_eq!(e.credential_source(), Some(Source::CustomProvider));

    let expired: Provider = Arc::new(|| {
        Credentials::new("ASIAOLD", "oldSecret", None, Some(UnixTime(now() - 10)))
            .map_err(|e| e.to_string())
    });
    let e = Resolver::new()
        .env(HashMap::new())
        .provider(Some(expired))
        .cache(&cache)
        .resolve()
        .unwrap_err();
    assert_eq!(e.code(), "CREDENTIALS_EXPIRED");
    assert!(!e.message().contains("oldSecret"), "{e}");
}

#[test]
fn without_a_provider_the_environment_is_used_and_never_cached() {
    let cache = CredentialCache::new();
    let r = Resolver::new()
        .env(env_with_keys())
        .provider(None)
        .cache(&cache);
    let got = r.resolve().unwrap();
    assert_eq!(got.credentials.source(), Source::Environment);
    assert_eq!(got.credentials.expiration(), None);
    assert!(cache.peek().is_none());
    assert!(!format!("{:?}", got.credentials).contains("environmentSecret"));
}
