//! Reading multipart uploads (forms with photos) into memory, within limits.
//!
//! `CsrfUpload` is for pages: like `CsrfMultipart` (web/form.rs) the CSRF token travels in the
//! action URL (`?_csrf=…`) or the `X-CSRF-Token` header and is checked before the body is read.
//! `ApiUpload` is the same reader for the bearer-authenticated API, without CSRF.
//!
//! Both read the raw stream into an `UploadForm`: text fields, and files with their bytes.
//! A file input left empty is skipped. A file over `storage.max_file_mb` stops being read and
//! becomes a refusal; so does the whole request past `storage.max_request_mb`. Refusals are
//! kept in the form for the handler to show next to the field (422), never a 500.

use std::future::{Future, poll_fn};
use std::pin::Pin;

use actix_multipart::{Field, Multipart};
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use futures_core::Stream;

use crate::auth::{csrf, guard::RequestContext};
use crate::error::{AppError, FieldErrors};
use crate::services::files::{Refusal, Upload};
use crate::web::AppState;

/// Longest text field accepted, bytes.
const MAX_TEXT_FIELD: usize = 256 * 1024;

/// A file (or the request) that was not read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRefusal {
    pub field: String,
    pub file_name: String,
    pub refusal: Refusal,
}

/// A multipart form read into memory.
#[derive(Debug, Clone, Default)]
pub struct UploadForm {
    pub fields: Vec<(String, String)>,
    pub files: Vec<Upload>,
    /// Files that were too big, or the request past its limit: show them, answer 422.
    pub refusals: Vec<UploadRefusal>,
}

