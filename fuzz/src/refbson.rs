//! Reference BSON encoder and validating reader written from the BSON 1.1 specification
//! (bsonspec.org), with the limits the core documents for its strict reader: nesting at most 8
//! documents deep below the top level, strings and names valid UTF-8, no NUL inside a string, and
//! exactly one document with no trailing bytes.

/// A top-level element as the reference reader sees it.
#[derive(Clone, Debug, PartialEq)]
pub enum RefValue {
    /// 0x02: UTF-8 text.
    String(String),
    /// 0x05: subtype and payload.
    Binary(u8, Vec<u8>),
    /// 0x10.
    Int32(i32),
    /// Any other type: its type byte and raw value bytes.
    Other(u8, Vec<u8>),
}

/// Encoder: `{name: value, ...}` in the given order.
pub fn encode(fields: &[(String, RefValue)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, v) in fields {
        match v {
            RefValue::String(s) => {
                body.push(0x02);
                body.extend_from_slice(name.as_bytes());
                body.push(0);
                body.extend_from_slice(&((s.len() + 1) as i32).to_le_bytes());
                body.extend_from_slice(s.as_bytes());
                body.push(0);
            }
            RefValue::Binary(sub, b) => {
                body.push(0x05);
                body.extend_from_slice(name.as_bytes());
                body.push(0);
                body.extend_from_slice(&(b.len() as i32).to_le_bytes());
                body.push(*sub);
                body.extend_from_slice(b);
            }
            RefValue::Int32(i) => {
                body.push(0x10);
                body.extend_from_slice(name.as_bytes());
                body.push(0);
                body.extend_from_slice(&i.to_le_bytes());
            }
            RefValue::Other(t, raw) => {
                body.push(*t);
                body.extend_from_slice(name.as_bytes());
                body.push(0);
                body.extend_from_slice(raw);
            }
        }
    }
    let mut out = Vec::with_capacity(body.len() + 5);
    out.extend_from_slice(&((body.len() + 5) as i32).to_le_bytes());
    out.extend_from_slice(&body);
    out.push(0);
    out
}

/// The reader's verdict on malformed input (the core distinguishes truncated, malformed and trailing
/// bytes; the reference only says "not one valid document").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Malformed;

struct Cur<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cur<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Malformed> {
        if self.b.len() - self.i < n {
            return Err(Malformed);
        }
        let s = &self.b[self.i..self.i + n];
        self.i += n;
        Ok(s)
    }
    fn byte(&mut self) -> Result<u8, Malformed> {
        Ok(self.take(1)?[0])
    }
    fn i32(&mut self) -> Result<i32, Malformed> {
        let s = self.take(4)?;
        Ok(i32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn cstring(&mut self) -> Result<String, Malformed> {
        let rest = &self.b[self.i..];
        let n = rest.iter().position(|&c| c == 0).ok_or(Malformed)?;
        let s = String::from_utf8(rest[..n].to_vec()).map_err(|_| Malformed)?;
        self.i += n + 1;
        Ok(s)
    }
    fn string(&mut self) -> Result<String, Malformed> {
        let len = self.i32()?;
        if len < 1 {
            return Err(Malformed);
        }
        let raw = self.take(len as usize)?;
        let (text, nul) = raw.split_at(raw.len() - 1);
        if nul != [0] || text.contains(&0) {
            return Err(Malformed);
        }
        String::from_utf8(text.to_vec()).map_err(|_| Malformed)
    }
    /// A whole embedded document at the cursor; returns its bytes.
    fn document(&mut self, depth: u32) -> Result<&'a [u8], Malformed> {
        let start = self.i;
        let len = self.i32()?;
        if len < 5 {
            return Err(Malformed);
        }
        self.i = start;
        let doc = self.take(len as usize)?;
        read_elements(doc, depth)?;
        Ok(doc)
    }
}

/// Parses one complete document (`depth` 0 = top level) and returns its top-level elements.
fn read_elements(doc: &[u8], depth: u32) -> Result<Vec<(String, RefValue)>, Malformed> {
    if depth > 8 {
        return Err(Malformed);
    }
    if doc.len() < 5 || doc[doc.len() - 1] != 0 {
        return Err(Malformed);
    }
    let declared = i32::from_le_bytes([doc[0], doc[1], doc[2], doc[3]]);
    if declared < 0 || declared as usize != doc.len() {
        return Err(Malformed);
    }
    let mut c = Cur {
        b: &doc[..doc.len() - 1],
        i: 4,
    };
    let mut out = Vec::new();
    while c.i < c.b.len() {
        let t = c.byte()?;
        let name = c.cstring()?;
        let vstart = c.i;
        let v = match t {
            0x01 | 0x09 | 0x11 | 0x12 => {
                c.take(8)?;
                RefValue::Other(t, c.b[vstart..c.i].to_vec())
            }
            0x02 => RefValue::String(c.string()?),
            0x03 | 0x04 => {
                c.document(depth + 1)?;
                RefValue::Other(t, c.b[vstart..c.i].to_vec())
            }
            0x05 => {
                let len = c.i32()?;
                if len < 0 {
                    return Err(Malformed);
                }
                let sub = c.byte()?;
                RefValue::Binary(sub, c.take(len as usize)?.to_vec())
            }
            0x06 | 0x0A | 0x7F | 0xFF => RefValue::Other(t, Vec::new()),
            0x07 => {
                c.take(12)?;
                RefValue::Other(t, c.b[vstart..c.i].to_vec())
            }
            0x08 => match c.byte()? {
                0 | 1 => RefValue::Other(t, c.b[vstart..c.i].to_vec()),
                _ => return Err(Malformed),
            },
            0x0B => {
                c.cstring()?;
                c.cstring()?;
                RefValue::Other(t, c.b[vstart..c.i].to_vec())
            }
            0x0C => {
                c.string()?;
                c.take(12)?;
                RefValue::Other(t, c.b[vstart..c.i].to_vec())
            }
            0x0D | 0x0E => {
                c.string()?;
                RefValue::Other(t, c.b[vstart..c.i].to_vec())
            }
            0x0F => {
                // code_w_s ::= int32 string document, int32 = total size including itself.
                let total = c.i32()?;
                if total < 0 {
                    return Err(Malformed);
                }
                c.string()?;
                c.document(depth + 1)?;
                if (c.i - vstart) as i64 != i64::from(total) {
                    return Err(Malformed);
                }
                RefValue::Other(t, c.b[vstart..c.i].to_vec())
            }
            0x10 => RefValue::Int32(c.i32()?),
            0x13 => {
                c.take(16)?;
                RefValue::Other(t, c.b[vstart..c.i].to_vec())
            }
            _ => return Err(Malformed),
        };
        out.push((name, v));
    }
    Ok(out)
}

/// Parses `bytes` as exactly one BSON document.
pub fn parse(bytes: &[u8]) -> Result<Vec<(String, RefValue)>, Malformed> {
    read_elements(bytes, 0)
}
