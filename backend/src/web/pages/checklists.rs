//! 检查表 pages, shared by the regulator and committee portals (and read-only for
//! enterprises): the list, a template with its versions (`?version=N` shows an older one), the
//! item editor for new templates and edits, archive and restore. Every URL is under the
//! caller's portal (`/regulator/checklists…`, `/committee/checklists…`,
//! `/enterprise/checklists…`).

use actix_web::{HttpResponse, http::StatusCode, web};
use serde::{Deserialize, Serialize};

use crate::auth::guard::RequestContext;
use crate::domain::inspection::{ChecklistTopic, HazardCategory};
use crate::domain::role::Portal;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::checklists::{
    self, BasisPublication, ChecklistFilter, ItemInput, TemplateDetail, TemplateInput,
    TemplateSummary, VersionDetail,
};
use crate::services::{PageParams, Paged};
use crate::web::errors::rendered;
use crate::web::form::{CsrfForm, Retry};
use crate::web::pages::see_other;
use crate::web::{AppState, render};

/// Blank rows the item editor always offers below the filled ones.
const BLANK_ROWS: usize = 3;

/// Where the caller's checklist pages live.
fn base(caller: &Caller) -> String {
    format!("{}/checklists", caller.portal().home())
}

fn keep(status: StatusCode, res: HttpResponse) -> HttpResponse {
    if status.is_success() {
        res
    } else {
        rendered(res)
    }
}

/// The editor as posted: the title, topic and note, and one value per row and column
/// (`category`, `requirement`, `legal_basis`, `basis_publication_id` repeated, in row order).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ChecklistForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    category: Vec<String>,
    #[serde(default)]
    requirement: Vec<String>,
    #[serde(default)]
    legal_basis: Vec<String>,
    /// The publication chosen for each row's legal basis (empty: none).
    #[serde(default)]
    basis_publication_id: Vec<String>,
}

/// A row's chosen publication: none when left empty; a value that is no id reads as id 0,
/// which names no publication, so the editor is told the choice is unknown.
fn chosen(value: &str) -> Option<i64> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.parse().unwrap_or(0))
}

impl ChecklistForm {
    /// The template the form describes; rows with neither requirement, legal basis nor a
    /// publication chosen are left out (the editor always shows a few blank ones).
    fn input(&self) -> TemplateInput {
        let rows = self
            .category
            .len()
            .max(self.requirement.len())
            .max(self.legal_basis.len())
            .max(self.basis_publication_id.len());
        let cell = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
        let items = (0..rows)
            .map(|i| ItemInput {
                category: cell(&self.category, i),
                requirement: cell(&self.requirement, i),
                legal_basis: cell(&self.legal_basis, i),
                basis_publication_id: chosen(&cell(&self.basis_publication_id, i)),
            })
            .filter(|i| {
                !(i.requirement.trim().is_empty()
                    && i.legal_basis.trim().is_empty()
                    && i.basis_publication_id.is_none())
            })
            .collect();
        TemplateInput {
            title: self.title.clone(),
            topic: self.topic.clone(),
            note: Some(self.note.clone()),
            items,
        }
    }
}

/// 检查表 (`checklists/list.html`): the templates the caller may see, filtered.
#[derive(Serialize)]
struct ChecklistListPage<'a> {
    /// Where the caller's checklist pages live.
    base: String,
    /// Enterprises only read (and see active templates only).
    read_only: bool,
    checklists: Paged<TemplateSummary>,
    filter: &'a ChecklistFilter,
    topics: Vec<&'static str>,
    /// The filter as a query string, for the pager.
    query: String,
}

pub async fn list(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    filter: web::Query<ChecklistFilter>,
    page: PageParams,
) -> AppResult<HttpResponse> {
    let mut filter = filter.into_inner();
    let read_only = caller.portal() == Portal::Enterprise;
    if read_only {
        // Enterprises pick from what they can use.
        filter.status = Some("active".into());
    }
    let found = checklists::queries::list(&state.core, &caller.scope, &filter, page).await?;
    let query = serde_urlencoded::to_string(&filter).unwrap_or_default();
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "checklists/list.html",
        ChecklistListPage {
            base: base(&caller),
            read_only,
            checklists: found,
            filter: &filter,
            topics: ChecklistTopic::codes(),
            query,
        },
    )
}