impl UploadForm {
    /// The first value of a text field.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a (repeated) text field, in order.
    pub fn values(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The files of one field, in order.
    pub fn files_of<'a>(&'a self, field: &'a str) -> impl Iterator<Item = &'a Upload> {
        self.files.iter().filter(move |f| f.field == field)
    }

    /// The refusals as form errors (field → message key), for re-rendering the form.
    pub fn field_errors(&self) -> FieldErrors {
        let mut errors = FieldErrors::default();
        for r in &self.refusals {
            errors.add(r.field.clone(), r.refusal.key());
        }
        errors
    }

    /// `Validation` (422) when something was refused while reading.
    pub fn check(&self) -> Result<(), AppError> {
        self.field_errors().into_result()
    }
}

/// Per-file and per-request byte limits of a read.
#[derive(Debug, Clone, Copy)]
pub struct ReadLimits {
    pub max_file: usize,
    pub max_request: usize,
}

impl ReadLimits {
    fn of(req: &HttpRequest) -> ReadLimits {
        let s = req
            .app_data::<web::Data<AppState>>()
            .map(|s| s.core.settings.storage.clone())
            .unwrap_or_default();
        ReadLimits {
            max_file: s.max_file_bytes(),
            max_request: s.max_request_bytes(),
        }
    }
}

async fn next_field(mp: &mut Multipart) -> Option<Result<Field, actix_multipart::MultipartError>> {
    poll_fn(|cx| Pin::new(&mut *mp).poll_next(cx)).await
}

async fn next_chunk(
    field: &mut Field,
) -> Option<Result<web::Bytes, actix_multipart::MultipartError>> {
    poll_fn(|cx| Pin::new(&mut *field).poll_next(cx)).await
}

fn malformed<E: std::fmt::Display>(e: E) -> AppError {
    tracing::debug!(error = %e, "malformed multipart body");
    AppError::BadRequest("files.bad_upload")
}

/// Reads the whole multipart stream within `limits`. Past the request limit the rest is read
/// and dropped (up to as much again, so the browser gets the answer), then refused with 413.
pub async fn read(mut mp: Multipart, limits: ReadLimits) -> Result<UploadForm, actix_web::Error> {
    let mut form = UploadForm::default();
    let mut total = 0usize;
    let mut over_request = false;
    let hard_stop = limits.max_request.saturating_mul(2);
    while let Some(field) = next_field(&mut mp).await {
        let mut field = field.map_err(malformed)?;
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(str::to_string);
        let cap = match file_name {
            Some(_) => limits.max_file,
            None => MAX_TEXT_FIELD,
        };
        let mut bytes = Vec::new();
        let mut too_big = false;
        while let Some(chunk) = next_chunk(&mut field).await {
            let chunk = chunk.map_err(malformed)?;
            total = total.saturating_add(chunk.len());
            if total > hard_stop {
                return Err(actix_web::error::ErrorPayloadTooLarge("request too large"));
            }
            if total > limits.max_request {
                over_request = true;
            }
            if over_request || too_big {
                continue;
            }
            if bytes.len() + chunk.len() > cap {
                too_big = true;
                bytes = Vec::new();
                continue;
            }
            bytes.extend_from_slice(&chunk);
        }
        if over_request {
            continue;
        }
        match file_name {
            Some(file_name) => {
                if too_big {
                    form.refusals.push(UploadRefusal {
                        field: name,
                        file_name,
                        refusal: Refusal("files.too_large"),
                    });
                } else if !(bytes.is_empty() && file_name.is_empty()) {
                    // An empty part with no name is a file input left empty: nothing chosen.
                    form.files.push(Upload {
                        field: name,
                        file_name,
                        bytes,
                    });
                }
            }
            None => {
                if too_big {
                    return Err(AppError::BadRequest("files.bad_upload").into());
                }
                let text = String::from_utf8(bytes).map_err(malformed)?;
                form.fields.push((name, text));
            }
        }
    }
    if over_request {
        form.refusals.push(UploadRefusal {
            field: "_request".into(),
            file_name: String::new(),
            refusal: Refusal("files.request_too_large"),
        });
    }
    Ok(form)
}

/// An upload form of a page: CSRF checked (URL or header) before the body is read.
pub struct CsrfUpload(pub UploadForm);

/// An upload to the API (bearer token, so no CSRF).
pub struct ApiUpload(pub UploadForm);

#[derive(serde::Deserialize)]
struct CsrfQuery {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
}

fn csrf_ok(req: &HttpRequest) -> bool {
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
    matches!((&expected, &presented), (Some(e), Some(p)) if constant_time_eq(e.as_bytes(), p.as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

type UploadFuture<T> = Pin<Box<dyn Future<Output = Result<T, actix_web::Error>>>>;

fn read_request(req: &HttpRequest, payload: &mut Payload) -> UploadFuture<UploadForm> {
    let limits = ReadLimits::of(req);
    let mp = Multipart::new(req.headers(), payload.take());
    Box::pin(read(mp, limits))
}

impl FromRequest for CsrfUpload {
    type Error = actix_web::Error;
    type Future = UploadFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if !csrf_ok(req) {
            return Box::pin(async { Err(AppError::Csrf.into()) });
        }
        let form = read_request(req, payload);
        Box::pin(async move { form.await.map(CsrfUpload) })
    }
}

impl FromRequest for ApiUpload {
    type Error = actix_web::Error;
    type Future = UploadFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = read_request(req, payload);
        Box::pin(async move { form.await.map(ApiUpload) })
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{self, HeaderMap, HeaderValue};

    use super::*;

    const BOUNDARY: &str = "XyZzY";

    fn body(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, file, bytes) in parts {
            out.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
            match file {
                Some(f) => out.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
                ),
                None => out.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                ),
            }
            out.extend_from_slice(bytes);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        out
    }

    async fn read_body(body: Vec<u8>, limits: ReadLimits) -> Result<UploadForm, actix_web::Error> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(&format!("multipart/form-data; boundary={BOUNDARY}"))
                .expect("header"),
        );
        // Small chunks, as from the network.
        let chunks: Vec<Result<web::Bytes, actix_web::error::PayloadError>> = body
            .chunks(7)
            .map(|c| Ok(web::Bytes::copy_from_slice(c)))
            .collect();
        struct Chunks(std::vec::IntoIter<Result<web::Bytes, actix_web::error::PayloadError>>);
        impl Stream for Chunks {
            type Item = Result<web::Bytes, actix_web::error::PayloadError>;
            fn poll_next(
                mut self: Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
            ) -> std::task::Poll<Option<Self::Item>> {
                std::task::Poll::Ready(self.0.next())
            }
        }
        read(Multipart::new(&headers, Chunks(chunks.into_iter())), limits).await
    }

    const LIMITS: ReadLimits = ReadLimits {
        max_file: 100,
        max_request: 1000,
    };

    #[actix_web::test]
    async fn fields_and_files_are_read_and_empty_file_inputs_skipped() {
        let form = read_body(
            body(&[
                ("title", None, "配电箱未接地".as_bytes()),
                ("tag", None, b"a"),
                ("tag", None, b"b"),
                ("photo_1", Some("a.jpg"), b"\xff\xd8\xff\xe0jpeg"),
                ("photo_2", Some(""), b""),
            ]),
            LIMITS,
        )
        .await
        .expect("read");
        assert_eq!(form.value("title"), Some("配电箱未接地"));
        assert_eq!(form.values("tag"), ["a", "b"]);
        assert_eq!(form.files.len(), 1, "the empty input is skipped");
        let f = form.files_of("photo_1").next().expect("photo");
        assert_eq!((f.file_name.as_str(), f.bytes.len()), ("a.jpg", 8));
        assert!(form.check().is_ok());
    }

    #[actix_web::test]
    async fn a_file_over_the_limit_becomes_a_refusal_not_a_buffer() {
        let big = vec![b'x'; 150];
        let form = read_body(
            body(&[("photo", Some("big.jpg"), &big), ("title", None, b"t")]),
            LIMITS,
        )
        .await
        .expect("read");
        assert!(form.files.is_empty());
        assert_eq!(form.value("title"), Some("t"), "reading goes on after it");
        assert_eq!(form.refusals[0].refusal, Refusal("files.too_large"));
        assert_eq!(form.refusals[0].field, "photo");
        assert!(matches!(form.check(), Err(AppError::Validation(_))));
    }

    #[actix_web::test]
    async fn a_request_over_its_limit_is_refused() {
        let file = vec![b'x'; 90];
        let parts: Vec<(&str, Option<&str>, &[u8])> = (0..12)
            .map(|_| ("p", Some("a.png"), file.as_slice()))
            .collect();
        let form = read_body(body(&parts), LIMITS).await.expect("read");
        assert!(
            form.refusals
                .iter()
                .any(|r| r.refusal == Refusal("files.request_too_large"))
        );
        let huge: Vec<(&str, Option<&str>, &[u8])> = (0..30)
            .map(|_| ("p", Some("a.png"), file.as_slice()))
            .collect();
        assert!(
            read_body(body(&huge), LIMITS).await.is_err(),
            "far past it: 413"
        );
    }
}
