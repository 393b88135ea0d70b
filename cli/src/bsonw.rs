//! BSON for the test server and the demo: a small owned builder for replies (the core's writer only
//! knows the three element types the protocol needs) and a renderer that prints any document
//! readably, using the core's strict reader.

use mongodb_aws_core::bson::{Document, Value};

/// An owned BSON value (only the types the server writes).
#[derive(Clone, Debug, PartialEq)]
pub enum Bson {
    Double(f64),
    Str(String),
    Doc(Doc),
    Array(Vec<Bson>),
    Binary(u8, Vec<u8>),
    Bool(bool),
    /// UTC datetime, milliseconds since the epoch.
    Date(i64),
    Int32(i32),
    Int64(i64),
}

/// An owned BSON document: ordered fields.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Doc(pub Vec<(String, Bson)>);

impl Doc {
    pub fn new() -> Self {
        Doc(Vec::new())
    }

    /// Appends a field (builder style).
    pub fn with(mut self, name: &str, value: impl Into<Bson>) -> Self {
        self.0.push((name.to_string(), value.into()));
        self
    }

    /// Encodes the document.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        encode_doc(&mut out, self.0.iter().map(|(k, v)| (k.as_str(), v)));
        out
    }
}

/// `From<T> for Bson`, one line a type: the variant it becomes.
macro_rules! bson_from {
    ($($t:ty => $variant:ident),* $(,)?) => {$(
        impl From<$t> for Bson {
            fn from(v: $t) -> Self {
                Bson::$variant(v)
            }
        }
    )*};
}

bson_from!(
    f64 => Double,
    String => Str,
    bool => Bool,
    i32 => Int32,
    i64 => Int64,
    Doc => Doc,
    Vec<Bson> => Array,
);

impl From<&str> for Bson {
    fn from(v: &str) -> Self {
        Bson::Str(v.to_string())
    }
}

fn encode_doc<'a>(out: &mut Vec<u8>, fields: impl Iterator<Item = (&'a str, &'a Bson)>) {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    for (k, v) in fields {
        encode_element(out, k, v);
    }
    out.push(0);
    let len = (out.len() - start) as i32;
    out[start..start + 4].copy_from_slice(&len.to_le_bytes());
}

fn encode_element(out: &mut Vec<u8>, name: &str, v: &Bson) {
    let ty: u8 = match v {
        Bson::Double(_) => 0x01,
        Bson::Str(_) => 0x02,
        Bson::Doc(_) => 0x03,
        Bson::Array(_) => 0x04,
        Bson::Binary(..) => 0x05,
        Bson::Bool(_) => 0x08,
        Bson::Date(_) => 0x09,
        Bson::Int32(_) => 0x10,
        Bson::Int64(_) => 0x12,
    };
    out.push(ty);
    out.extend_from_slice(name.as_bytes());
    out.push(0);
    match v {
        Bson::Double(d) => out.extend_from_slice(&d.to_le_bytes()),
        Bson::Str(s) => {
            out.extend_from_slice(&((s.len() + 1) as i32).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
            out.push(0);
        }
        Bson::Doc(d) => encode_doc(out, d.0.iter().map(|(k, v)| (k.as_str(), v))),
        Bson::Array(a) => {
            let keys: Vec<String> = (0..a.len()).map(|i| i.to_string()).collect();
            encode_doc(out, keys.iter().map(String::as_str).zip(a.iter()));
        }
        Bson::Binary(sub, b) => {
            out.extend_from_slice(&(b.len() as i32).to_le_bytes());
            out.push(*sub);
            out.extend_from_slice(b);
        }
        Bson::Bool(b) => out.push(u8::from(*b)),
        Bson::Date(ms) | Bson::Int64(ms) => out.extend_from_slice(&ms.to_le_bytes()),
        Bson::Int32(i) => out.extend_from_slice(&i.to_le_bytes()),
    }
}

/// The value of field `name` of a parsed document (first occurrence).
pub fn get<'a>(doc: &Document<'a>, name: &str) -> Option<Value<'a>> {
    doc.iter()
        .filter_map(Result::ok)
        .find(|e| e.name == name)
        .map(|e| e.value)
}

/// The first field's name (the command name of a command document).
pub fn first_key<'a>(doc: &Document<'a>) -> Option<&'a str> {
    doc.iter().filter_map(Result::ok).next().map(|e| e.name)
}

