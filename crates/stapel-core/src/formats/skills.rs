//! Alignments (OB2 `alignment`, OB3 `alignment`) as [`Skill`]s, with the framework named:
//! ESCO for targets under data.europa.eu/esco, CompetentNL, DigComp, LifeComp, GreenComp, O*NET
//! and the like by
//! their well-known hosts, the framework an edubadges `targetType` (`ext:ESCOAlignment`) names,
//! else the framework the alignment states (`targetFramework`, `frameworkName`).

use super::Skill;
use super::util::{Obj, get_str};

/// Framework names recognized from the target URL, by a lowercase fragment of it.
const KNOWN_HOSTS: &[(&str, &str)] = &[
    ("data.europa.eu/esco", "ESCO"),
    ("ec.europa.eu/esco", "ESCO"),
    ("competentnl", "CompetentNL"),
    ("digcomp", "DigComp"),
    ("lifecomp", "LifeComp"),
    ("greencomp", "GreenComp"),
    ("onetonline.org", "O*NET"),
    ("onetcenter.org", "O*NET"),
    ("credentialengineregistry.org", "Credential Engine"),
    ("corestandards.org", "Common Core"),
];

/// Reads one alignment object. `None` when it names nothing (no name, URL or code).
pub(crate) fn skill(a: &Obj) -> Option<Skill> {
    let url = get_str(a, "targetUrl").or_else(|| get_str(a, "url"));
    let code = get_str(a, "targetCode");
    let target_type = get_str(a, "targetType");
    let stated = get_str(a, "targetFramework").or_else(|| get_str(a, "frameworkName"));
    let label =
        get_str(a, "targetName").or_else(|| get_str(a, "name")).or_else(|| code.clone()).or_else(|| url.clone())?;
    let framework = framework(url.as_deref(), target_type.as_deref(), stated);
    Some(Skill {
        framework,
        code,
        url,
        label,
        description: get_str(a, "targetDescription").or_else(|| get_str(a, "description")),
        target_type,
    })
}

fn framework(url: Option<&str>, target_type: Option<&str>, stated: Option<String>) -> Option<String> {
    if let Some(url) = url {
        let lower = url.to_ascii_lowercase();
        if let Some((_, name)) = KNOWN_HOSTS.iter().find(|(frag, _)| lower.contains(frag)) {
            return Some((*name).to_string());
        }
    }
    // edubadges' OB3 mapping writes `ext:<Framework>Alignment`.
    if let Some(t) = target_type
        && let Some(rest) = t.strip_prefix("ext:")
        && let Some(name) = rest.strip_suffix("Alignment")
        && !name.is_empty()
    {
        return Some(match name.to_ascii_lowercase().as_str() {
            "esco" => "ESCO".to_string(),
            "competentnl" => "CompetentNL".to_string(),
            "digcomp" => "DigComp".to_string(),
            "lifecomp" => "LifeComp".to_string(),
            "greencomp" => "GreenComp".to_string(),
            _ => name.to_string(),
        });
    }
    stated
}

/// Alignments whose `targetType` is not a skill but a level or a quality mark (SURF's
/// educredential `ext:EQF`, `ext:NLQF`, `ext:QualityAssurance`).
pub(crate) fn is_level_or_quality(a: &Obj) -> bool {
    matches!(get_str(a, "targetType").as_deref(), Some("ext:EQF" | "ext:NLQF" | "ext:QualityAssurance"))
}
