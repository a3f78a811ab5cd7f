//! 法律法规 / 通知公告 pages: the library every portal reads (what its scope allows), the
//! bureau's and the committee's forms to publish, edit, change the status and attach PDFs, and
//! the public index and pages at `/public/regulations` (no login, public ones only, in the
//! public layout: the login page's).

use actix_web::{HttpResponse, http::StatusCode, web};
use serde::{Deserialize, Serialize};

use crate::auth::guard::RequestContext;
use crate::domain::publication::{PublicationKind, PublicationStatus};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::scope::{Caller, Scope};
use crate::services::audit::Actor;
use crate::services::catalog::{self, IndustryView, RiskTagView};
use crate::services::files::Upload;
use crate::services::publications::{
    PublicationFilter, PublicationInput, PublicationItem, PublicationView, StatusChange, queries,
    reach, write,
};
use crate::services::{PageParams, Paged, idempotency};
use crate::web::errors::rendered;
use crate::web::form::{CsrfForm, Retry};
use crate::web::pages::files::file_response;
use crate::web::pages::see_other;
use crate::web::upload::CsrfUpload;
use crate::web::{AppState, render};

const BASE: &str = "/publications";
const PUBLIC: &str = "/public/regulations";

/// The list page: the search form, its results, and whether the caller publishes.
#[derive(Serialize)]
struct LibraryPage<'a> {
    base: &'static str,
    public: bool,
    publishes: bool,
    result: Paged<PublicationItem>,
    f: &'a PublicationFilter,
    query: String,
    kinds: Vec<&'static str>,
    statuses: Vec<&'static str>,
    issuers: Vec<String>,
}

/// One publication's page; for its publisher, with the status and PDF forms.
#[derive(Serialize)]
struct ShowPage {
    base: &'static str,
    public: bool,
    manages: bool,
    p: PublicationView,
    statuses: Vec<&'static str>,
    done: Option<String>,
    status_errors: FieldErrors,
    file_errors: FieldErrors,
    status_values: StatusChange,
    /// An enterprise account's read of it (recorded by opening the page).
    receipt: Option<reach::Receipt>,
    /// The one-time token of the 我已阅知 form.
    idempotency_key: String,
}

/// The create or edit form.
#[derive(Serialize)]
struct FormPage {
    base: &'static str,
    /// `None` for a new publication.
    id: Option<i64>,
    v: PublicationInput,
    errors: FieldErrors,
    idempotency_key: String,
    kinds: Vec<&'static str>,
    industries: Vec<IndustryView>,
    risk_tags: Vec<RiskTagView>,
}

fn finish(res: HttpResponse, status: StatusCode) -> HttpResponse {
    if status.is_success() {
        res
    } else {
        rendered(res)
    }
}

async fn library(
    state: &AppState,
    ctx: &RequestContext,
    reader: Option<&Scope>,
    publishes: bool,
    filter: &PublicationFilter,
    page: PageParams,
) -> AppResult<HttpResponse> {
    let core = &state.core;
    let result = queries::search(core, reader, filter, page).await?;
    let view = LibraryPage {
        base: if reader.is_some() { BASE } else { PUBLIC },
        public: reader.is_none(),
        publishes,
        result,
        f: filter,
        query: serde_urlencoded::to_string(filter).unwrap_or_default(),
        kinds: PublicationKind::codes(),
        statuses: PublicationStatus::codes(),
        issuers: queries::issuers(core, reader).await?,
    };
    render::page(
        &state.templates,
        ctx,
        StatusCode::OK,
        "publications/list.html",
        view,
    )
}

/// The library of the caller's portal.
pub async fn list(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    filter: web::Query<PublicationFilter>,
    page: PageParams,
) -> AppResult<HttpResponse> {
    let publishes = write::Publisher::of(&caller).is_ok();
    library(&state, &ctx, Some(&caller.scope), publishes, &filter, page).await
}

/// The public index: public publications only, no login.
pub async fn public_list(
    state: web::Data<AppState>,
    ctx: RequestContext,
    filter: web::Query<PublicationFilter>,
    page: PageParams,
) -> AppResult<HttpResponse> {
    library(&state, &ctx, None, false, &filter, page).await
}

/// What a refused status or PDF form on the page shows again.
#[derive(Default)]
struct ShowRetry {
    status: Option<Retry<StatusChange>>,
    file: Option<FieldErrors>,
}

