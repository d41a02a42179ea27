//! `stapel identity`: the learner's own identities (email addresses, DIDs, web addresses),
//! kept in the wallet and matched by `verify` against a credential's recipient.

use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Subcommand, ValueEnum};
use stapel_core::store::IdentityKind;

use crate::Global;

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Kind {
    Email,
    Did,
    Url,
}

impl From<Kind> for IdentityKind {
    fn from(k: Kind) -> IdentityKind {
        match k {
            Kind::Email => IdentityKind::Email,
            Kind::Did => IdentityKind::Did,
            Kind::Url => IdentityKind::Url,
        }
    }
}

#[derive(Subcommand)]
pub(crate) enum IdentityAction {
    /// Add one of your identities (an email address, a DID, or an http(s) URL)
    Add { kind: Kind, value: String },
    /// List your identities
    List,
    /// Remove one of your identities
    Remove { kind: Kind, value: String },
}

pub(crate) fn run(g: &Global, action: IdentityAction) -> Result<ExitCode> {
    let mut wallet = crate::open(g)?;
    match action {
        IdentityAction::Add { kind, value } => {
            let kind = IdentityKind::from(kind);
            let added = wallet.add_identity(kind, &value, chrono::Utc::now())?;
            let value = stapel_core::store::normalize_identity(kind, &value)?;
            if g.json {
                println!("{}", serde_json::json!({"kind": kind, "value": value, "added": added}));
            } else if added {
                println!("added {} {value}", kind.as_str());
            } else {
                println!("{} {value} was already there", kind.as_str());
            }
        }
        IdentityAction::List => {
            let identities = wallet.identities()?;
            if g.json {
                println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "identities": identities }))?);
            } else if identities.is_empty() {
                println!("no identities (add one with: stapel identity add email|did|url VALUE)");
            } else {
                for i in &identities {
                    println!("{:<6} {}", i.kind.as_str(), i.value);
                }
            }
        }
        IdentityAction::Remove { kind, value } => {
            let kind = IdentityKind::from(kind);
            let shown = stapel_core::store::normalize_identity(kind, &value)?;
            if !wallet.remove_identity(kind, &value)? {
                bail!("{} {shown} is not one of your identities", kind.as_str());
            }
            if g.json {
                println!("{}", serde_json::json!({"kind": kind, "value": shown, "removed": true}));
            } else {
                println!("removed {} {shown}", kind.as_str());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
