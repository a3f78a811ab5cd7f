//! The registry: regions (行政区划), industries (行业), risk tags, enterprises, alliances,
//! memberships, activity groups and experts.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Regions {
    Table,
    Id,
    Code,
    Name,
    Level,
    ParentId,
    Path,
}

#[derive(DeriveIden)]
enum Industries {
    Table,
    Code,
    Name,
    ParentCode,
}

#[derive(DeriveIden)]
enum RiskTags {
    Table,
    Code,
    Name,
}

#[derive(DeriveIden)]
enum Enterprises {
    Table,
    Id,
    CreditCode,
    Name,
    RegionId,
    RegionPath,
    IndustryCode,
    Address,
    LegalRepresentative,
    SafetyOfficer,
    SafetyPhone,
    Employees,
    Scale,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EnterpriseRiskTags {
    Table,
    EnterpriseId,
    TagCode,
}

#[derive(DeriveIden)]
enum Alliances {
    Table,
    Id,
    Name,
    Kind,
    RegionId,
    RegionPath,
    LeadEnterpriseId,
    Charter,
    FoundedOn,
    Status,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AllianceMemberships {
    Table,
    Id,
    AllianceId,
    EnterpriseId,
    Status,
    AppliedAt,
    DecidedAt,
    Reason,
}

#[derive(DeriveIden)]
enum ActivityGroups {
    Table,
    Id,
    AllianceId,
    Name,
    LeaderEnterpriseId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum GroupMembers {
    Table,
    GroupId,
    EnterpriseId,
}

#[derive(DeriveIden)]
enum Experts {
    Table,
    Id,
    Name,
    Organisation,
    RegionId,
    Specialties,
    Phone,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Regions::Table)
                    .col(big_pk_auto(Regions::Id))
                    .col(string_len_uniq(Regions::Code, 12))
                    .col(string_len(Regions::Name, 64))
                    .col(small_integer(Regions::Level))
                    .col(big_integer_null(Regions::ParentId))
                    .col(string_len(Regions::Path, 255))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Regions::Table, Regions::ParentId)
                            .to(Regions::Table, Regions::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_regions_path", Regions::Table, Regions::Path).await?;

        manager
            .create_table(
                Table::create()
                    .table(Industries::Table)
                    .col(string_len(Industries::Code, 8).primary_key())
                    .col(string_len(Industries::Name, 64))
                    .col(string_len_null(Industries::ParentCode, 8))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RiskTags::Table)
                    .col(string_len(RiskTags::Code, 32).primary_key())
                    .col(string_len(RiskTags::Name, 64))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Enterprises::Table)
                    .col(big_pk_auto(Enterprises::Id))
                    .col(char_len_uniq(Enterprises::CreditCode, 18))
                    .col(string_len(Enterprises::Name, 128))
                    .col(big_integer(Enterprises::RegionId))
                    .col(string_len(Enterprises::RegionPath, 255))
                    .col(string_len(Enterprises::IndustryCode, 8))
                    .col(string_len(Enterprises::Address, 255))
                    .col(string_len(Enterprises::LegalRepresentative, 64))
                    .col(string_len(Enterprises::SafetyOfficer, 64))
                    .col(string_len(Enterprises::SafetyPhone, 32))
                    .col(integer(Enterprises::Employees))
                    .col(string_len(Enterprises::Scale, 16))
                    .col(string_len(Enterprises::Status, 16))
                    .col(timestamp_with_time_zone(Enterprises::CreatedAt))
                    .col(timestamp_with_time_zone(Enterprises::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Enterprises::Table, Enterprises::RegionId)
                            .to(Regions::Table, Regions::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Enterprises::Table, Enterprises::IndustryCode)
                            .to(Industries::Table, Industries::Code),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_enterprises_region_path",
            Enterprises::Table,
            Enterprises::RegionPath,
        )
        .await?;
        index(
            manager,
            "idx_enterprises_name",
            Enterprises::Table,
            Enterprises::Name,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(EnterpriseRiskTags::Table)
                    .col(big_integer(EnterpriseRiskTags::EnterpriseId))
                    .col(string_len(EnterpriseRiskTags::TagCode, 32))
                    .primary_key(
                        Index::create()
                            .col(EnterpriseRiskTags::EnterpriseId)
                            .col(EnterpriseRiskTags::TagCode),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(EnterpriseRiskTags::Table, EnterpriseRiskTags::EnterpriseId)
                            .to(Enterprises::Table, Enterprises::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(EnterpriseRiskTags::Table, EnterpriseRiskTags::TagCode)
                            .to(RiskTags::Table, RiskTags::Code),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alliances::Table)
                    .col(big_pk_auto(Alliances::Id))
                    .col(string_len_uniq(Alliances::Name, 128))
                    .col(string_len(Alliances::Kind, 16))
                    .col(big_integer(Alliances::RegionId))
                    .col(string_len(Alliances::RegionPath, 255))
                    .col(big_integer_null(Alliances::LeadEnterpriseId))
                    .col(text(Alliances::Charter))
                    .col(date(Alliances::FoundedOn))
                    .col(string_len(Alliances::Status, 16))
                    .col(timestamp_with_time_zone(Alliances::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Alliances::Table, Alliances::RegionId)
                            .to(Regions::Table, Regions::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Alliances::Table, Alliances::LeadEnterpriseId)
                            .to(Enterprises::Table, Enterprises::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_alliances_region_path",
            Alliances::Table,
            Alliances::RegionPath,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(AllianceMemberships::Table)
                    .col(big_pk_auto(AllianceMemberships::Id))
                    .col(big_integer(AllianceMemberships::AllianceId))
                    .col(big_integer(AllianceMemberships::EnterpriseId))
                    .col(string_len(AllianceMemberships::Status, 16))
                    .col(timestamp_with_time_zone(AllianceMemberships::AppliedAt))
                    .col(timestamp_with_time_zone_null(
                        AllianceMemberships::DecidedAt,
                    ))
                    .col(text_null(AllianceMemberships::Reason))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AllianceMemberships::Table, AllianceMemberships::AllianceId)
                            .to(Alliances::Table, Alliances::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                AllianceMemberships::Table,
                                AllianceMemberships::EnterpriseId,
                            )
                            .to(Enterprises::Table, Enterprises::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_memberships_alliance_status")
                    .table(AllianceMemberships::Table)
                    .col(AllianceMemberships::AllianceId)
                    .col(AllianceMemberships::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_memberships_enterprise")
                    .table(AllianceMemberships::Table)
                    .col(AllianceMemberships::EnterpriseId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ActivityGroups::Table)
                    .col(big_pk_auto(ActivityGroups::Id))
                    .col(big_integer(ActivityGroups::AllianceId))
                    .col(string_len(ActivityGroups::Name, 64))
                    .col(big_integer_null(ActivityGroups::LeaderEnterpriseId))
                    .col(timestamp_with_time_zone(ActivityGroups::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ActivityGroups::Table, ActivityGroups::AllianceId)
                            .to(Alliances::Table, Alliances::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ActivityGroups::Table, ActivityGroups::LeaderEnterpriseId)
                            .to(Enterprises::Table, Enterprises::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_groups_alliance",
            ActivityGroups::Table,
            ActivityGroups::AllianceId,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(GroupMembers::Table)
                    .col(big_integer(GroupMembers::GroupId))
                    .col(big_integer(GroupMembers::EnterpriseId))
                    .primary_key(
                        Index::create()
                            .col(GroupMembers::GroupId)
                            .col(GroupMembers::EnterpriseId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(GroupMembers::Table, GroupMembers::GroupId)
                            .to(ActivityGroups::Table, ActivityGroups::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(GroupMembers::Table, GroupMembers::EnterpriseId)
                            .to(Enterprises::Table, Enterprises::Id),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Experts::Table)
                    .col(big_pk_auto(Experts::Id))
                    .col(string_len(Experts::Name, 64))
                    .col(string_len(Experts::Organisation, 128))
                    .col(big_integer(Experts::RegionId))
                    .col(string_len(Experts::Specialties, 255))
                    .col(string_len(Experts::Phone, 32))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Experts::Table, Experts::RegionId)
                            .to(Regions::Table, Regions::Id),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Experts::Table.into_iden(),
            GroupMembers::Table.into_iden(),
            ActivityGroups::Table.into_iden(),
            AllianceMemberships::Table.into_iden(),
            Alliances::Table.into_iden(),
            EnterpriseRiskTags::Table.into_iden(),
            Enterprises::Table.into_iden(),
            RiskTags::Table.into_iden(),
            Industries::Table.into_iden(),
            Regions::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
