//! `stapel-bench wallet PATH N PASSPHRASE-FILE`: a passphrase-protected wallet at PATH holding
//! the first N generated credentials (the store benchmark's), for `scripts/bench app` to open in
//! the real app. Made with the core's own create and import, as the app and the CLI make them.

use std::path::Path;
use std::time::Instant;

use stapel_core::net::Offline;
use stapel_core::store::{KdfParams, Protection, Secret, Wallet};
use stapel_core::wallet::import::{self, Input};

use crate::generate;

pub fn run(path: &Path, n: usize, passphrase_file: &Path) -> Result<(), String> {
    let passphrase = std::fs::read_to_string(passphrase_file)
        .map_err(|e| format!("the passphrase file {} could not be read: {e}", passphrase_file.display()))?;
    let passphrase = passphrase.trim_end_matches(['\n', '\r']).to_string();
    if path.exists() {
        return Err(format!("{} exists already; the benchmark fills only a new wallet", path.display()));
    }
    let started = Instant::now();
    let mut wallet = Wallet::create(path, Protection::Passphrase(Secret::new(passphrase)), KdfParams::default())
        .map_err(|e| format!("the wallet {} could not be created: {e}", path.display()))?;
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z").map_err(|e| e.to_string())?.to_utc();
    for i in 0..n {
        import::import_one(&mut wallet, &Input::Stdin(generate::credential(i)), &Offline, now)
            .map_err(|e| format!("generated credential {i} did not import: {e}"))?;
    }
    println!("wallet: {n} generated credentials in {} ({:.1} s)", path.display(), started.elapsed().as_secs_f64());
    Ok(())
}
