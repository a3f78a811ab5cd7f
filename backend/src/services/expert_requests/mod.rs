//! 专家服务申请: an enterprise (or a committee for its member) asks for expert help; the bureau
//! assigns experts (offered in the order `domain::expert_flow::rank` gives); an expert accepts
//! with a visit date or declines; the report is filed; the requester or the bureau confirms;
//! the requester rates. Who sees what is `scope::expert_requests`; the rules of the flow are
//! `domain::expert_flow`. Reads are in `queries`, writes in `write`, the notices in `notices`.

pub mod demo;
pub mod notices;
pub mod queries;
pub mod write;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::expert::Specialty;
use crate::domain::expert_flow::{
    MAX_DAYS_AHEAD, MAX_DESCRIPTION, MAX_EXPERTS, MAX_RATING_COMMENT, MAX_REASON, MAX_REPORT,
    MAX_TOPIC, RATING_MAX, RATING_MIN,
};
use crate::error::FieldErrors;

pub use queries::{RequestFilter, RequestItem, RequestView, SuggestionView};
pub use write::RequestRef;

/// A new request as the form and the API send it: checked by `parse`, shown again when refused.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NewRequest {
    /// The member enterprise a committee files for (ignored for an enterprise's own request).
    #[serde(
        default,
        deserialize_with = "crate::services::publications::optional_id"
    )]
    #[schema(value_type = Option<i64>)]
    pub enterprise_id: Option<String>,
    #[serde(default)]
    #[schema(required = true)]
    pub topic: String,
    /// The specialty wanted (`fire`, `dust` …).
    #[serde(default)]
    #[schema(required = true)]
    pub specialty: String,
    #[serde(default)]
    #[schema(required = true)]
    pub description: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    #[schema(required = true)]
    pub preferred_from: String,
    /// `YYYY-MM-DD`, not before `preferred_from`.
    #[serde(default)]
    #[schema(required = true)]
    pub preferred_to: String,
}

/// A checked new request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub enterprise_id: Option<i64>,
    pub topic: String,
    pub specialty: Specialty,
    pub description: String,
    pub preferred_from: NaiveDate,
    pub preferred_to: NaiveDate,
}

/// A day from today up to `MAX_DAYS_AHEAD` ahead.
fn day_ahead(
    errors: &mut FieldErrors,
    field: &'static str,
    text: &str,
    today: NaiveDate,
) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        Err(_) => {
            errors.add(field, "expert_requests.bad_date");
            None
        }
        Ok(d) if d < today => {
            errors.add(field, "expert_requests.date_past");
            None
        }
        Ok(d) if (d - today).num_days() > MAX_DAYS_AHEAD => {
            errors.add(field, "expert_requests.date_far");
            None
        }
        Ok(d) => Some(d),
    }
}

impl NewRequest {
    pub fn parse(&self, today: NaiveDate) -> Result<Parsed, FieldErrors> {
        let mut errors = FieldErrors::default();
        errors.require("topic", &self.topic, MAX_TOPIC);
        errors.require("description", &self.description, MAX_DESCRIPTION);
        let specialty = Specialty::parse(self.specialty.trim());
        if specialty.is_none() {
            errors.add("specialty", "expert_requests.bad_specialty");
        }
        let enterprise_id = match self.enterprise_id.as_deref() {
            None => None,
            Some(t) => match t.parse::<i64>() {
                Ok(id) if id > 0 => Some(id),
                _ => {
                    errors.add("enterprise_id", "expert_requests.bad_enterprise");
                    None
                }
            },
        };
        let from = day_ahead(&mut errors, "preferred_from", &self.preferred_from, today);
        let to = day_ahead(&mut errors, "preferred_to", &self.preferred_to, today);
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            errors.add("preferred_to", "expert_requests.period_reversed");
        }
        match (specialty, from, to) {
            (Some(specialty), Some(preferred_from), Some(preferred_to)) if errors.is_empty() => {
                Ok(Parsed {
                    enterprise_id,
                    topic: self.topic.trim().to_string(),
                    specialty,
                    description: self.description.trim().to_string(),
                    preferred_from,
                    preferred_to,
                })
            }
            _ => Err(errors),
        }
    }
}

/// The bureau's choice of experts.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AssignInput {
    /// One to five expert ids.
    #[serde(default)]
    #[schema(required = true, min_items = 1, max_items = 5)]
    pub expert_ids: Vec<i64>,
    /// Required (true) when a chosen expert's organisation is the enterprise itself (回避).
    #[serde(default, deserialize_with = "crate::services::publications::flag")]
    pub confirm_conflict: bool,
}

impl AssignInput {
    /// The distinct ids, or the field's refusal.
    pub fn parse(&self) -> Result<Vec<i64>, FieldErrors> {
        let mut ids = self.expert_ids.clone();
        ids.sort_unstable();
        ids.dedup();
        let mut errors = FieldErrors::default();
        if ids.is_empty() {
            errors.add("expert_ids", "form.required");
        } else if ids.len() > MAX_EXPERTS || ids.iter().any(|&i| i <= 0) {
            errors.add("expert_ids", "expert_requests.too_many_experts");
        }
        if errors.is_empty() {
            Ok(ids)
        } else {
            Err(errors)
        }
    }
}

/// A reason (reject, decline; optional for cancel).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReasonInput {
    #[serde(default)]
    #[schema(max_length = 500)]
    pub reason: String,
}

/// A reason that must be given (reject, decline): the API's body of those steps, the same
/// field as `ReasonInput` documented as required.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GivenReason {
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 500)]
    pub reason: String,
}

