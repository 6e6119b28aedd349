//! How long rcompose waits for an engine that stopped answering.
//!
//! An engine that is restarted or killed closes its connections: calls fail at once. One that
//! hangs (frozen, overloaded, its socket proxied to nowhere) keeps them open and silent, and
//! bollard's own timeout is the 30 minutes a slow `stop` may need. So every call that should
//! answer promptly is bounded by the answer timeout (`RCOMPOSE_ENGINE_TIMEOUT` seconds, 60 by
//! default; a `stop` gets its grace period on top), and a stream that may rightly stay silent
//! (`logs -f`, events) pings the engine whenever it has been quiet for a while: an unanswered
//! ping ends the stream with an error naming what was being followed.

use std::future::Future;
use std::time::Duration;

use futures_util::{FutureExt, StreamExt};

use super::DockerEngine;
use crate::engine::{EngineError, EngineFuture, EngineResult, EngineStream};

/// The answer timeout: `RCOMPOSE_ENGINE_TIMEOUT` seconds, else 60.
pub(super) fn answer_timeout() -> Duration {
    static TIMEOUT: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();
    *TIMEOUT.get_or_init(|| {
        let secs = std::env::var("RCOMPOSE_ENGINE_TIMEOUT").ok().and_then(|s| s.trim().parse::<u64>().ok()).filter(|s| *s > 0);
        Duration::from_secs(secs.unwrap_or(60))
    })
}

/// The error for an engine that gave no answer in `waited` to `what`.
fn no_answer(host: &str, what: &str, waited: Duration) -> EngineError {
    EngineError::NoAnswer { host: host.to_string(), what: what.to_string(), seconds: waited.as_secs() }
}

/// `call` bounded by `limit`.
pub(super) fn bounded<'a, T: Send + 'a>(
    e: &'a DockerEngine,
    what: &'static str,
    limit: Duration,
    call: impl Future<Output = EngineResult<T>> + Send + 'a,
) -> EngineFuture<'a, T> {
    async move { tokio::time::timeout(limit, call).await.unwrap_or_else(|_| Err(no_answer(&e.host, what, limit))) }.boxed()
}

/// `stream`, ended by an error when the engine stops answering or goes away while it is being
/// read. `what` says what the stream is (`following the logs of container x`).
pub(super) fn watched<'a, T: Send + 'a>(e: &'a DockerEngine, what: String, stream: EngineStream<'a, T>) -> EngineStream<'a, T> {
    let limit = answer_timeout();
    // Quiet for this long, the engine is asked whether it is still there.
    let quiet = (limit / 2).clamp(Duration::from_secs(1), Duration::from_secs(15));
    futures_util::stream::unfold(Some(stream), move |state| {
        let what = what.clone();
        async move {
            let mut stream = state?;
            loop {
                tokio::select! {
                    item = stream.next() => {
                        return match item {
                            None => None,
                            // A connection cut in the middle (the engine stopped or restarted).
                            Some(Err(EngineError::Protocol { message })) | Some(Err(EngineError::Unavailable { reason: message, .. })) => {
                                Some((Err(EngineError::Lost { host: e.host.clone(), what, reason: message }), None))
                            }
                            Some(item) => Some((item, Some(stream))),
                        };
                    }
                    _ = tokio::time::sleep(quiet) => {
                        let ping = tokio::time::timeout(limit, e.docker.ping()).await;
                        match ping {
                            Ok(Ok(_)) => continue,
                            Ok(Err(err)) => {
                                let reason = e.err(err).to_string();
                                return Some((Err(EngineError::Lost { host: e.host.clone(), what, reason }), None));
                            }
                            Err(_) => return Some((Err(no_answer(&e.host, &what, limit)), None)),
                        }
                    }
                }
            }
        }
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_engine_what_was_done_and_the_variable() {
        let e = no_answer("unix:///x.sock", "following the logs of container web-1", Duration::from_secs(60));
        let text = e.to_string();
        assert!(text.contains("unix:///x.sock") && text.contains("following the logs of container web-1"), "{text}");
        assert!(text.contains("no answer in 60 s") && text.contains("RCOMPOSE_ENGINE_TIMEOUT"), "{text}");
        assert!(e.is_unavailable());
    }
}
