//! The `recipient` check: the credential is about the learner, by one of the identities the
//! learner gave (an email address, a DID, a name): the subject's `id`, or an Open Badges 3.0
//! `identifier` (IdentityObject), plain or hashed (`sha256$` + hex of SHA-256 of the identity
//! followed by the salt).

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::report::{Check, CheckId};

pub(crate) fn check(doc: &Value, identities: &[String]) -> Check {
    let id = CheckId::Recipient;
    if identities.is_empty() {
        return Check::skipped(id, "no learner identities were given to compare with");
    }
    let subjects: Vec<&Value> = match doc.get("credentialSubject") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one) => vec![one],
        None => vec![],
    };
    let mut named_any = false;
    let mut unsupported = Vec::new();
    for subject in subjects {
        if let Some(subject_id) = subject.get("id").and_then(Value::as_str) {
            named_any = true;
            if let Some(who) = identities.iter().find(|i| same_identity(i, subject_id)) {
                return Check::passed(id, format!("the credential is about {who}"));
            }
        }
        let objects: Vec<&Value> = match subject.get("identifier") {
            Some(Value::Array(list)) => list.iter().collect(),
            Some(one @ Value::Object(_)) => vec![one],
            _ => vec![],
        };
        for object in objects {
            let Some(hash) = object.get("identityHash").and_then(Value::as_str) else { continue };
            named_any = true;
            let hashed = object.get("hashed").and_then(Value::as_bool).unwrap_or(false);
            let salt = object.get("salt").and_then(Value::as_str).unwrap_or_default();
            match match_any(hash, hashed, salt, identities) {
                Err(alg) => unsupported.push(alg),
                Ok(Some(who)) => return Check::passed(id, format!("the credential is about {who}")),
                Ok(None) => {}
            }
        }
    }
    if !unsupported.is_empty() {
        return Check::unverifiable(
            id,
            format!("the recipient is hashed with {}, which is not supported", unsupported.join(", ")),
        );
    }
    if !named_any {
        return Check::skipped(id, "the credential does not name its recipient");
    }
    Check::failed(id, "the credential names a recipient who is none of the identities given")
}

/// The Open Badges 2.0 `recipient` object (`identity`, `hashed`, `salt`).
pub(crate) fn check_ob2(recipient: Option<&Value>, identities: &[String]) -> Check {
    let id = CheckId::Recipient;
    if identities.is_empty() {
        return Check::skipped(id, "no learner identities were given to compare with");
    }
    let Some(claim) = recipient.and_then(|r| r.get("identity")).and_then(Value::as_str) else {
        return Check::failed(id, "the badge names no recipient");
    };
    let r = recipient.unwrap_or(&Value::Null);
    let hashed = r.get("hashed").and_then(Value::as_bool).unwrap_or(false);
    let salt = r.get("salt").and_then(Value::as_str).unwrap_or_default();
    match match_any(claim, hashed, salt, identities) {
        Ok(Some(who)) => Check::passed(id, format!("the badge was awarded to {who}")),
        Ok(None) => Check::failed(id, "the badge was awarded to someone who is none of the identities given"),
        Err(alg) => Check::unverifiable(id, format!("the recipient is hashed with {alg}, which is not supported")),
    }
}

/// Which of `identities` a recipient claim names: `Err(algorithm)` for hashes not supported.
fn match_any<'a>(
    claim: &str,
    hashed: bool,
    salt: &str,
    identities: &'a [String],
) -> Result<Option<&'a String>, String> {
    if !hashed {
        return Ok(identities.iter().find(|i| same_identity(i, claim)));
    }
    let Some((_, digest)) = claim.split_once('$').filter(|(alg, _)| alg.eq_ignore_ascii_case("sha256")) else {
        return Err(claim.split('$').next().unwrap_or(claim).to_string());
    };
    let hash = |s: &str| hex::encode(Sha256::digest(format!("{s}{salt}").as_bytes()));
    Ok(identities
        .iter()
        .find(|i| hash(i).eq_ignore_ascii_case(digest) || hash(&i.to_lowercase()).eq_ignore_ascii_case(digest)))
}

/// Identities compare exactly, except email addresses (case-insensitive, `mailto:` optional).
fn same_identity(mine: &str, theirs: &str) -> bool {
    let email = |s: &str| s.strip_prefix("mailto:").unwrap_or(s).to_string();
    let (a, b) = (email(mine), email(theirs));
    if a.contains('@') && b.contains('@') && !a.starts_with("did:") {
        a.eq_ignore_ascii_case(&b)
    } else if mine.starts_with("did:") && theirs.starts_with("did:") {
        // A key DID written another way (a did:jwk's members in another order) is the same key.
        super::did::same_key(mine, theirs)
    } else {
        mine == theirs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::report::Outcome;
    use serde_json::json;

    #[test]
    fn a_hashed_email_matches_the_learner_and_nobody_else() {
        let salt = "deadsea";
        let digest = hex::encode(Sha256::digest(format!("learner@example.org{salt}").as_bytes()));
        let doc = json!({"credentialSubject": {"identifier": [{"type": "IdentityObject", "identityType": "emailAddress",
            "hashed": true, "salt": salt, "identityHash": format!("sha256${digest}")}]}});
        assert_eq!(check(&doc, &["Learner@Example.org".into()]).outcome, Outcome::Passed);
        assert_eq!(check(&doc, &["other@example.org".into()]).outcome, Outcome::Failed);
        assert_eq!(check(&doc, &[]).outcome, Outcome::Skipped);
    }

    #[test]
    fn an_unknown_hash_is_unverifiable_and_no_named_recipient_is_skipped() {
        let doc = json!({"credentialSubject": {"identifier": {"hashed": true, "identityHash": "md5$abc"}}});
        assert_eq!(check(&doc, &["a@b.c".into()]).outcome, Outcome::Unverifiable);
        assert_eq!(check(&json!({"credentialSubject": {}}), &["a@b.c".into()]).outcome, Outcome::Skipped);
    }
}