impl From<GivenReason> for ReasonInput {
    fn from(g: GivenReason) -> ReasonInput {
        ReasonInput { reason: g.reason }
    }
}

impl ReasonInput {
    pub fn required(&self) -> Result<String, FieldErrors> {
        let mut errors = FieldErrors::default();
        errors.require("reason", &self.reason, MAX_REASON);
        if errors.is_empty() {
            Ok(self.reason.trim().to_string())
        } else {
            Err(errors)
        }
    }

    pub fn optional(&self) -> Result<Option<String>, FieldErrors> {
        let r = self.reason.trim();
        if r.is_empty() {
            Ok(None)
        } else {
            self.required().map(Some)
        }
    }
}

/// An expert's acceptance: the visit date and the checklist of the visit (a bureau checklist
/// usable in the enterprise's region; the visit is an inspection of kind `expert`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AcceptInput {
    /// `YYYY-MM-DD`, from today (ignored when another expert already set the date).
    #[serde(default)]
    pub visit_on: String,
    /// The checklist version the expert inspects with (`/api/v1/checklists/choices`).
    #[serde(default)]
    #[schema(required = true, minimum = 1)]
    pub template_version_id: Option<i64>,
}

impl AcceptInput {
    /// The visit date (`set`, the date another expert already fixed, wins) and the checklist
    /// version, or the field errors of both.
    pub fn parse(
        &self,
        today: NaiveDate,
        set: Option<NaiveDate>,
    ) -> Result<(NaiveDate, i64), FieldErrors> {
        let mut errors = FieldErrors::default();
        let day = match set {
            Some(d) => Some(d),
            None => day_ahead(&mut errors, "visit_on", &self.visit_on, today),
        };
        let version = self.template_version_id.filter(|v| *v > 0);
        if version.is_none() {
            errors.add("template_version_id", "form.required");
        }
        match (day, version) {
            (Some(d), Some(v)) if errors.is_empty() => Ok((d, v)),
            _ => Err(errors),
        }
    }
}

/// The service report.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportInput {
    #[serde(default)]
    pub report: String,
}

impl ReportInput {
    pub fn parse(&self) -> Result<String, FieldErrors> {
        let mut errors = FieldErrors::default();
        errors.require("report", &self.report, MAX_REPORT);
        if errors.is_empty() {
            Ok(self.report.trim().to_string())
        } else {
            Err(errors)
        }
    }
}

/// The requester's rating: 1–5 and a comment of up to 500 characters.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RateInput {
    /// 1 to 5 (a number or its text).
    #[serde(
        default,
        deserialize_with = "crate::services::publications::optional_id"
    )]
    #[schema(value_type = i32, required = true, minimum = 1, maximum = 5)]
    pub rating: Option<String>,
    #[serde(default)]
    pub comment: String,
}

impl RateInput {
    pub fn parse(&self) -> Result<(i32, Option<String>), FieldErrors> {
        let mut errors = FieldErrors::default();
        let rating = match self.rating.as_deref().map(str::parse::<i32>) {
            None => {
                errors.add("rating", "form.required");
                None
            }
            Some(Ok(r)) if (RATING_MIN..=RATING_MAX).contains(&r) => Some(r),
            Some(_) => {
                errors.add("rating", "expert_requests.bad_rating");
                None
            }
        };
        let comment = self.comment.trim();
        if comment.chars().count() > MAX_RATING_COMMENT {
            errors.add("comment", "form.too_long");
        }
        match rating {
            Some(r) if errors.is_empty() => {
                Ok((r, (!comment.is_empty()).then(|| comment.to_string())))
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 4).unwrap_or_default()
    }

    #[test]
    fn a_request_needs_its_fields_and_a_period_ahead() {
        let empty = NewRequest::default()
            .parse(today())
            .err()
            .unwrap_or_default();
        let fields: Vec<&str> = empty.0.keys().map(|k| k.as_ref()).collect();
        assert_eq!(
            fields,
            [
                "description",
                "preferred_from",
                "preferred_to",
                "specialty",
                "topic"
            ]
        );
        let ok = NewRequest {
            enterprise_id: None,
            topic: "粉尘涉爆专项体检".into(),
            specialty: "dust".into(),
            description: "抛光车间除尘系统".into(),
            preferred_from: "2026-12-10".into(),
            preferred_to: "2026-12-20".into(),
        };
        assert!(ok.parse(today()).is_ok());
        let reversed = NewRequest {
            preferred_to: "2026-12-09".into(),
            ..ok.clone()
        };
        assert_eq!(
            reversed
                .parse(today())
                .err()
                .map(|e| e.0.into_keys().collect::<Vec<_>>()),
            Some(vec!["preferred_to".into()])
        );
        let past = NewRequest {
            preferred_from: "2026-12-03".into(),
            ..ok
        };
        assert!(past.parse(today()).is_err());
    }

    #[test]
    fn a_rating_is_one_to_five_with_a_short_comment() {
        let r = |v: &str, c: &str| {
            RateInput {
                rating: Some(v.into()),
                comment: c.into(),
            }
            .parse()
        };
        assert_eq!(r("5", " 很专业 "), Ok((5, Some("很专业".into()))));
        assert_eq!(r("1", ""), Ok((1, None)));
        assert!(r("0", "").is_err() && r("6", "").is_err() && r("x", "").is_err());
        assert!(r("3", &"好".repeat(501)).is_err());
        assert!(r("3", &"好".repeat(500)).is_ok());
    }
}
