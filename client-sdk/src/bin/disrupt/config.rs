//! The optional config file, so the server and the API key need not be typed on every command (nor left in the
//! shell's history and the process list):
//!
//! ```toml
//! # ~/.config/disrupt/config.toml  (chmod 600: it holds a key)
//! server = "https://hotline.example"
//! api_key = "dk_..."
//! ```
//!
//! Only the top-level keys `server` and `api_key` are allowed (read with the `toml` crate, unknown keys refused), so
//! a typo is an error naming its line, never a silent fallback to the defaults.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::render::errln;

/// What the config file sets.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// `server`.
    pub server: Option<String>,
    /// `api_key`.
    pub api_key: Option<String>,
}

/// `$XDG_CONFIG_HOME/disrupt/config.toml`, else `~/.config/disrupt/config.toml`.
pub fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))?;
    Some(base.join("disrupt/config.toml"))
}

/// Reads the file named by `--config`/`DISRUPT_CONFIG_FILE` (which must exist), else the default one if it exists.
pub fn load(explicit: Option<&Path>) -> anyhow::Result<ConfigFile> {
    let path = match explicit {
        Some(path) => path.to_owned(),
        None => match default_path() {
            Some(path) if path.exists() => path,
            _ => return Ok(ConfigFile::default()),
        },
    };
    let text = std::fs::read_to_string(&path).with_context(|| format!("config file {}", path.display()))?;
    let config = parse(&text).with_context(|| format!("config file {}", path.display()))?;
    if config.api_key.is_some() {
        warn_if_readable_by_others(&path);
    }
    Ok(config)
}

fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        errln!("disrupt: warning: {} holds an API key and other users may read it; `chmod 600` it", path.display());
    }
}

/// Parses the file's text.
pub fn parse(text: &str) -> anyhow::Result<ConfigFile> {
    Ok(toml::from_str(text)?)
}
