//! The few BSON shapes MONGODB-AWS needs: a writer into `&mut [u8]` and a strict, borrowing reader.
//!
//! The reader validates the whole document before handing out elements: declared length equal to the
//! input (no trailing bytes), a final NUL, element names as NUL-terminated UTF-8, and every element's
//! extent for all BSON types (so an unknown field is reported as such, not as garbage).

use crate::Error;

/// BSON element type bytes used by this crate.
pub mod element_type {
    /// 64-bit float.
    pub const DOUBLE: u8 = 0x01;
    /// UTF-8 string.
    pub const STRING: u8 = 0x02;
    /// Embedded document.
    pub const DOCUMENT: u8 = 0x03;
    /// Array.
    pub const ARRAY: u8 = 0x04;
    /// Binary data.
    pub const BINARY: u8 = 0x05;
    /// Boolean.
    pub const BOOLEAN: u8 = 0x08;
    /// 32-bit integer.
    pub const INT32: u8 = 0x10;
    /// 64-bit integer.
    pub const INT64: u8 = 0x12;
}

/// A decoded element value, borrowing from the input.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    /// 0x01
    Double(f64),
    /// 0x02 (validated UTF-8, without the terminating NUL)
    String(&'a str),
    /// 0x03 (raw bytes of the embedded document, validated)
    Document(&'a [u8]),
    /// 0x04 (raw bytes of the embedded array document, validated)
    Array(&'a [u8]),
    /// 0x05
    Binary {
        /// Binary subtype (0 = generic).
        subtype: u8,
        /// Payload.
        bytes: &'a [u8],
    },
    /// 0x08
    Boolean(bool),
    /// 0x10
    Int32(i32),
    /// 0x12
    Int64(i64),
    /// Any other valid BSON type, with its type byte and raw value bytes.
    Other {
        /// BSON type byte.
        element_type: u8,
        /// Raw value bytes.
        raw: &'a [u8],
    },
}

impl Value<'_> {
    /// The BSON type byte of this value.
    pub fn element_type(&self) -> u8 {
        match self {
            Value::Double(_) => element_type::DOUBLE,
            Value::String(_) => element_type::STRING,
            Value::Document(_) => element_type::DOCUMENT,
            Value::Array(_) => element_type::ARRAY,
            Value::Binary { .. } => element_type::BINARY,
            Value::Boolean(_) => element_type::BOOLEAN,
            Value::Int32(_) => element_type::INT32,
            Value::Int64(_) => element_type::INT64,
            Value::Other { element_type, .. } => *element_type,
        }
    }
}

/// One element: its name and value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Element<'a> {
    /// Field name.
    pub name: &'a str,
    /// Field value.
    pub value: Value<'a>,
}

/// A validated BSON document borrowing the caller's bytes.
///
/// ```
/// use mongodb_aws_core::bson::{Document, Value};
/// let bytes = [0x0c, 0, 0, 0, 0x10, b'p', 0, 0x6e, 0, 0, 0, 0];
/// let doc = Document::parse(&bytes).unwrap();
/// let e = doc.iter().next().unwrap().unwrap();
/// assert_eq!((e.name, e.value), ("p", Value::Int32(110)));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Document<'a> {
    /// Element bytes (between the length prefix and the final NUL).
    body: &'a [u8],
}

/// Maximum nesting accepted when validating embedded documents.
const MAX_DEPTH: u8 = 8;

