//! `/api/v1/me/enterprise/staff`: the enterprise's own accounts (人员账号).

use actix_web::{HttpResponse, web};

use crate::error::AppResult;
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::staff::{self, NewStaffInput, PasswordResetInput, StaffAccount};
use crate::web::AppState;

/// The caller's enterprise's accounts (admin and staff).
#[utoipa::path(get, path = "/api/v1/me/enterprise/staff", tag = "registry",
    responses((status = 200, body = Vec<StaffAccount>)),
    security(("bearer" = [])))]
pub async fn list(state: web::Data<AppState>, caller: Caller) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(staff::list(&state.core, &caller).await?))
}

/// The enterprise admin creates a staff account (role `enterprise_staff`) for its enterprise.
/// Invalid fields (username taken, password policy …) answer 422 with `fields`.
#[utoipa::path(post, path = "/api/v1/me/enterprise/staff", tag = "registry",
    request_body = NewStaffInput,
    responses((status = 201, body = StaffAccount),
              (status = 422, description = "invalid fields", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<NewStaffInput>,
) -> AppResult<HttpResponse> {
    let a = staff::create(&state.core, &actor, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(a))
}

/// Deactivate a staff account: it cannot log in any more and its tokens stop working.
/// 404 for an account of another enterprise; 409 for the admin's own account.
#[utoipa::path(post, path = "/api/v1/me/enterprise/staff/{user_id}/deactivate", tag = "registry",
    params(("user_id" = i64, Path, description = "account id")),
    responses((status = 200, body = StaffAccount)),
    security(("bearer" = [])))]
pub async fn deactivate(
    state: web::Data<AppState>,
    actor: Actor,
    user_id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let a = staff::deactivate(&state.core, &actor, *user_id).await?;
    Ok(HttpResponse::Ok().json(a))
}

/// Set a staff member's password (password policy enforced); its sessions end.
#[utoipa::path(post, path = "/api/v1/me/enterprise/staff/{user_id}/password", tag = "registry",
    request_body = PasswordResetInput,
    params(("user_id" = i64, Path, description = "account id")),
    responses((status = 200, body = StaffAccount),
              (status = 422, description = "password policy", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn reset_password(
    state: web::Data<AppState>,
    actor: Actor,
    user_id: web::Path<i64>,
    body: web::Json<PasswordResetInput>,
) -> AppResult<HttpResponse> {
    let a = staff::reset_password(&state.core, &actor, *user_id, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(a))
}

/// This module's routes, each with its access rule (composed in `web::routes`).
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Roles;
    use crate::web::routes::{
        api,
        roles::{ENTERPRISE_ADMINS, ENTERPRISE_USERS},
    };
    vec![
        api(Roles(ENTERPRISE_USERS), __path_list, list),
        api(Roles(ENTERPRISE_ADMINS), __path_create, create),
        api(Roles(ENTERPRISE_ADMINS), __path_deactivate, deactivate),
        api(Roles(ENTERPRISE_ADMINS), __path_reset_password, reset_password),
    ]
}
