//! Image registries as the docker CLI sees them: which registry an image reference names
//! (`reference`), and the credentials `docker login` stored for it (`credentials`). Nothing
//! here talks to a registry: the engine does, with what this module finds.

mod credentials;
mod reference;

pub use credentials::{broken_config_warning, docker_config_dir, CredentialError, Credentials};
pub use reference::{hostname, login_command, Reference, DOCKER_HUB, DOCKER_HUB_KEY};
