//! Identity and accountability: user accounts with their tenant binding, login sessions
//! (revocable tokens) and the audit log.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    DisplayName,
    PasswordHash,
    Role,
    RegionId,
    AllianceId,
    EnterpriseId,
    ExpertId,
    Email,
    Phone,
    Active,
    FailedLogins,
    LockedUntil,
    PasswordChangedAt,
    LastLoginAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    Kind,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    RevokedAt,
    Ip,
    UserAgent,
}

#[derive(DeriveIden)]
enum AuditLogs {
    Table,
    Id,
    At,
    ActorUserId,
    ActorName,
    ActorRole,
    Tenant,
    RegionPath,
    Ip,
    Action,
    TargetType,
    TargetId,
    Outcome,
    Detail,
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
enum Enterprises {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Experts {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(big_pk_auto(Users::Id))
                    .col(string_len_uniq(Users::Username, 64))
                    .col(string_len(Users::DisplayName, 64))
                    .col(string_len(Users::PasswordHash, 255))
                    .col(string_len(Users::Role, 24))
                    .col(big_integer_null(Users::RegionId))
                    .col(big_integer_null(Users::AllianceId))
                    .col(big_integer_null(Users::EnterpriseId))
                    .col(big_integer_null(Users::ExpertId))
                    .col(string_len_null(Users::Email, 255))
                    .col(string_len_null(Users::Phone, 32))
                    .col(boolean(Users::Active))
                    .col(integer(Users::FailedLogins))
                    .col(timestamp_with_time_zone_null(Users::LockedUntil))
                    .col(timestamp_with_time_zone(Users::PasswordChangedAt))
                    .col(timestamp_with_time_zone_null(Users::LastLoginAt))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Users::Table, Users::RegionId)
                            .to(Regions::Table, Regions::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Users::Table, Users::AllianceId)
                            .to(Alliances::Table, Alliances::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Users::Table, Users::EnterpriseId)
                            .to(Enterprises::Table, Enterprises::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Users::Table, Users::ExpertId)
                            .to(Experts::Table, Experts::Id),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(string_len(Sessions::Id, 36).primary_key())
                    .col(big_integer(Sessions::UserId))
                    .col(string_len(Sessions::Kind, 8))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone(Sessions::LastSeenAt))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Sessions::RevokedAt))
                    .col(string_len_null(Sessions::Ip, 64))
                    .col(string_len_null(Sessions::UserAgent, 255))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_sessions_user",
            Sessions::Table,
            Sessions::UserId,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditLogs::Table)
                    .col(big_pk_auto(AuditLogs::Id))
                    .col(timestamp_with_time_zone(AuditLogs::At))
                    .col(big_integer_null(AuditLogs::ActorUserId))
                    .col(string_len(AuditLogs::ActorName, 64))
                    .col(string_len_null(AuditLogs::ActorRole, 24))
                    .col(string_len_null(AuditLogs::Tenant, 64))
                    .col(string_len_null(AuditLogs::RegionPath, 255))
                    .col(string_len_null(AuditLogs::Ip, 64))
                    .col(string_len(AuditLogs::Action, 64))
                    .col(string_len_null(AuditLogs::TargetType, 32))
                    .col(string_len_null(AuditLogs::TargetId, 64))
                    .col(string_len(AuditLogs::Outcome, 16))
                    .col(text_null(AuditLogs::Detail))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_audit_at", AuditLogs::Table, AuditLogs::At).await?;
        index(
            manager,
            "idx_audit_region_path",
            AuditLogs::Table,
            AuditLogs::RegionPath,
        )
        .await?;
        index(
            manager,
            "idx_audit_action",
            AuditLogs::Table,
            AuditLogs::Action,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditLogs::Table.into_iden(),
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
