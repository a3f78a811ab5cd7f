//! 宣传覆盖: the reach of a publication. Its audience is `scope::publication_audience` (the
//! active enterprise accounts of the enterprises it reaches); the same condition chooses who is
//! told when it is published, whose reads count and who is reminded.
//!
//! - **Reads**: an enterprise account opening a publication (page or API) records its first read
//!   once (`publication_reads`, insert-or-ignore, so concurrent first reads cannot fail); reads
//!   by other roles are not recorded. Acknowledging (我已阅知, only where the publication asks
//!   for it) sets `acknowledged_at` once, audited, idempotent.
//! - **Publishing** a publication that requires acknowledgement, or any 通知公告, tells the whole
//!   audience in the publish transaction (`notify::notify_many`, multi-row inserts).
//! - **Reach figures** for the publisher: by account (read / acknowledged accounts of the
//!   audience) and by enterprise (an enterprise has read when one of its accounts has, has
//!   acknowledged when one has), in total, by the region one level below the publisher (a
//!   bureau's: for the city, by town), by alliance and by enterprise (paged). Aggregated in SQL.
//! - **Reminder** (提醒未阅读): one notice to every audience account that has not read it, at
//!   most once per `REMINDER_INTERVAL_HOURS`, audited with the count, idempotent.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryResult, QuerySelect, Set,
    sea_query::{Expr, ExprTrait, Order, Query, SelectStatement},
};
use serde::{Deserialize, Serialize};

use crate::db::begin_write;
use crate::domain::membership::Status as MembershipStatus;
use crate::domain::publication::{PublicationKind, next_reminder_at, percent};
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::models::{
    alliance, alliance_membership, enterprise, publication, publication_read, region, user,
};
use crate::scope::{self, Caller, Scope};
use crate::services::audit::{self, Actor, Author, Outcome};
use crate::services::keyset::{self, Key};
use crate::services::notify::{self, Notice, Recipient};
use crate::services::{PageParams, Paged};
use crate::state::Core;

use super::write::{self, Publisher};

/// The roles whose reads count and who acknowledge (the routes' access rule).
pub const READERS: &[Role] = &[Role::EnterpriseAdmin, Role::EnterpriseStaff];

/// An enterprise account's read of a publication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Receipt {
    pub publication_id: i64,
    pub first_read_at: DateTime<Utc>,
    /// When the account acknowledged it (我已阅知), if it has.
    pub acknowledged_at: Option<DateTime<Utc>>,
}

impl From<publication_read::Model> for Receipt {
    fn from(r: publication_read::Model) -> Receipt {
        Receipt {
            publication_id: r.publication_id,
            first_read_at: r.first_read_at,
            acknowledged_at: r.acknowledged_at,
        }
    }
}

/// The enterprise of a caller whose reads count: enterprise admin and staff only.
fn reader_enterprise(caller: &Caller) -> Option<i64> {
    match (&caller.scope, caller.role) {
        (
            Scope::Enterprise { enterprise_id, .. },
            Role::EnterpriseAdmin | Role::EnterpriseStaff,
        ) => Some(*enterprise_id),
        _ => None,
    }
}

async fn receipt_of<C: ConnectionTrait>(
    db: &C,
    publication_id: i64,
    user_id: i64,
) -> AppResult<Option<publication_read::Model>> {
    Ok(
        publication_read::Entity::find_by_id((publication_id, user_id))
            .one(db)
            .await?,
    )
}

