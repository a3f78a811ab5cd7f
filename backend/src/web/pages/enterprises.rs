//! The bureau's enterprise register (list with filters and export, registration and editing,
//! the 一企一档 file) and the enterprise's own contact form.

use actix_web::{HttpResponse, http::StatusCode, http::header, web};
use serde::{Deserialize, Serialize};

use crate::auth::guard::RequestContext;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::scope::{Caller, Scope};
use crate::services::audit::Actor;
use crate::services::enterprises::{
    self, Choices, ContactInput, EnterpriseFilter, EnterpriseInput, EnterpriseRow,
};
use crate::services::labels::EnterpriseScores;
use crate::services::registry::EnterpriseFile;
use crate::services::{PageParams, Paged, registry};
use crate::web::errors::rendered;
use crate::web::form::{CsrfForm, Retry};
use crate::web::pages::see_other;
use crate::web::{AppState, render};

/// The register: one page of enterprises, the filter as given and what it offers, and the
/// filter as a query string (the export link and the pager keep it).
#[derive(Serialize)]
struct EnterpriseListPage<'a> {
    result: Paged<EnterpriseRow>,
    filter: &'a EnterpriseFilter,
    choices: Choices,
    query: String,
}

pub async fn list(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    filter: web::Query<EnterpriseFilter>,
    page: PageParams,
) -> AppResult<HttpResponse> {
    let result = enterprises::list(&state.core, &caller.scope, &filter, page).await?;
    let choices = enterprises::choices(&state.core, &caller.scope).await?;
    let query = serde_urlencoded::to_string(&*filter).unwrap_or_default();
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "regulator/enterprises.html",
        EnterpriseListPage {
            result,
            filter: &filter,
            choices,
            query,
        },
    )
}

pub async fn export(
    state: web::Data<AppState>,
    actor: Actor,
    filter: web::Query<EnterpriseFilter>,
) -> AppResult<HttpResponse> {
    let bytes = enterprises::export_xlsx(&state.core, &actor, &filter).await?;
    let name = format!(
        "enterprises-{}.xlsx",
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

/// The 一企一档 file: the enterprise's profile, alliances and groups, its inspection and hazard
/// sections (built by `inspections::file_sections`) and its safety label with history.
#[derive(Serialize)]
struct EnterpriseFilePage {
    enterprise: EnterpriseFile,
    sections: crate::web::pages::inspections::FileSections,
    labels: EnterpriseScores,
}

pub async fn file(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let file = registry::enterprise_file(&state.core, &caller.scope, *id).await?;
    let sections =
        crate::web::pages::inspections::file_sections(&state.core, &caller.scope, *id).await?;
    let labels = crate::services::labels::file_section(&state.core, &caller.scope, *id).await?;
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "enterprise/file.html",
        EnterpriseFilePage {
            enterprise: file,
            sections,
            labels,
        },
    )
}

/// The registration form as typed: numbers stay text until they parse.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EnterpriseForm {
    #[serde(default)]
    credit_code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    industry: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    legal_representative: String,
    #[serde(default)]
    safety_officer: String,
    #[serde(default)]
    safety_phone: String,
    #[serde(default)]
    employees: String,
    #[serde(default)]
    scale: String,
    #[serde(default)]
    risk_tags: Vec<String>,
}

impl From<EnterpriseForm> for EnterpriseInput {
    fn from(f: EnterpriseForm) -> Self {
        EnterpriseInput {
            employees: f.employees.trim().parse().ok(),
            credit_code: f.credit_code,
            name: f.name,
            region: f.region,
            industry: f.industry,
            address: f.address,
            legal_representative: f.legal_representative,
            safety_officer: f.safety_officer,
            safety_phone: f.safety_phone,
            scale: f.scale,
            risk_tags: f.risk_tags,
        }
    }
}

impl From<EnterpriseInput> for EnterpriseForm {
    fn from(i: EnterpriseInput) -> Self {
        EnterpriseForm {
            employees: i.employees.map(|n| n.to_string()).unwrap_or_default(),
            credit_code: i.credit_code,
            name: i.name,
            region: i.region,
            industry: i.industry,
            address: i.address,
            legal_representative: i.legal_representative,
            safety_officer: i.safety_officer,
            safety_phone: i.safety_phone,
            scale: i.scale,
            risk_tags: i.risk_tags,
        }
    }
}

/// The registration or edit form (`id` of the enterprise edited), its values as typed, what is
/// wrong with them, and the choices its selects offer.
#[derive(Serialize)]
struct EnterpriseFormPage<'a> {
    id: Option<i64>,
    values: &'a EnterpriseForm,
    errors: &'a FieldErrors,
    choices: Choices,
}

