//! Turns every error response into what the caller understands: JSON `{code, message}` under
//! `/api/`, otherwise an error page in the portal's look (or, for "not logged in", a redirect
//! to the login page). The message is the catalog's, in the request's language. Internals
//! never reach the body.

use actix_web::{
    Error, HttpMessage, HttpResponse, ResponseError,
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::{StatusCode, header},
    middleware::Next,
    web,
};
use minijinja::context;

use tracing_actix_web::RequestId;

use crate::auth::guard::{RequestContext, is_api};
use crate::error::AppError;
use crate::i18n::{self, Lang};
use crate::web::{AppState, render};

/// The `{…}` slots that messages naming a configured limit use.
fn limit_slots(res: &ServiceResponse<BoxBody>) -> Vec<(&'static str, String)> {
    res.request()
        .app_data::<web::Data<AppState>>()
        .map(|s| crate::services::files::message_slots(&s.core.settings.storage).to_vec())
        .unwrap_or_default()
}

/// The catalog key and machine code for an error response.
fn describe(res: &ServiceResponse<BoxBody>) -> (&'static str, &'static str) {
    if let Some(app) = res
        .response()
        .error()
        .and_then(|e| e.as_error::<AppError>())
    {
        return (app.code(), app.message_key());
    }
    match res.status() {
        StatusCode::NOT_FOUND => ("not_found", "error.not_found"),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "error.method_not_allowed"),
        StatusCode::PAYLOAD_TOO_LARGE => ("too_large", "error.too_large"),
        StatusCode::UNAUTHORIZED => ("unauthorized", "error.unauthorized"),
        StatusCode::FORBIDDEN => ("forbidden", "error.forbidden"),
        s if s.is_client_error() => ("bad_request", "error.bad_request"),
        _ => ("internal", "error.internal"),
    }
}

pub async fn render_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let request_id = req.extensions().get::<RequestId>().map(|id| id.to_string());
    let res = next.call(req).await?.map_into_boxed_body();
    // The rebuilt error response keeps the wait a 503 (or 429) asks for.
    let retry_after = res.headers().get(header::RETRY_AFTER).cloned();
    // And a 405 the methods that are allowed.
    let allow = res.headers().get(header::ALLOW).cloned();
    let mut res = finish(res, request_id.as_deref())?;
    if let Some(value) = retry_after {
        res.headers_mut().insert(header::RETRY_AFTER, value);
    }
    if let Some(value) = allow {
        res.headers_mut().insert(header::ALLOW, value);
    }
    if let Some(id) = request_id
        && let Ok(value) = header::HeaderValue::from_str(&id)
    {
        res.headers_mut()
            .insert(header::HeaderName::from_static("x-request-id"), value);
    }
    Ok(res)
}

fn finish(
    res: ServiceResponse<BoxBody>,
    request_id: Option<&str>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return Ok(res);
    }
    // Error responses whose body was already written for the user (a form re-shown with its
    // messages) carry this header and pass through untouched.
    if res.headers().contains_key("x-rendered") {
        let mut res = res;
        res.headers_mut().remove("x-rendered");
        return Ok(res);
    }
    let (code, key) = describe(&res);
    let ctx = res.request().extensions().get::<RequestContext>().cloned();
    let lang = ctx.as_ref().map_or(Lang::default(), |c| c.lang);
    let path = res.request().path().to_string();
    let message = i18n::t(lang, key);
    // Field messages that name a configured limit (e.g. the photo pixel limit).
    let slots = limit_slots(&res);
    let args: Vec<(&str, &str)> = slots.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let field_message = |key: &str| i18n::t_args(lang, key, &args);

    if is_api(&path) {
        let mut builder = HttpResponse::build(status);
        if status == StatusCode::UNAUTHORIZED {
            builder.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        if let Some(retry) = res.headers().get(header::RETRY_AFTER) {
            builder.insert_header((header::RETRY_AFTER, retry.clone()));
        }
        let mut json = serde_json::json!({ "code": code, "message": message });
        if let Some(AppError::Validation(fields)) = res
            .response()
            .error()
            .and_then(|e| e.as_error::<AppError>())
        {
            let translated: serde_json::Map<String, serde_json::Value> = fields
                .0
                .iter()
                .map(|(field, key)| (field.to_string(), field_message(key).into()))
                .collect();
            json["fields"] = translated.into();
        }
        if status.is_server_error()
            && let Some(id) = request_id
        {
            json["request_id"] = id.into();
        }
        let body = builder.json(json);
        return Ok(res.into_response(body));
    }

    // Not logged in (or the session ended): go and log in, then come back.
    if status == StatusCode::UNAUTHORIZED && code == "unauthorized" {
        // Come back to a page with its query; a form post only to its page (its query may
        // carry a CSRF token, and a post cannot be replayed as a link anyway).
        let wanted = if res.request().method() == actix_web::http::Method::GET {
            res.request()
                .uri()
                .path_and_query()
                .map_or(path.as_str(), |pq| pq.as_str())
        } else {
            path.as_str()
        };
        let target = format!("/login?next={}", urlencode(wanted));
        let redirect = HttpResponse::SeeOther()
            .insert_header((header::LOCATION, target))
            .finish();
        return Ok(res.into_response(redirect));
    }

    // A page answering with field errors (no form to re-show them on, e.g. a list's page
    // number): the fields' messages are the message.
    let message = match res
        .response()
        .error()
        .and_then(|e| e.as_error::<AppError>())
    {
        Some(AppError::Validation(fields)) if !fields.is_empty() => fields
            .0
            .values()
            .map(|key| field_message(key))
            .collect::<Vec<_>>()
            .join(" "),
        _ => message,
    };
    let rendered = match (res.request().app_data::<web::Data<AppState>>(), ctx) {
        (Some(state), Some(ctx)) => render::page(
            &state.templates,
            &ctx,
            status,
            "error.html",
            context! {
                status => status.as_u16(),
                message => message.clone(),
                code => code,
                request_id => status.is_server_error().then_some(request_id).flatten(),
            },
        )
        .ok(),
        _ => None,
    };
    let body = rendered.unwrap_or_else(|| {
        HttpResponse::build(status)
            .content_type("text/plain; charset=utf-8")
            .body(message)
    });
    Ok(res.into_response(body))
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Marks a response whose error body is already the user-facing page (a re-shown form).
pub fn rendered(mut res: HttpResponse) -> HttpResponse {
    res.headers_mut().insert(
        header::HeaderName::from_static("x-rendered"),
        header::HeaderValue::from_static("1"),
    );
    res
}

/// Keeps `AppError` usable as an actix error in handlers that build responses by hand.
pub fn error_response(e: &AppError) -> HttpResponse {
    e.error_response()
}

/// A JSON body that parses but does not fit the request's types is a 422 like any other
/// refused field: on the field when one is missing, else on `body` (a text where a number
/// goes, `1.5` for a whole number); a body that is
/// not JSON at all, too large or of another content type keeps its 400 / 413 / 415.
pub fn json_refused(
    err: actix_web::error::JsonPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    use actix_web::error::JsonPayloadError;
    match err {
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            let mut fields = crate::error::FieldErrors::default();
            // serde names the field only when it is missing: "missing field `name` at …".
            let text = e.to_string();
            let missing = text
                .strip_prefix("missing field `")
                .and_then(|rest| rest.split_once('`'))
                .map(|(name, _)| name.to_string());
            match missing {
                Some(name) => fields.add(name, "form.required"),
                None => fields.add("body", "form.wrong_type"),
            }
            crate::error::AppError::Validation(fields).into()
        }
        other => other.into(),
    }
}
