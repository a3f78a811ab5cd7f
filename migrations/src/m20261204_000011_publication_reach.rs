//! 宣传覆盖 (the reach of a publication): a publication may require acknowledgement and
//! remembers when its publisher last sent a reminder; `publication_reads` holds each
//! enterprise account's first read and acknowledgement (once per account), indexed by
//! publication and enterprise for the reach figures; `users.enterprise_id` is indexed for the
//! audience (the enterprise accounts of the enterprises a publication reaches).

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{add_column, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Publications {
    Table,
    Id,
    RequiresAck,
    RemindedAt,
}

#[derive(DeriveIden)]
enum PublicationReads {
    Table,
    PublicationId,
    UserId,
    EnterpriseId,
    FirstReadAt,
    AcknowledgedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    EnterpriseId,
}

#[derive(DeriveIden)]
enum Enterprises {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_column(
            manager,
            Publications::Table,
            boolean(Publications::RequiresAck).default(false).to_owned(),
        )
        .await?;
        add_column(
            manager,
            Publications::Table,
            timestamp_with_time_zone_null(Publications::RemindedAt),
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(PublicationReads::Table)
                    .col(big_integer(PublicationReads::PublicationId))
                    .col(big_integer(PublicationReads::UserId))
                    .col(big_integer(PublicationReads::EnterpriseId))
                    .col(timestamp_with_time_zone(PublicationReads::FirstReadAt))
                    .col(timestamp_with_time_zone_null(
                        PublicationReads::AcknowledgedAt,
                    ))
                    .primary_key(
                        Index::create()
                            .col(PublicationReads::PublicationId)
                            .col(PublicationReads::UserId),
                    )
                    .foreign_key(&mut fk(
                        PublicationReads::Table,
                        PublicationReads::PublicationId,
                        Publications::Table,
                        Publications::Id,
                    ))
                    .foreign_key(&mut fk(
                        PublicationReads::Table,
                        PublicationReads::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .foreign_key(&mut fk(
                        PublicationReads::Table,
                        PublicationReads::EnterpriseId,
                        Enterprises::Table,
                        Enterprises::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_publication_reads_enterprise")
                    .table(PublicationReads::Table)
                    .col(PublicationReads::PublicationId)
                    .col(PublicationReads::EnterpriseId)
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_users_enterprise",
            Users::Table,
            Users::EnterpriseId,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_users_enterprise")
                    .table(Users::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(PublicationReads::Table).to_owned())
            .await?;
        for col in [Publications::RemindedAt, Publications::RequiresAck] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Publications::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
