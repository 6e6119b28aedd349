//! `rcompose port`: where a container port is published on the host.

use clap::Args;

use super::{session, GlobalOptions};
use crate::output;

#[derive(Debug, Args)]
pub struct PortArgs {
    /// The service whose container to look at
    pub service: String,
    /// The port inside the container (as in `ports:`, the part after the colon)
    pub private_port: String,
    /// Protocol of the private port
    #[arg(long, default_value = "tcp", value_parser = ["tcp", "udp", "sctp"])]
    pub protocol: String,
    /// Index of the container if the service has several
    #[arg(long)]
    pub index: Option<u32>,
    /// Arguments after the port: Docker Compose ignores them, so do we (with a warning)
    #[arg(hide = true)]
    pub extra: Vec<String>,
}

pub fn run(global: &GlobalOptions, args: PortArgs) -> anyhow::Result<i32> {
    // Checked here, not by the parser: Docker Compose exits 1 on a bad port, not 16.
    let private_port: u16 = args
        .private_port
        .parse()
        .map_err(|_| anyhow::anyhow!("invalid port {:?}: expected a number from 0 to 65535", args.private_port))?;
    if !args.extra.is_empty() {
        output::warn(&format!("ignoring extra arguments: {}", args.extra.join(" ")));
    }
    let (name, _) = session::project_or_name(global, std::slice::from_ref(&args.service))?;
    let address =
        session::call(global, false, |c| async move { c.port(&name, &args.service, private_port, &args.protocol, args.index).await })?;
    output::stdout(&format!("{address}\n"));
    Ok(0)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::cli::{Cli, Command};

    #[test]
    fn arguments_after_the_port_are_accepted_as_docker_compose_accepts_them() {
        let cli = Cli::try_parse_from(["rcompose", "port", "web", "80", "extra"]).unwrap();
        let Command::Port(args) = cli.command else { panic!("not port: {:?}", cli.command) };
        assert_eq!((args.private_port.as_str(), args.extra), ("80", vec!["extra".to_string()]));
    }
}
