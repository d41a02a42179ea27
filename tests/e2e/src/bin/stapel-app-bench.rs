//! `stapel-app-bench`: the desktop app benchmark behind `scripts/bench app` (issue 5). It drives
//! the real, built Stapel app on a wallet already holding many credentials, and beside it a
//! blank Tauri window (`stapel-blank-window`), each launched the same way (tauri-driver,
//! WebKitWebDriver, under Xvfb) in alternating rounds, and prints the medians and their ratios
//! with the goals beside them. Nothing here passes or fails on a timing.
//!
//! What is measured, per round (docs/decisions/0024):
//! - launch: the moment a small start script, given to tauri-driver as the application, runs
//!   just before it `exec`s the program (its pid is then the program's pid);
//! - first paint: the Stapel page's first contentful paint (the Paint Timing entry); for the
//!   blank page, its own mark after two animation frames (it has nothing contentful to paint);
//! - first cards: as soon as the unlock form shows, a script in the page enters the passphrase
//!   and submits the form, then notes when the first card is in the page and when two animation
//!   frames later it has been painted. "Launch to first cards" is launch to first paint plus
//!   submit to cards painted (a learner typing instantly); the time as driven, which also holds
//!   WebDriver's session set-up before the passphrase could be entered, is printed beside it;
//! - the Skills screen and a skill filter: from the first cards, a script opens the Skills
//!   screen (time until its skills are painted) and chooses the first, most common skill
//!   (time until the filtered cards are painted); shown beside the blank window's first
//!   paint for scale, having no counterpart in it;
//! - memory: two seconds after the cards (or the blank page) painted, the proportional and
//!   resident set sizes (`/proc/PID/smaps_rollup`) of the program and every process under it
//!   (WebKit's web and network processes), summed.
//!
//! - with a KEYCHAIN-WALLET (the same credentials, its key in the Secret Service the bench
//!   starts), a third launch per round: the page opens such a wallet by itself, so its "launch
//!   to first cards" is measured as it happens, nothing typed;
//!
//! Usage: `stapel-app-bench WALLET PASSPHRASE-FILE BLANK-WINDOW [ROUNDS [KEYCHAIN-WALLET]]`, with `STAPEL_APP`,
//! `TAURI_DRIVER`, `WEBKIT_WEBDRIVER` and a display set as `scripts/bench app` sets them.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use stapel_e2e::{App, Result, app_binary, screenshot_dir};

/// Where the page shows a card: the first match means the list has been rendered.
const CARD: &str = "#credentials .title";

/// How long after the last mark the memory is read, so start-up allocations have settled.
const SETTLE: Duration = Duration::from_secs(2);

/// Enters the passphrase as soon as the unlock form shows, submits it, and answers the page
/// times (milliseconds since the page's time origin) at which the form was seen, submitted,
/// the first card was in the page, and two animation frames later painted.
const UNLOCK_TO_CARDS: &str = r#"
const passphrase = arguments[0], card = arguments[1], done = arguments[arguments.length - 1];
const $ = (id) => document.getElementById(id);
const tick = () => new Promise((r) => setTimeout(r, 1));
const painted = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
(async () => {
  try {
    while (document.body.dataset.view !== "unlock") await tick();
    const seen = performance.now();
    $("unlock-passphrase").value = passphrase;
    const submitted = performance.now();
    $("unlock-form").requestSubmit();
    while (document.querySelector(card) === null) {
      const error = $("unlock-error");
      if (error && !error.hidden && error.textContent) throw new Error(error.textContent);
      await tick();
    }
    const listed = performance.now();
    await painted();
    const shown = performance.now();
    done({ origin: performance.timeOrigin, seen, submitted, listed, shown, cards: document.querySelectorAll(card).length });
  } catch (e) {
    done({ error: String(e) });
  }
})();
"#;

/// For a wallet whose key is in the keychain: the page opens it by itself; answers when the
/// first card is in the page and when two animation frames later it has been painted.
const KEYCHAIN_TO_CARDS: &str = r#"
const card = arguments[0], done = arguments[arguments.length - 1];
const tick = () => new Promise((r) => setTimeout(r, 1));
const painted = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
(async () => {
  try {
    while (document.querySelector(card) === null) {
      const error = document.getElementById("unlock-error");
      if (error && !error.hidden && error.textContent) throw new Error(error.textContent);
      await tick();
    }
    const listed = performance.now();
    await painted();
    done({ origin: performance.timeOrigin, listed, shown: performance.now(), cards: document.querySelectorAll(card).length });
  } catch (e) {
    done({ error: String(e) });
  }
})();
"#;

