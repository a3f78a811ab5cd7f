//! `/api/v1/files/{id}`: the bytes of an attachment (photo or PDF), as the pages serve them:
//! the public copy (no EXIF), the thumbnail, or the original (evidence, for the bureau, the
//! committee and the uploading enterprise only). Outside the caller's scope: 404.

use actix_web::{HttpResponse, web};

use crate::error::AppResult;
use crate::scope::Caller;
use crate::services::files::Variant;
use crate::web::AppState;
use crate::web::pages::files::serve;

/// The copy everyone in scope sees: a re-encoded JPEG without EXIF/GPS, or the PDF itself.
#[utoipa::path(get, path = "/api/v1/files/{id}", tag = "files",
    params(("id" = i64, Path, description = "attachment id")),
    responses((status = 200, description = "image/jpeg or application/pdf",
        content(("image/jpeg"), ("application/pdf")))),
    security(("bearer" = [])))]
pub async fn public(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    serve(&state, &caller, *id, Variant::Public).await
}

/// A small JPEG (longest side 320 px) of an image; 404 for a PDF.
#[utoipa::path(get, path = "/api/v1/files/{id}/thumb", tag = "files",
    params(("id" = i64, Path, description = "attachment id")),
    responses((status = 200, description = "image/jpeg", content_type = "image/jpeg")),
    security(("bearer" = [])))]
pub async fn thumb(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    serve(&state, &caller, *id, Variant::Thumb).await
}

/// The file as uploaded, EXIF included (when and where a photo was taken). Only for the
/// admin, bureau officers, committee members and the enterprise that uploaded it; 404 for
/// everyone else, including the inspected enterprise.
#[utoipa::path(get, path = "/api/v1/files/{id}/original", tag = "files",
    params(("id" = i64, Path, description = "attachment id")),
    responses((status = 200, description = "the original bytes",
        content(("image/jpeg"), ("image/png"), ("image/webp"), ("application/pdf")))),
    security(("bearer" = [])))]
pub async fn original(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    serve(&state, &caller, *id, Variant::Original).await
}

/// This module's routes, each with its access rule (composed in `web::routes`).
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Authenticated;
    use crate::web::routes::api;
    vec![
        api(Authenticated, __path_public, public),
        api(Authenticated, __path_thumb, thumb),
        api(Authenticated, __path_original, original),
    ]
}
