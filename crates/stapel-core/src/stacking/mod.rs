//! Stacking: the pathway files that say what a diploma, programme or personal goal asks for,
//! the matcher, and the progress a learner's credentials make towards one, counted in the
//! credit values [`crate::formats::credits`] reads (re-exported here as [`credits`]). The
//! format and every rule (unit table, precedence, matching) are documented in
//! `docs/pathways.md`. Pure: no clock (`now` is passed in), no network; which credentials
//! verified is decided by the verifier and handed in as an [`Eligibility`]. Stacking never
//! reads the store: progress from the wallet's credentials and stored verifications is
//! `wallet::progress`, and storing a personal goal `wallet::add_personal_goal`.

pub mod goal;
pub mod matcher;
pub mod pathway;
pub mod progress;

/// Credit values are a reading of the credential view, so they live in [`crate::formats`].
pub use crate::formats::credits;

pub use credits::{CreditBasis, CreditValue, DEFAULT_HOURS_PER_ECTS, credit_value};
pub use goal::{GoalRequest, GoalSkill, personal_goal};
pub use pathway::{AchievementRef, Group, LevelRequirement, Pathway, PathwayUnit, Target, parse_pathway};
pub use progress::{
    Counted, CredentialInput, Eligibility, Expiring, ExpiryCause, GroupKind, GroupProgress, IfVerified, MatchOptions,
    NotCounted, NotCountedReason, Progress, SearchReport, WouldCount, progress,
};

/// Everything that can go wrong reading a pathway or computing progress.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum StackingError {
    /// The file is not JSON, has a field of the wrong type, misses a field or has one the
    /// format does not know.
    #[error("{file}: {}{message}", field.as_ref().map(|f| format!("{f}: ")).unwrap_or_default())]
    Syntax { file: String, field: Option<String>, message: String },
    /// The file is well-formed but breaks a rule of the format.
    #[error("{file}: {field} {problem}")]
    Invalid { file: String, field: String, problem: String },
    /// Two credentials were handed in under one id, so neither could be counted reliably.
    #[error("the credential id '{0}' is given twice; every credential needs its own id")]
    DuplicateCredential(String),
    /// A credential was handed in as part of itself, through the containers above it.
    #[error(
        "the credential '{0}' is given as part of itself through its containers; a container cannot contain itself"
    )]
    ContainerCycle(String),
}
