//! Reference reading of an AWS shared config or credentials file, for the `ini` fuzz target: a
//! statement-by-statement transcription of what botocore runs (CPython 3.11
//! `configparser.RawConfigParser._read` and `_join_multiline_values` with the default options, then
//! `botocore.configloader.raw_config_parse`, `_parse_nested`, `build_profile_map` and `shlex.split`),
//! eager, with `String`, `Vec` and `HashSet`, the way Python holds it. It shares no code with
//! `core/src/ini.rs`; `core/tests/ini_botocore.rs` checks the core against botocore itself.
//!
//! Two things are modelled for small files only, as the core documents: the whole file is decoded
//! before parsing (Python decodes 8 KiB chunks), and it is UTF-8 (Python `-X utf8`).

use std::collections::HashSet;

/// What botocore raises (the class under `ConfigParseError`), with its line where it has one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefError {
    /// `UnicodeDecodeError`; the line of the first bad byte (counted here, Python has none).
    Decode(u32),
    /// `MissingSectionHeaderError(lineno)` (a BOM is one too: it is not whitespace to Python).
    MissingSection(u32),
    /// `ParsingError`: its first line.
    Parsing(u32),
    /// `DuplicateSectionError(lineno)`.
    DuplicateSection(u32),
    /// `DuplicateOptionError(lineno)`.
    DuplicateOption(u32),
    /// `ValueError` from `_parse_nested` (no line).
    Nested,
}

/// A value as botocore returns it: a string, or a dict for a value starting with a line break.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefValue {
    Str(String),
    Nested(Vec<(String, String)>),
}

/// A section (dict: insertion order, later assignment replaces in place).
pub type RefSection = Vec<(String, RefValue)>;

/// `raw_config_parse` and the three maps of `build_profile_map`.
#[derive(Clone, Debug, Default)]
pub struct RefFile {
    pub sections: Vec<(String, RefSection)>,
    pub profiles: Vec<(String, RefSection)>,
    pub sso_sessions: Vec<(String, RefSection)>,
    pub services: Vec<(String, RefSection)>,
}

/// `str.isspace()`, listed from CPython 3.11 (`[c for c in range(0x110000) if chr(c).isspace()]`).
pub fn py_isspace(c: char) -> bool {
    matches!(
        c as u32,
        0x09..=0x0d
            | 0x1c..=0x20
            | 0x85
            | 0xa0
            | 0x1680
            | 0x2000..=0x200a
            | 0x2028
            | 0x2029
            | 0x202f
            | 0x205f
            | 0x3000
    )
}

fn py_strip(s: &str) -> String {
    s.trim_matches(py_isspace).to_string()
}

/// `str.splitlines()` (without the ends).
fn py_splitlines(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push(std::mem::take(&mut cur));
            }
            '\n' | '\u{b}' | '\u{c}' | '\u{1c}' | '\u{1d}' | '\u{1e}' | '\u{85}' | '\u{2028}'
            | '\u{2029}' => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn dict_set<V>(d: &mut Vec<(String, V)>, k: &str, v: V) {
    match d.iter_mut().find(|(key, _)| key == k) {
        Some(e) => e.1 = v,
        None => d.push((k.to_string(), v)),
    }
}

fn dict_get<'d, V>(d: &'d [(String, V)], k: &str) -> Option<&'d V> {
    d.iter().find(|(key, _)| key == k).map(|(_, v)| v)
}

