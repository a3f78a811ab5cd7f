//! Hazard pages: each portal's list (the enterprise's received and reported findings, the
//! committee's and the bureau's) and the hazard record with its photos.

use actix_web::{HttpResponse, http::StatusCode, web};
use minijinja::{Value, context, value::Serde};

use crate::auth::guard::RequestContext;
use crate::domain::inspection::{HazardCategory, HazardLevel};
use crate::domain::role::Portal;
use crate::error::AppResult;
use crate::scope::Caller;
use crate::services::PageParams;
use crate::services::hazards::{self, HazardFilter};
use crate::web::{AppState, render};

pub async fn list(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    filter: web::Query<HazardFilter>,
    page: web::Query<PageParams>,
) -> AppResult<HttpResponse> {
    let mut filter = filter.into_inner();
    if caller.portal() == Portal::Enterprise && filter.side.is_none() {
        filter.side = Some("received".into());
    }
    let result = hazards::list(&state.core, &caller.scope, &filter, *page).await?;
    let query = serde_urlencoded::to_string(&filter).unwrap_or_default();
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "hazards/list.html",
        context! {
            result => Value::from(Serde(&result)),
            f => Value::from(Serde(&filter)),
            base => format!("/{}/hazards", caller.portal().as_str()),
            query,
            categories => HazardCategory::codes(),
            levels => HazardLevel::codes(),
        },
    )
}

pub async fn show(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let detail = hazards::detail(&state.core, &caller, *id).await?;
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "hazards/show.html",
        context! { h => Value::from(Serde(&detail)) },
    )
}
