//! Logging in and out, the language switch and the password change form.

use actix_web::{HttpResponse, http::StatusCode, web};
use serde::{Deserialize, Serialize};

use crate::auth::guard::{LANG_COOKIE, RequestContext, clear_session_cookie, session_cookie};
use crate::auth::token::TokenKind;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::services::audit::Actor;
use crate::services::auth::{self as auth_service, Origin};
use crate::web::errors::rendered;
use crate::web::form::CsrfForm;
use crate::web::pages::{safe_next, see_other};
use crate::web::{AppState, render};

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
    changed: Option<String>,
}

/// `/`: your portal's home, or the login page.
pub async fn root(ctx: RequestContext) -> HttpResponse {
    match &ctx.caller {
        Some(c) => see_other(c.portal().home()),
        None => see_other("/login"),
    }
}

/// The login form: where to go after it, the username as typed, and the catalog key of a
/// refusal (`error`) or of a notice (`notice`: the password was changed).
#[derive(Serialize)]
struct LoginPage<'a> {
    next: Option<&'a str>,
    username: &'a str,
    error: Option<&'a str>,
    notice: Option<&'static str>,
}

pub async fn login_page(
    state: web::Data<AppState>,
    ctx: RequestContext,
    q: web::Query<NextQuery>,
) -> AppResult<HttpResponse> {
    if let Some(c) = &ctx.caller {
        return Ok(see_other(c.portal().home()));
    }
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "login.html",
        LoginPage {
            next: q.next.as_deref(),
            username: "",
            error: None,
            notice: q.changed.as_ref().map(|_| "password.changed_login_again"),
        },
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn login_submit(
    state: web::Data<AppState>,
    ctx: RequestContext,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> AppResult<HttpResponse> {
    let show_error = |status: StatusCode, key: &str| -> AppResult<HttpResponse> {
        render::page(
            &state.templates,
            &ctx,
            status,
            "login.html",
            LoginPage {
                next: form.next.as_deref(),
                username: &form.username,
                error: Some(key),
                notice: None,
            },
        )
        .map(rendered)
    };
    if form.username.trim().is_empty() || form.password.is_empty() {
        return show_error(StatusCode::BAD_REQUEST, "login.required");
    }
    let origin = Origin {
        ip: ctx.ip.clone(),
        user_agent: ctx.user_agent.clone(),
    };
    match auth_service::login(
        &state.core,
        &form.username,
        &form.password,
        TokenKind::Web,
        &origin,
    )
    .await
    {
        Ok(issued) => {
            let home = issued.caller.portal().home();
            // Only follow `next` inside the portal the account lives in.
            let next = safe_next(form.next.as_deref(), home);
            let target = if next.starts_with(home) || next.starts_with("/account") {
                next
            } else {
                home.to_string()
            };
            let mut res = see_other(&target);
            res.add_cookie(&session_cookie(
                &issued.token,
                state.core.settings.secure_cookies(),
            ))
            .map_err(AppError::internal)?;
            Ok(res)
        }
        Err(AppError::LoginFailed) => show_error(StatusCode::UNAUTHORIZED, "login.failed"),
        Err(e @ AppError::TooManyRequests(retry_after)) => {
            let mut res = show_error(StatusCode::TOO_MANY_REQUESTS, e.message_key())?;
            res.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from(retry_after),
            );
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn logout(
    state: web::Data<AppState>,
    actor: Actor,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<HttpResponse> {
    auth_service::logout(&state.core, &actor).await?;
    let mut res = see_other("/login");
    res.add_cookie(&clear_session_cookie(state.core.settings.secure_cookies()))
        .map_err(AppError::internal)?;
    Ok(res)
}

#[derive(Deserialize)]
pub struct LangQuery {
    next: Option<String>,
}

/// Switches the interface language (a preference cookie, no server state).
pub async fn switch_lang(
    state: web::Data<AppState>,
    code: web::Path<String>,
    q: web::Query<LangQuery>,
) -> AppResult<HttpResponse> {
    let lang = Lang::parse(&code).ok_or(AppError::NotFound)?;
    let mut res = see_other(&safe_next(q.next.as_deref(), "/"));
    let cookie = actix_web::cookie::Cookie::build(LANG_COOKIE, lang.tag())
        .path("/")
        .http_only(true)
        .secure(state.core.settings.secure_cookies())
        .same_site(actix_web::cookie::SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::days(365))
        .finish();
    res.add_cookie(&cookie).map_err(AppError::internal)?;
    Ok(res)
}

/// The password change form, with the catalog key of why a change was refused.
#[derive(Serialize)]
struct PasswordPage {
    error: Option<&'static str>,
}

pub async fn password_page(
    state: web::Data<AppState>,
    ctx: RequestContext,
) -> AppResult<HttpResponse> {
    render::page(
        &state.templates,
        &ctx,
        StatusCode::OK,
        "account/password.html",
        PasswordPage { error: None },
    )
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

pub async fn password_submit(
    state: web::Data<AppState>,
    ctx: RequestContext,
    actor: Actor,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> AppResult<HttpResponse> {
    let outcome =
        auth_service::change_password(&state.core, &actor, &form.current, &form.new, &form.confirm)
            .await?;
    match outcome {
        Ok(()) => {
            let mut res = see_other("/login?changed=1");
            res.add_cookie(&clear_session_cookie(state.core.settings.secure_cookies()))
                .map_err(AppError::internal)?;
            Ok(res)
        }
        Err(problem) => render::page(
            &state.templates,
            &ctx,
            StatusCode::BAD_REQUEST,
            "account/password.html",
            PasswordPage {
                error: Some(problem.message_key()),
            },
        )
        .map(rendered),
    }
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// Sign-in, language and the caller's password.
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::{Authenticated, Public};
    use crate::web::routes::{get, post};
    vec![
        get("/", Public, root),
        get("/login", Public, login_page),
        post("/login", Public, login_submit),
        post("/logout", Authenticated, logout),
        get("/lang/{code}", Public, switch_lang),
        get("/account/password", Authenticated, password_page),
        post("/account/password", Authenticated, password_submit),
    ]
}
