//! A panic while handling a request (a bug) becomes a logged, opaque 500 instead of a dropped
//! connection and a lost worker. `catch_panic` sits just inside `authenticate`, so it answers
//! in the caller's terms (JSON `{code, message, request_id}` under `/api/`, the error page
//! elsewhere); `catch_panic_outermost` wraps everything else, for a panic in a middleware.
//!
//! The request cannot be kept across the call (routing needs it unshared), so the answer is
//! built beforehand from what the request context holds and sent as an `InternalError` with
//! a ready response.

use std::any::Any;
use std::panic::AssertUnwindSafe;

use actix_web::{
    Error, HttpMessage, HttpResponse,
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    error::InternalError,
    http::{StatusCode, header},
    middleware::Next,
    web,
};
use futures_util::FutureExt;
use minijinja::context;
use tracing_actix_web::RequestId;

use crate::auth::guard::{RequestContext, is_api};
use crate::i18n::{self, Lang};
use crate::web::{AppState, render};

fn describe(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

pub async fn catch_panic(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let ctx = req.extensions().get::<RequestContext>().cloned();
    let request_id = req.extensions().get::<RequestId>().map(|id| id.to_string());
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let path = req.path().to_string();
    match AssertUnwindSafe(next.call(req)).catch_unwind().await {
        Ok(res) => res.map(ServiceResponse::map_into_boxed_body),
        Err(panic) => {
            tracing::error!(panic = %describe(&*panic), %path, "request handler panicked");
            let lang = ctx.as_ref().map_or(Lang::default(), |c| c.lang);
            let message = i18n::t(lang, "error.internal");
            let status = StatusCode::INTERNAL_SERVER_ERROR;
            let page = match (&state, &ctx) {
                (Some(state), Some(ctx)) if !is_api(&path) => render::page(
                    &state.templates,
                    ctx,
                    status,
                    "error.html",
                    context! { status => 500, message => message.clone(), code => "internal",
                    request_id => request_id.clone() },
                )
                .ok(),
                _ => None,
            };
            let mut res = page.unwrap_or_else(|| {
                HttpResponse::build(status).json(serde_json::json!({
                    "code": "internal",
                    "message": message,
                    "request_id": request_id,
                }))
            });
            if let Some(value) = request_id.and_then(|id| header::HeaderValue::from_str(&id).ok()) {
                res.headers_mut()
                    .insert(header::HeaderName::from_static("x-request-id"), value);
            }
            Err(InternalError::from_response("request handler panicked", res).into())
        }
    }
}

/// The last resort around every middleware: a bare opaque 500.
pub async fn catch_panic_outermost(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let path = req.path().to_string();
    match AssertUnwindSafe(next.call(req)).catch_unwind().await {
        Ok(res) => res.map(ServiceResponse::map_into_boxed_body),
        Err(panic) => {
            tracing::error!(panic = %describe(&*panic), %path, "request middleware panicked");
            let res = HttpResponse::InternalServerError().json(serde_json::json!({
                "code": "internal",
                "message": "internal",
            }));
            Err(InternalError::from_response("request middleware panicked", res).into())
        }
    }
}
