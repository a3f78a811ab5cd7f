//! The visit of an expert is an inspection (kind `expert`): an inspection's inspecting party is
//! an enterprise or an expert (`inspecting_expert_id`), and a hazard found by an expert names it
//! (`reporter_expert_id`). Both are indexed for the expert's own lists. A visit scheduled by a
//! service request names it (`expert_request_id`), so the request lists its visits and their
//! findings.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Added with a foreign key on both engines (SQLite accepts `REFERENCES` on an added column
/// whose default is NULL).
const UP: &[&str] = &[
    "ALTER TABLE inspections ADD COLUMN inspecting_expert_id BIGINT NULL REFERENCES experts(id)",
    "ALTER TABLE hazards ADD COLUMN reporter_expert_id BIGINT NULL REFERENCES experts(id)",
    "ALTER TABLE inspections ADD COLUMN expert_request_id BIGINT NULL REFERENCES expert_requests(id)",
    "CREATE INDEX idx_inspections_expert ON inspections (inspecting_expert_id, planned_on)",
    "CREATE INDEX idx_inspections_expert_request ON inspections (expert_request_id)",
    "CREATE INDEX idx_hazards_reporter_expert ON hazards (reporter_expert_id, found_at)",
];

const DOWN: &[&str] = &[
    "DROP INDEX idx_hazards_reporter_expert",
    "DROP INDEX idx_inspections_expert_request",
    "DROP INDEX idx_inspections_expert",
    "ALTER TABLE hazards DROP COLUMN reporter_expert_id",
    "ALTER TABLE inspections DROP COLUMN expert_request_id",
    "ALTER TABLE inspections DROP COLUMN inspecting_expert_id",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for sql in UP {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for sql in DOWN {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
