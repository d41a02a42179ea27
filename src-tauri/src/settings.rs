//! The app's own settings: language and how long the wallet stays open when left alone. They
//! are kept in a small JSON file outside the wallet (nothing in them is secret, and the
//! language is needed before the wallet is unlocked). A missing file gives the defaults; a
//! damaged one gives the defaults and a plain message, and is replaced at the next save.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::CommandError;

/// The file's name in its folder.
pub const FILE_NAME: &str = "stapel-settings.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Settings {
    /// `en` or `nl`; `None` follows the system's language.
    pub language: Option<String>,
    /// Lock the wallet after this many minutes without input; 0 never locks.
    pub lock_after_minutes: u32,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings { language: None, lock_after_minutes: 10 }
    }
}

/// The settings read, and what went wrong reading them, if anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Loaded {
    pub settings: Settings,
    /// A plain sentence when the file could not be used and the defaults stand in.
    pub notice: Option<String>,
}

const LANGUAGES: [&str; 2] = ["en", "nl"];
const MAX_LOCK_MINUTES: u32 = 24 * 60;

impl Settings {
    /// Refuses values the app cannot honour.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(l) = &self.language
            && !LANGUAGES.contains(&l.as_str())
        {
            return Err(format!("the language {l:?} is not one the app has: use en or nl"));
        }
        if self.lock_after_minutes > MAX_LOCK_MINUTES {
            return Err(format!("locking after {} minutes is longer than a day", self.lock_after_minutes));
        }
        Ok(())
    }
}

/// Where the settings file is: beside the wallet when `STAPEL_WALLET` names it (so a wallet
/// used for tests or kept on a stick brings its own), else in the app's config folder.
pub fn settings_path(wallet_env: Option<&Path>, config_dir: Option<PathBuf>) -> Option<PathBuf> {
    match wallet_env.and_then(Path::parent) {
        Some(dir) => Some(dir.join(FILE_NAME)),
        None => config_dir.map(|d| d.join(FILE_NAME)),
    }
}

/// Reads the settings; never fails.
pub fn load(path: Option<&Path>) -> Loaded {
    let Some(path) = path else {
        return Loaded { settings: Settings::default(), notice: None };
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Loaded { settings: Settings::default(), notice: None };
        }
        Err(e) => {
            return Loaded {
                settings: Settings::default(),
                notice: Some(format!(
                    "the settings file {} could not be read ({e}): the defaults are used",
                    path.display()
                )),
            };
        }
    };
    let parsed =
        serde_json::from_str::<Settings>(&text).map_err(|e| e.to_string()).and_then(|s| s.validate().map(|()| s));
    match parsed {
        Ok(settings) => Loaded { settings, notice: None },
        Err(reason) => Loaded {
            settings: Settings::default(),
            notice: Some(format!("the settings file {} is damaged ({reason}): the defaults are used", path.display())),
        },
    }
}

/// Writes the settings (to a temporary file first, then renamed over the old one).
pub fn save(path: Option<&Path>, settings: &Settings) -> Result<(), CommandError> {
    settings.validate().map_err(|m| CommandError::new("invalid_argument", m))?;
    let path = path.ok_or_else(|| CommandError::new("no_settings_path", "no place for the settings file was found"))?;
    let io = |e: std::io::Error| {
        CommandError::new("io", format!("could not write the settings file {}: {e}", path.display()))
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = path.with_extension("json.tmp");
    let text = serde_json::to_string_pretty(settings).map_err(|e| CommandError::new("internal", e.to_string()))?;
    std::fs::write(&tmp, text).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}
