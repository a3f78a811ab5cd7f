//! Hazard pages: each portal's list (the enterprise's received and reported findings, the
//! committee's and the bureau's) and the hazard record with its photos.

use actix_web::{HttpResponse, http::StatusCode, web};
use serde::Serialize;

use crate::auth::guard::RequestContext;
use crate::domain::inspection::{HazardCategory, HazardLevel};
use crate::domain::role::Portal;
use crate::error::AppResult;
use crate::scope::Caller;
use crate::services::hazards::{self, HazardFilter, HazardRow};
use crate::services::{PageParams, Paged};
use crate::web::{AppState, render};

/// 隐患: one page of hazards, the filter as given (and as a query string for the pager), the
/// portal's list address, and the levels and categories the filter offers.
#[derive(Serialize)]
struct HazardListPage {
    result: Paged<HazardRow>,
    filter: HazardFilter,
    base: String,
    query: String,
    categories: Vec<&'static str>,
    levels: Vec<&'static str>,
}

pub async fn list(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    filter: web::Query<HazardFilter>,
    page: PageParams,
) -> AppResult<HttpResponse> {
    let mut filter = filter.into_inner();
    if caller.portal() == Portal::Enterprise && filter.side.is_none() {
        filter.side = Some("received".into());
    }
    let result = hazards::list(&state.core, &caller.scope, &filter, page).await?;
    let query = serde_urlencoded::to_string(&filter).unwrap_or_default();
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "hazards/list.html",
        HazardListPage {
            result,
            filter,
            base: format!("/{}/hazards", caller.portal().as_str()),
            query,
            categories: HazardCategory::codes(),
            levels: HazardLevel::codes(),
        },
    )
}

#[derive(serde::Deserialize)]
pub struct ShowQuery {
    done: Option<String>,
}

pub async fn show(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    id: web::Path<i64>,
    q: web::Query<ShowQuery>,
) -> AppResult<HttpResponse> {
    // Only known actions make a notice.
    let done = q
        .done
        .as_deref()
        .and_then(crate::domain::hazard_flow::Action::parse)
        .map(|a| format!("loop.done_{}", a.as_str()))
        .or_else(|| (q.done.as_deref() == Some("comment")).then(|| "loop.done_comment".into()));
    crate::web::pages::rectification::hazard_page(&state, &ctx, &caller, *id, done, None, None)
        .await
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// 隐患: each portal's list; the hazard page is shared, its record filtered by scope.
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::{Authenticated, Portal};
    use crate::domain::role::Portal as P;
    use crate::web::routes::get;
    vec![
        get("/enterprise/hazards", Portal(P::Enterprise), list),
        get("/committee/hazards", Portal(P::Committee), list),
        get("/regulator/hazards", Portal(P::Regulator), list),
        get("/expert/hazards", Portal(P::Expert), list),
        get("/hazards/{id}", Authenticated, show),
    ]
}
