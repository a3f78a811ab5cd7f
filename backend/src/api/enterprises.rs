//! `/api/v1/enterprises`: the register as the caller's scope shows it, and its upkeep.

use actix_web::{HttpResponse, web};

use crate::error::AppResult;
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::enterprises::{self, ContactInput, EnterpriseFilter, EnterpriseInput};
use crate::services::{PageParams, registry};
use crate::web::AppState;

/// Enterprises in the caller's scope: filtered, sorted, paginated.
#[utoipa::path(get, path = "/api/v1/enterprises", tag = "registry",
    params(EnterpriseFilter, PageParams),
    responses((status = 200, body = crate::services::Paged<enterprises::EnterpriseRow>)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    filter: web::Query<EnterpriseFilter>,
    page: PageParams,
) -> AppResult<HttpResponse> {
    let result = enterprises::list(&state.core, &caller.scope, &filter, page).await?;
    Ok(HttpResponse::Ok().json(result))
}

/// One enterprise's file (一企一档); 404 when it is outside the caller's scope.
#[utoipa::path(get, path = "/api/v1/enterprises/{id}", tag = "registry",
    params(("id" = i64, Path, description = "enterprise id")),
    responses((status = 200, body = registry::EnterpriseFile)),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let file = registry::enterprise_file(&state.core, &caller.scope, *id).await?;
    Ok(HttpResponse::Ok().json(file))
}

/// Register an enterprise (bureau officers inside their region). Invalid fields answer 422
/// with `fields: {name: message}`.
#[utoipa::path(post, path = "/api/v1/enterprises", tag = "registry", request_body = EnterpriseInput,
    responses((status = 201, body = registry::EnterpriseFile),
              (status = 422, description = "invalid fields", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<EnterpriseInput>,
) -> AppResult<HttpResponse> {
    let e = enterprises::register(&state.core, &actor, body.into_inner()).await?;
    let file = registry::enterprise_file(&state.core, &actor.caller.scope, e.id).await?;
    Ok(HttpResponse::Created().json(file))
}

/// Edit an enterprise's registration.
#[utoipa::path(put, path = "/api/v1/enterprises/{id}", tag = "registry", request_body = EnterpriseInput,
    params(("id" = i64, Path, description = "enterprise id")),
    responses((status = 200, body = registry::EnterpriseFile),
              (status = 422, description = "invalid fields", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn update(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<EnterpriseInput>,
) -> AppResult<HttpResponse> {
    let e = enterprises::update(&state.core, &actor, *id, body.into_inner()).await?;
    let file = registry::enterprise_file(&state.core, &actor.caller.scope, e.id).await?;
    Ok(HttpResponse::Ok().json(file))
}

/// The enterprise admin updates its own address and safety contact.
#[utoipa::path(put, path = "/api/v1/me/enterprise/contact", tag = "registry", request_body = ContactInput,
    responses((status = 200, body = registry::EnterpriseFile),
              (status = 422, description = "invalid fields", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn update_contact(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<ContactInput>,
) -> AppResult<HttpResponse> {
    let e = enterprises::update_contact(&state.core, &actor, body.into_inner()).await?;
    let file = registry::enterprise_file(&state.core, &actor.caller.scope, e.id).await?;
    Ok(HttpResponse::Ok().json(file))
}

/// This module's routes, each with its access rule (composed in `web::routes`).
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::{Authenticated, Roles};
    use crate::web::routes::{
        api,
        roles::{ENTERPRISE_ADMINS, REGISTRARS},
    };
    vec![
        api(Authenticated, __path_list, list),
        api(Authenticated, __path_get, get),
        api(Roles(REGISTRARS), __path_create, create),
        api(Roles(REGISTRARS), __path_update, update),
        api(Roles(ENTERPRISE_ADMINS), __path_update_contact, update_contact),
    ]
}
