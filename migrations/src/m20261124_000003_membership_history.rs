//! Membership history: `membership_events`, one immutable row per transition of an alliance
//! membership (who, from, to, why, when), and one membership row per (alliance, enterprise):
//! re-applying after a rejection or leaving reuses the row, the events keep the past.
//! Existing memberships get their current status as a first event.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MembershipEvents {
    Table,
    Id,
    MembershipId,
    AllianceId,
    EnterpriseId,
    FromStatus,
    ToStatus,
    ActorUserId,
    ActorName,
    Reason,
    At,
}

#[derive(DeriveIden)]
enum AllianceMemberships {
    Table,
    Id,
    AllianceId,
    EnterpriseId,
}

#[derive(DeriveIden)]
enum Alliances {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Enterprises {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

const UNIQUE_MEMBERSHIP: &str = "uq_memberships_alliance_enterprise";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(UNIQUE_MEMBERSHIP)
                    .table(AllianceMemberships::Table)
                    .col(AllianceMemberships::AllianceId)
                    .col(AllianceMemberships::EnterpriseId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MembershipEvents::Table)
                    .col(big_pk_auto(MembershipEvents::Id))
                    .col(big_integer(MembershipEvents::MembershipId))
                    .col(big_integer(MembershipEvents::AllianceId))
                    .col(big_integer(MembershipEvents::EnterpriseId))
                    .col(string_len_null(MembershipEvents::FromStatus, 16))
                    .col(string_len(MembershipEvents::ToStatus, 16))
                    .col(big_integer_null(MembershipEvents::ActorUserId))
                    .col(string_len(MembershipEvents::ActorName, 64))
                    .col(text_null(MembershipEvents::Reason))
                    .col(timestamp_with_time_zone(MembershipEvents::At))
                    .foreign_key(
                        ForeignKey::create()
                            .from(MembershipEvents::Table, MembershipEvents::MembershipId)
                            .to(AllianceMemberships::Table, AllianceMemberships::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MembershipEvents::Table, MembershipEvents::AllianceId)
                            .to(Alliances::Table, Alliances::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MembershipEvents::Table, MembershipEvents::EnterpriseId)
                            .to(Enterprises::Table, Enterprises::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MembershipEvents::Table, MembershipEvents::ActorUserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_membership_events_membership",
            MembershipEvents::Table,
            MembershipEvents::MembershipId,
        )
        .await?;
        index(
            manager,
            "idx_membership_events_alliance",
            MembershipEvents::Table,
            MembershipEvents::AllianceId,
        )
        .await?;
        index(
            manager,
            "idx_membership_events_enterprise",
            MembershipEvents::Table,
            MembershipEvents::EnterpriseId,
        )
        .await?;
        // Memberships that existed before the history did get their current status as their
        // first event, so no history is empty. (A fresh database has none: the seed writes
        // its own events.)
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO membership_events \
                   (membership_id, alliance_id, enterprise_id, from_status, to_status, \
                    actor_user_id, actor_name, reason, at) \
                 SELECT id, alliance_id, enterprise_id, NULL, status, NULL, 'system', reason, \
                        COALESCE(decided_at, applied_at) \
                 FROM alliance_memberships",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MembershipEvents::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(UNIQUE_MEMBERSHIP)
                    .table(AllianceMemberships::Table)
                    .to_owned(),
            )
            .await
    }
}
