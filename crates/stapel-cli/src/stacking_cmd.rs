//! `stapel credits`, `stapel pathway add|list|show|remove` and `stapel progress`: the credit
//! value of every credential, the pathways the learner follows, and the progress towards them
//! (with the exemption-request PDF). Everything is computed by `stapel_core::stacking` and
//! `stapel_core::wallet::report`; this module reads arguments and prints.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, NaiveDate, Utc};
use clap::Subcommand;
use serde_json::json;
use stapel_core::stacking::{
    DEFAULT_HOURS_PER_ECTS, GoalRequest, GoalSkill, GroupKind, MatchOptions, NotCountedReason, Pathway,
    credits::unit_name, parse_pathway,
};
use stapel_core::store::{StoreError, Wallet};
use stapel_core::wallet::{
    WalletProgress, add_personal_goal, progress_of, report, wallet_credentials, wallet_credits, wallet_progress,
};

use crate::{Global, open, short};

#[derive(Subcommand)]
pub enum PathwayAction {
    /// Add a pathway from its JSON file (a pathway with the same id is replaced)
    Add { file: PathBuf },
    /// List the stored pathways
    List,
    /// Show a stored pathway
    Show { id: String },
    /// Remove a stored pathway
    Remove { id: String },
    /// Make a personal goal from skills: one group per skill, each asking for the same hours
    Goal {
        /// The goal's name
        #[arg(long)]
        name: String,
        /// A skill: its URL, code or label, as `stapel list --skill` takes it (repeat for more)
        #[arg(long = "skill", value_name = "SKILL")]
        skills: Vec<String>,
        /// A tag (repeat for more)
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
        /// Study hours each skill asks for (1 ECTS = 28 hours)
        #[arg(long, value_name = "HOURS", default_value_t = 28.0)]
        hours_per_skill: f64,
    },
}

