//! The bureau's enterprise register (list with filters and export, registration and editing,
//! the 一企一档 file) and the enterprise's own contact form.

use actix_web::{HttpResponse, http::StatusCode, http::header, web};
use minijinja::{Value, context, value::Serde};
use serde::{Deserialize, Serialize};

use crate::auth::guard::RequestContext;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::scope::{Caller, Scope};
use crate::services::audit::Actor;
use crate::services::enterprises::{self, ContactInput, EnterpriseFilter, EnterpriseInput};
use crate::services::{PageParams, registry};
use crate::web::errors::rendered;
use crate::web::form::{CsrfForm, Retry};
use crate::web::pages::see_other;
use crate::web::{AppState, render};

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
        context! {
            result => Value::from(Serde(&result)),
            f => Value::from(Serde(&*filter)),
            choices => Value::from(Serde(&choices)),
            query => query,
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
        context! {
            e => Value::from(Serde(&file)),
            s => sections,
            labels => Value::from(Serde(&labels)),
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

async fn form_page(
    state: &AppState,
    ctx: &RequestContext,
    scope: &Scope,
    id: Option<i64>,
    form: &Retry<EnterpriseForm>,
) -> AppResult<HttpResponse> {
    let (status, values, errors) = (form.status, &form.values, &form.errors);
    let choices = enterprises::choices(&state.core, scope).await?;
    render::page(
        &state.templates,
        ctx,
        status,
        "regulator/enterprise_form.html",
        context! {
            id => id,
            v => Value::from(Serde(values)),
            errors => Value::from(Serde(errors)),
            choices => Value::from(Serde(&choices)),
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
        StatusCode::OK,
        &values,
        &FieldErrors::default(),
        q.saved.is_some(),
    )
    .await
}

async fn contact_page(
    state: &AppState,
    ctx: &RequestContext,
    caller: &Caller,
    status: StatusCode,
    values: &ContactInput,
    errors: &FieldErrors,
    saved: bool,
) -> AppResult<HttpResponse> {
    render::page(
        &state.templates,
        ctx,
        status,
        "enterprise/profile.html",
        context! {
            v => Value::from(Serde(values)),
            errors => Value::from(Serde(errors)),
            saved => saved,
            can_edit => caller.role == crate::domain::role::Role::EnterpriseAdmin,
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
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                &errors,
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
