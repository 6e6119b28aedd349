//! Parsers for the short string syntaxes: port specs and volume specs.
//!
//! Errors are plain strings; the caller attaches the position and key path.

use serde_json::{json, Map as JsonMap, Value as Json};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortSpec {
    pub host_ip: String,
    /// A host port, a host range (`8000-8010`), or empty for "any free port".
    pub published: String,
    pub target: u32,
    pub protocol: String,
}

/// Parses `[ip:][host[-range]:]container[-range][/protocol]`, expanding ranges to one entry per
/// port as Docker Compose does.
pub fn parse_port(spec: &str) -> Result<Vec<PortSpec>, String> {
    let bad = |why: &str| format!("invalid port {spec:?}: {why}");
    let (rest, protocol) = match spec.rsplit_once('/') {
        Some((r, p)) => (r, p.to_string()),
        None => (spec, "tcp".to_string()),
    };
    if !matches!(protocol.as_str(), "tcp" | "udp" | "sctp") {
        return Err(bad("the protocol must be tcp, udp or sctp"));
    }
    let (host_ip, host, container) = if let Some(after) = rest.strip_prefix('[') {
        let (ip, tail) = after.split_once(']').ok_or_else(|| bad("unclosed '[' in IPv6 address"))?;
        let tail = tail.strip_prefix(':').ok_or_else(|| bad("expected ':' after the IPv6 address"))?;
        let (h, c) = tail.split_once(':').ok_or_else(|| bad("expected host:container after the address"))?;
        (ip.to_string(), h, c)
    } else {
        let parts: Vec<&str> = rest.split(':').collect();
        match parts.as_slice() {
            [c] => (String::new(), "", *c),
            [h, c] => (String::new(), *h, *c),
            [ip, h, c] => (ip.to_string(), *h, *c),
            _ => {
                // An unbracketed IPv6 address: the last two parts are host and container.
                let n = parts.len();
                (parts[..n - 2].join(":"), parts[n - 2], parts[n - 1])
            }
        }
    };
    if container.is_empty() {
        return Err(bad("no container port"));
    }
    let (c_lo, c_hi) = port_range(container).map_err(|e| bad(&e))?;
    let host_range = if host.is_empty() { None } else { Some(port_range(host).map_err(|e| bad(&e))?) };
    let count = c_hi - c_lo + 1;
    let mut out = Vec::new();
    match host_range {
        Some((h_lo, h_hi)) if count > 1 => {
            if h_hi - h_lo + 1 != count {
                return Err(bad("the host and container port ranges differ in size"));
            }
            for i in 0..count {
                out.push(PortSpec {
                    host_ip: host_ip.clone(),
                    published: (h_lo + i).to_string(),
                    target: c_lo + i,
                    protocol: protocol.clone(),
                });
            }
        }
        Some((h_lo, h_hi)) => {
            let published = if h_lo == h_hi { h_lo.to_string() } else { format!("{h_lo}-{h_hi}") };
            out.push(PortSpec { host_ip, published, target: c_lo, protocol });
        }
        None => {
            for i in 0..count {
                out.push(PortSpec { host_ip: host_ip.clone(), published: String::new(), target: c_lo + i, protocol: protocol.clone() });
            }
        }
    }
    Ok(out)
}

fn port_range(s: &str) -> Result<(u32, u32), String> {
    let (lo, hi) = match s.split_once('-') {
        Some((a, b)) => (port_number(a)?, port_number(b)?),
        None => {
            let p = port_number(s)?;
            (p, p)
        }
    };
    if hi < lo {
        return Err(format!("the range {s} ends before it starts"));
    }
    Ok((lo, hi))
}

fn port_number(s: &str) -> Result<u32, String> {
    match s.parse::<u32>() {
        Ok(p) if (1..=65535).contains(&p) => Ok(p),
        Ok(_) => Err(format!("port {s} is out of range 1-65535")),
        Err(_) => Err(format!("{s:?} is not a port number")),
    }
}

