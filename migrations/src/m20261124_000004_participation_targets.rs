//! Participation targets (参盟率目标): at most one per region, a whole percent 0..=100 set by
//! the bureau; it applies to the region's subtree unless a descendant has its own (the
//! inheritance is computed by the service; without any target the default is 80).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ParticipationTargets {
    Table,
    RegionId,
    TargetPercent,
    SetByUserId,
    SetAt,
}

#[derive(DeriveIden)]
enum Regions {
    Table,
    Id,
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
                    .table(ParticipationTargets::Table)
                    // One target per region: the region is the key.
                    .col(big_integer(ParticipationTargets::RegionId).primary_key())
                    .col(
                        integer(ParticipationTargets::TargetPercent)
                            .check(Expr::col(ParticipationTargets::TargetPercent).between(0, 100)),
                    )
                    .col(big_integer_null(ParticipationTargets::SetByUserId))
                    .col(timestamp_with_time_zone(ParticipationTargets::SetAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ParticipationTargets::Table, ParticipationTargets::RegionId)
                            .to(Regions::Table, Regions::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                ParticipationTargets::Table,
                                ParticipationTargets::SetByUserId,
                            )
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ParticipationTargets::Table).to_owned())
            .await
    }
}
