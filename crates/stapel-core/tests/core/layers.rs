//! The layering rule, read off the source: every `.rs` file under `crates/stapel-core/src`,
//! its `crate::…` paths (in `use` lines and in code; comments left out) checked against the
//! edges each top-level module may have. Pure modules (`net`, `formats`, `verify`,
//! `stacking`, `present`, and `claim` and `registry` when they come) never use `store` or
//! `wallet`; `store` uses only the data it keeps (`formats`, and `verify`'s `Report` and
//! `Verdict`), never `stacking`; `wallet` may use everything. A new top-level module fails the
//! test until it is given its place here.

use std::path::{Path, PathBuf};

/// What a module may use of another: all of it, or only the items named.
#[derive(Clone, Copy)]
enum Uses {
    All,
    Only(&'static [&'static str]),
}

/// The modules a top-level module may use besides itself, and the layer it is in.
struct Rule {
    module: &'static str,
    layer: &'static str,
    may_use: &'static [(&'static str, Uses)],
}

const PURE: &str = "pure";

const RULES: &[Rule] = &[
    Rule { module: "net", layer: PURE, may_use: &[] },
    Rule { module: "formats", layer: PURE, may_use: &[("net", Uses::All)] },
    Rule { module: "verify", layer: PURE, may_use: &[("net", Uses::All)] },
    Rule { module: "stacking", layer: PURE, may_use: &[("formats", Uses::All)] },
    Rule { module: "present", layer: PURE, may_use: &[("verify", Uses::All)] },
    Rule {
        module: "claim",
        layer: PURE,
        may_use: &[("net", Uses::All), ("formats", Uses::All), ("verify", Uses::All)],
    },
    Rule {
        module: "registry",
        layer: PURE,
        may_use: &[("net", Uses::All), ("formats", Uses::All), ("verify", Uses::All)],
    },
    Rule {
        module: "store",
        layer: "store",
        may_use: &[("formats", Uses::All), ("verify", Uses::Only(&["Report", "Verdict"]))],
    },
    Rule {
        module: "wallet",
        layer: "wallet",
        may_use: &[
            ("net", Uses::All),
            ("formats", Uses::All),
            ("verify", Uses::All),
            ("stacking", Uses::All),
            ("present", Uses::All),
            ("claim", Uses::All),
            ("registry", Uses::All),
            ("store", Uses::All),
        ],
    },
];

/// One use of another module: `crate::module::item` (item is `*` for a bare `crate::module`).
#[derive(Debug, PartialEq, Eq)]
struct CrateUse {
    line: usize,
    module: String,
    item: String,
}

/// A line crossed, named by file, line and rule.
#[derive(Debug, PartialEq, Eq)]
struct Violation(String);

