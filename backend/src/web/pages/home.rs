//! Each portal's home page.

use actix_web::{HttpResponse, http::StatusCode, web};
use minijinja::{Value, context, value::Serde};

use crate::auth::guard::RequestContext;
use crate::error::{AppError, AppResult};
use crate::scope::{Caller, Scope};
use crate::services::{PageParams, audit, dashboard, registry, users};
use crate::web::{AppState, render};

pub async fn admin(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
) -> AppResult<HttpResponse> {
    let counts = users::count_by_role(&state.core).await?;
    let recent = audit::search(
        &state.core,
        &caller,
        &audit::AuditFilter::default(),
        PageParams {
            page: Some(1),
            per_page: Some(10),
        },
    )
    .await?;
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "admin/home.html",
        context! { counts => Value::from(Serde(&counts)), recent => Value::from(Serde(&recent.items)) },
    )
}

pub async fn regulator(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
) -> AppResult<HttpResponse> {
    let home = dashboard::regulator_home(&state.core, &caller.scope).await?;
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "regulator/home.html",
        context! { home => Value::from(Serde(&home)) },
    )
}

pub async fn committee(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
) -> AppResult<HttpResponse> {
    let alliances = registry::alliance_overviews(&state.core, &caller.scope).await?;
    let alliance = alliances.into_iter().next().ok_or(AppError::NotFound)?;
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "committee/home.html",
        context! { a => Value::from(Serde(&alliance)) },
    )
}

pub async fn enterprise(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
) -> AppResult<HttpResponse> {
    let Scope::Enterprise { enterprise_id, .. } = caller.scope else {
        return Err(AppError::NotFound);
    };
    let file = registry::enterprise_file(&state.core, &caller.scope, enterprise_id).await?;
    let sections =
        crate::web::pages::inspections::file_sections(&state.core, &caller.scope, enterprise_id)
            .await?;
    let labels =
        crate::services::labels::file_section(&state.core, &caller.scope, enterprise_id).await?;
    let mut hazard_todo = crate::services::rectification::todo(&state.core, &caller).await?;
    let hazard_todo_total = hazard_todo.len();
    hazard_todo.truncate(5);
    let hazard_todo = minijinja::context! {
        total => hazard_todo_total,
        rows => Value::from(Serde(&hazard_todo)),
    };
    let todo = crate::services::inspections::list(
        &state.core,
        &caller.scope,
        &crate::services::inspections::InspectionFilter {
            side: Some("inspecting".into()),
            open: Some(true),
            ..Default::default()
        },
        crate::services::PageParams {
            page: Some(1),
            per_page: Some(10),
        },
    )
    .await?;
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "enterprise/home.html",
        context! {
            e => Value::from(Serde(&file)),
            s => sections,
            todo => Value::from(Serde(&todo)),
            hazard_todo,
            labels => Value::from(Serde(&labels)),
        },
    )
}

pub async fn expert(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
) -> AppResult<HttpResponse> {
    let profile = registry::expert_profile(&state.core, &caller.scope).await?;
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "expert/home.html",
        context! {
            x => Value::from(Serde(&profile)),
            specialties => profile.specialties.split(',').map(str::to_string).collect::<Vec<_>>(),
        },
    )
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// Each portal's home page.
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Portal;
    use crate::domain::role::Portal as P;
    use crate::web::routes::get;
    vec![
        get("/admin", Portal(P::Admin), admin),
        get("/regulator", Portal(P::Regulator), regulator),
        get("/committee", Portal(P::Committee), committee),
        get("/enterprise", Portal(P::Enterprise), enterprise),
        get("/expert", Portal(P::Expert), expert),
    ]
}
