//! `/api/v1/participation`: participation rates (参盟率) per region against their targets, and
//! the bureau's setting of a region's target.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::error::AppResult;
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::services::participation::{self, ParticipationReport, TargetSet};
use crate::web::AppState;

/// The new target of a region.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TargetInput {
    /// Whole percent 0..=100 for the small and micro enterprises' participation rate. Anything
    /// else (101, -1, 85.5, "abc") answers 422 with a message for `target_percent`.
    #[schema(required = true, value_type = i32, minimum = 0, maximum = 100, example = 85)]
    #[serde(default)]
    pub target_percent: serde_json::Value,
}

impl TargetInput {
    /// The value as the user gave it, for the domain's parser (numbers and numeric text alike).
    fn as_text(&self) -> String {
        match &self.target_percent {
            // `91.0` is the whole number 91, as JSON Schema's `integer` has it.
            serde_json::Value::Number(n) => match n.as_f64() {
                Some(f) if n.as_i64().is_none() && f.fract() == 0.0 && f.abs() < 1e9 => {
                    format!("{f:.0}")
                }
                _ => n.to_string(),
            },
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => String::new(),
            // Booleans, lists, objects: never a percent.
            _ => "x".into(),
        }
    }
}

/// Participation of the caller's region and of each child region: a bureau officer's own
/// region, the system admin's whole city.
#[utoipa::path(get, path = "/api/v1/participation", tag = "registry",
    responses((status = 200, body = ParticipationReport)),
    security(("bearer" = [])))]
pub async fn report(state: web::Data<AppState>, caller: Caller) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(participation::report(&state.core, &caller.scope).await?))
}

/// Set the participation target of the officer's region or of a region below it (it applies
/// to that region's subtree unless a descendant has its own). 404 for a region outside the
/// officer's jurisdiction.
#[utoipa::path(put, path = "/api/v1/participation/targets/{region_code}", tag = "registry",
    request_body = TargetInput,
    params(("region_code" = String, Path, description = "region code, e.g. 330381101")),
    responses((status = 200, body = TargetSet),
              (status = 422, description = "invalid target", body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn set_target(
    state: web::Data<AppState>,
    actor: Actor,
    region_code: web::Path<String>,
    body: web::Json<TargetInput>,
) -> AppResult<HttpResponse> {
    let set = participation::set_target(&state.core, &actor, &region_code, &body.as_text()).await?;
    Ok(HttpResponse::Ok().json(set))
}

/// This module's routes, each with its access rule (composed in `web::routes`).
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Roles;
    use crate::web::routes::{
        api,
        roles::{PARTICIPATION_READERS, TARGET_SETTERS},
    };
    vec![
        api(Roles(PARTICIPATION_READERS), __path_report, report),
        api(Roles(TARGET_SETTERS), __path_set_target, set_target),
    ]
}
