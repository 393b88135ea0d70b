//! The vendored `testdata/` must stay a byte-for-byte copy of the shared reference data. When the
//! originals are present beside the checkout (`../shared`), every file is compared.

use std::fs;
use std::path::{Path, PathBuf};

fn files(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(root, &p, out);
        } else {
            out.push(p.strip_prefix(root).unwrap().to_path_buf());
        }
    }
}

#[test]
fn vendored_testdata_matches_shared_originals() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut compared = 0;
    for sub in ["vectors", "spec-tests"] {
        let ours = repo.join("testdata").join(sub);
        let mut list = Vec::new();
        files(&ours, &ours, &mut list);
        assert!(list.len() > 5, "testdata/{sub} is missing");
        // The shared originals live next to the main checkout; absent elsewhere (then nothing to compare).
        let candidates = [
            repo.join("../shared").join(sub),
            PathBuf::from("/work/shared").join(sub),
        ];
        let Some(theirs) = candidates.iter().find(|p| p.is_dir()) else {
            continue;
        };
        let mut their_list = Vec::new();
        files(theirs, theirs, &mut their_list);
        list.sort();
        their_list.sort();
        assert_eq!(
            list,
            their_list,
            "testdata/{sub}: file lists differ from {}",
            theirs.display()
        );
        for f in &list {
            assert_eq!(
                fs::read(ours.join(f)).unwrap(),
                fs::read(theirs.join(f)).unwrap(),
                "testdata/{sub}/{}",
                f.display()
            );
            compared += 1;
        }
    }
    eprintln!("{compared} vendored files compared");
}
