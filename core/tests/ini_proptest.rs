//! Property test of the INI reader: random bytes and random lines of INI-like pieces keep the
//! invariants of `support/ini_invariants.rs` (shared with the fuzz target `fuzz/fuzz_targets/ini.rs`).

use mongodb_aws_core::ini::Ini;
use proptest::prelude::*;

#[path = "support/ini_invariants.rs"]
mod ini_invariants;

fn check_invariants(bytes: &[u8]) {
    ini_invariants::check(bytes, &Ini::parse(bytes));
}

fn ini_line() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("[a]"),
        Just("[b]"),
        Just("[DEFAULT]"),
        Just("[profile a]"),
        Just("k"),
        Just("K"),
        Just("v"),
        Just("="),
        Just(":"),
        Just(" "),
        Just("\t"),
        Just("#"),
        Just(";"),
        Just("["),
        Just("]"),
        Just("'"),
        Just("\u{a0}"),
        Just("\u{b}"),
        Just("\u{feff}"),
        Just("é"),
    ];
    (
        prop::collection::vec(piece, 0..6),
        prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
    )
        .prop_map(|(p, end)| p.concat() + end)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        check_invariants(&bytes);
    }

    #[test]
    fn random_lines_keep_invariants(lines in prop::collection::vec(ini_line(), 0..12)) {
        check_invariants(lines.concat().as_bytes());
    }

    #[test]
    fn valid_lines_prefixed_with_a_section(lines in prop::collection::vec(ini_line(), 0..12)) {
        check_invariants(("[s]\n".to_string() + &lines.concat()).as_bytes());
    }
}