/// Inserts the first read unless there is one (a concurrent first read makes no error).
async fn insert_read<C: ConnectionTrait>(
    db: &C,
    core: &Core,
    publication_id: i64,
    user_id: i64,
    enterprise_id: i64,
) -> AppResult<()> {
    use publication_read::Column as R;
    publication_read::Entity::insert(publication_read::ActiveModel {
        publication_id: Set(publication_id),
        user_id: Set(user_id),
        enterprise_id: Set(enterprise_id),
        first_read_at: Set(core.now()),
        acknowledged_at: Set(None),
    })
    .on_conflict_do_nothing_on([R::PublicationId, R::UserId])
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Records that the caller opened publication `id` (which it may read: checked here again),
/// when it is an enterprise account; returns its receipt. Other roles: `None`, nothing stored.
pub async fn record_read(core: &Core, caller: &Caller, id: i64) -> AppResult<Option<Receipt>> {
    let Some(enterprise_id) = reader_enterprise(caller) else {
        return Ok(None);
    };
    let p = super::queries::find(core, Some(&caller.scope), id).await?;
    if let Some(r) = receipt_of(&core.db, p.id, caller.user_id).await? {
        return Ok(Some(r.into()));
    }
    insert_read(&core.db, core, p.id, caller.user_id, enterprise_id).await?;
    Ok(receipt_of(&core.db, p.id, caller.user_id)
        .await?
        .map(Receipt::from))
}

/// 我已阅知: the caller's enterprise account acknowledges publication `id`; the first time is
/// recorded and audited, a second changes nothing. 403 for other roles, 404 for a publication
/// it may not read, 409 for one that asks for no acknowledgement.
pub async fn acknowledge(core: &Core, actor: &Actor, id: i64) -> AppResult<Receipt> {
    let caller = &actor.caller;
    let enterprise_id = reader_enterprise(caller).ok_or(AppError::Forbidden)?;
    let fingerprint = format!("acknowledge publication {id}");
    if let Some(saved) = write::replayed(core, actor, &fingerprint).await? {
        return Ok(saved);
    }
    let txn = begin_write(&core.db).await?;
    let p = publication::Entity::find_by_id(id)
        .filter(scope::publications(&caller.scope))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if !p.requires_ack {
        return Err(AppError::Conflict("reach.no_ack_needed"));
    }
    insert_read(&txn, core, id, caller.user_id, enterprise_id).await?;
    use publication_read::Column as R;
    let changed = publication_read::Entity::update_many()
        .col_expr(R::AcknowledgedAt, Expr::value(core.now()))
        .filter(R::PublicationId.eq(id))
        .filter(R::UserId.eq(caller.user_id))
        .filter(R::AcknowledgedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    if changed > 0 {
        audit::record(
            &txn,
            core.now(),
            &Author::of(actor),
            "publication.acknowledge",
            Some(("publication", id.to_string())),
            Outcome::Success,
            Some(p.title.clone()),
        )
        .await?;
    }
    let receipt: Receipt = receipt_of(&txn, id, caller.user_id)
        .await?
        .ok_or(AppError::NotFound)?
        .into();
    write::finish(core, actor, txn, &fingerprint, receipt).await
}

/// The audience accounts of `p` with what their email needs; `unread_only` leaves out those
/// that have read it.
async fn audience<C: ConnectionTrait>(
    db: &C,
    p: &publication::Model,
    unread_only: bool,
) -> AppResult<Vec<Recipient>> {
    use user::Column as U;
    let mut q = user::Entity::find()
        .select_only()
        .columns([U::Id, U::DisplayName, U::Email])
        .filter(scope::publication_audience(p));
    if unread_only {
        q = q.filter(
            Expr::exists(
                Query::select()
                    .expr(Expr::value(1))
                    .from(publication_read::Entity)
                    .and_where(publication_read::Column::PublicationId.eq(p.id))
                    .and_where(
                        Expr::col((publication_read::Entity, publication_read::Column::UserId))
                            .equals((user::Entity, U::Id)),
                    )
                    .to_owned(),
            )
            .not(),
        );
    }
    let rows: Vec<(i64, String, Option<String>)> = q.into_tuple().all(db).await?;
    Ok(rows
        .into_iter()
        .map(|(user_id, display_name, email)| Recipient {
            user_id,
            display_name,
            email,
        })
        .collect())
}

fn notice(p: &publication::Model, kind: &'static str) -> Notice {
    Notice {
        kind,
        hazard_id: None,
        link: Some(format!("/publications/{}", p.id)),
        params: vec![("title", p.title.clone()), ("issuer", p.issuer.clone())],
    }
}

/// Publishing: a publication that requires acknowledgement, and every 通知公告, tells its whole
/// audience (in the caller's transaction). Returns how many accounts were told.
pub(super) async fn fan_out<C: ConnectionTrait>(
    db: &C,
    core: &Core,
    p: &publication::Model,
) -> AppResult<usize> {
    let kind = if p.requires_ack {
        "publication_ack"
    } else if p.kind == PublicationKind::Notice {
        "publication_notice"
    } else {
        return Ok(0);
    };
    let recipients = audience(db, p, false).await?;
    notify::notify_many(db, core, &recipients, &notice(p, kind)).await
}

/// What a reminder did (saved for a retried request).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reminded {
    pub publication_id: i64,
    /// How many accounts that had not read it were told.
    pub reminded: usize,
    pub reminded_at: DateTime<Utc>,
}

/// 提醒未阅读: tells every audience account that has not read publication `id` (one the caller
/// publishes; 404 otherwise). Refused (409 `reach.reminded_recently`) within
/// `REMINDER_INTERVAL_HOURS` of the last reminder; the reach figures say when that was.
pub async fn remind(core: &Core, actor: &Actor, id: i64) -> AppResult<Reminded> {
    let fingerprint = format!("remind publication {id}");
    if let Some(saved) = write::replayed(core, actor, &fingerprint).await? {
        return Ok(saved);
    }
    let txn = begin_write(&core.db).await?;
    let (_, p) = write::managed(&txn, &actor.caller, id).await?;
    let now = core.now();
    if next_reminder_at(p.reminded_at, now).is_some() {
        return Err(AppError::Conflict("reach.reminded_recently"));
    }
    let recipients = audience(&txn, &p, true).await?;
    let told =
        notify::notify_many(&txn, core, &recipients, &notice(&p, "publication_reminder")).await?;
    let mut m: publication::ActiveModel = p.into();
    m.reminded_at = Set(Some(now));
    m.update(&txn).await?;
    audit::record(
        &txn,
        now,
        &Author::of(actor),
        "publication.remind",
        Some(("publication", id.to_string())),
        Outcome::Success,
        Some(format!("{told} accounts")),
    )
    .await?;
    let answer = Reminded {
        publication_id: id,
        reminded: told,
        reminded_at: now,
    };
    write::finish(core, actor, txn, &fingerprint, answer).await
}

/// Read and acknowledged, by account and by enterprise, with the percentages of the audience.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Figures {
    /// Audience accounts.
    pub accounts: i64,
    pub read_accounts: i64,
    pub acked_accounts: i64,
    pub read_accounts_pct: f64,
    pub acked_accounts_pct: f64,
    /// Enterprises with at least one audience account.
    pub enterprises: i64,
    /// Enterprises one of whose accounts has read it.
    pub read_enterprises: i64,
    /// Enterprises one of whose accounts has acknowledged it.
    pub acked_enterprises: i64,
    pub read_enterprises_pct: f64,
    pub acked_enterprises_pct: f64,
}

