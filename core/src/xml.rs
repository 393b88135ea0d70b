//! A small strict XML reader for STS responses: no allocation, borrowed views.
//!
//! [`parse`] checks that the document is one well-formed element tree (optional BOM, XML declaration,
//! comments and processing instructions around it; start and end tags match; attribute values quoted;
//! entity and character references valid; nesting at most [`MAX_DEPTH`] levels) and returns the root
//! [`Element`]. Document type declarations are rejected: STS never sends one and refusing them rules
//! out entity-expansion tricks. Element names are compared by local name (the part after a
//! namespace prefix); namespaces are otherwise ignored.
//!
//! Text is returned borrowed when it has no references or CDATA sections; otherwise it is decoded into
//! a caller [`Scratch`] buffer.
//!
//! ```
//! use mongodb_aws_core::{json::Scratch, xml};
//! let body = b"<?xml version=\"1.0\"?><R xmlns=\"x\"><A>1 &amp; 2</A><B/></R>";
//! let root = xml::parse(body)?;
//! let mut buf = [0u8; 64];
//! let mut scratch = Scratch::new(&mut buf);
//! assert_eq!(root.local_name(), "R");
//! assert_eq!(root.child("A")?.unwrap().text(&mut scratch)?, "1 & 2");
//! assert_eq!(root.child("B")?.unwrap().text(&mut scratch)?, "");
//! # Ok::<(), mongodb_aws_core::Error>(())
//! ```

use crate::json::Scratch;
use crate::Error;

/// Deepest element nesting accepted.
pub const MAX_DEPTH: u32 = 32;

/// An element: its name and the bytes of its content (between the start and end tags).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Element<'a> {
    name: &'a str,
    content: &'a [u8],
}

const E: Error = Error::XmlMalformed;

fn at(b: &[u8], i: usize) -> Result<u8, Error> {
    b.get(i).copied().ok_or(E)
}

fn starts(b: &[u8], i: usize, p: &[u8]) -> bool {
    b.get(i..).is_some_and(|r| r.starts_with(p))
}

fn ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// Index just past the first occurrence of `pat` at or after `i`.
fn find_after(b: &[u8], i: usize, pat: &[u8]) -> Result<usize, Error> {
    let hay = b.get(i..).ok_or(E)?;
    hay.windows(pat.len())
        .position(|w| w == pat)
        .map(|p| i + p + pat.len())
        .ok_or(E)
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b':' || c >= 0x80
}

fn is_name_char(c: u8) -> bool {
    is_name_start(c) || c.is_ascii_digit() || c == b'-' || c == b'.'
}

/// A name starting at `i`; returns its end.
fn name_end(b: &[u8], i: usize) -> Result<usize, Error> {
    if !is_name_start(at(b, i)?) {
        return Err(E);
    }
    let mut j = i + 1;
    while b.get(j).is_some_and(|c| is_name_char(*c)) {
        j += 1;
    }
    Ok(j)
}

/// XML 1.0 `Char`: tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF (surrogates cannot
/// occur in a `char`).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

/// Validates a reference starting at `&` (index `i`); returns its end and the character it stands for.
fn reference(b: &[u8], i: usize) -> Result<(usize, char), Error> {
    let semi = find_after(b, i, b";")?;
    let body = b.get(i + 1..semi - 1).ok_or(E)?;
    if body.len() > 10 {
        return Err(E);
    }
    let ch = match body {
        b"amp" => '&',
        b"lt" => '<',
        b"gt" => '>',
        b"quot" => '"',
        b"apos" => '\'',
        [b'#', b'x', hex @ ..] if !hex.is_empty() => {
            let mut v: u32 = 0;
            for c in hex {
                let d = char::from(*c).to_digit(16).ok_or(E)?;
                v = v.checked_mul(16).and_then(|v| v.checked_add(d)).ok_or(E)?;
            }
            char::from_u32(v).ok_or(E)?
        }
        [b'#', dec @ ..] if !dec.is_empty() => {
            let mut v: u32 = 0;
            for c in dec {
                let d = char::from(*c).to_digit(10).ok_or(E)?;
                v = v.checked_mul(10).and_then(|v| v.checked_add(d)).ok_or(E)?;
            }
            char::from_u32(v).ok_or(E)?
        }
        _ => return Err(E),
    };
    if !is_xml_char(ch) {
        return Err(E);
    }
    Ok((semi, ch))
}

