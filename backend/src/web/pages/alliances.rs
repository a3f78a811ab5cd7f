//! 互助联盟 (regulator portal): the alliance register (list with filters and export,
//! registration and editing), the alliance page with its committee accounts (appoint,
//! deactivate); and the committee's export of its member list.

use actix_web::{HttpResponse, http::StatusCode, http::header, web};
use serde::{Deserialize, Serialize};

use crate::auth::guard::RequestContext;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::scope::{Caller, Scope};
use crate::services::alliances::{
    self, AllianceDetail, AllianceFilter, AllianceInput, AllianceSummary,
};
use crate::services::audit::Actor;
use crate::services::committee::{self, AppointInput};
use crate::services::enterprises::{self, Choice};
use crate::services::{PageParams, Paged};
use crate::web::errors::rendered;
use crate::web::form::{CsrfForm, Retry};
use crate::web::pages::see_other;
use crate::web::{AppState, render};

fn xlsx(bytes: Vec<u8>, name: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes)
}

fn keep(status: StatusCode, res: HttpResponse) -> HttpResponse {
    if status.is_success() {
        res
    } else {
        rendered(res)
    }
}

/// The alliance register: one page of alliances, the filter as given, the regions it offers,
/// and the filter as a query string (the export link and the pager keep it).
#[derive(Serialize)]
struct AllianceListPage<'a> {
    result: Paged<AllianceSummary>,
    filter: &'a AllianceFilter,
    regions: Vec<Choice>,
    query: String,
}

pub async fn list(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    filter: web::Query<AllianceFilter>,
    page: PageParams,
) -> AppResult<HttpResponse> {
    let result = alliances::list(&state.core, &caller.scope, &filter, page).await?;
    let choices = enterprises::choices(&state.core, &caller.scope).await?;
    let query = serde_urlencoded::to_string(&*filter).unwrap_or_default();
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "regulator/alliances.html",
        AllianceListPage {
            result,
            filter: &filter,
            regions: choices.regions,
            query,
        },
    )
}

pub async fn export(
    state: web::Data<AppState>,
    actor: Actor,
    filter: web::Query<AllianceFilter>,
) -> AppResult<HttpResponse> {
    let bytes = alliances::export_xlsx(&state.core, &actor, &filter).await?;
    let name = format!(
        "alliances-{}.xlsx",
        state.core.calendar.now_local().format("%Y%m%d-%H%M")
    );
    Ok(xlsx(bytes, name))
}

/// The registration or edit form (`id` of the alliance edited), its values as entered, what is
/// wrong with them, and the regions and lead enterprises it offers.
#[derive(Serialize)]
struct AllianceFormPage<'a> {
    id: Option<i64>,
    values: &'a AllianceInput,
    errors: &'a FieldErrors,
    regions: Vec<Choice>,
    leads: Vec<Choice>,
}

async fn form_page(
    state: &AppState,
    ctx: &RequestContext,
    scope: &Scope,
    id: Option<i64>,
    form: &Retry<AllianceInput>,
) -> AppResult<HttpResponse> {
    let status = form.status;
    let choices = enterprises::choices(&state.core, scope).await?;
    let leads = alliances::lead_choices(&state.core, scope).await?;
    render::page(
        &state.templates,
        ctx,
        status,
        "regulator/alliance_form.html",
        AllianceFormPage {
            id,
            values: &form.values,
            errors: &form.errors,
            regions: choices.regions,
            leads,
        },
    )
    .map(|r| keep(status, r))
}

pub async fn new_form(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
) -> AppResult<HttpResponse> {
    let blank = AllianceInput {
        status: "active".into(),
        ..Default::default()
    };
    form_page(&state, &ctx, &caller.scope, None, &Retry::first(blank)).await
}

