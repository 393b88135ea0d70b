//! A borrowed, allocation-free reader of the AWS shared config and credentials files
//! (`~/.aws/config`, `~/.aws/credentials`), following botocore: Python's `configparser.RawConfigParser`
//! with its defaults, as `botocore.configloader.raw_config_parse` uses it, plus `_parse_nested` for
//! indented blocks and `build_profile_map` for the section names of profiles (PROTOCOL.md B1).
//!
//! [`Ini::parse`] checks the whole file once and reports the first problem with its 1-based line
//! ([`IniError`]); the views it hands out ([`Section`], [`Value`]) then re-read the checked text lazily,
//! so nothing is stored and nothing is allocated. The files are small (a section lookup reads the file
//! from the start; checking for repeated sections and keys is quadratic in their number).
//!
//! ```
//! use mongodb_aws_core::ini::{self, FileKind, Ini};
//! let text = b"[default]\nregion = eu-west-1\n\n[profile dev]\nAWS_Access_Key_ID: AKID # prod\n\
//!              s3 =\n  max_concurrent_requests = 10\n";
//! let config = Ini::parse(text)?;
//! let dev = ini::profile(&config, FileKind::Config, "dev").unwrap();
//! assert_eq!(dev.name(), "profile dev");
//! assert_eq!(dev.get("aws_access_key_id").unwrap().as_str(), Some("AKID # prod"));
//! let s3 = dev.get("s3").unwrap();
//! assert!(s3.is_nested());
//! assert_eq!(s3.nested().unwrap().get("max_concurrent_requests"), Some("10"));
//! assert!(ini::profile(&config, FileKind::Config, "default").is_some());
//! # Ok::<(), mongodb_aws_core::ini::IniError>(())
//! ```
//!
//! # The rules (CPython 3.11 `configparser`, botocore 1.44)
//!
//! * **Text**: UTF-8 ([`Error::IniNotUtf8`]). Lines end at `\n`, `\r\n` or a lone `\r` (Python's
//!   universal newlines). "Whitespace" is Python's `str.isspace()`: Unicode `White_Space` plus U+001C to
//!   U+001F. A leading byte order mark is refused ([`Error::IniByteOrderMark`]): botocore reads the BOM
//!   as text, so such a file always fails there too (`MissingSectionHeaderError` on line 1).
//! * **Comments**: a line whose stripped text starts with `#` or `;`, at any indentation, even inside an
//!   indented block. No inline comments: `key = AKID # prod` keeps `AKID # prod`.
//! * **Sections**: the stripped line starts with `[`; the name runs to the *last* `]` on the line and
//!   is taken verbatim (`[ profile x ]` is the name ` profile x `, which is not a profile); text after
//!   that `]` is ignored; `[]` is not a header. Names are case-sensitive. A repeated name is
//!   [`Error::IniDuplicateSection`] (configparser `strict=True`). A non-empty, non-comment line before
//!   the first header is [`Error::IniMissingSection`].
//! * **`[DEFAULT]`** (exactly that spelling) is not a section: [`Ini::sections`] and [`Ini::section`]
//!   never return it, but its keys are visible in *every* section that does not define them itself, as
//!   botocore sees them ([`Section::get`], [`Section::entries`]). It may appear several times; a key
//!   repeated across its blocks is a duplicate.
//! * **Keys**: `key = value` or `key: value`, split at the first `=` or `:`; whitespace around both is
//!   trimmed. Keys compare case-insensitively ([`key_eq`]); a key repeated in a section is
//!   [`Error::IniDuplicateKey`]. A line with neither delimiter, or an empty key (`= x`), is
//!   [`Error::IniSyntax`].
//! * **Continuations**: a line indented deeper than the line of its key continues the value (whatever
//!   it contains, `[x]` included); the value is the stripped lines joined by `\n`. Blank lines inside a
//!   value are kept as empty lines, trailing ones dropped (`empty_lines_in_values=True`); comment lines
//!   are skipped.
//! * **Nested blocks**: a value that starts with a line break (`s3 =` followed by indented lines) is a
//!   nested block ([`Value::is_nested`], [`Value::nested`]): each non-blank line is `name = value`
//!   (`=` only, names case-sensitive, a later name wins). A line without `=` fails the whole file in
//!   botocore, so it is [`Error::IniNestedSyntax`] here, but only for blocks botocore reads (not for a
//!   `[DEFAULT]` key that every section overrides, nor in a file with no section).
//! * **Which error**: as configparser, a missing section header and duplicates are reported at once,
//!   syntax errors only at the end of the file (so a later duplicate wins over an earlier bad line),
//!   and nested-block errors only for a file that is otherwise valid.
//! * **Profiles** ([`profile`]): in the credentials file the section name is the profile name; in the
//!   config file `[default]`, and every section whose name starts with `profile` and splits (Python
//!   `shlex.split`: quotes, backslashes) into exactly two words, the second being the profile name:
//!   `[profile dev]`, `[profile "my dev"]`, also `[profile default]` and, a botocore quirk,
//!   `[profiles dev]`. When several sections name one profile (`[default]` and `[profile default]`),
//!   the last in the file wins, whole (sections are not merged). [`sso_session`] and [`services`] do
//!   the same for `[sso-session NAME]` and `[services NAME]`.
//!
//! # Deliberate differences from botocore
//!
//! Checked by `core/tests/ini_botocore.rs`, which runs botocore itself on generated files.
//!
//! * **Encoding**: always UTF-8. botocore opens the files in the locale's encoding (UTF-8 on current
//!   Linux and macOS defaults and in Python's UTF-8 mode; a legacy code page on Windows), so a non-ASCII
//!   file can read differently there.
//! * **First error**: Python decodes in chunks of 8 KiB, so in a larger file a syntax error before an
//!   invalid UTF-8 byte can be what botocore reports; here the encoding error always comes first. Both
//!   refuse the file. botocore lists every bad line of a syntax error; [`IniError`] has the first. A
//!   BOM has its own error ([`Error::IniByteOrderMark`]) where botocore says "no section headers".
//! * **Key case**: keys are compared through `char::to_lowercase`, one character at a time, where
//!   Python lower-cases the string (`str.lower()`, with the final-sigma rule and Python's Unicode
//!   version): equal for ASCII and nearly all text; a word-final capital sigma (`Σ`) differs.
//! * **Spelling**: [`Section::entries`] yields keys as written in the file (botocore's are lower-case;
//!   nothing is allocated here); compare them with [`key_eq`].

use crate::Error;
use core::fmt;

