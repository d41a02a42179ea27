//! Reading passphrases: from a file's first line, from standard input (`-`), or typed at a
//! hidden prompt. Never from a command-line argument, where other users of the machine and the
//! shell's history would see it.

use std::io::{BufRead, IsTerminal};
use std::path::Path;

use anyhow::{Context, Result, bail};
use stapel_core::store::Secret;

pub enum PassphraseSource<'a> {
    File(&'a Path),
    Prompt,
}

/// Reads an existing passphrase.
pub fn read_passphrase(source: PassphraseSource<'_>, what: &str) -> Result<Secret> {
    match source {
        PassphraseSource::File(path) => from_file(path, what),
        PassphraseSource::Prompt => prompt(what),
    }
}

/// Reads a new passphrase: from the file when given, else typed twice at a prompt.
pub fn read_new_passphrase(file: Option<&Path>, what: &str) -> Result<Secret> {
    if let Some(path) = file {
        return from_file(path, what);
    }
    let first = prompt(what)?;
    let again = prompt(&format!("{what} again"))?;
    if first.expose() != again.expose() {
        bail!("the two {what}s differ");
    }
    Ok(first)
}

fn from_file(path: &Path, what: &str) -> Result<Secret> {
    let mut line = String::new();
    if path == Path::new("-") {
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .with_context(|| format!("cannot read the {what} from standard input"))?;
    } else {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read the {what} from {}", path.display()))?;
        line = text.lines().next().unwrap_or("").to_string();
    }
    let secret = line.trim_end_matches(['\r', '\n']).to_string();
    if secret.is_empty() {
        bail!("the {what} is empty");
    }
    Ok(Secret::new(secret))
}

fn prompt(what: &str) -> Result<Secret> {
    if !std::io::stdin().is_terminal() {
        bail!("this needs the {what}: give it with --passphrase-file FILE (or - for standard input)");
    }
    let typed = rpassword::prompt_password(format!("{what}: ")).with_context(|| format!("cannot read the {what}"))?;
    if typed.is_empty() {
        bail!("the {what} is empty");
    }
    Ok(Secret::new(typed))
}
