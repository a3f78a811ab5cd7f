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

/// The half-open range `[low, high)` holding a path and every path under it, compared byte by
/// byte: `/3303/330381/` gives `('/3303/330381/', '/3303/3303810')`, `'0'` being the byte after
/// `'/'`. A range (unlike SQLite's case-insensitive `LIKE`) is read from a plain index on both
/// engines; on PostgreSQL the path columns use the C collation so the order is byte order.
/// `None` for a malformed path (codes are ASCII letters or digits between slashes, from the
/// root, slash-terminated): it matches nothing.
pub fn subtree_range(path: &str) -> Option<(String, String)> {
    let well_formed = path.starts_with('/')
        && path.ends_with('/')
        && path.chars().all(|c| c == '/' || c.is_ascii_alphanumeric());
    if !well_formed {
        return None;
    }
    let high = format!("{}0", &path[..path.len() - 1]);
    Some((path.to_string(), high))
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
    }

    /// Whether `path` falls in `root`'s range, as the database compares it (byte order).
    fn in_range(root: &str, path: &str) -> bool {
        let (low, high) = subtree_range(root).expect("well formed");
        low.as_bytes() <= path.as_bytes() && path.as_bytes() < high.as_bytes()
    }

    #[test]
    fn a_subtree_is_a_byte_range_that_holds_exactly_the_paths_under_it() {
        assert_eq!(
            subtree_range("/3303/330381/"),
            Some(("/3303/330381/".into(), "/3303/3303810".into()))
        );
        assert!(in_range("/3303/330381/", "/3303/330381/"));
        assert!(in_range("/3303/330381/", "/3303/330381/330381101/"));
        assert!(in_range(
            "/3303/330381/",
            "/3303/330381/330381101/330381101201/"
        ));
        // Siblings sharing a prefix, on either side of the range, stay out.
        for outside in [
            "/3303/33038/",
            "/3303/33038/330381101/",
            "/3303/3303810/",
            "/3303/330381",
            "/3303/3303819/",
            "/3303/330382/",
            "/3303/",
            "/3304/330381/",
        ] {
            assert!(!in_range("/3303/330381/", outside), "{outside}");
            assert_eq!(
                in_range("/3303/330381/", outside),
                contains("/3303/330381/", outside),
                "{outside}"
            );
        }
        assert!(in_range("/3303/", "/3303/33038/"));
    }

    #[test]
    fn a_malformed_path_has_no_range() {
        for bad in [
            "",
            "3303/",
            "/3303",
            "/33'; --/",
            "/33%/",
            "/33_/",
            "/三/",
            "/33 03/",
        ] {
            assert_eq!(subtree_range(bad), None, "{bad:?}");
        }
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
