//! `/api/v1/checklists`: checklist templates 检查表 as the caller's scope shows them, published
//! and edited by the bureau (its region) or a committee (its alliance), with the versioning
//! rule: editing a version an inspection or round already uses makes the next version.

use actix_web::{HttpResponse, web};

use crate::error::AppResult;
use crate::scope::Caller;
use crate::services::PageParams;
use crate::services::audit::Actor;
use crate::services::checklists::{
    self, ChecklistFilter, SaveResult, TemplateDetail, TemplateInput,
};
use crate::web::AppState;

/// Templates the caller may see (bureau templates of its region and above, its alliance's),
/// filtered and paginated; each with its latest version and whether the caller may change it.
#[utoipa::path(get, path = "/api/v1/checklists", tag = "checklists",
    params(ChecklistFilter, PageParams),
    responses((status = 200, body = crate::services::Paged<checklists::TemplateSummary>)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    filter: web::Query<ChecklistFilter>,
    page: PageParams,
) -> AppResult<HttpResponse> {
    let result = checklists::queries::list(&state.core, &caller.scope, &filter, page).await?;
    Ok(HttpResponse::Ok().json(result))
}

/// One template with every version (newest first), its items and how many inspections and
/// rounds use each version; 404 outside the caller's scope.
#[utoipa::path(get, path = "/api/v1/checklists/{id}", tag = "checklists",
    params(("id" = i64, Path, description = "template id")),
    responses((status = 200, body = TemplateDetail)),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    Ok(
        HttpResponse::Ok()
            .json(checklists::queries::detail(&state.core, &caller.scope, *id).await?),
    )
}

/// Publish a template (version 1) as the caller's bureau or committee. Invalid fields answer
/// 422 with `fields`, items by index (`items[2].requirement`).
#[utoipa::path(post, path = "/api/v1/checklists", tag = "checklists",
    request_body = TemplateInput,
    responses((status = 201, body = TemplateDetail),
              (status = 422, description = "invalid fields", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<TemplateInput>,
) -> AppResult<HttpResponse> {
    let saved = checklists::write::create(&state.core, &actor, &body).await?;
    let detail =
        checklists::queries::detail(&state.core, &actor.caller.scope, saved.template_id).await?;
    Ok(HttpResponse::Created().json(detail))
}

/// Save a template's title, topic and items. While no inspection or round uses the latest
/// version it is rewritten in place; otherwise a new version is added and the used one stays
/// as it was. The answer says which version was written and whether it is new. 404 when the
/// caller cannot see the template, 403 when it may only read it.
#[utoipa::path(put, path = "/api/v1/checklists/{id}", tag = "checklists",
    request_body = TemplateInput,
    params(("id" = i64, Path, description = "template id")),
    responses((status = 200, body = SaveResult),
              (status = 409, description = "a concurrent edit won", body = super::ApiError),
              (status = 422, description = "invalid fields", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn update(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<TemplateInput>,
) -> AppResult<HttpResponse> {
    let saved = checklists::write::update(&state.core, &actor, *id, &body).await?;
    Ok(HttpResponse::Ok().json(saved))
}

/// Archive a template: it is no longer offered for new inspections but stays readable, and
/// past inspections keep it. Repeating it changes nothing.
#[utoipa::path(post, path = "/api/v1/checklists/{id}/archive", tag = "checklists",
    params(("id" = i64, Path, description = "template id")),
    responses((status = 204, description = "archived")),
    security(("bearer" = [])))]
pub async fn archive(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    checklists::write::set_archived(&state.core, &actor, *id, true).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Restore an archived template, offering it again.
#[utoipa::path(post, path = "/api/v1/checklists/{id}/restore", tag = "checklists",
    params(("id" = i64, Path, description = "template id")),
    responses((status = 204, description = "restored")),
    security(("bearer" = [])))]
pub async fn restore(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    checklists::write::set_archived(&state.core, &actor, *id, false).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// This module's routes, each with its access rule (composed in `web::routes`).
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::{Authenticated, Roles};
    use crate::domain::role::Role;
    use crate::web::routes::api;

    /// Who publishes checklist templates: the bureau for its region, a committee for its alliance.
    const CHECKLIST_PUBLISHERS: &[Role] = &[Role::Regulator, Role::Committee];
    /// Who edits, archives and restores them (the admin any; the others their own, inside).
    const CHECKLIST_KEEPERS: &[Role] = &[Role::Admin, Role::Regulator, Role::Committee];

    vec![
        api(Authenticated, __path_list, list),
        api(Roles(CHECKLIST_PUBLISHERS), __path_create, create),
        api(Authenticated, __path_get, get),
        api(Roles(CHECKLIST_KEEPERS), __path_update, update),
        api(Roles(CHECKLIST_KEEPERS), __path_archive, archive),
        api(Roles(CHECKLIST_KEEPERS), __path_restore, restore),
    ]
}