/// The two AWS shared files, which name profile sections differently (see [`profile`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// `~/.aws/config` (`AWS_CONFIG_FILE`): `[default]` and `[profile NAME]`.
    Config,
    /// `~/.aws/credentials` (`AWS_SHARED_CREDENTIALS_FILE`): `[NAME]`.
    Credentials,
}

/// Why a file was refused, and on which line (1-based; the line of the offending text).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IniError {
    /// One of the `INI_*` errors.
    pub error: Error,
    /// 1-based line number.
    pub line: u32,
}

impl fmt::Display for IniError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (line {})", self.error, self.line)
    }
}

impl core::error::Error for IniError {}

/// The name configparser reserves for defaults merged into every section.
const DEFAULT_SECTION: &str = "DEFAULT";

/// Python's `str.isspace()` (and `\s` of a `str` regular expression).
fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.strip()`.
fn strip(s: &str) -> &str {
    s.trim_matches(is_space)
}

/// True if two keys are the same key to configparser (which lower-cases them; see the module docs).
pub fn key_eq(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// Lines of the text (ending at `\n`, `\r\n` or `\r`): `(number, content, start offset)`.
#[derive(Clone, Debug)]
struct Lines<'a> {
    text: &'a str,
    pos: usize,
    /// Number of the last line returned.
    line: u32,
}

impl<'a> Iterator for Lines<'a> {
    type Item = (u32, &'a str, usize);

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.text.get(self.pos..).filter(|r| !r.is_empty())?;
        let start = self.pos;
        let (content, len) = match rest.find(['\r', '\n']) {
            Some(i) => {
                let crlf = rest.as_bytes().get(i..i + 2) == Some(b"\r\n");
                (rest.get(..i)?, i + if crlf { 2 } else { 1 })
            }
            None => (rest, rest.len()),
        };
        self.pos = start + len;
        self.line = self.line.saturating_add(1);
        Some((self.line, content, start))
    }
}

/// 1-based line of byte offset `at` (for encoding errors: counted on the raw bytes).
fn line_of(bytes: &[u8], at: usize) -> u32 {
    let mut line: u32 = 1;
    let mut prev_cr = false;
    for &b in bytes.iter().take(at) {
        if b == b'\r' || (b == b'\n' && !prev_cr) {
            line = line.saturating_add(1);
        }
        prev_cr = b == b'\r';
    }
    line
}

/// What configparser makes of one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind<'a> {
    Comment,
    /// Empty once stripped (an empty line of the current value, if there is one).
    Blank,
    /// The stripped line, appended to the current value.
    Continuation(&'a str),
    Section(&'a str),
    /// Key (may be empty: a syntax error) and first line of the value.
    Option(&'a str, &'a str),
    /// Text before the first section header (fatal).
    NoSection,
    /// Not a header, not `key = value` (reported at the end of the file).
    Garbage,
}

/// configparser's reading state between lines (`cursect is not None`, `optname` truthy,
/// `indent_level`).
#[derive(Clone, Copy, Debug)]
struct State {
    in_section: bool,
    opt: bool,
    indent: usize,
}

impl State {
    const START: State = State {
        in_section: false,
        opt: false,
        indent: 0,
    };

    /// `RawConfigParser._read`'s loop body for one line.
    fn step<'a>(&mut self, line: &'a str) -> Kind<'a> {
        let value = strip(line);
        if value.starts_with(['#', ';']) {
            return Kind::Comment;
        }
        if value.is_empty() {
            return Kind::Blank;
        }
        let indent = line.chars().take_while(|&c| is_space(c)).count();
        if self.in_section && self.opt && indent > self.indent {
            return Kind::Continuation(value);
        }
        self.indent = indent;
        if let Some(name) = section_header(value) {
            self.in_section = true;
            self.opt = false;
            return Kind::Section(name);
        }
        if !self.in_section {
            return Kind::NoSection;
        }
        match value.find(['=', ':']) {
            Some(i) => {
                let key = value.get(..i).unwrap_or("").trim_end_matches(is_space);
                let val = strip(value.get(i + 1..).unwrap_or(""));
                self.opt = !key.is_empty();
                Kind::Option(key, val)
            }
            // `optname` stays what it was.
            None => Kind::Garbage,
        }
    }
}

/// `SECTCRE.match`: `\[(?P<header>.+)\]`, greedy, not anchored at the end.
fn section_header(value: &str) -> Option<&str> {
    let rest = value.strip_prefix('[')?;
    let end = rest.rfind(']')?;
    if end == 0 {
        return None;
    }
    rest.get(..end)
}

#[derive(Clone, Copy, Debug)]
struct Event<'a> {
    kind: Kind<'a>,
    line: u32,
    /// Offset of the line's first byte.
    start: usize,
    /// Offset after the line's terminator.
    end: usize,
    /// `indent_level` after the line.
    indent: usize,
}

/// Runs the state machine over the lines from some point where its state is known.
#[derive(Clone, Debug)]
struct Walker<'a> {
    lines: Lines<'a>,
    state: State,
}

impl<'a> Walker<'a> {
    fn new(text: &'a str) -> Self {
        Self::at(text, 0, 0, State::START)
    }

    /// From offset `pos`, the line before which is number `line`, in `state`.
    fn at(text: &'a str, pos: usize, line: u32, state: State) -> Self {
        Walker {
            lines: Lines { text, pos, line },
            state,
        }
    }
}

impl<'a> Iterator for Walker<'a> {
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        let (line, content, start) = self.lines.next()?;
        let kind = self.state.step(content);
        Some(Event {
            kind,
            line,
            start,
            end: self.lines.pos,
            indent: self.state.indent,
        })
    }
}

/// A checked AWS shared config or credentials file (see the [module docs](self)).
#[derive(Clone, Copy)]
pub struct Ini<'a> {
    text: &'a str,
    /// The file has a `[DEFAULT]` section (whose keys every section sees).
    has_default: bool,
}

impl fmt::Debug for Ini<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The credentials file holds secrets: show its size only.
        f.debug_struct("Ini")
            .field("bytes", &self.text.len())
            .finish_non_exhaustive()
    }
}

impl<'a> Ini<'a> {
    /// Checks `bytes` as botocore would read them and returns a view of the file. An empty file is a
    /// valid file without sections.
    pub fn parse(bytes: &'a [u8]) -> Result<Ini<'a>, IniError> {
        let text = core::str::from_utf8(bytes).map_err(|e| IniError {
            error: Error::IniNotUtf8,
            line: line_of(bytes, e.valid_up_to()),
        })?;
        if text.starts_with('\u{feff}') {
            return Err(IniError {
                error: Error::IniByteOrderMark,
                line: 1,
            });
        }
        let has_default = check_lines(text)?;
        let ini = Ini { text, has_default };
        ini.check_nested()?;
        Ok(ini)
    }

    /// The sections in file order (never `[DEFAULT]`).
    pub fn sections(&self) -> Sections<'a> {
        Sections {
            walker: Walker::new(self.text),
            has_default: self.has_default,
        }
    }

    /// The section named exactly `name` (case-sensitive; never `[DEFAULT]`).
    pub fn section(&self, name: &str) -> Option<Section<'a>> {
        self.sections().find(|s| s.name == name)
    }

    /// `raw_config_parse`'s `_parse_nested` on every value it reads: each section's own keys, then
    /// the `[DEFAULT]` keys the section does not override.
    fn check_nested(&self) -> Result<(), IniError> {
        for section in self.sections() {
            for (_, value) in section.entries() {
                if !value.is_nested() {
                    continue;
                }
                for (line, piece) in value.numbered() {
                    if nested_lines(piece).any(|l| !strip(l).is_empty() && !l.contains('=')) {
                        return Err(IniError {
                            error: Error::IniNestedSyntax,
                            line,
                        });
                    }
                }
            }
        }
        Ok(())
    }
}

/// configparser's pass over the lines (`_read` with `strict=True`): returns whether there is a
/// `[DEFAULT]` section.
fn check_lines(text: &str) -> Result<bool, IniError> {
    let fail = |error, line| Err(IniError { error, line });
    let mut syntax: Option<u32> = None;
    let mut has_default = false;
    // The current section: whether it is `[DEFAULT]`, and a walker at its first body line.
    let mut block: Option<(bool, Walker<'_>)> = None;
    for ev in Walker::new(text) {
        match ev.kind {
            Kind::NoSection => return fail(Error::IniMissingSection, ev.line),
            Kind::Garbage => {
                syntax.get_or_insert(ev.line);
            }
            Kind::Section(name) => {
                let is_default = name == DEFAULT_SECTION;
                if is_default {
                    has_default = true;
                } else if Walker::new(text)
                    .take_while(|e| e.start < ev.start)
                    .any(|e| e.kind == Kind::Section(name))
                {
                    return fail(Error::IniDuplicateSection, ev.line);
                }
                let body = Walker::at(text, ev.end, ev.line, header_state(ev.indent));
                block = Some((is_default, body));
            }
            Kind::Option(key, _) => {
                if key.is_empty() {
                    syntax.get_or_insert(ev.line);
                }
                let seen = match &block {
                    // Every `[DEFAULT]` block so far.
                    Some((true, _)) => default_options(Walker::new(text))
                        .take_while(|(e, _)| e.start < ev.start)
                        .any(|(_, k)| key_eq(k, key)),
                    // This block (a section cannot appear twice).
                    Some((false, body)) => own_options(body.clone())
                        .take_while(|(e, _)| e.start < ev.start)
                        .any(|(_, k)| key_eq(k, key)),
                    None => false,
                };
                if seen {
                    return fail(Error::IniDuplicateKey, ev.line);
                }
            }
            Kind::Comment | Kind::Blank | Kind::Continuation(_) => {}
        }
    }
    match syntax {
        Some(line) => fail(Error::IniSyntax, line),
        None => Ok(has_default),
    }
}

/// The state right after a section header with this indentation.
fn header_state(indent: usize) -> State {
    State {
        in_section: true,
        opt: false,
        indent,
    }
}

/// The key lines of one section body, until the next header.
fn own_options(walker: Walker<'_>) -> impl Iterator<Item = (Event<'_>, &str)> {
    walker
        .take_while(|e| !matches!(e.kind, Kind::Section(_)))
        .filter_map(|e| match e.kind {
            Kind::Option(k, _) => Some((e, k)),
            _ => None,
        })
}

/// The key lines of every `[DEFAULT]` block, walking from the start of the file.
fn default_options(walker: Walker<'_>) -> impl Iterator<Item = (Event<'_>, &str)> {
    let mut in_default = false;
    walker.filter_map(move |e| match e.kind {
        Kind::Section(name) => {
            in_default = name == DEFAULT_SECTION;
            None
        }
        Kind::Option(k, _) if in_default => Some((e, k)),
        _ => None,
    })
}

/// Iterator over the sections of an [`Ini`], in file order.
#[derive(Clone, Debug)]
pub struct Sections<'a> {
    walker: Walker<'a>,
    has_default: bool,
}

impl<'a> Iterator for Sections<'a> {
    type Item = Section<'a>;

    fn next(&mut self) -> Option<Section<'a>> {
        for ev in self.walker.by_ref() {
            if let Kind::Section(name) = ev.kind {
                if name != DEFAULT_SECTION {
                    return Some(Section {
                        name,
                        line: ev.line,
                        text: self.walker.lines.text,
                        body: ev.end,
                        indent: ev.indent,
                        has_default: self.has_default,
                    });
                }
            }
        }
        None
    }
}

/// One section of a checked file.
#[derive(Clone, Copy)]
pub struct Section<'a> {
    name: &'a str,
    line: u32,
    text: &'a str,
    /// Offset of the line after the header.
    body: usize,
    /// Indentation of the header line.
    indent: usize,
    has_default: bool,
}

impl fmt::Debug for Section<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Section")
            .field("name", &self.name)
            .field("line", &self.line)
            .finish_non_exhaustive()
    }
}

impl<'a> Section<'a> {
    /// The name between the brackets, verbatim (`profile dev` for `[profile dev]`).
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// Line of the `[...]` header.
    pub fn line(&self) -> u32 {
        self.line
    }

    /// The value of `key` (case-insensitive): this section's own, else the `[DEFAULT]` section's.
    pub fn get(&self, key: &str) -> Option<Value<'a>> {
        self.own()
            .find(|(k, _)| key_eq(k, key))
            .map(|(_, v)| v)
            .or_else(|| {
                self.defaults()
                    .find(|(k, _)| key_eq(k, key))
                    .map(|(_, v)| v)
            })
    }

    /// Every key with its value, as botocore sees the section: its own keys in file order, then the
    /// `[DEFAULT]` keys it does not override. Keys are spelled as in the file (see [`key_eq`]).
    pub fn entries(&self) -> Entries<'a> {
        Entries {
            section: *self,
            own: self.own(),
            defaults: self.has_default.then(|| self.defaults()),
        }
    }

    fn body(&self) -> Walker<'a> {
        Walker::at(self.text, self.body, self.line, header_state(self.indent))
    }

    fn own(&self) -> Options<'a> {
        Options {
            walker: self.body(),
            text: self.text,
            only_default: false,
            active: true,
        }
    }

    fn defaults(&self) -> Options<'a> {
        Options {
            walker: Walker::new(self.text),
            text: self.text,
            only_default: true,
            active: false,
        }
    }
}

/// Keys of one section body (`only_default == false`: stops at the next header) or of every
/// `[DEFAULT]` block.
#[derive(Clone, Debug)]
struct Options<'a> {
    walker: Walker<'a>,
    text: &'a str,
    only_default: bool,
    /// Inside a block whose keys are wanted.
    active: bool,
}

impl<'a> Iterator for Options<'a> {
    type Item = (&'a str, Value<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        for ev in self.walker.by_ref() {
            match ev.kind {
                Kind::Section(name) => {
                    if !self.only_default {
                        // Fuse: the body ended.
                        self.walker.lines.pos = self.text.len();
                        return None;
                    }
                    self.active = name == DEFAULT_SECTION;
                }
                Kind::Option(key, first) if self.active => {
                    return Some((
                        key,
                        Value {
                            text: self.text,
                            first,
                            line: ev.line,
                            rest: ev.end,
                            indent: ev.indent,
                        },
                    ));
                }
                _ => {}
            }
        }
        None
    }
}

/// Iterator over a section's keys and values (see [`Section::entries`]).
#[derive(Clone, Debug)]
pub struct Entries<'a> {
    section: Section<'a>,
    own: Options<'a>,
    defaults: Option<Options<'a>>,
}

impl<'a> Iterator for Entries<'a> {
    type Item = (&'a str, Value<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(e) = self.own.next() {
            return Some(e);
        }
        let section = self.section;
        self.defaults
            .as_mut()?
            .find(|(k, _)| !section.own().any(|(own, _)| key_eq(own, k)))
    }
}

/// The value of a key: its first line and any continuation lines (see the [module docs](self)).
///
/// Values may be secrets (`aws_secret_access_key`): `Debug` shows the line number only.
#[derive(Clone, Copy)]
pub struct Value<'a> {
    text: &'a str,
    first: &'a str,
    line: u32,
    /// Offset of the line after the key's line.
    rest: usize,
    /// Indentation of the key's line.
    indent: usize,
}

impl fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Value")
            .field("line", &self.line)
            .finish_non_exhaustive()
    }
}

impl<'a> Value<'a> {
    /// Line of the key.
    pub fn line(&self) -> u32 {
        self.line
    }

    /// The text after the delimiter on the key's line, trimmed (empty for `s3 =`).
    pub fn first_line(&self) -> &'a str {
        self.first
    }

    /// The value when it is one line (no continuation lines): what a credential key should be.
    pub fn as_str(&self) -> Option<&'a str> {
        if self.lines().nth(1).is_none() {
            Some(self.first)
        } else {
            None
        }
    }

    /// The lines of the value, stripped, whose join with `\n` is the value configparser returns:
    /// the first line, then the continuation lines with inner blank lines as empty strings.
    pub fn lines(&self) -> ValueLines<'a> {
        ValueLines(self.numbered())
    }

    fn numbered(&self) -> Numbered<'a> {
        let state = State {
            in_section: true,
            opt: true,
            indent: self.indent,
        };
        Numbered {
            first: Some((self.line, self.first)),
            walker: Some(Walker::at(self.text, self.rest, self.line, state)),
            blanks: 0,
            held: None,
        }
    }

    /// Length in bytes of the joined value.
    pub fn len(&self) -> usize {
        self.joined_len()
    }

    /// True if the joined value is empty.
    pub fn is_empty(&self) -> bool {
        self.first.is_empty() && !self.is_nested()
    }

    /// Writes the joined value (lines separated by `\n`) into `out`; returns it as text, or
    /// [`Error::BufferTooSmall`] with the exact size needed (nothing written). It may be a secret:
    /// zeroize `out` after use.
    pub fn write_to<'o>(&self, out: &'o mut [u8]) -> Result<&'o str, Error> {
        let needed = self.joined_len();
        let dst = out
            .get_mut(..needed)
            .ok_or(Error::BufferTooSmall { needed })?;
        let mut at = 0;
        for (i, l) in self.lines().enumerate() {
            if i > 0 {
                if let Some(b) = dst.get_mut(at) {
                    *b = b'\n';
                }
                at += 1;
            }
            if let Some(d) = dst.get_mut(at..at + l.len()) {
                d.copy_from_slice(l.as_bytes());
            }
            at += l.len();
        }
        core::str::from_utf8(dst).map_err(|_| Error::IniNotUtf8)
    }

    fn joined_len(&self) -> usize {
        self.lines().enumerate().fold(0usize, |n, (i, l)| {
            n.saturating_add(l.len()).saturating_add(usize::from(i > 0))
        })
    }

    /// True if the value equals `s` (joined as configparser does).
    pub fn eq_str(&self, s: &str) -> bool {
        let mut rest = s;
        for (i, l) in self.lines().enumerate() {
            if i > 0 {
                match rest.strip_prefix('\n') {
                    Some(r) => rest = r,
                    None => return false,
                }
            }
            match rest.strip_prefix(l) {
                Some(r) => rest = r,
                None => return false,
            }
        }
        rest.is_empty()
    }

    /// True if botocore reads the value as a nested block: it starts with a line break (`s3 =`
    /// followed by indented lines). Skip such keys when reading credentials.
    pub fn is_nested(&self) -> bool {
        self.first.is_empty() && self.lines().nth(1).is_some()
    }

    /// The `name = value` pairs of a nested block (`_parse_nested`), or `None` if the value is not
    /// nested.
    pub fn nested(&self) -> Option<Nested<'a>> {
        if !self.is_nested() {
            return None;
        }
        Some(Nested {
            lines: self.numbered(),
            piece: "".split(NESTED_BREAKS),
        })
    }
}

impl PartialEq<str> for Value<'_> {
    fn eq(&self, other: &str) -> bool {
        self.eq_str(other)
    }
}

impl PartialEq<&str> for Value<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.eq_str(other)
    }
}

/// Lines of a value with their line numbers (a blank line gets the number of the line after it).
#[derive(Clone, Debug)]
struct Numbered<'a> {
    first: Option<(u32, &'a str)>,
    walker: Option<Walker<'a>>,
    /// Blank lines seen and not yet returned (returned only if a continuation follows).
    blanks: u32,
    /// A continuation line held back while the blank lines before it are returned.
    held: Option<(u32, &'a str)>,
}

impl<'a> Iterator for Numbered<'a> {
    type Item = (u32, &'a str);

    fn next(&mut self) -> Option<(u32, &'a str)> {
        if let Some(f) = self.first.take() {
            return Some(f);
        }
        if let Some((line, piece)) = self.held {
            if self.blanks > 0 {
                self.blanks -= 1;
                return Some((line, ""));
            }
            self.held = None;
            return Some((line, piece));
        }
        let walker = self.walker.as_mut()?;
        for ev in walker.by_ref() {
            match ev.kind {
                Kind::Comment => {}
                Kind::Blank => self.blanks = self.blanks.saturating_add(1),
                Kind::Continuation(piece) => {
                    self.held = Some((ev.line, piece));
                    return self.next();
                }
                _ => break,
            }
        }
        self.walker = None;
        None
    }
}

/// Iterator over the lines of a [`Value`] (see [`Value::lines`]).
#[derive(Clone, Debug)]
pub struct ValueLines<'a>(Numbered<'a>);

impl<'a> Iterator for ValueLines<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        self.0.next().map(|(_, l)| l)
    }
}

/// Line breaks of Python's `str.splitlines()` that can be inside a stripped line.
const NESTED_BREAKS: [char; 8] = [
    '\u{b}', '\u{c}', '\u{1c}', '\u{1d}', '\u{1e}', '\u{85}', '\u{2028}', '\u{2029}',
];

fn nested_lines(piece: &str) -> core::str::Split<'_, [char; 8]> {
    piece.split(NESTED_BREAKS)
}

/// The `name = value` pairs of a nested block, in order (see [`Value::nested`]).
#[derive(Clone, Debug)]
pub struct Nested<'a> {
    lines: Numbered<'a>,
    piece: core::str::Split<'a, [char; 8]>,
}

impl<'a> Nested<'a> {
    /// The value of `name` (exact, case-sensitive: botocore does not lower-case nested names); the
    /// last line with that name wins.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.clone()
            .filter(|(k, _)| *k == name)
            .last()
            .map(|(_, v)| v)
    }
}

impl<'a> Iterator for Nested<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            for l in self.piece.by_ref() {
                // `Ini::parse` checked that every non-blank line has a '='.
                if let Some((k, v)) = strip(l).split_once('=') {
                    return Some((strip(k), strip(v)));
                }
            }
            let (_, piece) = self.lines.next()?;
            self.piece = nested_lines(piece);
        }
    }
}

/// The section of profile `name` (PROTOCOL.md B1): in the credentials file `[name]`; in the config
/// file `[profile name]` (any section starting with `profile` that `shlex.split`s into two words, the
/// second being `name`) and, for `default`, also `[default]`; the last such section in the file wins.
pub fn profile<'a>(ini: &Ini<'a>, kind: FileKind, name: &str) -> Option<Section<'a>> {
    match kind {
        FileKind::Credentials => ini.section(name),
        FileKind::Config => prefixed(ini, "profile", name, name == "default"),
    }
}

/// The config file's `[sso-session name]` section (same rules as [`profile`]).
pub fn sso_session<'a>(ini: &Ini<'a>, name: &str) -> Option<Section<'a>> {
    prefixed(ini, "sso-session", name, false)
}

/// The config file's `[services name]` section (same rules as [`profile`]).
pub fn services<'a>(ini: &Ini<'a>, name: &str) -> Option<Section<'a>> {
    prefixed(ini, "services", name, false)
}

/// `build_profile_map`: the last section that maps to `name` under `prefix`.
fn prefixed<'a>(ini: &Ini<'a>, prefix: &str, name: &str, or_default: bool) -> Option<Section<'a>> {
    ini.sections()
        .filter(|s| {
            if s.name.starts_with(prefix) {
                shlex_second_word_is(s.name, name)
            } else {
                or_default && s.name == "default"
            }
        })
        .last()
}

/// True if Python's `shlex.split(s)` is exactly two words and the second is `want`.
fn shlex_second_word_is(s: &str, want: &str) -> bool {
    let mut words = 0u32;
    let mut rest = want.chars();
    let mut same = true;
    for tok in Shlex::new(s) {
        match tok {
            Err(()) => return false,
            Ok(Tok::Start) => words = words.saturating_add(1),
            Ok(Tok::Char(c)) => {
                if words == 2 && rest.next() != Some(c) {
                    same = false;
                }
            }
            Ok(Tok::End) => {}
        }
    }
    same && words == 2 && rest.next().is_none()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    Start,
    Char(char),
    End,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sh {
    Space,
    Word,
    Single,
    Double,
    Escape { in_double: bool },
    Done,
}

/// Python's `shlex` in POSIX mode with `whitespace_split` and no comment characters (what
/// `shlex.split` does): words separated by space, tab, CR or LF; `'...'` literal; `"..."` with `\"` and
/// `\\`; `\x` outside quotes is `x`. An open quote or a trailing backslash is an error (`ValueError`).
#[derive(Clone, Debug)]
struct Shlex<'a> {
    chars: core::str::Chars<'a>,
    state: Sh,
    pending: Option<char>,
}

