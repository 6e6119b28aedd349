//! One way to open a connection to the engine, whatever the transport: a unix socket, plain
//! TCP, TLS over TCP, or `ssh` running `docker system dial-stdio` on the far side (as the
//! docker CLI's connection helper does, so the user's ssh configuration, keys and agent apply).
//!
//! Everything that speaks HTTP to the engine by hand (the ping, the log reader, exec and
//! attach sessions) opens its connections here, so each works on every transport. bollard
//! keeps its own client for sockets and plain TCP; for TLS and ssh it is handed a hyper client
//! whose connections come from here ([`Pool`]), idle ones kept a while so that a command's
//! many calls do not each start an ssh session.

use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio_rustls::rustls;

use crate::engine::endpoint::{Endpoint, Tls};

/// How long opening a TCP connection may take, and ssh's `ConnectTimeout` (the docker CLI's).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long an idle connection of the TLS and ssh clients is kept for the next call.
const IDLE: Duration = Duration::from_secs(30);
/// How much of ssh's error output is kept for the message of a failed connection.
const STDERR_TAIL: usize = 4096;

/// How to reach the engine.
pub(super) enum Dialer {
    Unix(PathBuf),
    Tcp(String),
    Tls {
        address: String,
        name: rustls::pki_types::ServerName<'static>,
        config: Arc<rustls::ClientConfig>,
    },
    /// The arguments of `ssh`.
    Ssh(Vec<String>),
}

impl std::fmt::Debug for Dialer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Dialer::Unix(path) => write!(f, "unix {}", path.display()),
            Dialer::Tcp(address) => write!(f, "tcp {address}"),
            Dialer::Tls { address, .. } => write!(f, "tls {address}"),
            Dialer::Ssh(args) => write!(f, "ssh {}", args.join(" ")),
        }
    }
}

/// An open connection to the engine.
pub(super) struct Conn(Pin<Box<dyn Io>>);

trait Io: AsyncRead + AsyncWrite + Send {}
impl<T: AsyncRead + AsyncWrite + Send> Io for T {}

impl Dialer {
    /// The dialer of `endpoint`; an error says what is wrong with its address or TLS files.
    pub(super) fn new(endpoint: &Endpoint) -> Result<Dialer, String> {
        let host = endpoint.host.as_str();
        if let Some(path) = host.strip_prefix("unix://") {
            return Ok(Dialer::Unix(PathBuf::from(path)));
        }
        if host.starts_with("ssh://") {
            return ssh_args(host).map(Dialer::Ssh);
        }
        let (rest, https) = match host.split_once("://") {
            Some(("tcp" | "http", rest)) => (rest, false),
            Some(("https", rest)) => (rest, true),
            _ => return Err("unsupported address: rcompose reaches engines at unix://, tcp:// and ssh:// addresses".to_string()),
        };
        let address = rest.split('/').next().unwrap_or_default().to_string();
        if address.is_empty() {
            return Err("no host in the address".to_string());
        }
        let tls = match (&endpoint.tls, https) {
            (Some(tls), _) => tls.clone(),
            (None, true) => Tls { verify: true, ..Default::default() },
            (None, false) => return Ok(Dialer::Tcp(address)),
        };
        let name = server_name(&address)?;
        Ok(Dialer::Tls { address, name, config: Arc::new(tls_config(&tls)?) })
    }

    /// Opens a connection.
    pub(super) async fn dial(&self) -> io::Result<Conn> {
        match self {
            Dialer::Unix(path) => Ok(Conn(Box::pin(tokio::net::UnixStream::connect(path).await?))),
            Dialer::Tcp(address) => Ok(Conn(Box::pin(tcp(address).await?))),
            Dialer::Tls { address, name, config } => {
                let stream = tcp(address).await?;
                let tls = tokio_rustls::TlsConnector::from(config.clone()).connect(name.clone(), stream).await?;
                Ok(Conn(Box::pin(tls)))
            }
            Dialer::Ssh(args) => Ok(Conn(Box::pin(SshStream::spawn(args)?))),
        }
    }
}

