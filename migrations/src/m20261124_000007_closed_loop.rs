//! The closed loop: rectification plans (五落实), the hazard timeline, deadline
//! extension requests, the bureau's supervision list (挂牌督办), in-app notifications, the
//! email outbox, reminders already sent (one row per hazard, kind and deadline: the unique key
//! makes each reminder go out once however many workers run), the bureau's scoring rules and
//! each enterprise's score history. Hazards gain their verification and closing times,
//! attachments the event they belong to, enterprises their current score and label.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{add_column, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RectificationPlans {
    Table,
    HazardId,
    ResponsiblePerson,
    Measures,
    Funds,
    Deadline,
    Contingency,
    FiledBy,
    FiledAt,
}

#[derive(DeriveIden)]
enum HazardEvents {
    Table,
    Id,
    HazardId,
    ActorUserId,
    ActorName,
    ActorRole,
    Action,
    FromState,
    ToState,
    Note,
    DeadlineBefore,
    DeadlineAfter,
    At,
}

#[derive(DeriveIden)]
enum ExtensionRequests {
    Table,
    Id,
    HazardId,
    RequestedBy,
    Reason,
    RequestedDeadline,
    Status,
    DecidedBy,
    DecisionNote,
    DecidedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Supervisions {
    Table,
    Id,
    HazardId,
    Reason,
    SupervisingUnit,
    ResponsibleUnit,
    Deadline,
    RegionPath,
    Status,
    ListedAt,
    ListedBy,
    ReviewResult,
    ReviewNote,
    ReviewedOn,
    ReviewedBy,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    UserId,
    Kind,
    Title,
    Body,
    Link,
    HazardId,
    CreatedAt,
    ReadAt,
}

#[derive(DeriveIden)]
enum EmailOutbox {
    Table,
    Id,
    ToAddress,
    ToName,
    Subject,
    BodyText,
    BodyHtml,
    Status,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LastError,
    CreatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum HazardReminders {
    Table,
    Id,
    HazardId,
    Kind,
    Deadline,
    SentAt,
}

#[derive(DeriveIden)]
enum LabelRules {
    Table,
    RegionId,
    Base,
    PerGeneral,
    PerMajor,
    PerOverdueDay,
    TimelyBonus,
    GreenMin,
    YellowMin,
    SetBy,
    SetAt,
}

#[derive(DeriveIden)]
enum ScoreHistory {
    Table,
    Id,
    EnterpriseId,
    Score,
    Label,
    Reason,
    At,
}

#[derive(DeriveIden)]
enum Hazards {
    Table,
    Id,
    State,
    Deadline,
    RectifiedAt,
    VerifiedBy,
    VerifiedAt,
    ClosedAt,
}

#[derive(DeriveIden)]
enum Attachments {
    Table,
    HazardEventId,
}

#[derive(DeriveIden)]
enum Enterprises {
    Table,
    Id,
    Score,
    Label,
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
        // `awaiting_verification` does not fit the 16 characters the inspections step gave the
        // state; SQLite does not enforce lengths (and cannot alter a column), PostgreSQL does.
        if manager.get_database_backend() == sea_orm::DbBackend::Postgres {
            manager
                .alter_table(
                    Table::alter()
                        .table(Hazards::Table)
                        .modify_column(ColumnDef::new(Hazards::State).string_len(32).not_null())
                        .to_owned(),
                )
                .await?;
        }
        add_column(
            manager,
            Hazards::Table,
            timestamp_with_time_zone_null(Hazards::RectifiedAt),
        )
        .await?;
        add_column(
            manager,
            Hazards::Table,
            big_integer_null(Hazards::VerifiedBy),
        )
        .await?;
        add_column(
            manager,
            Hazards::Table,
            timestamp_with_time_zone_null(Hazards::VerifiedAt),
        )
        .await?;
        add_column(
            manager,
            Hazards::Table,
            timestamp_with_time_zone_null(Hazards::ClosedAt),
        )
        .await?;
        add_column(
            manager,
            Attachments::Table,
            big_integer_null(Attachments::HazardEventId),
        )
        .await?;
        add_column(
            manager,
            Enterprises::Table,
            integer_null(Enterprises::Score),
        )
        .await?;
        add_column(
            manager,
            Enterprises::Table,
            string_len_null(Enterprises::Label, 8),
        )
        .await?;
        // The reminder job's candidates: running states by deadline.
        manager
            .create_index(
                Index::create()
                    .name("idx_hazards_state_deadline")
                    .table(Hazards::Table)
                    .col(Hazards::State)
                    .col(Hazards::Deadline)
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_enterprises_label",
            Enterprises::Table,
            Enterprises::Label,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(RectificationPlans::Table)
                    .col(big_integer(RectificationPlans::HazardId).primary_key())
                    .col(string_len(RectificationPlans::ResponsiblePerson, 64))
                    .col(text(RectificationPlans::Measures))
                    .col(string_len(RectificationPlans::Funds, 128))
                    .col(date(RectificationPlans::Deadline))
                    .col(text(RectificationPlans::Contingency))
                    .col(big_integer_null(RectificationPlans::FiledBy))
                    .col(timestamp_with_time_zone(RectificationPlans::FiledAt))
                    .foreign_key(&mut fk(
                        RectificationPlans::Table,
                        RectificationPlans::HazardId,
                        Hazards::Table,
                        Hazards::Id,
                    ))
                    .foreign_key(&mut fk(
                        RectificationPlans::Table,
                        RectificationPlans::FiledBy,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(HazardEvents::Table)
                    .col(big_pk_auto(HazardEvents::Id))
                    .col(big_integer(HazardEvents::HazardId))
                    .col(big_integer_null(HazardEvents::ActorUserId))
                    .col(string_len(HazardEvents::ActorName, 64))
                    .col(string_len_null(HazardEvents::ActorRole, 24))
                    .col(string_len(HazardEvents::Action, 32))
                    .col(string_len_null(HazardEvents::FromState, 24))
                    .col(string_len(HazardEvents::ToState, 24))
                    .col(text_null(HazardEvents::Note))
                    .col(date_null(HazardEvents::DeadlineBefore))
                    .col(date_null(HazardEvents::DeadlineAfter))
                    .col(timestamp_with_time_zone(HazardEvents::At))
                    .foreign_key(&mut fk(
                        HazardEvents::Table,
                        HazardEvents::HazardId,
                        Hazards::Table,
                        Hazards::Id,
                    ))
                    .foreign_key(&mut fk(
                        HazardEvents::Table,
                        HazardEvents::ActorUserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_hazard_events_hazard",
            HazardEvents::Table,
            HazardEvents::HazardId,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ExtensionRequests::Table)
                    .col(big_pk_auto(ExtensionRequests::Id))
                    .col(big_integer(ExtensionRequests::HazardId))
                    .col(big_integer_null(ExtensionRequests::RequestedBy))
                    .col(text(ExtensionRequests::Reason))
                    .col(date(ExtensionRequests::RequestedDeadline))
                    .col(string_len(ExtensionRequests::Status, 16))
                    .col(big_integer_null(ExtensionRequests::DecidedBy))
                    .col(text_null(ExtensionRequests::DecisionNote))
                    .col(timestamp_with_time_zone_null(ExtensionRequests::DecidedAt))
                    .col(timestamp_with_time_zone(ExtensionRequests::CreatedAt))
                    .foreign_key(&mut fk(
                        ExtensionRequests::Table,
                        ExtensionRequests::HazardId,
                        Hazards::Table,
                        Hazards::Id,
                    ))
                    .foreign_key(&mut fk(
                        ExtensionRequests::Table,
                        ExtensionRequests::RequestedBy,
                        Users::Table,
                        Users::Id,
                    ))
                    .foreign_key(&mut fk(
                        ExtensionRequests::Table,
                        ExtensionRequests::DecidedBy,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_extension_requests_hazard",
            ExtensionRequests::Table,
            ExtensionRequests::HazardId,
        )
        .await?;
        index(
            manager,
            "idx_extension_requests_status",
            ExtensionRequests::Table,
            ExtensionRequests::Status,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Supervisions::Table)
                    .col(big_pk_auto(Supervisions::Id))
                    .col(big_integer_uniq(Supervisions::HazardId))
                    .col(string_len(Supervisions::Reason, 16))
                    .col(string_len(Supervisions::SupervisingUnit, 128))
                    .col(string_len(Supervisions::ResponsibleUnit, 128))
                    .col(date(Supervisions::Deadline))
                    .col(string_len(Supervisions::RegionPath, 255))
                    .col(string_len(Supervisions::Status, 16))
                    .col(timestamp_with_time_zone(Supervisions::ListedAt))
                    .col(big_integer_null(Supervisions::ListedBy))
                    .col(string_len_null(Supervisions::ReviewResult, 16))
                    .col(text_null(Supervisions::ReviewNote))
                    .col(date_null(Supervisions::ReviewedOn))
                    .col(big_integer_null(Supervisions::ReviewedBy))
                    .foreign_key(&mut fk(
                        Supervisions::Table,
                        Supervisions::HazardId,
                        Hazards::Table,
                        Hazards::Id,
                    ))
                    .foreign_key(&mut fk(
                        Supervisions::Table,
                        Supervisions::ListedBy,
                        Users::Table,
                        Users::Id,
                    ))
                    .foreign_key(&mut fk(
                        Supervisions::Table,
                        Supervisions::ReviewedBy,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_supervisions_region_path",
            Supervisions::Table,
            Supervisions::RegionPath,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(big_pk_auto(Notifications::Id))
                    .col(big_integer(Notifications::UserId))
                    .col(string_len(Notifications::Kind, 48))
                    .col(string_len(Notifications::Title, 200))
                    .col(text(Notifications::Body))
                    .col(string_len_null(Notifications::Link, 255))
                    .col(big_integer_null(Notifications::HazardId))
                    .col(timestamp_with_time_zone(Notifications::CreatedAt))
                    .col(timestamp_with_time_zone_null(Notifications::ReadAt))
                    .foreign_key(&mut fk(
                        Notifications::Table,
                        Notifications::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .foreign_key(&mut fk(
                        Notifications::Table,
                        Notifications::HazardId,
                        Hazards::Table,
                        Hazards::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_notifications_user_read")
                    .table(Notifications::Table)
                    .col(Notifications::UserId)
                    .col(Notifications::ReadAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(EmailOutbox::Table)
                    .col(big_pk_auto(EmailOutbox::Id))
                    .col(string_len(EmailOutbox::ToAddress, 255))
                    .col(string_len(EmailOutbox::ToName, 64))
                    .col(string_len(EmailOutbox::Subject, 255))
                    .col(text(EmailOutbox::BodyText))
                    .col(text_null(EmailOutbox::BodyHtml))
                    .col(string_len(EmailOutbox::Status, 16))
                    .col(integer(EmailOutbox::Attempts))
                    .col(timestamp_with_time_zone(EmailOutbox::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(EmailOutbox::LockedUntil))
                    .col(text_null(EmailOutbox::LastError))
                    .col(timestamp_with_time_zone(EmailOutbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(EmailOutbox::SentAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_email_outbox_due")
                    .table(EmailOutbox::Table)
                    .col(EmailOutbox::Status)
                    .col(EmailOutbox::NextAttemptAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(HazardReminders::Table)
                    .col(big_pk_auto(HazardReminders::Id))
                    .col(big_integer(HazardReminders::HazardId))
                    .col(string_len(HazardReminders::Kind, 24))
                    .col(date(HazardReminders::Deadline))
                    .col(timestamp_with_time_zone(HazardReminders::SentAt))
                    .foreign_key(&mut fk(
                        HazardReminders::Table,
                        HazardReminders::HazardId,
                        Hazards::Table,
                        Hazards::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_hazard_reminders_once")
                    .table(HazardReminders::Table)
                    .col(HazardReminders::HazardId)
                    .col(HazardReminders::Kind)
                    .col(HazardReminders::Deadline)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LabelRules::Table)
                    .col(big_integer(LabelRules::RegionId).primary_key())
                    .col(integer(LabelRules::Base))
                    .col(integer(LabelRules::PerGeneral))
                    .col(integer(LabelRules::PerMajor))
                    .col(integer(LabelRules::PerOverdueDay))
                    .col(integer(LabelRules::TimelyBonus))
                    .col(integer(LabelRules::GreenMin))
                    .col(integer(LabelRules::YellowMin))
                    .col(big_integer_null(LabelRules::SetBy))
                    .col(timestamp_with_time_zone(LabelRules::SetAt))
                    .foreign_key(&mut fk(
                        LabelRules::Table,
                        LabelRules::RegionId,
                        Regions::Table,
                        Regions::Id,
                    ))
                    .foreign_key(&mut fk(
                        LabelRules::Table,
                        LabelRules::SetBy,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ScoreHistory::Table)
                    .col(big_pk_auto(ScoreHistory::Id))
                    .col(big_integer(ScoreHistory::EnterpriseId))
                    .col(integer(ScoreHistory::Score))
                    .col(string_len(ScoreHistory::Label, 8))
                    .col(string_len(ScoreHistory::Reason, 64))
                    .col(timestamp_with_time_zone(ScoreHistory::At))
                    .foreign_key(&mut fk(
                        ScoreHistory::Table,
                        ScoreHistory::EnterpriseId,
                        Enterprises::Table,
                        Enterprises::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_score_history_enterprise",
            ScoreHistory::Table,
            ScoreHistory::EnterpriseId,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ScoreHistory::Table.into_iden(),
            LabelRules::Table.into_iden(),
            HazardReminders::Table.into_iden(),
            EmailOutbox::Table.into_iden(),
            Notifications::Table.into_iden(),
            Supervisions::Table.into_iden(),
            ExtensionRequests::Table.into_iden(),
            HazardEvents::Table.into_iden(),
            RectificationPlans::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("idx_hazards_state_deadline")
                    .table(Hazards::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_enterprises_label")
                    .table(Enterprises::Table)
                    .to_owned(),
            )
            .await?;
        for (table, col) in [
            (
                Enterprises::Table.into_iden(),
                Enterprises::Label.into_iden(),
            ),
            (
                Enterprises::Table.into_iden(),
                Enterprises::Score.into_iden(),
            ),
            (
                Attachments::Table.into_iden(),
                Attachments::HazardEventId.into_iden(),
            ),
            (Hazards::Table.into_iden(), Hazards::ClosedAt.into_iden()),
            (Hazards::Table.into_iden(), Hazards::VerifiedAt.into_iden()),
            (Hazards::Table.into_iden(), Hazards::VerifiedBy.into_iden()),
            (Hazards::Table.into_iden(), Hazards::RectifiedAt.into_iden()),
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column(col).to_owned())
                .await?;
        }
        Ok(())
    }
}