impl<'a> Document<'a> {
    /// Validates `bytes` as exactly one BSON document.
    ///
    /// Errors: [`Error::BsonTruncated`] if shorter than declared, [`Error::BsonTrailingBytes`] if longer,
    /// [`Error::BsonMalformed`] for any invalid encoding.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        Self::parse_each(bytes, |_| Ok(()))
    }

    /// Validates `bytes` as exactly one BSON document like [`Document::parse`], calling `visit` with
    /// each top-level element as it is validated (one pass: callers that only need to look at each
    /// field once avoid a second walk). Once `visit` fails it is not called again, and its first error
    /// is returned only if the document itself is valid: BSON errors (including trailing bytes) take
    /// precedence, exactly as with `parse` followed by a walk over the elements.
    pub fn parse_each(
        bytes: &'a [u8],
        mut visit: impl FnMut(Element<'a>) -> Result<(), Error>,
    ) -> Result<Self, Error> {
        let mut deferred: Option<Error> = None;
        let doc = Self::parse_prefix_visit(bytes, 0, |e| {
            if deferred.is_none() {
                deferred = visit(e).err();
            }
            Ok(())
        })?;
        let total = doc.body.len().checked_add(5).ok_or(Error::BsonMalformed)?;
        if total != bytes.len() {
            return Err(Error::BsonTrailingBytes);
        }
        match deferred {
            Some(e) => Err(e),
            None => Ok(doc),
        }
    }

    /// Parses the document at the start of `bytes`; returns it (it may be followed by more bytes).
    fn parse_prefix(bytes: &'a [u8], depth: u8) -> Result<Self, Error> {
        Self::parse_prefix_visit(bytes, depth, |_| Ok(()))
    }

    fn parse_prefix_visit(
        bytes: &'a [u8],
        depth: u8,
        mut visit: impl FnMut(Element<'a>) -> Result<(), Error>,
    ) -> Result<Self, Error> {
        if depth > MAX_DEPTH {
            return Err(Error::BsonMalformed);
        }
        let len = read_i32(bytes, 0).ok_or(Error::BsonTruncated)?;
        let len = usize::try_from(len).map_err(|_| Error::BsonMalformed)?;
        if len < 5 {
            return Err(Error::BsonMalformed);
        }
        let doc = bytes.get(..len).ok_or(Error::BsonTruncated)?;
        let (last, inner) = doc.split_last().ok_or(Error::BsonTruncated)?;
        if *last != 0 {
            return Err(Error::BsonMalformed);
        }
        let body = inner.get(4..).ok_or(Error::BsonTruncated)?;
        let d = Document { body };
        // Validate every element now so iteration cannot fail later in surprising ways.
        for e in (ElementIter { rest: body, depth }) {
            visit(e?)?;
        }
        Ok(d)
    }

    /// Iterates over the elements in order. Items are `Result` for API stability, but a parsed
    /// document has already been validated, so they are always `Ok`.
    pub fn iter(&self) -> ElementIter<'a> {
        ElementIter {
            rest: self.body,
            depth: 0,
        }
    }
}

/// Iterator over a document's elements.
#[derive(Clone, Debug)]
pub struct ElementIter<'a> {
    rest: &'a [u8],
    depth: u8,
}

impl<'a> Iterator for ElementIter<'a> {
    type Item = Result<Element<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match parse_element(self.rest, self.depth) {
            Ok((e, used)) => {
                self.rest = self.rest.get(used..).unwrap_or(&[]);
                Some(Ok(e))
            }
            Err(err) => {
                self.rest = &[];
                Some(Err(err))
            }
        }
    }
}

fn read_i32(b: &[u8], at: usize) -> Option<i32> {
    let s: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(i32::from_le_bytes(s))
}

fn read_u64(b: &[u8], at: usize) -> Option<[u8; 8]> {
    b.get(at..at.checked_add(8)?)?.try_into().ok()
}

/// A NUL-terminated name starting at `at`: returns (name, index after the NUL).
fn cstring(b: &[u8], at: usize) -> Result<(&str, usize), Error> {
    let tail = b.get(at..).ok_or(Error::BsonTruncated)?;
    let n = tail
        .iter()
        .position(|&c| c == 0)
        .ok_or(Error::BsonTruncated)?;
    let s = tail.get(..n).ok_or(Error::BsonTruncated)?;
    let s = core::str::from_utf8(s).map_err(|_| Error::BsonMalformed)?;
    Ok((
        s,
        at.checked_add(n)
            .and_then(|v| v.checked_add(1))
            .ok_or(Error::BsonMalformed)?,
    ))
}

/// A BSON string (int32 length incl. NUL, bytes, NUL) at `at`: returns (str, index after).
fn bson_string(b: &[u8], at: usize) -> Result<(&str, usize), Error> {
    let len = read_i32(b, at).ok_or(Error::BsonTruncated)?;
    let len = usize::try_from(len).map_err(|_| Error::BsonMalformed)?;
    if len < 1 {
        return Err(Error::BsonMalformed);
    }
    let start = at.checked_add(4).ok_or(Error::BsonMalformed)?;
    let end = start.checked_add(len).ok_or(Error::BsonMalformed)?;
    let raw = b.get(start..end).ok_or(Error::BsonTruncated)?;
    let (nul, text) = raw.split_last().ok_or(Error::BsonMalformed)?;
    if *nul != 0 || text.contains(&0) {
        return Err(Error::BsonMalformed);
    }
    let s = core::str::from_utf8(text).map_err(|_| Error::BsonMalformed)?;
    Ok((s, end))
}

