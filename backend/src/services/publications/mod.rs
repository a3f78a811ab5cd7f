//! 法律法规 / 通知公告: the library of publications. A bureau officer publishes for its region,
//! a committee member for its alliance; who reads what is `scope::publications` (and
//! `scope::public_publications` for the public pages). Reads (the search, one publication,
//! a PDF) are in `queries`, writes (create, update, status, attach a PDF) in `write`; the
//! bigram index both use (two-character words) in `bigrams`.

mod bigrams;
pub mod queries;
pub mod reach;
pub mod write;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};

use crate::domain::publication::{
    MAX_BODY_BYTES, MAX_DOC_NUMBER, MAX_ISSUER, MAX_TAGS, MAX_TITLE, PublicationKind,
    PublicationStatus,
};
use crate::error::FieldErrors;

pub use queries::{FileView, PublicationFilter, PublicationItem, PublicationView};
pub use write::{PublicationRef, StatusChange};

/// A publication as the form and the API send it (dates as `YYYY-MM-DD`, codes as text):
/// checked by `parse`. The form shows these values again when it is refused.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PublicationInput {
    /// `law`, `regulation`, `rule`, `local_regulation`, `national_standard`,
    /// `industry_standard`, `normative` or `notice`.
    #[serde(default)]
    #[schema(required = true)]
    pub kind: String,
    #[serde(default)]
    #[schema(required = true)]
    pub title: String,
    /// 文号, optional.
    #[serde(default)]
    pub doc_number: String,
    #[serde(default)]
    #[schema(required = true)]
    pub issuer: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    #[schema(required = true)]
    pub published_on: String,
    /// `YYYY-MM-DD`, optional.
    #[serde(default)]
    pub effective_on: String,
    /// Markdown.
    #[serde(default)]
    #[schema(required = true)]
    pub body: String,
    /// Readable without login at `/public/regulations`.
    #[serde(default, deserialize_with = "flag")]
    pub is_public: bool,
    /// Industry codes of the registry.
    #[serde(default)]
    pub industries: Vec<String>,
    /// Risk tag codes of the registry.
    #[serde(default)]
    pub risk_tags: Vec<String>,
    /// Enterprise accounts are asked to acknowledge it (我已阅知); publishing one tells the
    /// whole audience (as every 通知公告 does).
    #[serde(default, deserialize_with = "flag")]
    pub requires_ack: bool,
}

/// A checkbox (`on`, `true`, `1`) or a JSON boolean.
pub(crate) fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Text(String),
    }
    Ok(match Flag::deserialize(d)? {
        Flag::Bool(b) => b,
        Flag::Text(t) => matches!(t.as_str(), "on" | "true" | "1"),
    })
}

/// An id given as a number, as text, or blank (none).
pub(crate) fn optional_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Number(i64),
        Text(String),
        None(()),
    }
    Ok(match Option::<Id>::deserialize(d)? {
        Some(Id::Number(n)) => Some(n.to_string()),
        Some(Id::Text(t)) if !t.trim().is_empty() => Some(t.trim().to_string()),
        _ => None,
    })
}

/// A checked publication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub kind: PublicationKind,
    pub title: String,
    pub doc_number: Option<String>,
    pub issuer: String,
    pub published_on: NaiveDate,
    pub effective_on: Option<NaiveDate>,
    pub body: String,
    pub is_public: bool,
    pub industries: Vec<String>,
    pub risk_tags: Vec<String>,
    pub requires_ack: bool,
}

fn date(errors: &mut FieldErrors, field: &'static str, text: &str) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.add(field, "publications.bad_date");
            None
        }
    }
}

fn codes(errors: &mut FieldErrors, field: &'static str, given: &[String]) -> Vec<String> {
    let mut out: Vec<String> = given
        .iter()
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    out.sort();
    out.dedup();
    if out.len() > MAX_TAGS {
        errors.add(field, "publications.too_many_tags");
    }
    out
}

impl PublicationInput {
    /// Checks every field; all problems are reported at once (field → catalog key). Whether
    /// the tags exist in the registry is checked by the write, against the database.
    pub fn parse(&self) -> Result<Parsed, FieldErrors> {
        let mut errors = FieldErrors::default();
        let kind = PublicationKind::parse(self.kind.trim());
        if kind.is_none() {
            errors.add("kind", "publications.bad_kind");
        }
        errors.require("title", &self.title, MAX_TITLE);
        errors.require("issuer", &self.issuer, MAX_ISSUER);
        let doc_number = self.doc_number.trim();
        if doc_number.chars().count() > MAX_DOC_NUMBER {
            errors.add("doc_number", "form.too_long");
        }
        let published_on = date(&mut errors, "published_on", &self.published_on);
        let effective_on = if self.effective_on.trim().is_empty() {
            None
        } else {
            date(&mut errors, "effective_on", &self.effective_on)
        };
        if self.body.trim().is_empty() {
            errors.add("body", "form.required");
        } else if self.body.len() > MAX_BODY_BYTES {
            errors.add("body", "publications.body_too_long");
        }
        let industries = codes(&mut errors, "industries", &self.industries);
        let risk_tags = codes(&mut errors, "risk_tags", &self.risk_tags);
        match (kind, published_on) {
            (Some(kind), Some(published_on)) if errors.is_empty() => Ok(Parsed {
                kind,
                title: self.title.trim().to_string(),
                doc_number: Some(doc_number.to_string()).filter(|d| !d.is_empty()),
                issuer: self.issuer.trim().to_string(),
                published_on,
                effective_on,
                body: self.body.replace("\r\n", "\n"),
                is_public: self.is_public,
                industries,
                risk_tags,
                requires_ack: self.requires_ack,
            }),
            _ => Err(errors),
        }
    }

