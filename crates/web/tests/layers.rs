//! The web layer parses, calls a use case of the app layer and renders: it never reads or
//! writes the store itself, so authorisation, audit and side effects stay in one place.

#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without its comments and whitespace, so that a call split over lines
/// (`state\n    .store\n    .x()`) is found as well.
fn code(text: &str) -> String {
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<String>()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

#[test]
fn handlers_reach_the_store_only_through_the_app_layer() {
    let mut files = Vec::new();
    sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    assert!(files.len() > 50, "the web crate's sources were not found");
    let offenders: Vec<String> = files
        .iter()
        .filter(|f| code(&std::fs::read_to_string(f).unwrap()).contains(".store."))
        .map(|f| f.display().to_string())
        .collect();
    assert!(offenders.is_empty(), "these files use the store directly: {offenders:?}");
}

#[test]
fn the_check_finds_a_direct_store_call() {
    assert!(code("let x = state\n    .store\n    .live_blogs() // a read").contains(".store."));
    assert!(!code("let x = live_blog::public_list(&state); // not state.store.x").contains(".store."));
}
