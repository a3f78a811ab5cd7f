//! Login rate-limit counters: one row per (key, window), shared by every instance.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LoginThrottle {
    Table,
    Key,
    WindowStart,
    Hits,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LoginThrottle::Table)
                    .col(string_len(LoginThrottle::Key, 200))
                    .col(big_integer(LoginThrottle::WindowStart))
                    .col(integer(LoginThrottle::Hits))
                    .primary_key(
                        Index::create()
                            .col(LoginThrottle::Key)
                            .col(LoginThrottle::WindowStart),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_login_throttle_window")
                    .table(LoginThrottle::Table)
                    .col(LoginThrottle::WindowStart)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LoginThrottle::Table).to_owned())
            .await
    }
}
