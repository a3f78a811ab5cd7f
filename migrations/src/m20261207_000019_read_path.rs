//! The read path at city scale (20,000 enterprises, 500,000 hazards, 2,000,000 timeline rows):
//! composite indexes whose columns are each list's filter followed by its order, so a page is
//! read from an index in order (and the keyset predicate `(a, id) < (?, ?)` seeks in it), and
//! the region-path columns byte-ordered on PostgreSQL.
//!
//! - Region subtree match: `path >= p AND path < p'` (`scope::in_subtree`). On PostgreSQL that
//!   range is byte order only under the C collation, so every region-path column gets
//!   `COLLATE "C"` whatever the database's default collation is (SQLite compares text
//!   bytewise already). PostgreSQL also gets `likely(boolean)`, the identity (an inlined SQL
//!   function, so the range stays an index condition): SQLite's built-in `likely()` is the hint
//!   that tells its planner, which keeps no statistics on ranges, that a subtree holds most
//!   rows, so an ordered page reads the order index and checks the range instead of sorting
//!   the whole subtree (a city bureau's 500,000 hazards); counts still read the range index.
//! - Indexes: the list order alone (`found_at, id` …) for the admin and the region scopes;
//!   each scope's key followed by the order for the others; the single-column indexes they
//!   begin with are dropped.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `(name, table, columns)` of an index.
type Def = (&'static str, &'static str, &'static [&'static str]);

/// The indexes this step creates.
const CREATED: &[Def] = &[
    // 隐患: newest first in every scope, the queue's longest waiting first.
    ("idx_hazards_found", "hazards", &["found_at", "id"]),
    (
        "idx_hazards_region_found",
        "hazards",
        &["region_path", "found_at", "id"],
    ),
    (
        "idx_hazards_enterprise_found",
        "hazards",
        &["enterprise_id", "found_at", "id"],
    ),
    (
        "idx_hazards_reporter_found",
        "hazards",
        &["reporter_enterprise_id", "found_at", "id"],
    ),
    (
        "idx_hazards_alliance_found",
        "hazards",
        &["alliance_id", "found_at", "id"],
    ),
    (
        "idx_hazards_expert_found",
        "hazards",
        &["reporter_expert_id", "found_at", "id"],
    ),
    (
        "idx_hazards_state_found",
        "hazards",
        &["state", "found_at", "id"],
    ),
    (
        "idx_hazards_state_updated",
        "hazards",
        &["state", "updated_at", "id"],
    ),
    // The timeline, oldest first.
    (
        "idx_hazard_events_hazard_at",
        "hazard_events",
        &["hazard_id", "at", "id"],
    ),
    // 检查: latest planned first.
    (
        "idx_inspections_planned",
        "inspections",
        &["planned_on", "id"],
    ),
    (
        "idx_inspections_region_planned",
        "inspections",
        &["region_path", "planned_on", "id"],
    ),
    (
        "idx_inspections_inspected_planned",
        "inspections",
        &["inspected_enterprise_id", "planned_on", "id"],
    ),
    (
        "idx_inspections_inspecting_planned",
        "inspections",
        &["inspecting_enterprise_id", "planned_on", "id"],
    ),
    (
        "idx_inspections_alliance_planned",
        "inspections",
        &["alliance_id", "planned_on", "id"],
    ),
    (
        "idx_inspections_expert_planned",
        "inspections",
        &["inspecting_expert_id", "planned_on", "id"],
    ),
    // A round's status: which inspections a draft round still hides.
    (
        "idx_inspection_rounds_status",
        "inspection_rounds",
        &["status", "id"],
    ),
    // The enterprise register, by name.
    ("idx_enterprises_name_id", "enterprises", &["name", "id"]),
    (
        "idx_enterprises_region_name",
        "enterprises",
        &["region_path", "name", "id"],
    ),
    // Memberships, oldest first, of an alliance or of an enterprise.
    (
        "idx_memberships_alliance_id",
        "alliance_memberships",
        &["alliance_id", "id"],
    ),
    (
        "idx_memberships_enterprise_id",
        "alliance_memberships",
        &["enterprise_id", "id"],
    ),
    // 挂牌督办: still listed first, earliest deadline first.
    (
        "idx_supervisions_status_deadline",
        "supervisions",
        &["status", "deadline", "id"],
    ),
    (
        "idx_supervisions_region_status",
        "supervisions",
        &["region_path", "status", "deadline", "id"],
    ),
    // 站内信: a user's, newest first, all or unread.
    (
        "idx_notifications_user_created",
        "notifications",
        &["user_id", "created_at", "id"],
    ),
    (
        "idx_notifications_user_unread",
        "notifications",
        &["user_id", "read_at", "created_at", "id"],
    ),
    // The audit log, newest first: everything, a region's, one actor's.
    ("idx_audit_at_id", "audit_logs", &["at", "id"]),
    (
        "idx_audit_region_at",
        "audit_logs",
        &["region_path", "at", "id"],
    ),
    (
        "idx_audit_actor_at",
        "audit_logs",
        &["actor_user_id", "at", "id"],
    ),
    // 专家服务申请: newest first in every scope.
    (
        "idx_expert_requests_created",
        "expert_requests",
        &["created_at", "id"],
    ),
    (
        "idx_expert_requests_region_created_id",
        "expert_requests",
        &["region_path", "created_at", "id"],
    ),
    (
        "idx_expert_requests_enterprise_created_id",
        "expert_requests",
        &["enterprise_id", "created_at", "id"],
    ),
    (
        "idx_expert_requests_alliance_created_id",
        "expert_requests",
        &["alliance_id", "created_at", "id"],
    ),
];

