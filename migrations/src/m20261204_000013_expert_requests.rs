//! Expert service requests (专家服务申请): the request an enterprise (or a committee for its
//! member) files, its attachments, the experts assigned to it and its timeline. The request
//! carries the enterprise's region path (rewritten when the enterprise moves), so the bureau's
//! queue is a prefix match on an indexed column, as for hazards.

use sea_orm_migration::sea_orm::ConnectionTrait;
use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ExpertRequests {
    Table,
    Id,
    EnterpriseId,
    RequestedBy,
    AllianceId,
    RegionPath,
    Topic,
    Specialty,
    Description,
    PreferredFrom,
    PreferredTo,
    State,
    VisitOn,
    Report,
    Reason,
    Rating,
    RatingComment,
    CreatedAt,
    UpdatedAt,
    ReportedAt,
    CompletedAt,
    RatedAt,
}

#[derive(DeriveIden)]
enum ExpertRequestFiles {
    Table,
    Id,
    RequestId,
    StorageKey,
    OriginalName,
    ContentType,
    SizeBytes,
    Sha256,
    UploadedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ExpertAssignments {
    Table,
    Id,
    RequestId,
    ExpertId,
    State,
    DeclineReason,
    AssignedBy,
    AssignedAt,
    AnsweredAt,
}

#[derive(DeriveIden)]
enum ExpertRequestEvents {
    Table,
    Id,
    RequestId,
    Action,
    FromState,
    ToState,
    ActorUserId,
    ActorName,
    Note,
    At,
}

#[derive(DeriveIden)]
enum Enterprises {
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
enum Experts {
    Table,
    Id,
}

async fn index2(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden + 'static,
    a: impl IntoIden + 'static,
    b: impl IntoIden + 'static,
    unique: bool,
) -> Result<(), DbErr> {
    let mut i = Index::create();
    i.name(name).table(table).col(a).col(b);
    if unique {
        i.unique();
    }
    manager.create_index(i.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ExpertRequests as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(big_pk_auto(R::Id))
                    .col(big_integer(R::EnterpriseId))
                    .col(big_integer(R::RequestedBy))
                    .col(big_integer_null(R::AllianceId))
                    .col(string_len(R::RegionPath, 255))
                    .col(string_len(R::Topic, 200))
                    .col(string_len(R::Specialty, 32))
                    .col(text(R::Description))
                    .col(date(R::PreferredFrom))
                    .col(date(R::PreferredTo))
                    .col(string_len(R::State, 16))
                    .col(date_null(R::VisitOn))
                    .col(text_null(R::Report))
                    .col(string_len_null(R::Reason, 500))
                    .col(integer_null(R::Rating))
                    .col(string_len_null(R::RatingComment, 500))
                    .col(timestamp_with_time_zone(R::CreatedAt))
                    .col(timestamp_with_time_zone(R::UpdatedAt))
                    .col(timestamp_with_time_zone_null(R::ReportedAt))
                    .col(timestamp_with_time_zone_null(R::CompletedAt))
                    .col(timestamp_with_time_zone_null(R::RatedAt))
                    .foreign_key(&mut fk(
                        R::Table,
                        R::EnterpriseId,
                        Enterprises::Table,
                        Enterprises::Id,
                    ))
                    .foreign_key(&mut fk(R::Table, R::RequestedBy, Users::Table, Users::Id))
                    .foreign_key(&mut fk(
                        R::Table,
                        R::AllianceId,
                        Alliances::Table,
                        Alliances::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        // The bureau's queue (subtree, newest first), the enterprise's and the committee's lists.
        // A prefix `LIKE` uses a b-tree index on PostgreSQL only with the pattern operator class
        // (outside the C collation); SQLite only when `case_sensitive_like` is on.
        if manager.get_database_backend() == sea_orm::DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    "CREATE INDEX idx_expert_requests_region_pattern ON expert_requests \
                     (region_path varchar_pattern_ops, created_at)",
                )
                .await?;
        }
        index2(
            manager,
            "idx_expert_requests_region_created",
            R::Table,
            R::RegionPath,
            R::CreatedAt,
            false,
        )
        .await?;
        index2(
            manager,
            "idx_expert_requests_enterprise_created",
            R::Table,
            R::EnterpriseId,
            R::CreatedAt,
            false,
        )
        .await?;
        index2(
            manager,
            "idx_expert_requests_alliance_created",
            R::Table,
            R::AllianceId,
            R::CreatedAt,
            false,
        )
        .await?;
        use ExpertRequestFiles as F;
        manager
            .create_table(
                Table::create()
                    .table(F::Table)
                    .col(big_pk_auto(F::Id))
                    .col(big_integer(F::RequestId))
                    .col(string_len_uniq(F::StorageKey, 128))
                    .col(string_len(F::OriginalName, 255))
                    .col(string_len(F::ContentType, 64))
                    .col(big_integer(F::SizeBytes))
                    .col(char_len(F::Sha256, 64))
                    .col(big_integer_null(F::UploadedBy))
                    .col(timestamp_with_time_zone(F::CreatedAt))
                    .foreign_key(&mut fk(F::Table, F::RequestId, R::Table, R::Id))
                    .foreign_key(&mut fk(F::Table, F::UploadedBy, Users::Table, Users::Id))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_expert_request_files_request",
            F::Table,
            F::RequestId,
        )
        .await?;
        use ExpertAssignments as A;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(big_pk_auto(A::Id))
                    .col(big_integer(A::RequestId))
                    .col(big_integer(A::ExpertId))
                    .col(string_len(A::State, 16))
                    .col(string_len_null(A::DeclineReason, 500))
                    .col(big_integer_null(A::AssignedBy))
                    .col(timestamp_with_time_zone(A::AssignedAt))
                    .col(timestamp_with_time_zone_null(A::AnsweredAt))
                    .foreign_key(&mut fk(A::Table, A::RequestId, R::Table, R::Id))
                    .foreign_key(&mut fk(A::Table, A::ExpertId, Experts::Table, Experts::Id))
                    .foreign_key(&mut fk(A::Table, A::AssignedBy, Users::Table, Users::Id))
                    .to_owned(),
            )
            .await?;
        index2(
            manager,
            "uq_expert_assignments_request_expert",
            A::Table,
            A::RequestId,
            A::ExpertId,
            true,
        )
        .await?;
        // The expert's list and its open load.
        index2(
            manager,
            "idx_expert_assignments_expert_state",
            A::Table,
            A::ExpertId,
            A::State,
            false,
        )
        .await?;
        use ExpertRequestEvents as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(big_pk_auto(E::Id))
                    .col(big_integer(E::RequestId))
                    .col(string_len(E::Action, 16))
                    .col(string_len_null(E::FromState, 16))
                    .col(string_len(E::ToState, 16))
                    .col(big_integer_null(E::ActorUserId))
                    .col(string_len(E::ActorName, 64))
                    .col(text_null(E::Note))
                    .col(timestamp_with_time_zone(E::At))
                    .foreign_key(&mut fk(E::Table, E::RequestId, R::Table, R::Id))
                    .foreign_key(&mut fk(E::Table, E::ActorUserId, Users::Table, Users::Id))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_expert_request_events_request",
            E::Table,
            E::RequestId,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ExpertRequestEvents::Table.into_iden(),
            ExpertAssignments::Table.into_iden(),
            ExpertRequestFiles::Table.into_iden(),
            ExpertRequests::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
