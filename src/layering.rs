//! The layering test: reads every `crate::` path in `src/` (outside `#[cfg(test)]` code,
//! `*_tests.rs` files and comments) and fails on an import between rooms (top-level modules) that points up the
//! layers below, which also rules out every cycle between rooms. The order is the plan of
//! `docs/architecture.md`: data flows down, `cli` on top.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Rooms from the top down: a room may use only rooms after it.
const LAYERS: &[&str] = &[
    "cli",
    "report",
    "evaluate",
    "online",
    "pipeline",
    "validation",
    "simulate",
    "features",
    "preprocess",
    "model",
    "windows",
    "io",
    "signal",
    "recording",
    "limits",
    "error",
];

/// The room of a source file: its first path component under `src/` (`io/edf.rs` → `io`).
fn room_of(rel: &Path) -> String {
    let first = rel.components().next().expect("a path").as_os_str();
    first.to_string_lossy().trim_end_matches(".rs").to_string()
}

/// The source text that is compiled outside tests, without comments.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first segment of every path named after `crate::` (`crate::{io::Event, Error}` gives
/// `io` and `Error`).
fn crate_names(code: &str) -> Vec<String> {
    names_after(code, "crate::")
}

/// Room-to-room edges of the library: (from, to) → one file that makes it.
fn edges(src: &Path) -> BTreeMap<(String, String), String> {
    // names the crate root re-exports (`pub use error::{Error, Result}`) stand for their room
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("src/lib.rs");
    let mut alias: BTreeMap<String, String> = BTreeMap::new();
    for line in lib.lines() {
        if let Some(rest) = line.trim().strip_prefix("pub use ") {
            let (room, items) = rest.split_once("::").unwrap_or((rest, ""));
            let items = items
                .trim_end_matches(';')
                .trim_matches(|c| c == '{' || c == '}');
            for item in items.split(',') {
                alias.insert(item.trim().to_string(), room.to_string());
            }
        }
    }
    let rooms: BTreeSet<&str> = LAYERS.iter().copied().collect();
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("a source folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path.strip_prefix(src).expect("under src");
            if path.extension().is_none_or(|e| e != "rs")
                || rel == Path::new("lib.rs")
                || rel == Path::new("main.rs")
                || rel == Path::new("layering.rs")
                || path.to_string_lossy().ends_with("_tests.rs")
            {
                continue;
            }
            let from = room_of(rel);
            let text = std::fs::read_to_string(&path).expect("a source file");
            for name in crate_names(&code(&text)) {
                let to = alias.get(&name).cloned().unwrap_or(name);
                if to != from && rooms.contains(to.as_str()) {
                    out.entry((from.clone(), to))
                        .or_insert_with(|| rel.display().to_string());
                }
            }
        }
    }
    out
}

#[test]
fn every_room_is_in_the_layer_list() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for entry in std::fs::read_dir(&src).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        let room = name.trim_end_matches(".rs");
        if ["lib", "main", "layering"].contains(&room) {
            continue;
        }
        assert!(
            LAYERS.contains(&room),
            "src/{name}: a room missing from LAYERS in src/layering.rs (place it in the order)"
        );
    }
}

#[test]
fn imports_point_down_the_layers_only() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let rank = |room: &str| LAYERS.iter().position(|r| *r == room).expect("a room");
    let edges = edges(&src);
    // the reader works: cli reaches the pipeline, the pipeline reaches the readers
    assert!(edges.contains_key(&("cli".to_string(), "pipeline".to_string())));
    assert!(edges.contains_key(&("pipeline".to_string(), "io".to_string())));
    let up: Vec<String> = edges
        .iter()
        .filter(|((from, to), _)| rank(to) <= rank(from))
        .map(|((from, to), file)| format!("{from} -> {to} (src/{file})"))
        .collect();
    assert!(
        up.is_empty(),
        "imports that point up the layers (or close a cycle): {up:?}"
    );
}