/// The indexes the new ones begin with (so they serve every query these did), dropped.
const DROPPED: &[Def] = &[
    ("idx_hazards_region_path", "hazards", &["region_path"]),
    ("idx_hazards_enterprise", "hazards", &["enterprise_id"]),
    ("idx_hazards_alliance", "hazards", &["alliance_id"]),
    ("idx_hazards_state", "hazards", &["state"]),
    (
        "idx_hazards_reporter_expert",
        "hazards",
        &["reporter_expert_id", "found_at"],
    ),
    ("idx_hazard_events_hazard", "hazard_events", &["hazard_id"]),
    (
        "idx_inspections_region_path",
        "inspections",
        &["region_path"],
    ),
    (
        "idx_inspections_inspected",
        "inspections",
        &["inspected_enterprise_id"],
    ),
    (
        "idx_inspections_inspecting",
        "inspections",
        &["inspecting_enterprise_id"],
    ),
    ("idx_inspections_alliance", "inspections", &["alliance_id"]),
    (
        "idx_inspections_expert",
        "inspections",
        &["inspecting_expert_id", "planned_on"],
    ),
    ("idx_enterprises_name", "enterprises", &["name"]),
    (
        "idx_enterprises_region_path",
        "enterprises",
        &["region_path"],
    ),
    (
        "idx_memberships_enterprise",
        "alliance_memberships",
        &["enterprise_id"],
    ),
    (
        "idx_supervisions_region_path",
        "supervisions",
        &["region_path"],
    ),
    (
        "idx_notifications_user_read",
        "notifications",
        &["user_id", "read_at"],
    ),
    ("idx_audit_at", "audit_logs", &["at"]),
    ("idx_audit_region_path", "audit_logs", &["region_path"]),
    (
        "idx_expert_requests_region_created",
        "expert_requests",
        &["region_path", "created_at"],
    ),
    (
        "idx_expert_requests_enterprise_created",
        "expert_requests",
        &["enterprise_id", "created_at"],
    ),
    (
        "idx_expert_requests_alliance_created",
        "expert_requests",
        &["alliance_id", "created_at"],
    ),
];

/// Every column holding a region path (the region's own, and the copies on the rows a bureau
/// lists by region). All are `varchar(255)`.
const PATH_COLUMNS: &[(&str, &str)] = &[
    ("regions", "path"),
    ("enterprises", "region_path"),
    ("alliances", "region_path"),
    ("audit_logs", "region_path"),
    ("checklist_templates", "region_path"),
    ("inspections", "region_path"),
    ("hazards", "region_path"),
    ("attachments", "region_path"),
    ("supervisions", "region_path"),
    ("publications", "region_path"),
    ("expert_requests", "region_path"),
    ("experts", "region_path"),
];

async fn create(manager: &SchemaManager<'_>, defs: &[Def]) -> Result<(), DbErr> {
    for (name, table, cols) in defs {
        let mut index = Index::create();
        index.name(*name).table(Alias::new(*table));
        for col in *cols {
            index.col(Alias::new(*col));
        }
        manager.create_index(index).await?;
    }
    Ok(())
}

async fn drop(manager: &SchemaManager<'_>, defs: &[Def]) -> Result<(), DbErr> {
    for (name, table, _) in defs {
        manager
            .drop_index(
                Index::drop()
                    .name(*name)
                    .table(Alias::new(*table))
                    .to_owned(),
            )
            .await?;
    }
    Ok(())
}

/// PostgreSQL: the path columns in `collation`, and `likely` (see the module comment).
async fn postgres_paths(manager: &SchemaManager<'_>, collation: &str) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let conn = manager.get_connection();
    for (table, col) in PATH_COLUMNS {
        conn.execute_unprepared(&format!(
            "ALTER TABLE {table} ALTER COLUMN {col} TYPE varchar(255) COLLATE {collation}"
        ))
        .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop(manager, DROPPED).await?;
        postgres_paths(manager, "\"C\"").await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    "CREATE FUNCTION likely(boolean) RETURNS boolean \
                     LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT $1'",
                )
                .await?;
        }
        create(manager, CREATED).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop(manager, CREATED).await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION likely(boolean)")
                .await?;
        }
        postgres_paths(manager, "\"default\"").await?;
        create(manager, DROPPED).await
    }
}