async fn tcp(address: &str) -> io::Result<tokio::net::TcpStream> {
    let connect = tokio::net::TcpStream::connect(address);
    let stream = tokio::time::timeout(CONNECT_TIMEOUT, connect).await.map_err(|_| io::Error::from(io::ErrorKind::TimedOut))??;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// `ssh`'s arguments for `ssh://[user@]host[:port][/socket]`, as the docker CLI builds them:
/// a connect timeout, no TTY, the user and port as flags, then `docker system dial-stdio` (with
/// `--host` when the address names the far side's socket).
fn ssh_args(host: &str) -> Result<Vec<String>, String> {
    let url = url::Url::parse(host).map_err(|e| format!("invalid ssh address: {e}"))?;
    if url.password().is_some() {
        return Err("invalid ssh address: a password in the address is not supported (use a key or the ssh agent)".to_string());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("invalid ssh address: no query or fragment is allowed".to_string());
    }
    let Some(name) = url.host_str().filter(|h| !h.is_empty()) else { return Err("invalid ssh address: no host name".to_string()) };
    let mut args = vec!["-o".to_string(), format!("ConnectTimeout={}", CONNECT_TIMEOUT.as_secs()), "-T".to_string()];
    if !url.username().is_empty() {
        args.extend(["-l".to_string(), url.username().to_string()]);
    }
    if let Some(port) = url.port() {
        args.extend(["-p".to_string(), port.to_string()]);
    }
    args.extend(["--".to_string(), name.trim_start_matches('[').trim_end_matches(']').to_string(), "docker".to_string()]);
    if !url.path().trim_matches('/').is_empty() {
        args.push(format!("--host=unix://{}", url.path()));
    }
    args.extend(["system".to_string(), "dial-stdio".to_string()]);
    Ok(args)
}

fn server_name(address: &str) -> Result<rustls::pki_types::ServerName<'static>, String> {
    let name = match address.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => address,
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    rustls::pki_types::ServerName::try_from(name.to_string()).map_err(|e| format!("invalid TLS server name {name:?}: {e}"))
}

/// The rustls configuration of `tls`: the given CA (or the system's roots), the client
/// certificate when there is one, and no check of the engine's certificate when `verify` is off
/// (`DOCKER_TLS` without `DOCKER_TLS_VERIFY`, a context's `SkipTLSVerify`), as the docker CLI.
fn tls_config(tls: &Tls) -> Result<rustls::ClientConfig, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    // ring rather than aws-lc-rs: no C library of its own to build (a cold build stays short),
    // and a Docker engine's Go TLS negotiates the classical key exchanges it offers.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?;
    let read_err = |path: &PathBuf, e: rustls::pki_types::pem::Error| format!("TLS: cannot read {}: {e}", path.display());
    let builder = if tls.verify {
        let mut roots = rustls::RootCertStore::empty();
        match &tls.ca {
            Some(ca) => {
                for cert in CertificateDer::pem_file_iter(ca).map_err(|e| read_err(ca, e))? {
                    roots.add(cert.map_err(|e| read_err(ca, e))?).map_err(|e| format!("TLS: {}: {e}", ca.display()))?;
                }
            }
            None => {
                let native = rustls_native_certs::load_native_certs();
                roots.add_parsable_certificates(native.certs);
            }
        }
        builder.with_root_certificates(roots)
    } else {
        builder.dangerous().with_custom_certificate_verifier(Arc::new(NoVerification(provider)))
    };
    match &tls.cert {
        Some((cert, key)) => {
            let chain = CertificateDer::pem_file_iter(cert)
                .map_err(|e| read_err(cert, e))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| read_err(cert, e))?;
            let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| read_err(key, e))?;
            builder.with_client_auth_cert(chain, key_der).map_err(|e| format!("TLS: {}: {e}", cert.display()))
        }
        None => Ok(builder.with_no_client_auth()),
    }
}

