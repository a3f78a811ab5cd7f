//! Telling people what needs their action: one in-app notification (站内信) per recipient,
//! written in the transaction of the event that caused it, so an event and its notices are
//! committed together or not at all. `notify` tells a few users by id; `notify_many` is the
//! bulk path for thousands (a city-wide notice): multi-row inserts in chunks. Both share the
//! writers below.
//!
//! Texts come from the catalog: `notice.<kind>.title` and `notice.<kind>.body`, with the
//! notice's parameters (`{hazard}`, `{enterprise}`, `{deadline}` …).
//!
//! Each recipient with an email address also gets an `email_outbox` row in the same
//! transaction (rendered by `email`, sent later by `jobs::outbox`): no network here.
//! Reading and marking one's own notifications is in `inbox`.

pub mod email;
pub mod inbox;

use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Set, Statement};

use crate::domain::membership::Status as MembershipStatus;
use crate::domain::role::Role;
use crate::error::AppResult;
use crate::i18n::{self, Lang};
use crate::models::{alliance_membership, email_outbox, notification, region, user};
use crate::state::Core;

/// One thing to tell: its kind (the catalog key), what it is about and its parameters.
#[derive(Debug, Clone)]
pub struct Notice {
    /// E.g. `hazard_reported`: texts `notice.hazard_reported.title` / `.body`.
    pub kind: &'static str,
    pub hazard_id: Option<i64>,
    /// Where to act: a local path.
    pub link: Option<String>,
    /// Values for the texts' `{name}` placeholders.
    pub params: Vec<(&'static str, String)>,
}

impl Notice {
    fn text(&self, lang: Lang, part: &str) -> String {
        let args: Vec<(&str, &str)> = self.params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        i18n::t_args(lang, &format!("notice.{}.{part}", self.kind), &args)
    }

    pub fn title(&self, lang: Lang) -> String {
        self.text(lang, "title")
    }

    pub fn body(&self, lang: Lang) -> String {
        self.text(lang, "body")
    }
}

/// Rows per `INSERT` of the bulk path: an outbox row binds 12 values, a notification 8, so a
/// chunk binds at most 12,000 — under SQLite's 32,766 and PostgreSQL's 65,535 parameters.
const CHUNK: usize = 1_000;

/// Someone to tell, with what the email needs (the bulk path reads these in one query).
#[derive(Debug, Clone)]
pub struct Recipient {
    pub user_id: i64,
    pub display_name: String,
    pub email: Option<String>,
}

impl Recipient {
    /// The address an email goes to: the account's, trimmed, when it looks like one.
    fn address(&self) -> Option<&str> {
        self.email
            .as_deref()
            .map(str::trim)
            .filter(|a| a.contains('@'))
    }
}

/// Writes the notice for each recipient (user ids; duplicates are told once), and queues an
/// email for each active recipient with an address.
pub async fn notify<C: ConnectionTrait>(
    conn: &C,
    core: &Core,
    recipients: &[i64],
    notice: &Notice,
) -> AppResult<()> {
    let mut seen = std::collections::HashSet::new();
    let told: Vec<i64> = recipients
        .iter()
        .copied()
        .filter(|id| seen.insert(*id))
        .collect();
    insert_notifications(conn, core, &told, notice).await?;
    if told.is_empty() {
        return Ok(());
    }
    let with_address: Vec<Recipient> = user::Entity::find()
        .filter(user::Column::Id.is_in(told.iter().copied()))
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::Email.is_not_null())
        .all(conn)
        .await?
        .into_iter()
        .map(|u| Recipient {
            user_id: u.id,
            display_name: u.display_name,
            email: u.email,
        })
        .collect();
    queue_emails(conn, core, &with_address, notice).await
}

/// The bulk path (a notice to a whole city): one notification per recipient (duplicates told
/// once) and one outbox row per recipient with an address, written with multi-row inserts of
/// `CHUNK` rows, in the caller's transaction. The recipients are taken as given (the caller's
/// query chose the active accounts). Returns how many were told.
pub async fn notify_many<C: ConnectionTrait>(
    conn: &C,
    core: &Core,
    recipients: &[Recipient],
    notice: &Notice,
) -> AppResult<usize> {
    let mut seen = std::collections::HashSet::new();
    let told: Vec<&Recipient> = recipients
        .iter()
        .filter(|r| seen.insert(r.user_id))
        .collect();
    let ids: Vec<i64> = told.iter().map(|r| r.user_id).collect();
    insert_notifications(conn, core, &ids, notice).await?;
    let told: Vec<Recipient> = told.into_iter().cloned().collect();
    queue_emails(conn, core, &told, notice).await?;
    Ok(ids.len())
}

