//! The AWS shared config/credentials reader: `ini::Ini::parse`, `sections`, `Section::get` /
//! `entries`, `Value` (lines, `write_to`, `eq_str`, `nested`) and `ini::profile` / `sso_session` /
//! `services`, against `src/refini.rs`, an eager transcription of what botocore runs (configparser,
//! `raw_config_parse`, `_parse_nested`, `build_profile_map`, `shlex.split`).
//!
//! Checked on every input: no panic; errors are typed `INI_*` with a line within the input; the
//! reference raises the matching class at the same line (a BOM is its `MissingSectionHeaderError` on
//! line 1); accepted files have the reference's sections, lower-cased keys, values and nested blocks
//! in order, and the profile, sso-session and services lookups find the reference's entries and
//! nothing else; every name, key and value line is borrowed from the input, and a value's
//! `write_to`, `len`, `eq_str`, `as_str` and `is_nested` agree with its lines.
//!
//! Documented difference skipped: a capital sigma (Python lower-cases a word-final `Σ` to `ς`, the
//! core compares characters one at a time).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mongodb_aws_core::ini::{self, FileKind, Ini, Section, Value};
use mongodb_aws_core::Error;
use mongodb_aws_fuzz::refini::{self, RefError, RefSection, RefValue};
use mongodb_aws_fuzz::{check_error, stat};

#[path = "../../core/tests/support/ini_invariants.rs"]
mod ini_invariants;

fn value_ref(v: Value<'_>) -> RefValue {
    match v.nested() {
        Some(n) => {
            let mut pairs: Vec<(String, String)> = Vec::new();
            for (k, val) in n {
                match pairs.iter_mut().find(|p| p.0 == k) {
                    Some(p) => p.1 = val.to_string(),
                    None => pairs.push((k.to_string(), val.to_string())),
                }
            }
            RefValue::Nested(pairs)
        }
        None => RefValue::Str(v.lines().collect::<Vec<_>>().join("\n")),
    }
}

fn section_ref(s: Section<'_>) -> RefSection {
    s.entries()
        .map(|(k, v)| (k.to_lowercase(), value_ref(v)))
        .collect()
}

/// The invariants shared with the proptest (core/tests/support/ini_invariants.rs), and the error
/// table's round trip.
fn invariants(data: &[u8], parsed: &Result<Ini<'_>, ini::IniError>) {
    if let Err(e) = parsed {
        check_error(e.error);
    }
    ini_invariants::check(data, parsed);
}

fn compare(data: &[u8], parsed: &Result<Ini<'_>, ini::IniError>) {
    let want = refini::parse(data);
    let ini = match (parsed, &want) {
        (Err(e), Err(r)) => {
            let same = match (e.error, r) {
                (Error::IniNotUtf8, RefError::Decode(l))
                | (Error::IniMissingSection, RefError::MissingSection(l))
                | (Error::IniSyntax, RefError::Parsing(l))
                | (Error::IniDuplicateSection, RefError::DuplicateSection(l))
                | (Error::IniDuplicateKey, RefError::DuplicateOption(l)) => e.line == *l,
                (Error::IniByteOrderMark, RefError::MissingSection(1)) => e.line == 1,
                (Error::IniNestedSyntax, RefError::Nested) => true,
                _ => false,
            };
            assert!(same, "core {e:?}, reference {r:?}");
            return stat(e.error.name());
        }
        (Ok(ini), Ok(_)) => ini,
        (Err(e), Ok(_)) => panic!("core {e:?}, reference accepts"),
        (Ok(_), Err(r)) => panic!("core accepts, reference {r:?}"),
    };
    let want = want.unwrap();
    let ours: Vec<(String, RefSection)> = ini
        .sections()
        .map(|s| (s.name().to_string(), section_ref(s)))
        .collect();
    assert_eq!(ours, want.sections, "sections");
    type Finder = for<'a> fn(&Ini<'a>, &str) -> Option<Section<'a>>;
    let finders: [(&str, Finder, &Vec<(String, RefSection)>); 3] = [
        (
            "profiles",
            |i, n| ini::profile(i, FileKind::Config, n),
            &want.profiles,
        ),
        ("sso_sessions", ini::sso_session, &want.sso_sessions),
        ("services", ini::services, &want.services),
    ];
    // Names to try: the reference's, every section name and its words (quoted or not).
    let mut names: Vec<String> = vec!["default".into(), "DEFAULT".into(), String::new()];
    for s in ini.sections() {
        names.push(s.name().to_string());
        for w in s.name().split([' ', '\t', '\r', '\n']) {
            names.push(w.to_string());
            names.push(w.trim_matches(['\'', '"', '\\']).to_string());
        }
        if let Some(words) = refini::shlex_split(s.name()) {
            names.extend(words);
        }
    }
    for (map, find, entries) in finders {
        for (name, section) in entries.iter() {
            let got = find(ini, name).map(section_ref);
            assert_eq!(got.as_ref(), Some(section), "{map}[{name:?}]");
        }
        for n in &names {
            if !entries.iter().any(|(e, _)| e == n) {
                assert!(find(ini, n).is_none(), "{map}: core finds {n:?}");
            }
        }
    }
    for (name, section) in &want.sections {
        let got = ini::profile(ini, FileKind::Credentials, name).map(section_ref);
        assert_eq!(got.as_ref(), Some(section), "credentials[{name:?}]");
    }
    assert!(ini::profile(ini, FileKind::Credentials, "DEFAULT").is_none());
    stat(if want.profiles.is_empty() {
        "accepted"
    } else {
        "accepted with profiles"
    });
}

fuzz_target!(|data: &[u8]| {
    let parsed = Ini::parse(data);
    invariants(data, &parsed);
    if std::str::from_utf8(data).is_ok_and(|t| t.contains('\u{3a3}')) {
        return stat("skipped: capital sigma");
    }
    compare(data, &parsed);
});