#[test]
fn crate_paths_are_read_from_use_groups_and_inline_paths() {
    let text = "use crate::{io::{Event, Warning}, Error};\nlet x = crate::windows::Window::new(); // crate::cli\n#[cfg(test)]\nuse crate::cli;";
    assert_eq!(crate_names(&code(text)), ["io", "Error", "windows"]);
}

/// Names a folder's `mod.rs` re-exports (`pub use x::{A, b::C}` → `A` and `C` come from `x`).
fn reexports(mod_rs: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for stmt in code(mod_rs).split(';') {
        let Some(rest) = stmt.trim().strip_prefix("pub use ") else {
            continue;
        };
        let rest = rest.trim_start_matches("self::");
        let Some((child, items)) = rest.split_once("::") else {
            continue;
        };
        for item in items.split(|c: char| "{},".contains(c)) {
            let name = item.rsplit("::").next().unwrap_or("").trim();
            let name = name.rsplit(" as ").next().unwrap_or("").trim();
            if !name.is_empty() {
                out.insert(name.to_string(), child.trim().to_string());
            }
        }
    }
    out
}

/// The first segment of every path after `prefix` (`super::`, `crate::io::`) in `code`:
/// `super::a::x` names `a`; a use group `super::{a, b::{c, d}}` names `a` and `b` (items split
/// at commas outside nested groups). A prefix inside a longer path (`x::super::`) is skipped.
fn names_after(code: &str, prefix: &str) -> Vec<String> {
    let first = |s: &str| -> String {
        s.trim()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut names = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find(prefix) {
        let before = rest[..i].chars().next_back();
        rest = &rest[i + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let Some(group) = rest.strip_prefix('{') else {
            names.push(first(rest));
            continue;
        };
        // a use group: items separated by commas at depth 0, up to its closing brace
        let (mut depth, mut item_start) = (0usize, 0usize);
        for (j, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    names.push(first(&group[item_start..j]));
                    break;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    names.push(first(&group[item_start..j]));
                    item_start = j + 1;
                }
                _ => {}
            }
        }
        rest = group;
    }
    names.retain(|n| !n.is_empty());
    names
}

