//! The crate's top-level modules may not depend on one another in a cycle: a cycle means no module of it can be
//! read, tested or moved without the others. This test reads the sources, takes every `crate::<module>` path
//! (in `use` items, `use crate::{a, b::c}` groups and inline paths alike; comments and string literals aside)
//! as an edge from the file's top-level module to `<module>`, and fails on any cycle, naming its modules.
//!
//! Run it alone with `cargo test -p disrupt-api --lib module_graph`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level module -> the top-level modules it names.
type Graph = BTreeMap<String, BTreeSet<String>>;

/// The source without comments, string and character literals (each replaced by a space), so that only code
/// is searched for paths.
fn code_only(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !ident_char(out.chars().last()) {
            // A raw string: r"..", r#".."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            while j < chars.len() {
                if chars[j] == '"' && (0..hashes).all(|h| chars.get(j + 1 + h) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push(' ');
            i = j;
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push(' ');
        } else if c == '\'' && (next == Some('\\') || chars.get(i + 2) == Some(&'\'')) {
            // A character literal ('x', '\n', '\''); a lifetime ('a) has no closing quote right after.
            i += if next == Some('\\') { 3 } else { 2 };
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            i += 1;
            out.push(' ');
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident_char(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// The identifier starting at `at`, if one does.
fn ident_at(chars: &[char], at: usize) -> Option<String> {
    let ident: String = chars[at.min(chars.len())..].iter().take_while(|c| c.is_alphanumeric() || **c == '_').collect();
    (!ident.is_empty()).then_some(ident)
}

/// The top-level modules named by `crate::` paths in `code`.
fn named_modules(code: &str) -> BTreeSet<String> {
    let chars: Vec<char> = code.chars().collect();
    let needle: Vec<char> = "crate::".chars().collect();
    let mut named = BTreeSet::new();
    let mut i = 0;
    while i + needle.len() <= chars.len() {
        if chars[i..i + needle.len()] != needle[..] || (i > 0 && ident_char(Some(chars[i - 1]))) {
            i += 1;
            continue;
        }
        let mut at = i + needle.len();
        while chars.get(at).is_some_and(|c| c.is_whitespace()) {
            at += 1;
        }
        if chars.get(at) == Some(&'{') {
            // `crate::{a, b::{c, d}, e}`: the first name of each item at the group's own depth.
            let mut depth = 0;
            let mut item_start = true;
            while at < chars.len() {
                match chars[at] {
                    '{' => {
                        depth += 1;
                        item_start = depth == 1;
                    }
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => item_start = true,
                    c if c.is_whitespace() => {}
                    _ if depth == 1 && item_start => {
                        if let Some(ident) = ident_at(&chars, at) {
                            at += ident.len() - 1;
                            named.insert(ident);
                        }
                        item_start = false;
                    }
                    _ => {}
                }
                at += 1;
            }
        } else if let Some(ident) = ident_at(&chars, at) {
            named.insert(ident);
        }
        i += needle.len();
    }
    // Items of the crate root (`crate::AppState`) and `crate::self` are not modules.
    named.retain(|name| name.starts_with(|c: char| c.is_lowercase()) && name != "self");
    named
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display())) {
        let path = entry.unwrap_or_else(|e| panic!("reading {}: {e}", dir.display())).path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The graph of the modules under `src`: `src/a.rs` and `src/a/**.rs` are module `a`; the crate root and the
/// binary (`lib.rs`, `main.rs`) are not modules.
fn graph_of(src: &Path) -> Graph {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut graph = Graph::new();
    for file in files {
        let relative = file.strip_prefix(src).expect("under src");
        let first = relative.components().next().expect("a file").as_os_str().to_string_lossy();
        let module = first.strip_suffix(".rs").unwrap_or(&first).to_owned();
        if module == "lib" || module == "main" {
            continue;
        }
        let source = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
        let edges = graph.entry(module.clone()).or_default();
        edges.extend(named_modules(&code_only(&source)).into_iter().filter(|named| *named != module));
    }
    graph
}

/// The cycles of `graph`: its strongly connected components of more than one module (Tarjan's algorithm), each
/// sorted.
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    struct Walk<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        found: Vec<Vec<String>>,
    }
    impl<'g> Walk<'g> {
        fn visit(&mut self, module: &'g str) {
            let n = self.index.len();
            self.index.insert(module, n);
            self.low.insert(module, n);
            self.stack.push(module);
            for next in self.graph.get(module).into_iter().flatten() {
                let next = next.as_str();
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[module].min(self.low[next]);
                    self.low.insert(module, low);
                } else if self.stack.contains(&next) {
                    let low = self.low[module].min(self.index[next]);
                    self.low.insert(module, low);
                }
            }
            if self.low[module] == self.index[module] {
                let at = self.stack.iter().rposition(|m| *m == module).expect("on the stack");
                let mut component: Vec<String> = self.stack.drain(at..).map(str::to_owned).collect();
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk { graph, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), found: Vec::new() };
    for module in graph.keys() {
        if !walk.index.contains_key(module.as_str()) {
            walk.visit(module);
        }
    }
    walk.found
}

#[test]
fn the_api_modules_depend_on_one_another_without_a_cycle() {
    let graph = graph_of(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(graph.contains_key("service") && graph.contains_key("store"), "the sources were not found: {graph:?}");
    let found = cycles(&graph);
    assert!(
        found.is_empty(),
        "module cycles in disrupt-api: {found:?}\nedges of their modules: {:#?}",
        found.iter().flatten().map(|m| (m, &graph[m])).collect::<BTreeMap<_, _>>()
    );
}

#[test]
fn paths_are_found_in_groups_and_inline_but_not_in_comments_or_strings() {
    let code = code_only(
        "use crate::{a::X, b::{c, d}, e};\nuse crate::f;\nfn g() { crate::h::run(); }\n\
         // crate::comment\n/* crate::block */ let s = \"crate::string\"; let c = '\"'; crate::AppState;",
    );
    let names: Vec<String> = named_modules(&code).into_iter().collect();
    assert_eq!(names, ["a", "b", "e", "f", "h"]);
}

#[test]
fn a_cycle_is_found_and_a_chain_is_not() {
    let graph = |edges: &[(&str, &str)]| {
        let mut graph = Graph::new();
        for (from, to) in edges {
            graph.entry((*from).to_owned()).or_default().insert((*to).to_owned());
            graph.entry((*to).to_owned()).or_default();
        }
        graph
    };
    assert!(cycles(&graph(&[("routes", "service"), ("service", "store"), ("auth", "store")])).is_empty());
    let found = cycles(&graph(&[("service", "auth"), ("auth", "service"), ("service", "store")]));
    assert_eq!(found, [vec!["auth".to_owned(), "service".to_owned()]]);
}
