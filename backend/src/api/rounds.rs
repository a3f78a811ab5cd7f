//! `/api/v1/rounds`: 互查轮次 — the rounds in the caller's scope (a committee its alliance's, a
//! bureau its region's alliances', an enterprise the published rounds of its groups, with its
//! own assignments only); the committee generates a draft round for one of its groups, sets
//! its pairs, publishes or discards it.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::domain::rounds::{Pair, SeveralAssignments};
use crate::error::AppResult;
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::{PageParams, Paged, rounds};
use crate::web::AppState;

/// The rounds the caller may see, newest first.
#[utoipa::path(get, path = "/api/v1/rounds", tag = "rounds",
    params(rounds::RoundFilter, PageParams),
    responses((status = 200, body = Paged<rounds::RoundSummary>),
              (status = 400, description = "unknown status", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    filter: web::Query<rounds::RoundFilter>,
    page: PageParams,
) -> AppResult<HttpResponse> {
    let list = rounds::list(&state.core, &caller.scope, &filter, page).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// One round with its pairs (an enterprise sees the pairs it is part of).
#[utoipa::path(get, path = "/api/v1/rounds/{id}", tag = "rounds",
    params(("id" = i64, Path, description = "round id")),
    responses((status = 200, body = rounds::RoundDetail),
              (status = 404, description = "no such round in the caller's scope (a draft is the committee's only)", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(rounds::detail(&state.core, &caller.scope, *id).await?))
}

/// Generate a draft round for a group of the committee's alliance: every member inspected
/// once by another member, avoiding the pairs of the group's earlier published rounds. With an
/// `Idempotency-Key`, a retry returns the round the first request generated.
#[utoipa::path(post, path = "/api/v1/rounds", tag = "rounds", request_body = rounds::NewRound,
    params(("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 201, body = rounds::RoundDetail),
              (status = 404, description = "no such group in the committee's alliance", body = super::ApiError),
              (status = 409, description = "the group already has a draft round", body = super::ApiError),
              (status = 422, description = "title missing, checklist not usable, or fewer than 2 members", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<rounds::NewRound>,
) -> AppResult<HttpResponse> {
    let round = rounds::generate(&state.core, &actor, &body).await?;
    let detail = rounds::detail(&state.core, &actor.caller.scope, round.round_id).await?;
    Ok(HttpResponse::Created().json(detail))
}

/// One pair as set by the committee.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PairRequest {
    pub inspected_enterprise_id: i64,
    pub inspecting_enterprise_id: i64,
}

/// The full set of pairs of a draft round.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PairsRequest {
    pub pairs: Vec<PairRequest>,
}

/// The round after an adjustment, with the inspectors left with several assignments.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct AdjustedRound {
    #[serde(flatten)]
    pub detail: rounds::RoundDetail,
    pub several_assignments: Vec<SeveralAssignments>,
}

/// Set the pairs of a draft round: every member inspected exactly once, by a member of the
/// round, never by itself. An inspector may get two assignments (reported, not refused).
#[utoipa::path(put, path = "/api/v1/rounds/{id}/pairs", tag = "rounds",
    request_body = PairsRequest,
    params(("id" = i64, Path, description = "round id")),
    responses((status = 200, body = AdjustedRound),
              (status = 409, description = "the round is published", body = super::ApiError),
              (status = 422, description = "a problem per field `inspector_<inspected id>`: self-inspection, inspected twice or not at all, not a member", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn set_pairs(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: web::Json<PairsRequest>,
) -> AppResult<HttpResponse> {
    let pairs: Vec<Pair> = body
        .pairs
        .iter()
        .map(|p| Pair {
            inspector: p.inspecting_enterprise_id,
            inspected: p.inspected_enterprise_id,
        })
        .collect();
    let warnings = rounds::adjust_pairs(&state.core, &actor, *id, &pairs).await?;
    let detail = rounds::detail(&state.core, &actor.caller.scope, *id).await?;
    Ok(HttpResponse::Ok().json(AdjustedRound {
        detail,
        several_assignments: warnings,
    }))
}

/// Publish a draft round: its members see their assignments from now on. With an
/// `Idempotency-Key`, a retry gets the first answer instead of 409.
#[utoipa::path(post, path = "/api/v1/rounds/{id}/publish", tag = "rounds",
    params(("id" = i64, Path, description = "round id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes a retry safe")),
    responses((status = 200, body = rounds::RoundDetail),
              (status = 409, description = "already published", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn publish(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    rounds::publish(&state.core, &actor, *id).await?;
    Ok(HttpResponse::Ok().json(rounds::detail(&state.core, &actor.caller.scope, *id).await?))
}

/// Discard a draft round with its pairs.
#[utoipa::path(delete, path = "/api/v1/rounds/{id}", tag = "rounds",
    params(("id" = i64, Path, description = "round id")),
    responses((status = 204, description = "discarded"),
              (status = 409, description = "the round is published", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn discard(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    rounds::discard(&state.core, &actor, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// This module's routes, each with its access rule (composed in `web::routes`).
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::{Authenticated, Roles};
    use crate::web::routes::{api, roles::COMMITTEE_MEMBERS};
    vec![
        api(Authenticated, __path_list, list),
        api(Roles(COMMITTEE_MEMBERS), __path_create, create),
        api(Authenticated, __path_get, get),
        api(Roles(COMMITTEE_MEMBERS), __path_discard, discard),
        api(Roles(COMMITTEE_MEMBERS), __path_set_pairs, set_pairs),
        api(Roles(COMMITTEE_MEMBERS), __path_publish, publish),
    ]
}