/// Skips a comment, PI or CDATA section at `i` if there is one; returns its end.
fn misc(b: &[u8], i: usize) -> Result<Option<usize>, Error> {
    if starts(b, i, b"<!--") {
        let end = find_after(b, i + 4, b"-->")?;
        return Ok(Some(end));
    }
    if starts(b, i, b"<?") {
        return Ok(Some(find_after(b, i + 2, b"?>")?));
    }
    Ok(None)
}

/// Parses the element whose `<` is at `i`; returns it and the index after its end tag.
fn element(b: &[u8], i: usize, depth: u32) -> Result<(Element<'_>, usize), Error> {
    if depth >= MAX_DEPTH {
        return Err(Error::XmlTooDeep);
    }
    if at(b, i)? != b'<' {
        return Err(E);
    }
    let nend = name_end(b, i + 1)?;
    let name = b.get(i + 1..nend).ok_or(E)?;
    let name = core::str::from_utf8(name).map_err(|_| E)?;
    // Attributes.
    let mut j = nend;
    let empty;
    loop {
        let k = ws(b, j);
        match at(b, k)? {
            b'>' => {
                j = k + 1;
                empty = false;
                break;
            }
            b'/' => {
                if at(b, k + 1)? != b'>' {
                    return Err(E);
                }
                j = k + 2;
                empty = true;
                break;
            }
            _ => {
                if k == j {
                    return Err(E); // attributes must be separated by whitespace
                }
                let an = name_end(b, k)?;
                let eq = ws(b, an);
                if at(b, eq)? != b'=' {
                    return Err(E);
                }
                let q0 = ws(b, eq + 1);
                let quote = at(b, q0)?;
                if quote != b'"' && quote != b'\'' {
                    return Err(E);
                }
                let mut v = q0 + 1;
                loop {
                    match at(b, v)? {
                        c if c == quote => break,
                        b'<' => return Err(E),
                        b'&' => v = reference(b, v)?.0,
                        _ => v += 1,
                    }
                }
                j = v + 1;
            }
        }
    }
    if empty {
        return Ok((Element { name, content: &[] }, j));
    }
    let cstart = j;
    let mut p = j;
    loop {
        match at(b, p)? {
            b'<' => {
                if starts(b, p, b"</") {
                    let cend = p;
                    let ne = name_end(b, p + 2)?;
                    if b.get(p + 2..ne) != Some(name.as_bytes()) {
                        return Err(E);
                    }
                    let gt = ws(b, ne);
                    if at(b, gt)? != b'>' {
                        return Err(E);
                    }
                    let content = b.get(cstart..cend).ok_or(E)?;
                    return Ok((Element { name, content }, gt + 1));
                } else if starts(b, p, b"<![CDATA[") {
                    p = find_after(b, p + 9, b"]]>")?;
                } else if let Some(end) = misc(b, p)? {
                    p = end;
                } else if starts(b, p, b"<!") {
                    return Err(E);
                } else {
                    p = element(b, p, depth + 1)?.1;
                }
            }
            b'&' => p = reference(b, p)?.0,
            _ => p += 1,
        }
    }
}

/// Validates `doc` and returns its root element.
pub fn parse(doc: &[u8]) -> Result<Element<'_>, Error> {
    // Well-formed means every character is an XML `Char` (no NUL or other C0 controls, no
    // U+FFFE/U+FFFF), literal or referenced (found by the sts_response fuzz target against roxmltree).
    match core::str::from_utf8(doc) {
        Ok(text) if text.chars().all(is_xml_char) => {}
        _ => return Err(E),
    }
    let mut i = if starts(doc, 0, "\u{feff}".as_bytes()) {
        3
    } else {
        0
    };
    let mut root = None;
    loop {
        i = ws(doc, i);
        if i >= doc.len() {
            break;
        }
        if let Some(end) = misc(doc, i)? {
            i = end;
        } else if root.is_none() && at(doc, i)? == b'<' && !starts(doc, i, b"<!") {
            let (el, end) = element(doc, i, 0)?;
            root = Some(el);
            i = end;
        } else {
            return Err(E);
        }
    }
    root.ok_or(E)
}

