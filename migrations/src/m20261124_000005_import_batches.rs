//! Spreadsheet imports: one row per uploaded file, holding its validation progress, the
//! per-row problems and the rows ready to write until the user confirms them.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ImportBatches {
    Table,
    Id,
    Kind,
    FileName,
    CreatedBy,
    Status,
    TotalRows,
    ProcessedRows,
    ValidRows,
    ErrorRows,
    CreatedRows,
    UpdatedRows,
    UnchangedRows,
    Errors,
    Payload,
    CreatedAt,
    UpdatedAt,
    CommittedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ImportBatches::Table)
                    .col(big_pk_auto(ImportBatches::Id))
                    .col(string_len(ImportBatches::Kind, 32))
                    .col(string_len(ImportBatches::FileName, 255))
                    .col(big_integer(ImportBatches::CreatedBy))
                    .col(string_len(ImportBatches::Status, 16))
                    .col(integer(ImportBatches::TotalRows))
                    .col(integer(ImportBatches::ProcessedRows))
                    .col(integer(ImportBatches::ValidRows))
                    .col(integer(ImportBatches::ErrorRows))
                    .col(integer(ImportBatches::CreatedRows))
                    .col(integer(ImportBatches::UpdatedRows))
                    .col(integer(ImportBatches::UnchangedRows))
                    .col(text(ImportBatches::Errors))
                    .col(text(ImportBatches::Payload))
                    .col(timestamp_with_time_zone(ImportBatches::CreatedAt))
                    .col(timestamp_with_time_zone(ImportBatches::UpdatedAt))
                    .col(timestamp_with_time_zone_null(ImportBatches::CommittedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ImportBatches::Table, ImportBatches::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_import_batches_created_by",
            ImportBatches::Table,
            ImportBatches::CreatedBy,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ImportBatches::Table).to_owned())
            .await
    }
}
