//! The queues' conditions answered from one index each, without reading the rows.
//!
//! - `hazards.listed` and `hazards.extension_pending`: the hazard's copies of whether it is on
//!   the supervision list (挂牌督办) now and whether an extension request awaits its decision,
//!   written in the same transaction as the listing, its release, the request and its
//!   decision (`services::hazards::set_copied`), and filled here from those tables. The queues
//!   asked `id IN (SELECT hazard_id FROM supervisions …)` and the like, which read the city's
//!   whole list for every statement or looked up every candidate row.
//! - `(state, updated_at, id)` becomes `(state, updated_at, id, level, alliance_id,
//!   enterprise_id, region_path, listed)`: the verification queue reads one state in the order
//!   of `updated_at`, and the further columns hold everything its scope tests (the bureau's
//!   region and major, alliance-less or listed hazards; a committee's alliance and members), so
//!   a count of the evidence a city bureau verifies reads the index alone.
//! - `(extension_pending, updated_at, id, state, level, alliance_id, region_path)`: the pending
//!   extension requests in the queue's order, their scope tested from the index.
//! - `(enterprise_id, found_at, id)` gains `alliance_id`: a committee's second part (its
//!   members' hazards found outside the alliance) is counted from the index alone.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `(name, table, columns)` of an index.
type Def = (&'static str, &'static str, &'static [&'static str]);

const OLD: &[Def] = &[
    (
        "idx_hazards_state_updated",
        "hazards",
        &["state", "updated_at", "id"],
    ),
    (
        "idx_hazards_enterprise_found",
        "hazards",
        &["enterprise_id", "found_at", "id"],
    ),
];

const NEW: &[Def] = &[
    (
        "idx_hazards_state_updated_scope",
        "hazards",
        &[
            "state",
            "updated_at",
            "id",
            "level",
            "alliance_id",
            "enterprise_id",
            "region_path",
            "listed",
        ],
    ),
    (
        "idx_hazards_enterprise_found_alliance",
        "hazards",
        &["enterprise_id", "found_at", "id", "alliance_id"],
    ),
    (
        "idx_hazards_extension_pending",
        "hazards",
        &[
            "extension_pending",
            "updated_at",
            "id",
            "state",
            "level",
            "alliance_id",
            "region_path",
        ],
    ),
];

async fn swap(manager: &SchemaManager<'_>, from: &[Def], to: &[Def]) -> Result<(), DbErr> {
    for (name, table, cols) in to {
        let mut index = Index::create();
        index.name(*name).table(Alias::new(*table));
        for col in *cols {
            index.col(Alias::new(*col));
        }
        manager.create_index(index).await?;
    }
    for (name, table, _) in from {
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

/// The copied columns, each filled from its source.
const COPIES: &[(&str, &str)] = &[
    (
        "listed",
        "SELECT hazard_id FROM supervisions WHERE status = 'listed'",
    ),
    (
        "extension_pending",
        "SELECT hazard_id FROM extension_requests WHERE status = 'pending'",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (column, source) in COPIES {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new("hazards"))
                        .add_column(
                            ColumnDef::new(Alias::new(*column))
                                .boolean()
                                .not_null()
                                .default(false),
                        )
                        .to_owned(),
                )
                .await?;
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    "UPDATE hazards SET {column} = TRUE WHERE id IN ({source})"
                ))
                .await?;
        }
        swap(manager, OLD, NEW).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        swap(manager, NEW, OLD).await?;
        for (column, _) in COPIES {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new("hazards"))
                        .drop_column(Alias::new(*column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
