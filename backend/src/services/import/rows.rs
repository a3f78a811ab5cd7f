//! From sheet rows to enterprise registrations: which column is which, the value each cell
//! means, and every row checked against the register as it stands — pure code over data the
//! caller loaded, so 20,000 rows need no query each.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::domain::enterprise::EnterpriseScale;
use crate::error::FieldErrors;
use crate::scope::{Scope, governs_region};
use crate::services::enterprises::{EnterpriseInput, Known};

/// The template's columns: field, Chinese header (as in the template), other accepted names.
///
/// These titles are the file format the importer reads, not messages: a sheet is matched on
/// them whatever language its uploader's pages are in, so they stay here as data rather than
/// in the catalogs (an English catalog entry would either be ignored or widen what is accepted).
/// The same goes for the scale words in `scale_of` and the separators in `split_tags`.
pub const COLUMNS: &[(&str, &str, &[&str])] = &[
    (
        "credit_code",
        "统一社会信用代码",
        &["信用代码", "credit_code"],
    ),
    ("name", "企业名称", &["单位名称", "name"]),
    (
        "region",
        "所在区域代码",
        &["区域代码", "行政区划代码", "region"],
    ),
    ("industry", "行业代码", &["industry"]),
    ("address", "地址", &["经营地址", "address"]),
    (
        "legal_representative",
        "法定代表人",
        &["legal_representative"],
    ),
    ("safety_officer", "安全负责人", &["safety_officer"]),
    ("safety_phone", "联系电话", &["safety_phone", "电话"]),
    ("employees", "从业人数", &["employees", "职工人数"]),
    ("scale", "规模", &["企业规模", "scale"]),
    ("risk_tags", "风险标签", &["risk_tags"]),
];

/// Column positions by field; `Err(header)` names the first required column missing.
pub fn map_headers(header: &[String]) -> Result<HashMap<&'static str, usize>, &'static str> {
    let mut found = HashMap::new();
    for (field, main, others) in COLUMNS {
        let pos = header.iter().position(|h| {
            let h = h.trim();
            h == *main || others.contains(&h)
        });
        match pos {
            Some(p) => {
                found.insert(*field, p);
            }
            None if *field == "risk_tags" => {}
            None => return Err(main),
        }
    }
    Ok(found)
}

/// What the register knows, loaded once per import.
#[derive(Debug, Default)]
pub struct Reference {
    /// Region code → (id, path).
    pub regions: HashMap<String, (i64, String)>,
    pub industries: HashSet<String>,
    /// Tag code or name → code.
    pub tags: HashMap<String, String>,
    /// Credit code → (id, region path, current registration).
    pub existing: HashMap<String, (i64, String, EnterpriseInput)>,
}

impl Reference {
    /// What `input` is checked against, given its region as the importer may use it (tags
    /// were already turned into codes, unknown ones refused, by `to_input`).
    pub(crate) fn known<'a>(
        &'a self,
        region: Option<(i64, String)>,
        input: &EnterpriseInput,
    ) -> Known<'a> {
        Known {
            region,
            industry: self.industries.contains(&input.industry),
            tag: Box::new(|t| self.tags.get(t).is_some_and(|code| code == t)),
        }
    }
}

/// A valid row and what writing it will do.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReadyRow {
    /// Spreadsheet row number (the header is row 1).
    pub row: u32,
    /// "create", "update" or "unchanged".
    pub action: String,
    pub existing_id: Option<i64>,
    pub input: EnterpriseInput,
}

/// One problem of one row.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RowError {
    pub row: u32,
    pub field: String,
    pub key: String,
}

/// The scale code a cell stands for: a code, or a word the register uses for it. Anything
/// else is kept as written, for the check to refuse.
fn scale_of(s: &str) -> String {
    let scale = match s.trim() {
        "规上" | "规模以上" => EnterpriseScale::Above,
        "小微" | "小微企业" => EnterpriseScale::SmallMicro,
        other => match EnterpriseScale::parse(other) {
            Some(scale) => scale,
            None => return other.into(),
        },
    };
    scale.as_str().into()
}

fn split_tags(s: &str) -> Vec<&str> {
    s.split(['、', ',', '，', ';', '；', ' '])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect()
}

