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
    let mut names = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // a use group: items separated by commas at depth 0
            let (mut depth, mut item_start, mut end) = (0usize, 0usize, group.len());
            let mut items = Vec::new();
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        items.push(&group[item_start..j]);
                        end = j;
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        items.push(&group[item_start..j]);
                        item_start = j + 1;
                    }
                    _ => {}
                }
            }
            for item in items {
                let first: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !first.is_empty() {
                    names.push(first);
                }
            }
            rest = &group[end..];
        } else {
            let first: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            names.push(first);
        }
    }
    names
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
