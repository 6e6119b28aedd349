use std::collections::HashMap;

use super::*;

/// A configuration directory with contexts, and the variables of one run.
struct Case {
    home: tempfile::TempDir,
    vars: HashMap<&'static str, String>,
}

impl Case {
    fn new() -> Case {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".docker")).unwrap();
        Case { home, vars: HashMap::new() }
    }

    fn dir(&self) -> PathBuf {
        self.home.path().join(".docker")
    }

    fn var(mut self, k: &'static str, v: &str) -> Case {
        self.vars.insert(k, v.to_string());
        self
    }

    /// Writes context `name` as `docker context create` does, with the given TLS files.
    fn context(self, name: &str, host: &str, skip_verify: bool, tls_files: &[&str]) -> Case {
        let (meta, tls) = store::paths(&self.dir(), name);
        std::fs::create_dir_all(&meta).unwrap();
        let json = serde_json::json!({"Name": name, "Metadata": {}, "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": skip_verify}}});
        std::fs::write(meta.join("meta.json"), json.to_string()).unwrap();
        if !tls_files.is_empty() {
            std::fs::create_dir_all(&tls).unwrap();
            for f in tls_files {
                std::fs::write(tls.join(f), "pem").unwrap();
            }
        }
        self
    }

    fn current(self, name: &str) -> Case {
        std::fs::write(self.dir().join("config.json"), format!(r#"{{"auths": {{}}, "currentContext": "{name}"}}"#)).unwrap();
        self
    }

    fn resolve(&self, context: Option<&str>, host: Option<&str>) -> Result<Endpoint, EndpointError> {
        let selection = Selection { context: context.map(str::to_string), host: host.map(str::to_string), ..Default::default() };
        resolve(&selection, &|k| self.vars.get(k).cloned(), Some(self.home.path()))
    }
}

fn host(e: Result<Endpoint, EndpointError>) -> (String, Option<String>) {
    let e = e.unwrap();
    (e.host, e.context)
}

#[test]
fn nothing_set_is_the_local_socket() {
    assert_eq!(host(Case::new().resolve(None, None)), (DEFAULT_HOST.to_string(), None));
}

#[test]
fn the_docker_clis_order_decides() {
    let case =
        Case::new().context("far", "tcp://10.0.0.9:2375", false, &[]).context("near", "unix:///run/x.sock", false, &[]).current("near");
    // currentContext of config.json.
    assert_eq!(host(case.resolve(None, None)), ("unix:///run/x.sock".into(), Some("near".into())));
    // DOCKER_CONTEXT over currentContext.
    let case = case.var("DOCKER_CONTEXT", "far");
    assert_eq!(host(case.resolve(None, None)), ("tcp://10.0.0.9:2375".into(), Some("far".into())));
    // DOCKER_HOST over DOCKER_CONTEXT: the default context with that host.
    let case = case.var("DOCKER_HOST", "tcp://10.0.0.1:2375");
    assert_eq!(host(case.resolve(None, None)), ("tcp://10.0.0.1:2375".into(), None));
    // --context over DOCKER_HOST; --host over everything but --context.
    assert_eq!(host(case.resolve(Some("near"), None)), ("unix:///run/x.sock".into(), Some("near".into())));
    assert_eq!(host(case.resolve(None, Some("unix:///h.sock"))), ("unix:///h.sock".into(), None));
    // The default context named is DOCKER_HOST's.
    assert_eq!(host(case.resolve(Some("default"), None)), ("tcp://10.0.0.1:2375".into(), None));
    assert_eq!(case.resolve(Some("near"), Some("unix:///h.sock")), Err(EndpointError::Conflict));
}

#[test]
fn an_empty_variable_is_unset() {
    let case = Case::new().context("far", "tcp://10.0.0.9:2375", false, &[]).var("DOCKER_HOST", "").var("DOCKER_CONTEXT", "far");
    assert_eq!(host(case.resolve(None, None)).0, "tcp://10.0.0.9:2375");
}

#[test]
fn docker_config_moves_the_store() {
    let other = tempfile::tempdir().unwrap();
    let case = Case::new().var("DOCKER_CONFIG", other.path().to_str().unwrap()).var("DOCKER_CONTEXT", "far");
    let err = case.resolve(None, None).unwrap_err();
    let EndpointError::UnknownContext { name, meta } = &err else { panic!("{err:?}") };
    assert_eq!(name, "far");
    assert!(meta.starts_with(other.path()), "{}", meta.display());
    assert!(err.to_string().contains("context \"far\" not found"), "{err}");
}

#[test]
fn a_context_with_tls_files_speaks_tls() {
    let case = Case::new().context("secure", "tcp://engine.example", false, &["ca.pem", "cert.pem", "key.pem"]);
    let e = case.resolve(Some("secure"), None).unwrap();
    assert_eq!(e.host, "tcp://engine.example:2376");
    let tls = e.tls.unwrap();
    assert!(tls.verify);
    assert!(tls.ca.unwrap().ends_with("docker/ca.pem"));
    assert!(tls.cert.is_some());
    // Skipping verification is TLS all the same, without files.
    let case = case.context("loose", "tcp://engine.example:9999", true, &[]);
    let e = case.resolve(Some("loose"), None).unwrap();
    assert_eq!(e.tls, Some(Tls { ca: None, cert: None, verify: false }));
    // No TLS files and verification on: plain.
    let case = case.context("plain", "tcp://engine.example", false, &[]);
    assert_eq!(case.resolve(Some("plain"), None).unwrap().tls, None);
}

#[test]
fn a_broken_context_names_its_file() {
    let case = Case::new().context("bad", "x", false, &[]);
    let (meta, _) = store::paths(&case.dir(), "bad");
    std::fs::write(meta.join("meta.json"), "{not json").unwrap();
    let err = case.resolve(Some("bad"), None).unwrap_err().to_string();
    assert!(err.contains("context \"bad\"") && err.contains("meta.json"), "{err}");
    std::fs::write(meta.join("meta.json"), r#"{"Name":"bad","Endpoints":{}}"#).unwrap();
    assert_eq!(case.resolve(Some("bad"), None), Err(EndpointError::NoDockerEndpoint { name: "bad".into() }));
}

#[test]
fn the_tls_variables_of_the_default_context() {
    let certs = tempfile::tempdir().unwrap();
    for f in ["ca.pem", "cert.pem", "key.pem"] {
        std::fs::write(certs.path().join(f), "pem").unwrap();
    }
    let case = Case::new().var("DOCKER_HOST", "tcp://10.0.0.1").var("DOCKER_TLS_VERIFY", "1");
    // ca.pem is needed to verify, and is looked for in ~/.docker by default.
    let err = case.resolve(None, None).unwrap_err();
    assert!(matches!(&err, EndpointError::TlsFile { path, .. } if path.ends_with(".docker/ca.pem")), "{err:?}");
    let case = case.var("DOCKER_CERT_PATH", certs.path().to_str().unwrap());
    let e = case.resolve(None, None).unwrap();
    assert_eq!(e.host, "tcp://10.0.0.1:2376");
    assert_eq!(
        e.tls,
        Some(Tls {
            ca: Some(certs.path().join("ca.pem")),
            cert: Some((certs.path().join("cert.pem"), certs.path().join("key.pem"))),
            verify: true
        })
    );
    // DOCKER_TLS alone: TLS without checking the engine's certificate.
    let case = Case::new().var("DOCKER_HOST", "tcp://10.0.0.1:1234").var("DOCKER_TLS", "1");
    let e = case.resolve(None, None).unwrap();
    assert_eq!((e.host.as_str(), e.tls), ("tcp://10.0.0.1:1234", Some(Tls { ca: None, cert: None, verify: false })));
}

#[test]
fn tcp_addresses_get_the_default_port() {
    assert_eq!(with_default_port("tcp://h", false), "tcp://h:2375");
    assert_eq!(with_default_port("tcp://h", true), "tcp://h:2376");
    assert_eq!(with_default_port("tcp://h:1", true), "tcp://h:1");
    assert_eq!(with_default_port("tcp://:7", false), "tcp://127.0.0.1:7");
    assert_eq!(with_default_port("tcp://[::1]", false), "tcp://[::1]:2375");
    assert_eq!(with_default_port("tcp://[::1]:9", false), "tcp://[::1]:9");
    assert_eq!(with_default_port("ssh://me@h", true), "ssh://me@h");
}

#[test]
fn a_context_is_described_with_its_address() {
    let e = Endpoint { host: "tcp://127.0.0.1:1".into(), tls: None, context: Some("nowhere".into()) };
    assert_eq!(e.describe(), "tcp://127.0.0.1:1 (context \"nowhere\")");
}

#[test]
fn the_docker_clis_tls_flags_name_the_files() {
    let certs = tempfile::tempdir().unwrap();
    for f in ["my-ca.pem", "my-cert.pem", "my-key.pem"] {
        std::fs::write(certs.path().join(f), "pem").unwrap();
    }
    let case = Case::new();
    let file = |f: &str| Some(certs.path().join(f));
    let tls = TlsFlags { tls: false, verify: true, ca: file("my-ca.pem"), cert: file("my-cert.pem"), key: file("my-key.pem") };
    let selection = Selection { host: Some("tcp://10.0.0.1".into()), tls, ..Default::default() };
    let e = resolve(&selection, &|k| case.vars.get(k).cloned(), Some(case.home.path())).unwrap();
    assert_eq!(e.host, "tcp://10.0.0.1:2376");
    assert_eq!(e.tls, Some(Tls { ca: file("my-ca.pem"), cert: file("my-cert.pem").zip(file("my-key.pem")), verify: true }));
    // A file a flag names must exist.
    let tls = TlsFlags { tls: true, cert: file("nope.pem"), ..Default::default() };
    let selection = Selection { host: Some("tcp://10.0.0.1".into()), tls, ..Default::default() };
    let err = resolve(&selection, &|k| case.vars.get(k).cloned(), Some(case.home.path())).unwrap_err();
    assert!(err.to_string().contains("nope.pem") && err.to_string().contains("--tlscert"), "{err}");
}