impl Figures {
    fn of(row: &QueryResult) -> AppResult<Figures> {
        let n = |c: &str| row.try_get::<i64>("", c);
        let mut f = Figures {
            accounts: n("accounts")?,
            read_accounts: n("read_accounts")?,
            acked_accounts: n("acked_accounts")?,
            enterprises: n("enterprises")?,
            read_enterprises: n("read_enterprises")?,
            acked_enterprises: n("acked_enterprises")?,
            ..Figures::default()
        };
        f.percentages();
        Ok(f)
    }

    fn add(&mut self, other: &Figures) {
        self.accounts += other.accounts;
        self.read_accounts += other.read_accounts;
        self.acked_accounts += other.acked_accounts;
        self.enterprises += other.enterprises;
        self.read_enterprises += other.read_enterprises;
        self.acked_enterprises += other.acked_enterprises;
        self.percentages();
    }

    fn percentages(&mut self) {
        self.read_accounts_pct = percent(self.read_accounts, self.accounts);
        self.acked_accounts_pct = percent(self.acked_accounts, self.accounts);
        self.read_enterprises_pct = percent(self.read_enterprises, self.enterprises);
        self.acked_enterprises_pct = percent(self.acked_enterprises, self.enterprises);
    }
}

/// One row of a breakdown: a region, an alliance or an enterprise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReachRow {
    pub id: i64,
    pub name: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// The reach of a publication, for its publisher.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReachView {
    pub publication_id: i64,
    pub title: String,
    pub requires_ack: bool,
    pub reminded_at: Option<DateTime<Utc>>,
    /// While a reminder was sent too recently: when the next may go out.
    pub next_reminder_at: Option<DateTime<Utc>>,
    pub totals: Figures,
    /// A bureau's publication: by the region one level below the bureau's (for the city, by
    /// town); empty for a committee's.
    pub by_region: Vec<ReachRow>,
    /// By the alliances (that the publisher may see) the audience's enterprises are approved
    /// members of.
    pub by_alliance: Vec<ReachRow>,
    pub by_enterprise: Paged<ReachRow>,
}

