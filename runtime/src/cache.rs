//! The process-wide credential cache (PROTOCOL.md A8): holds only endpoint credentials, is replaced
//! atomically (one `Arc` swap), is never locked while a fetch runs, lets concurrent callers share one
//! in-flight fetch, and is cleared by the caller after an authentication failure.
//!
//! Freshness is the core's rule ([`mongodb_aws_core::cache::is_fresh`]: usable until 5 minutes
//! before `Expiration`).

use crate::{Credentials, Error};
use mongodb_aws_core::cache::is_fresh;
use mongodb_aws_core::Error as CoreError;
use mongodb_aws_core::UnixTime;
use std::sync::{Arc, Condvar, Mutex, OnceLock};

type Outcome = Result<Arc<Credentials>, Error>;

/// One fetch in progress; later callers wait for its outcome instead of starting their own.
struct Flight {
    outcome: Mutex<Option<Outcome>>,
    done: Condvar,
}

#[derive(Default)]
struct Slot {
    creds: Option<Arc<Credentials>>,
    /// Bumped by [`CredentialCache::clear`]: a fetch that started before a clear does not store.
    generation: u64,
}

/// A credential cache. [`global_cache`](crate::global_cache) is the process-wide one.
#[derive(Default)]
pub struct CredentialCache {
    slot: Mutex<Slot>,
    flight: Mutex<Option<Arc<Flight>>>,
}

/// How [`CredentialCache::get_or_fetch`] got its answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheOrigin {
    /// From the cache.
    Cached,
    /// This caller ran the fetch.
    Fetched,
    /// Another caller's fetch, shared.
    Shared,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl CredentialCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The cached set if it is still fresh at `now`.
    pub fn get_fresh(&self, now: UnixTime) -> Option<Arc<Credentials>> {
        let slot = lock(&self.slot);
        slot.creds
            .as_ref()
            .filter(|c| is_fresh(c.expiration(), now))
            .cloned()
    }

    /// The cached set, fresh or not (for diagnostics).
    pub fn peek(&self) -> Option<Arc<Credentials>> {
        lock(&self.slot).creds.clone()
    }

    /// Empties the cache. Call after any MONGODB-AWS authentication failure.
    pub fn clear(&self) {
        let mut slot = lock(&self.slot);
        slot.creds = None;
        slot.generation += 1;
    }

    /// Stores a set (only endpoint credentials are accepted; others are ignored).
    pub fn store(&self, creds: Arc<Credentials>) {
        if creds.cacheable {
            lock(&self.slot).creds = Some(creds);
        }
    }

    /// Returns fresh cached credentials, or runs `fetch` — at most one at a time per cache: callers
    /// arriving while a fetch runs wait for it and share its outcome. No lock is held while `fetch`
    /// runs. A successful endpoint result is stored (unless [`clear`](Self::clear) ran meanwhile).
    pub fn get_or_fetch(
        &self,
        now: impl Fn() -> UnixTime,
        fetch: impl FnOnce() -> Outcome,
    ) -> (Outcome, CacheOrigin) {
        if let Some(c) = self.get_fresh(now()) {
            return (Ok(c), CacheOrigin::Cached);
        }
        let (flight, leader) = {
            let mut f = lock(&self.flight);
            match &*f {
                Some(existing) => (existing.clone(), false),
                None => {
                    // Re-check: a flight may have just finished and stored.
                    if let Some(c) = self.get_fresh(now()) {
                        return (Ok(c), CacheOrigin::Cached);
                    }
                    let new = Arc::new(Flight {
                        outcome: Mutex::new(None),
                        done: Condvar::new(),
                    });
                    *f = Some(new.clone());
                    (new, true)
                }
            }
        };
        if !leader {
            let mut o = lock(&flight.outcome);
            while o.is_none() {
                o = flight.done.wait(o).unwrap_or_else(|p| p.into_inner());
            }
            let out = o.clone().unwrap_or_else(unreachable_outcome);
            return (out, CacheOrigin::Shared);
        }
        let generation = lock(&self.slot).generation;
        // The fetch runs with no lock held; a panic inside still releases the waiters.
        let guard = FlightGuard {
            cache: self,
            flight: &flight,
        };
        let outcome = fetch();
        if let Ok(c) = &outcome {
            if c.cacheable {
                let mut slot = lock(&self.slot);
                if slot.generation == generation {
                    slot.creds = Some(c.clone());
                }
            }
        }
        guard.finish(outcome.clone());
        (outcome, CacheOrigin::Fetched)
    }
}