/// The registration a sheet row stands for, with problems that are the row's alone.
fn to_input(
    cells: &[String],
    columns: &HashMap<&'static str, usize>,
    reference: &Reference,
    errors: &mut FieldErrors,
) -> EnterpriseInput {
    let get = |field: &str| -> String {
        columns
            .get(field)
            .and_then(|&i| cells.get(i))
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let mut tags = Vec::new();
    for t in split_tags(&get("risk_tags")) {
        match reference.tags.get(t) {
            Some(code) => tags.push(code.clone()),
            None => errors.add("risk_tags", "enterprise.unknown_tag"),
        }
    }
    let employees = get("employees");
    EnterpriseInput {
        credit_code: get("credit_code").to_uppercase(),
        name: get("name"),
        region: get("region"),
        industry: get("industry"),
        address: get("address"),
        legal_representative: get("legal_representative"),
        safety_officer: get("safety_officer"),
        safety_phone: get("safety_phone"),
        employees: employees.parse().ok(),
        scale: scale_of(&get("scale")),
        risk_tags: tags,
    }
}

fn same(a: &EnterpriseInput, b: &EnterpriseInput) -> bool {
    let mut ta = a.risk_tags.clone();
    let mut tb = b.risk_tags.clone();
    ta.sort();
    tb.sort();
    ta.dedup();
    tb.dedup();
    a.credit_code == b.credit_code
        && a.name == b.name
        && a.region == b.region
        && a.industry == b.industry
        && a.address == b.address
        && a.legal_representative == b.legal_representative
        && a.safety_officer == b.safety_officer
        && a.safety_phone == b.safety_phone
        && a.employees == b.employees
        && a.scale == b.scale
        && ta == tb
}

/// Checks every data row (`rows[1..]`); returns the ready rows and the problems.
pub fn check_rows(
    rows: &[Vec<String>],
    columns: &HashMap<&'static str, usize>,
    reference: &Reference,
    scope: &Scope,
    mut progress: impl FnMut(usize),
) -> (Vec<ReadyRow>, Vec<RowError>) {
    let mut ready = Vec::new();
    let mut problems = Vec::new();
    let mut seen: HashMap<String, u32> = HashMap::new();
    for (i, cells) in rows.iter().enumerate().skip(1) {
        let row = (i + 1) as u32;
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut errors = FieldErrors::default();
        let input = to_input(cells, columns, reference, &mut errors);
        let region = match reference.regions.get(&input.region) {
            None => {
                errors.add("region", "region.unknown");
                None
            }
            Some((_, path)) if !governs_region(scope, path) => {
                errors.add("region", "enterprise.region_outside");
                None
            }
            Some(r) => Some(r.clone()),
        };
        let known = reference.known(region, &input);
        let mut errors = match input.parse(known, errors) {
            Ok(_) => FieldErrors::default(),
            Err(errors) => errors,
        };
        if seen.contains_key(&input.credit_code) {
            errors.add("credit_code", "import.duplicate_in_file");
        }
        let existing = reference.existing.get(&input.credit_code);
        if let Some((_, path, _)) = existing {
            let inside = governs_region(scope, path);
            if !inside {
                errors.add("credit_code", "import.belongs_elsewhere");
            }
        }
        if errors.is_empty() {
            seen.insert(input.credit_code.clone(), row);
            let (action, existing_id) = match existing {
                None => ("create", None),
                Some((id, _, current)) if same(current, &input) => ("unchanged", Some(*id)),
                Some((id, _, _)) => ("update", Some(*id)),
            };
            ready.push(ReadyRow {
                row,
                action: action.into(),
                existing_id,
                input,
            });
        } else {
            if !input.credit_code.is_empty() {
                seen.entry(input.credit_code.clone()).or_insert(row);
            }
            for (field, key) in errors.0 {
                problems.push(RowError {
                    row,
                    field: field.into(),
                    key: key.into(),
                });
            }
        }
        progress(i);
    }
    (ready, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Vec<String> {
        COLUMNS.iter().map(|(_, h, _)| h.to_string()).collect()
    }

    fn reference() -> Reference {
        let mut r = Reference::default();
        r.regions.insert(
            "330381101201".into(),
            (1, "/330381/330381101/330381101201/".into()),
        );
        r.regions.insert(
            "330381003001".into(),
            (2, "/330381/330381003/330381003001/".into()),
        );
        r.industries.insert("C3670".into());
        r.tags.insert("粉尘涉爆".into(), "dust_explosion".into());
        r.tags
            .insert("dust_explosion".into(), "dust_explosion".into());
        r
    }

    fn row(code: &str, region: &str) -> Vec<String> {
        [
            code,
            "瑞安市韩田精工机械有限公司",
            region,
            "C3670",
            "塘下镇韩田村工业区8号",
            "陈立新",
            "陈晓燕",
            "13957712345",
            "46",
            "小微",
            "粉尘涉爆",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    fn town() -> Scope {
        Scope::Region {
            region_id: 2,
            path: "/330381/330381101/".into(),
        }
    }

    #[test]
    fn headers_are_found_by_their_chinese_names_in_any_order() {
        let mut h = header();
        h.reverse();
        let cols = map_headers(&h).expect("all there");
        assert_eq!(cols["credit_code"], COLUMNS.len() - 1);
        let without: Vec<String> = header().into_iter().filter(|c| c != "企业名称").collect();
        assert_eq!(map_headers(&without), Err("企业名称"));
        let no_tags: Vec<String> = header().into_iter().filter(|c| c != "风险标签").collect();
        assert!(map_headers(&no_tags).is_ok(), "risk tags are optional");
    }

    #[test]
    fn good_rows_are_ready_and_bad_rows_say_why_with_their_row_number() {
        let rows = vec![
            header(),
            row("91330381MA2H7K3P0H", "330381101201"),
            row("91330381MA2H7K3P0A", "330381101201"),
            row("91330381MA2J8L4Q1W", "330381003001"),
            vec![String::new(); 11],
            row("91330381MA2H7K3P0H", "330381101201"),
        ];
        let cols = map_headers(&rows[0]).expect("cols");
        let mut seen = 0;
        let (ready, problems) = check_rows(&rows, &cols, &reference(), &town(), |_| seen += 1);
        assert_eq!(ready.len(), 1);
        assert_eq!(ready[0].row, 2);
        assert_eq!(ready[0].action, "create");
        assert_eq!(ready[0].input.scale, "small_micro");
        assert_eq!(ready[0].input.risk_tags, vec!["dust_explosion"]);
        let got: Vec<(u32, &str, &str)> = problems
            .iter()
            .map(|e| (e.row, e.field.as_str(), e.key.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (3, "credit_code", "credit_code.checksum"),
                (4, "region", "enterprise.region_outside"),
                (6, "credit_code", "import.duplicate_in_file"),
            ]
        );
        assert_eq!(seen, 4, "progress for each non-blank row");
    }

    #[test]
    fn a_row_equal_to_the_register_is_unchanged_and_a_different_one_an_update() {
        let mut reference = reference();
        let rows = vec![header(), row("91330381MA2H7K3P0H", "330381101201")];
        let cols = map_headers(&rows[0]).expect("cols");
        let (ready, _) = check_rows(&rows, &cols, &reference, &town(), |_| {});
        let current = ready[0].input.clone();
        reference.existing.insert(
            "91330381MA2H7K3P0H".into(),
            (7, "/330381/330381101/330381101201/".into(), current.clone()),
        );
        let (ready, _) = check_rows(&rows, &cols, &reference, &town(), |_| {});
        assert_eq!(
            (ready[0].action.as_str(), ready[0].existing_id),
            ("unchanged", Some(7))
        );
        let mut changed = current;
        changed.employees = Some(60);
        reference.existing.insert(
            "91330381MA2H7K3P0H".into(),
            (7, "/330381/330381101/330381101201/".into(), changed),
        );
        let (ready, _) = check_rows(&rows, &cols, &reference, &town(), |_| {});
        assert_eq!(ready[0].action, "update");
        // The same code registered in another town is not this officer's to change.
        reference.existing.insert(
            "91330381MA2H7K3P0H".into(),
            (
                7,
                "/330381/330381003/330381003001/".into(),
                ready[0].input.clone(),
            ),
        );
        let (ready, problems) = check_rows(&rows, &cols, &reference, &town(), |_| {});
        assert!(ready.is_empty());
        assert_eq!(problems[0].key, "import.belongs_elsewhere");
    }
}
