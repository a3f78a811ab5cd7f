//! The bureau's participation page (参盟率): its region and each child region against their
//! targets, and the form that sets the target of its region or of a child region.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::auth::guard::RequestContext;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::participation::{self, ParticipationReport};
use crate::web::errors::rendered;
use crate::web::form::{CsrfForm, Retry};
use crate::web::pages::see_other;
use crate::web::{AppState, render};

/// The target form as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TargetForm {
    #[serde(default)]
    region: String,
    #[serde(default)]
    target_percent: String,
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

/// 参盟率: the participation report of the bureau's region and its child regions, the target
/// form (values as typed, what is wrong) and the name of the region whose target was just set.
#[derive(Serialize)]
struct ParticipationPage<'a> {
    report: &'a ParticipationReport,
    values: &'a TargetForm,
    errors: &'a FieldErrors,
    saved: Option<String>,
}

fn show(
    state: &AppState,
    ctx: &RequestContext,
    report: &ParticipationReport,
    form: &Retry<TargetForm>,
    saved: Option<&str>,
) -> AppResult<HttpResponse> {
    let status = form.status;
    // The region whose target was just saved, by name, for the notice.
    let saved_name = saved.and_then(|code| {
        std::iter::once(&report.region)
            .chain(report.children.iter())
            .find(|r| r.code == code)
            .map(|r| r.name.clone())
    });
    render::page(
        &state.templates,
        ctx,
        status,
        "regulator/participation.html",
        ParticipationPage {
            report,
            values: &form.values,
            errors: &form.errors,
            saved: saved_name,
        },
    )
    .map(|r| if status.is_success() { r } else { rendered(r) })
}

pub async fn page(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    q: web::Query<SavedQuery>,
) -> AppResult<HttpResponse> {
    let report = participation::report(&state.core, &caller.scope).await?;
    // The form starts on the officer's own region with the target that applies to it.
    let values = TargetForm {
        region: report.region.code.clone(),
        target_percent: report.region.target.to_string(),
    };
    show(
        &state,
        &ctx,
        &report,
        &Retry::first(values),
        q.saved.as_deref(),
    )
}

pub async fn set_target(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    CsrfForm(form): CsrfForm<TargetForm>,
) -> AppResult<HttpResponse> {
    let result = if form.region.trim().is_empty() {
        let mut errors = FieldErrors::default();
        errors.add("region", "participation.region_required");
        Err(AppError::Validation(errors))
    } else {
        participation::set_target(&state.core, &actor, &form.region, &form.target_percent).await
    };
    match result {
        Ok(set) => Ok(see_other(&format!(
            "/regulator/participation?saved={}",
            set.region_code
        ))),
        Err(AppError::Validation(errors)) => {
            let report = participation::report(&state.core, &actor.caller.scope).await?;
            show(&state, &ctx, &report, &Retry::invalid(form, errors), None)
        }
        Err(e) => Err(e),
    }
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// 参盟率: figures per region and the targets.
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Portal;
    use crate::domain::role::Portal as P;
    use crate::web::routes::{get, post};
    vec![
        get("/regulator/participation", Portal(P::Regulator), page),
        post("/regulator/participation/targets", Portal(P::Regulator), set_target),
    ]
}
