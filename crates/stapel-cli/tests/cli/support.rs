//! Running the built `stapel` binary against a wallet in a temporary folder.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub use stapel_testkit::{Reply, Server, vector};

/// A wallet protected by a passphrase, in its own temporary folder.
pub struct TestWallet {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
    pub passphrase_file: PathBuf,
}

impl TestWallet {
    pub fn new() -> TestWallet {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wallet.stapel");
        let passphrase_file = dir.path().join("passphrase");
        std::fs::write(&passphrase_file, "correct horse battery staple\n").unwrap();
        let w = TestWallet { dir, path, passphrase_file };
        let out = w.run(&["init", "--passphrase"]);
        assert!(out.status.success(), "init failed: {}", text(&out.stderr));
        w
    }

    pub fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_stapel"));
        cmd.arg("--wallet").arg(&self.path).arg("--passphrase-file").arg(&self.passphrase_file);
        cmd.env("STAPEL_ALLOW_LOOPBACK_HTTP", "1").env("STAPEL_HTTP_TIMEOUT", "2");
        cmd.env_remove("STAPEL_WALLET").env_remove("STAPEL_PASSPHRASE_FILE");
        cmd.stdin(Stdio::null());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().unwrap()
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: &[u8]) -> Output {
        let mut child = self
            .command()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        child.wait_with_output().unwrap()
    }

    pub fn import(&self, path: &Path) -> Output {
        self.run(&["import", path.to_str().unwrap()])
    }

    /// `stapel list --json`, parsed.
    pub fn list(&self) -> serde_json::Value {
        let out = self.run(&["list", "--json"]);
        assert!(out.status.success(), "list failed: {}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    pub fn ids(&self) -> Vec<String> {
        self.list()["credentials"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect()
    }

    /// The wallet file's bytes and its listing: what "unchanged" is measured by.
    pub fn snapshot(&self) -> (Vec<u8>, serde_json::Value) {
        (std::fs::read(&self.path).unwrap(), self.list())
    }

    /// Opens the wallet with the core library and runs SQLite's integrity check.
    pub fn integrity_ok(&self) {
        let secret = stapel_core::store::Secret::new("correct horse battery staple".to_string());
        let wallet =
            stapel_core::store::Wallet::open(&self.path, stapel_core::store::Unlock::Passphrase(secret)).unwrap();
        wallet.integrity_check().unwrap();
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