/// Parses a short volume spec `[source:]target[:options]` into its long form, as JSON.
///
/// Splits as Docker Compose does, so that the same specs are accepted and read alike: a
/// one-letter first section followed by `:` is a Windows drive (`c:\data:/data`), options it
/// does not know are ignored, and a spec of one or two characters is a target.
pub fn parse_volume(spec: &str) -> Result<Json, String> {
    let bad = |why: &str| format!("invalid volume {spec:?}: {why}");
    if spec.is_empty() {
        return Err(bad("empty specification"));
    }
    if spec.len() <= 2 {
        return Ok(json!({"type": "volume", "target": spec}));
    }
    let mut sections: Vec<String> = Vec::new();
    let mut buffer = String::new();
    for c in spec.chars() {
        let drive = c == ':' && buffer.chars().count() == 1 && buffer.chars().all(char::is_alphabetic);
        if c == ':' && !drive {
            sections.push(std::mem::take(&mut buffer));
        } else {
            buffer.push(c);
        }
    }
    sections.push(buffer);
    if sections.iter().any(String::is_empty) {
        return Err(bad("empty section between ':' separators"));
    }
    let (source, target, options) = match sections.as_slice() {
        [t] => ("", t.as_str(), ""),
        [s, t] => (s.as_str(), t.as_str(), ""),
        [s, t, o] => (s.as_str(), t.as_str(), o.as_str()),
        _ => return Err(bad("too many ':' separators: expected source:target[:options]")),
    };
    let is_bind = matches!(source.chars().next(), Some('.' | '/' | '~'))
        || source.starts_with("\\\\")
        || (source.chars().nth(1) == Some(':') && source.chars().next().is_some_and(char::is_alphabetic));
    let kind = if is_bind { "bind" } else { "volume" };
    let mut m = JsonMap::new();
    m.insert("type".into(), json!(kind));
    if !source.is_empty() {
        m.insert("source".into(), json!(source));
    }
    m.insert("target".into(), json!(target));
    let mut bind = JsonMap::new();
    let mut volume = JsonMap::new();
    for opt in options.split(',') {
        match opt {
            "ro" => {
                m.insert("read_only".into(), json!(true));
            }
            "rw" => {
                m.shift_remove("read_only");
            }
            "z" | "Z" => {
                bind.insert("selinux".into(), json!(opt));
            }
            "shared" | "rshared" | "slave" | "rslave" | "private" | "rprivate" => {
                bind.insert("propagation".into(), json!(opt));
            }
            "nocopy" => {
                volume.insert("nocopy".into(), json!(true));
            }
            // Anything else (`delegated`, `cached`, typos) is ignored, as Docker Compose does.
            _ => {}
        }
    }
    if is_bind {
        bind.insert("create_host_path".into(), json!(true));
    }
    if !bind.is_empty() {
        m.insert("bind".into(), Json::Object(bind));
    }
    if !is_bind || !volume.is_empty() {
        m.insert("volume".into(), Json::Object(volume));
    }
    Ok(Json::Object(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> PortSpec {
        let mut v = parse_port(s).unwrap();
        assert_eq!(v.len(), 1, "{s}");
        v.remove(0)
    }

    #[test]
    fn ports() {
        assert_eq!(one("80").target, 80);
        let p = one("127.0.0.1:8001:8001/udp");
        assert_eq!((p.host_ip.as_str(), p.published.as_str(), p.target, p.protocol.as_str()), ("127.0.0.1", "8001", 8001, "udp"));
        let p = one("127.0.0.1::80");
        assert_eq!((p.host_ip.as_str(), p.published.as_str()), ("127.0.0.1", ""));
        let p = one("[::1]:9000:9000");
        assert_eq!(p.host_ip, "::1");
        assert_eq!(one("8000-8010:80").published, "8000-8010");
        assert_eq!(parse_port("3001-3005").unwrap().len(), 5);
    }

    #[test]
    fn bad_ports() {
        for bad in ["80800", "a:b", "80/xyz", "1-2:3-5", "0", ""] {
            assert!(parse_port(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn volumes() {
        assert_eq!(parse_volume("/anon").unwrap(), json!({"type": "volume", "target": "/anon", "volume": {}}));
        assert_eq!(
            parse_volume("./a:/b:ro").unwrap(),
            json!({"type": "bind", "source": "./a", "target": "/b", "read_only": true, "bind": {"create_host_path": true}})
        );
        assert_eq!(parse_volume("data:/d:nocopy").unwrap()["volume"], json!({"nocopy": true}));
        assert!(parse_volume("ab:/b:ro:x").is_err());
        assert!(parse_volume("ab::/b").is_err());
        // As Docker Compose reads them (checked with v2.26.1): unknown options are ignored, a
        // one-letter source is a drive letter, a variable's default may hold a colon.
        assert_eq!(parse_volume("./a:/b:bogus,ro").unwrap()["read_only"], json!(true));
        assert_eq!(
            parse_volume("v:/v:nocopy").unwrap(),
            json!({"type": "bind", "source": "v:/v", "target": "nocopy", "bind": {"create_host_path": true}})
        );
        assert_eq!(
            parse_volume("${DATA:-./data}:/data").unwrap(),
            json!({"type": "volume", "source": "${DATA", "target": "-./data}", "volume": {}})
        );
        assert_eq!(parse_volume("ab").unwrap(), json!({"type": "volume", "target": "ab"}));
        assert_eq!(parse_volume("a::/b").unwrap()["source"], json!("a:"));
    }
}