#[derive(Deserialize)]
pub struct ShowQuery {
    version: Option<i32>,
    done: Option<String>,
}

/// A template (`checklists/show.html`): its versions and the items of the one shown.
#[derive(Serialize)]
struct ChecklistPage<'a> {
    base: String,
    checklist: &'a TemplateDetail,
    /// The version whose items are shown (`?version=N`, else the latest).
    shown: &'a VersionDetail,
    /// The latest version's number.
    latest: Option<i32>,
    /// The notice after an action (`checklists.done_…`).
    done: Option<String>,
}

pub async fn show(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    id: web::Path<i64>,
    q: web::Query<ShowQuery>,
) -> AppResult<HttpResponse> {
    let detail = checklists::queries::detail(&state.core, &caller.scope, *id).await?;
    let shown = match q.version {
        Some(n) => detail
            .versions
            .iter()
            .find(|v| v.version == n)
            .ok_or(AppError::NotFound)?,
        None => detail.versions.first().ok_or(AppError::NotFound)?,
    };
    let done = q
        .done
        .as_deref()
        .filter(|d| ["created", "saved", "saved_new", "archived", "restored"].contains(d))
        .map(|d| format!("checklists.done_{d}"));
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "checklists/show.html",
        ChecklistPage {
            base: base(&caller),
            checklist: &detail,
            shown,
            latest: detail.versions.first().map(|v| v.version),
            done,
        },
    )
}

/// The item editor (`checklists/form.html`), for a new template or the latest version of one.
#[derive(Serialize)]
struct ChecklistFormPage<'a> {
    base: String,
    /// The template edited; none for a new one.
    template_id: Option<i64>,
    /// The template as typed (or as stored, on a first showing).
    values: &'a TemplateInput,
    errors: &'a FieldErrors,
    topics: Vec<&'static str>,
    categories: Vec<&'static str>,
    /// Blank rows offered below the filled ones.
    blank_rows: usize,
    /// The latest version of the template edited, with its use.
    latest: Option<&'a VersionDetail>,
    /// The number the saved version will have (a new one when the latest is in use).
    next_version: Option<i32>,
    /// The publications a legal basis may link to (current ones first).
    publications: Vec<BasisPublication>,
}

/// The editor: blank for a new template, or the latest version of `detail` to edit, with the
/// values and messages of a refused save.
async fn form_page(
    state: &AppState,
    ctx: &RequestContext,
    caller: &Caller,
    detail: Option<&TemplateDetail>,
    form: &Retry<TemplateInput>,
) -> AppResult<HttpResponse> {
    let (status, values, errors) = (form.status, &form.values, &form.errors);
    let latest = detail.and_then(|d| d.versions.first());
    let next_version = latest.map(|v| if v.in_use() { v.version + 1 } else { v.version });
    let linked = values.items.iter().filter_map(|i| i.basis_publication_id);
    let publications = checklists::basis::choices(&state.core, &caller.scope, linked).await?;
    render::page(
        &state.templates,
        ctx,
        status,
        "checklists/form.html",
        ChecklistFormPage {
            base: base(caller),
            template_id: detail.map(|d| d.template.id),
            values,
            errors,
            topics: ChecklistTopic::codes(),
            categories: HazardCategory::codes(),
            blank_rows: BLANK_ROWS,
            latest,
            next_version,
            publications,
        },
    )
    .map(|r| keep(status, r))
}

pub async fn new_form(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
) -> AppResult<HttpResponse> {
    checklists::write::Owner::of(&caller.scope)?;
    form_page(
        &state,
        &ctx,
        &caller,
        None,
        &Retry::first(TemplateInput::default()),
    )
    .await
}

