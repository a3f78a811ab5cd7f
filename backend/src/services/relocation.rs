//! Moving or renaming an enterprise: every row that copied its region path or its name follows
//! it, inside the caller's transaction, with an audit record of the move. The one function both
//! the register's edit and an import that changes an existing enterprise call.
//!
//! What follows the enterprise: rows copied from the **inspected** enterprise — its hazards,
//! the inspections of it (`region_path` is the inspected side's), the supervision listings of
//! its hazards and the attachments about it — and its expert service requests. Nothing is copied from the inspecting side, so an
//! inspector that moves moves no rows. The audit log keeps the path its actor had at the time
//! (a record of what happened, never rewritten); released listings keep the unit that
//! supervised them; a unit the bureau typed by hand is kept.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, Query},
};

use crate::domain::supervision::SupervisionStatus;
use crate::error::AppResult;
use crate::models::{attachment, enterprise, expert_request, hazard, inspection, supervision};
use crate::services::audit::{self, Author, Outcome};
use crate::services::supervision::{MAX_UNIT, supervising_unit};

/// Rewrites the copies of `before`'s region path and name to those of `after` (the same
/// enterprise, as just updated in `conn`'s transaction). Records `enterprise.move` when the
/// region changed.
pub async fn follow_enterprise<C: ConnectionTrait>(
    conn: &C,
    at: DateTime<Utc>,
    author: &Author,
    before: &enterprise::Model,
    after: &enterprise::Model,
) -> AppResult<()> {
    let id = after.id;
    let its_hazards = || {
        Query::select()
            .column(hazard::Column::Id)
            .from(hazard::Entity)
            .and_where(hazard::Column::EnterpriseId.eq(id))
            .to_owned()
    };
    if before.region_path != after.region_path {
        let path = after.region_path.clone();
        let hazards = hazard::Entity::update_many()
            .col_expr(hazard::Column::RegionPath, Expr::value(path.clone()))
            .filter(hazard::Column::EnterpriseId.eq(id))
            .exec(conn)
            .await?
            .rows_affected;
        let inspections = inspection::Entity::update_many()
            .col_expr(inspection::Column::RegionPath, Expr::value(path.clone()))
            .filter(inspection::Column::InspectedEnterpriseId.eq(id))
            .exec(conn)
            .await?
            .rows_affected;
        let files = attachment::Entity::update_many()
            .col_expr(attachment::Column::RegionPath, Expr::value(path.clone()))
            .filter(attachment::Column::EnterpriseId.eq(id))
            .exec(conn)
            .await?
            .rows_affected;
        let requests = expert_request::Entity::update_many()
            .col_expr(
                expert_request::Column::RegionPath,
                Expr::value(path.clone()),
            )
            .filter(expert_request::Column::EnterpriseId.eq(id))
            .exec(conn)
            .await?
            .rows_affected;
        let (old_unit, new_unit) = (
            supervising_unit(conn, &before.region_path).await?,
            supervising_unit(conn, &path).await?,
        );
        supervision::Entity::update_many()
            .col_expr(supervision::Column::SupervisingUnit, Expr::value(new_unit))
            .filter(supervision::Column::HazardId.in_subquery(its_hazards()))
            .filter(supervision::Column::Status.eq(SupervisionStatus::Listed))
            .filter(supervision::Column::SupervisingUnit.eq(old_unit))
            .exec(conn)
            .await?;
        let listings = supervision::Entity::update_many()
            .col_expr(supervision::Column::RegionPath, Expr::value(path.clone()))
            .filter(supervision::Column::HazardId.in_subquery(its_hazards()))
            .exec(conn)
            .await?
            .rows_affected;
        audit::record(
            conn,
            at,
            author,
            "enterprise.move",
            Some(("enterprise", id.to_string())),
            Outcome::Success,
            Some(format!(
                "{} → {path}: {hazards} hazards, {inspections} inspections, \
                 {listings} listings, {files} files, {requests} expert requests",
                before.region_path
            )),
        )
        .await?;
    }
    if before.name != after.name {
        let unit = |name: &str| name.chars().take(MAX_UNIT).collect::<String>();
        supervision::Entity::update_many()
            .col_expr(
                supervision::Column::ResponsibleUnit,
                Expr::value(unit(&after.name)),
            )
            .filter(supervision::Column::HazardId.in_subquery(its_hazards()))
            .filter(supervision::Column::Status.eq(SupervisionStatus::Listed))
            .filter(supervision::Column::ResponsibleUnit.eq(unit(&before.name)))
            .exec(conn)
            .await?;
    }
    Ok(())
}
