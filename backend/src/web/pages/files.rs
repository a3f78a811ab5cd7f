//! `/files/{id}` (the copy users see), `/files/{id}/thumb` and `/files/{id}/original` (the
//! evidence, for the few who may see it): the bytes of an attachment, with headers that keep
//! the browser from guessing types or executing anything. The API serves the same responses.

use actix_web::{HttpResponse, http::header, web};

use crate::error::AppResult;
use crate::scope::Caller;
use crate::services::files::{self, FileContent, Variant};
use crate::web::AppState;

pub async fn public(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    serve(&state, &caller, *id, Variant::Public).await
}

pub async fn thumb(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    serve(&state, &caller, *id, Variant::Thumb).await
}

pub async fn original(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    serve(&state, &caller, *id, Variant::Original).await
}

/// Fetches a variant for the caller (404 outside its scope) and answers with it.
pub async fn serve(
    state: &AppState,
    caller: &Caller,
    id: i64,
    variant: Variant,
) -> AppResult<HttpResponse> {
    let content = files::fetch(&state.core, caller, id, variant).await?;
    Ok(file_response(content))
}

/// The response for a file: its detected type, no sniffing, private caching, and a
/// `Content-Disposition` whose names cannot break out of the header.
pub fn file_response(content: FileContent) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content.content_type.clone()))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            content_disposition(content.inline, &content.file_name),
        ))
        .body(content.bytes)
}

/// `inline; filename="safe ascii"; filename*=UTF-8''percent-encoded` (RFC 6266 / 5987).
pub fn content_disposition(inline: bool, name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '-' | '_' | ' ' | '(' | ')' => c,
            _ => '_',
        })
        .collect();
    // A name with nothing readable left (a Chinese name): `file` plus its extension.
    let (stem, ext) = ascii.rsplit_once('.').unwrap_or((ascii.as_str(), ""));
    let ascii = if stem.chars().any(|c| c.is_ascii_alphanumeric()) {
        ascii.clone()
    } else if !ext.is_empty() && ext.chars().all(|c| c.is_ascii_alphanumeric()) {
        format!("file.{ext}")
    } else {
        "file".to_string()
    };
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    let kind = if inline { "inline" } else { "attachment" };
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// Uploaded files (photos, PDFs); scope and the evidence rule are in `services::files`.
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Authenticated;
    use crate::web::routes::get;
    vec![
        get("/files/{id}", Authenticated, public),
        get("/files/{id}/thumb", Authenticated, thumb),
        get("/files/{id}/original", Authenticated, original),
    ]
}

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn download_names_cannot_break_out_of_the_header() {
        let h = content_disposition(false, "报告\"; x=\r\nSet-Cookie: a=b.pdf");
        assert!(!h.contains('\r') && !h.contains('\n'));
        assert_eq!(h.matches('"').count(), 2, "{h}");
        assert!(h.starts_with("attachment; filename=\""), "{h}");
        assert!(
            h.contains(
                "filename*=UTF-8''%E6%8A%A5%E5%91%8A%22%3B%20x%3D%0D%0ASet-Cookie%3A%20a%3Db.pdf"
            ),
            "{h}"
        );
    }

    #[test]
    fn chinese_names_keep_their_extension_in_the_ascii_fallback() {
        assert_eq!(
            content_disposition(true, "现场.jpg"),
            "inline; filename=\"file.jpg\"; filename*=UTF-8''%E7%8E%B0%E5%9C%BA.jpg"
        );
        assert_eq!(
            content_disposition(true, "IMG 1.jpg"),
            "inline; filename=\"IMG 1.jpg\"; filename*=UTF-8''IMG%201.jpg"
        );
    }
}