/// The page's paint entries and time origin.
const PAINTS: &str = r#"return { origin: performance.timeOrigin,
  paints: performance.getEntriesByType("paint").map((e) => [e.name, e.startTime]) };"#;

/// The blank page's own first-frame mark, once it is there.
const BLANK_PAINTED: &str = r#"return window.blankPainted === undefined ? null
  : { origin: performance.timeOrigin, painted: window.blankPainted };"#;

/// Opens the Skills screen and chooses its first (most common) skill, as a learner does:
/// the time until the skills are painted, and from the choice until the filtered cards are.
const SKILL_FILTER: &str = r##"
const done = arguments[arguments.length - 1];
const $ = (id) => document.getElementById(id);
const tick = () => new Promise((r) => setTimeout(r, 1));
const painted = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
(async () => {
  try {
    const opened = performance.now();
    $("nav-skills").click();
    let button;
    while (!(button = document.querySelector("#skill-groups button.skill"))) await tick();
    await painted();
    const skills = performance.now() - opened;
    const label = button.querySelector("span").textContent;
    const chosen = performance.now();
    button.click();
    // The list is drawn anew, with the skill's line shown, once the filtered page is there.
    while (document.body.dataset.view !== "wallet" || $("skill-filter").hidden || document.querySelector("#credentials .title") === null) {
      const error = $("list-error");
      if (error && !error.hidden && error.textContent) throw new Error(error.textContent);
      await tick();
    }
    await painted();
    done({ skills, filter: performance.now() - chosen, skill: label, heading: $("wallet-heading").textContent });
  } catch (e) {
    done({ error: String(e) });
  }
})();
"##;

/// Calls the list command on its own (the first page of 50): its share of the unlock-to-cards time.
const LIST_COMMAND: &str = r#"
const done = arguments[arguments.length - 1];
const t = performance.now();
window.__TAURI__.core.invoke("list_page", { query: { limit: 50 } }).then(
  (r) => done({ ms: performance.now() - t, rows: r && Array.isArray(r.items) ? r.items.length : null }),
  (e) => done({ error: JSON.stringify(e) }));
"#;

#[derive(Default)]
struct Round {
    first_paint: f64,
    first_cards: Option<f64>,
    cards_as_driven: Option<f64>,
    unlock_to_cards: Option<f64>,
    list_command: Option<f64>,
    cards: Option<u64>,
    pss_kib: u64,
    rss_kib: u64,
    processes: Vec<(String, u64)>,
    skills_screen: Option<f64>,
    skill_filter: Option<f64>,
}

/// A start script that notes its pid and the wall-clock time in `stamp`, then becomes `program`.
fn start_script(dir: &Path, name: &str, program: &Path) -> Result<(PathBuf, PathBuf)> {
    let stamp = dir.join(format!("{name}.launched"));
    let script = dir.join(format!("{name}.sh"));
    let text = format!(
        "#!/bin/sh\nprintf '%s %s\\n' \"$$\" \"$(date +%s%N)\" > '{}'\nexec '{}' \"$@\"\n",
        stamp.display(),
        program.display()
    );
    std::fs::write(&script, text)?;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))?;
    Ok((script, stamp))
}

/// The pid and launch time (milliseconds since the Unix epoch) a start script noted.
fn launched(stamp: &Path) -> Result<(u32, f64)> {
    let text = std::fs::read_to_string(stamp)?;
    let mut parts = text.split_whitespace();
    let pid = parts.next().ok_or("the start script noted no pid")?.parse()?;
    let ns: u128 = parts.next().ok_or("the start script noted no time")?.parse()?;
    Ok((pid, ns as f64 / 1e6))
}

/// `pid` and every process under it.
fn tree(pid: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(p) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else { continue };
            // The fields after the command name (which may hold spaces) start after the last ')'.
            let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else { continue };
            if let Some(ppid) = rest.split_whitespace().nth(1).and_then(|s| s.parse().ok()) {
                parents.push((p, ppid));
            }
        }
    }
    let mut found = vec![pid];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(parents.iter().filter(|(_, pp)| *pp == parent).map(|(p, _)| *p));
        i += 1;
    }
    found
}