/// The source with every `//` comment blanked (line breaks kept, so line numbers stay).
fn without_comments(source: &str) -> String {
    source
        .lines()
        .map(|line| {
            let mut in_string = false;
            let bytes = line.as_bytes();
            for i in 0..bytes.len() {
                match bytes[i] {
                    b'"' if i == 0 || bytes[i - 1] != b'\\' => in_string = !in_string,
                    b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => return &line[..i],
                    _ => {}
                }
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident_at(text: &str) -> &str {
    let end = text.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(text.len());
    &text[..end]
}

/// The top-level entries of a `{…}` group starting at `text[0] == '{'`, each trimmed.
fn group_entries(text: &str) -> Vec<&str> {
    let mut depth = 0;
    let mut start = 1;
    let mut out = Vec::new();
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    out.push(text[start..i].trim());
                    break;
                }
            }
            ',' if depth == 1 => {
                out.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.into_iter().filter(|e| !e.is_empty()).collect()
}

/// Every `crate::…` path in `source`: each module it reaches and the first item it names there.
fn crate_uses(source: &str) -> Vec<CrateUse> {
    let code = without_comments(source);
    let mut out = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `$crate::` or a longer name ending in `crate`
        }
        let line = code[..at].matches('\n').count() + 1;
        let rest = &code[at + "crate::".len()..];
        // `crate::{a, b::c}` reaches several modules at once.
        let paths: Vec<&str> = if rest.starts_with('{') { group_entries(rest) } else { vec![rest] };
        for path in paths {
            let module = ident_at(path);
            if module.is_empty() {
                continue;
            }
            let after = &path[module.len()..];
            let item = match after.strip_prefix("::") {
                Some(tail) if tail.starts_with('{') => {
                    for entry in group_entries(tail) {
                        let item = if entry.starts_with('*') { "*" } else { ident_at(entry) };
                        out.push(CrateUse { line, module: module.to_string(), item: item.to_string() });
                    }
                    continue;
                }
                Some(tail) if tail.starts_with('*') => "*".to_string(),
                Some(tail) => ident_at(tail).to_string(),
                None => "*".to_string(),
            };
            out.push(CrateUse { line, module: module.to_string(), item });
        }
    }
    out
}

/// The lines `source` (the file `file` of top-level module `module`) crosses.
fn violations(module: &str, file: &str, source: &str) -> Vec<Violation> {
    let Some(rule) = RULES.iter().find(|r| r.module == module) else {
        return vec![Violation(format!(
            "{file}: the module `{module}` has no place in the layers: give it a rule in tests/core/layers.rs"
        ))];
    };
    let mut out = Vec::new();
    for u in crate_uses(source) {
        if u.module == module {
            continue;
        }
        let allowed = rule.may_use.iter().find(|(m, _)| *m == u.module).map(|(_, uses)| *uses);
        let why = match allowed {
            Some(Uses::All) => continue,
            Some(Uses::Only(items)) if items.contains(&u.item.as_str()) => continue,
            Some(Uses::Only(items)) => format!(
                "`{module}` may use only {} of `{}`, not `{}`",
                items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", "),
                u.module,
                u.item
            ),
            None if rule.layer == PURE && (u.module == "store" || u.module == "wallet") => format!(
                "`{module}` is pure and may not use `{}`: pure modules use neither the store nor the wallet layer",
                u.module
            ),
            None if module == "store" => format!(
                "the store keeps what it is given and may not use `{}` (only `formats` and `verify::{{Report, Verdict}}`)",
                u.module
            ),
            None => format!(
                "`{module}` may not use `{}`: it may use {}",
                u.module,
                if rule.may_use.is_empty() {
                    "nothing else of the crate".to_string()
                } else {
                    rule.may_use.iter().map(|(m, _)| format!("`{m}`")).collect::<Vec<_>>().join(", ")
                }
            ),
        };
        let v = Violation(format!("{file}:{}: {why}", u.line));
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("the source folder is readable").flatten().collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_core_s_layers_point_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 40, "the core's sources are found ({} files)", files.len());
    let mut crossed = Vec::new();
    for path in &files {
        let relative = path.strip_prefix(&src).expect("under src");
        let first = relative.components().next().expect("a file").as_os_str().to_string_lossy();
        let module = first.trim_end_matches(".rs");
        if module == "lib" {
            continue;
        }
        let source = std::fs::read_to_string(path).expect("a source file is readable");
        let file = format!("src/{}", relative.display());
        crossed.extend(violations(module, &file, &source));
    }
    assert!(
        crossed.is_empty(),
        "lines crossed:\n{}",
        crossed.iter().map(|v| v.0.as_str()).collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn a_pure_module_that_uses_the_store_or_the_wallet_layer_is_named_with_file_line_and_rule() {
    let source = "//! Pure.\n\nuse crate::formats::Credential;\nuse crate::store::Wallet;\nfn f() { crate::wallet::check::timestamp(now) }\n";
    assert_eq!(
        violations("stacking", "src/stacking/x.rs", source),
        vec![
            Violation("src/stacking/x.rs:4: `stacking` is pure and may not use `store`: pure modules use neither the store nor the wallet layer".into()),
            Violation("src/stacking/x.rs:5: `stacking` is pure and may not use `wallet`: pure modules use neither the store nor the wallet layer".into()),
        ]
    );
}

#[test]
fn the_store_may_use_the_report_it_keeps_but_not_stacking_nor_the_rest_of_verify() {
    let source = "use crate::verify::{Report, Verdict};\nuse crate::formats::{Credential, Format, credits};\nuse crate::{stacking::Pathway, verify::verify_json};\n";
    assert_eq!(
        violations("store", "src/store/x.rs", source),
        vec![
            Violation("src/store/x.rs:3: the store keeps what it is given and may not use `stacking` (only `formats` and `verify::{Report, Verdict}`)".into()),
            Violation("src/store/x.rs:3: `store` may use only `Report`, `Verdict` of `verify`, not `verify_json`".into()),
        ]
    );
}

#[test]
fn edges_within_the_pure_layer_are_checked_and_comments_do_not_count() {
    let source = "// crate::store is named in a comment only\n/// [`crate::wallet`] too\nuse crate::formats::{\n    self,\n    Credential,\n};\nfn f() -> crate::store::Summary {}\n";
    assert_eq!(
        violations("net", "src/net/x.rs", source),
        vec![
            Violation("src/net/x.rs:3: `net` may not use `formats`: it may use nothing else of the crate".into()),
            Violation("src/net/x.rs:7: `net` is pure and may not use `store`: pure modules use neither the store nor the wallet layer".into()),
        ]
    );
    assert_eq!(
        violations("wallet", "src/wallet/x.rs", "use crate::store::Wallet;\nuse crate::stacking::Pathway;\n"),
        vec![]
    );
    assert_eq!(
        violations("newthing", "src/newthing.rs", ""),
        vec![Violation(
            "src/newthing.rs: the module `newthing` has no place in the layers: give it a rule in tests/core/layers.rs"
                .into()
        )]
    );
}
