//! Journeys through the wallet with the `stapel` command: create, import, list, show, export,
//! remove, back up, restore, re-key.

use crate::support::{TestWallet, text, vector};

const OB3: &str = "1-ob3/1edtech-openbadges-specification/impl/extracted/linked-data-proof-ob.signed-credential.json";
const CLR: &str = "1-ob3/1edtech-openbadges-specification/impl/extracted/linked-data-proof-clr.signed-credential.json";
const BAKED_SVG: &str = "4-ob2/1edtech-openbadges-specification/ob_v2p0/extracted/baking-example-hosted-assertion.svg";

#[test]
fn an_imported_credential_is_listed_and_its_original_exports_byte_for_byte() {
    let w = TestWallet::new();
    let out = w.import(&vector(OB3));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("imported"), "{}", text(&out.stdout));
    let list = w.list();
    let items = list["credentials"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["format"], "vc-jsonld");
    assert!(!items[0]["title"].as_str().unwrap().is_empty());
    let id = items[0]["id"].as_str().unwrap();
    let exported = w.dir.path().join("out.json");
    let out = w.run(&["export", &id[..8], "--original", "-o", exported.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&exported).unwrap(), std::fs::read(vector(OB3)).unwrap());
}

#[test]
fn importing_the_same_credential_twice_says_already_in_wallet() {
    let w = TestWallet::new();
    assert!(w.import(&vector(OB3)).status.success());
    let out = w.import(&vector(OB3));
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("already in wallet"), "{}", text(&out.stdout));
    assert_eq!(w.ids().len(), 1);
}

