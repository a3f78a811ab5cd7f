//! Inspection pages: the enterprise's assignments and self-inspections, the committee's and
//! the bureau's lists, the inspection page itself (read, start, fill in on a phone and submit,
//! review).

use std::collections::HashMap;

use actix_web::{HttpResponse, http::StatusCode, web};
use serde::{Deserialize, Serialize};

use crate::auth::guard::RequestContext;
use crate::domain::inspection::{HazardCategory, HazardLevel};
use crate::domain::role::Portal;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::hazards::HazardRow;
use crate::services::inspections::submit::{self, AnswerInput, HazardInput, Submission};
use crate::services::inspections::{
    self, InspectionDetail, InspectionFilter, InspectionRow, SelfInspectionInput,
};
use crate::services::{PageParams, Paged, checklists};
use crate::web::errors::rendered;
use crate::web::form::{CsrfForm, Retry};
use crate::web::pages::see_other;
use crate::web::upload::{CsrfUpload, UploadForm};
use crate::web::{AppState, render};

/// The 一企一档 sections of an enterprise (`enterprise/_file.html`, the parts under `sections`): its
/// latest inspections, hazards and expert service requests, ten each, with the totals.
#[derive(Debug, Serialize)]
pub(crate) struct FileSections {
    pub inspections: Paged<InspectionRow>,
    pub hazards: Paged<HazardRow>,
    pub expert_services: Paged<crate::services::expert_requests::RequestItem>,
}

/// The 一企一档 sections of an enterprise, as far as the scope may see them.
pub(crate) async fn file_sections(
    core: &crate::state::Core,
    scope: &crate::scope::Scope,
    enterprise_id: i64,
) -> AppResult<FileSections> {
    let first = PageParams::first(10);
    let inspections = inspections::list(
        core,
        scope,
        &InspectionFilter {
            enterprise_id: Some(enterprise_id),
            ..InspectionFilter::default()
        },
        first.clone(),
    )
    .await?;
    let hazards = crate::services::hazards::list(
        core,
        scope,
        &crate::services::hazards::HazardFilter {
            enterprise_id: Some(enterprise_id),
            ..Default::default()
        },
        first.clone(),
    )
    .await?;
    let expert_services =
        crate::services::expert_requests::queries::of_enterprise(core, scope, enterprise_id, first)
            .await?;
    Ok(FileSections {
        inspections,
        hazards,
        expert_services,
    })
}

/// How many blank extra-hazard blocks the form shows (the script adds more).
const EXTRA_BLOCKS: usize = 1;

/// The list of a portal: the enterprise's tabs, or the committee's / bureau's list.
pub async fn list(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    filter: web::Query<InspectionFilter>,
    page: PageParams,
) -> AppResult<HttpResponse> {
    let mut filter = filter.into_inner();
    if caller.portal() == Portal::Enterprise && filter.side.is_none() {
        filter.side = Some("inspecting".into());
    }
    list_page(&state, &ctx, &caller, filter, page, None).await
}

/// A portal's inspection list (`inspections/list.html`); for the enterprise also the
/// self-inspection form.
#[derive(Serialize)]
struct InspectionListPage<'a> {
    inspections: Paged<InspectionRow>,
    /// The filter as given (the enterprise's tab is its `side`).
    filter: &'a InspectionFilter,
    /// The list's own path under the caller's portal.
    base: String,
    /// The filter as a query string, for the pager.
    query: String,
    /// The checklist versions a self-inspection may use (enterprise only).
    checklists: Vec<checklists::VersionChoice>,
    today: chrono::NaiveDate,
    /// The self-inspection form as typed, when it was refused.
    values: Option<&'a SelfForm>,
    errors: &'a FieldErrors,
}

