//! `src/status.rs` holds two generated regions: the core part of the `mongodb_aws_status` enum and
//! the number -> status / name / message tables. This test regenerates both from
//! `mongodb_aws_core::Error::ALL` and fails when the file differs, so the C statuses can never drift
//! from the core's error codes. After adding a core error, rewrite the regions with:
//!
//! ```text
//! MONGODB_AWS_BLESS=1 cargo test -p mongodb-aws-ffi --test generated
//! ```
//! and then regenerate the header (`--test header`, same variable).

use mongodb_aws_core::Error;
use std::fmt::Write as _;
use std::path::Path;

const BEGIN_ENUM: &str =
    "    // BEGIN GENERATED from mongodb_aws_core::Error::ALL by tests/generated.rs; do not edit by hand.\n";
const END_ENUM: &str = "    // END GENERATED\n";
const BEGIN_FNS: &str = "// BEGIN GENERATED from_core\n";
const END_FNS: &str = "// END GENERATED from_core\n";

/// The C message of a core error: the core's `message()`, except where the core's words do not fit
/// C's calling convention (the name and number are always the core's).
fn c_message(e: &Error) -> &'static str {
    match e {
        // The core's message names a Rust length function; C reports the size in `*out_len`.
        Error::BufferTooSmall { .. } => {
            "output buffer too small: nothing was written; *out_len holds the size needed (pass out = NULL and out_cap = 0 to ask for it first)"
        }
        _ => e.message(),
    }
}

fn block_title(code: u32) -> &'static str {
    match code / 100 {
        1 => "100-199: caller input",
        2 => "200-299: credentials",
        3 => "300-399: SASL conversation, client side",
        4 => "400-499: credential endpoints and STS responses",
        5 => "500-599: SASL conversation, server side",
        9 => "900-999: internal",
        _ => "other",
    }
}

fn enum_region() -> String {
    let mut s = String::from(BEGIN_ENUM);
    let mut block = u32::MAX;
    for e in Error::ALL {
        if e.code() / 100 != block {
            block = e.code() / 100;
            let title = block_title(e.code());
            let dashes = "-".repeat(87usize.saturating_sub(title.len()));
            writeln!(s, "\n    // ---- {title} {dashes}").unwrap();
        }
        writeln!(s, "    /// {}", c_message(e)).unwrap();
        writeln!(s, "    MONGODB_AWS_{} = {},", e.name(), e.code()).unwrap();
    }
    s.push_str(END_ENUM);
    s
}

fn fns_region() -> String {
    let mut s = String::from(BEGIN_FNS);
    s.push_str("/// The status with core error number `code`, if this build knows it.\n");
    s.push_str("#[rustfmt::skip]\n");
    s.push_str("const fn from_core_code(code: u32) -> Option<mongodb_aws_status> {\n");
    s.push_str("    match code {\n");
    for e in Error::ALL {
        writeln!(
            s,
            "        {} => Some(mongodb_aws_status::MONGODB_AWS_{}),",
            e.code(),
            e.name()
        )
        .unwrap();
    }
    s.push_str("        _ => None,\n    }\n}\n\n");
    s.push_str("/// NUL-terminated name and message of core error number `code`.\n");
    s.push_str("#[rustfmt::skip]\n");
    s.push_str("const fn core_strings(code: u32) -> Option<(&'static CStr, &'static CStr)> {\n");
    s.push_str("    match code {\n");
    for e in Error::ALL {
        writeln!(
            s,
            "        {} => Some((c{:?}, c{:?})),",
            e.code(),
            e.name(),
            c_message(e)
        )
        .unwrap();
    }
    s.push_str("        _ => None,\n    }\n}\n");
    s.push_str(END_FNS);
    s
}

fn replace_region(text: &str, begin: &str, end: &str, new: &str) -> String {
    let b = text.find(begin).expect("begin marker");
    let e = text[b..].find(end).expect("end marker") + b + end.len();
    format!("{}{}{}", &text[..b], new, &text[e..])
}

#[test]
fn status_enum_is_generated_from_core_errors() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/status.rs");
    let current = std::fs::read_to_string(&path).unwrap();
    let expected = replace_region(&current, BEGIN_ENUM, END_ENUM, &enum_region());
    let expected = replace_region(&expected, BEGIN_FNS, END_FNS, &fns_region());
    if std::env::var_os("MONGODB_AWS_BLESS").is_some() {
        if expected != current {
            std::fs::write(&path, &expected).unwrap();
        }
        return;
    }
    assert!(
        expected == current,
        "ffi-c/src/status.rs is stale: the core's Error list changed. Run\n  \
         MONGODB_AWS_BLESS=1 cargo test -p mongodb-aws-ffi --test generated --test header\n\
         to regenerate it and include/mongodb_aws.h"
    );
}

#[test]
fn every_core_error_is_a_status_with_the_same_number_and_name() {
    use mongodb_aws::{mongodb_aws_status_name, mongodb_aws_status_str};
    use std::ffi::CStr;
    if std::env::var_os("MONGODB_AWS_BLESS").is_some() {
        return; // the compiled tables are the old ones until the next build
    }
    let src = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/status.rs"))
        .unwrap();
    assert!(Error::ALL.len() >= 40);
    for e in Error::ALL {
        assert!(e.code() >= 100, "{e:?}: 0-99 belong to the C ABI");
        let variant = format!("    MONGODB_AWS_{} = {},\n", e.name(), e.code());
        assert!(src.contains(&variant), "{variant:?} missing");
        let name = unsafe { CStr::from_ptr(mongodb_aws_status_name(e.code())) };
        assert_eq!(name.to_str().unwrap(), e.name());
        let msg = unsafe { CStr::from_ptr(mongodb_aws_status_str(e.code())) };
        assert_eq!(msg.to_str().unwrap(), c_message(e));
    }
    // The C-only block stays below 100 and does not collide with the core.
    for (code, name) in [
        (0, "OK"),
        (1, "NULL_ARGUMENT"),
        (2, "PANIC"),
        (3, "INVALID_UTF8"),
        (4, "UNKNOWN_ERROR"),
    ] {
        assert!(Error::from_code(code).is_none());
        assert!(Error::ALL.iter().all(|e| e.name() != name));
        let got = unsafe { CStr::from_ptr(mongodb_aws_status_name(code)) };
        assert_eq!(got.to_str().unwrap(), name);
        assert!(src.contains(&format!("    MONGODB_AWS_{name} = {code},\n")));
    }
    for unknown in [5u32, 99, 199, 999, 1000, u32::MAX] {
        let got = unsafe { CStr::from_ptr(mongodb_aws_status_name(unknown)) };
        assert_eq!(got.to_str().unwrap(), "UNKNOWN");
        let got = unsafe { CStr::from_ptr(mongodb_aws_status_str(unknown)) };
        assert_eq!(got.to_str().unwrap(), "unknown status");
    }
}
