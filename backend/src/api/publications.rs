//! `/api/v1/publications`: the regulations and notices library (法律法规 / 通知公告) — the
//! search over what the caller may read, one publication with its sanitised body, its PDFs;
//! the bureau and the committee publish, edit, change the status and attach PDFs.

use actix_web::{HttpResponse, web};

use crate::error::{AppError, AppResult};
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::publications::{
    self, FileView, PublicationFilter, PublicationInput, PublicationItem, PublicationRef,
    PublicationView, StatusChange, queries, write,
};
use crate::services::{PageParams, Paged};
use crate::web::AppState;
use crate::web::pages::files::file_response;
use crate::web::upload::ApiUpload;

/// Publications the caller may read: words found in titles and bodies (title hits first),
/// then newer first; filters by kind, issuer, status and year.
#[utoipa::path(get, path = "/api/v1/publications", tag = "publications",
    params(PublicationFilter, PageParams),
    responses((status = 200, body = Paged<PublicationItem>),
              (status = 422, description = "a filter value is not acceptable", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    filter: web::Query<PublicationFilter>,
    page: PageParams,
) -> AppResult<HttpResponse> {
    let result = queries::search(&state.core, Some(&caller.scope), &filter, page).await?;
    Ok(HttpResponse::Ok().json(result))
}

/// One publication with its body as sanitised HTML, tags, PDFs and successor. An enterprise
/// account's first read is recorded (宣传覆盖).
#[utoipa::path(get, path = "/api/v1/publications/{id}", tag = "publications",
    params(("id" = i64, Path, description = "publication id")),
    responses((status = 200, body = PublicationView),
              (status = 404, description = "absent or not for the caller", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let view = queries::get(&state.core, Some(&caller.scope), *id).await?;
    publications::reach::record_read(&state.core, &caller, *id).await?;
    Ok(HttpResponse::Ok().json(view))
}

async fn current(
    state: &AppState,
    caller: &Caller,
    r: PublicationRef,
) -> AppResult<PublicationView> {
    queries::get(&state.core, Some(&caller.scope), r.id).await
}

/// Publish for the caller's region (bureau) or alliance (committee); status 现行有效.
#[utoipa::path(post, path = "/api/v1/publications", tag = "publications",
    request_body = PublicationInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 201, body = PublicationView),
              (status = 422, description = "fields refused, by field", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<PublicationInput>,
) -> AppResult<HttpResponse> {
    let r = write::create(&state.core, &actor, &body).await?;
    Ok(HttpResponse::Created().json(current(&state, &actor.caller, r).await?))
}

/// Change a publication of the caller's region or alliance (fields and tags).
#[utoipa::path(put, path = "/api/v1/publications/{id}", tag = "publications",
    request_body = PublicationInput,
    params(("id" = i64, Path, description = "publication id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 200, body = PublicationView),
              (status = 404, description = "not one the caller publishes", body = super::ApiError),
              (status = 422, description = "fields refused, by field", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn update(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<PublicationInput>,
) -> AppResult<HttpResponse> {
    let r = write::update(&state.core, &actor, *id, &body).await?;
    Ok(HttpResponse::Ok().json(current(&state, &actor.caller, r).await?))
}

/// Set the status (现行有效 / 已修订 / 已废止), naming the superseding publication.
#[utoipa::path(post, path = "/api/v1/publications/{id}/status", tag = "publications",
    request_body = StatusChange,
    params(("id" = i64, Path, description = "publication id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 200, body = PublicationView),
              (status = 404, description = "not one the caller publishes", body = super::ApiError),
              (status = 422, description = "bad status or successor", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn status(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<StatusChange>,
) -> AppResult<HttpResponse> {
    let r = write::change_status(&state.core, &actor, *id, &body).await?;
    Ok(HttpResponse::Ok().json(current(&state, &actor.caller, r).await?))
}

/// A PDF upload.
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "documents the multipart body only")]
pub struct PdfUpload {
    /// The PDF (checked by its magic bytes; other files are refused).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Attach a PDF to a publication of the caller's region or alliance; answers the new file,
/// whose bytes are at the `Location` given.
#[utoipa::path(post, path = "/api/v1/publications/{id}/files", tag = "publications",
    request_body(content = PdfUpload, content_type = "multipart/form-data"),
    params(("id" = i64, Path, description = "publication id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 201, body = FileView,
               headers(("Location" = String, description = "the file's bytes"))),
              (status = 404, description = "not one the caller publishes", body = super::ApiError),
              (status = 422, description = "not a PDF, empty or too big", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn attach(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    ApiUpload(form): ApiUpload,
) -> AppResult<HttpResponse> {
    actor.key()?;
    form.check()?;
    let upload = form
        .files
        .into_iter()
        .find(|f| f.field == "file")
        .ok_or(AppError::BadRequest("publications.no_file"))?;
    let a = write::attach(&state.core, &actor, *id, upload).await?;
    let view = current(
        &state,
        &actor.caller,
        PublicationRef {
            id: a.publication_id,
        },
    )
    .await?;
    let file = view
        .files
        .into_iter()
        .find(|f| f.id == a.file_id)
        .ok_or(AppError::NotFound)?;
    let location = format!(
        "/api/v1/publications/{}/files/{}",
        a.publication_id, a.file_id
    );
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::LOCATION, location))
        .json(file))
}

/// The bytes of a PDF of a publication the caller may read.
#[utoipa::path(get, path = "/api/v1/publications/{id}/files/{file_id}", tag = "publications",
    params(("id" = i64, Path, description = "publication id"),
           ("file_id" = i64, Path, description = "file id")),
    responses((status = 200, description = "the PDF", content_type = "application/pdf"),
              (status = 404, description = "absent or not for the caller", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn file(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (id, file_id) = *path;
    let content = queries::file(&state.core, Some(&caller.scope), id, file_id).await?;
    Ok(file_response(content))
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// 法律法规 / 通知公告: everyone logged in reads what its scope allows; the bureau and the
/// committee publish.
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::{Authenticated, Roles};
    use crate::web::routes::api;
    use publications::write::PUBLISHERS;
    vec![
        api(Authenticated, __path_list, list),
        api(Roles(PUBLISHERS), __path_create, create),
        api(Authenticated, __path_get, get),
        api(Roles(PUBLISHERS), __path_update, update),
        api(Roles(PUBLISHERS), __path_status, status),
        api(Roles(PUBLISHERS), __path_attach, attach),
        api(Authenticated, __path_file, file),
    ]
}