/// The list, with the self-inspection form shown again after a refusal.
async fn list_page(
    state: &AppState,
    ctx: &RequestContext,
    caller: &Caller,
    filter: InspectionFilter,
    page: PageParams,
    retry: Option<&Retry<SelfForm>>,
) -> AppResult<HttpResponse> {
    let status = retry.map_or(StatusCode::OK, |r| r.status);
    let values = retry.map(|r| &r.values);
    let no_errors = FieldErrors::default();
    let errors = retry.map_or(&no_errors, |r| &r.errors);
    let core = &state.core;
    let inspections = inspections::list(core, &caller.scope, &filter, page).await?;
    let portal = caller.portal();
    let checklists = if portal == Portal::Enterprise {
        checklists::choices(core, &caller.scope).await?
    } else {
        Vec::new()
    };
    let query = serde_urlencoded::to_string(&filter).unwrap_or_default();
    let res = render::page(
        &state.templates,
        ctx,
        status,
        "inspections/list.html",
        InspectionListPage {
            inspections,
            filter: &filter,
            base: format!("/{}/inspections", portal.as_str()),
            query,
            checklists,
            today: core.today(),
            values,
            errors,
        },
    )?;
    Ok(if status.is_success() {
        res
    } else {
        rendered(res)
    })
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct SelfForm {
    #[serde(default)]
    template_version_id: String,
    #[serde(default)]
    planned_on: String,
}

/// 开始自查: plans a self-inspection and opens it.
pub async fn create_self(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    CsrfForm(form): CsrfForm<SelfForm>,
) -> AppResult<HttpResponse> {
    let input = SelfInspectionInput {
        template_version_id: form.template_version_id.trim().parse().ok(),
        planned_on: Some(form.planned_on.clone()),
    };
    match inspections::create_self(&state.core, &actor, &input).await {
        Ok(i) => Ok(see_other(&format!("/inspections/{}", i.id))),
        Err(AppError::Validation(errors)) => {
            let filter = InspectionFilter {
                side: Some("self".into()),
                ..InspectionFilter::default()
            };
            let retry = Retry::invalid(form, errors);
            list_page(
                &state,
                &ctx,
                &actor.caller,
                filter,
                PageParams::default(),
                Some(&retry),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct ShowQuery {
    done: Option<String>,
}

/// The inspection page; for the inspecting side while open, the checklist form.
pub async fn show(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    id: web::Path<i64>,
    q: web::Query<ShowQuery>,
) -> AppResult<HttpResponse> {
    let detail = inspections::detail(&state.core, &caller, *id).await?;
    let done = q
        .done
        .as_deref()
        .filter(|d| ["start", "submit", "review"].contains(d))
        .map(|d| format!("inspections.done_{d}"));
    let values = if detail.may_submit {
        initial_values(&detail, state.core.today())
    } else {
        HashMap::new()
    };
    show_page(
        &state,
        &ctx,
        detail,
        done,
        &Retry::first(values),
        uuid::Uuid::new_v4().to_string(),
        None,
    )
    .await
}

/// The form's starting values: each failed item's hazard pre-filled from the item, deadlines
/// a month out.
fn initial_values(detail: &InspectionDetail, today: chrono::NaiveDate) -> HashMap<String, String> {
    let deadline = (today + chrono::Days::new(30)).to_string();
    let mut v = HashMap::new();
    for item in &detail.items {
        let p = format!("item_{}_", item.item_id);
        v.insert(
            format!("{p}title"),
            item.requirement.chars().take(200).collect(),
        );
        v.insert(format!("{p}category"), item.category.clone());
        v.insert(format!("{p}legal_basis"), item.legal_basis.clone());
        v.insert(format!("{p}level"), HazardLevel::General.as_str().into());
        v.insert(format!("{p}deadline"), deadline.clone());
    }
    for k in 0..EXTRA_BLOCKS {
        v.insert(
            format!("extra_{k}_level"),
            HazardLevel::General.as_str().into(),
        );
        v.insert(format!("extra_{k}_deadline"), deadline.clone());
    }
    v
}

/// The inspection page (`inspections/show.html`): the inspection and, for the side that may,
/// the start button, the checklist form or the review form.
#[derive(Serialize)]
struct InspectionPage<'a> {
    inspection: InspectionDetail,
    /// The notice after an action (`inspections.done_…`).
    done: Option<String>,
    /// The form's values: `item_<id>_<field>`, `extra_<k>_<field>`, `inspectors`, `summary`,
    /// `note`.
    values: &'a HashMap<String, String>,
    errors: &'a FieldErrors,
    /// The checklist form's one-time token.
    idempotency_key: String,
    /// The indexes of the extra-hazard blocks shown.
    extras: Vec<usize>,
    categories: Vec<&'static str>,
    levels: Vec<&'static str>,
    /// Whether the refused submission carried photos (they are not kept and must be chosen
    /// again); none on a first showing.
    photos_dropped: Option<bool>,
    max_photos: usize,
    /// The publications a free finding's legal basis may link to (current ones first).
    publications: Vec<checklists::BasisPublication>,
}

/// The inspection, with its checklist form (first shown, or again after a refusal).
async fn show_page(
    state: &AppState,
    ctx: &RequestContext,
    detail: InspectionDetail,
    done: Option<String>,
    form: &Retry<HashMap<String, String>>,
    key: String,
    photos_dropped: Option<bool>,
) -> AppResult<HttpResponse> {
    let (status, values, errors) = (form.status, &form.values, &form.errors);
    // A free finding may name the publication of its legal basis.
    let publications = match &ctx.caller {
        Some(caller) if detail.may_submit => {
            let chosen = values
                .iter()
                .filter(|(k, _)| k.ends_with("_basis_publication_id"))
                .filter_map(|(_, v)| v.trim().parse().ok());
            checklists::basis::choices(&state.core, &caller.scope, chosen).await?
        }
        _ => Vec::new(),
    };
    let extra_count = values
        .keys()
        .filter_map(|k| {
            k.strip_prefix("extra_")?
                .split('_')
                .next()?
                .parse::<usize>()
                .ok()
        })
        .max()
        .map_or(EXTRA_BLOCKS, |m| (m + 1).max(EXTRA_BLOCKS));
    let res = render::page(
        &state.templates,
        ctx,
        status,
        "inspections/show.html",
        InspectionPage {
            inspection: detail,
            done,
            values,
            errors,
            idempotency_key: key,
            extras: (0..extra_count).collect(),
            categories: HazardCategory::codes(),
            levels: HazardLevel::codes(),
            photos_dropped,
            max_photos: submit::MAX_PHOTOS,
            publications,
        },
    )?;
    Ok(if status.is_success() {
        res
    } else {
        rendered(res)
    })
}

/// 开始检查.
pub async fn start(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    CsrfForm(_): CsrfForm<crate::web::pages::account::Empty>,
) -> AppResult<HttpResponse> {
    match inspections::start(&state.core, &actor, *id).await {
        Ok(_) => Ok(see_other(&format!("/inspections/{id}?done=start"))),
        // Started meanwhile (another tab, a colleague): the page shows where it stands.
        Err(AppError::Conflict(_)) => Ok(see_other(&format!("/inspections/{id}"))),
        Err(e) => Err(e),
    }
}

/// Reads the form into a submission; fields of the checklist form are named
/// `item_<id>_<field>`, `extra_<k>_<field>` (see inspections/show.html).
fn submission_of(form: &UploadForm, detail: &InspectionDetail) -> Submission {
    let get = |name: &str| form.value(name).map(str::to_string);
    let has_files = |name: &str| form.files.iter().any(|f| f.field == name);
    let hazard = |p: &str| HazardInput {
        title: get(&format!("{p}title")),
        category: get(&format!("{p}category")),
        level: get(&format!("{p}level")),
        major_clause: get(&format!("{p}major_clause")),
        description: get(&format!("{p}description")),
        location: get(&format!("{p}location")),
        legal_basis: get(&format!("{p}legal_basis")),
        // Empty: none; a value that is no id reads as 0, which names no publication.
        basis_publication_id: form
            .value(&format!("{p}basis_publication_id"))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| v.parse().unwrap_or(0)),
        suggested_measure: get(&format!("{p}suggested_measure")),
        deadline: get(&format!("{p}deadline")),
        photos: if has_files(&format!("{p}photos")) {
            vec![format!("{p}photos")]
        } else {
            vec![]
        },
    };
    let answers = detail
        .items
        .iter()
        .filter_map(|item| {
            let p = format!("item_{}_", item.item_id);
            let result = get(&format!("{p}result"))?;
            Some(AnswerInput {
                item_id: item.item_id,
                note: get(&format!("{p}note")),
                photos: if has_files(&format!("{p}photos")) {
                    vec![format!("{p}photos")]
                } else {
                    vec![]
                },
                hazard: (result == "fail").then(|| HazardInput {
                    photos: vec![],
                    ..hazard(&p)
                }),
                result,
            })
        })
        .collect();
    let mut extras: Vec<usize> = form
        .fields
        .iter()
        .filter_map(|(k, _)| k.strip_prefix("extra_")?.split('_').next()?.parse().ok())
        .chain(form.files.iter().filter_map(|f| {
            f.field
                .strip_prefix("extra_")?
                .split('_')
                .next()?
                .parse()
                .ok()
        }))
        .collect();
    extras.sort_unstable();
    extras.dedup();
    let extra_hazards = extras
        .into_iter()
        .map(|k| (k, hazard(&format!("extra_{k}_"))))
        // A block counts once something describing a hazard is in it.
        .filter(|(_, h)| {
            [&h.title, &h.location, &h.description, &h.suggested_measure]
                .iter()
                .any(|v| v.as_deref().is_some_and(|s| !s.trim().is_empty()))
                || !h.photos.is_empty()
        })
        .map(|(_, h)| h)
        .collect();
    Submission {
        inspectors: get("inspectors").unwrap_or_default(),
        summary: get("summary"),
        answers,
        extra_hazards,
    }
}

/// 提交: the whole checklist with its photos, in one go.
pub async fn submit_form(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    id: web::Path<i64>,
    CsrfUpload(form): CsrfUpload,
) -> AppResult<HttpResponse> {
    let core = &state.core;
    let detail = inspections::detail(core, &actor.caller, *id).await?;
    let submission = submission_of(&form, &detail);
    let key = form
        .value("idempotency_key")
        .map(str::to_string)
        .filter(|k| !k.trim().is_empty());
    let key = crate::services::idempotency::parse_key(key.as_deref())?;
    let actor = actor.with_key(key.clone());
    let photos_given = !form.files.is_empty();
    let read_errors = form.field_errors();
    let result = if read_errors.is_empty() {
        let uploads = form.files.clone();
        submit::submit(core, &actor, *id, &submission, uploads).await
    } else {
        Err(AppError::Validation(read_errors))
    };
    match result {
        Ok(outcome) => Ok(see_other(&format!(
            "/inspections/{}?done=submit",
            outcome.inspection_id
        ))),
        Err(AppError::Validation(errors)) => {
            let values: HashMap<String, String> = form
                .fields
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            show_page(
                &state,
                &ctx,
                detail,
                None,
                &Retry::invalid(values, errors),
                key.unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
                Some(photos_given),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    note: String,
}

/// 审阅: the committee closes a submitted mutual inspection.
pub async fn review(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    id: web::Path<i64>,
    CsrfForm(form): CsrfForm<ReviewForm>,
) -> AppResult<HttpResponse> {
    match inspections::review(&state.core, &actor, *id, Some(&form.note)).await {
        Ok(_) => Ok(see_other(&format!("/inspections/{id}?done=review"))),
        Err(AppError::Validation(errors)) => {
            let detail = inspections::detail(&state.core, &actor.caller, *id).await?;
            let values = HashMap::from([("note".to_string(), form.note)]);
            show_page(
                &state,
                &ctx,
                detail,
                None,
                &Retry::invalid(values, errors),
                uuid::Uuid::new_v4().to_string(),
                None,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// 检查: each portal's list; the inspection page is shared, its record filtered by scope; the
/// inspecting side starts and submits, the committee reviews.
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::{Authenticated, Portal, Roles};
    use crate::domain::role::Portal as P;
    use crate::web::routes::{get, post, roles::INSPECTORS};
    vec![
        get("/enterprise/inspections", Portal(P::Enterprise), list),
        post("/enterprise/inspections", Portal(P::Enterprise), create_self),
        get("/committee/inspections", Portal(P::Committee), list),
        get("/regulator/inspections", Portal(P::Regulator), list),
        get("/expert/inspections", Portal(P::Expert), list),
        get("/inspections/{id}", Authenticated, show),
        post("/inspections/{id}/start", Roles(INSPECTORS), start),
        post("/inspections/{id}/submit", Roles(INSPECTORS), submit_form),
        post("/inspections/{id}/review", Portal(P::Committee), review),
    ]
}
