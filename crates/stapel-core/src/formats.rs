//! Detection and parsing of every credential format a learner holds (Open Badges 2.0 hosted
//! and signed assertions, Open Badges 3.0 / W3C Verifiable Credentials as JSON-LD and as JWT,
//! CLR 2.0, badges baked into PNG and SVG, the SURF edubadges extensions) into one normalized
//! [`Credential`] view. Parsing is pure: no network, no clock. The original bytes are never
//! changed; unknown fields stay in the original and are never dropped from it.

use serde::{Deserialize, Serialize};

/// The format a credential arrived in, as detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Open Badges 2.0 assertion as JSON (hosted verification).
    Ob2Hosted,
    /// Open Badges 2.0 signed assertion (compact JWS).
    Ob2Signed,
    /// Open Badges 3.0 / W3C VC as JSON-LD, with or without an embedded proof.
    VcJsonLd,
    /// VC-JWT: a JWT with a `vc` claim (VCDM 1.1).
    VcJwt,
    /// VCDM 2.0 secured with JOSE: the JWT payload is the credential itself.
    VcJose,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Ob2Hosted => "ob2-hosted",
            Format::Ob2Signed => "ob2-signed",
            Format::VcJsonLd => "vc-jsonld",
            Format::VcJwt => "vc-jwt",
            Format::VcJose => "vc-jose",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        [Format::Ob2Hosted, Format::Ob2Signed, Format::VcJsonLd, Format::VcJwt, Format::VcJose]
            .into_iter()
            .find(|f| f.as_str() == s)
    }
}

/// How the credential was wrapped when it arrived (a badge baked into an image, or bare).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Wrapping {
    Bare,
    BakedPng,
    BakedSvg,
}

/// The normalized view of one credential: what learners and employers look for, the same
/// shape whatever the format. Dates are RFC 3339 in UTC where the source gave a parseable
/// date; the source's own spelling stays in the original.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Credential {
    /// The credential's own id as issued (assertion id, VC `id`, JWT `jti`), if any.
    pub id: Option<String>,
    /// Its types as issued (`Assertion`, `OpenBadgeCredential`, `ClrCredential`, ...).
    pub types: Vec<String>,
    pub title: String,
    pub description: Option<String>,
    /// Criteria narrative (Markdown) or the URL of the criteria page.
    pub criteria: Option<String>,
    pub image: Option<Image>,
    pub issuer: Issuer,
    /// `issuedOn` (OB2), `issuanceDate` / `validFrom` (VC), `iat`/`nbf` (JWT).
    pub issued: Option<String>,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
    pub recipient: Option<Recipient>,
    /// The achievement (OB3) or badge class (OB2) this credential awards.
    pub achievement: Achievement,
    /// EQF / NLQF levels stated by the source.
    pub levels: Vec<Level>,
    /// Every credit statement found, each with the field it came from.
    pub credits: Vec<Credit>,
    /// Languages of instruction / of the credential (BCP 47 or as given).
    pub languages: Vec<String>,
    pub learning_outcomes: Vec<String>,
    /// Alignments to skill frameworks and competencies.
    pub skills: Vec<Skill>,
    /// Free tags (OB2 `tags`, OB3 `tag`).
    pub tags: Vec<String>,
    pub evidence: Vec<Evidence>,
    pub results: Vec<ResultEntry>,
    /// Ids (or issuer names) of endorsements carried by the credential.
    pub endorsements: Vec<String>,
    pub status: Vec<StatusEntry>,
    /// The SURF edubadges fields, where the source has them.
    pub edubadges: Option<Edubadges>,
    /// The EU standard elements of a microcredential (Council Recommendation of 16 June
    /// 2022) that the source provides.
    pub eu: EuElements,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Image {
    /// An https URL or a `data:` URI.
    pub url: String,
    pub caption: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Issuer {
    pub id: Option<String>,
    pub name: Option<String>,
    pub url: Option<String>,
    pub image: Option<String>,
    pub email: Option<String>,
    /// Country or region of the issuer, where stated.
    pub country: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Recipient {
    /// `email`, `url`, `did`, `telephone`, `sourcedId`, ... as stated.
    pub kind: Option<String>,
    /// The identity: plain, or the hash (`sha256$…`) when `hashed`.
    pub identity: Option<String>,
    pub hashed: bool,
    pub salt: Option<String>,
    /// The credential subject's id (a DID or URL), where given.
    pub subject_id: Option<String>,
    /// The learner's name, where the credential states it.
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Achievement {
    pub id: Option<String>,
    pub name: Option<String>,
    /// OB3 `achievementType` (e.g. `Course`, `Certificate`, `MicroCredential`), edubadges kind.
    pub achievement_type: Option<String>,
    pub field_of_study: Option<String>,
    pub specialization: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Level {
    /// `EQF` or `NLQF` (or another framework name as stated).
    pub framework: String,
    pub level: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CreditUnit {
    Ects,
    /// Study hours (study load, time investment, workload).
    Hours,
    /// Studiebelastingsuren (mbo study load), hours by definition.
    Sbu,
    /// A credit unit the source names that is none of the above; amount kept as stated.
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Credit {
    pub amount: f64,
    pub unit: CreditUnit,
    /// Where it came from, e.g. `extensions:ECTSExtension.ECTS`, `achievement.creditsAvailable`,
    /// `result.creditsEarned`.
    pub source: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Skill {
    /// Framework name as stated (`ESCO`, `CompetentNL`, `DigComp`, ...), if any.
    pub framework: Option<String>,
    /// Code within the framework.
    pub code: Option<String>,
    /// The alignment's target URL or URI.
    pub url: Option<String>,
    pub label: String,
    pub description: Option<String>,
    /// OB3 `targetType` (e.g. `ceasn:Competency`, `ext:ESCOAlignment`).
    pub target_type: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Evidence {
    pub id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub narrative: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ResultEntry {
    pub description: Option<String>,
    pub value: Option<String>,
    pub status: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StatusEntry {
    /// `BitstringStatusListEntry`, `StatusList2021Entry`, `1EdTechRevocationList`, or
    /// `ob2-revocation-list` for an OB2 issuer's revocation list.
    pub kind: String,
    pub purpose: Option<String>,
    /// The status list credential (or revocation list) URL.
    pub list: Option<String>,
    pub index: Option<u64>,
}

/// The eleven SURF edubadges extensions (OB2 `extensions:*Extension`), and their OB3
/// counterparts in SURF's educredential model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Edubadges {
    pub ects: Option<f64>,
    pub eqf: Option<String>,
    pub study_load_hours: Option<f64>,
    pub time_investment_hours: Option<f64>,
    pub learning_outcome: Option<String>,
    pub language: Option<String>,
    pub institution_identifier: Option<String>,
    pub institution_name: Option<String>,
    pub institution_country: Option<String>,
    pub grading_table: Option<String>,
    pub education_program_identifier: Option<String>,
    /// regular / microcredential / extra-curricular, where stated.
    pub badge_kind: Option<String>,
}

/// The EU standard elements of a microcredential, where the source states them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EuElements {
    pub workload: Option<String>,
    pub assessment_type: Option<String>,
    pub participation_form: Option<String>,
    pub quality_assurance: Option<String>,
    pub identity_checked: Option<bool>,
    pub supervision: Option<String>,
    pub prerequisites: Option<String>,
    pub grade: Option<String>,
    pub integration: Option<String>,
    pub further_information: Option<String>,
}