/// `shlex.split(s)`: `None` for its `ValueError`s.
pub fn shlex_split(s: &str) -> Option<Vec<String>> {
    const WS: &str = " \t\r\n";
    let mut out = Vec::new();
    let mut chars = s.chars();
    let mut token = String::new();
    let mut in_token = false;
    loop {
        let Some(c) = chars.next() else {
            if in_token {
                out.push(token);
            }
            return Some(out);
        };
        if WS.contains(c) {
            if in_token {
                out.push(std::mem::take(&mut token));
                in_token = false;
            }
            continue;
        }
        in_token = true;
        match c {
            '\\' => token.push(chars.next()?),
            '\'' => loop {
                match chars.next()? {
                    '\'' => break,
                    q => token.push(q),
                }
            },
            '"' => loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => {
                        let e = chars.next()?;
                        if e != '\\' && e != '"' {
                            token.push('\\');
                        }
                        token.push(e);
                    }
                    q => token.push(q),
                }
            },
            _ => token.push(c),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Cur {
    Defaults,
    Section(usize),
}

/// botocore's reading of `data`.
pub fn parse(data: &[u8]) -> Result<RefFile, RefError> {
    let text = match std::str::from_utf8(data) {
        Ok(t) => t,
        Err(e) => {
            let prefix = std::str::from_utf8(&data[..e.valid_up_to()]).unwrap();
            let lines = prefix.replace("\r\n", "\n").replace('\r', "\n");
            return Err(RefError::Decode(1 + lines.matches('\n').count() as u32));
        }
    };
    // Universal newlines, then the file iterator's lines (each with its '\n').
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut sections: Vec<(String, Vec<(String, Vec<String>)>)> = Vec::new();
    let mut defaults: Vec<(String, Vec<String>)> = Vec::new();
    let mut elements_added: HashSet<(String, String)> = HashSet::new();
    let mut sections_added: HashSet<String> = HashSet::new();
    let mut cursect: Option<Cur> = None;
    let mut sectname: Option<String> = None;
    let mut optname: Option<String> = None;
    let mut indent_level = 0usize;
    let mut errors: Vec<u32> = Vec::new();

    for (i, line) in text.split_inclusive('\n').enumerate() {
        let lineno = i as u32 + 1;
        let stripped = py_strip(line);
        let is_comment = stripped.starts_with('#') || stripped.starts_with(';');
        let value = if is_comment { String::new() } else { stripped };
        if value.is_empty() {
            if !is_comment {
                if let (Some(cur), Some(name)) = (cursect, optname.as_deref()) {
                    if !name.is_empty() {
                        let opts = match cur {
                            Cur::Defaults => &mut defaults,
                            Cur::Section(k) => &mut sections[k].1,
                        };
                        if let Some((_, v)) = opts.iter_mut().find(|(n, _)| n == name) {
                            v.push(String::new());
                        }
                    }
                }
            }
            continue;
        }
        let cur_indent_level = line.chars().position(|c| !py_isspace(c)).unwrap_or(0);
        let opt_truthy = optname.as_deref().is_some_and(|n| !n.is_empty());
        if cursect.is_some() && opt_truthy && cur_indent_level > indent_level {
            let name = optname.clone().unwrap();
            let opts = match cursect.unwrap() {
                Cur::Defaults => &mut defaults,
                Cur::Section(k) => &mut sections[k].1,
            };
            opts.iter_mut()
                .find(|(n, _)| *n == name)
                .unwrap()
                .1
                .push(value);
            continue;
        }
        indent_level = cur_indent_level;
        // SECTCRE: `\[(?P<header>.+)\]` matched at the start, `.+` greedy.
        let chars: Vec<char> = value.chars().collect();
        let header = if chars[0] == '[' {
            (2..chars.len())
                .rev()
                .find(|&j| chars[j] == ']')
                .map(|j| chars[1..j].iter().collect::<String>())
        } else {
            None
        };
        if let Some(name) = header {
            if sections.iter().any(|(n, _)| *n == name) {
                if sections_added.contains(&name) {
                    return Err(RefError::DuplicateSection(lineno));
                }
                unreachable!("one file: a known section was added by it");
            } else if name == "DEFAULT" {
                cursect = Some(Cur::Defaults);
            } else {
                sections.push((name.clone(), Vec::new()));
                cursect = Some(Cur::Section(sections.len() - 1));
                sections_added.insert(name.clone());
            }
            sectname = Some(name);
            optname = None;
            continue;
        }
        let Some(cur) = cursect else {
            return Err(RefError::MissingSection(lineno));
        };
        // OPTCRE: `(?P<option>.*?)\s*(?P<vi>=|:)\s*(?P<value>.*)$`.
        let Some(d) = chars.iter().position(|&c| c == '=' || c == ':') else {
            errors.push(lineno);
            continue;
        };
        let option: String = chars[..d].iter().collect();
        let optval: String = chars[d + 1..].iter().collect();
        if option.trim_end_matches(py_isspace).is_empty() {
            errors.push(lineno);
        }
        let name = option.trim_end_matches(py_isspace).to_lowercase();
        let key = (sectname.clone().unwrap(), name.clone());
        if elements_added.contains(&key) {
            return Err(RefError::DuplicateOption(lineno));
        }
        elements_added.insert(key);
        let opts = match cur {
            Cur::Defaults => &mut defaults,
            Cur::Section(k) => &mut sections[k].1,
        };
        dict_set(opts, &name, vec![py_strip(&optval)]);
        optname = Some(name);
    }
    // _join_multiline_values: '\n'.join(val).rstrip()
    let join = |v: &Vec<String>| v.join("\n").trim_end_matches(py_isspace).to_string();
    if let Some(&line) = errors.first() {
        return Err(RefError::Parsing(line));
    }

    // raw_config_parse
    let mut file = RefFile::default();
    for (name, opts) in &sections {
        let mut section: RefSection = Vec::new();
        let mut keys: Vec<&String> = opts.iter().map(|(k, _)| k).collect();
        for (k, _) in &defaults {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        for k in keys {
            let raw = match dict_get(opts, k) {
                Some(v) => join(v),
                None => join(dict_get(&defaults, k).unwrap()),
            };
            let value = if raw.starts_with('\n') {
                let mut nested = Vec::new();
                for l in py_splitlines(&raw) {
                    let l = py_strip(&l);
                    if l.is_empty() {
                        continue;
                    }
                    let (a, b) = l.split_once('=').ok_or(RefError::Nested)?;
                    dict_set(&mut nested, &py_strip(a), py_strip(b));
                }
                RefValue::Nested(nested)
            } else {
                RefValue::Str(raw)
            };
            section.push((k.clone(), value));
        }
        file.sections.push((name.clone(), section));
    }

    // build_profile_map
    let two_words = |key: &str| -> Option<String> {
        let parts = shlex_split(key)?;
        (parts.len() == 2).then(|| parts[1].clone())
    };
    for (key, values) in &file.sections {
        if key.starts_with("profile") {
            if let Some(n) = two_words(key) {
                dict_set(&mut file.profiles, &n, values.clone());
            }
        } else if key.starts_with("sso-session") {
            if let Some(n) = two_words(key) {
                dict_set(&mut file.sso_sessions, &n, values.clone());
            }
        } else if key.starts_with("services") {
            if let Some(n) = two_words(key) {
                dict_set(&mut file.services, &n, values.clone());
            }
        } else if key == "default" {
            dict_set(&mut file.profiles, key, values.clone());
        }
    }
    Ok(file)
}
