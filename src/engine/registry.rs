//! What the engine is given to log in to a registry on our behalf.

/// Credentials for one registry, as the docker CLI sends them to the engine (`X-Registry-Auth`
/// for a pull or push, one entry of `X-Registry-Config` for a build).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RegistryAuth {
    /// The registry, as the credential store names it (`127.0.0.1:5000`,
    /// `https://index.docker.io/v1/`).
    pub server_address: String,
    pub username: Option<String>,
    pub password: Option<String>,
    /// A token the registry issued at login (`identitytoken`), used instead of a password.
    pub identity_token: Option<String>,
}

/// Never prints the secrets.
impl std::fmt::Debug for RegistryAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryAuth")
            .field("server_address", &self.server_address)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("identity_token", &self.identity_token.as_ref().map(|_| "***"))
            .finish()
    }
}
