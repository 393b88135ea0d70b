//! Differential test: the core's INI reader (`mongodb_aws_core::ini`) against botocore's own
//! `configloader.raw_config_parse` and `build_profile_map` on hand-picked and generated files.
//!
//! For every file: botocore's error class and line equal ours (`ParsingError` = `INI_SYNTAX`,
//! `DuplicateSectionError`, `DuplicateOptionError`, `MissingSectionHeaderError` = `INI_MISSING_SECTION`
//! or `INI_BYTE_ORDER_MARK`, `UnicodeDecodeError` = `INI_NOT_UTF8`, `ValueError` of `_parse_nested` =
//! `INI_NESTED_SYNTAX`), or botocore's sections, keys (lower-cased), values and nested blocks equal
//! ours in order, and its profile, sso-session and services maps equal what `ini::profile`,
//! `ini::sso_session` and `ini::services` find, in both file kinds (and they find nothing botocore
//! does not have).
//!
//! Needs a Python with botocore: `MONGODB_AWS_PYTHON`, else the repository's `.venv/bin/python`
//! (`scripts/install-deps python`). Without one the test prints `SKIPPED` and passes, unless
//! `MONGODB_AWS_REQUIRE_BOTOCORE` is set (as `scripts/test.d/05-botocore-diff` does): then it fails.
//! `MONGODB_AWS_INI_DIFF_SEED` and `MONGODB_AWS_INI_DIFF_CASES` change the generated files.
//!
//! The generator leaves out the documented differences (ini.rs module docs): capital sigma in keys
//! (Python's final-sigma rule) and non-UTF-8 locales (Python runs with `-X utf8`).

use mongodb_aws_core::ini::{self, FileKind, Ini, Section, Value};
use mongodb_aws_core::Error;
use serde_json::{json, Value as Json};
use std::path::Path;

mod support;
use support::Rng;