fn parse_element(b: &[u8], depth: u8) -> Result<(Element<'_>, usize), Error> {
    use element_type::*;
    let (&ty, _) = b.split_first().ok_or(Error::BsonTruncated)?;
    let (name, at) = cstring(b, 1)?;
    let fixed = |n: usize| -> Result<(&[u8], usize), Error> {
        let end = at.checked_add(n).ok_or(Error::BsonMalformed)?;
        Ok((b.get(at..end).ok_or(Error::BsonTruncated)?, end))
    };
    let (value, end) = match ty {
        DOUBLE => {
            let v = read_u64(b, at).ok_or(Error::BsonTruncated)?;
            (
                Value::Double(f64::from_le_bytes(v)),
                at.checked_add(8).ok_or(Error::BsonMalformed)?,
            )
        }
        STRING => {
            let (s, end) = bson_string(b, at)?;
            (Value::String(s), end)
        }
        DOCUMENT | ARRAY => {
            let inner = b.get(at..).ok_or(Error::BsonTruncated)?;
            let d = Document::parse_prefix(inner, depth.saturating_add(1))?;
            let n = d.body.len().checked_add(5).ok_or(Error::BsonMalformed)?;
            let raw = inner.get(..n).ok_or(Error::BsonTruncated)?;
            let end = at.checked_add(n).ok_or(Error::BsonMalformed)?;
            (
                if ty == DOCUMENT {
                    Value::Document(raw)
                } else {
                    Value::Array(raw)
                },
                end,
            )
        }
        BINARY => {
            let len = read_i32(b, at).ok_or(Error::BsonTruncated)?;
            let len = usize::try_from(len).map_err(|_| Error::BsonMalformed)?;
            let sub_at = at.checked_add(4).ok_or(Error::BsonMalformed)?;
            let &subtype = b.get(sub_at).ok_or(Error::BsonTruncated)?;
            let start = sub_at.checked_add(1).ok_or(Error::BsonMalformed)?;
            let end = start.checked_add(len).ok_or(Error::BsonMalformed)?;
            let bytes = b.get(start..end).ok_or(Error::BsonTruncated)?;
            (Value::Binary { subtype, bytes }, end)
        }
        BOOLEAN => {
            let (raw, end) = fixed(1)?;
            match raw {
                [0] => (Value::Boolean(false), end),
                [1] => (Value::Boolean(true), end),
                _ => return Err(Error::BsonMalformed),
            }
        }
        INT32 => {
            let v = read_i32(b, at).ok_or(Error::BsonTruncated)?;
            (
                Value::Int32(v),
                at.checked_add(4).ok_or(Error::BsonMalformed)?,
            )
        }
        INT64 => {
            let v = read_u64(b, at).ok_or(Error::BsonTruncated)?;
            (
                Value::Int64(i64::from_le_bytes(v)),
                at.checked_add(8).ok_or(Error::BsonMalformed)?,
            )
        }
        // undefined, null, minkey, maxkey: no value bytes
        0x06 | 0x0A | 0xFF | 0x7F => (
            Value::Other {
                element_type: ty,
                raw: &[],
            },
            at,
        ),
        // ObjectId
        0x07 => {
            let (raw, end) = fixed(12)?;
            (
                Value::Other {
                    element_type: ty,
                    raw,
                },
                end,
            )
        }
        // datetime, timestamp, decimal128
        0x09 | 0x11 | 0x13 => {
            let (raw, end) = fixed(if ty == 0x13 { 16 } else { 8 })?;
            (
                Value::Other {
                    element_type: ty,
                    raw,
                },
                end,
            )
        }
        // regex: two cstrings
        0x0B => {
            let (_, mid) = cstring(b, at)?;
            let (_, end) = cstring(b, mid)?;
            (
                Value::Other {
                    element_type: ty,
                    raw: b.get(at..end).ok_or(Error::BsonTruncated)?,
                },
                end,
            )
        }
        // DBPointer: string + 12 bytes
        0x0C => {
            let (_, mid) = bson_string(b, at)?;
            let end = mid.checked_add(12).ok_or(Error::BsonMalformed)?;
            (
                Value::Other {
                    element_type: ty,
                    raw: b.get(at..end).ok_or(Error::BsonTruncated)?,
                },
                end,
            )
        }
        // JavaScript code, symbol: string
        0x0D | 0x0E => {
            let (_, end) = bson_string(b, at)?;
            (
                Value::Other {
                    element_type: ty,
                    raw: b.get(at..end).ok_or(Error::BsonTruncated)?,
                },
                end,
            )
        }
        // code with scope: int32 total, string, document
        0x0F => {
            let total = read_i32(b, at).ok_or(Error::BsonTruncated)?;
            let total = usize::try_from(total).map_err(|_| Error::BsonMalformed)?;
            let end = at.checked_add(total).ok_or(Error::BsonMalformed)?;
            let raw = b.get(at..end).ok_or(Error::BsonTruncated)?;
            let (_, mid) = bson_string(raw, 4)?;
            let scope = raw.get(mid..).ok_or(Error::BsonTruncated)?;
            let d = Document::parse_prefix(scope, depth.saturating_add(1))?;
            if mid.checked_add(d.body.len()).and_then(|v| v.checked_add(5)) != Some(total) {
                return Err(Error::BsonMalformed);
            }
            (
                Value::Other {
                    element_type: ty,
                    raw,
                },
                end,
            )
        }
        _ => return Err(Error::BsonMalformed),
    };
    Ok((Element { name, value }, end))
}

