//! Schema migrations (sea-orm-migration). One file per step, never edited once landed;
//! seed data never lives here (see the `seed` crate).

pub use sea_orm_migration::prelude::*;

mod helpers;
mod m20261124_000001_registry;
mod m20261124_000002_identity;
mod m20261124_000003_membership_history;
mod m20261124_000004_participation_targets;
mod m20261124_000005_import_batches;
mod m20261124_000006_inspections;
mod m20261124_000007_closed_loop;
mod m20261202_000008_login_throttle;
mod m20261203_000009_publications;
mod m20261204_000010_expert_pool;
mod m20261204_000011_publication_reach;
mod m20261204_000012_legal_basis_links;
mod m20261204_000013_expert_requests;
mod m20261204_000014_expert_accounts;
mod m20261204_000015_publication_bigrams;
mod m20261204_000016_expert_inspections;
mod m20261206_000017_audit_request_id;
mod m20261206_000018_outbox_lz4;
mod m20261207_000019_read_path;
mod m20261208_000020_covering_queue;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_registry::Migration),
            Box::new(m20261124_000002_identity::Migration),
            Box::new(m20261124_000003_membership_history::Migration),
            Box::new(m20261124_000004_participation_targets::Migration),
            Box::new(m20261124_000005_import_batches::Migration),
            Box::new(m20261124_000006_inspections::Migration),
            Box::new(m20261124_000007_closed_loop::Migration),
            Box::new(m20261202_000008_login_throttle::Migration),
            Box::new(m20261203_000009_publications::Migration),
            Box::new(m20261204_000010_expert_pool::Migration),
            Box::new(m20261204_000011_publication_reach::Migration),
            Box::new(m20261204_000012_legal_basis_links::Migration),
            Box::new(m20261204_000013_expert_requests::Migration),
            Box::new(m20261204_000014_expert_accounts::Migration),
            Box::new(m20261204_000015_publication_bigrams::Migration),
            Box::new(m20261204_000016_expert_inspections::Migration),
            Box::new(m20261206_000017_audit_request_id::Migration),
            Box::new(m20261206_000018_outbox_lz4::Migration),
            Box::new(m20261207_000019_read_path::Migration),
            Box::new(m20261208_000020_covering_queue::Migration),
        ]
    }
}
