//! 专家库 pages: the bureau's pool (list with filters, one expert with its account, register,
//! edit, activate and deactivate) and the directory committees and enterprises read (name,
//! specialties and organisation only). What each sees is `scope::experts`; the writes are
//! `services::experts::write`.

use actix_web::{HttpResponse, http::StatusCode, web};
use serde::{Deserialize, Serialize};

use crate::auth::guard::RequestContext;
use crate::domain::expert::Specialty;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::experts::{
    AccountInput, DirectoryEntry, ExpertFilter, ExpertInput, ExpertView, Listed, RegistrationInput,
    Shown, queries, write,
};
use crate::services::regions::{self, RegionNode};
use crate::services::{PageParams, Paged, idempotency};
use crate::web::errors::rendered;
use crate::web::form::{CsrfForm, Retry};
use crate::web::pages::account::Empty;
use crate::web::pages::see_other;
use crate::web::{AppState, render};

const BASE: &str = "/regulator/experts";

/// The bureau's list: filters and one page of full profiles.
#[derive(Serialize)]
struct PoolPage<'a> {
    base: &'static str,
    result: Paged<ExpertView>,
    f: &'a ExpertFilter,
    query: String,
    specialties: Vec<&'static str>,
    regions: Vec<RegionNode>,
}

/// The directory of a committee or an enterprise.
#[derive(Serialize)]
struct DirectoryPage<'a> {
    base: &'a str,
    result: Paged<DirectoryEntry>,
    f: &'a ExpertFilter,
    query: String,
    specialties: Vec<&'static str>,
}

/// One expert with its account and the activate/deactivate form.
#[derive(Serialize)]
struct ShowPage {
    base: &'static str,
    e: ExpertView,
    done: Option<String>,
}

/// The register or edit form: the profile's values, and for a registration the account's.
#[derive(Serialize)]
struct FormPage {
    base: &'static str,
    /// `None` for a registration.
    id: Option<i64>,
    v: ExpertInput,
    account: AccountInput,
    errors: FieldErrors,
    idempotency_key: String,
    specialties: Vec<&'static str>,
    regions: Vec<RegionNode>,
}

fn finish(res: HttpResponse, status: StatusCode) -> HttpResponse {
    if status.is_success() {
        res
    } else {
        rendered(res)
    }
}

fn query_of(f: &ExpertFilter) -> String {
    serde_urlencoded::to_string(f).unwrap_or_default()
}

/// The bureau's pool.
pub async fn list(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    filter: web::Query<ExpertFilter>,
    page: PageParams,
) -> AppResult<HttpResponse> {
    let core = &state.core;
    let Listed::Full(result) = queries::search(core, &caller.scope, &filter, page).await? else {
        return Err(AppError::Forbidden);
    };
    let view = PoolPage {
        base: BASE,
        result,
        f: &filter,
        query: query_of(&filter),
        specialties: Specialty::codes(),
        regions: regions::tree(core, &caller.scope).await?,
    };
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "regulator/experts.html",
        view,
    )
}

/// The directory (专家名录) of the committee and enterprise portals.
pub async fn directory(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    filter: web::Query<ExpertFilter>,
    page: PageParams,
) -> AppResult<HttpResponse> {
    let Listed::Directory(result) =
        queries::search(&state.core, &caller.scope, &filter, page).await?
    else {
        return Err(AppError::Forbidden);
    };
    let view = DirectoryPage {
        base: &ctx.path,
        result,
        f: &filter,
        query: query_of(&filter),
        specialties: Specialty::codes(),
    };
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "experts/directory.html",
        view,
    )
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

pub async fn get(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    id: web::Path<i64>,
    q: web::Query<DoneQuery>,
) -> AppResult<HttpResponse> {
    let Shown::Full(e) = queries::get(&state.core, &caller.scope, *id).await? else {
        return Err(AppError::NotFound);
    };
    let done = q
        .done
        .as_deref()
        .filter(|d| ["create", "update", "activate", "deactivate"].contains(d))
        .map(|d| format!("experts.done_{d}"));
    let view = ShowPage {
        base: BASE,
        e,
        done,
    };
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "regulator/expert.html",
        view,
    )
}

async fn form(
    state: &AppState,
    ctx: &RequestContext,
    caller: &Caller,
    id: Option<i64>,
    retry: Retry<(ExpertInput, AccountInput)>,
) -> AppResult<HttpResponse> {
    let (v, account) = retry.values;
    let view = FormPage {
        base: BASE,
        id,
        v,
        account,
        errors: retry.errors,
        idempotency_key: uuid::Uuid::new_v4().to_string(),
        specialties: Specialty::codes(),
        regions: regions::tree(&state.core, &caller.scope).await?,
    };
    let res = render::page(
        &state.templates,
        ctx,
        retry.status,
        "regulator/expert_form.html",
        view,
    )?;
    Ok(finish(res, retry.status))
}

