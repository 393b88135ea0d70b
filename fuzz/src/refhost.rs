//! Reference STS host validation and region rule, written from PROTOCOL.md A3/A4 plus the core's
//! documented character rule (letters, digits, `-`, `_`, `.`, `:`).

/// What the reference says about a host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostVerdict<'a> {
    /// Valid, with this region.
    Region(&'a str),
    /// `len(h) == 0`.
    Empty,
    /// `len(h) > 255` bytes.
    TooLong,
    /// An empty label: leading, trailing or doubled `.`.
    EmptyLabel,
    /// A byte outside the allowed set.
    BadChar,
}

/// A3 then A4, in the order the spec lists the checks.
pub fn verdict(h: &str) -> HostVerdict<'_> {
    if h.is_empty() {
        return HostVerdict::Empty;
    }
    if h.len() > 255 {
        return HostVerdict::TooLong;
    }
    if h.starts_with('.') || h.ends_with('.') || h.contains("..") {
        return HostVerdict::EmptyLabel;
    }
    for c in h.chars() {
        if !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' || c == ':') {
            return HostVerdict::BadChar;
        }
    }
    // A4: exactly "sts.amazonaws.com" -> us-east-1; else the second label if there is a dot; else
    // us-east-1.
    if h == "sts.amazonaws.com" {
        return HostVerdict::Region("us-east-1");
    }
    let labels: Vec<&str> = h.split('.').collect();
    if labels.len() >= 2 {
        HostVerdict::Region(labels[1])
    } else {
        HostVerdict::Region("us-east-1")
    }
}

/// Whether a region can appear in a SigV4 credential scope as the core documents it
/// (1 to 253 of `[A-Za-z0-9._-]`).
pub fn scope_region_ok(r: &str) -> bool {
    !r.is_empty()
        && r.len() <= 253
        && r.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-')
}
