//! 行政区划 (`/regulator/regions`): the officer's subtree as a tree with enterprise counts, the
//! form that adds a child region and the rename forms.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::auth::guard::RequestContext;
use crate::error::{AppError, AppResult};
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::regions::{self, NewRegionInput, RegionNode, RenameInput};
use crate::web::errors::rendered;
use crate::web::form::{CsrfForm, Retry};
use crate::web::pages::see_other;
use crate::web::{AppState, render};

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
    code: Option<String>,
}

/// What the page shows besides the tree: the add form's values and errors, or one rename
/// form (code, name as typed) with its errors, or the notice of what was just done.
/// A rename as typed: the region's code and its new name.
#[derive(Serialize)]
struct RegionRename<'a> {
    code: &'a str,
    name: &'a str,
}

/// 行政区划: the regions the bureau administers (a tree in path order), the new-region form, the
/// rename that was refused (if one was), and the notice of what was just done (a catalog key
/// and the region's code).
#[derive(Serialize)]
struct RegionsPage<'a> {
    nodes: Vec<RegionNode>,
    new_region: &'a Retry<NewRegionInput>,
    rename: Option<&'a Retry<RegionRename<'a>>>,
    done: Option<&'a str>,
    done_code: Option<&'a str>,
}

async fn show(
    state: &AppState,
    ctx: &RequestContext,
    caller: &Caller,
    new_region: &Retry<NewRegionInput>,
    rename: Option<&Retry<RegionRename<'_>>>,
    done: Option<(&str, &str)>,
) -> AppResult<HttpResponse> {
    let status = rename.map_or(new_region.status, |r| r.status);
    let nodes = regions::tree(&state.core, &caller.scope).await?;
    render::page(
        &state.templates,
        ctx,
        status,
        "regulator/regions.html",
        RegionsPage {
            nodes,
            new_region,
            rename,
            done: done.map(|(key, _)| key),
            done_code: done.map(|(_, code)| code),
        },
    )
    .map(|r| if status.is_success() { r } else { rendered(r) })
}

pub async fn page(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    q: web::Query<DoneQuery>,
) -> AppResult<HttpResponse> {
    let done = match (q.done.as_deref(), q.code.as_deref()) {
        (Some("created"), Some(c)) => Some(("regions.created", c)),
        (Some("renamed"), Some(c)) => Some(("regions.renamed", c)),
        _ => None,
    };
    let blank = Retry::first(NewRegionInput::default());
    show(&state, &ctx, &caller, &blank, None, done).await
}

pub async fn create(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    CsrfForm(form): CsrfForm<NewRegionInput>,
) -> AppResult<HttpResponse> {
    match regions::create_child(&state.core, &actor, form.clone()).await {
        Ok(r) => Ok(see_other(&format!(
            "/regulator/regions?done=created&code={}",
            r.code
        ))),
        Err(AppError::Validation(errors)) => {
            let refused = Retry::invalid(form, errors);
            show(&state, &ctx, &actor.caller, &refused, None, None).await
        }
        Err(e) => Err(e),
    }
}

pub async fn rename(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    code: web::Path<String>,
    CsrfForm(form): CsrfForm<RenameInput>,
) -> AppResult<HttpResponse> {
    match regions::rename(&state.core, &actor, &code, form.clone()).await {
        Ok(r) => Ok(see_other(&format!(
            "/regulator/regions?done=renamed&code={}",
            r.code
        ))),
        Err(AppError::Validation(errors)) => {
            let blank = Retry::first(NewRegionInput::default());
            let typed = RegionRename {
                code: &code,
                name: &form.name,
            };
            let refused = Retry::invalid(typed, errors);
            show(&state, &ctx, &actor.caller, &blank, Some(&refused), None).await
        }
        Err(e) => Err(e),
    }
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// 行政区划 (bureau).
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Portal;
    use crate::domain::role::Portal as P;
    use crate::web::routes::{get, post};
    vec![
        get("/regulator/regions", Portal(P::Regulator), page),
        post("/regulator/regions", Portal(P::Regulator), create),
        post("/regulator/regions/{code}/rename", Portal(P::Regulator), rename),
    ]
}
