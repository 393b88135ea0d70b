//! The custom provider hook (the spec's AWS_CREDENTIAL_PROVIDER): it runs before every other
//! source, its answer is validated by the core, and it is never cached (PROTOCOL.md A7, A9).

use mongodb_aws::{CredentialCache, Provided, Provider, Resolver, Source, UnixTime};
use zeroize::Zeroizing;

fn provided(id: &str, secret: &str, token: Option<&str>, exp: Option<u64>) -> Provided {
    Provided {
        access_key_id: id.into(),
        secret_access_key: Zeroizing::new(secret.into()),
        session_token: token.map(|t| Zeroizing::new(t.into())),
        expiration: exp.map(UnixTime),
    }
}
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
        Ok(provided(
            "ASIAPROVIDER",
            "providerSecret",
            Some("providerToken"),
            Some(now() + 3600),
        ))
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

    let expired: Provider =
        Arc::new(|| Ok(provided("ASIAOLD", "oldSecret", None, Some(now() - 10))));
    let e = Resolver::new()
        .env(HashMap::new())
        .provider(Some(expired))
        .cache(&cache)
        .resolve()
        .unwrap_err();
    assert_eq!(e.code(), "CREDENTIALS_EXPIRED");
    assert!(!e.message().contains("oldSecret"), "{e}");

    // A malformed answer gets the core's own typed error, naming the provider as the source.
    for (answer, code) in [
        (provided("", "s3cret", None, None), "MISSING_ACCESS_KEY_ID"),
        (
            provided("AKIA-BAD", "s3cret", None, None),
            "INVALID_ACCESS_KEY_ID",
        ),
        (
            provided("AKIAOK", "", None, None),
            "MISSING_SECRET_ACCESS_KEY",
        ),
    ] {
        let p: Provider = Arc::new(move || Ok(answer.clone()));
        let e = Resolver::new()
            .env(HashMap::new())
            .provider(Some(p))
            .cache(&cache)
            .resolve()
            .unwrap_err();
        assert_eq!(e.code(), code, "{e}");
        assert_eq!(e.credential_source(), Some(Source::CustomProvider));
    }
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
