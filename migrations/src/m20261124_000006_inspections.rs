//! Inspections: checklist templates with immutable versions, 互查 rounds, inspections
//! with their answers, hazards as reported, attachments (files kept in the storage
//! abstraction, only their records here) and idempotency keys for retried writes.
//!
//! Rows a bureau lists by region (inspections, hazards, attachments) carry the inspected
//! enterprise's `region_path`, copied at creation.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ChecklistTemplates {
    Table,
    Id,
    Title,
    Topic,
    /// Set for a bureau template: the publishing bureau's region (its subtree may use it).
    RegionId,
    /// Set for a committee template: usable in that alliance only.
    AllianceId,
    RegionPath,
    Status,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ChecklistVersions {
    Table,
    Id,
    TemplateId,
    Version,
    Note,
    PublishedBy,
    PublishedAt,
}

#[derive(DeriveIden)]
enum ChecklistItems {
    Table,
    Id,
    VersionId,
    Seq,
    Category,
    Requirement,
    LegalBasis,
}

#[derive(DeriveIden)]
enum InspectionRounds {
    Table,
    Id,
    AllianceId,
    GroupId,
    Seq,
    Title,
    TemplateVersionId,
    PlannedOn,
    Status,
    CreatedBy,
    CreatedAt,
    PublishedAt,
}

#[derive(DeriveIden)]
enum Inspections {
    Table,
    Id,
    Kind,
    RoundId,
    AllianceId,
    GroupId,
    InspectingEnterpriseId,
    InspectedEnterpriseId,
    RegionPath,
    TemplateVersionId,
    PlannedOn,
    State,
    Inspectors,
    Summary,
    CreatedBy,
    CreatedAt,
    StartedAt,
    SubmittedAt,
    SubmittedBy,
    ReviewedAt,
    ReviewedBy,
    ReviewNote,
}

#[derive(DeriveIden)]
enum InspectionAnswers {
    Table,
    Id,
    InspectionId,
    ItemId,
    Result,
    Note,
}

