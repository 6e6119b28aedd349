//! Writers that reproduce, byte for byte, what Docker Compose's Go code prints.
//!
//! Why they exist: Docker Compose is written in Go, and some of what it writes is read back
//! by machines or compared by people. Its config hash (`com.docker.compose.config-hash`) is a
//! digest of JSON as Go's `encoding/json` writes it, so a container created by either tool is
//! recognised as up to date by the other only if the bytes are the same; `config` output is
//! diffed against Docker Compose's and read back by YAML 1.1 readers; `ps`, `ls` and
//! `images` tables are laid out by Go's `text/tabwriter`, and scripts parse them. Rust's
//! crates write correct JSON, YAML and tables, but not Go's: different escaping (`\u0026`),
//! number forms, quoting (`"no"`), column padding. Each writer here does one of those things
//! as Go does, is tested against Go's output, and is the only place the project does it.
//!
//! - [`json`] — `encoding/json` (`Marshal`, `MarshalIndent`): HTML escaping, number forms.
//! - [`yaml`] — `gopkg.in/yaml.v3` as `config` uses it, quoting what a YAML 1.1 reader retypes.
//! - [`tabwriter`] — `text/tabwriter` with Docker's settings.
//! - [`template`] — `--format` Go templates with the docker CLI's functions and `table`.
//! - [`quote`] — `strconv.Quote`.
//! - [`path`] — `path/filepath.Clean`.
//! - [`units`] — Docker's `go-units` sizes (`1.98MB`, `320KiB`) with Go's `%g`.
//! - [`time`] — `time.Duration` and `time.Time` as text, and Docker's human durations.
//! - [`units`] — `go-units` sizes (`1.98MB`).

pub mod json;
pub mod path;
pub mod quote;
pub mod tabwriter;
pub mod template;
pub mod time;
pub mod units;
pub mod yaml;
