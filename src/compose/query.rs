//! The read-only queries (`ps`, `images`, `top`, `port`, `ls`, `logs`) as methods of the one
//! API, so that every command, reading or changing, goes through a [`Compose`] made by the
//! CLI's one entry (connection, Ctrl-C, output). What each query finds and how is in
//! [`crate::status`].

use tokio::sync::mpsc;

use super::{Compose, ComposeError};
use crate::engine::TopResult;
use crate::logs::{LogEvent, LogRequest};
use crate::status::stats::{StatsEntry, StatsOptions};
use crate::status::{self, images::ImageRow, ls::ProjectRow, ps::PsOptions, ps::PsRow, Scope};

impl Compose {
    /// `ps`: the containers of `scope`.
    pub async fn ps(&self, scope: &Scope, opts: &PsOptions) -> Result<Vec<PsRow>, ComposeError> {
        Ok(status::ps::ps(&*self.engine, scope, opts).await?)
    }

    /// `images`: the images the containers of `scope` run.
    pub async fn images(&self, scope: &Scope) -> Result<Vec<ImageRow>, ComposeError> {
        Ok(status::images::images(&*self.engine, scope).await?)
    }

    /// `top`: the processes of each running container of `scope`, by container name.
    pub async fn top(&self, scope: &Scope) -> Result<Vec<(String, TopResult)>, ComposeError> {
        Ok(status::top::top(&*self.engine, scope).await?)
    }

    /// `port`: `ip:port` on the host for `private_port/protocol` of a container of `service`.
    pub async fn port(
        &self,
        project: &str,
        service: &str,
        private_port: u16,
        protocol: &str,
        index: Option<u32>,
    ) -> Result<String, ComposeError> {
        Ok(status::port::port(&*self.engine, project, service, private_port, protocol, index).await?)
    }

    /// `ls`: the compose projects on the engine (running ones unless `all`), or only `name`.
    pub async fn ls(&self, all: bool, name: Option<&str>) -> Result<Vec<ProjectRow>, ComposeError> {
        Ok(status::ls::ls(&*self.engine, all, name).await?)
    }

    /// `logs`: the output of the containers of `scope` (only the one numbered `index`, if
    /// given) sent to `out` until done or cancelled (Ctrl-C). Returns once every event is sent.
    pub async fn logs(
        &self,
        scope: &Scope,
        index: Option<u32>,
        request: LogRequest,
        out: mpsc::Sender<LogEvent>,
    ) -> Result<(), ComposeError> {
        let cancel = self.cancel.clone();
        Ok(status::logs(self.engine.clone(), scope, index, request, out, cancel.cancelled_owned()).await?)
    }

    /// `stats --no-stream`: one sample of each container `opts` selects.
    pub async fn stats(&self, opts: &StatsOptions) -> Result<Vec<StatsEntry>, ComposeError> {
        Ok(status::stats::once(&*self.engine, opts).await?)
    }

    /// `stats`: the figures of the containers `opts` selects, sent to `out` every half second
    /// until cancelled (Ctrl-C) or `out` is closed.
    pub async fn stats_follow(&self, opts: &StatsOptions, out: mpsc::Sender<Vec<StatsEntry>>) -> Result<(), ComposeError> {
        let cancel = self.cancel.clone();
        Ok(status::stats::follow(self.engine.clone(), opts, out, cancel.cancelled_owned()).await?)
    }
}
