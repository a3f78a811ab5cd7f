//! The expert pool's accounts and search: an expert carries its region's path (copied at
//! registration and when its region changes, as enterprises do), so "the experts in my
//! subtree / on my path" is a match on an indexed column; the account of an expert is found
//! by `users.expert_id`.

use sea_orm_migration::sea_orm::ConnectionTrait;
use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{add_column, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Experts {
    Table,
    RegionPath,
    Name,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    ExpertId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_column(
            manager,
            Experts::Table,
            string_len(Experts::RegionPath, 255).default("").to_owned(),
        )
        .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE experts SET region_path = \
                 (SELECT path FROM regions WHERE regions.id = experts.region_id)",
            )
            .await?;
        // The pool by region (subtree prefix, path list), in name order.
        manager
            .create_index(
                Index::create()
                    .name("idx_experts_region_path_name")
                    .table(Experts::Table)
                    .col(Experts::RegionPath)
                    .col(Experts::Name)
                    .to_owned(),
            )
            .await?;
        // The pool in name order (the admin's list, the name filter's rows).
        index(manager, "idx_experts_name", Experts::Table, Experts::Name).await?;
        index(manager, "idx_users_expert", Users::Table, Users::ExpertId).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            ("idx_users_expert", Users::Table.into_iden()),
            ("idx_experts_name", Experts::Table.into_iden()),
            ("idx_experts_region_path_name", Experts::Table.into_iden()),
        ] {
            manager
                .drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Experts::Table)
                    .drop_column(Experts::RegionPath)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
