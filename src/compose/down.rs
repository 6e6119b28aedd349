//! `down`: everything the project made goes, found by its labels.

use std::collections::BTreeMap;

use super::{provider, Compose, ComposeError};
use crate::model::Project;
use crate::reconcile::observe::observe;
use crate::reconcile::plan::{self, Plan};

pub use crate::reconcile::plan::DownOptions;

impl Compose {
    /// Stops and removes the containers and networks of project `name` (and its volumes and
    /// images when asked). `project` is `None` when there is no compose file: then everything
    /// labelled for the project goes.
    pub async fn down(&self, name: &str, project: Option<&Project>, opts: &DownOptions) -> Result<Plan, ComposeError> {
        let _lock = self.lock(name).await?;
        let observed = observe(self.engine.as_ref(), name, project, &BTreeMap::new()).await?;
        let mut plan = plan::plan_down(name, project, &observed, opts);
        self.execute(name, &plan).await?;
        // Provider services have no container: their providers take down what they made, once
        // the dependents' containers are gone.
        if let Some(p) = project {
            let all = p.services.keys().cloned().collect();
            let (_, decisions) = self.run_providers(p, &all, provider::Command::Down).await?;
            plan.decisions.extend(decisions);
        }
        Ok(plan)
    }
}
