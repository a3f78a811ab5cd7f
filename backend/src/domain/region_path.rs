//! Region scope as a path: each region keeps `/330381/330381101/…/` (codes from the root,
//! slash-delimited and slash-terminated). "Inside my jurisdiction" is a prefix match on an
//! indexed column, the same on SQLite and PostgreSQL.

/// The path of a child region under `parent_path` (or a root when `None`).
pub fn child_path(parent_path: Option<&str>, code: &str) -> String {
    match parent_path {
        Some(p) => format!("{p}{code}/"),
        None => format!("/{code}/"),
    }
}

/// The `LIKE` pattern matching a path and everything under it. Codes are digits, so no
/// escaping is needed; anything else is refused by returning a pattern that matches nothing.
pub fn subtree_pattern(path: &str) -> String {
    if path.starts_with('/')
        && path.ends_with('/')
        && path.chars().all(|c| c == '/' || c.is_ascii_alphanumeric())
    {
        format!("{path}%")
    } else {
        "/\u{0}never/".into()
    }
}

/// The paths of `path`'s region and of every region above it, from the root down
/// ("/3303/330381/" → "/3303/", "/3303/330381/").
pub fn path_and_ancestors(path: &str) -> Vec<String> {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    (1..=parts.len())
        .map(|n| format!("/{}/", parts[..n].join("/")))
        .collect()
}

/// Whether `path` lies inside (or is) `root`.
pub fn contains(root: &str, path: &str) -> bool {
    path.starts_with(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_nest() {
        let city = child_path(None, "330381");
        let town = child_path(Some(&city), "330381101");
        assert_eq!(town, "/330381/330381101/");
        assert!(contains(&city, &town));
        assert!(!contains(&town, &city));
        // A sibling whose code shares a prefix is not inside.
        assert!(!contains("/330381/33038110/", "/330381/330381101/"));
        assert_eq!(subtree_pattern(&town), "/330381/330381101/%");
        assert!(subtree_pattern("/33'; --/").contains('\u{0}'));
    }

    #[test]
    fn a_path_lists_itself_and_every_region_above_it() {
        assert_eq!(
            path_and_ancestors("/330381/330381101/"),
            vec!["/330381/", "/330381/330381101/"]
        );
        assert_eq!(path_and_ancestors("/330381/"), vec!["/330381/"]);
        assert!(path_and_ancestors("/").is_empty());
    }
}