async fn form_page(
    state: &AppState,
    ctx: &RequestContext,
    scope: &Scope,
    id: Option<i64>,
    form: &Retry<EnterpriseForm>,
) -> AppResult<HttpResponse> {
    let status = form.status;
    let choices = enterprises::choices(&state.core, scope).await?;
    render::page(
        &state.templates,
        ctx,
        status,
        "regulator/enterprise_form.html",
        EnterpriseFormPage {
            id,
            values: &form.values,
            errors: &form.errors,
            choices,
        },
    )
    .map(|r| if status.is_success() { r } else { rendered(r) })
}

pub async fn new_form(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
) -> AppResult<HttpResponse> {
    let blank = EnterpriseForm {
        scale: "small_micro".into(),
        ..Default::default()
    };
    form_page(&state, &ctx, &caller.scope, None, &Retry::first(blank)).await
}

pub async fn create(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    CsrfForm(form): CsrfForm<EnterpriseForm>,
) -> AppResult<HttpResponse> {
    match enterprises::register(&state.core, &actor, form.clone().into()).await {
        Ok(e) => Ok(see_other(&format!("/regulator/enterprises/{}", e.id))),
        Err(AppError::Validation(errors)) => {
            form_page(
                &state,
                &ctx,
                &actor.caller.scope,
                None,
                &Retry::invalid(form, errors),
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
    let input = enterprises::input_of(&state.core, &caller.scope, *id).await?;
    form_page(
        &state,
        &ctx,
        &caller.scope,
        Some(*id),
        &Retry::first(input.into()),
    )
    .await
}

pub async fn update(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    id: web::Path<i64>,
    CsrfForm(form): CsrfForm<EnterpriseForm>,
) -> AppResult<HttpResponse> {
    match enterprises::update(&state.core, &actor, *id, form.clone().into()).await {
        Ok(e) => Ok(see_other(&format!("/regulator/enterprises/{}", e.id))),
        Err(AppError::Validation(errors)) => {
            form_page(
                &state,
                &ctx,
                &actor.caller.scope,
                Some(*id),
                &Retry::invalid(form, errors),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

/// The enterprise's own profile: its file, and (for the admin) the contact form.
pub async fn profile(
    state: web::Data<AppState>,
    ctx: RequestContext,
    caller: Caller,
    q: web::Query<SavedQuery>,
) -> AppResult<HttpResponse> {
    let Scope::Enterprise { enterprise_id, .. } = caller.scope else {
        return Err(AppError::NotFound);
    };
    let file = registry::enterprise_file(&state.core, &caller.scope, enterprise_id).await?;
    let values = ContactInput {
        address: file.address.clone(),
        safety_officer: file.summary.safety_officer.clone(),
        safety_phone: file.summary.safety_phone.clone(),
    };
    contact_page(
        &state,
        &ctx,
        &caller,
        &Retry::first(values),
        q.saved.is_some(),
    )
    .await
}

/// The enterprise's profile: its contact details (a form for the enterprise's admin), what is
/// wrong with a refused change, and whether a change was just saved.
#[derive(Serialize)]
struct ProfilePage<'a> {
    values: &'a ContactInput,
    errors: &'a FieldErrors,
    saved: bool,
    can_edit: bool,
}

async fn contact_page(
    state: &AppState,
    ctx: &RequestContext,
    caller: &Caller,
    form: &Retry<ContactInput>,
    saved: bool,
) -> AppResult<HttpResponse> {
    let status = form.status;
    render::page(
        &state.templates,
        ctx,
        status,
        "enterprise/profile.html",
        ProfilePage {
            values: &form.values,
            errors: &form.errors,
            saved,
            can_edit: caller.role == crate::domain::role::Role::EnterpriseAdmin,
        },
    )
    .map(|r| if status.is_success() { r } else { rendered(r) })
}

pub async fn update_contact(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    CsrfForm(form): CsrfForm<ContactInput>,
) -> AppResult<HttpResponse> {
    match enterprises::update_contact(&state.core, &actor, form.clone()).await {
        Ok(_) => Ok(see_other("/enterprise/profile?saved=1")),
        Err(AppError::Validation(errors)) => {
            contact_page(
                &state,
                &ctx,
                &actor.caller,
                &Retry::invalid(form, errors),
                false,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// The bureau's register (一企一档) and the enterprise's own contact details.
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Portal;
    use crate::domain::role::Portal as P;
    use crate::web::routes::{get, post};
    vec![
        get("/regulator/enterprises", Portal(P::Regulator), list),
        post("/regulator/enterprises", Portal(P::Regulator), create),
        get("/regulator/enterprises/export.xlsx", Portal(P::Regulator), export),
        get("/regulator/enterprises/new", Portal(P::Regulator), new_form),
        get("/regulator/enterprises/{id}", Portal(P::Regulator), file),
        post("/regulator/enterprises/{id}", Portal(P::Regulator), update),
        get("/regulator/enterprises/{id}/edit", Portal(P::Regulator), edit_form),
        get("/enterprise/profile", Portal(P::Enterprise), profile),
        post("/enterprise/profile", Portal(P::Enterprise), update_contact),
    ]
}