#[test]
fn a_clr_is_stored_whole_with_each_nested_credential_as_its_child() {
    let w = TestWallet::new();
    let out = w.import(&vector(CLR));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let list = w.list();
    let items = list["credentials"].as_array().unwrap();
    assert_eq!(items.len(), 1, "nested credentials are not listed at the top level: {list}");
    let parent = &items[0];
    let out = w.run(&["list", "--nested", "--json"]);
    let all: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let children: Vec<_> =
        all["credentials"].as_array().unwrap().iter().filter(|c| c["parent"] == parent["id"]).collect();
    assert!(!children.is_empty(), "the CLR's nested credentials are listed with --nested: {all}");
    let out = w.run(&["show", parent["id"].as_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["children"].as_array().unwrap().len(), children.len());

    // One of its parts, imported on its own (the learner downloaded it apart): listed on its
    // own beside the CLR, and said to be imported, not "already in wallet".
    let child_id = children[0]["id"].as_str().unwrap();
    let file = w.dir.path().join("part.json");
    let out = w.run(&["export", child_id, "--original", "-o", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = w.import(&file);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(&format!("imported {}", &child_id[..12])), "{}", text(&out.stdout));
    let listed: Vec<String> =
        w.list()["credentials"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(listed.iter().any(|id| id == child_id));
    // Removing the CLR keeps the part the learner brought in.
    let out = w.run(&["remove", parent["id"].as_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(w.ids(), vec![child_id.to_string()]);
}

#[test]
fn global_options_are_accepted_after_the_subcommand() {
    let w = TestWallet::new();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stapel"))
        .args(["list", "--json", "--wallet"])
        .arg(&w.path)
        .arg("--passphrase-file")
        .arg(&w.passphrase_file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["credentials"], serde_json::json!([]));
}

#[test]
fn a_usage_error_exits_with_2() {
    let w = TestWallet::new();
    assert_eq!(w.run(&["list", "--no-such-option"]).status.code(), Some(2));
    assert_eq!(w.run(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn a_wrong_passphrase_is_one_clear_error_and_changes_nothing() {
    let w = TestWallet::new();
    assert!(w.import(&vector(OB3)).status.success());
    let before = std::fs::read(&w.path).unwrap();
    let wrong = w.dir.path().join("wrong");
    std::fs::write(&wrong, "not the passphrase\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stapel"))
        .arg("--wallet")
        .arg(&w.path)
        .arg("--passphrase-file")
        .arg(&wrong)
        .args(["import", vector(CLR).to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("passphrase"), "{stderr}");
    assert_eq!(std::fs::read(&w.path).unwrap(), before);
}

#[test]
fn the_passphrase_can_come_from_standard_input() {
    let w = TestWallet::new();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stapel"))
        .arg("--wallet")
        .arg(&w.path)
        .args(["--passphrase-file", "-", "list", "--json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(b"correct horse battery staple\n")?;
            c.wait_with_output()
        })
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn a_credential_is_imported_from_standard_input() {
    let w = TestWallet::new();
    let out = w.run_with_stdin(&["import", "-"], &std::fs::read(vector(OB3)).unwrap());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(w.ids().len(), 1);
}

#[test]
fn remove_takes_a_unique_prefix_and_removes_the_credential() {
    let w = TestWallet::new();
    assert!(w.import(&vector(OB3)).status.success());
    let id = w.ids().remove(0);
    let out = w.run(&["remove", &id[..6]]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(w.ids().is_empty());
    let out = w.run(&["show", &id[..6]]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_baked_svg_imports_with_its_original_kept() {
    let w = TestWallet::new();
    let out = w.import(&vector(BAKED_SVG));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let id = w.ids().remove(0);
    let out = w.run(&["export", &id, "--original", "-o", w.dir.path().join("b.svg").to_str().unwrap()]);
    assert!(out.status.success());
    assert_eq!(std::fs::read(w.dir.path().join("b.svg")).unwrap(), std::fs::read(vector(BAKED_SVG)).unwrap());
}

#[test]
fn a_backup_restores_into_a_new_wallet_with_the_same_content() {
    let w = TestWallet::new();
    assert!(w.import(&vector(OB3)).status.success());
    assert!(w.import(&vector(CLR)).status.success());
    let backup_pass = w.dir.path().join("backup-pass");
    std::fs::write(&backup_pass, "another long passphrase\n").unwrap();
    let backup = w.dir.path().join("wallet.backup");
    let out =
        w.run(&["backup", "-o", backup.to_str().unwrap(), "--backup-passphrase-file", backup_pass.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!std::fs::read(&backup).unwrap().windows(11).any(|w| w == b"credentials"), "the backup is encrypted");

    let restored = w.dir.path().join("restored.stapel");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stapel"))
        .arg("--wallet")
        .arg(&restored)
        .arg("--passphrase-file")
        .arg(&w.passphrase_file)
        .args([
            "restore",
            backup.to_str().unwrap(),
            "--backup-passphrase-file",
            backup_pass.to_str().unwrap(),
            "--passphrase",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("verified the 3 added: "), "{}", text(&out.stdout));
    let listed = |path: &std::path::Path| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_stapel"))
            .arg("--wallet")
            .arg(path)
            .arg("--passphrase-file")
            .arg(&w.passphrase_file)
            .args(["list", "--json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        let mut v = serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap();
        // The restore verifies what it added anew: the same results, checked later.
        for item in v["credentials"].as_array_mut().unwrap() {
            assert!(item["verification"]["checked_at"].is_string(), "{item}");
            item["verification"]["checked_at"] = serde_json::Value::Null;
        }
        v
    };
    assert_eq!(listed(&restored), listed(&w.path));
}

#[test]
fn a_backup_with_the_wrong_passphrase_restores_nothing() {
    let w = TestWallet::new();
    assert!(w.import(&vector(OB3)).status.success());
    let pass = w.dir.path().join("bp");
    std::fs::write(&pass, "backup passphrase one\n").unwrap();
    let backup = w.dir.path().join("w.backup");
    assert!(
        w.run(&["backup", "-o", backup.to_str().unwrap(), "--backup-passphrase-file", pass.to_str().unwrap()])
            .status
            .success()
    );
    std::fs::write(&pass, "backup passphrase two\n").unwrap();
    let target = w.dir.path().join("new.stapel");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stapel"))
        .arg("--wallet")
        .arg(&target)
        .arg("--passphrase-file")
        .arg(&w.passphrase_file)
        .args(["restore", backup.to_str().unwrap(), "--backup-passphrase-file", pass.to_str().unwrap(), "--passphrase"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(!target.exists(), "no wallet is left behind by a failed restore");
}

#[test]
fn passphrase_change_rekeys_the_wallet() {
    let w = TestWallet::new();
    assert!(w.import(&vector(OB3)).status.success());
    let new_pass = w.dir.path().join("new-pass");
    std::fs::write(&new_pass, "a brand new passphrase\n").unwrap();
    let out = w.run(&["passphrase", "change", "--new-passphrase-file", new_pass.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(w.run(&["list"]).status.code(), Some(1), "the old passphrase no longer opens it");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stapel"))
        .arg("--wallet")
        .arg(&w.path)
        .arg("--passphrase-file")
        .arg(&new_pass)
        .args(["list", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
}