/// One notification row per user id (in order), `CHUNK` rows per insert.
async fn insert_notifications<C: ConnectionTrait>(
    conn: &C,
    core: &Core,
    user_ids: &[i64],
    notice: &Notice,
) -> AppResult<()> {
    let now = core.now();
    let title: String = notice.title(Lang::ZhCn).chars().take(200).collect();
    let body = notice.body(Lang::ZhCn);
    if conn.get_database_backend() == DbBackend::Postgres {
        // One statement: the ids travel as one text, the row's other values once.
        let ids = user_ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let sql = "INSERT INTO notifications (user_id, kind, title, body, link, hazard_id, created_at) \
                   SELECT u::bigint, $2, $3, $4, $5::text, $6::bigint, $7 \
                   FROM unnest(string_to_array($1, ',')) AS u";
        conn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            [
                ids.into(),
                notice.kind.to_string().into(),
                title.into(),
                body.into(),
                notice.link.clone().into(),
                notice.hazard_id.into(),
                now.into(),
            ],
        ))
        .await?;
        return Ok(());
    }
    for chunk in user_ids.chunks(CHUNK) {
        notification::Entity::insert_many(chunk.iter().map(|&user_id| notification::ActiveModel {
            user_id: Set(user_id),
            kind: Set(notice.kind.to_string()),
            title: Set(title.clone()),
            body: Set(body.clone()),
            link: Set(notice.link.clone()),
            hazard_id: Set(notice.hazard_id),
            created_at: Set(now),
            read_at: Set(None),
            ..Default::default()
        }))
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}

/// One outbox row per recipient with an email address, due now, `CHUNK` rows per insert; the
/// email is rendered once and named for each.
async fn queue_emails<C: ConnectionTrait>(
    conn: &C,
    core: &Core,
    recipients: &[Recipient],
    notice: &Notice,
) -> AppResult<()> {
    let now = core.now();
    if conn.get_database_backend() == DbBackend::Postgres {
        return queue_emails_pg(conn, core, recipients, notice).await;
    }
    let mut rows = Vec::new();
    let mut mail = None;
    for r in recipients {
        let Some(address) = r.address() else {
            continue;
        };
        let mail = match &mail {
            Some(m) => m,
            None => mail.insert(email::NoticeMail::new(core, notice)?),
        }
        .for_name(&r.display_name);
        rows.push(email_outbox::ActiveModel {
            to_address: Set(address.chars().take(255).collect()),
            to_name: Set(r.display_name.chars().take(64).collect()),
            subject: Set(mail.subject),
            body_text: Set(mail.text),
            body_html: Set(Some(mail.html)),
            status: Set(crate::domain::notice::OutboxStatus::Pending),
            attempts: Set(0),
            next_attempt_at: Set(now),
            locked_until: Set(None),
            last_error: Set(None),
            created_at: Set(now),
            sent_at: Set(None),
            ..Default::default()
        });
        if rows.len() == CHUNK {
            email_outbox::Entity::insert_many(std::mem::take(&mut rows))
                .exec_without_returning(conn)
                .await?;
        }
    }
    if !rows.is_empty() {
        email_outbox::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// `queue_emails` on PostgreSQL: one statement. The email goes once with its name slot; the
/// recipients go as one JSON array of (address, name, name as HTML), and the database writes
/// each row with the name put in (exactly `NoticeMail::for_name`).
async fn queue_emails_pg<C: ConnectionTrait>(
    conn: &C,
    core: &Core,
    recipients: &[Recipient],
    notice: &Notice,
) -> AppResult<()> {
    let people: Vec<serde_json::Value> = recipients
        .iter()
        .filter_map(|r| {
            let address = r.address()?;
            Some(serde_json::json!({
                "a": address.chars().take(255).collect::<String>(),
                "n": r.display_name.chars().take(64).collect::<String>(),
                "full": r.display_name,
                "h": email::NoticeMail::html_name(&r.display_name),
            }))
        })
        .collect();
    if people.is_empty() {
        return Ok(());
    }
    let mail = email::NoticeMail::new(core, notice)?;
    let m = mail.with_slot();
    let now = core.now();
    let sql = "INSERT INTO email_outbox \
               (to_address, to_name, subject, body_text, body_html, status, attempts, next_attempt_at, created_at) \
               SELECT x.a, x.n, $2, replace($3, $4, x.full), replace($5, $4, x.h), $6, 0, $7, $7 \
               FROM json_to_recordset($1::json) AS x(a text, n text, \"full\" text, h text)";
    conn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql,
        [
            serde_json::Value::Array(people).to_string().into(),
            m.subject.clone().into(),
            m.text.clone().into(),
            email::NoticeMail::slot().into(),
            m.html.clone().into(),
            crate::domain::notice::OutboxStatus::Pending.as_str().into(),
            now.into(),
        ],
    ))
    .await?;
    Ok(())
}

