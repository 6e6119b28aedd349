//! `rcompose scale`: set how many containers services run, creating or removing containers
//! through the same plan as `up -d --scale SERVICE=N` (dependencies included unless
//! `--no-deps`), as Docker Compose's `scale` does.

use std::collections::BTreeMap;

use clap::Args;

use super::{session, GlobalOptions};
use crate::compose::UpOptions;
use crate::reconcile::plan;

#[derive(Debug, Args)]
pub struct ScaleArgs {
    /// How many containers each service runs, as SERVICE=REPLICAS (`web=3 worker=0`)
    #[arg(required = true, value_name = "SERVICE=REPLICAS")]
    pub replicas: Vec<String>,
    /// Leave the services' dependencies alone (don't create or start them)
    #[arg(long)]
    pub no_deps: bool,
}

pub fn run(global: &GlobalOptions, args: ScaleArgs) -> anyhow::Result<i32> {
    let scale = parse(&args.replicas)?;
    let services: Vec<String> = scale.keys().cloned().collect();
    let project = session::project(global, &services)?;
    if let Some(unknown) = services.iter().find(|s| !project.services.contains_key(*s)) {
        anyhow::bail!("no such service: {unknown}");
    }
    let opts = UpOptions {
        services: services.clone(),
        no_deps: args.no_deps,
        converge: plan::UpOptions { named: services.iter().cloned().collect(), scale, ..Default::default() },
        ..Default::default()
    };
    session::run(global, |c| async move { c.up(&project, &opts).await })
}

/// `SERVICE=REPLICAS` arguments, refused as Docker Compose refuses them; a service named twice
/// takes the last number.
fn parse(args: &[String]) -> anyhow::Result<BTreeMap<String, u32>> {
    let mut scale = BTreeMap::new();
    for arg in args {
        let (service, n) = match arg.split_once('=') {
            Some((s, n)) if !s.is_empty() && !n.is_empty() => (s, n),
            _ => anyhow::bail!("invalid scale specifier: {arg}"),
        };
        let n = n.parse::<u32>().map_err(|_| anyhow::anyhow!("invalid scale specifier: can't parse replica value as int: {arg}"))?;
        scale.insert(service.to_string(), n);
    }
    Ok(scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replicas_are_read_as_docker_compose_reads_them() {
        let args = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(parse(&args(&["web=3", "db=0", "web=2"])).unwrap(), [("db".to_string(), 0), ("web".to_string(), 2)].into());
        assert_eq!(parse(&args(&["web"])).unwrap_err().to_string(), "invalid scale specifier: web");
        assert_eq!(parse(&args(&["=3"])).unwrap_err().to_string(), "invalid scale specifier: =3");
        assert_eq!(parse(&args(&["web="])).unwrap_err().to_string(), "invalid scale specifier: web=");
        assert_eq!(parse(&args(&["web=x"])).unwrap_err().to_string(), "invalid scale specifier: can't parse replica value as int: web=x");
    }
}
