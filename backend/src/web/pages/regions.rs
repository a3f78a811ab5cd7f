//! 行政区划 (`/regulator/regions`): the officer's subtree as a tree with enterprise counts, the
//! form that adds a child region and the rename forms.

use actix_web::{HttpResponse, http::StatusCode, web};
use minijinja::{Value, context, value::Serde};
use serde::Deserialize;

use crate::auth::guard::RequestContext;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::regions::{self, NewRegionInput, RenameInput};
use crate::web::errors::rendered;
use crate::web::form::CsrfForm;
use crate::web::pages::see_other;
use crate::web::{AppState, render};

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
    code: Option<String>,
}

/// What the page shows besides the tree: the add form's values and errors, or one rename
/// form (code, name as typed) with its errors, or the notice of what was just done.
#[derive(Default)]
struct Extra<'a> {
    values: NewRegionInput,
    errors: FieldErrors,
    rename: Option<(&'a str, &'a str)>,
    done: Option<(&'a str, &'a str)>,
}

async fn show(
    state: &AppState,
    ctx: &RequestContext,
    caller: &Caller,
    status: StatusCode,
    extra: Extra<'_>,
) -> AppResult<HttpResponse> {
    let Extra {
        values,
        errors,
        rename,
        done,
    } = extra;
    let none = FieldErrors::default();
    let nodes = regions::tree(&state.core, &caller.scope).await?;
    render::page(
        &state.templates,
        ctx,
        status,
        "regulator/regions.html",
        context! {
            nodes => Value::from(Serde(&nodes)),
            v => Value::from(Serde(&values)),
            errors => Value::from(Serde(if rename.is_none() { &errors } else { &none })),
            rename_code => rename.map(|r| r.0.to_string()),
            rename_name => rename.map(|r| r.1.to_string()),
            rename_errors => Value::from(Serde(if rename.is_some() { &errors } else { &none })),
            done => done.map(|d| d.0.to_string()),
            done_code => done.map(|d| d.1.to_string()),
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
    show(
        &state,
        &ctx,
        &caller,
        StatusCode::OK,
        Extra {
            done,
            ..Default::default()
        },
    )
    .await
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
            show(
                &state,
                &ctx,
                &actor.caller,
                StatusCode::UNPROCESSABLE_ENTITY,
                Extra {
                    values: form,
                    errors,
                    ..Default::default()
                },
            )
            .await
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
            show(
                &state,
                &ctx,
                &actor.caller,
                StatusCode::UNPROCESSABLE_ENTITY,
                Extra {
                    errors,
                    rename: Some((&code, &form.name)),
                    ..Default::default()
                },
            )
            .await
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
