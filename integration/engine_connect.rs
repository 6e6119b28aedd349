//! Connecting: version negotiation, the User-Agent, and what an unreachable engine looks like.

use rcompose::engine::{DockerEngine, Engine, EngineError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::harness::TestProject;

#[tokio::test]
async fn engine_reports_its_version_and_we_speak_it() {
    let p = TestProject::new("version").await;
    p.engine.ping().await.expect("ping");
    let v = p.engine.version().await.expect("version");
    assert!(!v.version.is_empty(), "{v:?}");
    // We never ask for more than the engine speaks.
    let (major, minor) = p.engine.api_version();
    let engine_api: Vec<usize> = v.api_version.split('.').map(|n| n.parse().unwrap()).collect();
    assert!((major, minor) <= (engine_api[0], engine_api[1]), "{v:?} vs {major}.{minor}");
    assert_eq!(v.negotiated_api_version, format!("{major}.{minor}"));
}

/// A one-shot HTTP server answering like an API 1.41 engine: `/_ping` with the `Api-Version`
/// header (how we negotiate), anything else with the body of `/version`. Returns the request
/// head it received.
async fn fake_engine(listener: TcpListener) -> String {
    let (mut sock, _) = listener.accept().await.expect("accept");
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = sock.read(&mut buf).await.expect("read");
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let response = if head.starts_with("GET /_ping ") {
        "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\nOK".to_string()
    } else {
        let body = r#"{"Version":"20.10.24","ApiVersion":"1.41","MinAPIVersion":"1.12"}"#;
        format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len())
    };
    sock.write_all(response.as_bytes()).await.expect("write");
    head
}

#[tokio::test]
async fn connect_sends_our_user_agent_and_negotiates_down_to_the_engine() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let host = format!("tcp://{addr}");
    let (engine, head) = tokio::join!(DockerEngine::connect_to(&host), fake_engine(listener));
    let engine = engine.expect("connect to the fake engine");
    let expected = format!("user-agent: rcompose/{}", env!("CARGO_PKG_VERSION"));
    assert!(head.to_ascii_lowercase().contains(&expected), "request head:\n{head}");
    assert_eq!(engine.api_version(), (1, 41));
}

#[tokio::test]
async fn a_missing_socket_is_unavailable_and_says_how_to_fix_it() {
    let err = DockerEngine::connect_to("unix:///nonexistent/rcompose-test.sock").await.expect_err("nothing listens there");
    assert!(matches!(err, EngineError::Unavailable { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("DOCKER_HOST"), "{text}");
    assert!(text.contains("/nonexistent/rcompose-test.sock"), "{text}");
}

#[tokio::test]
async fn a_refused_tcp_connection_is_unavailable() {
    // Bind then drop to get a local port with nobody behind it.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let err = DockerEngine::connect_to(&format!("tcp://127.0.0.1:{port}")).await.expect_err("nothing listens there");
    assert!(matches!(err, EngineError::Unavailable { .. }), "{err:?}");
}
