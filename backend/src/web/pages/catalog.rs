//! 行业与标签 (`/regulator/catalog`): the industry and risk-tag lists, with add and rename forms
//! for those who may change them (the city-level bureau); read-only for other officers.

use actix_web::{HttpResponse, http::StatusCode, web};
use serde::{Deserialize, Serialize};

use crate::auth::guard::RequestContext;
use crate::error::{AppError, AppResult};
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::catalog::{
    self, IndustryView, NameInput, NewIndustryInput, NewRiskTagInput, RiskTagView,
};
use crate::web::errors::rendered;
use crate::web::form::{CsrfForm, Retry};
use crate::web::pages::see_other;
use crate::web::{AppState, render};

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// One of the catalog's forms as posted: which one (`industry`, `tag`, `industry-C13` …) and
/// the code, name and parent entered.
#[derive(Debug, Default, Serialize)]
struct CatalogForm {
    form: String,
    code: String,
    name: String,
    parent: String,
}

/// 行业与标签: the industries and risk tags, whether the caller may edit them, the form that
/// was refused (if one was) and the notice of what was just saved.
#[derive(Serialize)]
struct CatalogPage {
    industries: Vec<IndustryView>,
    tags: Vec<RiskTagView>,
    can_edit: bool,
    retry: Option<Retry<CatalogForm>>,
    done: Option<&'static str>,
}

async fn show(
    state: &AppState,
    ctx: &RequestContext,
    caller: &Caller,
    retry: Option<Retry<CatalogForm>>,
    done: Option<&str>,
) -> AppResult<HttpResponse> {
    let status = retry.as_ref().map_or(StatusCode::OK, |r| r.status);
    let industries = catalog::industries(&state.core).await?;
    let tags = catalog::risk_tags(&state.core).await?;
    let done = done.and_then(|d| match d {
        "industry" => Some("catalog.industry_saved"),
        "tag" => Some("catalog.tag_saved"),
        _ => None,
    });
    render::page(
        &state.templates,
        ctx,
        status,
        "regulator/catalog.html",
        CatalogPage {
            industries,
            tags,
            can_edit: catalog::may_edit(&state.core, caller).await?,
            retry,
            done,
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
    show(&state, &ctx, &caller, None, q.done.as_deref()).await
}

/// The answer to a catalog form: back to the page on success, the page with the form's
/// messages on invalid input.
async fn answer<T>(
    state: &AppState,
    ctx: &RequestContext,
    caller: &Caller,
    result: AppResult<T>,
    done: &str,
    posted: CatalogForm,
) -> AppResult<HttpResponse> {
    match result {
        Ok(_) => Ok(see_other(&format!("/regulator/catalog?done={done}"))),
        Err(AppError::Validation(errors)) => {
            show(
                state,
                ctx,
                caller,
                Some(Retry::invalid(posted, errors)),
                None,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

pub async fn create_industry(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    CsrfForm(form): CsrfForm<NewIndustryInput>,
) -> AppResult<HttpResponse> {
    let result = catalog::create_industry(&state.core, &actor, form.clone()).await;
    answer(
        &state,
        &ctx,
        &actor.caller,
        result,
        "industry",
        CatalogForm {
            form: "industry".into(),
            code: form.code,
            name: form.name,
            parent: form.parent,
        },
    )
    .await
}

pub async fn rename_industry(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    code: web::Path<String>,
    CsrfForm(form): CsrfForm<NameInput>,
) -> AppResult<HttpResponse> {
    let result = catalog::rename_industry(&state.core, &actor, &code, form.clone()).await;
    answer(
        &state,
        &ctx,
        &actor.caller,
        result,
        "industry",
        CatalogForm {
            form: format!("industry-{}", code.as_str()),
            code: code.to_string(),
            name: form.name,
            parent: String::new(),
        },
    )
    .await
}

pub async fn create_tag(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    CsrfForm(form): CsrfForm<NewRiskTagInput>,
) -> AppResult<HttpResponse> {
    let result = catalog::create_risk_tag(&state.core, &actor, form.clone()).await;
    answer(
        &state,
        &ctx,
        &actor.caller,
        result,
        "tag",
        CatalogForm {
            form: "tag".into(),
            code: form.code,
            name: form.name,
            parent: String::new(),
        },
    )
    .await
}

pub async fn rename_tag(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    code: web::Path<String>,
    CsrfForm(form): CsrfForm<NameInput>,
) -> AppResult<HttpResponse> {
    let result = catalog::rename_risk_tag(&state.core, &actor, &code, form.clone()).await;
    answer(
        &state,
        &ctx,
        &actor.caller,
        result,
        "tag",
        CatalogForm {
            form: format!("tag-{}", code.as_str()),
            code: code.to_string(),
            name: form.name,
            parent: String::new(),
        },
    )
    .await
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// 行业与标签 (bureau; catalog changes only at city level, checked inside).
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Portal;
    use crate::domain::role::Portal as P;
    use crate::web::routes::{get, post};
    vec![
        get("/regulator/catalog", Portal(P::Regulator), page),
        post("/regulator/catalog/industries", Portal(P::Regulator), create_industry),
        post("/regulator/catalog/industries/{code}/rename", Portal(P::Regulator), rename_industry),
        post("/regulator/catalog/risk-tags", Portal(P::Regulator), create_tag),
        post("/regulator/catalog/risk-tags/{code}/rename", Portal(P::Regulator), rename_tag),
    ]
}