/// Accepts any certificate of the engine: what skipping verification asks for. The handshake's
/// signatures are still checked.
#[derive(Debug)]
struct NoVerification(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &[rustls::pki_types::CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The standard streams of an `ssh` child as one connection. Dropping it kills the child
/// (the docker CLI's connections do the same); shutting its writing side down closes the
/// child's input, which the far side's `dial-stdio` passes on to the engine as a half close.
/// When its output ends and ssh failed, reading returns ssh's failure and its last words
/// (`ssh: connect to host ... Connection refused`) instead of a bare end of stream.
struct SshStream {
    stdin: Option<tokio::process::ChildStdin>,
    stdout: tokio::process::ChildStdout,
    /// ssh's exit status and the tail of its error output, once it has exited.
    exit: Option<tokio::sync::oneshot::Receiver<(io::Result<std::process::ExitStatus>, Vec<u8>)>>,
    /// Dropped with the stream: the task that owns the child then kills it.
    _alive: tokio::sync::oneshot::Sender<()>,
}

impl SshStream {
    fn spawn(args: &[String]) -> io::Result<SshStream> {
        use std::process::Stdio;
        let mut child = tokio::process::Command::new("ssh")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| io::Error::new(e.kind(), format!("cannot run ssh: {e}")))?;
        let (stdin, stdout, mut stderr) = (child.stdin.take(), child.stdout.take(), child.stderr.take());
        let stdout = stdout.expect("stdout is piped");
        let (exit_tx, exit_rx) = tokio::sync::oneshot::channel();
        let (alive, mut gone) = tokio::sync::oneshot::channel::<()>();
        // The child's keeper: its result goes to the stream, which reads it when the output
        // ends; the stream's end (the sender dropped) ends the child.
        tokio::spawn(async move {
            let waited = async {
                let mut tail = Vec::new();
                if let Some(stderr) = stderr.as_mut() {
                    let mut buf = [0u8; 1024];
                    while let Ok(n @ 1..) = stderr.read(&mut buf).await {
                        tail.extend_from_slice(&buf[..n]);
                        let excess = tail.len().saturating_sub(STDERR_TAIL);
                        tail.drain(..excess);
                    }
                }
                (child.wait().await, tail)
            };
            tokio::select! {
                done = waited => { let _ = exit_tx.send(done); }
                _ = &mut gone => {}
            }
        });
        Ok(SshStream { stdin, stdout, exit: Some(exit_rx), _alive: alive })
    }
}

impl AsyncRead for SshStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        std::task::ready!(Pin::new(&mut self.stdout).poll_read(cx, buf))?;
        if buf.filled().len() > before {
            return Poll::Ready(Ok(()));
        }
        // The output ended: a failed ssh says why.
        let Some(exit) = self.exit.as_mut() else { return Poll::Ready(Ok(())) };
        let outcome = std::task::ready!(Pin::new(exit).poll(cx));
        self.exit = None;
        match outcome {
            Ok((Ok(status), tail)) if !status.success() => {
                let said = String::from_utf8_lossy(&tail).trim().replace(['\r', '\n'], " ");
                let said = if said.is_empty() { String::new() } else { format!(": {said}") };
                Poll::Ready(Err(io::Error::other(format!("ssh ended ({status}){said}"))))
            }
            _ => Poll::Ready(Ok(())),
        }
    }
}

use std::future::Future;

impl AsyncWrite for SshStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.stdin.as_mut() {
            Some(stdin) => Pin::new(stdin).poll_write(cx, buf),
            None => Poll::Ready(Err(io::ErrorKind::BrokenPipe.into())),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.stdin.as_mut() {
            Some(stdin) => Pin::new(stdin).poll_flush(cx),
            None => Poll::Ready(Ok(())),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(stdin) = self.stdin.as_mut() {
            std::task::ready!(Pin::new(stdin).poll_flush(cx))?;
        }
        self.stdin = None;
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for Conn {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.0.as_mut().poll_read(cx, buf)
    }
}

impl AsyncWrite for Conn {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.0.as_mut().poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.as_mut().poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.as_mut().poll_shutdown(cx)
    }
}

impl hyper_util::client::legacy::connect::Connection for Conn {
    fn connected(&self) -> hyper_util::client::legacy::connect::Connected {
        hyper_util::client::legacy::connect::Connected::new()
    }
}

/// hyper's connector over a [`Dialer`]: every address it is asked for is the engine.
#[derive(Clone)]
struct Connector(Arc<Dialer>);

impl tower_service::Service<hyper::Uri> for Connector {
    type Response = hyper_util::rt::TokioIo<Conn>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: hyper::Uri) -> Self::Future {
        let dialer = self.0.clone();
        Box::pin(async move { dialer.dial().await.map(hyper_util::rt::TokioIo::new) })
    }
}

/// A pooled HTTP client over a [`Dialer`]'s connections, for bollard and for the first ping
/// (whose connection is then kept for the next call: over ssh each new one is a new session).
#[derive(Clone)]
pub(super) struct Pool(Arc<dyn Fn(bollard::BollardRequest) -> Answer + Send + Sync>);

type Answer = Pin<Box<dyn Future<Output = Result<hyper::Response<hyper::body::Incoming>, bollard::errors::Error>> + Send>>;

impl Pool {
    pub(super) fn new(dialer: Arc<Dialer>) -> Pool {
        Pool(Arc::new(transport(Connector(dialer))))
    }

    /// bollard over this pool (TLS and ssh engines).
    pub(super) fn docker(&self, timeout: u64, version: &bollard::ClientVersion) -> Result<bollard::Docker, bollard::errors::Error> {
        let send = self.0.clone();
        bollard::Docker::connect_with_custom_transport(move |r| send(r), Some("http://docker"), timeout, version)
    }

