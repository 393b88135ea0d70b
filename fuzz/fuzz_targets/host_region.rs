//! STS host validation and region rule: `sts::validate_host` / `sts::region_for_host` against the
//! reference written from PROTOCOL.md A3/A4. Errors must be typed and the predicted variant; a region
//! must be `us-east-1` or the host's second label, borrowed from the host.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use mongodb_aws_core::{sts, Error};
use mongodb_aws_fuzz::gen;
use mongodb_aws_fuzz::refhost::{self, HostVerdict};
use mongodb_aws_fuzz::typed;

fn check(h: &str) {
    let got = typed(sts::region_for_host(h));
    let valid = typed(sts::validate_host(h));
    assert_eq!(
        valid.err(),
        got.err(),
        "{h:?}: validate_host and region_for_host disagree"
    );
    match (got, refhost::verdict(h)) {
        (Ok(r), HostVerdict::Region(w)) => {
            assert_eq!(r, w, "{h:?}");
            if r != "us-east-1" || h.contains('.') && h != "sts.amazonaws.com" {
                // Borrowed from the host: a label of it.
                let start = (r.as_ptr() as usize).wrapping_sub(h.as_ptr() as usize);
                assert!(
                    (1..=h.len()).contains(&start) && h.as_bytes()[start - 1] == b'.',
                    "{h:?} -> {r:?} is not a label of the host"
                );
            }
        }
        (Err(e), v) => {
            let want = match v {
                HostVerdict::Empty => Error::HostEmpty,
                HostVerdict::TooLong => Error::HostTooLong,
                HostVerdict::EmptyLabel => Error::HostEmptyLabel,
                HostVerdict::BadChar => Error::HostInvalidCharacter,
                HostVerdict::Region(r) => panic!("{h:?}: core {e:?}, reference region {r:?}"),
            };
            assert_eq!(e, want, "{h:?}");
        }
        (Ok(r), v) => panic!("{h:?}: core region {r:?}, reference {v:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        check(s);
    }
    let mut u = Unstructured::new(data);
    if let Ok(h) = gen::from_tokens(&mut u, gen::HOST_TOKENS, 12) {
        check(&h);
    }
});