pub async fn create(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    CsrfForm(form): CsrfForm<ChecklistForm>,
) -> AppResult<HttpResponse> {
    let input = form.input();
    match checklists::write::create(&state.core, &actor, &input).await {
        Ok(saved) => Ok(see_other(&format!(
            "{}/{}?done=created",
            base(&actor.caller),
            saved.template_id
        ))),
        Err(AppError::Validation(errors)) => {
            form_page(
                &state,
                &ctx,
                &actor.caller,
                None,
                &Retry::invalid(input, errors),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

pub async fn edit_form(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let (detail, input) = checklists::queries::input_of(&state.core, &caller.scope, *id).await?;
    form_page(&state, &ctx, &caller, Some(&detail), &Retry::first(input)).await
}

pub async fn update(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    id: web::Path<i64>,
    CsrfForm(form): CsrfForm<ChecklistForm>,
) -> AppResult<HttpResponse> {
    let input = form.input();
    match checklists::write::update(&state.core, &actor, *id, &input).await {
        Ok(saved) => Ok(see_other(&format!(
            "{}/{}?done={}",
            base(&actor.caller),
            saved.template_id,
            if saved.new_version {
                "saved_new"
            } else {
                "saved"
            }
        ))),
        Err(AppError::Validation(errors)) => {
            let (detail, _) =
                checklists::queries::input_of(&state.core, &actor.caller.scope, *id).await?;
            form_page(
                &state,
                &ctx,
                &actor.caller,
                Some(&detail),
                &Retry::invalid(input, errors),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct Nothing {}

pub async fn archive(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    CsrfForm(_): CsrfForm<Nothing>,
) -> AppResult<HttpResponse> {
    checklists::write::set_archived(&state.core, &actor, *id, true).await?;
    Ok(see_other(&format!(
        "{}/{}?done=archived",
        base(&actor.caller),
        *id
    )))
}

pub async fn restore(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    CsrfForm(_): CsrfForm<Nothing>,
) -> AppResult<HttpResponse> {
    checklists::write::set_archived(&state.core, &actor, *id, false).await?;
    Ok(see_other(&format!(
        "{}/{}?done=restored",
        base(&actor.caller),
        *id
    )))
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// 检查表: bureau and committee publish and edit (one set of handlers); enterprises read.
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Portal;
    use crate::domain::role::Portal as P;
    use crate::web::routes::{get, post};
    vec![
        get("/regulator/checklists", Portal(P::Regulator), list),
        post("/regulator/checklists", Portal(P::Regulator), create),
        get("/regulator/checklists/new", Portal(P::Regulator), new_form),
        get("/regulator/checklists/{id}", Portal(P::Regulator), show),
        post("/regulator/checklists/{id}", Portal(P::Regulator), update),
        get("/regulator/checklists/{id}/edit", Portal(P::Regulator), edit_form),
        post("/regulator/checklists/{id}/archive", Portal(P::Regulator), archive),
        post("/regulator/checklists/{id}/restore", Portal(P::Regulator), restore),
        get("/committee/checklists", Portal(P::Committee), list),
        post("/committee/checklists", Portal(P::Committee), create),
        get("/committee/checklists/new", Portal(P::Committee), new_form),
        get("/committee/checklists/{id}", Portal(P::Committee), show),
        post("/committee/checklists/{id}", Portal(P::Committee), update),
        get("/committee/checklists/{id}/edit", Portal(P::Committee), edit_form),
        post("/committee/checklists/{id}/archive", Portal(P::Committee), archive),
        post("/committee/checklists/{id}/restore", Portal(P::Committee), restore),
        get("/enterprise/checklists", Portal(P::Enterprise), list),
        get("/enterprise/checklists/{id}", Portal(P::Enterprise), show),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_rows_of_the_editor_are_left_out() {
        let form = ChecklistForm {
            title: "表".into(),
            topic: "fire".into(),
            note: String::new(),
            category: vec!["fire".into(), "fire".into(), "electrical".into()],
            requirement: vec!["通道畅通".into(), "  ".into(), String::new()],
            legal_basis: vec!["《消防法》".into(), String::new(), "GB 50016".into()],
            basis_publication_id: vec!["7".into(), String::new(), String::new(), "x".into()],
        };
        let items = form.input().items;
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].basis_publication_id, Some(7));
        assert_eq!(items[1].category, "electrical");
        assert_eq!(items[1].requirement, "");
        assert_eq!(items[1].basis_publication_id, None);
        // A row with only a publication chosen is kept (and refused for what it lacks).
        assert_eq!(items[2].basis_publication_id, Some(0));
    }
}