/// Numeric value as i64 (int32, int64 or a whole double), as commands send `1`, `1.0` or `1L`.
pub fn as_i64(v: &Value<'_>) -> Option<i64> {
    match *v {
        Value::Int32(i) => Some(i64::from(i)),
        Value::Int64(i) => Some(i),
        Value::Double(d) if d.fract() == 0.0 && d.abs() < 9.0e15 => Some(d as i64),
        _ => None,
    }
}

/// Renders a BSON document readably, one field per line, nested documents indented. Binary values
/// show their subtype, length and hex (first 32 bytes); long strings are kept whole.
pub fn render(bytes: &[u8]) -> String {
    match Document::parse(bytes) {
        Ok(d) => {
            let mut s = String::new();
            render_doc(&mut s, &d, 0, false);
            s
        }
        Err(e) => format!("<invalid BSON: {e}>"),
    }
}

fn render_doc(out: &mut String, doc: &Document<'_>, indent: usize, array: bool) {
    let (open, close) = if array { ("[", "]") } else { ("{", "}") };
    out.push_str(open);
    let mut any = false;
    for e in doc.iter() {
        let Ok(e) = e else {
            out.push_str(" <invalid> ");
            break;
        };
        any = true;
        out.push('\n');
        out.push_str(&"  ".repeat(indent + 1));
        if !array {
            out.push_str(e.name);
            out.push_str(": ");
        }
        render_value(out, &e.value, indent + 1);
        out.push(',');
    }
    if any {
        out.pop();
        out.push('\n');
        out.push_str(&"  ".repeat(indent));
    }
    out.push_str(close);
}

fn render_value(out: &mut String, v: &Value<'_>, indent: usize) {
    match v {
        Value::Double(d) => out.push_str(&format!("{d:?}")),
        Value::String(s) => out.push_str(&format!("{s:?}")),
        Value::Document(raw) | Value::Array(raw) => match Document::parse(raw) {
            Ok(d) => render_doc(out, &d, indent, matches!(v, Value::Array(_))),
            Err(_) => out.push_str("<invalid>"),
        },
        Value::Binary { subtype, bytes } => {
            let shown = &bytes[..bytes.len().min(32)];
            out.push_str(&format!(
                "BinData({subtype}, {} bytes: {}{})",
                bytes.len(),
                hex(shown),
                if bytes.len() > 32 { "…" } else { "" }
            ));
        }
        Value::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int32(i) => out.push_str(&format!("{i}")),
        Value::Int64(i) => out.push_str(&format!("NumberLong({i})")),
        Value::Other { element_type, raw } => match element_type {
            0x09 if raw.len() == 8 => {
                let ms = i64::from_le_bytes(raw[..8].try_into().unwrap_or([0; 8]));
                out.push_str(&format!("Date({ms})"));
            }
            0x0A => out.push_str("null"),
            _ => out.push_str(&format!("<type 0x{element_type:02x}, {} bytes>", raw.len())),
        },
    }
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_the_spec_and_core() {
        // Bytes of {p: 110} from the core's doc example; {r, p} from the derived vectors' template.
        assert_eq!(
            Doc::new().with("p", 110).to_bytes(),
            [0x0c, 0, 0, 0, 0x10, b'p', 0, 0x6e, 0, 0, 0, 0]
        );
        let mut r = vec![0x34, 0, 0, 0, 5, b'r', 0, 0x20, 0, 0, 0, 0];
        r.extend([7u8; 32]);
        r.extend([0x10, b'p', 0, 0x6e, 0, 0, 0, 0]);
        let d = Doc::new()
            .with("r", Bson::Binary(0, vec![7; 32]))
            .with("p", 110);
        assert_eq!(d.to_bytes(), r);
    }

    #[test]
    fn all_types_roundtrip_through_the_core_reader() {
        let d = Doc::new()
            .with("ok", 1.0)
            .with("s", "x")
            .with("n", Doc::new().with("a", true))
            .with("arr", vec![Bson::Int32(1), Bson::Str("b".into())])
            .with("t", Bson::Date(5))
            .with("l", 7i64);
        let bytes = d.to_bytes();
        let parsed = Document::parse(&bytes).unwrap();
        assert_eq!(first_key(&parsed), Some("ok"));
        assert_eq!(get(&parsed, "s"), Some(Value::String("x")));
        assert_eq!(as_i64(&get(&parsed, "l").unwrap()), Some(7));
        let text = render(&bytes);
        assert!(text.contains("arr: [\n    1,\n    \"b\"\n  ]"), "{text}");
        assert!(text.contains("t: Date(5)"), "{text}");
    }
}
