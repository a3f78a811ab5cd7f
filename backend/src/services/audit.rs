//! The audit log: written inside the transaction of the action it records (or on its own for
//! events without one, such as a failed login), and searched through the caller's scope.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select,
    Set,
};
use serde::Deserialize;

use crate::error::AppResult;
use crate::models::audit_log;

/// One audit record as lists and the API show it.
pub type AuditEntry = audit_log::Model;
use crate::scope::{self, Caller};
use crate::services::keyset::{self, Key, Page};
use crate::services::{PageParams, Paged, idempotency};
use crate::state::Core;

/// Who acts, from where, in which request: the one context the services take for a change a
/// logged-in account makes. Built once per request (the extractor is in `auth::guard`); the
/// audit record's author comes from it (`Author::of`).
#[derive(Debug, Clone)]
pub struct Actor {
    pub caller: Caller,
    /// The client's address, as `RequestContext` computes it.
    pub ip: Option<String>,
    /// The id `tracing-actix-web` gave the request (the one error pages show).
    pub request_id: Option<String>,
    /// The `Idempotency-Key` as sent: the API header, or a page form's one-time token.
    pub(crate) sent_key: Option<String>,
}

impl Actor {
    /// The same request with a page form's one-time token as its idempotency key.
    pub fn with_key(self, sent_key: Option<String>) -> Actor {
        Actor { sent_key, ..self }
    }

    /// The idempotency key, checked (`idempotency::check_sent_key`): 400 when malformed.
    pub fn key(&self) -> AppResult<Option<&str>> {
        idempotency::check_sent_key(self.sent_key.as_deref())
    }
}

/// Whom an audit record names: the acting account, the system, or someone not logged in.
#[derive(Debug, Clone)]
pub struct Author {
    pub user_id: Option<i64>,
    pub name: String,
    pub role: Option<String>,
    pub tenant: Option<String>,
    pub region_path: Option<String>,
    pub ip: Option<String>,
    /// The request acting, when there is one.
    pub request_id: Option<String>,
}

impl Author {
    /// The account acting in a request.
    pub fn of(actor: &Actor) -> Author {
        Author {
            request_id: actor.request_id.clone(),
            ..Author::user(&actor.caller, actor.ip.as_deref())
        }
    }

    /// A logged-in account (or one logging in), from this address.
    pub fn user(caller: &Caller, ip: Option<&str>) -> Author {
        Author {
            user_id: Some(caller.user_id),
            name: caller.username.clone(),
            role: Some(caller.role.as_str().into()),
            tenant: Some(caller.scope.tenant_label()),
            region_path: caller.scope.region_path().map(str::to_string),
            ip: ip.map(str::to_string),
            request_id: None,
        }
    }

    /// The system itself (CLI, seed, background work).
    pub fn system() -> Author {
        Author {
            user_id: None,
            name: "system".into(),
            role: None,
            tenant: None,
            region_path: None,
            ip: None,
            request_id: None,
        }
    }

    /// Someone not logged in, identified by what they typed.
    pub fn anonymous(name: &str, ip: Option<&str>) -> Author {
        Author {
            user_id: None,
            name: name.chars().take(64).collect(),
            role: None,
            tenant: None,
            region_path: None,
            ip: ip.map(str::to_string),
            request_id: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    Denied,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }
}

/// Writes one audit record on `conn` (a transaction, to share the action's fate).
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    at: DateTime<Utc>,
    author: &Author,
    action: &str,
    target: Option<(&str, String)>,
    outcome: Outcome,
    detail: Option<String>,
) -> AppResult<()> {
    let (target_type, target_id) = match target {
        Some((t, id)) => (Some(t.to_string()), Some(id)),
        None => (None, None),
    };
    audit_log::ActiveModel {
        at: Set(at),
        actor_user_id: Set(author.user_id),
        actor_name: Set(author.name.clone()),
        actor_role: Set(author.role.clone()),
        tenant: Set(author.tenant.clone()),
        region_path: Set(author.region_path.clone()),
        ip: Set(author.ip.clone()),
        action: Set(action.to_string()),
        target_type: Set(target_type),
        target_id: Set(target_id),
        outcome: Set(outcome.as_str().to_string()),
        detail: Set(detail),
        request_id: Set(author.request_id.clone()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Search filters of the audit page and API.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct AuditFilter {
    /// Action prefix, e.g. `login`.
    pub action: Option<String>,
    /// Actor's username (exact).
    pub actor: Option<String>,
    /// `success`, `failure` or `denied`.
    pub outcome: Option<String>,
    /// First day, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD`.
    pub to: Option<String>,
}

fn day(s: &Option<String>) -> Option<NaiveDate> {
    s.as_deref()
        .filter(|s| !s.is_empty())
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
}

/// The audit page's statement: the records the caller may read under the filter, newest first
/// (`at`, then `id`, descending). `search` pages it.
pub fn search_query(caller: &Caller, filter: &AuditFilter) -> Select<audit_log::Entity> {
    let mut q = audit_log::Entity::find().filter(scope::audit_logs(caller));
    if let Some(a) = filter.action.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(audit_log::Column::Action.starts_with(a.trim()));
    }
    if let Some(a) = filter.actor.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(audit_log::Column::ActorName.eq(a.trim()));
    }
    if let Some(o) = filter.outcome.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(audit_log::Column::Outcome.eq(o));
    }
    if let Some(d) = day(&filter.from).and_then(|d| d.and_hms_opt(0, 0, 0)) {
        q = q.filter(audit_log::Column::At.gte(d.and_utc()));
    }
    if let Some(d) = day(&filter.to)
        .and_then(|d| d.succ_opt())
        .and_then(|d| d.and_hms_opt(0, 0, 0))
    {
        q = q.filter(audit_log::Column::At.lt(d.and_utc()));
    }
    q.order_by_desc(audit_log::Column::At)
        .order_by_desc(audit_log::Column::Id)
}

/// One page of the audit records the caller may read under the filter, newest first.
pub async fn search(
    core: &Core,
    caller: &Caller,
    filter: &AuditFilter,
    page: PageParams,
) -> AppResult<Paged<audit_log::Model>> {
    let key = Key::new("audit")
        .desc(audit_log::Column::At)
        .desc(audit_log::Column::Id);
    let Page { rows, info } = keyset::page(core, search_query(caller, filter), &key, &page).await?;
    Ok(info.with(rows))
}
