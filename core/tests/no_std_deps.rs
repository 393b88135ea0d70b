//! "No dependency may pull in std or alloc": the core's resolved normal-dependency feature graph (as
//! `cargo tree` reports it) enables no `std` or `alloc` feature on any crate, and the core itself
//! declares no such feature. Build-time proc-macro crates (zeroize_derive's syn/quote) run on the host
//! and are not linked into the library.

use std::process::Command;

#[test]
fn no_dependency_enables_std_or_alloc() {
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "-p",
            "mongodb-aws-core",
            "-e",
            "normal,features",
            "--prefix",
            "none",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo tree");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8(out.stdout).unwrap();
    assert!(
        tree.contains("sha2 v0.10"),
        "unexpected cargo tree output:\n{tree}"
    );
    let offending: Vec<&str> = tree
        .lines()
        .filter(|l| l.contains("feature \"std\"") || l.contains("feature \"alloc\""))
        .collect();
    assert!(offending.is_empty(), "std/alloc enabled by: {offending:#?}");
    let manifest =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
    assert!(
        !manifest.contains("\n[features]"),
        "the core must not offer a std/alloc feature"
    );
    let lib = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/lib.rs")).unwrap();
    assert!(lib.contains("#![no_std]") && !lib.contains("extern crate alloc"));
}