/// Writes a BSON document into a caller buffer. Call [`Writer::finish`] to patch the length.
///
/// Every method checks capacity; on [`Error::BufferTooSmall`] the buffer content is unspecified but
/// nothing is written past its end. Use the `*_len` helpers to size buffers exactly.
#[derive(Debug)]
pub struct Writer<'b> {
    buf: &'b mut [u8],
    pos: usize,
}

/// Encoded size of a string element (`type`, name, NUL, int32 length, bytes, NUL).
pub const fn string_element_len(name_len: usize, value_len: usize) -> usize {
    1 + name_len + 1 + 4 + value_len + 1
}

/// Encoded size of a binary element.
pub const fn binary_element_len(name_len: usize, value_len: usize) -> usize {
    1 + name_len + 1 + 4 + 1 + value_len
}

/// Encoded size of an int32 element.
pub const fn int32_element_len(name_len: usize) -> usize {
    1 + name_len + 1 + 4
}

impl<'b> Writer<'b> {
    /// Starts a document (reserves the 4-byte length).
    pub fn new(buf: &'b mut [u8]) -> Result<Self, Error> {
        let mut w = Writer { buf, pos: 0 };
        w.put(&[0, 0, 0, 0])?;
        Ok(w)
    }

    fn put(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let end = self
            .pos
            .checked_add(bytes.len())
            .ok_or(Error::LengthOverflow)?;
        let dst = self
            .buf
            .get_mut(self.pos..end)
            .ok_or(Error::BufferTooSmall { needed: end })?;
        dst.copy_from_slice(bytes);
        self.pos = end;
        Ok(())
    }

    fn name(&mut self, ty: u8, name: &str) -> Result<(), Error> {
        if name.as_bytes().contains(&0) {
            return Err(Error::InvalidParameter);
        }
        self.put(&[ty])?;
        self.put(name.as_bytes())?;
        self.put(&[0])
    }

    fn len_i32(len: usize) -> Result<[u8; 4], Error> {
        Ok(i32::try_from(len)
            .map_err(|_| Error::LengthOverflow)?
            .to_le_bytes())
    }

    /// Appends a string element from several parts (concatenated), without a temporary buffer.
    pub fn string_parts(&mut self, name: &str, parts: &[&[u8]]) -> Result<(), Error> {
        let len = parts
            .iter()
            .try_fold(1usize, |acc, p| acc.checked_add(p.len()))
            .ok_or(Error::LengthOverflow)?;
        self.name(element_type::STRING, name)?;
        self.put(&Self::len_i32(len)?)?;
        for p in parts {
            self.put(p)?;
        }
        self.put(&[0])
    }

    /// Appends a string element.
    pub fn string(&mut self, name: &str, value: &str) -> Result<(), Error> {
        self.string_parts(name, &[value.as_bytes()])
    }

    /// Appends a binary element.
    pub fn binary(&mut self, name: &str, subtype: u8, value: &[u8]) -> Result<(), Error> {
        self.name(element_type::BINARY, name)?;
        self.put(&Self::len_i32(value.len())?)?;
        self.put(&[subtype])?;
        self.put(value)
    }