/// Files chosen for one rule each (most of them from the ini.rs unit tests and PROTOCOL.md B1).
const HAND_PICKED: &[&str] = &[
    "",
    "\n\n",
    "# only a comment\n; another\n",
    "[default]\naws_access_key_id = AKID\naws_secret_access_key = SECRET\n",
    "[default]\naws_access_key_id=AKID\nAWS_Secret_Access_Key :  s/e=c:r  \n\n[profile dev]\nregion\t=\teu-west-1\n",
    "[default]\naws_access_key_id=AKID\n  AWS_Secret_Access_Key = x\n",
    "[s]\na:b=c\nd=e:f\n",
    "[s]\na =\nb:\n",
    "# top\n; top\n[s]\n  # indented comment\na = AKID # prod\nb = x ; y\n",
    "[x]\na = 1\n\n  # c\n\n  b\n\n\n",
    "[ profile x ]\n[a]]\n[b] trailing ; text\n[c=d]\n[]]\n",
    "[s]\n[]\n",
    "[]\n",
    "[s]\n[a = b\n",
    "[s]\n  [t]\n  k = v\n",
    "[s]\nk = first\n  second\n\t[not a section]\n\n   third = x\n\n\nnext = 1\n",
    "[s]\n  k = 1\n  j = 2\n   more\n",
    "[s]\n\u{3000}\u{3000}k = 1\n   j = 2\n",
    "[s]\nk =\n\n\n",
    "[default]\ns3 =\n  max_concurrent_requests = 10\n\n  addressing_style=path\n  Dup = 1\n  Dup = 2\n",
    "[s]\nok = 1\ns3 =\n  a = 1\n  b: 2\n",
    "[s]\ns3 =\n  a = 1\u{b}b\n",
    "[s]\ns3 =\n  a = 1\u{b}b=2\n",
    "[s]\ns3 =\n  a = 1\u{2028}b=2\u{85}c = 3\n",
    "[s]\nk = x\n  a: 1\n",
    "[DEFAULT]\ns3 =\n  bad\n",
    "[DEFAULT]\ns3 =\n  bad\n[a]\ns3 = 1\n",
    "[DEFAULT]\ns3 =\n  bad\n[a]\ns3 = 1\n[b]\n",
    "[DEFAULT]\nregion = us-east-1\noutput = json\n[a]\nregion = eu-west-1\n[DEFAULT]\nextra = 1\n[b]\n",
    "[DEFAULT]\nr=1\n[x]\na=2\n[DEFAULT]\nR=3\n",
    "[DEFAULT]\nr=1\n",
    "[default]\nk = v\n[DEFAULT]\nk = w\nj = 1\n",
    "[a]\nk=1\n\n[b]\n[a]\n",
    "[a]\nKey=1\n  more\nkEY = 2\n",
    "\n# c\nk = v\n[a]\n",
    "garbage\n",
    "[a]\nk = 1\ngarbage\n",
    "[a]\n= 1\n",
    "[a]\n : 1\n",
    "[a]\n= 1\n= 2\n",
    "[a]\n= 1\n  more\n",
    "[x]\ngarbage\n[y]\na=1\na=2\n",
    "[x]\n= 1\n[x]\n",
    "[x]\nbad\nbad2\n",
    "[x]\nk = 1\nbad\n  more\n",
    "\u{feff}[default]\n",
    "\u{feff}",
    "[s]\nk = \u{feff}\n",
    "[a]\r\nk = 1\r\n  2\r\n[b]\rk = 3\r  4\r\r[c]\nk=5",
    "[a]\nk = 1\u{c}\n\u{b}j = 2\n",
    "[a]\n\u{1f}k\u{a0}=\u{1c}v\u{2028}\n",
    "[s]\nRÉGION = x\nrégion2 = y\n",
    "[s]\nİ = 1\n",
    "[s]\nÉTÉ = 1\nété = 2\n",
    "[default]\nk = plain\n[profile dev]\nk = dev\n[profile \"my dev\"]\nk = quoted\n[profiles odd]\nk = odd\n[profile a b]\nk = three\n[profile 'open]\nk = bad\n[ profile spaced]\nk = no\n[dev]\nk = bare\n[profile   tabs\t]\nk = tabs\n[sso-session corp]\nk = sso\n[services s3x]\nk = svc\n[profile]\nk = alone\n",
    "[profile default]\na = 1\n[default]\nb = 2\n",
    "[default]\nb = 2\n[profile default]\na = 1\n",
    "[profile x]\nk = 1\n[profile 'x']\nk = 2\n",
    "[profile \"x\\\"y\"]\nk = 4\n[profile x\\ y]\nk = 5\n[profile ''] \nk = 6\n",
    "[profile a\\]\nk = 1\n",
    "[sso-session s]\nsso_start_url = https://x\n[sso-sessions t]\nk = 1\n[services dev]\ns3 =\n  endpoint_url = http://localhost\n",
    "[default]\naws_access_key_id = AKID\ns3 =\n  max_concurrent_requests = 10\n  region: x = y\n",
    "[a]\nk = v\n[a ]\nk = w\n",
    "[a]\n\tk = v\n\t\tcont\n\t[b]\n",
    "[a]\n  k=1\n j = 2\n",
    "[a]\n\u{a0}k = 1\n\u{a0}\u{a0}c\n",
    "[a]\nk = v\n\n\n\n",
    "[a]\nk = v\n \n\t\n  c\n",
    "[a]\nk = v\n#x\n  c\n",
    "[a]\nk = v\n  #c\n  ;d\n  e\n",
    "[a]\nk: v: w = x\n",
    "[a]\nk == v\n",
    "[a]\n k\t:\tv\t\n",
    "[a] ; comment\nk=v\n",
    "[a]b]c\nk=v\n",
    "[[a]]\nk=v\n",
    "  [a]\nk=v\n",
    "[a]\nk=v\n  [a]\n",
    "[a]\nk=v\n[a]\n",
    "[a]\r\n\r\nk=v\r\n\r\n  c\r\n",
    "[a]\nk=v",
    "[a]\nk=v\n  c",
    "[a]\nk=\n  x = 1\n  y\u{c}= 2\n",
    "[a]\nk=\n\n  x = 1\n",
    "[a]\nk=\n  = 1\n",
    "[a]\nk=\n  x=\n",
];