impl<'a> Shlex<'a> {
    fn new(s: &'a str) -> Self {
        Shlex {
            chars: s.chars(),
            state: Sh::Space,
            pending: None,
        }
    }
}

impl Iterator for Shlex<'_> {
    type Item = Result<Tok, ()>;

    fn next(&mut self) -> Option<Result<Tok, ()>> {
        if let Some(c) = self.pending.take() {
            return Some(Ok(Tok::Char(c)));
        }
        let space = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
        loop {
            let c = self.chars.next();
            let (next, tok) = match (self.state, c) {
                (Sh::Done, _) => return None,
                (Sh::Space, None) => (Sh::Done, None),
                (Sh::Space, Some(c)) if space(c) => continue,
                (Sh::Space, Some(c)) => {
                    let next = match c {
                        '\\' => Sh::Escape { in_double: false },
                        '\'' => Sh::Single,
                        '"' => Sh::Double,
                        _ => {
                            self.pending = Some(c);
                            Sh::Word
                        }
                    };
                    (next, Some(Ok(Tok::Start)))
                }
                (Sh::Word, None) => (Sh::Done, Some(Ok(Tok::End))),
                (Sh::Word, Some(c)) if space(c) => (Sh::Space, Some(Ok(Tok::End))),
                (Sh::Word, Some('\'')) => (Sh::Single, None),
                (Sh::Word, Some('"')) => (Sh::Double, None),
                (Sh::Word, Some('\\')) => (Sh::Escape { in_double: false }, None),
                (Sh::Word, Some(c)) => (Sh::Word, Some(Ok(Tok::Char(c)))),
                (Sh::Single | Sh::Double | Sh::Escape { .. }, None) => (Sh::Done, Some(Err(()))),
                (Sh::Single, Some('\'')) => (Sh::Word, None),
                (Sh::Single, Some(c)) => (Sh::Single, Some(Ok(Tok::Char(c)))),
                (Sh::Double, Some('"')) => (Sh::Word, None),
                (Sh::Double, Some('\\')) => (Sh::Escape { in_double: true }, None),
                (Sh::Double, Some(c)) => (Sh::Double, Some(Ok(Tok::Char(c)))),
                (Sh::Escape { in_double: true }, Some(c)) => {
                    if c == '\\' || c == '"' {
                        (Sh::Double, Some(Ok(Tok::Char(c))))
                    } else {
                        self.pending = Some(c);
                        (Sh::Double, Some(Ok(Tok::Char('\\'))))
                    }
                }
                (Sh::Escape { in_double: false }, Some(c)) => (Sh::Word, Some(Ok(Tok::Char(c)))),
            };
            self.state = next;
            match tok {
                Some(t) => return Some(t),
                None if next == Sh::Done => return None,
                None => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::{String, ToString};
    use std::vec::Vec;

    fn parse(s: &str) -> Ini<'_> {
        Ini::parse(s.as_bytes()).unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    fn err(s: &[u8]) -> (Error, u32) {
        let e = Ini::parse(s).expect_err("expected an error");
        (e.error, e.line)
    }

    fn joined(v: Value<'_>) -> String {
        v.lines().collect::<Vec<_>>().join("\n")
    }

    fn get(ini: &Ini<'_>, section: &str, key: &str) -> Option<String> {
        ini.section(section)?.get(key).map(joined)
    }

    /// The whole file as botocore's `raw_config_parse` returns it (keys lower-cased).
    fn dump(ini: &Ini<'_>) -> Vec<(String, Vec<(String, String)>)> {
        ini.sections()
            .map(|s| {
                let kv = s
                    .entries()
                    .map(|(k, v)| (k.to_lowercase(), joined(v)))
                    .collect();
                (s.name().to_string(), kv)
            })
            .collect()
    }

    #[test]
    fn sections_keys_and_delimiters() {
        let ini = parse(
            "[default]\naws_access_key_id=AKID\nAWS_Secret_Access_Key :  s/e=c:r  \n\n[profile dev]\nregion\t=\teu-west-1\n",
        );
        let names: Vec<_> = ini.sections().map(|s| (s.name(), s.line())).collect();
        assert_eq!(names, [("default", 1), ("profile dev", 5)]);
        let d = ini.section("default").unwrap();
        assert_eq!(d.get("AWS_ACCESS_KEY_ID").unwrap().as_str(), Some("AKID"));
        let secret = d.get("aws_secret_access_key").unwrap();
        assert_eq!(secret.as_str(), Some("s/e=c:r"));
        assert_eq!(secret.line(), 3);
        assert!(d.get("region").is_none());
        assert!(
            ini.section("Default").is_none(),
            "section names are case-sensitive"
        );
        assert_eq!(
            get(&ini, "profile dev", "region").as_deref(),
            Some("eu-west-1")
        );
        // The first delimiter splits, whichever it is.
        let ini = parse("[s]\na:b=c\nd=e:f\n");
        assert_eq!(get(&ini, "s", "a").as_deref(), Some("b=c"));
        assert_eq!(get(&ini, "s", "d").as_deref(), Some("e:f"));
        // Empty values.
        let ini = parse("[s]\na =\nb:\n");
        assert_eq!(get(&ini, "s", "a").as_deref(), Some(""));
        assert!(ini.section("s").unwrap().get("b").unwrap().is_empty());
        assert_eq!(Ini::parse(b"").unwrap().sections().count(), 0);
        assert_eq!(
            Ini::parse(b"\n  \n# only a comment\n")
                .unwrap()
                .sections()
                .count(),
            0
        );
    }

    #[test]
    fn comments_only_at_line_start() {
        let ini = parse("# top\n; top\n[s]\n  # indented comment\na = AKID # prod\nb = x ; y\n");
        assert_eq!(get(&ini, "s", "a").as_deref(), Some("AKID # prod"));
        assert_eq!(get(&ini, "s", "b").as_deref(), Some("x ; y"));
        // A comment inside a value is skipped, a blank line kept.
        let ini = parse("[x]\na = 1\n\n  # c\n\n  b\n\n\n");
        assert_eq!(get(&ini, "x", "a").as_deref(), Some("1\n\n\nb"));
    }

    #[test]
    fn section_headers_as_configparser() {
        let ini = parse("[ profile x ]\n[a]]\n[b] trailing ; text\n[c=d]\n[]]\n");
        let names: Vec<_> = ini.sections().map(|s| s.name()).collect();
        assert_eq!(names, [" profile x ", "a]", "b", "c=d", "]"]);
        // `[]` is not a header: an option line without delimiter.
        assert_eq!(err(b"[s]\n[]\n"), (Error::IniSyntax, 2));
        assert_eq!(err(b"[]\n"), (Error::IniMissingSection, 1));
        // `[a = b` is a key.
        assert_eq!(
            get(&parse("[s]\n[a = b\n"), "s", "[a").as_deref(),
            Some("b")
        );
        // An indented header is still a header when no value is open.
        let ini = parse("[s]\n  [t]\n  k = v\n");
        assert_eq!(get(&ini, "t", "k").as_deref(), Some("v"));
    }

    #[test]
    fn continuation_lines() {
        let ini =
            parse("[s]\nk = first\n  second\n\t[not a section]\n\n   third = x\n\n\nnext = 1\n");
        let v = ini.section("s").unwrap().get("k").unwrap();
        assert_eq!(joined(v), "first\nsecond\n[not a section]\n\nthird = x");
        assert_eq!(v.as_str(), None);
        assert_eq!(v.first_line(), "first");
        assert_eq!(v.len(), joined(v).len());
        assert!(!v.is_nested());
        assert!(v.eq_str("first\nsecond\n[not a section]\n\nthird = x"));
        assert!(v == "first\nsecond\n[not a section]\n\nthird = x");
        assert!(!v.eq_str("first\nsecond"));
        assert!(!v.eq_str("first\nsecond\n[not a section]\n\nthird = xy"));
        let mut buf = [0u8; 64];
        assert_eq!(v.write_to(&mut buf).unwrap(), joined(v));
        let n = v.len();
        assert_eq!(
            v.write_to(&mut buf[..n - 1]),
            Err(Error::BufferTooSmall { needed: n })
        );
        assert_eq!(get(&ini, "s", "next").as_deref(), Some("1"));
        // Deeper than the key's line, not than the first column.
        let ini = parse("[s]\n  k = 1\n  j = 2\n   more\n");
        assert_eq!(get(&ini, "s", "k").as_deref(), Some("1"));
        assert_eq!(get(&ini, "s", "j").as_deref(), Some("2\nmore"));
        // Indentation counts characters (U+3000 is three bytes, one character).
        let ini = parse("[s]\n\u{3000}\u{3000}k = 1\n   j = 2\n");
        assert_eq!(get(&ini, "s", "k").as_deref(), Some("1\nj = 2"));
        // A header cannot be continued; an indented line right after it is a key.
        let ini = parse("[s]\n  k = v\n");
        assert_eq!(get(&ini, "s", "k").as_deref(), Some("v"));
        // Only blank lines after an empty value: empty, not nested.
        let v = parse("[s]\nk =\n\n\n")
            .section("s")
            .unwrap()
            .get("k")
            .unwrap();
        assert!(v.is_empty() && !v.is_nested() && v.nested().is_none());
        assert_eq!(v.as_str(), Some(""));
    }

    #[test]
    fn nested_blocks() {
        let ini = parse(
            "[default]\ns3 =\n  max_concurrent_requests = 10\n\n  addressing_style=path\n  Dup = 1\n  Dup = 2\n",
        );
        let v = ini.section("default").unwrap().get("s3").unwrap();
        assert!(v.is_nested());
        assert_eq!(v.as_str(), None);
        let n = v.nested().unwrap();
        let pairs: Vec<_> = n.clone().collect();
        assert_eq!(
            pairs,
            [
                ("max_concurrent_requests", "10"),
                ("addressing_style", "path"),
                ("Dup", "1"),
                ("Dup", "2")
            ]
        );
        assert_eq!(n.get("Dup"), Some("2"));
        assert_eq!(n.get("dup"), None, "nested names are case-sensitive");
        // A nested line without '=' fails the file (botocore's ValueError), at its line.
        assert_eq!(
            err(b"[s]\nok = 1\ns3 =\n  a = 1\n  b: 2\n"),
            (Error::IniNestedSyntax, 5)
        );
        // ... also after a vertical tab (Python's splitlines breaks there).
        assert_eq!(
            err(b"[s]\ns3 =\n  a = 1\x0bb\n"),
            (Error::IniNestedSyntax, 3)
        );
        let v = parse("[s]\ns3 =\n  a = 1\x0bb=2\n")
            .section("s")
            .unwrap()
            .get("s3")
            .unwrap();
        assert_eq!(
            v.nested().unwrap().collect::<Vec<_>>(),
            [("a", "1"), ("b", "2")]
        );
        // Not nested (first line not empty): no check.
        assert_eq!(
            get(&parse("[s]\nk = x\n  a: 1\n"), "s", "k").as_deref(),
            Some("x\na: 1")
        );
        // A bad [DEFAULT] block is read only through a section that does not override it.
        assert!(Ini::parse(b"[DEFAULT]\ns3 =\n  bad\n").is_ok());
        assert!(Ini::parse(b"[DEFAULT]\ns3 =\n  bad\n[a]\ns3 = 1\n").is_ok());
        assert_eq!(
            err(b"[DEFAULT]\ns3 =\n  bad\n[a]\ns3 = 1\n[b]\n"),
            (Error::IniNestedSyntax, 3)
        );
    }

    #[test]
    fn default_section_is_merged_and_invisible() {
        let ini = parse(
            "[DEFAULT]\nregion = us-east-1\noutput = json\n[a]\nregion = eu-west-1\n[DEFAULT]\nextra = 1\n[b]\n",
        );
        assert_eq!(
            ini.sections().map(|s| s.name()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert!(ini.section("DEFAULT").is_none());
        assert_eq!(get(&ini, "a", "REGION").as_deref(), Some("eu-west-1"));
        assert_eq!(get(&ini, "a", "output").as_deref(), Some("json"));
        assert_eq!(get(&ini, "b", "region").as_deref(), Some("us-east-1"));
        assert_eq!(get(&ini, "b", "extra").as_deref(), Some("1"));
        let a: Vec<_> = dump(&ini).remove(0).1;
        assert_eq!(
            a,
            [
                ("region".into(), "eu-west-1".into()),
                ("output".into(), "json".into()),
                ("extra".into(), "1".into())
            ]
        );
        // `[default]` is an ordinary section.
        let ini = parse("[default]\nk = v\n");
        assert_eq!(ini.sections().count(), 1);
        // A key repeated across [DEFAULT] blocks is a duplicate.
        assert_eq!(
            err(b"[DEFAULT]\nr=1\n[x]\na=2\n[DEFAULT]\nR=3\n"),
            (Error::IniDuplicateKey, 6)
        );
    }

    #[test]
    fn errors_and_their_lines() {
        assert_eq!(
            err(b"[a]\nk=1\n\n[b]\n[a]\n"),
            (Error::IniDuplicateSection, 5)
        );
        assert_eq!(
            err(b"[a]\nKey=1\n  more\nkEY = 2\n"),
            (Error::IniDuplicateKey, 4)
        );
        assert_eq!(err(b"\n# c\nk = v\n[a]\n"), (Error::IniMissingSection, 3));
        assert_eq!(err(b"garbage\n"), (Error::IniMissingSection, 1));
        assert_eq!(err(b"[a]\nk = 1\ngarbage\n"), (Error::IniSyntax, 3));
        assert_eq!(err(b"[a]\n= 1\n"), (Error::IniSyntax, 2));
        assert_eq!(err(b"[a]\n : 1\n"), (Error::IniSyntax, 2));
        // Two empty keys: configparser's duplicate check sees them before the syntax error is raised.
        assert_eq!(err(b"[a]\n= 1\n= 2\n"), (Error::IniDuplicateKey, 3));
        // Syntax errors are raised at the end; a later duplicate wins.
        assert_eq!(
            err(b"[x]\ngarbage\n[y]\na=1\na=2\n"),
            (Error::IniDuplicateKey, 5)
        );
        assert_eq!(err(b"[x]\n= 1\n[x]\n"), (Error::IniDuplicateSection, 3));
        assert_eq!(err(b"[x]\nbad\nbad2\n"), (Error::IniSyntax, 2));
        // Encoding.
        assert_eq!(err(b"[a]\r\nk = \xff\n"), (Error::IniNotUtf8, 2));
        assert_eq!(err(b"[a]\rk = v\r\r\xc3"), (Error::IniNotUtf8, 4));
        assert_eq!(
            err(b"[a]\nk = \xed\xa0\x80\n"),
            (Error::IniNotUtf8, 2),
            "surrogate"
        );
        assert_eq!(
            err("\u{feff}[default]\n".as_bytes()),
            (Error::IniByteOrderMark, 1)
        );
        // A BOM elsewhere is text.
        assert_eq!(
            get(&parse("[s]\nk = \u{feff}\n"), "s", "k").as_deref(),
            Some("\u{feff}")
        );
        for e in [Error::IniNotUtf8, Error::IniSyntax, Error::IniNestedSyntax] {
            assert!(Error::ALL.contains(&e));
        }
        let shown = IniError {
            error: Error::IniSyntax,
            line: 7,
        }
        .to_string();
        assert!(shown.ends_with("(line 7)"), "{shown}");
    }

    #[test]
    fn line_ends() {
        let ini = parse("[a]\r\nk = 1\r\n  2\r\n[b]\rk = 3\r  4\r\r[c]\nk=5");
        assert_eq!(get(&ini, "a", "k").as_deref(), Some("1\n2"));
        assert_eq!(get(&ini, "b", "k").as_deref(), Some("3\n4"));
        assert_eq!(get(&ini, "c", "k").as_deref(), Some("5"));
        assert_eq!(ini.section("c").unwrap().line(), 8);
        // Form feed and vertical tab are whitespace, not line ends.
        let ini = parse("[a]\nk = 1\x0c\n\x0bj = 2\n");
        assert_eq!(get(&ini, "a", "k").as_deref(), Some("1\nj = 2"));
        // Python's whitespace includes U+001C..U+001F and U+00A0.
        let ini = parse("[a]\n\u{1f}k\u{a0}=\u{1c}v\u{2028}\n");
        assert_eq!(
            ini.section("a").unwrap().entries().next().map(|(k, _)| k),
            Some("k")
        );
        assert_eq!(get(&ini, "a", "k").as_deref(), Some("v"));
    }

    #[test]
    fn keys_compare_case_insensitively() {
        assert!(key_eq("AWS_Access_Key_ID", "aws_access_key_id"));
        assert!(key_eq("ÉTÉ", "été"));
        assert!(key_eq("İ", "i\u{307}"));
        assert!(!key_eq("a", "b"));
        assert!(!key_eq("a", "ab"));
        let ini = parse("[s]\nRÉGION = x\n");
        assert_eq!(get(&ini, "s", "région").as_deref(), Some("x"));
        // Keys are handed out as written.
        assert_eq!(
            ini.section("s").unwrap().entries().next().map(|(k, _)| k),
            Some("RÉGION")
        );
    }

    #[test]
    fn profiles_in_both_files() {
        let text =
            "[default]\nk = plain\n[profile dev]\nk = dev\n[profile \"my dev\"]\nk = quoted\n\
                    [profiles odd]\nk = odd\n[profile a b]\nk = three\n[profile 'open]\nk = bad\n\
                    [ profile spaced]\nk = no\n[dev]\nk = bare\n[profile   tabs\t]\nk = tabs\n\
                    [sso-session corp]\nk = sso\n[services s3x]\nk = svc\n[profile]\nk = alone\n";
        let ini = parse(text);
        let p =
            |name: &str| profile(&ini, FileKind::Config, name).map(|s| joined(s.get("k").unwrap()));
        assert_eq!(p("default").as_deref(), Some("plain"));
        assert_eq!(p("dev").as_deref(), Some("dev"));
        assert_eq!(p("my dev").as_deref(), Some("quoted"));
        assert_eq!(p("odd").as_deref(), Some("odd"));
        assert_eq!(p("tabs").as_deref(), Some("tabs"));
        assert_eq!(p("a"), None);
        assert_eq!(p("b"), None);
        assert_eq!(p("'open"), None);
        assert_eq!(p("open"), None);
        assert_eq!(p("spaced"), None);
        assert_eq!(p(""), None);
        assert_eq!(p("corp"), None);
        assert_eq!(
            sso_session(&ini, "corp").map(|s| s.name()),
            Some("sso-session corp")
        );
        assert_eq!(
            services(&ini, "s3x").map(|s| s.name()),
            Some("services s3x")
        );
        assert_eq!(sso_session(&ini, "dev").map(|s| s.name()), None);
        // Credentials file: the section name is the profile name.
        let c = |name: &str| profile(&ini, FileKind::Credentials, name).map(|s| s.name());
        assert_eq!(c("dev"), Some("dev"));
        assert_eq!(c("profile dev"), Some("profile dev"));
        assert_eq!(c("my dev"), None);
        assert_eq!(c("DEFAULT"), None);
        // [default] and [profile default]: the later one, whole.
        let ini = parse("[profile default]\na = 1\n[default]\nb = 2\n");
        let d = profile(&ini, FileKind::Config, "default").unwrap();
        assert_eq!((d.name(), d.get("a").is_none()), ("default", true));
        let ini = parse("[default]\nb = 2\n[profile default]\na = 1\n");
        let d = profile(&ini, FileKind::Config, "default").unwrap();
        assert_eq!((d.name(), d.get("b").is_none()), ("profile default", true));
        // Two spellings of one profile: the later one.
        let ini = parse("[profile x]\nk = 1\n[profile 'x']\nk = 2\n");
        assert_eq!(profile(&ini, FileKind::Config, "x").unwrap().line(), 3);
    }

    fn shlex(s: &str) -> Result<Vec<String>, ()> {
        let mut words = Vec::new();
        for t in Shlex::new(s) {
            match t? {
                Tok::Start => words.push(String::new()),
                Tok::Char(c) => words.last_mut().unwrap().push(c),
                Tok::End => {}
            }
        }
        Ok(words)
    }

    #[test]
    fn shlex_as_python() {
        // Expected values from CPython 3.11 shlex.split.
        let ok: &[(&str, &[&str])] = &[
            ("", &[]),
            ("  a  b ", &["a", "b"]),
            ("profile 'a b'", &["profile", "a b"]),
            (r#"profile "x\"y""#, &["profile", "x\"y"]),
            (r#"p "a\b""#, &["p", "a\\b"]),
            (r#"p "a\\b""#, &["p", "a\\b"]),
            (r"p a\ b", &["p", "a b"]),
            (r"p 'a\'", &["p", "a\\"]),
            ("p ''", &["p", ""]),
            ("p a''b\"c\"", &["p", "abc"]),
            ("p\u{a0}x", &["p\u{a0}x"]),
            ("a\r\nb\tc", &["a", "b", "c"]),
            (r"\'", &["'"]),
        ];
        for (s, want) in ok {
            assert_eq!(shlex(s).unwrap(), *want, "{s:?}");
        }
        for bad in ["'", "a \"b", "a\\", "\"a\\"] {
            assert!(shlex(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn debug_shows_no_values() {
        let ini = parse("[default]\naws_secret_access_key = SECRET\n");
        let s = ini.section("default").unwrap();
        let v = s.get("aws_secret_access_key").unwrap();
        for shown in [
            std::format!("{ini:?}"),
            std::format!("{s:?}"),
            std::format!("{v:?}"),
        ] {
            assert!(!shown.contains("SECRET"), "{shown}");
        }
    }
}
