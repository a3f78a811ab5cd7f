//! 人员账号 (`/enterprise/staff`): the enterprise's accounts; the admin creates staff accounts,
//! deactivates them and resets their passwords; staff see the list only.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::auth::guard::RequestContext;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::staff::{self, NewStaffInput, PasswordResetInput, StaffAccount};
use crate::web::errors::rendered;
use crate::web::form::{CsrfForm, Retry};
use crate::web::pages::see_other;
use crate::web::{AppState, render};

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// A form without fields of its own (the CSRF token only).
#[derive(Deserialize)]
pub struct EmptyForm {}

/// Whose password reset was refused (the password itself is never shown again).
#[derive(Serialize)]
struct PasswordReset {
    user_id: i64,
}

/// 人员账号: the enterprise's accounts, whether the caller manages them (the enterprise's admin),
/// the new-account form, the password reset that was refused (if one was), and the notice of
/// what was just done.
#[derive(Serialize)]
struct StaffPage<'a> {
    accounts: Vec<StaffAccount>,
    can_manage: bool,
    new_staff: Retry<NewStaffInput>,
    reset: Option<&'a Retry<PasswordReset>>,
    done: Option<&'static str>,
}

async fn show(
    state: &AppState,
    ctx: &RequestContext,
    caller: &Caller,
    new_staff: &Retry<NewStaffInput>,
    reset: Option<&Retry<PasswordReset>>,
    done: Option<&str>,
) -> AppResult<HttpResponse> {
    let status = reset.map_or(new_staff.status, |r| r.status);
    let accounts = staff::list(&state.core, caller).await?;
    let done = done.and_then(|d| match d {
        "created" => Some("staff.created"),
        "deactivated" => Some("staff.deactivated"),
        "password" => Some("staff.password_reset"),
        _ => None,
    });
    // The password is never sent back.
    let new_staff = Retry {
        values: NewStaffInput {
            password: String::new(),
            ..new_staff.values.clone()
        },
        ..new_staff.clone()
    };
    render::page(
        &state.templates,
        ctx,
        status,
        "enterprise/staff.html",
        StaffPage {
            accounts,
            can_manage: caller.role == Role::EnterpriseAdmin,
            new_staff,
            reset,
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
    let blank = Retry::first(NewStaffInput::default());
    show(&state, &ctx, &caller, &blank, None, q.done.as_deref()).await
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
            let refused = Retry::invalid(form, errors);
            show(&state, &ctx, &actor.caller, &refused, None, None).await
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
            let blank = Retry::first(NewStaffInput::default());
            let reset = PasswordReset { user_id: *user_id };
            let refused = Retry::invalid(reset, errors);
            show(&state, &ctx, &actor.caller, &blank, Some(&refused), None).await
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
