//! Shared helpers for the fuzz targets: the typed-error check, input generators, and independent
//! reference models written from `PROTOCOL.md` and the BSON specification (plain `String`/`Vec`
//! code; the fuzz crate may allocate). None of them calls the code under test.

pub mod gen;
pub mod refbson;
pub mod refclient;
pub mod refhost;
pub mod refini;

use mongodb_aws_core::Error;

/// Asserts that `e` is a well-formed typed error: it is listed in `Error::ALL`, its stable number maps
/// back to the same variant, its name is an UPPER_SNAKE identifier and its message is non-empty and
/// carries no input data (static string from the table).
pub fn check_error(e: Error) {
    let code = e.code();
    let back = Error::from_code(code).unwrap_or_else(|| panic!("{e:?}: code {code} not in table"));
    assert_eq!(
        back.name(),
        e.name(),
        "{e:?}: from_code(code) is another variant"
    );
    assert!(
        Error::ALL.iter().any(|a| a.code() == code),
        "{e:?} missing from Error::ALL"
    );
    let name = e.name();
    assert!(
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'),
        "{e:?}: bad name {name:?}"
    );
    assert!(!e.message().is_empty(), "{e:?}: empty message");
    assert!(
        (100..1000).contains(&code),
        "{e:?}: core code {code} outside 100-999"
    );
    let shown = e.to_string();
    assert!(!shown.is_empty(), "{e:?}: empty Display");
}

/// `check_error` for a `Result`, passing the `Ok` value through.
pub fn typed<T>(r: Result<T, Error>) -> Result<T, Error> {
    if let Err(e) = &r {
        check_error(*e);
    }
    r
}

/// Outcome counters, printed to stderr every 2^k calls of `stat` when `MONGODB_AWS_FUZZ_STATS` is set
/// (used to check that a target's inputs reach the comparison rather than being filtered out).
pub fn stat(outcome: &'static str) {
    use std::collections::BTreeMap;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Mutex, OnceLock};
    static ON: OnceLock<bool> = OnceLock::new();
    static TOTAL: AtomicU64 = AtomicU64::new(0);
    static COUNTS: Mutex<BTreeMap<&'static str, u64>> = Mutex::new(BTreeMap::new());
    if !*ON.get_or_init(|| std::env::var_os("MONGODB_AWS_FUZZ_STATS").is_some()) {
        return;
    }
    let mut c = COUNTS.lock().unwrap();
    *c.entry(outcome).or_default() += 1;
    let n = TOTAL.fetch_add(1, Ordering::Relaxed) + 1;
    if n.is_power_of_two() && n >= 1024 {
        eprintln!("stats after {n}: {c:?}");
    }
}