const KEYS: &[&str] = &[
    "aws_access_key_id",
    "AWS_Access_Key_Id",
    "aws_secret_access_key",
    "region",
    "Region",
    "k",
    "K",
    "s3",
    "role_arn",
    "a b",
    "é",
    "É",
    "İ",
    "ß",
    "k\u{a0}x",
    "",
];
const VALUES: &[&str] = &[
    "AKID",
    "x # y",
    "a=b",
    "",
    "v ; c",
    "[z]",
    "ü",
    "\u{a0}v\u{a0}",
    "k: v",
    "'q'",
    "a\u{b}b=c",
    "\u{feff}",
];
const DELIMS: &[&str] = &["=", ":", " = ", "\t:\t", ":=", "=:", "  =", "=  "];
const INDENTS: &[&str] = &[
    "", "", "", " ", "  ", "\t", "   ", "\u{3000}", "\u{a0}", "\u{1f}",
];
const DEEPER: &[&str] = &[" ", "  ", "    ", "\t", "\t\t", "\u{3000}", "\u{2003}"];
const SECTIONS: &[&str] = &[
    "default",
    "default",
    "DEFAULT",
    "Default",
    "profile a",
    "profile a",
    "profile b",
    "profile \"b c\"",
    "profile 'd'",
    "profiles e",
    "profile  f",
    " profile g ",
    "profile default",
    "profile",
    "profile a b",
    "profile 'bad",
    "profile x\\",
    "sso-session s",
    "sso-session 't u'",
    "services x",
    "a",
    "A",
    "b",
    "]",
    "[x]",
    "a=b",
    "é",
];
const CONTINUATIONS: &[&str] = &[
    "k = v",
    "a: 1",
    "bad",
    "[s]",
    "# c",
    "name=value",
    "x =",
    "= y",
    "u\u{b}v = w",
    "m = n\u{2028}o = p",
];
const ENDINGS: &[&str] = &["\n", "\n", "\n", "\n", "\r\n", "\r"];