/// The options of `stapel progress`.
#[derive(clap::Args)]
pub struct ProgressArgs {
    /// A stored pathway's id, or a pathway file; without it, one line per stored pathway
    pathway: Option<String>,
    /// Compute progress at this time (RFC 3339 or YYYY-MM-DD) instead of now
    #[arg(long, value_name = "TIME")]
    now: Option<String>,
    /// Write an exemption request as PDF, with the counted credentials' originals beside it
    #[arg(long, value_name = "FILE.pdf", requires = "pathway")]
    report: Option<PathBuf>,
    /// The learner's name for the report (default: the identities kept in the wallet)
    #[arg(long, value_name = "NAME", requires = "report")]
    learner: Option<String>,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn num(x: f64) -> String {
    let r = round2(x);
    if r.fract() == 0.0 { format!("{r:.0}") } else { format!("{r}") }
}

pub fn credits(g: &Global) -> Result<ExitCode> {
    let wallet = open(g)?;
    let (total_ects, items) = wallet_credits(&wallet, DEFAULT_HOURS_PER_ECTS)?;
    if g.json {
        let credentials: Vec<_> = items
            .iter()
            .map(|c| match &c.value {
                Some(v) => json!({
                    "id": c.id, "title": c.title, "ects": round2(v.ects()), "hours": round2(v.hours),
                    "source": v.source, "credits": v.amount, "unit": v.unit, "unit_assumed": v.unit_assumed,
                    "part_of": c.part_of, "in_total": c.in_total,
                }),
                None => json!({
                    "id": c.id, "title": c.title, "ects": null, "hours": null, "source": null,
                    "credits": null, "unit": null, "unit_assumed": false,
                    "part_of": c.part_of, "in_total": false,
                }),
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&json!({"total_ects": total_ects, "credentials": credentials}))?);
        return Ok(ExitCode::SUCCESS);
    }
    if items.is_empty() {
        println!("no credentials");
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::stdout().lock();
    let mut without = 0;
    let mut inside = 0;
    for c in &items {
        // A part of a credential that states its own credits: shown, not added (decision 0043).
        let note = match (&c.part_of, c.in_total) {
            (Some(p), false) if c.value.is_some() => {
                inside += 1;
                format!("  (part of {}, counted in its total)", short(p))
            }
            (Some(p), _) => format!("  (part of {})", short(p)),
            _ => String::new(),
        };
        match &c.value {
            Some(v) => writeln!(
                out,
                "{}  {} {}{} ({}) = {} ECTS / {} h  {}{note}",
                short(&c.id),
                num(v.amount),
                unit_name(v.unit),
                if v.unit_assumed { " (unit assumed)" } else { "" },
                v.source,
                num(v.ects()),
                num(v.hours),
                c.title
            )?,
            None => {
                without += 1;
                writeln!(out, "{}  no credit value  {}{note}", short(&c.id), c.title)?
            }
        }
    }
    writeln!(
        out,
        "total: {} ECTS from {} credentials ({without} without a credit value{}; 1 ECTS = {} study hours)",
        num(total_ects),
        items.len() - without - inside,
        if inside > 0 { format!(", {inside} counted in the credential they are part of") } else { String::new() },
        num(DEFAULT_HOURS_PER_ECTS)
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Reads and checks a pathway file; errors name the file and the reason.
fn read_pathway_file(file: &Path) -> Result<(Pathway, String)> {
    let name = file.display().to_string();
    let bytes = std::fs::read(file).with_context(|| format!("{name}: cannot read"))?;
    let pathway = parse_pathway(&name, &bytes)?;
    let json = String::from_utf8(bytes).with_context(|| format!("{name}: not UTF-8"))?;
    Ok((pathway, json))
}

pub fn pathway(g: &Global, action: PathwayAction) -> Result<ExitCode> {
    match action {
        PathwayAction::Add { file } => {
            // The file is checked before the wallet is opened: a bad file changes nothing.
            let (pathway, json) = read_pathway_file(&file)?;
            let mut wallet = open(g)?;
            let source = file.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let replaced = wallet.add_pathway(&pathway, &json, &source, Utc::now())?;
            if g.json {
                println!("{}", json!({"id": pathway.id, "name": pathway.target.name, "replaced": replaced}));
            } else if replaced {
                println!(
                    "replaced pathway {}: {} (the earlier version with this id is gone)",
                    pathway.id, pathway.target.name
                );
            } else {
                println!("added pathway {}: {}", pathway.id, pathway.target.name);
            }
        }
        PathwayAction::List => {
            let wallet = open(g)?;
            let pathways = wallet.pathways()?;
            if g.json {
                let items: Vec<_> = pathways
                    .iter()
                    .map(|p| {
                        json!({
                            "id": p.pathway.id, "name": p.pathway.target.name,
                            "awarding_body": p.pathway.target.awarding_body,
                            "total_credits": p.pathway.target.total_credits, "unit": p.pathway.unit,
                            "groups": p.pathway.groups.len(), "source": p.source, "added_at": p.added_at,
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&json!({"pathways": items}))?);
            } else if pathways.is_empty() {
                println!("no pathways (add one with `stapel pathway add FILE`)");
            } else {
                for p in &pathways {
                    let t = &p.pathway.target;
                    println!(
                        "{}  {} — {} ({} {}, {} groups)",
                        p.pathway.id,
                        t.name,
                        t.awarding_body,
                        num(t.total_credits),
                        p.pathway.unit.as_str(),
                        p.pathway.groups.len()
                    );
                }
            }
        }
        PathwayAction::Show { id } => {
            let wallet = open(g)?;
            let stored = wallet.pathway(&id)?;
            if g.json {
                println!("{}", stored.json.trim_end());
            } else {
                let p = &stored.pathway;
                let unit = p.unit.as_str();
                println!("{} ({})", p.target.name, p.id);
                println!("  awarded by  {}", p.target.awarding_body);
                println!(
                    "  total       {} {unit} (1 ECTS = {} study hours)",
                    num(p.target.total_credits),
                    num(p.hours_per_ects)
                );
                if let Some(d) = &p.target.description {
                    println!("  {d}");
                }
                println!("  added       {} from {}", stored.added_at, stored.source);
                for group in &p.groups {
                    let what = match (&group.achievement, group.credits) {
                        (Some(a), _) => format!("the achievement {}", a.describe()),
                        (None, Some(c)) => format!("{} {unit}", num(c)),
                        (None, None) => String::new(),
                    };
                    println!("  group {}: {} — {what}", group.id, group.name);
                }
            }
        }
        PathwayAction::Remove { id } => {
            let mut wallet = open(g)?;
            wallet.remove_pathway(&id)?;
            println!("removed pathway {id}");
        }
        PathwayAction::Goal { name, skills, tags, hours_per_skill } => {
            let mut wallet = open(g)?;
            // A skill named by its URL or code is shown by the label the wallet knows it by.
            let known = wallet.skills()?;
            let label = |key: &str| {
                known
                    .iter()
                    .find(|s| s.url.as_deref() == Some(key) || s.code.as_deref() == Some(key) || s.label == key)
                    .map(|s| s.label.clone())
                    .unwrap_or_else(|| key.to_string())
            };
            let chosen = skills
                .iter()
                .map(|k| GoalSkill { key: k.clone(), label: label(k), tag: false })
                .chain(tags.iter().map(|t| GoalSkill { key: t.clone(), label: t.clone(), tag: true }))
                .collect();
            let request = GoalRequest { name, awarding_body: "Myself".into(), skills: chosen, hours_per_skill };
            let pathway = add_personal_goal(&mut wallet, &request, Utc::now())?;
            if g.json {
                println!("{}", json!({"id": pathway.id, "name": pathway.target.name, "groups": pathway.groups.len()}));
            } else {
                println!(
                    "added the personal goal {}: {} ({} skills, {} hours)",
                    pathway.id,
                    pathway.target.name,
                    pathway.groups.len(),
                    num(pathway.target.total_credits)
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_now(s: Option<&str>) -> Result<DateTime<Utc>> {
    let Some(s) = s else { return Ok(Utc::now()) };
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        && let Some(t) = d.and_hms_opt(0, 0, 0)
    {
        return Ok(t.and_utc());
    }
    bail!("--now {s:?}: not a time (use RFC 3339, e.g. 2027-01-31T12:00:00Z, or a date YYYY-MM-DD)")
}

/// A stored pathway by id, or else a pathway file.
fn find_pathway(wallet: &Wallet, arg: &str) -> Result<Pathway> {
    match wallet.pathway(arg) {
        Ok(stored) => Ok(stored.pathway),
        Err(StoreError::UnknownPathway(_)) => {
            let path = Path::new(arg);
            if path.is_file() {
                Ok(read_pathway_file(path)?.0)
            } else {
                bail!("{arg}: no pathway with this id in the wallet, and no such file (see `stapel pathway list`)")
            }
        }
        Err(e) => Err(e.into()),
    }
}

pub fn progress(g: &Global, args: ProgressArgs) -> Result<ExitCode> {
    let now = parse_now(args.now.as_deref())?;
    let options = MatchOptions::at(now);
    let wallet = open(g)?;
    let Some(arg) = args.pathway else {
        return summaries(g, &wallet, &options);
    };
    let pathway = find_pathway(&wallet, &arg)?;
    if let Some(pdf) = args.report {
        let learner = report::learner_names(&wallet, args.learner.as_deref())?;
        let written = report::write_exemption_request(&wallet, &pathway, &options, &learner, &pdf)?;
        if g.json {
            println!("{}", serde_json::to_string_pretty(&written)?);
        } else {
            println!(
                "wrote the exemption request {} and {} original files into {}",
                written.pdf.display(),
                written.originals.len(),
                written.originals_dir.display()
            );
            if let Some(vp) = &written.presentation {
                println!(
                    "and the counted credentials signed by you in {} (check it with `stapel verify-presentation`)",
                    vp.display()
                );
            }
            for (id, why) in &written.not_presented {
                println!("not in the presentation: {}: {why}", short(id));
            }
            if learner.is_empty() {
                println!("the learner is not named in it: give --learner NAME, or add an identity to the wallet");
            }
            hint_unverified(&written.progress);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let wp = wallet_progress(&wallet, &pathway, &options)?;
    if g.json {
        println!("{}", serde_json::to_string_pretty(&wp)?);
    } else {
        print_progress(&pathway, &wp)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn summaries(g: &Global, wallet: &Wallet, options: &MatchOptions) -> Result<ExitCode> {
    let pathways = wallet.pathways()?;
    let credentials = wallet_credentials(wallet)?;
    let mut lines = Vec::new();
    for stored in &pathways {
        let wp = progress_of(credentials.clone(), &stored.pathway, options)?;
        lines.push((stored, wp));
    }
    if g.json {
        let items: Vec<_> = lines
            .iter()
            .map(|(s, wp)| {
                let p = &wp.progress;
                json!({
                    "id": s.pathway.id, "target": p.target, "unit": p.unit, "required": p.required,
                    "earned": p.earned, "missing": p.missing, "complete": p.complete,
                    "groups": p.groups.len(), "groups_complete": p.groups.iter().filter(|g| g.complete).count(),
                    "earned_if_verified": p.if_verified.as_ref().map(|v| v.earned),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&json!({"pathways": items}))?);
        return Ok(ExitCode::SUCCESS);
    }
    if lines.is_empty() {
        println!("no pathways (add one with `stapel pathway add FILE`)");
        return Ok(ExitCode::SUCCESS);
    }
    for (s, wp) in &lines {
        let p = &wp.progress;
        let unit = p.unit.as_str();
        let pct = if p.required > 0.0 { (p.earned / p.required * 100.0).floor() } else { 100.0 };
        let done = p.groups.iter().filter(|g| g.complete).count();
        let more = match &p.if_verified {
            Some(v) if v.earned > p.earned => format!("; {} {unit} once verified", num(v.earned)),
            _ => String::new(),
        };
        println!(
            "{}  {}: {} of {} {unit} ({pct}%), {done} of {} groups complete{more}",
            s.pathway.id,
            p.target,
            num(p.earned),
            num(p.required),
            p.groups.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn hint_unverified(wp: &WalletProgress) {
    let waiting = wp.progress.not_counted.iter().filter(|n| n.reason == NotCountedReason::Unverifiable).count();
    if waiting > 0 {
        println!("{waiting} credentials would count once verified: run `stapel verify`");
    }
}

fn print_progress(pathway: &Pathway, wp: &WalletProgress) -> Result<()> {
    let p = &wp.progress;
    let unit = p.unit.as_str();
    let title = |id: &str| wp.credentials.get(id).map(|c| c.summary.title.clone()).unwrap_or_else(|| id.to_string());
    let mut out = std::io::stdout().lock();
    writeln!(out, "{} — {} ({})", p.target, p.awarding_body, pathway.id)?;
    writeln!(
        out,
        "total: {} of {} {unit}, {} missing{}",
        num(p.earned),
        num(p.required),
        num(p.missing),
        if p.complete { " — complete" } else { "" }
    )?;
    for group in &p.groups {
        writeln!(out)?;
        let mark = if group.complete { "[x]" } else { "[ ]" };
        match group.kind {
            GroupKind::Credits => writeln!(
                out,
                "{mark} {}: {} of {} {unit} earned{}",
                group.name,
                num(group.earned),
                num(group.required),
                if group.complete { String::new() } else { format!(", {} missing", num(group.missing)) }
            )?,
            GroupKind::Achievement => writeln!(
                out,
                "{mark} {}: {}{}",
                group.name,
                group.achievement.as_deref().unwrap_or("an achievement"),
                if group.complete { "" } else { " — missing" }
            )?,
        }
        for c in &group.counted {
            let credits = match (&c.credits, &c.credit) {
                (Some(n), Some(cv)) => format!(
                    "{} {unit} ({} {}{}, {})",
                    num(*n),
                    num(cv.amount),
                    unit_name(cv.unit),
                    if cv.unit_assumed { ", unit assumed" } else { "" },
                    cv.source
                ),
                _ => "no credit value".to_string(),
            };
            let until = c
                .counts_until
                .as_deref()
                .map(|u| format!(", counts until {}", &u[..u.len().min(10)]))
                .unwrap_or_default();
            writeln!(out, "    {}  {}  {credits}{until}", short(&c.id), c.title)?;
        }
        if !group.no_credit_value.is_empty() {
            writeln!(
                out,
                "    fits but has no credit value: {}",
                group.no_credit_value.iter().map(|i| title(i)).collect::<Vec<_>>().join(", ")
            )?;
        }
    }
    if !p.expiring.is_empty() {
        writeln!(out, "\nwill stop counting:")?;
        for e in &p.expiring {
            writeln!(out, "    {}  {} ({}) on {}", short(&e.id), title(&e.id), e.group, &e.on[..e.on.len().min(10)])?;
        }
    }
    let waiting: Vec<_> = p.not_counted.iter().filter(|n| n.reason == NotCountedReason::Unverifiable).collect();
    if !waiting.is_empty() {
        let extra = p
            .if_verified
            .as_ref()
            .map(|v| format!(" (then {} of {} {unit})", num(v.earned), num(p.required)))
            .unwrap_or_default();
        writeln!(out, "\nwould count once verified{extra}: run `stapel verify`")?;
        for n in &waiting {
            let why =
                if wp.never_verified.contains(&n.id) { "never verified" } else { "unverifiable at the last check" };
            writeln!(out, "    {}  {} — {why}; fits {}", short(&n.id), n.title, n.groups.join(", "))?;
        }
    }
    let once: Vec<_> = p
        .not_counted
        .iter()
        .filter(|n| matches!(n.reason, NotCountedReason::ContainerCounted | NotCountedReason::PartsCounted))
        .collect();
    if !once.is_empty() {
        // Where a credential is counted, as the learner reads it: its title and the group.
        let counted_in = |id: &str| {
            let group = p
                .groups
                .iter()
                .find(|g| g.counted.iter().any(|c| c.id == id))
                .map(|g| g.name.as_str())
                .unwrap_or("a group");
            format!("{} (in {group})", title(id))
        };
        writeln!(out, "\nnot counted again (the same study counts once):")?;
        for n in &once {
            let instead: Vec<String> = n.counted_instead.iter().map(|i| counted_in(i)).collect();
            let why = if n.reason == NotCountedReason::ContainerCounted {
                format!("part of {}, which is counted", instead.join(", "))
            } else {
                format!("its parts are counted instead: {}", instead.join(", "))
            };
            writeln!(out, "    {}  {} — {why}", short(&n.id), n.title)?;
        }
    }
    let never: Vec<_> = p
        .not_counted
        .iter()
        .filter(|n| {
            !matches!(
                n.reason,
                NotCountedReason::Unverifiable | NotCountedReason::ContainerCounted | NotCountedReason::PartsCounted
            )
        })
        .collect();
    if !never.is_empty() {
        writeln!(out, "\nnever counted:")?;
        for n in &never {
            let why = match n.reason {
                NotCountedReason::Invalid => "verification failed",
                NotCountedReason::Expired => "expired",
                NotCountedReason::NotYetValid => "not valid yet",
                NotCountedReason::Unverifiable => "unverifiable",
                NotCountedReason::ContainerCounted | NotCountedReason::PartsCounted => "counted once elsewhere",
            };
            writeln!(out, "    {}  {} — {why}", short(&n.id), n.title)?;
        }
    }
    Ok(())
}
