//! The request guard. `authenticate` (wrapping the whole app) turns the session cookie (pages)
//! or the bearer token (`/api/`) into a `Caller`, picks the language and derives the CSRF
//! token, and stores them as the request's `RequestContext`. `Access` is the rule each route
//! declares in the route inventory (`web::routes`); `enforce` applies it, so a route cannot
//! exist without one.

use actix_web::{
    Error, FromRequest, HttpMessage, HttpRequest,
    body::{BoxBody, MessageBody},
    cookie::{Cookie, SameSite, time::Duration as CookieDuration},
    dev::{Payload, ServiceRequest, ServiceResponse},
    http::header,
    middleware::Next,
    web,
};
use std::future::{Ready, ready};

use crate::auth::{csrf, token::TokenKind};
use crate::domain::role::{Portal, Role};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::scope::Caller;
use crate::services;
use crate::services::audit::Actor;
use crate::web::AppState;

pub const SESSION_COOKIE: &str = "session";
pub const LANG_COOKIE: &str = "lang";

/// What every handler may know about the request, built once by `authenticate`.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub caller: Option<Caller>,
    pub lang: Lang,
    /// The CSRF token forms must carry.
    pub csrf: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub path: String,
}

pub fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

fn bearer(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// The client's address: the peer, or with `server.trust_proxy` the right-most
/// `X-Forwarded-For` hop that is not one of `server.trusted_proxies`.
fn client_ip(req: &ServiceRequest, server: &crate::config::ServerSettings) -> Option<String> {
    let peer = req.peer_addr()?.ip();
    if !server.trust_proxy {
        return Some(peer.to_string());
    }
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect();
    let trusted = server.trusted_proxy_nets();
    Some(crate::auth::client_ip::client_ip(peer, &forwarded, &trusted).to_string())
}

/// Builds the `RequestContext`. Never fails the request itself: a bad token just means no
/// caller; a database failure becomes the request's (opaque) 500.
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(req.error_response(AppError::internal(anyhow::anyhow!("no app state"))));
    };
    let core = &state.core;
    let path = req.path().to_string();
    let api = is_api(&path);
    let token = if api {
        bearer(&req)
    } else {
        req.cookie(SESSION_COOKIE).map(|c| c.value().to_string())
    };
    let kind = if api { TokenKind::Api } else { TokenKind::Web };
    // A session check that fails (the database) answers its error, on a page with the
    // site's look: the request context below is still built, without a caller.
    let (caller, failed) = match token {
        Some(t) => match services::auth::authenticate(core, kind, &t).await {
            Ok(c) => (c, None),
            Err(e) => (None, Some(e)),
        },
        None => (None, None),
    };
    // Pages are zh-CN unless the user chose English with the switch (a cookie); API clients
    // say what they want with `Accept-Language`.
    let lang = req
        .cookie(LANG_COOKIE)
        .and_then(|c| Lang::parse(c.value()))
        .or_else(|| {
            api.then(|| {
                req.headers()
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(Lang::from_accept_language)
            })
            .flatten()
        })
        .unwrap_or_default();
    // CSRF binding: the session when logged in, else a random per-browser seed cookie.
    let mut new_seed = None;
    let binding = match (&caller, req.cookie(csrf::SEED_COOKIE)) {
        (Some(c), _) => c.session_id.clone(),
        (None, Some(seed)) if seed.value().len() >= 32 => seed.value().to_string(),
        (None, _) => {
            let seed = csrf::hex(&rand::random::<[u8; 24]>());
            new_seed = (!api).then(|| seed.clone());
            seed
        }
    };
    let ctx = RequestContext {
        csrf: csrf::token(&core.secret, &binding),
        caller,
        lang,
        ip: client_ip(&req, &core.settings.server),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        path,
    };
    req.extensions_mut().insert(ctx);
    if let Some(e) = failed {
        return Ok(req.error_response(e));
    }
    let secure = core.settings.secure_cookies();
    let mut res = next.call(req).await?.map_into_boxed_body();
    if let Some(seed) = new_seed {
        let cookie = Cookie::build(csrf::SEED_COOKIE, seed)
            .path("/")
            .http_only(true)
            .secure(secure)
            .same_site(SameSite::Lax)
            .finish();
        res.response_mut()
            .add_cookie(&cookie)
            .map_err(Error::from)?;
    }
    Ok(res)
}

/// The session cookie carrying a page token.
pub fn session_cookie(token: &str, secure: bool) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token.to_string())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .finish()
}

/// An expired session cookie, to clear it.
pub fn clear_session_cookie(secure: bool) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, "")
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::ZERO)
        .finish()
}

/// Who may use a route. Declared once per route in the inventory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, logged in or not (login page, health checks, static files, the API docs).
    Public,
    /// Any logged-in account.
    Authenticated,
    /// Accounts whose role lives in this portal.
    Portal(Portal),
    /// Accounts with one of these roles (API resources shared by several portals).
    Roles(&'static [Role]),
}

impl Access {
    /// `Ok` when allowed; `Unauthorized` when not logged in; `Forbidden` for a wrong role.
    pub fn check(self, caller: Option<&Caller>) -> Result<(), AppError> {
        let needs_login = !matches!(self, Access::Public);
        let Some(caller) = caller else {
            return if needs_login {
                Err(AppError::Unauthorized)
            } else {
                Ok(())
            };
        };
        let allowed = match self {
            Access::Public | Access::Authenticated => true,
            Access::Portal(p) => caller.portal() == p,
            Access::Roles(roles) => roles.contains(&caller.role),
        };
        if allowed {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// Applies a route's `Access` before its handler runs.
pub async fn enforce(
    access: Access,
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let verdict = {
        let ext = req.extensions();
        access.check(ext.get::<RequestContext>().and_then(|c| c.caller.as_ref()))
    };
    match verdict {
        Ok(()) => next.call(req).await,
        Err(e) => Ok(req.error_response(e)),
    }
}

impl FromRequest for RequestContext {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<RequestContext>()
                .cloned()
                .ok_or_else(|| AppError::internal(anyhow::anyhow!("request context missing"))),
        )
    }
}

/// The logged-in caller; `Unauthorized` when there is none.
impl FromRequest for Caller {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<RequestContext>()
                .and_then(|c| c.caller.clone())
                .ok_or(AppError::Unauthorized),
        )
    }
}

/// The logged-in caller acting in this request (`Unauthorized` when there is none), with the
/// client IP of the `RequestContext`, the request id `tracing-actix-web` assigned, and on the
/// API the `Idempotency-Key` header (pages add their form's token with `Actor::with_key`).
impl FromRequest for Actor {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let ext = req.extensions();
        let Some(ctx) = ext.get::<RequestContext>() else {
            return ready(Err(AppError::internal(anyhow::anyhow!(
                "request context missing"
            ))));
        };
        let Some(caller) = ctx.caller.clone() else {
            return ready(Err(AppError::Unauthorized));
        };
        let request_id = ext
            .get::<tracing_actix_web::RequestId>()
            .map(|id| id.to_string());
        let sent_key = is_api(&ctx.path)
            .then(|| req.headers().get("Idempotency-Key"))
            .flatten()
            // Bytes outside visible ASCII are kept (lossily) so that the check refuses them.
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        ready(Ok(Actor {
            caller,
            ip: ctx.ip.clone(),
            request_id,
            sent_key,
        }))
    }
}