    /// Appends an int32 element.
    pub fn int32(&mut self, name: &str, value: i32) -> Result<(), Error> {
        self.name(element_type::INT32, name)?;
        self.put(&value.to_le_bytes())
    }

    /// Terminates the document, writes its length, and returns the number of bytes written.
    pub fn finish(mut self) -> Result<usize, Error> {
        self.put(&[0])?;
        let len = Self::len_i32(self.pos)?;
        let head = self
            .buf
            .get_mut(..4)
            .ok_or(Error::BufferTooSmall { needed: 4 })?;
        head.copy_from_slice(&len);
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_reader_roundtrip() {
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf).unwrap();
        w.binary("r", 0, &[7; 3]).unwrap();
        w.int32("p", 110).unwrap();
        w.string("h", "x").unwrap();
        let n = w.finish().unwrap();
        assert_eq!(
            n,
            4 + binary_element_len(1, 3) + int32_element_len(1) + string_element_len(1, 1) + 1
        );
        let doc = Document::parse(&buf[..n]).unwrap();
        let v: std::vec::Vec<_> = doc.iter().map(|e| e.unwrap()).collect();
        assert_eq!(
            v[0].value,
            Value::Binary {
                subtype: 0,
                bytes: &[7, 7, 7]
            }
        );
        assert_eq!(v[1].value, Value::Int32(110));
        assert_eq!(v[2].value, Value::String("x"));
    }

    /// Found by the server_first/client_diff fuzz targets: a visitor error (here, an unknown field)
    /// must not hide a BSON error later in the same document.
    #[test]
    fn parse_each_reports_bson_errors_before_visitor_errors() {
        // {u: "x"} then a binary element whose length runs past the end of the document.
        let mut doc = std::vec![0u8; 0];
        doc.extend_from_slice(&[0, 0, 0, 0, 2, b'u', 0, 2, 0, 0, 0, b'x', 0]);
        doc.extend_from_slice(&[5, b's', 0, 64, 0, 0, 0, 0, 1, 2, 3, 0]);
        let n = doc.len() as u32;
        doc[..4].copy_from_slice(&n.to_le_bytes());
        let unexpected = |_: Element<'_>| Err(Error::UnexpectedField);
        assert_eq!(Document::parse(&doc).err(), Some(Error::BsonTruncated));
        assert_eq!(
            Document::parse_each(&doc, unexpected).err(),
            Some(Error::BsonTruncated)
        );
        // With a valid document the visitor's first error is returned.
        let ok = [12, 0, 0, 0, 0x10, b'p', 0, 1, 0, 0, 0, 0];
        assert_eq!(
            Document::parse_each(&ok, unexpected).err(),
            Some(Error::UnexpectedField)
        );
    }

    #[test]
    fn writer_reports_needed_size() {
        let mut buf = [0u8; 8];
        let mut w = Writer::new(&mut buf).unwrap();
        assert_eq!(w.int32("p", 1), Err(Error::BufferTooSmall { needed: 11 }));
    }

    #[test]
    fn reader_rejects_malformed() {
        assert_eq!(Document::parse(&[]).err(), Some(Error::BsonTruncated));
        assert_eq!(
            Document::parse(&[5, 0, 0, 0]).err(),
            Some(Error::BsonTruncated)
        );
        assert_eq!(
            Document::parse(&[5, 0, 0, 0, 1]).err(),
            Some(Error::BsonMalformed)
        );
        assert_eq!(
            Document::parse(&[5, 0, 0, 0, 0, 0]).err(),
            Some(Error::BsonTrailingBytes)
        );
        assert_eq!(
            Document::parse(&[4, 0, 0, 0, 0]).err(),
            Some(Error::BsonMalformed)
        );
        assert_eq!(
            Document::parse(&[0xff, 0xff, 0xff, 0xff, 0]).err(),
            Some(Error::BsonMalformed)
        );
        // int32 element cut short
        assert_eq!(
            Document::parse(&[9, 0, 0, 0, 0x10, b'p', 0, 1, 0]).err(),
            Some(Error::BsonTruncated)
        );
        // unknown type byte
        assert_eq!(
            Document::parse(&[8, 0, 0, 0, 0x20, b'p', 0, 0]).err(),
            Some(Error::BsonMalformed)
        );
        // string without NUL terminator
        let bad = [14, 0, 0, 0, 2, b'h', 0, 2, 0, 0, 0, b'a', b'b', 0];
        assert_eq!(Document::parse(&bad).err(), Some(Error::BsonMalformed));
    }
}
