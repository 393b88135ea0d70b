//! Just enough of a MongoDB connection string for `doctor --uri`: the first host and port, and the
//! options that decide MONGODB-AWS (authMechanism, authSource, credentials in the URI, TLS).
//! Errors and warnings never quote the user name or password.

/// Where to connect, and what the URI says about authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    pub port: u16,
    /// Things a driver would do differently from this check, or refuse.
    pub warnings: Vec<String>,
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match (b[i], b.get(i + 1..i + 3)) {
            (b'%', Some(h)) => match u8::from_str_radix(std::str::from_utf8(h).unwrap_or("zz"), 16)
            {
                Ok(v) => {
                    out.push(v);
                    i += 3;
                    continue;
                }
                Err(_) => out.push(b'%'),
            },
            (c, _) => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses `mongodb://[user[:password]@]host[:port][,host…][/[db]][?options]`.
pub fn parse(uri: &str) -> Result<Target, String> {
    if uri.starts_with("mongodb+srv://") {
        return Err(
            "mongodb+srv:// is not supported yet: give mongodb://HOST:PORT of one member".into(),
        );
    }
    let rest = uri
        .strip_prefix("mongodb://")
        .ok_or("expected mongodb://HOST[:PORT]/...")?;
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let mut warnings = Vec::new();
    let hosts = match authority.rsplit_once('@') {
        Some((_, h)) => {
            warnings.push(
                "the URI carries credentials: the MONGODB-AWS specification now requires drivers \
                 to refuse them (the Node driver 7 does); doctor ignores them and uses the \
                 credential chain"
                    .to_string(),
            );
            h
        }
        None => authority,
    };
    let first = hosts.split(',').next().unwrap_or("");
    if hosts.contains(',') {
        warnings.push(format!(
            "several hosts: only the first ({first}) is checked"
        ));
    }
    let (host, port) = if let Some(v6) = first.strip_prefix('[') {
        let (h, after) = v6.split_once(']').ok_or("unclosed [ in the host")?;
        (h.to_string(), after.strip_prefix(':').unwrap_or(""))
    } else {
        match first.split_once(':') {
            Some((h, p)) => (h.to_string(), p),
            None => (first.to_string(), ""),
        }
    };
    if host.is_empty() {
        return Err("no host in the URI".into());
    }
    let port = if port.is_empty() {
        27017
    } else {
        port.parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or("the port is not a number in 1..65535")?
    };
    let query = tail.split_once('?').map_or("", |(_, q)| q);
    for kv in query.split('&').filter(|s| !s.is_empty()) {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        let v = decode(v);
        match k.to_ascii_lowercase().as_str() {
            "authmechanism" if v != "MONGODB-AWS" => warnings.push(format!(
                "authMechanism is {v}, not MONGODB-AWS: a driver would not use AWS credentials"
            )),
            "authsource" if v != "$external" => warnings.push(format!(
                "authSource is {v}: MONGODB-AWS users live in $external, drivers refuse another"
            )),
            "tls" | "ssl" if v == "true" => warnings.push(
                "tls=true: doctor's client speaks plain TCP only for now; the authentication \
                 below goes without TLS and a TLS-only server (Atlas) closes the connection"
                    .to_string(),
            ),
            "authmechanismproperties" if v.contains("AWS_SESSION_TOKEN") => warnings.push(
                "authMechanismProperties carries AWS_SESSION_TOKEN: drivers now refuse URI \
                 credentials; doctor uses the credential chain"
                    .to_string(),
            ),
            _ => {}
        }
    }
    Ok(Target {
        host,
        port,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_ports_and_warnings() {
        let t = parse("mongodb://127.0.0.1:4000/?authMechanism=MONGODB-AWS&directConnection=true")
            .unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.warnings.len()),
            ("127.0.0.1", 4000, 0)
        );
        let t = parse("mongodb://h").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("h", 27017));
        let t = parse("mongodb://[::1]:27018,b:1/db?authSource=admin&tls=true").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("::1", 27018));
        assert_eq!(t.warnings.len(), 3, "{:?}", t.warnings);
        let t = parse("mongodb://AKID:s3cr%2Ft@h/?authMechanism=SCRAM-SHA-256").unwrap();
        assert!(t
            .warnings
            .iter()
            .all(|w| !w.contains("s3cr") && !w.contains("AKID")));
        assert_eq!(t.warnings.len(), 2);
        for bad in [
            "http://h",
            "mongodb://",
            "mongodb://h:0",
            "mongodb://h:x",
            "mongodb+srv://c",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