fn random_file(rng: &mut Rng) -> Vec<u8> {
    let mut out = String::new();
    if rng.chance(1) {
        out.push('\u{feff}');
    }
    let eol = if rng.chance(80) {
        "\n"
    } else {
        rng.pick(ENDINGS)
    };
    let n = rng.below(14);
    let mut started = !rng.chance(92);
    for _ in 0..n {
        let mut line = String::new();
        let kind = if started { rng.below(100) } else { 0 };
        started = true;
        match kind {
            0..=17 => {
                line.push_str(if rng.chance(90) {
                    ""
                } else {
                    rng.pick(INDENTS)
                });
                line.push('[');
                line.push_str(rng.pick(SECTIONS));
                line.push(']');
                if rng.chance(5) {
                    line.push_str(rng.pick(&[" ; c", "x", "]", " = 1"]));
                }
            }
            18..=23 => {
                // A nested block: `s3 =` and deeper `name = value` lines (sometimes a bad one).
                line.push_str(rng.pick(&["s3 =", "S3:", "services =", "k ="]));
                for _ in 0..1 + rng.below(3) {
                    line.push_str(eol);
                    line.push_str(rng.pick(DEEPER));
                    line.push_str(rng.pick(&["a = 1", "b=2", "a = 3", "c = x = y", "", "bad"]));
                }
            }
            24..=54 => {
                line.push_str(rng.pick(INDENTS));
                line.push_str(rng.pick(KEYS));
                line.push_str(rng.pick(DELIMS));
                line.push_str(rng.pick(VALUES));
            }
            55..=72 => {
                line.push_str(rng.pick(INDENTS));
                line.push_str(rng.pick(DEEPER));
                line.push_str(rng.pick(CONTINUATIONS));
            }
            73..=80 => {
                line.push_str(rng.pick(INDENTS));
                line.push_str(rng.pick(&["#", ";", "# [a]", "; k = v", "#\u{b}"]));
            }
            81..=93 => line.push_str(rng.pick(&["", "", "  ", "\t", "\u{a0}", "\u{c}", "\u{b}"])),
            _ => line.push_str(rng.pick(&["garbage", "[]", "=x", ": y", "[a", "\u{85}", "x[a]"])),
        }
        out.push_str(&line);
        out.push_str(if rng.chance(90) {
            eol
        } else {
            rng.pick(ENDINGS)
        });
    }
    if rng.chance(20) {
        // no final line end
        while out.ends_with(['\n', '\r']) {
            out.pop();
        }
    }
    let mut bytes = out.into_bytes();
    if rng.chance(2) && !bytes.is_empty() {
        let at = rng.below(bytes.len());
        bytes.insert(at, [0xff, 0xc3, 0x80][rng.below(3)]);
    }
    bytes
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// botocore's answers, one per file, from one Python process.
fn botocore(python: &Path, files: &[Vec<u8>]) -> Vec<Json> {
    let inputs: Vec<Json> = files.iter().map(|f| json!({ "hex": hex(f) })).collect();
    support::run_script(python, &["-X", "utf8"], "botocore_ini.py", &inputs)
}

fn value_json(v: Value<'_>) -> Json {
    match v.nested() {
        // A dict: first position, last value.
        Some(nested) => {
            let mut pairs: Vec<(String, String)> = Vec::new();
            for (k, val) in nested {
                match pairs.iter_mut().find(|p| p.0 == k) {
                    Some(p) => p.1 = val.to_string(),
                    None => pairs.push((k.to_string(), val.to_string())),
                }
            }
            json!({ "nested": pairs })
        }
        None => Json::String(v.lines().collect::<Vec<_>>().join("\n")),
    }
}

fn section_json(s: Section<'_>) -> Json {
    Json::Array(
        s.entries()
            .map(|(k, v)| json!([k.to_lowercase(), value_json(v)]))
            .collect(),
    )
}

fn class_of(e: Error) -> &'static str {
    match e {
        Error::IniSyntax => "ParsingError",
        Error::IniDuplicateSection => "DuplicateSectionError",
        Error::IniDuplicateKey => "DuplicateOptionError",
        Error::IniMissingSection | Error::IniByteOrderMark => "MissingSectionHeaderError",
        Error::IniNotUtf8 => "UnicodeDecodeError",
        Error::IniNestedSyntax => "ValueError",
        other => panic!("not an INI error: {other:?}"),
    }
}

/// Names to look up that botocore may not have: every section name, its words, and unquoted words.
fn candidates(ini: &Ini<'_>) -> Vec<String> {
    let mut out = vec!["default".to_string(), "DEFAULT".to_string(), String::new()];
    for s in ini.sections() {
        out.push(s.name().to_string());
        for w in s.name().split([' ', '\t']) {
            out.push(w.to_string());
            out.push(w.trim_matches(['\'', '"', '\\']).to_string());
        }
    }
    out
}

