//! `up --watch` without `-d`: attached `up` runs exactly as without `--watch` (its logs from
//! the containers' start on), and the watcher runs beside it. Watching starts once `up` has
//! created the containers, as in Docker Compose (a sync also reaches containers not started
//! yet), and ends when `up` ends, whatever ended it (Ctrl-C, an abort, the containers' exit).
//! A watcher that fails to start stops `up`.

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{NoticeSink, WatchError, WatchOptions};
use crate::compose::{AttachEvent, AttachOptions, Attached, Compose, ComposeError, UpOptions};
use crate::model::Project;

/// How attached `up` ended, and how watching did.
pub struct UpWatched {
    pub up: Result<Attached, ComposeError>,
    pub watch: Result<(), WatchError>,
}

/// Runs attached `up` of `project` (what to show goes to `out`) and watches beside it.
pub async fn up_attached(
    compose: &Compose,
    project: &Project,
    up: &UpOptions,
    attach: &AttachOptions,
    opts: &WatchOptions,
    notices: NoticeSink,
    out: mpsc::Sender<AttachEvent>,
) -> UpWatched {
    let watching = Compose { cancel: compose.cancel.child_token(), ..compose.clone() };
    let created = CancellationToken::new();
    let (tx, rx) = mpsc::channel(256);
    let attached = async {
        let r = compose.up_attached(project, up, attach, tx).await;
        watching.cancel.cancel();
        r
    };
    let watcher = async {
        tokio::select! {
            () = created.cancelled() => {}
            () = watching.cancel.cancelled() => return Ok(()),
        }
        let r = super::run(&watching, project.clone(), opts, notices).await;
        if r.is_err() {
            compose.cancel.cancel();
        }
        r
    };
    let (up, (), watch) = tokio::join!(attached, forward(rx, out, created.clone()), watcher);
    UpWatched { up, watch }
}

/// Passes attached `up`'s events on, and fires `created` once it attaches (its containers
/// exist): watching may start.
async fn forward(mut rx: mpsc::Receiver<AttachEvent>, out: mpsc::Sender<AttachEvent>, created: CancellationToken) {
    while let Some(event) = rx.recv().await {
        if matches!(event, AttachEvent::Attaching(_)) {
            created.cancel();
        }
        let _ = out.send(event).await;
    }
}
