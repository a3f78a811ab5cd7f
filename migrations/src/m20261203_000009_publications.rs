//! The regulations and notices library (法律法规 / 通知公告): publications with their industry
//! and risk tags and their PDF files, and the text search over titles and bodies. SQLite keeps
//! an FTS5 table with the trigram tokenizer (external content, kept in step by triggers);
//! PostgreSQL keeps a `pg_trgm` GIN index on the title and the body joined
//! (`title || ' ' || body`, the expression the search uses).

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Publications {
    Table,
    Id,
    Kind,
    Title,
    DocNumber,
    Issuer,
    PublishedOn,
    EffectiveOn,
    Status,
    SupersededBy,
    Body,
    IsPublic,
    RegionId,
    AllianceId,
    RegionPath,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PublicationIndustries {
    Table,
    PublicationId,
    IndustryCode,
}

#[derive(DeriveIden)]
enum PublicationRiskTags {
    Table,
    PublicationId,
    TagCode,
}

#[derive(DeriveIden)]
enum PublicationFiles {
    Table,
    Id,
    PublicationId,
    StorageKey,
    OriginalName,
    ContentType,
    SizeBytes,
    Sha256,
    UploadedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Regions {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Alliances {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Industries {
    Table,
    Code,
}

#[derive(DeriveIden)]
enum RiskTags {
    Table,
    Code,
}

/// SQLite: the trigram FTS5 table over `publications(title, body)` and the triggers that keep
/// it in step (the `delete` command form, as external-content tables need).
const SQLITE_FTS: &[&str] = &[
    "CREATE VIRTUAL TABLE publications_fts USING fts5(title, body, content='publications', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER publications_fts_ai AFTER INSERT ON publications BEGIN \
       INSERT INTO publications_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER publications_fts_ad AFTER DELETE ON publications BEGIN \
       INSERT INTO publications_fts(publications_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER publications_fts_au AFTER UPDATE OF title, body ON publications BEGIN \
       INSERT INTO publications_fts(publications_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); \
       INSERT INTO publications_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
];

/// PostgreSQL: trigram GIN indexes serving `ILIKE '%…%'` on the title and the body.
const POSTGRES_TRGM: &[&str] = &[
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX idx_publications_text_trgm ON publications USING gin ((title || ' ' || body) gin_trgm_ops)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Publications::Table)
                    .col(big_pk_auto(Publications::Id))
                    .col(string_len(Publications::Kind, 32))
                    .col(string_len(Publications::Title, 200))
                    .col(string_len_null(Publications::DocNumber, 100))
                    .col(string_len(Publications::Issuer, 100))
                    .col(date(Publications::PublishedOn))
                    .col(date_null(Publications::EffectiveOn))
                    .col(string_len(Publications::Status, 16))
                    .col(big_integer_null(Publications::SupersededBy))
                    .col(text(Publications::Body))
                    .col(boolean(Publications::IsPublic))
                    .col(big_integer_null(Publications::RegionId))
                    .col(big_integer_null(Publications::AllianceId))
                    .col(string_len(Publications::RegionPath, 255))
                    .col(big_integer_null(Publications::CreatedBy))
                    .col(timestamp_with_time_zone(Publications::CreatedAt))
                    .col(timestamp_with_time_zone(Publications::UpdatedAt))
                    .foreign_key(&mut fk(
                        Publications::Table,
                        Publications::SupersededBy,
                        Publications::Table,
                        Publications::Id,
                    ))
                    .foreign_key(&mut fk(
                        Publications::Table,
                        Publications::RegionId,
                        Regions::Table,
                        Regions::Id,
                    ))
                    .foreign_key(&mut fk(
                        Publications::Table,
                        Publications::AllianceId,
                        Alliances::Table,
                        Alliances::Id,
                    ))
                    .foreign_key(&mut fk(
                        Publications::Table,
                        Publications::CreatedBy,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_publications_region_path",
            Publications::Table,
            Publications::RegionPath,
        )
        .await?;
        index(
            manager,
            "idx_publications_alliance",
            Publications::Table,
            Publications::AllianceId,
        )
        .await?;
        index(
            manager,
            "idx_publications_published_on",
            Publications::Table,
            Publications::PublishedOn,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(PublicationIndustries::Table)
                    .col(big_integer(PublicationIndustries::PublicationId))
                    .col(string_len(PublicationIndustries::IndustryCode, 8))
                    .primary_key(
                        Index::create()
                            .col(PublicationIndustries::PublicationId)
                            .col(PublicationIndustries::IndustryCode),
                    )
                    .foreign_key(&mut fk(
                        PublicationIndustries::Table,
                        PublicationIndustries::PublicationId,
                        Publications::Table,
                        Publications::Id,
                    ))
                    .foreign_key(&mut fk(
                        PublicationIndustries::Table,
                        PublicationIndustries::IndustryCode,
                        Industries::Table,
                        Industries::Code,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PublicationRiskTags::Table)
                    .col(big_integer(PublicationRiskTags::PublicationId))
                    .col(string_len(PublicationRiskTags::TagCode, 32))
                    .primary_key(
                        Index::create()
                            .col(PublicationRiskTags::PublicationId)
                            .col(PublicationRiskTags::TagCode),
                    )
                    .foreign_key(&mut fk(
                        PublicationRiskTags::Table,
                        PublicationRiskTags::PublicationId,
                        Publications::Table,
                        Publications::Id,
                    ))
                    .foreign_key(&mut fk(
                        PublicationRiskTags::Table,
                        PublicationRiskTags::TagCode,
                        RiskTags::Table,
                        RiskTags::Code,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PublicationFiles::Table)
                    .col(big_pk_auto(PublicationFiles::Id))
                    .col(big_integer(PublicationFiles::PublicationId))
                    .col(string_len_uniq(PublicationFiles::StorageKey, 128))
                    .col(string_len(PublicationFiles::OriginalName, 255))
                    .col(string_len(PublicationFiles::ContentType, 64))
                    .col(big_integer(PublicationFiles::SizeBytes))
                    .col(char_len(PublicationFiles::Sha256, 64))
                    .col(big_integer_null(PublicationFiles::UploadedBy))
                    .col(timestamp_with_time_zone(PublicationFiles::CreatedAt))
                    .foreign_key(&mut fk(
                        PublicationFiles::Table,
                        PublicationFiles::PublicationId,
                        Publications::Table,
                        Publications::Id,
                    ))
                    .foreign_key(&mut fk(
                        PublicationFiles::Table,
                        PublicationFiles::UploadedBy,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_publication_files_publication",
            PublicationFiles::Table,
            PublicationFiles::PublicationId,
        )
        .await?;
        let statements = match manager.get_database_backend() {
            sea_orm::DbBackend::Postgres => POSTGRES_TRGM,
            _ => SQLITE_FTS,
        };
        let db = manager.get_connection();
        for sql in statements {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != sea_orm::DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP TABLE IF EXISTS publications_fts")
                .await?;
        }
        for table in [
            PublicationFiles::Table.into_iden(),
            PublicationRiskTags::Table.into_iden(),
            PublicationIndustries::Table.into_iden(),
            Publications::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