#[derive(DeriveIden)]
enum Hazards {
    Table,
    Id,
    InspectionId,
    AnswerId,
    EnterpriseId,
    RegionPath,
    AllianceId,
    ReporterUserId,
    ReporterEnterpriseId,
    Category,
    Level,
    MajorClause,
    Title,
    Description,
    Location,
    LegalBasis,
    SuggestedMeasure,
    FoundAt,
    Deadline,
    State,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Attachments {
    Table,
    Id,
    StorageKey,
    PublicKey,
    ThumbKey,
    OriginalName,
    ContentType,
    SizeBytes,
    Sha256,
    Width,
    Height,
    ExifTakenAt,
    ExifLatitude,
    ExifLongitude,
    EnterpriseId,
    RegionPath,
    InspectionId,
    AnswerId,
    HazardId,
    UploadedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    UserId,
    Key,
    Fingerprint,
    ResponseStatus,
    ResponseBody,
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
enum ActivityGroups {
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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ChecklistTemplates::Table)
                    .col(big_pk_auto(ChecklistTemplates::Id))
                    .col(string_len(ChecklistTemplates::Title, 128))
                    .col(string_len(ChecklistTemplates::Topic, 32))
                    .col(big_integer_null(ChecklistTemplates::RegionId))
                    .col(big_integer_null(ChecklistTemplates::AllianceId))
                    .col(string_len(ChecklistTemplates::RegionPath, 255))
                    .col(string_len(ChecklistTemplates::Status, 16))
                    .col(big_integer_null(ChecklistTemplates::CreatedBy))
                    .col(timestamp_with_time_zone(ChecklistTemplates::CreatedAt))
                    .col(timestamp_with_time_zone(ChecklistTemplates::UpdatedAt))
                    .foreign_key(&mut fk(
                        ChecklistTemplates::Table,
                        ChecklistTemplates::RegionId,
                        Regions::Table,
                        Regions::Id,
                    ))
                    .foreign_key(&mut fk(
                        ChecklistTemplates::Table,
                        ChecklistTemplates::AllianceId,
                        Alliances::Table,
                        Alliances::Id,
                    ))
                    .foreign_key(&mut fk(
                        ChecklistTemplates::Table,
                        ChecklistTemplates::CreatedBy,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_checklist_templates_region_path",
            ChecklistTemplates::Table,
            ChecklistTemplates::RegionPath,
        )
        .await?;
        index(
            manager,
            "idx_checklist_templates_alliance",
            ChecklistTemplates::Table,
            ChecklistTemplates::AllianceId,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ChecklistVersions::Table)
                    .col(big_pk_auto(ChecklistVersions::Id))
                    .col(big_integer(ChecklistVersions::TemplateId))
                    .col(integer(ChecklistVersions::Version))
                    .col(text_null(ChecklistVersions::Note))
                    .col(big_integer_null(ChecklistVersions::PublishedBy))
                    .col(timestamp_with_time_zone(ChecklistVersions::PublishedAt))
                    .foreign_key(&mut fk(
                        ChecklistVersions::Table,
                        ChecklistVersions::TemplateId,
                        ChecklistTemplates::Table,
                        ChecklistTemplates::Id,
                    ))
                    .foreign_key(&mut fk(
                        ChecklistVersions::Table,
                        ChecklistVersions::PublishedBy,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_checklist_versions_template_version")
                    .table(ChecklistVersions::Table)
                    .col(ChecklistVersions::TemplateId)
                    .col(ChecklistVersions::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ChecklistItems::Table)
                    .col(big_pk_auto(ChecklistItems::Id))
                    .col(big_integer(ChecklistItems::VersionId))
                    .col(integer(ChecklistItems::Seq))
                    .col(string_len(ChecklistItems::Category, 32))
                    .col(text(ChecklistItems::Requirement))
                    .col(text(ChecklistItems::LegalBasis))
                    .foreign_key(&mut fk(
                        ChecklistItems::Table,
                        ChecklistItems::VersionId,
                        ChecklistVersions::Table,
                        ChecklistVersions::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_checklist_items_version",
            ChecklistItems::Table,
            ChecklistItems::VersionId,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(InspectionRounds::Table)
                    .col(big_pk_auto(InspectionRounds::Id))
                    .col(big_integer(InspectionRounds::AllianceId))
                    .col(big_integer(InspectionRounds::GroupId))
                    .col(integer(InspectionRounds::Seq))
                    .col(string_len(InspectionRounds::Title, 128))
                    .col(big_integer(InspectionRounds::TemplateVersionId))
                    .col(date(InspectionRounds::PlannedOn))
                    .col(string_len(InspectionRounds::Status, 16))
                    .col(big_integer_null(InspectionRounds::CreatedBy))
                    .col(timestamp_with_time_zone(InspectionRounds::CreatedAt))
                    .col(timestamp_with_time_zone_null(InspectionRounds::PublishedAt))
                    .foreign_key(&mut fk(
                        InspectionRounds::Table,
                        InspectionRounds::AllianceId,
                        Alliances::Table,
                        Alliances::Id,
                    ))
                    .foreign_key(&mut fk(
                        InspectionRounds::Table,
                        InspectionRounds::GroupId,
                        ActivityGroups::Table,
                        ActivityGroups::Id,
                    ))
                    .foreign_key(&mut fk(
                        InspectionRounds::Table,
                        InspectionRounds::TemplateVersionId,
                        ChecklistVersions::Table,
                        ChecklistVersions::Id,
                    ))
                    .foreign_key(&mut fk(
                        InspectionRounds::Table,
                        InspectionRounds::CreatedBy,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_inspection_rounds_group_seq")
                    .table(InspectionRounds::Table)
                    .col(InspectionRounds::GroupId)
                    .col(InspectionRounds::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Inspections::Table)
                    .col(big_pk_auto(Inspections::Id))
                    .col(string_len(Inspections::Kind, 16))
                    .col(big_integer_null(Inspections::RoundId))
                    .col(big_integer_null(Inspections::AllianceId))
                    .col(big_integer_null(Inspections::GroupId))
                    .col(big_integer_null(Inspections::InspectingEnterpriseId))
                    .col(big_integer(Inspections::InspectedEnterpriseId))
                    .col(string_len(Inspections::RegionPath, 255))
                    .col(big_integer(Inspections::TemplateVersionId))
                    .col(date(Inspections::PlannedOn))
                    .col(string_len(Inspections::State, 16))
                    .col(string_len(Inspections::Inspectors, 255).default(""))
                    .col(text_null(Inspections::Summary))
                    .col(big_integer_null(Inspections::CreatedBy))
                    .col(timestamp_with_time_zone(Inspections::CreatedAt))
                    .col(timestamp_with_time_zone_null(Inspections::StartedAt))
                    .col(timestamp_with_time_zone_null(Inspections::SubmittedAt))
                    .col(big_integer_null(Inspections::SubmittedBy))
                    .col(timestamp_with_time_zone_null(Inspections::ReviewedAt))
                    .col(big_integer_null(Inspections::ReviewedBy))
                    .col(text_null(Inspections::ReviewNote))
                    .foreign_key(&mut fk(
                        Inspections::Table,
                        Inspections::RoundId,
                        InspectionRounds::Table,
                        InspectionRounds::Id,
                    ))
                    .foreign_key(&mut fk(
                        Inspections::Table,
                        Inspections::AllianceId,
                        Alliances::Table,
                        Alliances::Id,
                    ))
                    .foreign_key(&mut fk(
                        Inspections::Table,
                        Inspections::GroupId,
                        ActivityGroups::Table,
                        ActivityGroups::Id,
                    ))
                    .foreign_key(&mut fk(
                        Inspections::Table,
                        Inspections::InspectingEnterpriseId,
                        Enterprises::Table,
                        Enterprises::Id,
                    ))
                    .foreign_key(&mut fk(
                        Inspections::Table,
                        Inspections::InspectedEnterpriseId,
                        Enterprises::Table,
                        Enterprises::Id,
                    ))
                    .foreign_key(&mut fk(
                        Inspections::Table,
                        Inspections::TemplateVersionId,
                        ChecklistVersions::Table,
                        ChecklistVersions::Id,
                    ))
                    .foreign_key(&mut fk(
                        Inspections::Table,
                        Inspections::CreatedBy,
                        Users::Table,
                        Users::Id,
                    ))
                    .foreign_key(&mut fk(
                        Inspections::Table,
                        Inspections::SubmittedBy,
                        Users::Table,
                        Users::Id,
                    ))
                    .foreign_key(&mut fk(
                        Inspections::Table,
                        Inspections::ReviewedBy,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_inspections_region_path",
            Inspections::Table,
            Inspections::RegionPath,
        )
        .await?;
        index(
            manager,
            "idx_inspections_round",
            Inspections::Table,
            Inspections::RoundId,
        )
        .await?;
        index(
            manager,
            "idx_inspections_alliance",
            Inspections::Table,
            Inspections::AllianceId,
        )
        .await?;
        index(
            manager,
            "idx_inspections_inspected",
            Inspections::Table,
            Inspections::InspectedEnterpriseId,
        )
        .await?;
        index(
            manager,
            "idx_inspections_inspecting",
            Inspections::Table,
            Inspections::InspectingEnterpriseId,
        )
        .await?;
        index(
            manager,
            "idx_inspections_template_version",
            Inspections::Table,
            Inspections::TemplateVersionId,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(InspectionAnswers::Table)
                    .col(big_pk_auto(InspectionAnswers::Id))
                    .col(big_integer(InspectionAnswers::InspectionId))
                    .col(big_integer(InspectionAnswers::ItemId))
                    .col(string_len(InspectionAnswers::Result, 8))
                    .col(text_null(InspectionAnswers::Note))
                    .foreign_key(&mut fk(
                        InspectionAnswers::Table,
                        InspectionAnswers::InspectionId,
                        Inspections::Table,
                        Inspections::Id,
                    ))
                    .foreign_key(&mut fk(
                        InspectionAnswers::Table,
                        InspectionAnswers::ItemId,
                        ChecklistItems::Table,
                        ChecklistItems::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_inspection_answers_item")
                    .table(InspectionAnswers::Table)
                    .col(InspectionAnswers::InspectionId)
                    .col(InspectionAnswers::ItemId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Hazards::Table)
                    .col(big_pk_auto(Hazards::Id))
                    .col(big_integer_null(Hazards::InspectionId))
                    .col(big_integer_null(Hazards::AnswerId))
                    .col(big_integer(Hazards::EnterpriseId))
                    .col(string_len(Hazards::RegionPath, 255))
                    .col(big_integer_null(Hazards::AllianceId))
                    .col(big_integer_null(Hazards::ReporterUserId))
                    .col(big_integer_null(Hazards::ReporterEnterpriseId))
                    .col(string_len(Hazards::Category, 32))
                    .col(string_len(Hazards::Level, 16))
                    .col(text_null(Hazards::MajorClause))
                    .col(string_len(Hazards::Title, 200))
                    .col(text(Hazards::Description))
                    .col(string_len(Hazards::Location, 200))
                    .col(text(Hazards::LegalBasis))
                    .col(text(Hazards::SuggestedMeasure))
                    .col(timestamp_with_time_zone(Hazards::FoundAt))
                    .col(date(Hazards::Deadline))
                    .col(string_len(Hazards::State, 16))
                    .col(timestamp_with_time_zone(Hazards::CreatedAt))
                    .col(timestamp_with_time_zone(Hazards::UpdatedAt))
                    .foreign_key(&mut fk(
                        Hazards::Table,
                        Hazards::InspectionId,
                        Inspections::Table,
                        Inspections::Id,
                    ))
                    .foreign_key(&mut fk(
                        Hazards::Table,
                        Hazards::AnswerId,
                        InspectionAnswers::Table,
                        InspectionAnswers::Id,
                    ))
                    .foreign_key(&mut fk(
                        Hazards::Table,
                        Hazards::EnterpriseId,
                        Enterprises::Table,
                        Enterprises::Id,
                    ))
                    .foreign_key(&mut fk(
                        Hazards::Table,
                        Hazards::AllianceId,
                        Alliances::Table,
                        Alliances::Id,
                    ))
                    .foreign_key(&mut fk(
                        Hazards::Table,
                        Hazards::ReporterUserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .foreign_key(&mut fk(
                        Hazards::Table,
                        Hazards::ReporterEnterpriseId,
                        Enterprises::Table,
                        Enterprises::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_hazards_region_path",
            Hazards::Table,
            Hazards::RegionPath,
        )
        .await?;
        index(
            manager,
            "idx_hazards_enterprise",
            Hazards::Table,
            Hazards::EnterpriseId,
        )
        .await?;
        index(
            manager,
            "idx_hazards_inspection",
            Hazards::Table,
            Hazards::InspectionId,
        )
        .await?;
        index(
            manager,
            "idx_hazards_alliance",
            Hazards::Table,
            Hazards::AllianceId,
        )
        .await?;
        index(manager, "idx_hazards_state", Hazards::Table, Hazards::State).await?;

        manager
            .create_table(
                Table::create()
                    .table(Attachments::Table)
                    .col(big_pk_auto(Attachments::Id))
                    .col(string_len_uniq(Attachments::StorageKey, 128))
                    .col(string_len_null(Attachments::PublicKey, 128))
                    .col(string_len_null(Attachments::ThumbKey, 128))
                    .col(string_len(Attachments::OriginalName, 255))
                    .col(string_len(Attachments::ContentType, 64))
                    .col(big_integer(Attachments::SizeBytes))
                    .col(char_len(Attachments::Sha256, 64))
                    .col(integer_null(Attachments::Width))
                    .col(integer_null(Attachments::Height))
                    .col(string_len_null(Attachments::ExifTakenAt, 32))
                    .col(double_null(Attachments::ExifLatitude))
                    .col(double_null(Attachments::ExifLongitude))
                    .col(big_integer(Attachments::EnterpriseId))
                    .col(string_len(Attachments::RegionPath, 255))
                    .col(big_integer_null(Attachments::InspectionId))
                    .col(big_integer_null(Attachments::AnswerId))
                    .col(big_integer_null(Attachments::HazardId))
                    .col(big_integer_null(Attachments::UploadedBy))
                    .col(timestamp_with_time_zone(Attachments::CreatedAt))
                    .foreign_key(&mut fk(
                        Attachments::Table,
                        Attachments::EnterpriseId,
                        Enterprises::Table,
                        Enterprises::Id,
                    ))
                    .foreign_key(&mut fk(
                        Attachments::Table,
                        Attachments::InspectionId,
                        Inspections::Table,
                        Inspections::Id,
                    ))
                    .foreign_key(&mut fk(
                        Attachments::Table,
                        Attachments::AnswerId,
                        InspectionAnswers::Table,
                        InspectionAnswers::Id,
                    ))
                    .foreign_key(&mut fk(
                        Attachments::Table,
                        Attachments::HazardId,
                        Hazards::Table,
                        Hazards::Id,
                    ))
                    .foreign_key(&mut fk(
                        Attachments::Table,
                        Attachments::UploadedBy,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_attachments_sha256",
            Attachments::Table,
            Attachments::Sha256,
        )
        .await?;
        index(
            manager,
            "idx_attachments_hazard",
            Attachments::Table,
            Attachments::HazardId,
        )
        .await?;
        index(
            manager,
            "idx_attachments_inspection",
            Attachments::Table,
            Attachments::InspectionId,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(big_integer(IdempotencyKeys::UserId))
                    .col(string_len(IdempotencyKeys::Key, 64))
                    .col(string_len(IdempotencyKeys::Fingerprint, 255))
                    .col(integer(IdempotencyKeys::ResponseStatus))
                    .col(text(IdempotencyKeys::ResponseBody))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(IdempotencyKeys::UserId)
                            .col(IdempotencyKeys::Key),
                    )
                    .foreign_key(&mut fk(
                        IdempotencyKeys::Table,
                        IdempotencyKeys::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            IdempotencyKeys::Table.into_iden(),
            Attachments::Table.into_iden(),
            Hazards::Table.into_iden(),
            InspectionAnswers::Table.into_iden(),
            Inspections::Table.into_iden(),
            InspectionRounds::Table.into_iden(),
            ChecklistItems::Table.into_iden(),
            ChecklistVersions::Table.into_iden(),
            ChecklistTemplates::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