/// PSS and RSS summed (KiB), and each process's name and PSS.
type Memory = (u64, u64, Vec<(String, u64)>);

/// Sums PSS and RSS (KiB) over `pid` and the processes under it; also each one's name and PSS.
fn memory(pid: u32) -> Result<Memory> {
    let (mut pss, mut rss, mut each) = (0, 0, Vec::new());
    for p in tree(pid) {
        let Ok(rollup) = std::fs::read_to_string(format!("/proc/{p}/smaps_rollup")) else { continue };
        let field = |name: &str| -> u64 {
            rollup
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        let name = std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default().trim().to_string();
        pss += field("Pss:");
        rss += field("Rss:");
        each.push((name, field("Pss:")));
    }
    if pss == 0 {
        return Err(format!("no memory figures for process {pid} (is /proc readable?)").into());
    }
    Ok((pss, rss, each))
}

fn number(v: &serde_json::Value, key: &str) -> Result<f64> {
    v[key].as_f64().ok_or_else(|| format!("the page answered no {key}: {v}").into())
}

async fn blank_round(dir: &Path, blank: &Path, n: usize) -> Result<Round> {
    let (script, stamp) = start_script(dir, &format!("blank-{n}"), blank)?;
    let app = App::launch_binary(&format!("bench-blank-{n}"), &script, None).await?;
    let deadline = Instant::now() + Duration::from_secs(30);
    let mark = loop {
        let v = app.script(BLANK_PAINTED).await?;
        if !v.is_null() {
            break v;
        }
        if Instant::now() > deadline {
            return Err("the blank page never noted its first frame".into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let (pid, t0) = launched(&stamp)?;
    let first_paint = number(&mark, "origin")? + number(&mark, "painted")? - t0;
    tokio::time::sleep(SETTLE).await;
    let (pss_kib, rss_kib, processes) = memory(pid)?;
    app.screenshot("painted").await?;
    app.close().await?;
    Ok(Round { first_paint, pss_kib, rss_kib, processes, ..Round::default() })
}

/// The page's first contentful paint (its Paint Timing entry) in milliseconds since launch
/// (`t0`), `origin` being the page's time origin; `None` where the page reports none.
async fn first_contentful_paint(app: &App, origin: f64, t0: f64) -> Result<Option<f64>> {
    let paints = app.script(PAINTS).await?;
    Ok(paints["paints"]
        .as_array()
        .and_then(|all| all.iter().find(|p| p[0] == "first-contentful-paint"))
        .and_then(|p| p[1].as_f64())
        .map(|fcp| origin + fcp - t0))
}

/// A round on the same wallet with its key in the keychain: nothing to type, the page opens it.
async fn keychain_round(dir: &Path, wallet: &Path, n: usize) -> Result<Round> {
    let (script, stamp) = start_script(dir, &format!("keychain-{n}"), &app_binary())?;
    let app = App::launch_binary(&format!("bench-keychain-{n}"), &script, Some(wallet)).await?;
    let cards = app
        .step(
            "waiting for the cards of the keychain wallet",
            app.client.execute_async(KEYCHAIN_TO_CARDS, vec![CARD.into()]),
        )
        .await?;
    if let Some(error) = cards.get("error") {
        return Err(format!("the keychain wallet did not open: {error}").into());
    }
    let (pid, t0) = launched(&stamp)?;
    let origin = number(&cards, "origin")?;
    let first_paint = first_contentful_paint(&app, origin, t0).await?.unwrap_or(f64::NAN);
    tokio::time::sleep(SETTLE).await;
    let (pss_kib, rss_kib, processes) = memory(pid)?;
    app.screenshot("keychain-cards").await?;
    app.close().await?;
    Ok(Round {
        first_paint,
        first_cards: Some(origin + number(&cards, "shown")? - t0),
        cards: cards["cards"].as_u64(),
        pss_kib,
        rss_kib,
        processes,
        ..Round::default()
    })
}

async fn stapel_round(dir: &Path, wallet: &Path, passphrase: &str, n: usize) -> Result<Round> {
    let (script, stamp) = start_script(dir, &format!("stapel-{n}"), &app_binary())?;
    let app = App::launch_binary(&format!("bench-stapel-{n}"), &script, Some(wallet)).await?;
    let cards = app
        .step(
            "unlocking and waiting for the cards",
            app.client.execute_async(UNLOCK_TO_CARDS, vec![passphrase.into(), CARD.into()]),
        )
        .await?;
    if let Some(error) = cards.get("error") {
        return Err(format!("the page did not list the cards: {error}").into());
    }
    let (pid, t0) = launched(&stamp)?;
    let origin = number(&cards, "origin")?;
    let unlock_to_cards = number(&cards, "shown")? - number(&cards, "submitted")?;
    let first_paint = match first_contentful_paint(&app, origin, t0).await? {
        Some(t) => t,
        // Without Paint Timing: the unlock form as the script first saw it (later than painted).
        None => origin + number(&cards, "seen")? - t0,
    };
    tokio::time::sleep(SETTLE).await;
    let (pss_kib, rss_kib, processes) = memory(pid)?;
    app.screenshot("cards").await?;
    let list = app.step("calling list_page", app.client.execute_async(LIST_COMMAND, vec![])).await?;
    let list_command = list["ms"].as_f64();
    if list_command.is_none() {
        eprintln!("app bench: list_page could not be timed on its own: {list}");
    }
    let filtered = app.step("choosing a skill", app.client.execute_async(SKILL_FILTER, vec![])).await?;
    if let Some(error) = filtered.get("error") {
        return Err(format!("the page did not filter by a skill: {error}").into());
    }
    eprintln!("round {n}: filtered by {} ({})", filtered["skill"], filtered["heading"]);
    app.screenshot("filtered").await?;
    app.close().await?;
    Ok(Round {
        first_paint,
        first_cards: Some(first_paint + unlock_to_cards),
        cards_as_driven: Some(origin + number(&cards, "shown")? - t0),
        unlock_to_cards: Some(unlock_to_cards),
        list_command,
        cards: cards["cards"].as_u64(),
        pss_kib,
        rss_kib,
        processes,
        skills_screen: filtered["skills"].as_f64(),
        skill_filter: filtered["filter"].as_f64(),
    })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

fn median_of(rounds: &[Round], f: impl Fn(&Round) -> Option<f64>) -> Option<f64> {
    let values: Vec<f64> = rounds.iter().filter_map(f).collect();
    if values.is_empty() { None } else { Some(median(values)) }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(wallet), Some(passphrase_file), Some(blank)) = (args.first(), args.get(1), args.get(2)) else {
        return Err("usage: stapel-app-bench WALLET PASSPHRASE-FILE BLANK-WINDOW [ROUNDS [KEYCHAIN-WALLET]]".into());
    };
    let rounds: usize = args.get(3).map(|r| r.parse()).transpose()?.unwrap_or(3).max(1);
    let keychain_wallet = args.get(4).map(PathBuf::from);
    let passphrase = std::fs::read_to_string(passphrase_file)?.trim_end_matches(['\n', '\r']).to_string();
    let (wallet, blank) = (PathBuf::from(wallet), PathBuf::from(blank));
    std::fs::create_dir_all(screenshot_dir())?;
    let dir = tempfile::tempdir()?;

    // Alternating rounds: whatever else the machine does weighs on both sides alike.
    let (mut stapel, mut blanks, mut keychain) = (Vec::new(), Vec::new(), Vec::new());
    for n in 1..=rounds {
        let b = blank_round(dir.path(), &blank, n).await?;
        eprintln!("round {n}: blank first paint {:.0} ms, PSS {} MiB", b.first_paint, b.pss_kib / 1024);
        blanks.push(b);
        let s = stapel_round(dir.path(), &wallet, &passphrase, n).await?;
        eprintln!(
            "round {n}: Stapel first paint {:.0} ms, first cards {:.0} ms ({} cards), PSS {} MiB",
            s.first_paint,
            s.first_cards.unwrap_or(f64::NAN),
            s.cards.unwrap_or(0),
            s.pss_kib / 1024
        );
        stapel.push(s);
        if let Some(kw) = &keychain_wallet {
            let k = keychain_round(dir.path(), kw, n).await?;
            eprintln!(
                "round {n}: keychain wallet first cards {:.0} ms, PSS {} MiB",
                k.first_cards.unwrap_or(f64::NAN),
                k.pss_kib / 1024
            );
            keychain.push(k);
        }
    }

    let blank_paint = median_of(&blanks, |r| Some(r.first_paint)).unwrap_or(f64::NAN);
    let blank_pss = median_of(&blanks, |r| Some(r.pss_kib as f64)).unwrap_or(f64::NAN);
    let blank_rss = median_of(&blanks, |r| Some(r.rss_kib as f64)).unwrap_or(f64::NAN);
    let cards = stapel.iter().find_map(|r| r.cards).unwrap_or(0);
    println!();
    println!("app benchmark: the Stapel app on a wallet of {cards} listed credentials beside a blank Tauri window");
    println!("({rounds} alternating rounds, medians; app {}; under Xvfb, software rendering)", app_binary().display());
    println!();
    println!("{:<46} {:>12} {:>12} {:>10} {:>8}", "", "Stapel", "blank", "ratio", "goal");
    let ms = |v: Option<f64>| v.map(|v| format!("{v:.0} ms")).unwrap_or_else(|| "-".into());
    let row = |label: &str, s: Option<f64>, b: Option<f64>, goal: &str| {
        let r = match (s, b) {
            (Some(s), Some(b)) if b > 0.0 => format!("{:.2}x", s / b),
            _ => "-".into(),
        };
        println!("{label:<46} {:>12} {:>12} {r:>10} {goal:>8}", ms(s), ms(b));
    };
    row("launch to first paint", median_of(&stapel, |r| Some(r.first_paint)), Some(blank_paint), "");
    row("launch to first cards painted", median_of(&stapel, |r| r.first_cards), Some(blank_paint), "<= 1.5x");
    row("  of which: submit to cards painted", median_of(&stapel, |r| r.unlock_to_cards), None, "");
    row("  list_page command alone (50 cards)", median_of(&stapel, |r| r.list_command), None, "");
    row("launch to cards, as driven over WebDriver", median_of(&stapel, |r| r.cards_as_driven), Some(blank_paint), "");
    if keychain.is_empty() {
        println!("{:<46} not measured (no keychain wallet given)", "launch to first cards, keychain wallet");
    } else {
        row(
            "launch to first cards, keychain wallet",
            median_of(&keychain, |r| r.first_cards),
            Some(blank_paint),
            "<= 1.5x",
        );
    }
    // No blank-window counterpart: beside the blank window's first paint, for scale.
    row("open the Skills screen (skills painted)", median_of(&stapel, |r| r.skills_screen), Some(blank_paint), "");
    row("choose a skill to filtered cards painted", median_of(&stapel, |r| r.skill_filter), Some(blank_paint), "");
    let mib = |kib: f64| format!("{:.1} MiB", kib / 1024.0);
    let mem = |label: &str, s: f64, b: f64, goal: &str| {
        println!("{label:<46} {:>12} {:>12} {:>10} {goal:>8}", mib(s), mib(b), format!("{:.2}x", s / b));
    };
    let stapel_pss = median_of(&stapel, |r| Some(r.pss_kib as f64)).unwrap_or(f64::NAN);
    let stapel_rss = median_of(&stapel, |r| Some(r.rss_kib as f64)).unwrap_or(f64::NAN);
    mem("memory, PSS summed over app + WebKit", stapel_pss, blank_pss, "<= 1.5x");
    if let Some(k) = median_of(&keychain, |r| Some(r.pss_kib as f64)) {
        mem("memory, PSS, keychain wallet", k, blank_pss, "<= 1.5x");
    }
    mem("memory, RSS summed (shared pages counted twice)", stapel_rss, blank_rss, "");
    println!();
    let list = |label: &str, r: Option<&Round>| {
        if let Some(r) = r {
            let each: Vec<String> =
                r.processes.iter().map(|(n, k)| format!("{n} {:.1} MiB", *k as f64 / 1024.0)).collect();
            println!("{label} processes (last round, PSS): {}", each.join(", "));
        }
    };
    list("Stapel", stapel.last());
    list("blank", blanks.last());
    println!("screenshots of each round: {}", screenshot_dir().display());
    Ok(())
}
