//! bollard's errors into ours: the one place HTTP statuses become kinds.
use bollard::errors::Error as Bollard;

use crate::engine::EngineError;

/// Maps a bollard error; `host` names the engine address for connection failures.
pub(super) fn convert(host: &str, e: Bollard) -> EngineError {
    let unavailable = |reason: String| EngineError::Unavailable { host: host.to_string(), reason };
    match e {
        Bollard::DockerResponseServerError { status_code, message } => EngineError::from_status(status_code, message),
        Bollard::DockerStreamError { error } => EngineError::Stream { message: error },
        Bollard::HyperLegacyError { err } if err.is_connect() => unavailable(root_cause(&err)),
        Bollard::SocketNotFoundError(path) => unavailable(format!("no socket at {path}")),
        Bollard::UnsupportedURISchemeError { uri } => unavailable(format!("unsupported address scheme in {uri:?}")),
        Bollard::RequestTimeoutError => unavailable("no answer in time".into()),
        Bollard::IOError { err } if is_connect_io(&err) => unavailable(err.to_string()),
        other => EngineError::Protocol { message: root_cause(&other) },
    }
}

/// A pull's or push's failure, as `Denied` when the registry refused the credentials: the
/// engine reports that as a 500 or a stream error whose text is the registry's, so the text
/// is all there is to tell it by.
pub(super) fn registry(e: EngineError) -> EngineError {
    const REFUSALS: &[&str] =
        &["no basic auth credentials", "unauthorized", "authentication required", "access denied", "access to the resource is denied"];
    match e {
        EngineError::Api { message, .. } | EngineError::Stream { message } if REFUSALS.iter().any(|r| message.contains(r)) => {
            EngineError::Denied { message }
        }
        other => other,
    }
}

fn is_connect_io(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(e.kind(), ConnectionRefused | NotFound | PermissionDenied | ConnectionReset)
}

/// The innermost error's text, which is where the useful words are ("Connection refused"),
/// prefixed by the outer one when it says something else.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut inner: &dyn std::error::Error = e;
    while let Some(next) = inner.source() {
        inner = next;
    }
    let (outer, inner) = (e.to_string(), inner.to_string());
    if outer == inner || outer.contains(&inner) {
        outer
    } else {
        format!("{outer}: {inner}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_statuses_become_kinds() {
        let e = |status_code| Bollard::DockerResponseServerError { status_code, message: "m".into() };
        assert!(convert("h", e(404)).is_not_found());
        assert!(convert("h", e(409)).is_conflict());
        assert!(matches!(convert("h", e(304)), EngineError::NotModified { .. }));
        assert!(matches!(convert("h", e(500)), EngineError::Api { status: 500, .. }));
    }

    #[test]
    fn refused_credentials_are_denied() {
        let no_login = EngineError::Api { status: 500, message: "Head \"http://r/v2/a/manifests/1\": no basic auth credentials".into() };
        assert!(registry(no_login).is_denied());
        assert!(registry(EngineError::Stream { message: "unauthorized: authentication required".into() }).is_denied());
        let missing = EngineError::Api { status: 404, message: "manifest unknown".into() };
        assert!(!registry(missing).is_denied());
    }

    #[test]
    fn refused_connections_are_unavailable() {
        let io = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let e = convert("tcp://127.0.0.1:1", Bollard::IOError { err: io });
        assert!(e.is_unavailable(), "{e:?}");
        assert!(e.to_string().contains("tcp://127.0.0.1:1"));
    }
}