async fn show(
    state: &AppState,
    ctx: &RequestContext,
    reader: Option<&Caller>,
    id: i64,
    done: Option<String>,
    retry: ShowRetry,
) -> AppResult<HttpResponse> {
    let p = queries::get(&state.core, reader.map(|c| &c.scope), id).await?;
    let receipt = match reader {
        Some(caller) => reach::record_read(&state.core, caller, id).await?,
        None => None,
    };
    let manages = reader.is_some_and(|c| match write::Publisher::of(c) {
        Ok(write::Publisher::Region { region_id, .. }) => p.region_id == Some(region_id),
        Ok(write::Publisher::Alliance { alliance_id, .. }) => p.alliance_id == Some(alliance_id),
        Err(_) => false,
    });
    let mut status = StatusCode::OK;
    let (status_values, status_errors) = match retry.status {
        Some(r) => {
            status = r.status;
            (r.values, r.errors)
        }
        None => (
            StatusChange {
                status: p.status.as_str().to_string(),
                superseded_by: p.superseded_by.as_ref().map(|s| s.id.to_string()),
            },
            FieldErrors::default(),
        ),
    };
    let file_errors = match retry.file {
        Some(e) => {
            status = StatusCode::UNPROCESSABLE_ENTITY;
            e
        }
        None => FieldErrors::default(),
    };
    let view = ShowPage {
        base: if reader.is_some() { BASE } else { PUBLIC },
        public: reader.is_none(),
        manages,
        p,
        statuses: PublicationStatus::codes(),
        done,
        status_errors,
        file_errors,
        status_values,
        receipt,
        idempotency_key: uuid::Uuid::new_v4().to_string(),
    };
    let res = render::page(
        &state.templates,
        ctx,
        status,
        "publications/show.html",
        view,
    )?;
    Ok(finish(res, status))
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

fn done_notice(done: Option<&str>) -> Option<String> {
    match done {
        Some("acknowledge") => Some("reach.done_acknowledge".to_string()),
        d => d
            .filter(|d| ["create", "update", "status", "attach"].contains(d))
            .map(|d| format!("publications.done_{d}")),
    }
}

pub async fn get(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    id: web::Path<i64>,
    q: web::Query<DoneQuery>,
) -> AppResult<HttpResponse> {
    let done = done_notice(q.done.as_deref());
    show(&state, &ctx, Some(&caller), *id, done, ShowRetry::default()).await
}

/// A public publication; any other is 404.
pub async fn public_get(
    state: web::Data<AppState>,
    ctx: RequestContext,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    show(&state, &ctx, None, *id, None, ShowRetry::default()).await
}

async fn form(
    state: &AppState,
    ctx: &RequestContext,
    id: Option<i64>,
    retry: Retry<PublicationInput>,
) -> AppResult<HttpResponse> {
    let core = &state.core;
    let view = FormPage {
        base: BASE,
        id,
        v: retry.values,
        errors: retry.errors,
        idempotency_key: uuid::Uuid::new_v4().to_string(),
        kinds: PublicationKind::codes(),
        industries: catalog::industries(core).await?,
        risk_tags: catalog::risk_tags(core).await?,
    };
    let res = render::page(
        &state.templates,
        ctx,
        retry.status,
        "publications/form.html",
        view,
    )?;
    Ok(finish(res, retry.status))
}

pub async fn new_form(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
) -> AppResult<HttpResponse> {
    write::Publisher::of(&caller)?;
    let today = state.core.today().to_string();
    let first = PublicationInput {
        kind: PublicationKind::Notice.as_str().to_string(),
        published_on: today,
        ..PublicationInput::default()
    };
    form(&state, &ctx, None, Retry::first(first)).await
}

pub async fn edit_form(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    write::Publisher::of(&caller)?;
    let p = queries::get(&state.core, Some(&caller.scope), *id).await?;
    form(
        &state,
        &ctx,
        Some(*id),
        Retry::first(PublicationInput::of(&p)),
    )
    .await
}

/// The form as posted: the publication's fields (as `PublicationInput`) and the form's
/// one-time token. Repeated checkboxes (`industries`, `risk_tags`) read into lists.
#[derive(Deserialize)]
pub struct PostedPublication {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    doc_number: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    published_on: String,
    #[serde(default)]
    effective_on: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    is_public: Option<String>,
    #[serde(default)]
    industries: Vec<String>,
    #[serde(default)]
    risk_tags: Vec<String>,
    #[serde(default)]
    requires_ack: Option<String>,
    #[serde(default)]
    idempotency_key: String,
}

impl PostedPublication {
    fn split(self) -> (PublicationInput, String) {
        let input = PublicationInput {
            kind: self.kind,
            title: self.title,
            doc_number: self.doc_number,
            issuer: self.issuer,
            published_on: self.published_on,
            effective_on: self.effective_on,
            body: self.body,
            is_public: self.is_public.is_some(),
            industries: self.industries,
            risk_tags: self.risk_tags,
            requires_ack: self.requires_ack.is_some(),
        };
        (input, self.idempotency_key)
    }
}

fn keyed(actor: Actor, key: &str) -> AppResult<Actor> {
    Ok(actor.with_key(idempotency::parse_key(Some(key))?))
}

async fn saved(
    state: &AppState,
    ctx: &RequestContext,
    id: Option<i64>,
    input: PublicationInput,
    result: AppResult<write::PublicationRef>,
    done: &str,
) -> AppResult<HttpResponse> {
    match result {
        Ok(r) => Ok(see_other(&format!("{BASE}/{}?done={done}", r.id))),
        Err(AppError::Validation(errors)) => {
            form(state, ctx, id, Retry::invalid(input, errors)).await
        }
        Err(e) => Err(e),
    }
}

pub async fn create(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    CsrfForm(posted): CsrfForm<PostedPublication>,
) -> AppResult<HttpResponse> {
    let (input, key) = posted.split();
    let actor = keyed(actor, &key)?;
    let result = write::create(&state.core, &actor, &input).await;
    saved(&state, &ctx, None, input, result, "create").await
}

pub async fn update(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    id: web::Path<i64>,
    CsrfForm(posted): CsrfForm<PostedPublication>,
) -> AppResult<HttpResponse> {
    let (input, key) = posted.split();
    let actor = keyed(actor, &key)?;
    let result = write::update(&state.core, &actor, *id, &input).await;
    saved(&state, &ctx, Some(*id), input, result, "update").await
}

pub async fn status(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    id: web::Path<i64>,
    CsrfForm(change): CsrfForm<StatusChange>,
) -> AppResult<HttpResponse> {
    match write::change_status(&state.core, &actor, *id, &change).await {
        Ok(r) => Ok(see_other(&format!("{BASE}/{}?done=status", r.id))),
        Err(AppError::Validation(errors)) => {
            let retry = ShowRetry {
                status: Some(Retry::invalid(change, errors)),
                file: None,
            };
            show(&state, &ctx, Some(&actor.caller), *id, None, retry).await
        }
        Err(e) => Err(e),
    }
}

/// A PDF from the page's upload form (its CSRF token in the action URL).
pub async fn attach(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    id: web::Path<i64>,
    CsrfUpload(upload): CsrfUpload,
) -> AppResult<HttpResponse> {
    let id = *id;
    let refused = |errors: FieldErrors| ShowRetry {
        status: None,
        file: Some(errors),
    };
    if let Err(AppError::Validation(errors)) = upload.check() {
        return show(&state, &ctx, Some(&actor.caller), id, None, refused(errors)).await;
    }
    let file: Option<Upload> = upload.files.into_iter().find(|f| f.field == "file");
    let Some(file) = file else {
        let mut errors = FieldErrors::default();
        errors.add("file", "publications.no_file");
        return show(&state, &ctx, Some(&actor.caller), id, None, refused(errors)).await;
    };
    match write::attach(&state.core, &actor, id, file).await {
        Ok(_) => Ok(see_other(&format!("{BASE}/{id}?done=attach"))),
        Err(AppError::Validation(errors)) => {
            show(&state, &ctx, Some(&actor.caller), id, None, refused(errors)).await
        }
        Err(e) => Err(e),
    }
}

pub async fn file(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (id, file_id) = *path;
    let content = queries::file(&state.core, Some(&caller.scope), id, file_id).await?;
    Ok(file_response(content))
}

pub async fn public_file(
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (id, file_id) = *path;
    let content = queries::file(&state.core, None, id, file_id).await?;
    Ok(file_response(content))
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// 法律法规 / 通知公告: the public pages, the library of every portal, the publishers' forms.
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::{Authenticated, Public, Roles};
    use crate::web::routes::{get as page, post};
    use write::PUBLISHERS;
    vec![
        page("/public/regulations", Public, public_list),
        page("/public/regulations/{id}", Public, public_get),
        page("/public/regulations/{id}/files/{file_id}", Public, public_file),
        page("/publications", Authenticated, list),
        page("/publications/new", Roles(PUBLISHERS), new_form),
        post("/publications", Roles(PUBLISHERS), create),
        page("/publications/{id}", Authenticated, get),
        page("/publications/{id}/edit", Roles(PUBLISHERS), edit_form),
        post("/publications/{id}", Roles(PUBLISHERS), update),
        post("/publications/{id}/status", Roles(PUBLISHERS), status),
        post("/publications/{id}/attach", Roles(PUBLISHERS), attach),
        page("/publications/{id}/files/{file_id}", Authenticated, file),
    ]
}
