//! The verification report: one entry per check, each with an outcome and a plain message,
//! and the overall result drawn from them.
//!
//! The two kinds of "no" stay apart: a check that ran and failed makes the credential
//! `invalid`; a check that could not run (offline, unknown context, unsupported suite or key
//! type) makes it `unverifiable`. Neither is ever shown as the other, nor as `verified`.

use serde::{Deserialize, Serialize};

/// The checks of the pipeline, in the order they are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckId {
    /// The document has the shape of a credential of a known format.
    Format,
    /// The signature (or every signature of a proof set) is correct.
    Proof,
    /// The verification method was resolved to a public key.
    Key,
    /// The key belongs to the issuer under the purpose the proof claims.
    IssuerBinding,
    /// The credential is valid at the time of checking (valid from, expires).
    Dates,
    /// The issuer has not revoked or suspended the credential.
    Status,
    /// The credential is about the learner.
    Recipient,
    /// The hosted copy still exists and matches (Open Badges 2.0 hosted verification).
    Hosted,
    /// The credential conforms to the schemas it names.
    Schema,
}

impl CheckId {
    /// Every check, in report order.
    pub const ALL: [CheckId; 9] = [
        CheckId::Format,
        CheckId::Proof,
        CheckId::Key,
        CheckId::IssuerBinding,
        CheckId::Dates,
        CheckId::Status,
        CheckId::Recipient,
        CheckId::Hosted,
        CheckId::Schema,
    ];

    /// The identifier used in reports (`issuer-binding`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            CheckId::Format => "format",
            CheckId::Proof => "proof",
            CheckId::Key => "key",
            CheckId::IssuerBinding => "issuer-binding",
            CheckId::Dates => "dates",
            CheckId::Status => "status",
            CheckId::Recipient => "recipient",
            CheckId::Hosted => "hosted",
            CheckId::Schema => "schema",
        }
    }
}

/// What became of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The check ran and the credential passed it.
    Passed,
    /// The check ran and the credential failed it.
    Failed,
    /// The check could not run: something it needs is missing or not supported.
    Unverifiable,
    /// The check does not apply to this credential.
    Skipped,
}

/// One check's entry in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub id: CheckId,
    pub outcome: Outcome,
    /// What was checked and what came of it, in plain words.
    pub message: String,
}

impl Check {
    pub fn new(id: CheckId, outcome: Outcome, message: impl Into<String>) -> Self {
        Check { id, outcome, message: message.into() }
    }
    pub fn passed(id: CheckId, message: impl Into<String>) -> Self {
        Check::new(id, Outcome::Passed, message)
    }
    pub fn failed(id: CheckId, message: impl Into<String>) -> Self {
        Check::new(id, Outcome::Failed, message)
    }
    pub fn unverifiable(id: CheckId, message: impl Into<String>) -> Self {
        Check::new(id, Outcome::Unverifiable, message)
    }
    pub fn skipped(id: CheckId, message: impl Into<String>) -> Self {
        Check::new(id, Outcome::Skipped, message)
    }
}

/// The overall result of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every applicable check passed.
    Verified,
    /// Some check ran and failed.
    Invalid,
    /// Nothing failed, but some check could not run.
    Unverifiable,
}

/// The report of one verification: the overall result and every check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub result: Verdict,
    pub checks: Vec<Check>,
}

impl Report {
    /// Draws the overall result from the checks: any failure makes the credential invalid;
    /// otherwise any check that could not run makes it unverifiable; a credential is verified
    /// only when at least one check passed and every applicable check passed.
    pub fn from_checks(checks: Vec<Check>) -> Report {
        let any = |o: Outcome| checks.iter().any(|c| c.outcome == o);
        let result = if any(Outcome::Failed) {
            Verdict::Invalid
        } else if any(Outcome::Unverifiable) || !any(Outcome::Passed) {
            Verdict::Unverifiable
        } else {
            Verdict::Verified
        };
        Report { result, checks }
    }

    /// The entry of one check, if the report has it.
    pub fn check(&self, id: CheckId) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// The outcome of one check; `Skipped` when the report does not have it.
    pub fn outcome(&self, id: CheckId) -> Outcome {
        self.check(id).map_or(Outcome::Skipped, |c| c.outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_failure_outweighs_checks_that_could_not_run() {
        let r = Report::from_checks(vec![
            Check::passed(CheckId::Format, "ok"),
            Check::unverifiable(CheckId::Key, "offline"),
            Check::failed(CheckId::Dates, "expired"),
        ]);
        assert_eq!(r.result, Verdict::Invalid);
    }

    #[test]
    fn a_check_that_could_not_run_is_never_shown_as_verified() {
        let r = Report::from_checks(vec![
            Check::passed(CheckId::Proof, "ok"),
            Check::unverifiable(CheckId::IssuerBinding, "key only in the credential"),
            Check::skipped(CheckId::Status, "none"),
        ]);
        assert_eq!(r.result, Verdict::Unverifiable);
    }

    #[test]
    fn skipped_checks_do_not_count_and_nothing_passed_is_not_verified() {
        let all_passed =
            Report::from_checks(vec![Check::passed(CheckId::Proof, "ok"), Check::skipped(CheckId::Status, "none")]);
        assert_eq!(all_passed.result, Verdict::Verified);
        let nothing = Report::from_checks(vec![Check::skipped(CheckId::Status, "none")]);
        assert_eq!(nothing.result, Verdict::Unverifiable);
    }

    #[test]
    fn the_report_serializes_as_result_and_checks() {
        let r = Report::from_checks(vec![Check::passed(CheckId::IssuerBinding, "bound")]);
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"result":"verified","checks":[{"id":"issuer-binding","outcome":"passed","message":"bound"}]})
        );
    }
}
