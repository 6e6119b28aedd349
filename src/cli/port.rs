//! `rcompose port`: where a container port is published on the host.

use clap::Args;

use super::GlobalOptions;
use crate::output;
use crate::status;

#[derive(Debug, Args)]
pub struct PortArgs {
    pub service: String,
    pub private_port: u16,
    /// tcp or udp
    #[arg(long, default_value = "tcp", value_parser = ["tcp", "udp", "sctp"])]
    pub protocol: String,
    /// Index of the container if the service has several
    #[arg(long)]
    pub index: Option<u32>,
}

pub fn run(global: &GlobalOptions, args: PortArgs) -> anyhow::Result<i32> {
    let (name, _) = super::ps::target(global, std::slice::from_ref(&args.service))?;
    let address = status::block_on(async {
        let engine = status::connect().await?;
        status::port::port(&*engine, &name, &args.service, args.private_port, &args.protocol, args.index).await
    })?;
    output::stdout(&format!("{address}\n"));
    Ok(0)
}
