//! Just enough of a MongoDB connection string for `doctor --uri`: the first host and port, and the
//! options that decide MONGODB-AWS (authMechanism, authSource, credentials in the URI) and TLS
//! (tls/ssl, tlsCAFile, tlsAllowInvalidCertificates, tlsInsecure). Errors and warnings never quote
//! the user name or password.

use crate::mongo_client::Tls;
use std::path::PathBuf;

/// Where to connect, and what the URI says about authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    pub port: u16,
    /// TLS, when the URI asks for it (tls=true, ssl=true, or a tls* option without tls=false).
    pub tls: Option<Tls>,
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
    let mut tls_on: Option<bool> = None;
    let mut tls = Tls::default();
    let mut tls_option: Option<&str> = None;
    let boolean = |k: &str, v: &str| match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("{k} must be true or false")),
    };
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
            "tls" | "ssl" => {
                let on = boolean(k, &v)?;
                if tls_on.is_some_and(|was| was != on) {
                    return Err("tls and ssl disagree".into());
                }
                tls_on = Some(on);
            }
            "tlscafile" => {
                if v.is_empty() {
                    return Err("tlsCAFile is empty: expected the path of a PEM file".into());
                }
                tls.ca_file = Some(PathBuf::from(v));
                tls_option = Some("tlsCAFile");
            }
            "tlsallowinvalidcertificates" | "tlsinsecure" => {
                if boolean(k, &v)? {
                    tls.allow_invalid_certificates = true;
                    warnings.push(format!(
                        "{k}=true: the server's certificate and name are not checked (anyone \
                         on the path can pose as the server)"
                    ));
                }
                tls_option = Some("tlsAllowInvalidCertificates/tlsInsecure");
            }
            "tlsallowinvalidhostnames"
            | "tlsdisableocspendpointcheck"
            | "tlsdisablecertificaterevocationcheck"
            | "tlscertificatekeyfile"
            | "tlscertificatekeyfilepassword" => {
                return Err(format!(
                    "{k} is not supported by doctor (tls=true, tlsCAFile, \
                     tlsAllowInvalidCertificates and tlsInsecure are)"
                ))
            }
            "authmechanismproperties" if v.contains("AWS_SESSION_TOKEN") => warnings.push(
                "authMechanismProperties carries AWS_SESSION_TOKEN: drivers now refuse URI \
                 credentials; doctor uses the credential chain"
                    .to_string(),
            ),
            _ => {}
        }
    }
    let tls = match (tls_on, tls_option) {
        (Some(false), Some(opt)) => return Err(format!("{opt} given with tls=false")),
        (Some(true), _) | (None, Some(_)) => Some(tls),
        _ => None,
    };
    if tls
        .as_ref()
        .is_some_and(|t| t.allow_invalid_certificates && t.ca_file.is_some())
    {
        return Err(
            "tlsCAFile given with tlsAllowInvalidCertificates/tlsInsecure: no certificate \
                    would be checked against it"
                .into(),
        );
    }
    Ok(Target {
        host,
        port,
        tls,
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
        assert_eq!(t.tls, None);
        let t = parse("mongodb://[::1]:27018,b:1/db?authSource=admin&tls=true").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("::1", 27018));
        assert_eq!(t.warnings.len(), 2, "{:?}", t.warnings);
        assert_eq!(t.tls, Some(Tls::default()));
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
            "mongodb://h/?tls=yes",
            "mongodb://h/?tls=true&ssl=false",
            "mongodb://h/?tls=false&tlsCAFile=ca.pem",
            "mongodb://h/?tlsCAFile=",
            "mongodb://h/?tlsInsecure=true&tlsCAFile=ca.pem",
            "mongodb://h/?tls=true&tlsAllowInvalidHostnames=true",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tls_options() {
        let t = parse("mongodb://h/?ssl=true&tlsCAFile=%2Ftmp%2Fca%20x.pem").unwrap();
        assert_eq!(
            t.tls,
            Some(Tls {
                ca_file: Some(PathBuf::from("/tmp/ca x.pem")),
                allow_invalid_certificates: false,
            })
        );
        // A tls* option turns TLS on, as in the drivers.
        let t = parse("mongodb://h/?tlsInsecure=true").unwrap();
        assert!(t.tls.is_some_and(|t| t.allow_invalid_certificates));
        assert_eq!(t.warnings.len(), 1);
        assert_eq!(parse("mongodb://h/?tls=false").unwrap().tls, None);
    }
}