/// Edges between the parts of one folder module (`dir`, relative to `src`): its files other
/// than `mod.rs` and its sub-folders. A part names another through `super::x` or
/// `crate::<dir>::x`, directly or through a name `mod.rs` re-exports from `x`.
fn folder_edges(src: &Path, dir: &Path) -> BTreeMap<(String, String), String> {
    let base = src.join(dir);
    let exports = reexports(&std::fs::read_to_string(base.join("mod.rs")).unwrap_or_default());
    let mut parts: BTreeSet<String> = BTreeSet::new();
    let mut files: Vec<(String, std::path::PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(&base).expect("a source folder") {
        let path = entry.expect("an entry").path();
        let name = path
            .file_stem()
            .expect("a name")
            .to_string_lossy()
            .to_string();
        if path.is_dir() {
            parts.insert(name.clone());
            let mut stack = vec![path];
            while let Some(d) = stack.pop() {
                for e in std::fs::read_dir(&d).expect("a source folder") {
                    let p = e.expect("an entry").path();
                    if p.is_dir() {
                        stack.push(p);
                    } else if p.extension().is_some_and(|e| e == "rs") {
                        files.push((name.clone(), p));
                    }
                }
            }
        } else if path.extension().is_some_and(|e| e == "rs") && name != "mod" {
            parts.insert(name.clone());
            files.push((name, path));
        }
    }
    let crate_prefix = format!(
        "crate::{}::",
        dir.to_string_lossy()
            .replace(std::path::MAIN_SEPARATOR, "::")
    );
    let mut out = BTreeMap::new();
    for (from, path) in files {
        if path.to_string_lossy().ends_with("_tests.rs") {
            continue;
        }
        let text = code(&std::fs::read_to_string(&path).expect("a source file"));
        let direct = path.parent() == Some(base.as_path());
        let mut names = names_after(&text, &crate_prefix);
        if direct {
            names.extend(names_after(&text, "super::"));
        }
        for name in names {
            let to = if parts.contains(&name) {
                Some(name)
            } else {
                exports.get(&name).cloned()
            };
            if let Some(to) = to.filter(|t| *t != from && parts.contains(t)) {
                let rel = path.strip_prefix(src).expect("under src");
                out.entry((from.clone(), to))
                    .or_insert_with(|| rel.display().to_string());
            }
        }
    }
    out
}

/// A cycle in a directed graph, if there is one (as its nodes in order).
fn find_cycle(edges: &BTreeMap<(String, String), String>) -> Option<Vec<String>> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (a, b) in edges.keys() {
        next.entry(a).or_default().push(b);
    }
    // depth-first search; state 1 = on the current path, 2 = done
    fn visit<'a>(
        v: &'a str,
        next: &BTreeMap<&'a str, Vec<&'a str>>,
        state: &mut BTreeMap<&'a str, u8>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        state.insert(v, 1);
        path.push(v);
        for &w in next.get(v).map_or(&[][..], |n| n.as_slice()) {
            match state.get(w) {
                Some(1) => {
                    let start = path.iter().position(|p| *p == w).expect("on the path");
                    let mut cycle: Vec<String> =
                        path[start..].iter().map(|s| s.to_string()).collect();
                    cycle.push(w.to_string());
                    return Some(cycle);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(w, next, state, path) {
                        return Some(c);
                    }
                }
            }
        }
        path.pop();
        state.insert(v, 2);
        None
    }
    let mut state = BTreeMap::new();
    let nodes: Vec<&str> = next.keys().copied().collect();
    for v in nodes {
        if !state.contains_key(v) {
            if let Some(c) = visit(v, &next, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn no_folder_has_a_cycle_between_its_files() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut dirs = vec![];
    let mut stack = vec![src.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p.strip_prefix(&src).unwrap().to_path_buf());
                stack.push(p);
            }
        }
    }
    assert!(
        dirs.iter().any(|d| d == Path::new("io")),
        "src/io is scanned"
    );
    let mut cycles = Vec::new();
    for dir in &dirs {
        let edges = folder_edges(&src, dir);
        if let Some(c) = find_cycle(&edges) {
            let files: Vec<String> = c
                .windows(2)
                .map(|w| {
                    format!(
                        "{} -> {} (src/{})",
                        w[0],
                        w[1],
                        edges[&(w[0].clone(), w[1].clone())]
                    )
                })
                .collect();
            cycles.push(format!("src/{}: {}", dir.display(), files.join(", ")));
        }
    }
    assert!(
        cycles.is_empty(),
        "files of a folder that import each other in a cycle (mod.rs, the folder's face, excepted): {cycles:#?}"
    );
}

#[test]
fn folder_edges_follow_super_crate_paths_and_reexports() {
    let text = "use super::{format::Format, Loaded};\nuse crate::io::stream::Block;\nfn f() { self::x(); a_super::b(); }";
    assert_eq!(names_after(&code(text), "super::"), ["format", "Loaded"]);
    assert_eq!(names_after(&code(text), "crate::io::"), ["stream"]);
    let mod_rs = "pub mod format;\npub use format::{open_stream, Loaded};\npub use vendor::read_any as read;";
    let ex = reexports(mod_rs);
    assert_eq!(ex["Loaded"], "format");
    assert_eq!(ex["open_stream"], "format");
    assert_eq!(ex["read"], "vendor");
    let mut e = BTreeMap::new();
    e.insert(("a".to_string(), "b".to_string()), "a.rs".to_string());
    assert_eq!(find_cycle(&e), None);
    e.insert(("b".to_string(), "a".to_string()), "b.rs".to_string());
    assert_eq!(
        find_cycle(&e),
        Some(vec!["a".into(), "b".into(), "a".into()])
    );
}

/// The longest a source file may be (lines), and a function (lines from `fn` to its closing
/// brace) unless a `// long: <reason>` comment above it says why.
const MAX_FILE_LINES: usize = 600;
const MAX_FN_LINES: usize = 80;

