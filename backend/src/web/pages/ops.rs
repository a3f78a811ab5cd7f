//! Health and readiness probes, and the static assets compiled into the binary.

use actix_web::{HttpResponse, http::header, web};

use crate::db;
use crate::error::{AppError, AppResult};
use crate::web::AppState;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// Ready when the database answers.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match db::ping(&state.core.db).await {
        Ok(()) => HttpResponse::Ok().content_type("text/plain").body("ready"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain")
                .body("database unavailable")
        }
    }
}

const ASSETS: &[(&str, &str, &str)] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../../../../frontend/static/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../../frontend/static/app.js"),
    ),
];

pub async fn asset(name: web::Path<String>) -> AppResult<HttpResponse> {
    let (_, mime, body) = ASSETS
        .iter()
        .find(|(n, _, _)| *n == name.as_str())
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(*mime)
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(*body))
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// Probes and static assets.
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Public;
    use crate::web::routes::get;
    vec![
        get("/healthz", Public, healthz),
        get("/readyz", Public, readyz),
        get("/static/{name}", Public, asset),
    ]
}
