//! The bureau's enterprise list and the 一企一档 file page.

use actix_web::{HttpResponse, http::StatusCode, web};
use minijinja::{Value, context, value::Serde};

use crate::auth::guard::RequestContext;
use crate::error::AppResult;
use crate::scope::Caller;
use crate::services::{PageParams, registry};
use crate::web::{AppState, render};

pub async fn list(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    filter: web::Query<registry::EnterpriseFilter>,
    page: web::Query<PageParams>,
) -> AppResult<HttpResponse> {
    let result = registry::list_enterprises(&state.core, &caller.scope, &filter, *page).await?;
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "regulator/enterprises.html",
        context! { result => Value::from(Serde(&result)), q => filter.q.clone() },
    )
}

pub async fn file(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let file = registry::enterprise_file(&state.core, &caller.scope, *id).await?;
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "enterprise/file.html",
        context! { e => Value::from(Serde(&file)) },
    )
}
