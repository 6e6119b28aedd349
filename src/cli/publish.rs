//! `rcompose publish`: Docker Compose's command that pushes the project as an OCI artifact.
//! rcompose does not build it yet; it refuses clearly rather than pretending.

use clap::Args;

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Where Docker Compose would publish the project (REPOSITORY[:TAG])
    pub repository: Option<String>,
    /// (Docker Compose's; accepted, refused with the command) Include the images the project
    /// uses
    #[arg(long)]
    pub app: bool,
    /// (Docker Compose's; accepted, refused with the command) OCI specification version
    #[arg(long, value_name = "VERSION")]
    pub oci_version: Option<String>,
    /// (Docker Compose's; accepted, refused with the command) Pin image tags to digests
    #[arg(long)]
    pub resolve_image_digests: bool,
    /// (Docker Compose's; accepted, refused with the command) Include environment variables
    #[arg(long)]
    pub with_env: bool,
    /// (Docker Compose's; accepted, refused with the command) Answer yes to every prompt
    #[arg(short, long)]
    pub yes: bool,
}

pub fn run(_args: PublishArgs) -> anyhow::Result<i32> {
    anyhow::bail!(
        "publish is not supported by rcompose yet: it cannot push a compose project as an OCI artifact; \
         push the images with `rcompose push` and share the compose files another way"
    )
}