fn unreachable_outcome() -> Outcome {
    Err(Error::with(
        CoreError::UnexpectedChainEvent,
        "credential fetch ended without an outcome",
    ))
}

struct FlightGuard<'c> {
    cache: &'c CredentialCache,
    flight: &'c Arc<Flight>,
}

impl FlightGuard<'_> {
    fn finish(self, outcome: Outcome) {
        *lock(&self.flight.outcome) = Some(outcome);
        // Drop runs next and releases the waiters.
    }
}

impl Drop for FlightGuard<'_> {
    fn drop(&mut self) {
        {
            let mut o = lock(&self.flight.outcome);
            if o.is_none() {
                *o = Some(Err(Error::with(
                    CoreError::UnexpectedChainEvent,
                    "credential fetch panicked",
                )));
            }
        }
        self.flight.done.notify_all();
        let mut f = lock(&self.cache.flight);
        if f.as_ref().is_some_and(|x| Arc::ptr_eq(x, self.flight)) {
            *f = None;
        }
    }
}

/// The process-wide cache.
pub fn global() -> &'static CredentialCache {
    static CACHE: OnceLock<CredentialCache> = OnceLock::new();
    CACHE.get_or_init(CredentialCache::new)
}

/// The map of named profiles' caches.
type Named = Mutex<std::collections::HashMap<String, &'static CredentialCache>>;

/// The process-wide caches of named profiles (explicit option, `AWS_DEFAULT_PROFILE`,
/// `AWS_PROFILE`): one per name, so that switching profiles never answers with another
/// profile's role. The implicit `default` uses [`global`].
fn named() -> &'static Named {
    static NAMED: OnceLock<Named> = OnceLock::new();
    NAMED.get_or_init(Default::default)
}

/// The process-wide cache for the profile `name` (made on first use, kept for the process).
pub fn for_profile(name: &str) -> &'static CredentialCache {
    let mut m = lock(named());
    if let Some(c) = m.get(name) {
        return c;
    }
    let c: &'static CredentialCache = Box::leak(Box::new(CredentialCache::new()));
    m.insert(name.to_string(), c);
    c
}

