//! Detection and parsing of every credential format a learner holds (Open Badges 2.0 hosted
//! and signed assertions, Open Badges 3.0 / W3C Verifiable Credentials as JSON-LD and as JWT,
//! CLR 2.0, badges baked into PNG and SVG, the SURF edubadges extensions) into one normalized
//! [`Credential`] view. Parsing is pure: no clock, and the network only through the
//! [`crate::net::Fetcher`] handed to [`read`] (to follow a baked image that holds a URL, or an
//! Open Badges 2.0 assertion whose badge class or issuer is a URL). The original bytes are never
//! changed; unknown fields stay in the original and are never dropped from it.
//!
//! Layout: this file holds the view (the contract other modules code against), [`Parsed`],
//! [`FormatError`] and [`read`]; `detect` unwraps bytes (PNG, SVG, compact JWS, JSON), `ob2`
//! reads Open Badges 0.5–2.0 assertions with the SURF edubadges extensions, `vc` reads W3C
//! Verifiable Credentials (Open Badges 3.0, CLR 2.0, plain VCs, SURF educredentials), `skills`
//! turns alignments into [`Skill`]s and `util` has the shared JSON and date helpers.
//! [`credits`] is a reading of the view: the one credit value a credential is worth (stacking
//! and the wallet's sort by credits both take it from here).

use serde::{Deserialize, Serialize};

pub mod credits;
mod detect;
mod ob2;
mod skills;
mod util;
mod vc;

pub use detect::{MAX_INPUT_BYTES, baked_payload, read};
pub use vc::nested_entries;

/// The format a credential arrived in, as detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Open Badges 2.0 assertion as JSON (hosted verification).
    Ob2Hosted,
    /// Open Badges 2.0 signed assertion (compact JWS).
    Ob2Signed,
    /// Open Badges 3.0 / W3C VC as JSON-LD, with or without an embedded proof.
    #[serde(rename = "vc-jsonld")]
    VcJsonLd,
    /// VC-JWT: a JWT with a `vc` claim (VCDM 1.1).
    VcJwt,
    /// VCDM 2.0 secured with JOSE: the JWT payload is the credential itself.
    VcJose,
}

impl Format {
    pub const ALL: [Format; 5] =
        [Format::Ob2Hosted, Format::Ob2Signed, Format::VcJsonLd, Format::VcJwt, Format::VcJose];

    /// The name used in the wallet, on the command line and in JSON (the same as serde's).
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
        Format::ALL.into_iter().find(|f| f.as_str() == s)
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
    /// Linked documents that could not be retrieved when the credential was read (`badge
    /// class`, `issuer profile`): the view shows only what the credential itself states of them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_retrieved: Vec<String>,
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

/// One credential as read by [`read`]: the detected format and wrapping, the normalized view,
/// the JSON it was read from, its duplicate-detection key, nested credentials and the documents
/// fetched or embedded on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub format: Format,
    pub wrapping: Wrapping,
    pub credential: Credential,
    /// The JSON document the view was read from: for JSON-LD and OB2 hosted assertions the
    /// document itself; for a VC-JWT (`vc` claim) the `vc` claim's value, unchanged (the JWT's
    /// `iss`, `jti`, `sub`, `nbf`, `exp` fill gaps in the view but are not merged into it); for
    /// VCDM 2.0 JOSE and OB2 signed assertions the decoded JWS payload; for a baked image the
    /// badge found in it (or fetched from the URL found in it).
    pub document: serde_json::Value,
    /// Key for duplicate detection: `sha256:<hex>` over the JCS form of the document less its
    /// `proof`. The same credential baked into an image, signed as a JWT or imported twice
    /// gives the same key; documents that only share an `id` do not (see `util::key_for`).
    pub key: String,
    /// Nested credentials (the `verifiableCredential` entries of a CLR), each parsed fully.
    pub children: Vec<Parsed>,
    /// Documents fetched or embedded on the way that belong with this credential.
    pub related: Vec<RelatedDocument>,
    /// Things the reader noticed but could live with (a date it could not read, an issuer
    /// profile it could not fetch), in plain words.
    pub warnings: Vec<String>,
}

impl Parsed {
    /// This credential and all nested ones, depth first.
    pub fn all(&self) -> Vec<&Parsed> {
        let mut out = vec![self];
        for child in &self.children {
            out.extend(child.all());
        }
        out
    }
}

/// A document that belongs with a credential: an OB2 badge class or issuer profile (fetched,
/// or embedded in the assertion), or the assertion a baked image pointed at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelatedDocument {
    /// `badgeclass`, `issuer` or `assertion`.
    pub role: String,
    /// Where it came from (the URL fetched, or the embedded object's `id`).
    pub url: Option<String>,
    /// The media type the server declared, or `application/json` for an embedded object.
    pub media_type: Option<String>,
    /// Fetched documents: the bytes as received. Embedded objects: their JSON, serialized.
    pub bytes: Vec<u8>,
    /// True when the document came through the fetcher, false when it was embedded.
    pub fetched: bool,
}

/// Why a file could not be read as a credential. Each message says what was wrong in words a
/// learner can act on.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is {size} bytes, more than the {limit} bytes a single credential may have")]
    TooLarge { size: usize, limit: usize },
    #[error("not an Open Badge or Verifiable Credential: {0}")]
    NotACredential(String),
    #[error("this is a web page (HTML), not a badge: save the badge image or its JSON file instead")]
    Html,
    #[error("the file is neither a PNG image nor text (it is not valid UTF-8 at byte {at})")]
    NotText { at: usize },
    #[error("the JSON ends too early, as if the file were cut off (line {line}, column {column})")]
    TruncatedJson { line: usize, column: usize },
    #[error("the JSON is nested too deeply to read (more than 128 levels)")]
    TooDeep,
    #[error("the JSON is malformed at line {line}, column {column}: {reason}")]
    BadJson { line: usize, column: usize, reason: String },
    #[error("the JWT is malformed: {0}")]
    BadJwt(String),
    #[error("the PNG image cannot be read: {0}")]
    BadPng(String),
    #[error("the SVG image cannot be read: {0}")]
    BadSvg(String),
    #[error("the badge baked into the {image} image is unreadable: {source}")]
    Baked {
        image: &'static str,
        #[source]
        source: Box<FormatError>,
    },
    #[error("cannot get the {what}: {source}")]
    Fetch {
        what: &'static str,
        #[source]
        source: crate::net::FetchError,
    },
    #[error("the {what} fetched from {url} is unusable: {source}")]
    BadReference {
        what: &'static str,
        url: String,
        #[source]
        source: Box<FormatError>,
    },
    #[error("the badge refers onward through too many web addresses (more than {0})")]
    TooManyHops(usize),
    #[error("the {0} is missing a required part: {1}")]
    Incomplete(&'static str, String),
}

#[cfg(test)]
mod format_names {
    use super::Format;

    #[test]
    fn the_json_name_of_each_format_is_its_command_line_name() {
        for f in Format::ALL {
            assert_eq!(serde_json::to_value(f).unwrap(), serde_json::Value::String(f.as_str().into()));
            assert_eq!(Format::parse(f.as_str()), Some(f));
        }
    }
}