    /// The form's values for an existing publication (the edit form).
    pub fn of(view: &PublicationView) -> PublicationInput {
        PublicationInput {
            kind: view.kind.as_str().to_string(),
            title: view.title.clone(),
            doc_number: view.doc_number.clone().unwrap_or_default(),
            issuer: view.issuer.clone(),
            published_on: view.published_on.to_string(),
            effective_on: view.effective_on.map(|d| d.to_string()).unwrap_or_default(),
            body: view.body.clone(),
            is_public: view.is_public,
            industries: view.industries.iter().map(|t| t.code.clone()).collect(),
            risk_tags: view.risk_tags.iter().map(|t| t.code.clone()).collect(),
            requires_ack: view.requires_ack,
        }
    }
}

impl StatusChange {
    /// The new status and the superseding publication's id, checked.
    pub fn parse(&self) -> Result<(PublicationStatus, Option<i64>), FieldErrors> {
        let mut errors = FieldErrors::default();
        let status = PublicationStatus::parse(self.status.trim());
        if status.is_none() {
            errors.add("status", "publications.bad_status");
        }
        let superseded_by = match self.superseded_by.as_deref() {
            None => None,
            Some(text) => match text.parse::<i64>() {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.add("superseded_by", "publications.bad_successor");
                    None
                }
            },
        };
        if let Some(s) = status
            && superseded_by.is_some()
            && !s.may_be_superseded()
        {
            errors.add("superseded_by", "publications.current_has_no_successor");
        }
        match status {
            Some(status) if errors.is_empty() => Ok((status, superseded_by)),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> PublicationInput {
        PublicationInput {
            kind: "law".into(),
            title: "中华人民共和国安全生产法".into(),
            doc_number: " 主席令第88号 ".into(),
            issuer: "全国人民代表大会常务委员会".into(),
            published_on: "2021-06-10".into(),
            effective_on: "2021-09-01".into(),
            body: "第一条 为了加强安全生产工作".into(),
            is_public: true,
            industries: vec!["C36".into(), "C36".into()],
            risk_tags: vec![],
            requires_ack: false,
        }
    }

    #[test]
    fn a_complete_publication_parses_trimmed_and_deduplicated() {
        let p = good().parse().expect("valid");
        assert_eq!(p.kind, PublicationKind::Law);
        assert_eq!(p.doc_number.as_deref(), Some("主席令第88号"));
        assert_eq!(p.industries, vec!["C36".to_string()]);
        assert_eq!(p.effective_on, NaiveDate::from_ymd_opt(2021, 9, 1));
    }

    #[test]
    fn every_bound_is_reported_by_field() {
        let bad = PublicationInput {
            kind: "poem".into(),
            title: "题".repeat(MAX_TITLE + 1),
            doc_number: "号".repeat(MAX_DOC_NUMBER + 1),
            issuer: " ".into(),
            published_on: "2021-13-01".into(),
            effective_on: "soon".into(),
            body: "x".repeat(MAX_BODY_BYTES + 1),
            industries: (0..=MAX_TAGS).map(|i| format!("C{i}")).collect(),
            ..good()
        };
        let errors = bad.parse().expect_err("refused");
        let keys: Vec<(&str, &str)> = errors.0.iter().map(|(k, v)| (k.as_ref(), *v)).collect();
        assert_eq!(
            keys,
            vec![
                ("body", "publications.body_too_long"),
                ("doc_number", "form.too_long"),
                ("effective_on", "publications.bad_date"),
                ("industries", "publications.too_many_tags"),
                ("issuer", "form.required"),
                ("kind", "publications.bad_kind"),
                ("published_on", "publications.bad_date"),
                ("title", "form.too_long"),
            ]
        );
    }

    #[test]
    fn a_current_publication_names_no_successor() {
        let change = StatusChange {
            status: "current".into(),
            superseded_by: Some("3".into()),
        };
        assert!(change.parse().is_err());
        let change = StatusChange {
            status: "repealed".into(),
            superseded_by: Some("3".into()),
        };
        assert_eq!(
            change.parse().ok(),
            Some((PublicationStatus::Repealed, Some(3)))
        );
    }
}