/// Empties every process-wide cache.
pub fn clear_all() {
    global().clear();
    for c in lock(named()).values() {
        c.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mongodb_aws_core::providers::Source;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Barrier;
    use std::time::Duration;

    fn creds(id: &str, exp: u64, source: Source) -> Arc<Credentials> {
        Arc::new(Credentials::for_test(id, Some(UnixTime(exp)), source))
    }

    #[test]
    fn fresh_entries_are_reused_and_stale_ones_refetched() {
        let c = CredentialCache::new();
        let (r, o) = c.get_or_fetch(|| UnixTime(1_000), || Ok(creds("A1", 5_000, Source::Ecs)));
        assert_eq!(
            (r.unwrap().access_key_id(), o),
            ("A1", CacheOrigin::Fetched)
        );
        let (r, o) = c.get_or_fetch(|| UnixTime(1_000), || panic!("must not fetch"));
        assert_eq!((r.unwrap().access_key_id(), o), ("A1", CacheOrigin::Cached));
        // Within 5 minutes of expiry: refetched and replaced.
        let (r, o) = c.get_or_fetch(|| UnixTime(4_700), || Ok(creds("A2", 9_000, Source::Ecs)));
        assert_eq!(
            (r.unwrap().access_key_id(), o),
            ("A2", CacheOrigin::Fetched)
        );
        assert_eq!(c.peek().unwrap().access_key_id(), "A2");
    }

    #[test]
    fn env_credentials_never_enter_the_cache() {
        let c = CredentialCache::new();
        let (r, _) = c.get_or_fetch(
            || UnixTime(0),
            || Ok(creds("E", 5_000, Source::Environment)),
        );
        assert!(r.is_ok());
        assert!(c.peek().is_none());
        c.store(creds("E", 5_000, Source::Environment));
        assert!(c.peek().is_none());
    }

    #[test]
    fn clear_after_failure_forces_a_refetch() {
        let c = CredentialCache::new();
        c.store(creds("POISONED", 99_999, Source::Ec2));
        assert_eq!(
            c.get_fresh(UnixTime(0)).unwrap().access_key_id(),
            "POISONED"
        );
        c.clear();
        let (r, o) = c.get_or_fetch(|| UnixTime(0), || Ok(creds("GOOD", 99_999, Source::Ec2)));
        assert_eq!(
            (r.unwrap().access_key_id(), o),
            ("GOOD", CacheOrigin::Fetched)
        );
    }

    #[test]
    fn a_clear_during_a_fetch_wins() {
        let c = CredentialCache::new();
        let (r, _) = c.get_or_fetch(
            || UnixTime(0),
            || {
                c.clear();
                Ok(creds("RACED", 99_999, Source::Ec2))
            },
        );
        assert!(r.is_ok());
        assert!(
            c.peek().is_none(),
            "a fetch started before clear() must not store"
        );
    }

    #[test]
    fn concurrent_callers_share_one_fetch_and_no_lock_is_held_during_it() {
        let c = Arc::new(CredentialCache::new());
        let fetches = Arc::new(AtomicUsize::new(0));
        let n = 8;
        let barrier = Arc::new(Barrier::new(n));
        let handles: Vec<_> = (0..n)
            .map(|_| {
                let (c, fetches, barrier) = (c.clone(), fetches.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    c.get_or_fetch(
                        || UnixTime(0),
                        || {
                            fetches.fetch_add(1, Ordering::SeqCst);
                            // While fetching, the cache can still be read and cleared: not locked.
                            assert!(c.get_fresh(UnixTime(0)).is_none());
                            std::thread::sleep(Duration::from_millis(200));
                            Ok(creds("ONE", 99_999, Source::Ecs))
                        },
                    )
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        assert!(results
            .iter()
            .all(|(r, _)| r.as_ref().unwrap().access_key_id == "ONE"));
        assert_eq!(
            results
                .iter()
                .filter(|(_, o)| *o == CacheOrigin::Fetched)
                .count(),
            1
        );
    }

    #[test]
    fn a_failed_fetch_is_shared_then_retried() {
        let c = CredentialCache::new();
        let (r, _) = c.get_or_fetch(
            || UnixTime(0),
            || Err(Error::with(CoreError::EndpointTimeout, "boom")),
        );
        assert!(r.is_err());
        assert!(c.peek().is_none());
        let (r, o) = c.get_or_fetch(|| UnixTime(0), || Ok(creds("OK", 99_999, Source::Ecs)));
        assert_eq!(
            (r.unwrap().access_key_id(), o),
            ("OK", CacheOrigin::Fetched)
        );
    }

    #[test]
    fn a_panicking_fetch_releases_waiters() {
        let c = Arc::new(CredentialCache::new());
        let c2 = c.clone();
        let t = std::thread::spawn(move || {
            c2.get_or_fetch(
                || UnixTime(0),
                || {
                    std::thread::sleep(Duration::from_millis(100));
                    panic!("fetch crashed")
                },
            )
        });
        std::thread::sleep(Duration::from_millis(20));
        let (r, _) = c.get_or_fetch(|| UnixTime(0), || Ok(creds("LATE", 99_999, Source::Ecs)));
        assert!(t.join().is_err());
        // Either we waited on the crashed flight (error) or ran our own: never a hang.
        if let Ok(v) = r {
            assert_eq!(v.access_key_id(), "LATE");
        }
    }
}