impl<'a> Element<'a> {
    /// The qualified name as written (`ns:Name` or `Name`).
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The name without a namespace prefix.
    pub fn local_name(&self) -> &'a str {
        match self.name.rsplit_once(':') {
            Some((_, l)) => l,
            None => self.name,
        }
    }

    /// The raw content between the tags.
    pub fn content(&self) -> &'a [u8] {
        self.content
    }

    /// The child elements, in order.
    pub fn children(&self) -> Children<'a> {
        Children {
            b: self.content,
            pos: 0,
            done: false,
        }
    }

    /// The child element with local name `name` (`None` if absent; [`Error::DuplicateResponseField`]
    /// if there are several).
    pub fn child(&self, name: &str) -> Result<Option<Element<'a>>, Error> {
        let mut found = None;
        for c in self.children() {
            let c = c?;
            if c.local_name() == name {
                if found.is_some() {
                    return Err(Error::DuplicateResponseField);
                }
                found = Some(c);
            }
        }
        Ok(found)
    }

    /// The element's text, with references decoded and CDATA sections unwrapped; comments are
    /// dropped. Borrowed when nothing needs decoding, else decoded into `scratch`. An element with
    /// child elements is [`Error::WrongResponseFieldType`].
    pub fn text<'s>(&self, scratch: &mut Scratch<'s>) -> Result<&'s str, Error>
    where
        'a: 's,
    {
        let c = self.content;
        if !c.contains(&b'<') && !c.contains(&b'&') && !c.contains(&b'\r') {
            return core::str::from_utf8(c).map_err(|_| E);
        }
        let n = decode_text(c, |_| {})?;
        let dst = scratch.take(n).ok_or(Error::BufferTooSmall { needed: n })?;
        let mut pos = 0usize;
        decode_text(c, |part| {
            let end = pos + part.len();
            if let Some(d) = dst.get_mut(pos..end) {
                d.copy_from_slice(part);
            }
            pos = end;
        })?;
        let dst: &'s [u8] = dst;
        core::str::from_utf8(dst).map_err(|_| E)
    }
}

fn decode_text(c: &[u8], mut out: impl FnMut(&[u8])) -> Result<usize, Error> {
    let mut n = 0usize;
    let mut i = 0usize;
    while i < c.len() {
        match at(c, i)? {
            b'&' => {
                let (end, ch) = reference(c, i)?;
                let mut tmp = [0u8; 4];
                let s = ch.encode_utf8(&mut tmp);
                out(s.as_bytes());
                n += s.len();
                i = end;
            }
            b'<' => {
                if starts(c, i, b"<![CDATA[") {
                    let end = find_after(c, i + 9, b"]]>")?;
                    let inner = c.get(i + 9..end - 3).ok_or(E)?;
                    n += out_normalized(inner, &mut out);
                    i = end;
                } else if let Some(end) = misc(c, i)? {
                    i = end;
                } else {
                    return Err(Error::WrongResponseFieldType);
                }
            }
            _ => {
                let run = c
                    .get(i..)
                    .unwrap_or(&[])
                    .iter()
                    .take_while(|&&x| x != b'&' && x != b'<')
                    .count();
                n += out_normalized(c.get(i..i + run).ok_or(E)?, &mut out);
                i += run;
            }
        }
    }
    Ok(n)
}

/// Writes literal text with XML 1.0 end-of-line handling (section 2.11): `\r\n` and a lone `\r` become
/// `\n` (found by the sts_response fuzz target against roxmltree). Returns the bytes written.
/// (A `\r` written as `&#13;` is kept: references are expanded after line-end handling.)
fn out_normalized(text: &[u8], out: &mut impl FnMut(&[u8])) -> usize {
    let mut n = 0usize;
    let mut rest = text;
    while let Some(p) = rest.iter().position(|&b| b == b'\r') {
        let Some((head, tail)) = rest.split_at_checked(p) else {
            break;
        };
        out(head);
        n += head.len();
        let tail = tail.get(1..).unwrap_or(&[]);
        if tail.first() != Some(&b'\n') {
            out(b"\n");
            n += 1;
        }
        rest = tail;
    }
    out(rest);
    n + rest.len()
}

/// Iterator over an element's child elements.
#[derive(Clone, Debug)]
pub struct Children<'a> {
    b: &'a [u8],
    pos: usize,
    done: bool,
}

