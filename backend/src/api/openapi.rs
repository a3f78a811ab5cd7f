//! The OpenAPI document, served at `/api/v1/openapi.json` and browsable at `/api/docs/`.

use actix_web::HttpResponse;
use utoipa::{
    Modify, OpenApi,
    openapi::{
        Content, ObjectBuilder, Ref, RefOr, ResponseBuilder, Schema, Type,
        path::Operation,
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    },
};

#[derive(OpenApi)]
#[openapi(
    info(title = "安全生产互助管理联盟云平台 API", version = "1",
         description = "Work-safety mutual-aid alliance portal. Log in at /api/v1/auth/login and send the token as `Authorization: Bearer …`. Errors are `{code, message}`; lists are paginated with `page` and `per_page`. Times: instants (`found_at`, `created_at` and every other `*_at`) are RFC 3339 in UTC; calendar dates (`deadline`, `requested_deadline`, `reviewed_on`, `planned_on` and every other `YYYY-MM-DD` field) are days in the portal's zone (config `time_zone`, default Asia/Shanghai), and `overdue_days` counts from today in that zone."),
    components(schemas(super::ApiError)),
    modifiers(&RoutePaths, &BearerAuth, &CommonErrors),
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
        (name = "publications", description = "The regulations and notices library (法律法规 / 通知公告): search, read, publish, status, PDFs"),
        (name = "experts", description = "The expert pool (专家库): the bureau registers, edits, activates and deactivates experts with their accounts; committees and enterprises read the directory (name, specialties, organisation)"),
        (name = "expert_requests", description = "Expert service requests (专家服务申请): file, suggestions, assign, accept or decline, report, complete, rate, cancel"),
    )
)]
pub struct ApiDoc;

/// The operations, from the API routes of the inventory (`web::routes`): each route's
/// `#[utoipa::path]` gives its path, method and operation, and the schemas its bodies name.
struct RoutePaths;

impl Modify for RoutePaths {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let mut schemas = Vec::new();
        for route in crate::web::routes::inventory() {
            if let Some((methods, operation)) = route.operation() {
                openapi
                    .paths
                    .add_path_operation(&route.path, methods, operation);
                route.schemas(&mut schemas);
            }
        }
        openapi
            .components
            .get_or_insert_with(Default::default)
            .schemas
            .extend(schemas);
    }
}

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

/// The error answers every operation can give, added once here by rule instead of on each
/// handler (a handler's own, more specific description of the same status wins):
/// 401 and 403 where a token is needed, 404 where the path names something (`{…}`), 400 and
/// 422 where the operation takes parameters or a body, 409 for state changes (a retried
/// `Idempotency-Key`, a stale state), 413 for bodies, and 503 everywhere (the database away).
struct CommonErrors;

impl CommonErrors {
    fn add(op: &mut Operation, path: &str, changes_state: bool) {
        let authenticated = op.security.as_ref().is_some_and(|s| !s.is_empty());
        let takes_input = op.parameters.as_ref().is_some_and(|p| !p.is_empty())
            || op.request_body.is_some()
            || path.contains('{');
        let answers = [
            (
                "400",
                takes_input,
                "the request cannot be read (malformed JSON, query or path)",
            ),
            ("401", authenticated, "no valid bearer token"),
            ("403", authenticated, "not for the caller's role or tenant"),
            (
                "404",
                path.contains('{'),
                "absent, or outside the caller's scope",
            ),
            ("409", changes_state, "conflicts with the current state"),
            ("413", op.request_body.is_some(), "the body is too large"),
            (
                "422",
                takes_input,
                "invalid fields: `fields` names each with its message",
            ),
            (
                "503",
                true,
                "the database is unavailable for now; `Retry-After` says when to retry",
            ),
        ];
        for (status, applies, description) in answers {
            if applies && !op.responses.responses.contains_key(status) {
                let response = ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        Content::new(Some(Ref::from_schema_name("ApiError"))),
                    )
                    .build();
                op.responses
                    .responses
                    .insert(status.to_string(), RefOr::T(response));
            }
        }
    }
}

/// The `Idempotency-Key` header as `services::idempotency::parse_key` accepts it: 1 to 64
/// visible ASCII characters (written once here for every operation that takes it).
fn idempotency_key_schema(op: &mut Operation) {
    for param in op.parameters.iter_mut().flatten() {
        if let RefOr::T(param) = param
            && param.name.eq_ignore_ascii_case("Idempotency-Key")
        {
            param.schema = Some(RefOr::T(Schema::Object(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some("^[!-~]{1,64}$"))
                    .build(),
            )));
        }
    }
}

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            for (op, changes_state) in [
                (&mut item.get, false),
                (&mut item.put, true),
                (&mut item.post, true),
                (&mut item.delete, true),
                (&mut item.patch, true),
            ] {
                if let Some(op) = op {
                    Self::add(op, path, changes_state);
                    idempotency_key_schema(op);
                }
            }
        }
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

/// This module's routes, each with its access rule (composed in `web::routes`).
///
/// The document and the Swagger UI's entry (the UI itself is mounted in `startup`).
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::routes::RouteSpec> {
    use crate::auth::guard::Access::Public;
    use crate::web::routes::get;
    vec![
        get("/api/v1/openapi.json", Public, document),
        get("/api/docs", Public, docs_redirect),
    ]
}

#[cfg(test)]
mod tests {
    use utoipa::OpenApi;

    /// A coded enum's schema lists the codes it is stored and sent by, not its Rust names.
    #[test]
    fn a_coded_enum_schema_names_its_codes() {
        let doc = serde_json::to_value(super::ApiDoc::openapi()).expect("the document");
        let status = &doc["components"]["schemas"]["Status"]["enum"];
        assert_eq!(
            status,
            &serde_json::json!(["applied", "invited", "approved", "rejected", "left"]),
            "{status}"
        );
        // Inputs the user chooses from a vocabulary name their codes too.
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["AllianceKind"]["enum"],
            serde_json::json!(["industry", "regional", "park", "village"]),
        );
        assert_eq!(
            schemas["EnterpriseScale"]["enum"],
            serde_json::json!(["above", "small_micro"]),
        );
    }
}
