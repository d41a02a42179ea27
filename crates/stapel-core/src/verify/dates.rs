//! The `dates` check: the credential is valid at `now` (its start has come, its end has not).
//!
//! VC 2.0 names them `validFrom`/`validUntil`, VC 1.1 `issuanceDate`/`expirationDate`.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::report::{Check, CheckId};

fn date(doc: &Value, field: &str) -> Option<Result<DateTime<Utc>, String>> {
    let value = doc.get(field)?;
    Some(match value.as_str() {
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|_| format!("{field} \"{text}\" is not a valid date and time")),
        None => Err(format!("{field} is not a date and time")),
    })
}

/// Checks the validity period against `now`.
pub(crate) fn check(doc: &Value, now: DateTime<Utc>) -> Check {
    let id = CheckId::Dates;
    let mut said = Vec::new();
    for field in ["validFrom", "issuanceDate"] {
        match date(doc, field) {
            None => {}
            Some(Err(e)) => return Check::failed(id, e),
            Some(Ok(start)) if start > now => {
                return Check::failed(
                    id,
                    format!("the credential is not valid yet: {field} is {}", start.to_rfc3339()),
                );
            }
            Some(Ok(start)) => said.push(format!("valid from {}", start.format("%Y-%m-%d"))),
        }
    }
    for field in ["validUntil", "expirationDate"] {
        match date(doc, field) {
            None => {}
            Some(Err(e)) => return Check::failed(id, e),
            Some(Ok(end)) if end <= now => {
                return Check::failed(id, format!("the credential expired on {} ({field})", end.format("%Y-%m-%d")));
            }
            Some(Ok(end)) => said.push(format!("valid until {}", end.format("%Y-%m-%d"))),
        }
    }
    if said.is_empty() {
        return Check::skipped(id, "the credential names no validity period");
    }
    said.dedup();
    if !said.iter().any(|s| s.starts_with("valid until")) {
        said.push("it does not expire".into());
    }
    Check::passed(id, said.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::report::Outcome;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z").unwrap().with_timezone(&Utc)
    }

    #[test]
    fn an_expired_credential_fails_and_says_when_it_expired() {
        let c = check(&json!({"validFrom": "2020-01-01T00:00:00Z", "validUntil": "2021-01-01T00:00:00Z"}), now());
        assert_eq!(c.outcome, Outcome::Failed);
        assert!(c.message.contains("2021-01-01"), "{}", c.message);
    }

    #[test]
    fn a_credential_from_the_future_is_not_valid_yet() {
        let c = check(&json!({"issuanceDate": "2099-01-01T00:00:00Z"}), now());
        assert_eq!(c.outcome, Outcome::Failed);
        assert!(c.message.contains("not valid yet"));
    }

    #[test]
    fn a_current_credential_passes_and_a_garbled_date_fails() {
        assert_eq!(check(&json!({"validFrom": "2020-01-01T00:00:00Z"}), now()).outcome, Outcome::Passed);
        assert_eq!(check(&json!({"validFrom": "yesterday"}), now()).outcome, Outcome::Failed);
        assert_eq!(check(&json!({}), now()).outcome, Outcome::Skipped);
    }
}
