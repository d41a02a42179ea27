//! Generated credentials for the benchmarks: Open Badges 3.0 JSON-LD shaped like real HBO and
//! MBO microcredentials (issuer, achievement with ECTS and ESCO alignments, dates), varied and
//! deterministic (the i-th credential is always the same).

use serde_json::{Value, json};

const ISSUERS: [&str; 12] = [
    "Hogeschool Utrecht",
    "Fontys Hogescholen",
    "Hanzehogeschool Groningen",
    "Saxion",
    "Avans Hogeschool",
    "Hogeschool van Amsterdam",
    "ROC Midden Nederland",
    "Grafisch Lyceum Rotterdam",
    "TU Delft",
    "Universiteit Leiden",
    "NHL Stenden",
    "Windesheim",
];

const SKILLS: [(&str, &str); 16] = [
    ("S1.1.1", "develop software"),
    ("S1.2.3", "use databases"),
    ("S2.1.0", "programming"),
    ("S2.3.4", "web development"),
    ("S3.0.1", "data analysis"),
    ("S3.2.2", "machine learning"),
    ("S4.1.1", "project management"),
    ("S4.4.2", "agile development"),
    ("S5.1.1", "teamwork"),
    ("S5.2.3", "communication"),
    ("S6.1.0", "cloud computing"),
    ("S6.3.1", "information security"),
    ("S7.1.1", "user experience design"),
    ("S7.2.2", "testing software"),
    ("S8.1.1", "networking"),
    ("S8.2.2", "linux administration"),
];

/// The i-th generated credential as JSON bytes.
pub fn credential(i: usize) -> Vec<u8> {
    serde_json::to_vec(&value(i)).expect("generated JSON serializes")
}

/// A skill label carried by exactly `1 in 1000` credentials (those with i % 1000 == 7), so a
/// filter on it returns N/1000 rows: the result grows with N, the index keeps the lookup flat.
pub const RARE_SKILL: &str = "quantum error correction";

pub fn value(i: usize) -> Value {
    let issuer = ISSUERS[i % ISSUERS.len()];
    let mut alignments: Vec<Value> = (0..3)
        .map(|k| {
            let (code, label) = SKILLS[(i * 7 + k * 5) % SKILLS.len()];
            json!({
                "type": ["Alignment"],
                "targetName": label,
                "targetCode": code,
                "targetFramework": "ESCO",
                "targetUrl": format!("http://data.europa.eu/esco/skill/{code}"),
            })
        })
        .collect();
    if i % 1000 == 7 {
        alignments.push(
            json!({"type": ["Alignment"], "targetName": RARE_SKILL, "targetUrl": "https://example.org/skills/qec"}),
        );
    }
    let ects = [3.0, 5.0, 5.0, 10.0, 15.0, 2.5][i % 6];
    let day = 1 + (i % 28);
    let month = 1 + (i / 28) % 12;
    let year = 2015 + (i / 336) % 11;
    json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": format!("urn:uuid:00000000-0000-4000-8000-{i:012}"),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": format!("Microcredential {i}"),
        "issuer": {
            "id": format!("https://{}.example.org/issuer", issuer.to_lowercase().replace(' ', "-")),
            "type": ["Profile"],
            "name": issuer
        },
        "validFrom": format!("{year}-{month:02}-{day:02}T10:00:00Z"),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "id": "did:example:learner",
            "achievement": {
                "id": format!("https://example.org/achievements/{}", i % 500),
                "type": ["Achievement"],
                "name": format!("Module {} at {issuer}", i % 500),
                "description": "A small, assessed unit of education with stated learning outcomes.",
                "criteria": {"narrative": "Passed the final assessment."},
                "achievementType": "MicroCredential",
                "creditsAvailable": ects,
                "alignment": alignments,
                "tag": ["microcredential", if i.is_multiple_of(2) { "hbo" } else { "mbo" }]
            }
        }
    })
}
