//! `/api/v1/auth/*` and `/api/v1/me`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::guard::RequestContext;
use crate::auth::token::TokenKind;
use crate::domain::role::{Portal, Role};
use crate::error::{AppError, AppResult};
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::auth::{self as auth_service, Origin};
use crate::web::AppState;

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    #[schema(min_length = 1, max_length = 64)]
    pub username: String,
    #[schema(min_length = 1, max_length = 128)]
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    pub token: String,
    /// Always `Bearer`.
    pub token_type: String,
    pub expires_at: DateTime<Utc>,
    pub user: Me,
}

/// The caller: account, role, portal and data scope.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub portal: Portal,
    /// The tenant the account's data access is limited to.
    pub scope: crate::scope::Scope,
}

impl From<&Caller> for Me {
    fn from(c: &Caller) -> Self {
        Me {
            id: c.user_id,
            username: c.username.clone(),
            display_name: c.display_name.clone(),
            role: c.role,
            portal: c.portal(),
            scope: c.scope.clone(),
        }
    }
}

/// Log in and receive a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 400, description = "username or password missing", body = super::ApiError),
        (status = 401, description = "unknown user, wrong password or locked account (one answer for all)", body = super::ApiError),
        (status = 429, description = "too many login attempts for this username or from this address; `Retry-After` says how many seconds to wait", body = super::ApiError),
    ))]
pub async fn login(
    state: web::Data<AppState>,
    ctx: RequestContext,
    body: web::Json<LoginRequest>,
) -> AppResult<HttpResponse> {
    if body.username.trim().is_empty() || body.password.is_empty() {
        return Err(AppError::BadRequest("login.required"));
    }
    let origin = Origin {
        ip: ctx.ip.clone(),
        user_agent: ctx.user_agent.clone(),
    };
    let issued = auth_service::login(
        &state.core,
        &body.username,
        &body.password,
        TokenKind::Api,
        &origin,
    )
    .await?;
    Ok(HttpResponse::Ok().json(LoginResponse {
        token: issued.token,
        token_type: "Bearer".into(),
        expires_at: issued.expires_at,
        user: Me::from(&issued.caller),
    }))
}

/// Revoke the token used for this request.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204)),
    security(("bearer" = [])))]
pub async fn logout(state: web::Data<AppState>, actor: Actor) -> AppResult<HttpResponse> {
    auth_service::logout(&state.core, &actor).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
}

/// Change the password; every token of the account is revoked.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = PasswordChange,
    responses(
        (status = 204),
        (status = 400, description = "wrong current password or the new one breaks the policy", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn change_password(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<PasswordChange>,
) -> AppResult<HttpResponse> {
    auth_service::change_password(&state.core, &actor, &body.current, &body.new, &body.new)
        .await?
        .map_err(|p| AppError::BadRequest(p.message_key()))?;
    Ok(HttpResponse::NoContent().finish())
}

/// Who am I.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, body = Me)),
    security(("bearer" = [])))]
pub async fn me(caller: Caller) -> HttpResponse {
    HttpResponse::Ok().json(Me::from(&caller))
}

/// This module's routes, each with its access rule (composed in `web::routes`).
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::{Authenticated, Public};
    use crate::web::routes::api;
    vec![
        api(Public, __path_login, login),
        api(Authenticated, __path_logout, logout),
        api(Authenticated, __path_change_password, change_password),
        api(Authenticated, __path_me, me),
    ]
}
