//! Importing enterprises from a spreadsheet: upload, validation report with progress,
//! confirmation.

use actix_multipart::form::{MultipartForm, bytes::Bytes as FileBytes};
use actix_web::{HttpResponse, http::StatusCode, http::header, web};
use serde::Serialize;

use crate::auth::guard::RequestContext;
use crate::error::{AppError, AppResult};
use crate::models::import_batch;
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::import::{self, BatchView};
use crate::web::errors::rendered;
use crate::web::form::{CsrfForm, CsrfMultipart};
use crate::web::pages::account::Empty;
use crate::web::pages::see_other;
use crate::web::{AppState, render};

#[derive(MultipartForm)]
pub struct Upload {
    #[multipart(limit = "20MB")]
    file: FileBytes,
}

/// 批量导入: the upload form with the limits it states, the catalog key of why an upload was
/// refused, and the latest batches.
#[derive(Serialize)]
struct ImportsPage<'a> {
    recent: Vec<import_batch::Model>,
    error: Option<&'a str>,
    max_rows: usize,
    max_columns: usize,
}

async fn upload_page(
    state: &AppState,
    ctx: &RequestContext,
    caller: &Caller,
    status: StatusCode,
    error: Option<&str>,
) -> AppResult<HttpResponse> {
    let recent = import::recent(&state.core, caller).await?;
    render::page(
        &state.templates,
        ctx,
        status,
        "regulator/imports.html",
        ImportsPage {
            recent,
            error,
            max_rows: import::MAX_ROWS,
            max_columns: import::MAX_COLUMNS,
        },
    )
    .map(|r| if status.is_success() { r } else { rendered(r) })
}

pub async fn index(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
) -> AppResult<HttpResponse> {
    upload_page(&state, &ctx, &caller, StatusCode::OK, None).await
}

pub async fn template() -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"enterprise-import-template.xlsx\"",
        ))
        .body(import::template()?))
}

pub async fn upload(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    CsrfMultipart(form): CsrfMultipart<Upload>,
) -> AppResult<HttpResponse> {
    let file = form.into_inner().file;
    let name = file.file_name.clone().unwrap_or_else(|| "upload".into());
    match import::upload(&state.core, &actor, &name, file.data.to_vec()).await {
        Ok(id) => Ok(see_other(&format!("/regulator/imports/{id}"))),
        Err(AppError::BadRequest(key)) => {
            upload_page(
                &state,
                &ctx,
                &actor.caller,
                StatusCode::BAD_REQUEST,
                Some(key),
            )
            .await
        }
        Err(AppError::Validation(fields)) => {
            let key = fields.0.values().next().copied();
            upload_page(
                &state,
                &ctx,
                &actor.caller,
                StatusCode::UNPROCESSABLE_ENTITY,
                key,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// One import batch: its progress, counts, problems by row and the rows it would write.
#[derive(Serialize)]
struct ImportPage {
    batch: BatchView,
}

pub async fn show(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let view = import::view(&state.core, &caller, *id).await?;
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "regulator/import.html",
        ImportPage { batch: view },
    )
}

pub async fn progress(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let (status, processed, total) = import::progress(&state.core, &caller, *id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({ "status": status, "processed_rows": processed, "total_rows": total })))
}

pub async fn commit(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<HttpResponse> {
    import::commit(&state.core, &actor, *id).await?;
    Ok(see_other(&format!("/regulator/imports/{id}")))
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// The bureau's spreadsheet import of enterprises.
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Portal;
    use crate::domain::role::Portal as P;
    use crate::web::routes::{get, post};
    vec![
        get("/regulator/imports", Portal(P::Regulator), index),
        post("/regulator/imports", Portal(P::Regulator), upload),
        get("/regulator/imports/template.xlsx", Portal(P::Regulator), template),
        get("/regulator/imports/{id}", Portal(P::Regulator), show),
        get("/regulator/imports/{id}/progress", Portal(P::Regulator), progress),
        post("/regulator/imports/{id}/commit", Portal(P::Regulator), commit),
    ]
}
