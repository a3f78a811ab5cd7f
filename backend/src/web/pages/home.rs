//! Each portal's home page.

use actix_web::{HttpResponse, http::StatusCode, web};
use serde::Serialize;

use crate::auth::guard::RequestContext;
use crate::domain::expert::Specialty;
use crate::error::{AppError, AppResult};
use crate::models::{audit_log, expert};
use crate::scope::{Caller, Scope};
use crate::services::dashboard::RegulatorHome;
use crate::services::inspections::InspectionRow;
use crate::services::labels::EnterpriseScores;
use crate::services::rectification::TodoRow;
use crate::services::registry::{AllianceOverview, EnterpriseFile};
use crate::services::{PageParams, Paged, audit, dashboard, registry, users};
use crate::web::{AppState, render};

/// The administrator's home: how many users hold each role, and the latest audit entries.
#[derive(Serialize)]
struct AdminHomePage {
    counts: Vec<(String, i64)>,
    recent: Vec<audit_log::Model>,
}

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
        PageParams::first(10),
    )
    .await?;
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "admin/home.html",
        AdminHomePage {
            counts,
            recent: recent.items,
        },
    )
}

/// The bureau's home: its region's participation figures.
#[derive(Serialize)]
struct RegulatorHomePage {
    home: RegulatorHome,
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
        RegulatorHomePage { home },
    )
}

/// The committee's home: its alliance with members and groups.
#[derive(Serialize)]
struct CommitteeHomePage {
    overview: AllianceOverview,
}

pub async fn committee(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
) -> AppResult<HttpResponse> {
    let alliances = registry::alliance_overviews(&state.core, &caller.scope).await?;
    let overview = alliances.into_iter().next().ok_or(AppError::NotFound)?;
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "committee/home.html",
        CommitteeHomePage { overview },
    )
}

/// The enterprise's home: inspections it is to carry out, hazards waiting for it, and its
/// 一企一档 file (the same sections as the bureau's `EnterpriseFilePage`).
#[derive(Serialize)]
struct EnterpriseHomePage {
    enterprise: EnterpriseFile,
    sections: crate::web::pages::inspections::FileSections,
    todo: Paged<InspectionRow>,
    hazard_todo: Paged<TodoRow>,
    labels: EnterpriseScores,
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
    let hazard_todo =
        crate::services::rectification::todo(&state.core, &caller, PageParams::first(5)).await?;
    let todo = crate::services::inspections::list(
        &state.core,
        &caller.scope,
        &crate::services::inspections::InspectionFilter {
            side: Some("inspecting".into()),
            open: Some(true),
            ..Default::default()
        },
        crate::services::PageParams::first(10),
    )
    .await?;
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "enterprise/home.html",
        EnterpriseHomePage {
            enterprise: file,
            sections,
            todo,
            hazard_todo,
            labels,
        },
    )
}

/// The expert's home: their profile, with the specialties one by one.
#[derive(Serialize)]
struct ExpertHomePage {
    expert: expert::Model,
    specialties: Vec<Specialty>,
}

pub async fn expert(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
) -> AppResult<HttpResponse> {
    let (profile, specialties) = registry::expert_profile(&state.core, &caller.scope).await?;
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "expert/home.html",
        ExpertHomePage {
            specialties,
            expert: profile,
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
