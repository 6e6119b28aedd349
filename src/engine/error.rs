//! The engine's error kinds, decided once at the adapter's border.
//!
//! Callers branch on the kind (a missing container is normal during `down`, a name conflict
//! during `up` means "already created"), so the HTTP status codes of the Docker API are mapped
//! here and nowhere else. Messages are the engine's own text: they already name the object
//! (`No such container: web-1`).

/// An error from the container engine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The object does not exist (HTTP 404).
    #[error("{message}")]
    NotFound { message: String },

    /// The request conflicts with the object's current state, e.g. a name already in use or
    /// removing a running container without force (HTTP 409).
    #[error("{message}")]
    Conflict { message: String },

    /// The request changed nothing, e.g. starting a running container (HTTP 304). The Docker
    /// adapter turns this into success for start and stop; it surfaces only where it matters.
    #[error("not modified: {message}")]
    NotModified { message: String },

    /// Any other error status of the engine's API.
    #[error("engine error (status {status}): {message}")]
    Api { status: u16, message: String },

    /// The engine cannot be reached at all.
    #[error(
        "cannot connect to the docker engine at {host}: {reason} \
         (is the engine running? DOCKER_HOST, --context or `docker context use` choose the engine)"
    )]
    Unavailable { host: String, reason: String },

    /// The engine gave no answer in time (frozen, or overloaded): `what` is what was asked.
    #[error("the docker engine at {host} stopped answering: no answer in {seconds} s while {what} (RCOMPOSE_ENGINE_TIMEOUT sets how many seconds to wait)")]
    NoAnswer { host: String, what: String, seconds: u64 },

    /// The engine went away in the middle of a stream (stopped, restarted).
    #[error("lost the docker engine at {host} while {what}: {reason}")]
    Lost { host: String, what: String, reason: String },

    /// A failure reported inside a progress stream: a build step that failed, a pull that
    /// could not reach its registry.
    #[error("{message}")]
    Stream { message: String },

    /// A registry refused the engine's request for want of valid credentials (no login, a
    /// wrong password, no right to the repository). The message is the engine's.
    #[error("{message}")]
    Denied { message: String },

    /// The request cannot be expressed to this engine (too old an API, or an option the
    /// adapter cannot send).
    #[error("not supported by the engine: {message}")]
    Unsupported { message: String },

    /// The engine answered with something the adapter could not understand, or the request
    /// could not be sent (a transport failure in the middle of a call).
    #[error("engine protocol error: {message}")]
    Protocol { message: String },
}

impl EngineError {
    /// Maps an HTTP status and the engine's message to a kind.
    pub fn from_status(status: u16, message: impl Into<String>) -> Self {
        let message = message.into();
        match status {
            404 => EngineError::NotFound { message },
            409 => EngineError::Conflict { message },
            304 => EngineError::NotModified { message },
            status => EngineError::Api { status, message },
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        EngineError::NotFound { message: message.into() }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        EngineError::Conflict { message: message.into() }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, EngineError::NotFound { .. })
    }

    pub fn is_conflict(&self) -> bool {
        matches!(self, EngineError::Conflict { .. })
    }

    pub fn is_denied(&self) -> bool {
        matches!(self, EngineError::Denied { .. })
    }

    pub fn is_unavailable(&self) -> bool {
        matches!(self, EngineError::Unavailable { .. } | EngineError::NoAnswer { .. } | EngineError::Lost { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_kinds() {
        assert!(EngineError::from_status(404, "No such container: x").is_not_found());
        assert!(EngineError::from_status(409, "name in use").is_conflict());
        assert_eq!(EngineError::from_status(304, "x"), EngineError::NotModified { message: "x".into() });
        assert_eq!(EngineError::from_status(500, "boom"), EngineError::Api { status: 500, message: "boom".into() });
    }

    #[test]
    fn unavailable_mentions_docker_host() {
        let e = EngineError::Unavailable { host: "unix:///var/run/docker.sock".into(), reason: "connection refused".into() };
        let text = e.to_string();
        assert!(text.contains("DOCKER_HOST"), "{text}");
        assert!(text.contains("unix:///var/run/docker.sock"), "{text}");
    }
}
