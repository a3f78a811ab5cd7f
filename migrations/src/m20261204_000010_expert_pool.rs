//! The expert pool (专家库): an expert gains a title (职称) and an active flag, and the
//! specialties move from one comma-separated column of names into rows of codes
//! (`expert_specialties`), so the pool is searched by specialty through an index.

use sea_orm_migration::sea_orm::ConnectionTrait;
use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{add_column, fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Experts {
    Table,
    Id,
    Title,
    Active,
    Specialties,
}

#[derive(DeriveIden)]
enum ExpertSpecialties {
    Table,
    ExpertId,
    Specialty,
}

/// The specialty codes the names written in the older column stand for (as
/// `domain::expert::Specialty::from_name` reads them today; frozen here with the step).
fn code_of(name: &str) -> Option<&'static str> {
    Some(match name.trim() {
        "采矿" => "mining",
        "地质" => "geology",
        "通风" => "ventilation",
        "机电" => "electromech",
        "消防" => "fire",
        "危化" | "危化品" | "危险化学品" => "hazchem",
        "电气" => "electrical",
        "建筑施工" | "建筑" => "construction",
        "特种设备" => "special_equipment",
        "粉尘防爆" | "粉尘" => "dust",
        "有限空间" => "confined_space",
        _ => return None,
    })
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_column(
            manager,
            Experts::Table,
            string_len(Experts::Title, 50).default("").to_owned(),
        )
        .await?;
        add_column(
            manager,
            Experts::Table,
            boolean(Experts::Active).default(true).to_owned(),
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(ExpertSpecialties::Table)
                    .col(big_integer(ExpertSpecialties::ExpertId))
                    .col(string_len(ExpertSpecialties::Specialty, 32))
                    .primary_key(
                        Index::create()
                            .col(ExpertSpecialties::ExpertId)
                            .col(ExpertSpecialties::Specialty),
                    )
                    .foreign_key(&mut fk(
                        ExpertSpecialties::Table,
                        ExpertSpecialties::ExpertId,
                        Experts::Table,
                        Experts::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        // The pool searched by specialty: the experts of one specialty, by index.
        manager
            .create_index(
                Index::create()
                    .name("idx_expert_specialties_specialty")
                    .table(ExpertSpecialties::Table)
                    .col(ExpertSpecialties::Specialty)
                    .col(ExpertSpecialties::ExpertId)
                    .to_owned(),
            )
            .await?;

        let db = manager.get_connection();
        let rows = db
            .query_all(
                &Query::select()
                    .columns([Experts::Id, Experts::Specialties])
                    .from(Experts::Table)
                    .to_owned(),
            )
            .await?;
        for row in rows {
            let id: i64 = row.try_get("", "id")?;
            let names: String = row.try_get("", "specialties")?;
            let mut codes: Vec<&str> = names.split(',').filter_map(code_of).collect();
            codes.sort_unstable();
            codes.dedup();
            for code in codes {
                let insert = Query::insert()
                    .into_table(ExpertSpecialties::Table)
                    .columns([ExpertSpecialties::ExpertId, ExpertSpecialties::Specialty])
                    .values_panic([id.into(), code.into()])
                    .to_owned();
                manager.exec_stmt(insert).await?;
            }
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Experts::Table)
                    .drop_column(Experts::Specialties)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_column(
            manager,
            Experts::Table,
            string_len(Experts::Specialties, 255).default("").to_owned(),
        )
        .await?;
        manager
            .drop_table(Table::drop().table(ExpertSpecialties::Table).to_owned())
            .await?;
        for col in [Experts::Active, Experts::Title] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Experts::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
