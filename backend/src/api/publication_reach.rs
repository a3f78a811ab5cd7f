//! `/api/v1/publications/{id}/…` for 宣传覆盖: an enterprise account acknowledges (我已阅知);
//! the publisher reads the reach figures and reminds the accounts that have not read it.

use actix_web::{HttpResponse, web};

use crate::error::AppResult;
use crate::scope::Caller;
use crate::services::PageParams;
use crate::services::audit::Actor;
use crate::services::publications::reach::{self, ReachView, Receipt, Reminded};
use crate::web::AppState;

/// 我已阅知: the caller's enterprise account acknowledges a publication that asks for it;
/// the first time is recorded, a repeat answers the same receipt and changes nothing.
#[utoipa::path(post, path = "/api/v1/publications/{id}/acknowledge", tag = "publications",
    params(("id" = i64, Path, description = "publication id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 200, body = Receipt),
              (status = 404, description = "absent or not for the caller", body = super::ApiError),
              (status = 409, description = "the publication asks for no acknowledgement", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn acknowledge(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let receipt = reach::acknowledge(&state.core, &actor, *id).await?;
    Ok(HttpResponse::Ok().json(receipt))
}

/// The reach of a publication the caller publishes: totals, by region one level below a
/// bureau (for the city: by town), by alliance, by enterprise (paged); by account and by
/// enterprise (an enterprise has read it when one of its accounts has).
#[utoipa::path(get, path = "/api/v1/publications/{id}/reach", tag = "publications",
    params(("id" = i64, Path, description = "publication id"), PageParams),
    responses((status = 200, body = ReachView),
              (status = 404, description = "not one the caller publishes", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn figures(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    page: PageParams,
) -> AppResult<HttpResponse> {
    let view = reach::figures(&state.core, &caller, *id, page).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// 提醒未阅读: one notice to every audience account that has not read the publication; at
/// most once in 24 hours (the reach figures give `next_reminder_at`).
#[utoipa::path(post, path = "/api/v1/publications/{id}/remind", tag = "publications",
    params(("id" = i64, Path, description = "publication id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 200, body = Reminded),
              (status = 404, description = "not one the caller publishes", body = super::ApiError),
              (status = 409, description = "a reminder was sent in the last 24 hours", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn remind(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let reminded = reach::remind(&state.core, &actor, *id).await?;
    Ok(HttpResponse::Ok().json(reminded))
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// 宣传覆盖: enterprise accounts acknowledge; the bureau and the committee see the reach of
/// what they publish and remind.
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Roles;
    use crate::services::publications::write::PUBLISHERS;
    use crate::web::routes::api;
    use reach::READERS;
    vec![
        api(Roles(READERS), __path_acknowledge, acknowledge),
        api(Roles(PUBLISHERS), __path_figures, figures),
        api(Roles(PUBLISHERS), __path_remind, remind),
    ]
}
