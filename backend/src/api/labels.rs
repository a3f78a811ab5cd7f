//! `/api/v1/labels` and `/api/v1/enterprises/{id}/scores`: the bureau's scoring rules for the
//! enterprise labels (三色标签) and each enterprise's score history.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::error::AppResult;
use crate::scope::Caller;
use crate::services::PageParams;
use crate::services::audit::Actor;
use crate::services::labels::{self, EnterpriseScores, LabelsOverview, RulesSet};
use crate::web::AppState;

/// Which region's rules to read.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RegionQuery {
    /// Region code inside the caller's jurisdiction; the caller's own region when absent.
    pub region: Option<String>,
}

/// New scoring rules of a region. Every value is a whole number 0..=100; the base above 0;
/// `green_min` above `yellow_min` and at most `base`. A missing or invalid value answers 422
/// with a message for that field.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RulesInput {
    /// Region code inside the officer's jurisdiction; the officer's own region when absent.
    #[serde(default)]
    pub region: Option<String>,
    #[schema(value_type = i64, required = true, minimum = 0, maximum = 100, example = 100)]
    pub base: Option<i64>,
    #[schema(value_type = i64, required = true, minimum = 0, maximum = 100, example = 3)]
    pub per_general: Option<i64>,
    #[schema(value_type = i64, required = true, minimum = 0, maximum = 100, example = 20)]
    pub per_major: Option<i64>,
    #[schema(value_type = i64, required = true, minimum = 0, maximum = 100, example = 1)]
    pub per_overdue_day: Option<i64>,
    #[schema(value_type = i64, required = true, minimum = 0, maximum = 100, example = 2)]
    pub timely_bonus: Option<i64>,
    #[schema(value_type = i64, required = true, minimum = 0, maximum = 100, example = 85)]
    pub green_min: Option<i64>,
    #[schema(value_type = i64, required = true, minimum = 0, maximum = 100, example = 60)]
    pub yellow_min: Option<i64>,
}

/// The scoring rules that apply to the caller's region (own, inherited or the defaults), what
/// it would inherit, and how its enterprises are labelled; the same for each child region.
#[utoipa::path(get, path = "/api/v1/labels/rules", tag = "labels",
    params(RegionQuery),
    responses((status = 200, body = LabelsOverview),
              (status = 404, body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn rules(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<RegionQuery>,
) -> AppResult<HttpResponse> {
    let overview = labels::overview(&state.core, &caller.scope, q.region.as_deref()).await?;
    Ok(HttpResponse::Ok().json(overview))
}

/// Set the scoring rules of the officer's region (or of a region below it): every enterprise
/// there is scored again at once, with a history entry where its score or label changes. A
/// region above or beside the officer's answers 404.
#[utoipa::path(put, path = "/api/v1/labels/rules", tag = "labels",
    request_body = RulesInput,
    responses((status = 200, body = RulesSet),
              (status = 404, body = super::ApiError),
              (status = 422, description = "invalid rules", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn set_rules(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<RulesInput>,
) -> AppResult<HttpResponse> {
    let b = body.into_inner();
    let values = [
        b.base,
        b.per_general,
        b.per_major,
        b.per_overdue_day,
        b.timely_bonus,
        b.green_min,
        b.yellow_min,
    ];
    let set = labels::set_rules(&state.core, &actor, b.region.as_deref(), values).await?;
    Ok(HttpResponse::Ok().json(set))
}

/// An enterprise's current score and label (三色标签) and its history, newest first; 404 when
/// the enterprise is outside the caller's scope.
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/scores", tag = "labels",
    params(("id" = i64, Path, description = "enterprise id"), PageParams),
    responses((status = 200, body = EnterpriseScores)),
    security(("bearer" = [])))]
pub async fn scores(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    page: PageParams,
) -> AppResult<HttpResponse> {
    let scores = labels::scores(&state.core, &caller.scope, *id, page).await?;
    Ok(HttpResponse::Ok().json(scores))
}

/// This module's routes, each with its access rule (composed in `web::routes`).
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::{Authenticated, Roles};
    use crate::web::routes::{
        api,
        roles::{PARTICIPATION_READERS, TARGET_SETTERS},
    };
    vec![
        api(Roles(PARTICIPATION_READERS), __path_rules, rules),
        api(Roles(TARGET_SETTERS), __path_set_rules, set_rules),
        api(Authenticated, __path_scores, scores),
    ]
}