/// Functions of `text` longer than `max` lines without a `// long:` reason above them:
/// (line of the `fn`, name, lines). Code after the first `#[cfg(test)]` is not looked at.
fn long_functions(text: &str, max: usize) -> Vec<(usize, String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let end = lines
        .iter()
        .position(|l| l.trim() == "#[cfg(test)]")
        .unwrap_or(lines.len());
    let mut out = Vec::new();
    let mut i = 0;
    while i < end {
        let code_part = lines[i].split("//").next().unwrap_or("");
        let name = code_part
            .split_whitespace()
            .skip_while(|w| *w != "fn")
            .nth(1)
            .map(|w| w.split(['(', '<']).next().unwrap_or("").to_string());
        let Some(name) = name.filter(|n| !n.is_empty() && !code_part.contains('"')) else {
            i += 1;
            continue;
        };
        // the body: from the first `{` to the brace that closes it (strings and chars skipped)
        let (mut depth, mut opened, mut j) = (0i64, false, i);
        'scan: while j < lines.len() {
            let mut in_str = false;
            let mut prev = ' ';
            let line = lines[j];
            let body = if in_str {
                line
            } else {
                line.split("//").next().unwrap_or("")
            };
            for c in body.chars() {
                match c {
                    '"' if prev != '\\' && prev != '\'' => in_str = !in_str,
                    '{' if !in_str && prev != '\'' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' if !in_str && prev != '\'' => depth -= 1,
                    ';' if !in_str && !opened && depth == 0 => break 'scan,
                    _ => {}
                }
                prev = if prev == '\\' && c == '\\' { ' ' } else { c };
            }
            if opened && depth == 0 {
                break;
            }
            j += 1;
        }
        let len = j - i + 1;
        let reason = lines[..i]
            .iter()
            .rev()
            .take_while(|l| {
                let t = l.trim_start();
                t.starts_with("//") || t.starts_with("#[")
            })
            .any(|l| l.trim_start().starts_with("// long:"));
        // or as the first line of the body
        let reason = reason
            || lines[i + 1..=j.min(lines.len() - 1)]
                .iter()
                .take_while(|l| l.trim_start().starts_with("//") || !l.contains(';'))
                .take(12)
                .any(|l| l.trim_start().starts_with("// long:"));
        if opened && len > max && !reason {
            out.push((i + 1, name, len));
        }
        // nested functions are part of their parent
        i = if opened { j + 1 } else { i + 1 };
    }
    out
}

#[test]
fn files_and_functions_stay_short() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut problems = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = p.strip_prefix(&src).unwrap().display().to_string();
            let text = std::fs::read_to_string(&p).unwrap();
            let n = text.lines().count();
            if n > MAX_FILE_LINES {
                problems.push(format!("src/{rel}: {n} lines (at most {MAX_FILE_LINES})"));
            }
            if rel.ends_with("_tests.rs") {
                continue;
            }
            for (line, name, len) in long_functions(&text, MAX_FN_LINES) {
                problems.push(format!(
                    "src/{rel}:{line}: fn {name} is {len} lines (at most {MAX_FN_LINES}, or a `// long: <reason>` comment above it)"
                ));
            }
        }
    }
    problems.sort();
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn long_functions_are_measured_from_fn_to_its_closing_brace() {
    let short = "fn a() {\n    let s = \"}\";\n    let c = '}';\n}\n";
    assert!(long_functions(short, 4).is_empty());
    assert_eq!(long_functions(short, 3), [(1, "a".to_string(), 4)]);
    let reasoned = "// long: one table of cases\nfn a() {\n\n\n}\n";
    assert!(long_functions(reasoned, 2).is_empty());
    let inside = "fn a(\n    x: u8,\n) {\n    // long: one table of cases\n    let y = x;\n\n}\n";
    assert!(long_functions(inside, 2).is_empty());
    let declared = "trait T {\n    fn a(&self) -> u8;\n}\n";
    assert!(long_functions(declared, 0).is_empty());
    let tests_after = "#[cfg(test)]\nmod tests {\n    fn a() {\n\n\n    }\n}\n";
    assert!(long_functions(tests_after, 1).is_empty());
}
