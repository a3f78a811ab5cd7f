//! What every page shows: no message-catalog key as raw text (in zh-CN and in English), and
//! nothing the CSP blocks (no `style=` attribute, no inline event handler, no inline script) —
//! in the rendered pages of every demo role and in the page templates.

use std::collections::HashSet;

use crate::helpers::{TestApp, Visitor, spawn_app};
use crate::rectification::two_hazards;

/// The main pages of each demo role.
const CRAWL: &[(&str, &[&str])] = &[
    (
        "yjj",
        &[
            "/regulator",
            "/regulator/regions",
            "/regulator/enterprises",
            "/regulator/alliances",
            "/regulator/participation",
            "/regulator/hazards",
            "/regulator/inspections",
            "/regulator/supervision",
            "/regulator/labels",
            "/regulator/queue",
            "/regulator/checklists",
            "/regulator/catalog",
            "/regulator/imports",
            "/regulator/audit",
            "/notifications",
        ],
    ),
    ("tangxia", &["/regulator", "/regulator/regions"]),
    (
        "qpw",
        &[
            "/committee",
            "/committee/members",
            "/committee/groups",
            "/committee/rounds",
            "/committee/inspections",
            "/committee/hazards",
            "/committee/queue",
            "/committee/checklists",
        ],
    ),
    (
        "qiye1",
        &[
            "/enterprise",
            "/enterprise/todo",
            "/enterprise/hazards",
            "/enterprise/inspections",
            "/enterprise/alliances",
            "/enterprise/profile",
            "/enterprise/staff",
            "/enterprise/checklists",
            "/notifications",
        ],
    ),
    ("anquanyuan1", &["/enterprise", "/enterprise/todo"]),
    ("zhuanjia", &["/expert"]),
    ("admin", &["/admin", "/admin/audit"]),
];

/// The text between tags, outside `<script>`, `<style>` and `<code>` elements (`<code>` shows
/// identifiers on purpose, such as the audit log's action codes `user.create`).
fn text_nodes(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        let text = rest[..open].trim();
        if !text.is_empty() {
            out.push(text.to_string());
        }
        let tag = &rest[open..];
        let skip_to = ["<script", "<style", "<code>"]
            .iter()
            .find(|t| tag.starts_with(**t))
            .and_then(|t| tag.find(&format!("</{}", t[1..].trim_end_matches('>'))));
        let after = match skip_to {
            Some(end) => &tag[end..],
            None => tag,
        };
        match after.find('>') {
            Some(close) => rest = &after[close + 1..],
            None => return out,
        }
    }
    out
}

/// Dotted lowercase tokens (`hazard.report`) whose first part names a catalog section, or that
/// are a catalog key: a message key shown instead of its text.
fn raw_keys(html: &str, keys: &HashSet<&str>, sections: &HashSet<&str>) -> Vec<String> {
    let mut found = Vec::new();
    for text in text_nodes(html) {
        let tokens = text.split(|c: char| !(c.is_ascii_lowercase() || c == '_' || c == '.'));
        for token in tokens {
            let token = token.trim_matches('.');
            let Some((head, tail)) = token.split_once('.') else {
                continue;
            };
            if tail.is_empty() || head.is_empty() {
                continue;
            }
            if keys.contains(token) || sections.contains(head) {
                found.push(format!("{token} in {text:?}"));
            }
        }
    }
    found
}

/// What the CSP (`style-src`/`script-src` without `'unsafe-inline'`) would block.
fn csp_blocked(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    let lower = html.to_ascii_lowercase();
    for (i, _) in lower.match_indices(" style=") {
        found.push(lower[i..(i + 60).min(lower.len())].to_string());
    }
    for (i, _) in lower.match_indices(" on") {
        let attr: String = lower[i + 1..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase())
            .collect();
        if attr.len() > 2 && lower[i + 1 + attr.len()..].starts_with('=') {
            found.push(lower[i..(i + 60).min(lower.len())].to_string());
        }
    }
    for (i, _) in lower.match_indices("<script") {
        let tag_end = lower[i..].find('>').map_or(lower.len(), |e| i + e);
        if !lower[i..tag_end].contains(" src=") {
            found.push(lower[i..(i + 60).min(lower.len())].to_string());
        }
    }
    found
}

async fn page_in(v: &Visitor, path: &str, lang: &str) -> String {
    let res = v
        .client
        .get(v.url(path))
        .header("accept-language", lang)
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), 200, "GET {path} in {lang}");
    res.text().await.expect("body")
}

async fn crawl(app: &TestApp) -> Vec<(String, String, String)> {
    let mut pages = Vec::new();
    for (user, paths) in CRAWL {
        let v = app.logged_in(user).await;
        for path in *paths {
            for lang in ["zh-CN", "en"] {
                let html = page_in(&v, path, lang).await;
                pages.push((format!("{user} {path} {lang}"), lang.to_string(), html));
            }
        }
    }
    pages
}

#[tokio::test]
async fn no_page_of_any_demo_role_shows_a_catalog_key_as_text() {
    let app = spawn_app().await;
    // Reported hazards give the enterprise a score history, a timeline and notices to show.
    two_hazards(&app).await;
    let keys: HashSet<&str> = portal::i18n::catalog_keys().collect();
    let sections: HashSet<&str> = keys
        .iter()
        .filter_map(|k| k.split_once('.').map(|(head, _)| head))
        .collect();
    let mut shown = Vec::new();
    for (name, _, html) in crawl(&app).await {
        for key in raw_keys(&html, &keys, &sections) {
            shown.push(format!("{name}: {key}"));
        }
    }
    assert!(
        shown.is_empty(),
        "raw catalog keys shown:\n{}",
        shown.join("\n")
    );
}

#[tokio::test]
async fn no_rendered_page_has_what_the_csp_blocks() {
    let app = spawn_app().await;
    two_hazards(&app).await;
    let mut blocked = Vec::new();
    for (name, lang, html) in crawl(&app).await {
        if lang == "en" {
            continue;
        }
        for hit in csp_blocked(&html) {
            blocked.push(format!("{name}: {hit}"));
        }
    }
    assert!(
        blocked.is_empty(),
        "blocked by the CSP:\n{}",
        blocked.join("\n")
    );
}

/// The page templates (emails are not served under the CSP and keep their inline styles).
#[test]
fn no_page_template_has_what_the_csp_blocks() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../frontend/templates");
    let mut stack = vec![root.clone()];
    let mut blocked = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("templates dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "emails") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "html") {
                let src = std::fs::read_to_string(&path).expect("template");
                for hit in csp_blocked(&src) {
                    blocked.push(format!("{}: {hit}", path.display()));
                }
            }
        }
    }
    assert!(
        blocked.is_empty(),
        "blocked by the CSP:\n{}",
        blocked.join("\n")
    );
}
