//! The bureau's supervision list (挂牌督办): filters, the xlsx export, and the form that sets a
//! listing's supervising unit, responsible unit and supervision deadline.

use actix_web::{HttpResponse, http::StatusCode, http::header, web};
use serde::{Deserialize, Serialize};

use crate::auth::guard::RequestContext;
use crate::domain::inspection::{HazardCategory, HazardLevel};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::supervision::{
    self, SupervisionFilter, SupervisionInput, SupervisionRow, TownChoice,
};
use crate::services::{PageParams, Paged};
use crate::web::errors::rendered;
use crate::web::form::{CsrfForm, Retry};
use crate::web::pages::see_other;
use crate::web::{AppState, render};

const BASE: &str = "/regulator/supervision";

#[derive(Debug, Default, Deserialize)]
pub struct SavedQuery {
    saved: Option<i64>,
}

/// 挂牌督办 (`regulator/supervision.html`): the listings, filtered, each with its form.
#[derive(Serialize)]
struct SupervisionPage<'a> {
    listings: Paged<SupervisionRow>,
    filter: &'a SupervisionFilter,
    base: &'static str,
    /// The filter as a query string, for the pager and the export.
    query: String,
    towns: Vec<TownChoice>,
    categories: Vec<&'static str>,
    levels: Vec<&'static str>,
    /// The listing whose form was refused: shown on its own above the list, with the values
    /// as typed and the errors.
    editing: Option<i64>,
    refused_listing: Option<SupervisionRow>,
    values: Option<&'a SupervisionInput>,
    errors: Option<&'a FieldErrors>,
    /// The listing just saved.
    saved: Option<i64>,
}

/// The list; after a refusal, with the form of the listing `id` shown again.
async fn show(
    state: &AppState,
    ctx: &RequestContext,
    caller: &Caller,
    filter: &SupervisionFilter,
    page: PageParams,
    retry: Option<(i64, &Retry<SupervisionInput>)>,
    saved: Option<i64>,
) -> AppResult<HttpResponse> {
    let status = retry.map_or(StatusCode::OK, |(_, r)| r.status);
    let listings = supervision::list(&state.core, &caller.scope, filter, page).await?;
    let towns = supervision::towns(&state.core, &caller.scope).await?;
    let query = serde_urlencoded::to_string(filter).unwrap_or_default();
    // The listing whose form was refused is shown on its own above the list (it may be on
    // another page of it).
    let refused_listing = match retry {
        Some((id, _)) => Some(supervision::get(&state.core, &caller.scope, id).await?),
        None => None,
    };
    render::page(
        &state.templates,
        ctx,
        status,
        "regulator/supervision.html",
        SupervisionPage {
            listings,
            filter,
            base: BASE,
            query,
            towns,
            categories: HazardCategory::codes(),
            levels: HazardLevel::codes(),
            editing: retry.map(|(id, _)| id),
            refused_listing,
            values: retry.map(|(_, r)| &r.values),
            errors: retry.map(|(_, r)| &r.errors),
            saved,
        },
    )
    .map(|r| if status.is_success() { r } else { rendered(r) })
}

pub async fn list(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    filter: web::Query<SupervisionFilter>,
    page: PageParams,
    saved: web::Query<SavedQuery>,
) -> AppResult<HttpResponse> {
    show(&state, &ctx, &caller, &filter, page, None, saved.saved).await
}

pub async fn export(
    state: web::Data<AppState>,
    actor: Actor,
    filter: web::Query<SupervisionFilter>,
) -> AppResult<HttpResponse> {
    let bytes = supervision::export_xlsx(&state.core, &actor, &filter).await?;
    let name = format!(
        "supervision-{}.xlsx",
        state.core.calendar.now_local().format("%Y%m%d-%H%M")
    );
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes))
}

pub async fn update(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    id: web::Path<i64>,
    CsrfForm(form): CsrfForm<SupervisionInput>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    match supervision::update(&state.core, &actor, id, &form).await {
        Ok(_) => Ok(see_other(&format!("{BASE}?saved={id}#s-{id}"))),
        Err(AppError::Validation(errors)) => {
            show(
                &state,
                &ctx,
                &actor.caller,
                &SupervisionFilter::default(),
                PageParams::default(),
                Some((id, &Retry::invalid(form, errors))),
                None,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// 挂牌督办: the bureau's supervision list.
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Portal;
    use crate::domain::role::Portal as P;
    use crate::web::routes::{get, post};
    vec![
        get("/regulator/supervision", Portal(P::Regulator), list),
        get("/regulator/supervision/export.xlsx", Portal(P::Regulator), export),
        post("/regulator/supervision/{id}", Portal(P::Regulator), update),
    ]
}