    /// `GET /_ping`'s `Api-Version` (see `ping`), through the pool.
    pub(super) async fn api_version(&self, user_agent: &str) -> io::Result<Option<(usize, usize)>> {
        use http_body_util::BodyExt;
        let request = hyper::Request::get("http://docker/_ping")
            .header("user-agent", user_agent)
            .body(bollard::body_full(bytes::Bytes::new()))
            .map_err(io::Error::other)?;
        let answer = (self.0)(request).await.map_err(|e| io::Error::other(cause(&e)))?;
        let (head, body) = answer.into_parts();
        // Read to the end, so that the connection goes back to the pool.
        let _ = body.collect().await;
        if !head.status.is_success() {
            return Err(io::Error::new(io::ErrorKind::InvalidData, format!("/_ping answered {}", head.status)));
        }
        Ok(head.headers.get("api-version").and_then(|v| v.to_str().ok()).and_then(super::ping::parse_version))
    }
}

/// The innermost error's words (ssh's own, when it failed).
fn cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut inner = e;
    while let Some(next) = inner.source() {
        inner = next;
    }
    inner.to_string()
}

/// The request function bollard calls, over a pooled hyper client (`B` is bollard's body type,
/// which it does not name publicly).
fn transport<B>(connector: Connector) -> impl Fn(hyper::Request<B>) -> Answer + Send + Sync
where
    B: hyper::body::Body + Send + Unpin + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .pool_idle_timeout(IDLE)
        .pool_timer(hyper_util::rt::TokioTimer::new())
        .build::<_, B>(connector);
    move |request| {
        let client = client.clone();
        Box::pin(async move { client.request(request).await.map_err(bollard::errors::Error::from) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(host: &str) -> Endpoint {
        Endpoint { host: host.to_string(), tls: None, context: None }
    }

    #[test]
    fn ssh_runs_dial_stdio_as_the_docker_cli() {
        let args = |h: &str| ssh_args(h).map(|a| a.join(" "));
        assert_eq!(args("ssh://me@far:2222").unwrap(), "-o ConnectTimeout=30 -T -l me -p 2222 -- far docker system dial-stdio");
        assert_eq!(args("ssh://far").unwrap(), "-o ConnectTimeout=30 -T -- far docker system dial-stdio");
        assert_eq!(
            args("ssh://me@far/run/user/1000/docker.sock").unwrap(),
            "-o ConnectTimeout=30 -T -l me -- far docker --host=unix:///run/user/1000/docker.sock system dial-stdio"
        );
        assert!(args("ssh://me:secret@far").unwrap_err().contains("password"));
        assert!(args("ssh://far?x=1").unwrap_err().contains("query"));
    }

    #[test]
    fn addresses_choose_the_transport() {
        assert!(
            matches!(Dialer::new(&endpoint("unix:///var/run/docker.sock")), Ok(Dialer::Unix(p)) if p == std::path::Path::new("/var/run/docker.sock"))
        );
        assert!(matches!(Dialer::new(&endpoint("tcp://10.0.0.1:2375")), Ok(Dialer::Tcp(a)) if a == "10.0.0.1:2375"));
        assert!(matches!(Dialer::new(&endpoint("ssh://me@far")), Ok(Dialer::Ssh(_))));
        assert!(Dialer::new(&endpoint("npipe:////./pipe/docker_engine")).unwrap_err().contains("unsupported address"));
        let mut tls = endpoint("tcp://127.0.0.1:2376");
        tls.tls = Some(Tls { ca: None, cert: None, verify: false });
        assert!(matches!(Dialer::new(&tls), Ok(Dialer::Tls { address, .. }) if address == "127.0.0.1:2376"));
    }

    #[test]
    fn tls_files_that_cannot_be_read_are_named() {
        let mut e = endpoint("tcp://engine.example:2376");
        e.tls = Some(Tls { ca: Some(PathBuf::from("/nonexistent/ca.pem")), cert: None, verify: true });
        let err = Dialer::new(&e).unwrap_err();
        assert!(err.contains("/nonexistent/ca.pem"), "{err}");
    }

    #[test]
    fn the_server_name_is_the_host() {
        assert_eq!(server_name("engine.example:2376").unwrap().to_str(), "engine.example");
        assert_eq!(server_name("127.0.0.1:2376").unwrap().to_str(), "127.0.0.1");
        assert_eq!(server_name("[::1]:2376").unwrap().to_str(), "::1");
    }
}