pub async fn new_form(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
) -> AppResult<HttpResponse> {
    let first = (ExpertInput::default(), AccountInput::default());
    form(&state, &ctx, &caller, None, Retry::first(first)).await
}

pub async fn edit_form(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let Shown::Full(e) = queries::get(&state.core, &caller.scope, *id).await? else {
        return Err(AppError::NotFound);
    };
    if !e.manages {
        return Err(AppError::NotFound);
    }
    let values = ExpertInput {
        name: e.name,
        title: e.title,
        organisation: e.organisation,
        phone: e.phone,
        region: e.region_code,
        specialties: e
            .specialties
            .iter()
            .map(|s| s.as_str().to_string())
            .collect(),
        active: e.active,
    };
    let first = (values, AccountInput::default());
    form(&state, &ctx, &caller, Some(*id), Retry::first(first)).await
}

/// The form as posted: the profile, the account (registration only), the one-time token.
/// Repeated checkboxes (`specialties`) read into a list.
#[derive(Deserialize)]
pub struct PostedExpert {
    #[serde(default)]
    name: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    specialties: Vec<String>,
    #[serde(default)]
    active: Option<String>,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    idempotency_key: String,
}

impl PostedExpert {
    fn split(self) -> (ExpertInput, AccountInput, String) {
        let expert = ExpertInput {
            name: self.name,
            title: self.title,
            organisation: self.organisation,
            phone: self.phone,
            region: self.region,
            specialties: self.specialties,
            active: self.active.is_some(),
        };
        let account = AccountInput {
            username: self.username,
            password: self.password,
            email: self.email,
        };
        (expert, account, self.idempotency_key)
    }
}

fn keyed(actor: Actor, key: &str) -> AppResult<Actor> {
    Ok(actor.with_key(idempotency::parse_key(Some(key))?))
}

pub async fn create(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    CsrfForm(posted): CsrfForm<PostedExpert>,
) -> AppResult<HttpResponse> {
    let (expert, account, key) = posted.split();
    let actor = keyed(actor, &key)?;
    let input = RegistrationInput::new(expert, account);
    match write::register(&state.core, &actor, &input).await {
        Ok(r) => Ok(see_other(&format!("{BASE}/{}?done=create", r.id))),
        Err(AppError::Validation(errors)) => {
            let retry = Retry::invalid(input.split(), errors);
            form(&state, &ctx, &actor.caller, None, retry).await
        }
        Err(e) => Err(e),
    }
}

pub async fn update(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    id: web::Path<i64>,
    CsrfForm(posted): CsrfForm<PostedExpert>,
) -> AppResult<HttpResponse> {
    let (expert, _, key) = posted.split();
    let actor = keyed(actor, &key)?;
    match write::update(&state.core, &actor, *id, &expert).await {
        Ok(r) => Ok(see_other(&format!("{BASE}/{}?done=update", r.id))),
        Err(AppError::Validation(errors)) => {
            let retry = Retry::invalid((expert, AccountInput::default()), errors);
            form(&state, &ctx, &actor.caller, Some(*id), retry).await
        }
        Err(e) => Err(e),
    }
}

pub async fn deactivate(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<HttpResponse> {
    let r = write::set_active(&state.core, &actor, *id, false).await?;
    Ok(see_other(&format!("{BASE}/{}?done=deactivate", r.id)))
}

pub async fn activate(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<HttpResponse> {
    let r = write::set_active(&state.core, &actor, *id, true).await?;
    Ok(see_other(&format!("{BASE}/{}?done=activate", r.id)))
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// 专家库: the bureau keeps the pool; committees and enterprises read the directory.
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Portal;
    use crate::domain::role::Portal::{Committee, Enterprise, Regulator};
    use crate::web::routes::{get as page, post};
    vec![
        page("/regulator/experts", Portal(Regulator), list),
        page("/regulator/experts/new", Portal(Regulator), new_form),
        post("/regulator/experts", Portal(Regulator), create),
        page("/regulator/experts/{id}", Portal(Regulator), get),
        page("/regulator/experts/{id}/edit", Portal(Regulator), edit_form),
        post("/regulator/experts/{id}", Portal(Regulator), update),
        post("/regulator/experts/{id}/deactivate", Portal(Regulator), deactivate),
        post("/regulator/experts/{id}/activate", Portal(Regulator), activate),
        page("/committee/experts", Portal(Committee), directory),
        page("/enterprise/experts", Portal(Enterprise), directory),
    ]
}