/// The aggregates of the audience's accounts (`users` joined to `enterprises`, and to their
/// reads of `p`): the columns `Figures::of` reads.
fn aggregate(p: &publication::Model) -> SelectStatement {
    use publication_read::Column as R;
    let mut q = Query::select();
    q.from(user::Entity)
        .inner_join(
            enterprise::Entity,
            Expr::col((enterprise::Entity, enterprise::Column::Id))
                .equals((user::Entity, user::Column::EnterpriseId)),
        )
        .left_join(
            publication_read::Entity,
            Condition::all()
                .add(Expr::col((publication_read::Entity, R::PublicationId)).eq(p.id))
                .add(
                    Expr::col((publication_read::Entity, R::UserId))
                        .equals((user::Entity, user::Column::Id)),
                ),
        )
        .cond_where(scope::publication_audience(p));
    for (sql, alias) in [
        (r#"COUNT("users"."id")"#, "accounts"),
        (r#"COUNT("publication_reads"."user_id")"#, "read_accounts"),
        (
            r#"COUNT("publication_reads"."acknowledged_at")"#,
            "acked_accounts",
        ),
        (r#"COUNT(DISTINCT "enterprises"."id")"#, "enterprises"),
        (
            r#"COUNT(DISTINCT CASE WHEN "publication_reads"."user_id" IS NOT NULL THEN "enterprises"."id" END)"#,
            "read_enterprises",
        ),
        (
            r#"COUNT(DISTINCT CASE WHEN "publication_reads"."acknowledged_at" IS NOT NULL THEN "enterprises"."id" END)"#,
            "acked_enterprises",
        ),
    ] {
        q.expr_as(Expr::cust(sql), sea_orm::sea_query::Alias::new(alias));
    }
    q
}

/// The path of the region one level below `publisher_path` on the way to `path` (the
/// publisher's own when `path` is its region).
fn one_below(publisher_path: &str, path: &str) -> String {
    let depth = publisher_path.trim_matches('/').split('/').count();
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    if parts.len() <= depth {
        return publisher_path.to_string();
    }
    format!("/{}/", parts[..=depth].join("/"))
}

/// By region one level below the bureau: the audience grouped by the enterprise's region in SQL,
/// then rolled up to the level below (the regions are few).
async fn by_region(core: &Core, p: &publication::Model) -> AppResult<Vec<ReachRow>> {
    let mut q = aggregate(p);
    q.column((enterprise::Entity, enterprise::Column::RegionPath))
        .group_by_col((enterprise::Entity, enterprise::Column::RegionPath));
    let rows = core.db.query_all(&q).await?;
    let mut rolled: Vec<(String, Figures)> = Vec::new();
    for row in rows {
        let path: String = row.try_get("", "region_path")?;
        let key = one_below(&p.region_path, &path);
        let f = Figures::of(&row)?;
        match rolled.iter_mut().find(|(k, _)| *k == key) {
            Some((_, sum)) => sum.add(&f),
            None => rolled.push((key, f)),
        }
    }
    let regions = region::Entity::find()
        .filter(region::Column::Path.is_in(rolled.iter().map(|(k, _)| k.clone())))
        .all(&core.db)
        .await?;
    let mut out: Vec<ReachRow> = rolled
        .into_iter()
        .filter_map(|(key, figures)| {
            let r = regions.iter().find(|r| r.path == key)?;
            Some(ReachRow {
                id: r.id,
                name: r.name.clone(),
                figures,
            })
        })
        .collect();
    out.sort_by_key(|a| a.id);
    Ok(out)
}

/// By alliance: the audience's approved memberships of the alliances the publisher may see.
async fn by_alliance(
    core: &Core,
    p: &publication::Model,
    publisher: &Scope,
) -> AppResult<Vec<ReachRow>> {
    use alliance_membership::Column as M;
    let mut q = aggregate(p);
    q.inner_join(
        alliance_membership::Entity,
        Condition::all()
            .add(
                Expr::col((alliance_membership::Entity, M::EnterpriseId))
                    .equals((enterprise::Entity, enterprise::Column::Id)),
            )
            .add(
                Expr::col((alliance_membership::Entity, M::Status)).eq(MembershipStatus::Approved),
            ),
    )
    .inner_join(
        alliance::Entity,
        Expr::col((alliance::Entity, alliance::Column::Id))
            .equals((alliance_membership::Entity, M::AllianceId)),
    )
    .cond_where(scope::alliances(publisher))
    .column((alliance::Entity, alliance::Column::Id))
    .column((alliance::Entity, alliance::Column::Name))
    .group_by_col((alliance::Entity, alliance::Column::Id))
    .group_by_col((alliance::Entity, alliance::Column::Name))
    .order_by((alliance::Entity, alliance::Column::Id), Order::Asc);
    core.db
        .query_all(&q)
        .await?
        .iter()
        .map(|row| {
            Ok(ReachRow {
                id: row.try_get("", "id")?,
                name: row.try_get("", "name")?,
                figures: Figures::of(row)?,
            })
        })
        .collect()
}

/// By enterprise, one page, in the order of registration.
async fn by_enterprise(
    core: &Core,
    p: &publication::Model,
    page: PageParams,
) -> AppResult<Paged<ReachRow>> {
    let mut q = aggregate(p);
    q.column((enterprise::Entity, enterprise::Column::Id))
        .column((enterprise::Entity, enterprise::Column::Name))
        .group_by_col((enterprise::Entity, enterprise::Column::Id))
        .group_by_col((enterprise::Entity, enterprise::Column::Name));
    let key = Key::new("reach").asc(enterprise::Column::Id);
    let (rows, info) = keyset::page_rows(core, q, &key, &page).await?;
    let items = rows
        .iter()
        .map(|row| {
            Ok(ReachRow {
                id: row.try_get("", "id")?,
                name: row.try_get("", "name")?,
                figures: Figures::of(row)?,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(info.with(items))
}

/// The reach of publication `id` for its publisher (404 for anyone else).
pub async fn figures(
    core: &Core,
    caller: &Caller,
    id: i64,
    page: PageParams,
) -> AppResult<ReachView> {
    let publisher = Publisher::of(caller)?;
    let p = publication::Entity::find_by_id(id)
        .filter(scope::publications(&caller.scope))
        .filter(publisher.manages())
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let totals = match core.db.query_one(&aggregate(&p)).await? {
        Some(row) => Figures::of(&row)?,
        None => Figures::default(),
    };
    let by_region = match publisher {
        Publisher::Region { .. } => by_region(core, &p).await?,
        Publisher::Alliance { .. } => Vec::new(),
    };
    let by_alliance = by_alliance(core, &p, &caller.scope).await?;
    let by_enterprise = by_enterprise(core, &p, page).await?;
    Ok(ReachView {
        publication_id: p.id,
        title: p.title.clone(),
        requires_ack: p.requires_ack,
        reminded_at: p.reminded_at,
        next_reminder_at: next_reminder_at(p.reminded_at, core.now()),
        totals,
        by_region,
        by_alliance,
        by_enterprise,
    })
}

#[cfg(test)]
mod tests {
    use super::one_below;

    #[test]
    fn a_city_counts_by_town_and_a_town_by_village() {
        let village = "/330381/330381101/330381101201/";
        assert_eq!(one_below("/330381/", village), "/330381/330381101/");
        assert_eq!(
            one_below("/330381/330381101/", village),
            "/330381/330381101/330381101201/"
        );
        assert_eq!(one_below("/330381/", "/330381/"), "/330381/");
    }
}