async fn active_users<C: ConnectionTrait>(
    conn: &C,
    filter: sea_orm::Condition,
) -> AppResult<Vec<i64>> {
    Ok(user::Entity::find()
        .filter(user::Column::Active.eq(true))
        .filter(filter)
        .all(conn)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}

/// The active accounts (admin and staff) of an enterprise.
pub async fn enterprise_users<C: ConnectionTrait>(
    conn: &C,
    enterprise_id: i64,
) -> AppResult<Vec<i64>> {
    active_users(
        conn,
        sea_orm::Condition::all()
            .add(user::Column::EnterpriseId.eq(enterprise_id))
            .add(user::Column::Role.is_in([
                Role::EnterpriseAdmin.as_str(),
                Role::EnterpriseStaff.as_str(),
            ])),
    )
    .await
}

/// The active accounts of an expert of the pool.
pub async fn expert_users<C: ConnectionTrait>(conn: &C, expert_id: i64) -> AppResult<Vec<i64>> {
    active_users(
        conn,
        sea_orm::Condition::all()
            .add(user::Column::ExpertId.eq(expert_id))
            .add(user::Column::Role.eq(Role::Expert.as_str())),
    )
    .await
}

/// The active committee accounts of an alliance.
pub async fn committee_users<C: ConnectionTrait>(
    conn: &C,
    alliance_id: i64,
) -> AppResult<Vec<i64>> {
    active_users(
        conn,
        sea_orm::Condition::all()
            .add(user::Column::AllianceId.eq(alliance_id))
            .add(user::Column::Role.eq(Role::Committee.as_str())),
    )
    .await
}

/// The committees of the alliances an enterprise is an approved member of.
pub async fn member_committee_users<C: ConnectionTrait>(
    conn: &C,
    enterprise_id: i64,
) -> AppResult<Vec<i64>> {
    let alliances: Vec<i64> = alliance_membership::Entity::find()
        .filter(alliance_membership::Column::EnterpriseId.eq(enterprise_id))
        .filter(alliance_membership::Column::Status.eq(MembershipStatus::Approved))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| m.alliance_id)
        .collect();
    let mut users = Vec::new();
    for a in alliances {
        users.extend(committee_users(conn, a).await?);
    }
    Ok(users)
}

/// The bureau officers responsible for a place: those of the nearest region on the way up
/// from `region_path` that has any (a town's office before the city's bureau).
pub async fn bureau_users<C: ConnectionTrait>(conn: &C, region_path: &str) -> AppResult<Vec<i64>> {
    for path in crate::domain::region_path::path_and_ancestors(region_path)
        .into_iter()
        .rev()
    {
        let Some(r) = region::Entity::find()
            .filter(region::Column::Path.eq(path))
            .one(conn)
            .await?
        else {
            continue;
        };
        let users = active_users(
            conn,
            sea_orm::Condition::all()
                .add(user::Column::RegionId.eq(r.id))
                .add(user::Column::Role.eq(Role::Regulator.as_str())),
        )
        .await?;
        if !users.is_empty() {
            return Ok(users);
        }
    }
    Ok(Vec::new())
}
