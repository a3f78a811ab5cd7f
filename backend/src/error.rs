//! The error policy. A user error is a 4xx carrying a message key from the catalog; the
//! message is rendered in the caller's language by `web::errors` (HTML page or JSON
//! `{code, message}`). Anything else is `Internal`: logged with its cause, answered with an
//! opaque 500 that never shows SQL, paths or internals.

use std::borrow::Cow;
use std::collections::BTreeMap;

use actix_web::{HttpResponse, ResponseError, http::StatusCode};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not logged in, or the token is invalid, expired or revoked.
    #[error("unauthorized")]
    Unauthorized,
    /// Logged in, but this portal or action is not for this role.
    #[error("forbidden")]
    Forbidden,
    /// A state-changing form arrived without a valid CSRF token.
    #[error("csrf")]
    Csrf,
    /// Absent, or outside the caller's scope (the two are indistinguishable on purpose).
    #[error("not found")]
    NotFound,
    /// Bad input; the key names a catalog message.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// The request conflicts with the current state.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// Form or body fields that are not acceptable: field name → catalog key. Pages re-show
    /// the form with these messages; the API answers 422 with them.
    #[error("invalid fields: {0:?}")]
    Validation(FieldErrors),
    /// Login failed (unknown user, wrong password or locked: one message for all).
    #[error("login failed")]
    LoginFailed,
    /// The database is gone or overloaded for now (`db::is_unavailable`): 503 with
    /// `Retry-After`, logged as a warning; the cause is never shown.
    #[error("unavailable: {0}")]
    Unavailable(anyhow::Error),
    /// Too many attempts (the login rate limit); try again after this many seconds.
    #[error("too many requests, retry after {0}s")]
    TooManyRequests(u64),
    #[error(transparent)]
    Internal(anyhow::Error),
}

/// Seconds a client is asked to wait after a 503.
pub const RETRY_AFTER_SECS: u32 = 5;

impl AppError {
    /// Stable machine-readable code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::Csrf => "csrf",
            AppError::NotFound => "not_found",
            AppError::BadRequest(_) => "bad_request",
            AppError::Conflict(_) => "conflict",
            AppError::Validation(_) => "validation",
            AppError::LoginFailed => "login_failed",
            AppError::Unavailable(_) => "unavailable",
            AppError::TooManyRequests(_) => "too_many_requests",
            AppError::Internal(_) => "internal",
        }
    }

    /// Catalog key of the message shown to the user.
    pub fn message_key(&self) -> &'static str {
        match self {
            AppError::Unauthorized => "error.unauthorized",
            AppError::Forbidden => "error.forbidden",
            AppError::Csrf => "error.csrf",
            AppError::NotFound => "error.not_found",
            AppError::BadRequest(key) | AppError::Conflict(key) => key,
            AppError::Validation(_) => "error.validation",
            AppError::LoginFailed => "login.failed",
            AppError::Unavailable(_) => "error.unavailable",
            AppError::TooManyRequests(_) => "login.too_many",
            AppError::Internal(_) => "error.internal",
        }
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        AppError::from(e.into())
    }
}

/// Unexpected, unless a database error in its chain says the database is away.
impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        let away = e.chain().any(|cause| {
            cause
                .downcast_ref::<sea_orm::DbErr>()
                .is_some_and(crate::db::is_unavailable)
        });
        if away {
            AppError::Unavailable(e)
        } else {
            AppError::Internal(e)
        }
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        if crate::db::is_unavailable(&e) {
            AppError::Unavailable(e.into())
        } else {
            AppError::Internal(e.into())
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Unauthorized | AppError::LoginFailed => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The bare response; `web::errors::render_errors` replaces the body with the message in
    /// the caller's language, as a page or as JSON.
    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        match self {
            AppError::Internal(e) => tracing::error!(error = %format!("{e:#}"), "internal error"),
            AppError::Unavailable(e) => {
                tracing::warn!(error = %format!("{e:#}"), "database unavailable");
                res.insert_header((
                    actix_web::http::header::RETRY_AFTER,
                    RETRY_AFTER_SECS.to_string(),
                ));
            }
            AppError::TooManyRequests(secs) => {
                res.insert_header((actix_web::http::header::RETRY_AFTER, secs.to_string()));
            }
            _ => {}
        }
        res.json(serde_json::json!({
            "code": self.code(),
            "message": self.code(),
        }))
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod unavailable_tests {
    use actix_web::ResponseError;
    use sea_orm::{ConnAcquireErr, DbErr};

    use super::AppError;

    #[test]
    fn a_database_away_is_a_503_with_retry_after_and_a_broken_statement_a_500() {
        let away = AppError::from(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout));
        assert_eq!(away.status_code(), 503);
        assert_eq!(away.code(), "unavailable");
        assert_eq!(away.message_key(), "error.unavailable");
        let res = away.error_response();
        assert_eq!(
            res.headers().get("retry-after").map(|v| v.to_str().ok()),
            Some(Some("5"))
        );
        // Wrapped in context on the way up, it is still recognised.
        let wrapped = AppError::internal(
            anyhow::Error::from(DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed))
                .context("loading the hazard"),
        );
        assert_eq!(wrapped.status_code(), 503);
        let broken = AppError::from(DbErr::Custom("no such table".into()));
        assert_eq!(broken.status_code(), 500);
        assert!(
            !broken
                .error_response()
                .headers()
                .contains_key("retry-after")
        );
    }
}

/// Field name → catalog key of what is wrong with it. Names are usually static (`name`), but
/// repeated parts of a form have built names (`items[2].requirement`, `item_12_title`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FieldErrors(pub BTreeMap<Cow<'static, str>, &'static str>);

impl FieldErrors {
    pub fn add(&mut self, field: impl Into<Cow<'static, str>>, key: &'static str) {
        self.0.entry(field.into()).or_insert(key);
    }

    /// Text that must be given and not exceed `max` characters (after trimming).
    pub fn require(&mut self, field: impl Into<Cow<'static, str>>, value: &str, max: usize) {
        let n = value.trim().chars().count();
        if n == 0 {
            self.add(field, "form.required");
        } else if n > max {
            self.add(field, "form.too_long");
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was added, else the `Validation` error.
    pub fn into_result(self) -> AppResult<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self))
        }
    }
}
