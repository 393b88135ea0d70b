//! The invariants of the INI reader that hold for every input, checked by the proptest
//! (`core/tests/ini_proptest.rs`) and by the fuzz target (`fuzz/fuzz_targets/ini.rs`), which both
//! include this file: an error is a typed `INI_*` with a line inside the input; an accepted file's
//! names, keys and value lines are borrowed from it; a value's `write_to`, `len`, `eq_str`,
//! `as_str`, `is_nested` and `nested` agree with its lines; `section` and `get` find what the
//! iterators list.

use mongodb_aws_core::ini::{Ini, IniError};
use mongodb_aws_core::Error;

/// Lines as Python counts them (`\n`, `\r\n` and a lone `\r` end a line).
pub fn line_count(b: &[u8]) -> u32 {
    let mut n = 0u32;
    let mut i = 0;
    while i < b.len() {
        n += 1;
        while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
            i += 1;
        }
        if i < b.len() {
            i += if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') {
                2
            } else {
                1
            };
        }
    }
    n
}

/// Whether `inner` is a slice of `outer` (borrowed, not copied).
pub fn within(outer: &str, inner: &str) -> bool {
    let (o, i) = (outer.as_ptr() as usize, inner.as_ptr() as usize);
    i >= o && i + inner.len() <= o + outer.len()
}

/// Python's `str.strip()`: Unicode White_Space and U+001C..U+001F.
fn py_strip(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

/// Panics when `parsed` (the reader's answer for `data`) breaks an invariant.
pub fn check(data: &[u8], parsed: &Result<Ini<'_>, IniError>) {
    let ini = match parsed {
        Err(e) => {
            assert!(e.error.name().starts_with("INI_"), "{e:?}");
            assert!(
                e.line >= 1 && e.line <= line_count(data).max(1),
                "{e:?}: line outside the input"
            );
            return;
        }
        Ok(ini) => ini,
    };
    let text = std::str::from_utf8(data).expect("accepted input is UTF-8");
    for s in ini.sections() {
        assert!(within(text, s.name()) && s.name() != "DEFAULT");
        assert_eq!(ini.section(s.name()).map(|t| t.line()), Some(s.line()));
        for (k, v) in s.entries() {
            assert!(within(text, k) && !k.is_empty());
            assert!(v.line() >= 1 && v.line() <= line_count(data));
            let lines: Vec<&str> = v.lines().collect();
            assert!(lines.iter().all(|l| l.is_empty() || within(text, l)));
            assert!(lines.iter().all(|l| py_strip(l) == *l), "{lines:?}");
            assert!(lines.len() == 1 || !lines.last().is_some_and(|l| l.is_empty()));
            let j = lines.join("\n");
            assert!(v.eq_str(&j) && v.len() == j.len());
            let mut buf = vec![0u8; j.len()];
            assert_eq!(v.write_to(&mut buf).ok(), Some(j.as_str()));
            if !j.is_empty() {
                assert_eq!(
                    v.write_to(&mut buf[..j.len() - 1]),
                    Err(Error::BufferTooSmall { needed: j.len() })
                );
            }
            assert_eq!(v.as_str().is_some(), lines.len() == 1);
            assert_eq!(v.is_nested(), j.starts_with('\n'));
            if let Some(n) = v.nested() {
                for (a, b) in n {
                    assert!(within(text, a) && (b.is_empty() || within(text, b)));
                }
            }
            assert_eq!(s.get(k).map(|g| g.line()), Some(v.line()), "get({k:?})");
        }
    }
}
