//! A checklist item's and a hazard's legal basis may link to a publication of the library
//! (`basis_publication_id`, nullable, a foreign key to `publications`). The free text stays as
//! written; the article shown (第十条 …) is read from it, so no article column is kept.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ChecklistItems {
    Table,
    BasisPublicationId,
}

#[derive(DeriveIden)]
enum Hazards {
    Table,
    BasisPublicationId,
}

/// The same statement on both engines: SQLite adds a column with a `REFERENCES` clause (its
/// default is NULL), which sea-query's portable foreign-key alteration cannot say there.
const ADD: [&str; 2] = [
    "ALTER TABLE checklist_items ADD COLUMN basis_publication_id BIGINT NULL REFERENCES publications (id)",
    "ALTER TABLE hazards ADD COLUMN basis_publication_id BIGINT NULL REFERENCES publications (id)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for sql in ADD {
            db.execute_unprepared(sql).await?;
        }
        index(
            manager,
            "idx_checklist_items_basis_publication",
            ChecklistItems::Table,
            ChecklistItems::BasisPublicationId,
        )
        .await?;
        index(
            manager,
            "idx_hazards_basis_publication",
            Hazards::Table,
            Hazards::BasisPublicationId,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            (
                "idx_checklist_items_basis_publication",
                ChecklistItems::Table.into_iden(),
            ),
            ("idx_hazards_basis_publication", Hazards::Table.into_iden()),
        ] {
            manager
                .drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(ChecklistItems::Table)
                    .drop_column(ChecklistItems::BasisPublicationId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Hazards::Table)
                    .drop_column(Hazards::BasisPublicationId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
