//! The bureau's label page (三色标签): the scoring rules that apply to its region (own,
//! inherited or the defaults) and to each child region, how their enterprises are labelled,
//! and the form that sets the rules of its region or of a child region.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::auth::guard::RequestContext;
use crate::domain::scoring::Rules;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::labels::{self, LabelsOverview, RulesValues};
use crate::web::errors::rendered;
use crate::web::form::{CsrfForm, Retry};
use crate::web::pages::see_other;
use crate::web::{AppState, render};

/// The rules form as typed: numbers stay text until they parse.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RulesForm {
    #[serde(default)]
    region: String,
    #[serde(default)]
    base: String,
    #[serde(default)]
    per_general: String,
    #[serde(default)]
    per_major: String,
    #[serde(default)]
    per_overdue_day: String,
    #[serde(default)]
    timely_bonus: String,
    #[serde(default)]
    green_min: String,
    #[serde(default)]
    yellow_min: String,
}

impl RulesForm {
    fn of(region: &str, r: &Rules) -> RulesForm {
        let [
            base,
            per_general,
            per_major,
            per_overdue_day,
            timely_bonus,
            green_min,
            yellow_min,
        ] = r.values().map(|v| v.to_string());
        RulesForm {
            region: region.into(),
            base,
            per_general,
            per_major,
            per_overdue_day,
            timely_bonus,
            green_min,
            yellow_min,
        }
    }

    /// Each field as a whole number, `None` where it is not one.
    fn values(&self) -> RulesValues {
        [
            &self.base,
            &self.per_general,
            &self.per_major,
            &self.per_overdue_day,
            &self.timely_bonus,
            &self.green_min,
            &self.yellow_min,
        ]
        .map(|t| t.trim().parse::<i64>().ok())
    }
}

#[derive(Deserialize)]
pub struct PageQuery {
    /// The region whose rules the form starts on.
    region: Option<String>,
    /// The region whose rules were just saved.
    saved: Option<String>,
}

/// 三色标签: the rules of the bureau's region and of each child region with their labelled
/// enterprises, the rules form (values as typed, what is wrong, its fields in order) and the
/// name of the region whose rules were just saved.
#[derive(Serialize)]
struct LabelsPage<'a> {
    overview: &'a LabelsOverview,
    values: &'a RulesForm,
    errors: &'a FieldErrors,
    saved: Option<String>,
    fields: &'static [&'static str],
}

fn show(
    state: &AppState,
    ctx: &RequestContext,
    overview: &LabelsOverview,
    form: &Retry<RulesForm>,
    saved: Option<&str>,
) -> AppResult<HttpResponse> {
    let status = form.status;
    let saved_name = saved.and_then(|code| {
        std::iter::once(&overview.region)
            .chain(overview.children.iter())
            .find(|r| r.code == code)
            .map(|r| r.name.clone())
    });
    render::page(
        &state.templates,
        ctx,
        status,
        "regulator/labels.html",
        LabelsPage {
            overview,
            values: &form.values,
            errors: &form.errors,
            saved: saved_name,
            fields: &Rules::FIELDS,
        },
    )
    .map(|r| if status.is_success() { r } else { rendered(r) })
}

pub async fn page(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    q: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let overview = labels::overview(&state.core, &caller.scope, None).await?;
    // The form starts on the region asked for (the one just saved, or the officer's own) with
    // the rules that apply to it.
    let wanted = q.region.as_deref().or(q.saved.as_deref());
    let start = std::iter::once(&overview.region)
        .chain(overview.children.iter())
        .find(|r| Some(r.code.as_str()) == wanted)
        .unwrap_or(&overview.region);
    let values = RulesForm::of(&start.code, &start.rules);
    show(
        &state,
        &ctx,
        &overview,
        &Retry::first(values),
        q.saved.as_deref(),
    )
}

pub async fn set_rules(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    CsrfForm(form): CsrfForm<RulesForm>,
) -> AppResult<HttpResponse> {
    let result = if form.region.trim().is_empty() {
        let mut errors = FieldErrors::default();
        errors.add("region", "labels.region_required");
        Err(AppError::Validation(errors))
    } else {
        labels::set_rules(&state.core, &actor, Some(&form.region), form.values()).await
    };
    match result {
        Ok(set) => Ok(see_other(&format!(
            "/regulator/labels?saved={}",
            set.region_code
        ))),
        Err(AppError::Validation(errors)) => {
            let overview = labels::overview(&state.core, &actor.caller.scope, None).await?;
            show(&state, &ctx, &overview, &Retry::invalid(form, errors), None)
        }
        Err(e) => Err(e),
    }
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// 三色标签: scoring rules per region and the labels of its enterprises.
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Portal;
    use crate::domain::role::Portal as P;
    use crate::web::routes::{get, post};
    vec![
        get("/regulator/labels", Portal(P::Regulator), page),
        post("/regulator/labels", Portal(P::Regulator), set_rules),
    ]
}
