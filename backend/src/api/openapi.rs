//! The OpenAPI document, served at `/api/v1/openapi.json` and browsable at `/api/docs/`.

use actix_web::HttpResponse;
use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

#[derive(OpenApi)]
#[openapi(
    info(title = "安全生产互助管理联盟云平台 API", version = "1",
         description = "Work-safety mutual-aid alliance portal. Log in at /api/v1/auth/login and send the token as `Authorization: Bearer …`. Errors are `{code, message}`; lists are paginated with `page` and `per_page`. Times: instants (`found_at`, `created_at` and every other `*_at`) are RFC 3339 in UTC; calendar dates (`deadline`, `requested_deadline`, `reviewed_on`, `planned_on` and every other `YYYY-MM-DD` field) are days in the portal's zone (config `time_zone`, default Asia/Shanghai), and `overdue_days` counts from today in that zone."),
    paths(
        super::auth::login, super::auth::logout, super::auth::change_password, super::auth::me,
        super::enterprises::list, super::enterprises::get, super::enterprises::create,
        super::enterprises::update, super::enterprises::update_contact,
        super::memberships::list, super::memberships::events, super::memberships::apply,
        super::memberships::invite, super::memberships::approve, super::memberships::reject,
        super::memberships::accept, super::memberships::decline, super::memberships::leave,
        super::groups::list, super::groups::create, super::groups::rename,
        super::groups::add_member, super::groups::remove_member, super::groups::set_leader,
        super::participation::report, super::participation::set_target,
        super::labels::rules, super::labels::set_rules, super::labels::scores,
        super::regions::list, super::regions::create, super::regions::rename,
        super::catalog::industries, super::catalog::create_industry,
        super::catalog::rename_industry, super::catalog::risk_tags,
        super::catalog::create_risk_tag, super::catalog::rename_risk_tag,
        super::staff::list, super::staff::create, super::staff::deactivate,
        super::staff::reset_password,
        super::alliances::list, super::alliances::get, super::alliances::create,
        super::alliances::update, super::alliances::appoint, super::alliances::deactivate,
        super::inspections::list, super::inspections::get, super::inspections::create_self,
        super::inspections::start, super::inspections::submit, super::inspections::review,
        super::hazards::list, super::hazards::get,
        super::rectification::acknowledge, super::rectification::dispute,
        super::rectification::uphold, super::rectification::withdraw,
        super::rectification::evidence, super::rectification::verify,
        super::rectification::reject, super::rectification::request_extension,
        super::rectification::grant_extension, super::rectification::refuse_extension,
        super::rectification::comment, super::rectification::timeline,
        super::rectification::todo, super::rectification::queue,
        super::supervision::list, super::supervision::update,
        super::audit::search,
        super::notifications::list, super::notifications::unread_count,
        super::notifications::mark_read, super::notifications::read_all,
        super::files::public, super::files::thumb, super::files::original,
        super::checklists::list, super::checklists::get, super::checklists::create,
        super::checklists::update, super::checklists::archive, super::checklists::restore,
        super::rounds::list, super::rounds::get, super::rounds::create, super::rounds::set_pairs,
        super::rounds::publish, super::rounds::discard,
    ),
    components(schemas(super::ApiError)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Login, logout, the caller"),
        (name = "registry", description = "Enterprises, alliances, groups"),
        (name = "inspections", description = "Inspections, their submission and the hazards found"),
        (name = "audit", description = "The audit log"),
        (name = "notifications", description = "The caller's in-app notifications (站内信)"),
        (name = "files", description = "Photos and documents (attachments)"),
        (name = "checklists", description = "Checklist templates (检查表) and their versions"),
        (name = "rounds", description = "Mutual-inspection rounds (互查轮次) of activity groups"),
        (name = "rectification", description = "The rectification loop (整改闭环): plan, evidence, verification, disputes, extensions, timeline, to-do and queue"),
        (name = "labels", description = "Enterprise labels (三色标签): scoring rules and score history"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

/// `/api/docs` → `/api/docs/` (the Swagger UI, served offline from the binary).
pub async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header(("Location", "/api/docs/"))
        .finish()
}
