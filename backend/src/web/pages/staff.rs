//! 人员账号 (`/enterprise/staff`): the enterprise's accounts; the admin creates staff accounts,
//! deactivates them and resets their passwords; staff see the list only.

use actix_web::{HttpResponse, http::StatusCode, web};
use minijinja::{Value, context, value::Serde};
use serde::Deserialize;

use crate::auth::guard::RequestContext;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::staff::{self, NewStaffInput, PasswordResetInput};
use crate::web::errors::rendered;
use crate::web::form::CsrfForm;
use crate::web::pages::see_other;
use crate::web::{AppState, render};

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// A form without fields of its own (the CSRF token only).
#[derive(Deserialize)]
pub struct EmptyForm {}

/// What the page shows besides the list: the create form's values and errors, or the
/// password-reset form of one account with its errors.
struct Retry<'a> {
    values: &'a NewStaffInput,
    errors: &'a FieldErrors,
    reset_for: Option<i64>,
}

async fn show(
    state: &AppState,
    ctx: &RequestContext,
    caller: &Caller,
    status: StatusCode,
    retry: Retry<'_>,
    done: Option<&str>,
) -> AppResult<HttpResponse> {
    let accounts = staff::list(&state.core, caller).await?;
    let done = done.and_then(|d| match d {
        "created" => Some("staff.created"),
        "deactivated" => Some("staff.deactivated"),
        "password" => Some("staff.password_reset"),
        _ => None,
    });
    let none = FieldErrors::default();
    // The password is never sent back.
    let values = NewStaffInput {
        password: String::new(),
        ..retry.values.clone()
    };
    render::page(
        &state.templates,
        ctx,
        status,
        "enterprise/staff.html",
        context! {
            accounts => Value::from(Serde(&accounts)),
            can_manage => caller.role == Role::EnterpriseAdmin,
            v => Value::from(Serde(&values)),
            errors => Value::from(Serde(if retry.reset_for.is_none() { retry.errors } else { &none })),
            reset_for => retry.reset_for,
            reset_errors => Value::from(Serde(if retry.reset_for.is_some() { retry.errors } else { &none })),
            done => done,
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
    show(
        &state,
        &ctx,
        &caller,
        StatusCode::OK,
        Retry {
            values: &NewStaffInput::default(),
            errors: &FieldErrors::default(),
            reset_for: None,
        },
        q.done.as_deref(),
    )
    .await
}

pub async fn create(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    CsrfForm(form): CsrfForm<NewStaffInput>,
) -> AppResult<HttpResponse> {
    match staff::create(&state.core, &actor, form.clone()).await {
        Ok(_) => Ok(see_other("/enterprise/staff?done=created")),
        Err(AppError::Validation(errors)) => {
            show(
                &state,
                &ctx,
                &actor.caller,
                StatusCode::UNPROCESSABLE_ENTITY,
                Retry {
                    values: &form,
                    errors: &errors,
                    reset_for: None,
                },
                None,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

pub async fn deactivate(
    state: web::Data<AppState>,
    actor: Actor,
    user_id: web::Path<i64>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<HttpResponse> {
    staff::deactivate(&state.core, &actor, *user_id).await?;
    Ok(see_other("/enterprise/staff?done=deactivated"))
}

pub async fn reset_password(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    user_id: web::Path<i64>,
    CsrfForm(form): CsrfForm<PasswordResetInput>,
) -> AppResult<HttpResponse> {
    match staff::reset_password(&state.core, &actor, *user_id, form).await {
        Ok(_) => Ok(see_other("/enterprise/staff?done=password")),
        Err(AppError::Validation(errors)) => {
            show(
                &state,
                &ctx,
                &actor.caller,
                StatusCode::UNPROCESSABLE_ENTITY,
                Retry {
                    values: &NewStaffInput::default(),
                    errors: &errors,
                    reset_for: Some(*user_id),
                },
                None,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// 人员账号: staff see the list; the enterprise admin manages the accounts.
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::{Portal, Roles};
    use crate::domain::role::Portal as P;
    use crate::web::routes::{get, post, roles::ENTERPRISE_ADMINS};
    vec![
        get("/enterprise/staff", Portal(P::Enterprise), page),
        post("/enterprise/staff", Roles(ENTERPRISE_ADMINS), create),
        post("/enterprise/staff/{user_id}/deactivate", Roles(ENTERPRISE_ADMINS), deactivate),
        post("/enterprise/staff/{user_id}/password", Roles(ENTERPRISE_ADMINS), reset_password),
    ]
}
