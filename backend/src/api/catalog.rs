//! `/api/v1/industries` and `/api/v1/risk-tags`: the lists everyone reads, kept by the
//! city-level bureau and the admin (others: 403).

use actix_web::{HttpResponse, web};

use crate::error::AppResult;
use crate::services::audit::Actor;
use crate::services::catalog::{
    self, IndustryView, NameInput, NewIndustryInput, NewRiskTagInput, RiskTagView,
};
use crate::web::AppState;

/// Industries (GB/T 4754), ordered by code.
#[utoipa::path(get, path = "/api/v1/industries", tag = "registry",
    responses((status = 200, body = Vec<IndustryView>)),
    security(("bearer" = [])))]
pub async fn industries(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(catalog::industries(&state.core).await?))
}

/// Add an industry (city-level bureau or admin).
#[utoipa::path(post, path = "/api/v1/industries", tag = "registry", request_body = NewIndustryInput,
    responses((status = 201, body = IndustryView),
              (status = 422, description = "invalid fields", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn create_industry(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<NewIndustryInput>,
) -> AppResult<HttpResponse> {
    let i = catalog::create_industry(&state.core, &actor, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(i))
}

/// Rename an industry (its code stays).
#[utoipa::path(put, path = "/api/v1/industries/{code}", tag = "registry", request_body = NameInput,
    params(("code" = String, Path, description = "industry code, e.g. C3670")),
    responses((status = 200, body = IndustryView),
              (status = 422, description = "invalid fields", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn rename_industry(
    state: web::Data<AppState>,
    actor: Actor,
    code: web::Path<String>,
    body: web::Json<NameInput>,
) -> AppResult<HttpResponse> {
    let i = catalog::rename_industry(&state.core, &actor, &code, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(i))
}

/// Risk tags (风险标签), ordered by code.
#[utoipa::path(get, path = "/api/v1/risk-tags", tag = "registry",
    responses((status = 200, body = Vec<RiskTagView>)),
    security(("bearer" = [])))]
pub async fn risk_tags(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(catalog::risk_tags(&state.core).await?))
}

/// Add a risk tag (city-level bureau or admin).
#[utoipa::path(post, path = "/api/v1/risk-tags", tag = "registry", request_body = NewRiskTagInput,
    responses((status = 201, body = RiskTagView),
              (status = 422, description = "invalid fields", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn create_risk_tag(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<NewRiskTagInput>,
) -> AppResult<HttpResponse> {
    let t = catalog::create_risk_tag(&state.core, &actor, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(t))
}

/// Rename a risk tag (its code stays).
#[utoipa::path(put, path = "/api/v1/risk-tags/{code}", tag = "registry", request_body = NameInput,
    params(("code" = String, Path, description = "tag code, e.g. dust_explosion")),
    responses((status = 200, body = RiskTagView),
              (status = 422, description = "invalid fields", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn rename_risk_tag(
    state: web::Data<AppState>,
    actor: Actor,
    code: web::Path<String>,
    body: web::Json<NameInput>,
) -> AppResult<HttpResponse> {
    let t = catalog::rename_risk_tag(&state.core, &actor, &code, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(t))
}

/// This module's routes, each with its access rule (composed in `web::routes`).
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::{Authenticated, Roles};
    use crate::web::routes::{api, roles::REGISTRARS};
    vec![
        api(Authenticated, __path_industries, industries),
        api(Roles(REGISTRARS), __path_create_industry, create_industry),
        api(Roles(REGISTRARS), __path_rename_industry, rename_industry),
        api(Authenticated, __path_risk_tags, risk_tags),
        api(Roles(REGISTRARS), __path_create_risk_tag, create_risk_tag),
        api(Roles(REGISTRARS), __path_rename_risk_tag, rename_risk_tag),
    ]
}