pub async fn create(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    CsrfForm(form): CsrfForm<AllianceInput>,
) -> AppResult<HttpResponse> {
    match alliances::register(&state.core, &actor, form.clone()).await {
        Ok(a) => Ok(see_other(&format!("/regulator/alliances/{}", a.id))),
        Err(AppError::Validation(errors)) => {
            form_page(
                &state,
                &ctx,
                &actor.caller.scope,
                None,
                &Retry::invalid(form, errors),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

pub async fn edit_form(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let input = alliances::input_of(&state.core, &caller.scope, *id).await?;
    form_page(&state, &ctx, &caller.scope, Some(*id), &Retry::first(input)).await
}

pub async fn update(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    id: web::Path<i64>,
    CsrfForm(form): CsrfForm<AllianceInput>,
) -> AppResult<HttpResponse> {
    match alliances::update(&state.core, &actor, *id, form.clone()).await {
        Ok(a) => Ok(see_other(&format!(
            "/regulator/alliances/{}?done=saved",
            a.id
        ))),
        Err(AppError::Validation(errors)) => {
            form_page(
                &state,
                &ctx,
                &actor.caller.scope,
                Some(*id),
                &Retry::invalid(form, errors),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// The alliance page: the alliance with its committee, members and groups, the catalog key of
/// what was just done, and the appointment form's values and what is wrong with them.
#[derive(Serialize)]
struct AlliancePage<'a> {
    alliance: AllianceDetail,
    done: Option<String>,
    values: &'a AppointInput,
    errors: &'a FieldErrors,
}

/// The alliance page, with the appointment form (blank, or as entered with its problems).
async fn show_page(
    state: &AppState,
    ctx: &RequestContext,
    caller: &Caller,
    id: i64,
    done: Option<String>,
    appoint: &Retry<AppointInput>,
) -> AppResult<HttpResponse> {
    let status = appoint.status;
    let detail = alliances::detail(&state.core, &caller.scope, id).await?;
    let done = done
        .filter(|d| ["saved", "appoint", "deactivate"].contains(&d.as_str()))
        .map(|d| format!("alliances.done_{d}"));
    render::page(
        &state.templates,
        ctx,
        status,
        "regulator/alliance.html",
        AlliancePage {
            alliance: detail,
            done,
            values: &appoint.values,
            errors: &appoint.errors,
        },
    )
    .map(|r| keep(status, r))
}

pub async fn show(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    id: web::Path<i64>,
    q: web::Query<DoneQuery>,
) -> AppResult<HttpResponse> {
    show_page(
        &state,
        &ctx,
        &caller,
        *id,
        q.done.clone(),
        &Retry::first(AppointInput::default()),
    )
    .await
}

pub async fn appoint(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    id: web::Path<i64>,
    CsrfForm(form): CsrfForm<AppointInput>,
) -> AppResult<HttpResponse> {
    match committee::appoint(&state.core, &actor, *id, form.clone()).await {
        Ok(_) => Ok(see_other(&format!(
            "/regulator/alliances/{}?done=appoint#committee",
            *id
        ))),
        Err(AppError::Validation(errors)) => {
            show_page(
                &state,
                &ctx,
                &actor.caller,
                *id,
                None,
                &Retry::invalid(form, errors),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct Nothing {}

pub async fn deactivate(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(i64, i64)>,
    CsrfForm(_): CsrfForm<Nothing>,
) -> AppResult<HttpResponse> {
    let (id, user_id) = *path;
    committee::deactivate(&state.core, &actor, id, user_id).await?;
    Ok(see_other(&format!(
        "/regulator/alliances/{id}?done=deactivate#committee"
    )))
}

/// The committee's member list as a spreadsheet.
pub async fn members_export(state: web::Data<AppState>, actor: Actor) -> AppResult<HttpResponse> {
    let bytes = committee::export_members_xlsx(&state.core, &actor).await?;
    let name = format!(
        "members-{}.xlsx",
        state.core.calendar.now_local().format("%Y%m%d-%H%M")
    );
    Ok(xlsx(bytes, name))
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// 互助联盟: the register, the alliance page and its committee accounts; the committee's member export.
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Portal;
    use crate::domain::role::Portal as P;
    use crate::web::routes::{get, post};
    vec![
        get("/regulator/alliances", Portal(P::Regulator), list),
        post("/regulator/alliances", Portal(P::Regulator), create),
        get("/regulator/alliances/export.xlsx", Portal(P::Regulator), export),
        get("/regulator/alliances/new", Portal(P::Regulator), new_form),
        get("/regulator/alliances/{id}", Portal(P::Regulator), show),
        post("/regulator/alliances/{id}", Portal(P::Regulator), update),
        get("/regulator/alliances/{id}/edit", Portal(P::Regulator), edit_form),
        post("/regulator/alliances/{id}/committee", Portal(P::Regulator), appoint),
        post("/regulator/alliances/{id}/committee/{user_id}/deactivate", Portal(P::Regulator), deactivate),
        get("/committee/members/export.xlsx", Portal(P::Committee), members_export),
    ]
}
