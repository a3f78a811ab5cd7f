//! The demo service requests (`seed/fixtures/expert_requests.toml`), filed and taken through
//! their steps by the demo accounts with the same services as the pages and the API. Loaded
//! after the demo fixtures (`services::seed`) when the demo is loaded, not into the test
//! template.

use chrono::Duration;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::error::{AppError, AppResult};
use crate::models::{enterprise, expert, user};
use crate::services::audit::Actor;
use crate::services::auth;
use crate::state::Core;

use super::{AcceptInput, AssignInput, NewRequest, RateInput, ReasonInput, ReportInput, write};

pub(crate) async fn actor_of(core: &Core, u: user::Model) -> AppResult<Actor> {
    let scope = auth::scope_of(core, &u).await?;
    Ok(Actor {
        caller: auth::caller_of(&u, scope, String::new())?,
        ip: None,
        request_id: None,
        sent_key: None,
    })
}

pub(crate) async fn actor(core: &Core, username: &str) -> AppResult<Actor> {
    let u = user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    actor_of(core, u).await
}

/// The expert named `name` and the account it signs in with.
async fn expert_actor(core: &Core, name: &str) -> AppResult<(i64, Actor)> {
    let e = expert::Entity::find()
        .filter(expert::Column::Name.eq(name))
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let u = user::Entity::find()
        .filter(user::Column::ExpertId.eq(e.id))
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((e.id, actor_of(core, u).await?))
}

/// Files the demo requests and takes each as far as its fixture says.
pub async fn load(core: &Core) -> AppResult<()> {
    let data = seed::demo().map_err(|e| AppError::internal(anyhow::anyhow!(e)))?;
    let today = core.today();
    let day = |n: i64| (today + Duration::days(n)).to_string();
    for f in &data.expert_requests {
        let by = actor(core, &f.by).await?;
        let enterprise_id = match &f.enterprise {
            None => None,
            Some(code) => Some(
                enterprise::Entity::find()
                    .filter(enterprise::Column::CreditCode.eq(code.as_str()))
                    .one(&core.db)
                    .await?
                    .ok_or(AppError::NotFound)?
                    .id
                    .to_string(),
            ),
        };
        let filed = NewRequest {
            enterprise_id,
            topic: f.topic.clone(),
            specialty: f.specialty.clone(),
            description: f.description.clone(),
            preferred_from: day(f.preferred[0]),
            preferred_to: day(f.preferred[1]),
        };
        let id = write::create(core, &by, &filed).await?.id;
        if let (Some(officer), Some(reason)) = (&f.rejected_by, &f.rejected) {
            let reason = ReasonInput {
                reason: reason.clone(),
            };
            write::reject(core, &actor(core, officer).await?, id, &reason).await?;
            continue;
        }
        let (Some(name), Some(officer)) = (&f.expert, &f.assigned_by) else {
            continue;
        };
        let (expert_id, expert) = expert_actor(core, name).await?;
        let assign = AssignInput {
            expert_ids: vec![expert_id],
            confirm_conflict: false,
        };
        write::assign(core, &actor(core, officer).await?, id, &assign).await?;
        let Some(visit_in) = f.visit_in_days else {
            continue;
        };
        // The visit's checklist: the first bureau checklist offered for the enterprise.
        let offered = super::queries::visit_checklists(core, &expert.caller, id).await?;
        let accept = AcceptInput {
            visit_on: day(visit_in),
            template_version_id: offered.first().map(|c| c.version_id),
        };
        write::accept(core, &expert, id, &accept).await?;
        let Some(report) = &f.report else {
            continue;
        };
        let report = ReportInput {
            report: report.clone(),
        };
        write::report(core, &expert, id, &report).await?;
        let Some(confirming) = &f.completed_by else {
            continue;
        };
        let confirming = actor(core, confirming).await?;
        write::complete(core, &confirming, id).await?;
        if let Some(rating) = f.rating {
            let rate = RateInput {
                rating: Some(rating.to_string()),
                comment: f.comment.clone(),
            };
            write::rate(core, &confirming, id, &rate).await?;
        }
    }
    Ok(())
}
