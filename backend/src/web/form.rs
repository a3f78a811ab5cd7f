//! `CsrfForm<T>`: the URL-encoded form extractor every state-changing page route uses. It
//! refuses (403) a form whose `_csrf` field (or `X-CSRF-Token` header) does not match the
//! token bound to the caller's session, before `T` is even parsed. `Retry<T>`: what a page
//! needs to show a refused form again.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use serde::de::DeserializeOwned;

use crate::auth::{csrf, guard::RequestContext};
use crate::error::{AppError, FieldErrors};

/// A refused form, to be shown again: the values as submitted, what is wrong with each field
/// (422), the problem of the form as a whole (a 409 or 400 refusal: a catalog key), and the
/// status the page answers with. A page view may hold it as it is: templates see `values`,
/// `errors` and `problem` (the status is the response's, not the page's).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Retry<T> {
    pub values: T,
    pub errors: FieldErrors,
    pub problem: Option<&'static str>,
    #[serde(skip)]
    pub status: actix_web::http::StatusCode,
}

impl<T> Retry<T> {
    /// The form's first showing, with its starting values: nothing refused yet, 200.
    pub fn first(values: T) -> Retry<T> {
        Retry {
            values,
            errors: FieldErrors::default(),
            problem: None,
            status: actix_web::http::StatusCode::OK,
        }
    }

    /// Fields refused one by one: 422.
    pub fn invalid(values: T, errors: FieldErrors) -> Retry<T> {
        Retry {
            values,
            errors,
            problem: None,
            status: actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    /// The form refused as a whole, with `status` (409, 400) and the reason's catalog key.
    pub fn refused(
        values: T,
        status: actix_web::http::StatusCode,
        problem: &'static str,
    ) -> Retry<T> {
        Retry {
            values,
            errors: FieldErrors::default(),
            problem: Some(problem),
            status,
        }
    }
}

pub struct CsrfForm<T>(pub T);

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
}

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    // `actix_web::Error`, so a body over the size limit keeps its 413 (an `AppError` inside
    // still tells `render_errors` its code).
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let expected = req
                .extensions()
                .get::<RequestContext>()
                .map(|c| c.csrf.clone())
                .ok_or(AppError::Csrf)?;
            let bytes = body.await?;
            let header = req
                .headers()
                .get(csrf::HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let field = serde_urlencoded::from_bytes::<CsrfField>(&bytes)
                .ok()
                .and_then(|f| f.csrf);
            let presented = field.or(header).ok_or(AppError::Csrf)?;
            if !constant_time_eq(presented.as_bytes(), expected.as_bytes()) {
                return Err(AppError::Csrf.into());
            }
            // serde_html_form reads repeated fields (checkboxes) into a Vec.
            serde_html_form::from_bytes::<T>(&bytes)
                .map(CsrfForm)
                .map_err(|_| AppError::BadRequest("error.bad_request").into())
        })
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `CsrfMultipart<T>`: file-upload forms. The token travels in the form's action URL
/// (`?_csrf=…`) or the `X-CSRF-Token` header, so it is checked before the body is read; then
/// the multipart body is parsed into `T`.
pub struct CsrfMultipart<T: actix_multipart::form::MultipartCollect>(
    pub actix_multipart::form::MultipartForm<T>,
);

#[derive(serde::Deserialize)]
struct CsrfQuery {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
}

impl<T: actix_multipart::form::MultipartCollect + 'static> FromRequest for CsrfMultipart<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let expected = req
            .extensions()
            .get::<RequestContext>()
            .map(|c| c.csrf.clone());
        let presented = web::Query::<CsrfQuery>::from_query(req.query_string())
            .ok()
            .and_then(|q| q.into_inner().csrf)
            .or_else(|| {
                req.headers()
                    .get(csrf::HEADER)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            });
        let ok = matches!((&expected, &presented), (Some(e), Some(p)) if constant_time_eq(e.as_bytes(), p.as_bytes()));
        let form = actix_multipart::form::MultipartForm::<T>::from_request(req, payload);
        Box::pin(async move {
            if !ok {
                return Err(AppError::Csrf.into());
            }
            form.await
                .map(CsrfMultipart)
                .map_err(|_| AppError::BadRequest("import.no_file").into())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::StatusCode;
    use serde_json::json;

    #[test]
    fn a_refused_form_shows_its_values_errors_and_problem_but_not_its_status() {
        let refused = Retry::refused(
            json!({ "name": "Fire safety" }),
            StatusCode::CONFLICT,
            "x.taken",
        );
        assert_eq!(
            serde_json::to_value(&refused).ok(),
            Some(
                json!({ "values": { "name": "Fire safety" }, "errors": {}, "problem": "x.taken" })
            )
        );
        let mut errors = FieldErrors::default();
        errors.add("name", "x.required");
        let invalid = Retry::invalid(json!({ "name": "" }), errors);
        assert_eq!(
            serde_json::to_value(&invalid).ok(),
            Some(
                json!({ "values": { "name": "" }, "errors": { "name": "x.required" }, "problem": null })
            )
        );
    }
}