impl<'a> Iterator for Children<'a> {
    type Item = Result<Element<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.step() {
            Ok(Some(el)) => Some(Ok(el)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

impl<'a> Children<'a> {
    fn step(&mut self) -> Result<Option<Element<'a>>, Error> {
        let b = self.b;
        while let Some(&c) = b.get(self.pos) {
            match c {
                b'<' if starts(b, self.pos, b"<![CDATA[") => {
                    self.pos = find_after(b, self.pos + 9, b"]]>")?;
                }
                b'<' => match misc(b, self.pos)? {
                    Some(end) => self.pos = end,
                    None => {
                        // Depth was checked by `parse`; children are re-parsed from depth 0 here.
                        let (el, end) = element(b, self.pos, 0)?;
                        self.pos = end;
                        return Ok(Some(el));
                    }
                },
                b'&' => self.pos = reference(b, self.pos)?.0,
                _ => self.pos += 1,
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed() {
        for s in [
            "<a/>",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a x='1' y=\"&lt;\">t<!-- c --><b>1</b><![CDATA[<x>]]></a>\n",
            "\u{feff}<a></a>",
            "<!-- pre --><a><b><c/></b></a><!-- post -->",
            "<ns:a xmlns:ns=\"u\"><ns:b>&#65;&#x42;</ns:b></ns:a>",
        ] {
            assert!(parse(s.as_bytes()).is_ok(), "{s}");
        }
        for s in [
            "",
            "text",
            "<a>",
            "<a></b>",
            "<a><b></a></b>",
            "<a/><b/>",
            "<a x=1/>",
            "<a x=\"1\"y=\"2\"/>",
            "<a>&unknown;</a>",
            "<a>&amp</a>",
            "<a>&#0;</a>",
            "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>",
            "<a><!DOCTYPE b></a>",
            "<a><![CDATA[x</a>",
            "<a><!-- x</a>",
            "<1a/>",
            "<a>x",
            "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>AS",
        ] {
            assert!(parse(s.as_bytes()).is_err(), "{s}");
        }
        assert!(parse(b"<a>\xff</a>").is_err());
    }

    #[test]
    fn depth() {
        let mut s = std::string::String::new();
        for _ in 0..32 {
            s.push_str("<a>");
        }
        for _ in 0..32 {
            s.push_str("</a>");
        }
        assert!(parse(s.as_bytes()).is_ok());
        let s = std::format!("<a>{s}</a>");
        assert_eq!(parse(s.as_bytes()), Err(Error::XmlTooDeep));
    }

    #[test]
    fn navigation_and_text() {
        let doc = b"<R xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <X:A xmlns:X=\"u\">a&amp;b&#x2F;&#47;<![CDATA[<&>]]><!--c--></X:A>\n  <B>plain</B><B2/>\n</R>";
        let r = parse(doc).unwrap();
        let mut buf = [0u8; 64];
        let mut sc = Scratch::new(&mut buf);
        let names: std::vec::Vec<_> = r.children().map(|c| c.unwrap().local_name()).collect();
        assert_eq!(names, ["A", "B", "B2"]);
        assert_eq!(
            r.child("A").unwrap().unwrap().text(&mut sc).unwrap(),
            "a&b//<&>"
        );
        assert_eq!(
            r.child("B").unwrap().unwrap().text(&mut sc).unwrap(),
            "plain"
        );
        assert_eq!(r.child("C").unwrap(), None);
        assert_eq!(r.text(&mut sc), Err(Error::WrongResponseFieldType));
        let dup = parse(b"<R><A/><A/></R>").unwrap();
        assert_eq!(dup.child("A"), Err(Error::DuplicateResponseField));
        let mut tiny = [0u8; 1];
        assert_eq!(
            parse(b"<a>&amp;&amp;</a>")
                .unwrap()
                .text(&mut Scratch::new(&mut tiny)),
            Err(Error::BufferTooSmall { needed: 2 })
        );
    }

    #[test]
    fn line_ends_normalized_in_text() {
        // Regression (fuzz target sts_response vs roxmltree): XML 1.0 section 2.11.
        let mut buf = [0u8; 64];
        let doc = b"<a><b>x\r\ny\rz\n&#13;<![CDATA[\r\n]]></b></a>";
        let b = parse(doc).unwrap().child("b").unwrap().unwrap();
        assert_eq!(b.text(&mut Scratch::new(&mut buf)), Ok("x\ny\nz\n\r\n"));
    }

    #[test]
    fn non_xml_characters_refused() {
        // Regression (fuzz target sts_response vs roxmltree): XML 1.0 Char excludes NUL, the other C0
        // controls but tab/LF/CR, and U+FFFE/U+FFFF, whether literal or referenced.
        for doc in [
            &b"<a>x\0y</a>"[..],
            b"<a>\x01</a>",
            b"<a b='\x0b'/>",
            b"<a>&#0;</a>",
            b"<a>&#x1F;</a>",
            b"<a b='&#8;'/>",
            "<a>\u{fffe}</a>".as_bytes(),
            b"<a>&#xFFFF;</a>",
        ] {
            assert_eq!(parse(doc).err(), Some(Error::XmlMalformed), "{doc:?}");
        }
        for doc in [
            &b"<a>\t\r\n&#9;&#xA;&#xD;&#x10000;</a>"[..],
            "<a>\u{fffd}</a>".as_bytes(),
        ] {
            assert!(parse(doc).is_ok(), "{doc:?}");
        }
    }
}