/// Compares one file; returns what it exercised (for the counts), or the first difference.
fn compare(bytes: &[u8], want: &Json) -> Result<&'static str, String> {
    let ours = Ini::parse(bytes);
    if let Some(class) = want.get("error") {
        let e = match ours {
            Ok(_) => return Err(format!("botocore: {want}, ours: accepted")),
            Err(e) => e,
        };
        if class != class_of(e.error) {
            return Err(format!("botocore: {want}, ours: {e:?}"));
        }
        if let Some(line) = want["line"].as_u64() {
            if u64::from(e.line) != line {
                return Err(format!("botocore: {want}, ours: {e:?} (line)"));
            }
        }
        return Ok(class_of(e.error));
    }
    let ini = ours.map_err(|e| format!("botocore accepted ({want}), ours: {e:?}"))?;
    let sections: Vec<Json> = ini
        .sections()
        .map(|s| json!([s.name(), section_json(s)]))
        .collect();
    if Json::Array(sections.clone()) != want["sections"] {
        return Err(format!(
            "sections differ:\n ours     {}\n botocore {}",
            Json::Array(sections),
            want["sections"]
        ));
    }
    // Profiles, sso-sessions, services: every botocore entry is found with the same content, and
    // no other candidate name finds a section.
    type Finder = for<'a> fn(&Ini<'a>, &str) -> Option<Section<'a>>;
    let finders: [(&str, Finder); 3] = [
        ("profiles", |i, n| ini::profile(i, FileKind::Config, n)),
        ("sso_sessions", ini::sso_session),
        ("services", ini::services),
    ];
    for (map, find) in finders {
        let entries = want[map].as_array().unwrap();
        for e in entries {
            let name = e[0].as_str().unwrap();
            let got = find(&ini, name).map(section_json);
            if got.as_ref() != Some(&e[1]) {
                return Err(format!("{map}[{name:?}]: ours {got:?}, botocore {}", e[1]));
            }
        }
        for c in candidates(&ini) {
            if !entries.iter().any(|e| e[0] == c.as_str()) {
                if let Some(s) = find(&ini, &c) {
                    return Err(format!(
                        "{map}: ours finds {c:?} ({s:?}), botocore does not"
                    ));
                }
            }
        }
    }
    // Credentials file: section names verbatim.
    for e in want["sections"].as_array().unwrap() {
        let name = e[0].as_str().unwrap();
        let got = ini::profile(&ini, FileKind::Credentials, name).map(section_json);
        if got.as_ref() != Some(&e[1]) {
            return Err(format!("credentials profile {name:?}: ours {got:?}"));
        }
    }
    if ini::profile(&ini, FileKind::Credentials, "DEFAULT").is_some() {
        return Err("credentials profile DEFAULT found".into());
    }
    let values: Vec<Value<'_>> = ini
        .sections()
        .flat_map(|s| s.entries().map(|(_, v)| v))
        .collect();
    Ok(if values.iter().any(|v| v.is_nested()) {
        "accepted, with a nested block"
    } else if values.iter().any(|v| v.as_str().is_none()) {
        "accepted, with a continued value"
    } else if want["profiles"].as_array().is_some_and(|p| !p.is_empty()) {
        "accepted, with a profile"
    } else {
        "accepted, other"
    })
}

#[test]
fn reader_matches_botocore() {
    let Some(python) = support::botocore_python("botocore.configloader") else {
        return;
    };
    let seed: u64 = support::env_number("MONGODB_AWS_INI_DIFF_SEED", 0x1A1_2026);
    let cases: usize = support::env_number("MONGODB_AWS_INI_DIFF_CASES", 3000);
    eprintln!(
        "{} hand-picked files, {cases} generated (seed {seed:#x})",
        HAND_PICKED.len()
    );
    let mut rng = Rng(seed);
    let mut files: Vec<Vec<u8>> = HAND_PICKED.iter().map(|s| s.as_bytes().to_vec()).collect();
    files.extend((0..cases).map(|_| random_file(&mut rng)));
    let answers = botocore(&python, &files);
    let mut failures = Vec::new();
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for (i, (f, want)) in files.iter().zip(&answers).enumerate() {
        match compare(f, want) {
            Ok(what) => *counts.entry(what).or_default() += 1,
            Err(why) => failures.push(format!(
                "file {i} {:?}:\n  {why}",
                String::from_utf8_lossy(f)
            )),
        }
    }
    for f in failures.iter().take(10) {
        eprintln!("{f}");
    }
    assert!(
        failures.is_empty(),
        "{} of {} files differ from botocore",
        failures.len(),
        files.len()
    );
    let accepted: usize = counts
        .iter()
        .filter(|(k, _)| k.starts_with("accepted"))
        .map(|(_, n)| n)
        .sum();
    let refused = files.len() - accepted;
    eprintln!("{counts:#?}");
    // The generator must reach every outcome.
    assert!(
        accepted > cases / 4 && refused > cases / 10 && counts.len() >= 10,
        "{counts:?}"
    );
    eprintln!(
        "{} files equal to botocore: {accepted} accepted, {refused} refused with the same error and line",
        files.len()
    );
}
