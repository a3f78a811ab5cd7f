//! The route inventory: every route of the app, with its method, path and access rule. The
//! router is built from this list and nothing else, so a route cannot exist without an access
//! rule; the integration tests walk the same list (the authorization matrix).

use actix_web::{
    HttpResponse, Route,
    http::{Method, header},
    middleware::from_fn,
    web::{self, ServiceConfig},
};

use crate::api;
use crate::auth::guard::{Access, enforce};
use crate::domain::role::{Portal as P, Role};
use crate::web::pages::{
    account, alliances, audit, enterprises, groups, hazards, home, imports, inspections, members,
    my_alliances, ops, rectification,
};

#[derive(Clone)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    route: fn() -> Route,
}

impl std::fmt::Debug for RouteSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} ({:?})", self.method, self.path, self.access)
    }
}

const fn spec(
    method: Method,
    path: &'static str,
    access: Access,
    route: fn() -> Route,
) -> RouteSpec {
    RouteSpec {
        method,
        path,
        access,
        route,
    }
}

/// Roles that may read the audit log through the API.
const AUDIT_READERS: &[Role] = &[Role::Admin, Role::Regulator];
/// The alliance side of memberships, and the keepers of activity groups.
const COMMITTEE_MEMBERS: &[Role] = &[Role::Committee];
/// Roles that register and edit enterprises.
const REGISTRARS: &[Role] = &[Role::Admin, Role::Regulator];
/// Roles that read participation figures (参盟率) and the label rules (三色标签): the bureau,
/// and the admin for the city.
const PARTICIPATION_READERS: &[Role] = &[Role::Admin, Role::Regulator];
/// Roles that set participation targets and label rules (the bureau, inside its jurisdiction).
const TARGET_SETTERS: &[Role] = &[Role::Regulator];
/// Who reads the supervision list (挂牌督办): the bureau (its region), the admin (the city).
const SUPERVISION_READERS: &[Role] = &[Role::Admin, Role::Regulator];
/// Who sets a listing's units and deadline: the bureau, inside its region.
const SUPERVISION_EDITORS: &[Role] = &[Role::Regulator];
/// Roles that keep their own enterprise's contact details.
const ENTERPRISE_ADMINS: &[Role] = &[Role::EnterpriseAdmin];
/// The accounts of an enterprise (its staff list is theirs to read).
const ENTERPRISE_USERS: &[Role] = &[Role::EnterpriseAdmin, Role::EnterpriseStaff];

/// Who publishes checklist templates: the bureau for its region, a committee for its alliance.
const CHECKLIST_PUBLISHERS: &[Role] = &[Role::Regulator, Role::Committee];
/// Who edits, archives and restores them (the admin any; the others their own, inside).
const CHECKLIST_KEEPERS: &[Role] = &[Role::Admin, Role::Regulator, Role::Committee];

pub fn inventory() -> Vec<RouteSpec> {
    use Access::*;
    use Method as M;
    vec![
        // Operations and assets.
        spec(M::GET, "/healthz", Public, || web::get().to(ops::healthz)),
        spec(M::GET, "/readyz", Public, || web::get().to(ops::readyz)),
        spec(M::GET, "/static/{name}", Public, || {
            web::get().to(ops::asset)
        }),
        // Sign-in and account.
        spec(M::GET, "/", Public, || web::get().to(account::root)),
        spec(M::GET, "/login", Public, || {
            web::get().to(account::login_page)
        }),
        spec(M::POST, "/login", Public, || {
            web::post().to(account::login_submit)
        }),
        spec(M::POST, "/logout", Authenticated, || {
            web::post().to(account::logout)
        }),
        spec(M::GET, "/lang/{code}", Public, || {
            web::get().to(account::switch_lang)
        }),
        spec(M::GET, "/account/password", Authenticated, || {
            web::get().to(account::password_page)
        }),
        // 站内信: everyone's own notifications (someone else's id is 404).
        spec(M::GET, "/notifications", Authenticated, || {
            web::get().to(crate::web::pages::notifications::list)
        }),
        spec(M::POST, "/notifications/read-all", Authenticated, || {
            web::post().to(crate::web::pages::notifications::read_all)
        }),
        spec(M::POST, "/notifications/{id}/read", Authenticated, || {
            web::post().to(crate::web::pages::notifications::mark_read)
        }),
        spec(M::POST, "/account/password", Authenticated, || {
            web::post().to(account::password_submit)
        }),
        // Uploaded files (photos, PDFs); scope and the evidence rule are in services::files.
        spec(M::GET, "/files/{id}", Authenticated, || {
            web::get().to(crate::web::pages::files::public)
        }),
        spec(M::GET, "/files/{id}/thumb", Authenticated, || {
            web::get().to(crate::web::pages::files::thumb)
        }),
        spec(M::GET, "/files/{id}/original", Authenticated, || {
            web::get().to(crate::web::pages::files::original)
        }),
        // Portals.
        spec(M::GET, "/admin", Portal(P::Admin), || {
            web::get().to(home::admin)
        }),
        spec(M::GET, "/admin/audit", Portal(P::Admin), || {
            web::get().to(audit::search)
        }),
        spec(M::GET, "/regulator", Portal(P::Regulator), || {
            web::get().to(home::regulator)
        }),
        spec(
            M::GET,
            "/regulator/enterprises",
            Portal(P::Regulator),
            || web::get().to(enterprises::list),
        ),
        spec(
            M::POST,
            "/regulator/enterprises",
            Portal(P::Regulator),
            || web::post().to(enterprises::create),
        ),
        // Fixed paths before `{id}`: the router takes the first pattern that matches.
        spec(
            M::GET,
            "/regulator/enterprises/export.xlsx",
            Portal(P::Regulator),
            || web::get().to(enterprises::export),
        ),
        spec(
            M::GET,
            "/regulator/enterprises/new",
            Portal(P::Regulator),
            || web::get().to(enterprises::new_form),
        ),
        spec(
            M::GET,
            "/regulator/enterprises/{id}",
            Portal(P::Regulator),
            || web::get().to(enterprises::file),
        ),
        spec(
            M::POST,
            "/regulator/enterprises/{id}",
            Portal(P::Regulator),
            || web::post().to(enterprises::update),
        ),
        spec(
            M::GET,
            "/regulator/enterprises/{id}/edit",
            Portal(P::Regulator),
            || web::get().to(enterprises::edit_form),
        ),
        // 互助联盟: the register, the alliance page and its committee accounts.
        spec(M::GET, "/regulator/alliances", Portal(P::Regulator), || {
            web::get().to(alliances::list)
        }),
        spec(
            M::POST,
            "/regulator/alliances",
            Portal(P::Regulator),
            || web::post().to(alliances::create),
        ),
        spec(
            M::GET,
            "/regulator/alliances/export.xlsx",
            Portal(P::Regulator),
            || web::get().to(alliances::export),
        ),
        spec(
            M::GET,
            "/regulator/alliances/new",
            Portal(P::Regulator),
            || web::get().to(alliances::new_form),
        ),
        spec(
            M::GET,
            "/regulator/alliances/{id}",
            Portal(P::Regulator),
            || web::get().to(alliances::show),
        ),
        spec(
            M::POST,
            "/regulator/alliances/{id}",
            Portal(P::Regulator),
            || web::post().to(alliances::update),
        ),
        spec(
            M::GET,
            "/regulator/alliances/{id}/edit",
            Portal(P::Regulator),
            || web::get().to(alliances::edit_form),
        ),
        spec(
            M::POST,
            "/regulator/alliances/{id}/committee",
            Portal(P::Regulator),
            || web::post().to(alliances::appoint),
        ),
        spec(
            M::POST,
            "/regulator/alliances/{id}/committee/{user_id}/deactivate",
            Portal(P::Regulator),
            || web::post().to(alliances::deactivate),
        ),
        spec(M::GET, "/regulator/imports", Portal(P::Regulator), || {
            web::get().to(imports::index)
        }),
        spec(M::POST, "/regulator/imports", Portal(P::Regulator), || {
            web::post().to(imports::upload)
        }),
        spec(
            M::GET,
            "/regulator/imports/template.xlsx",
            Portal(P::Regulator),
            || web::get().to(imports::template),
        ),
        spec(
            M::GET,
            "/regulator/imports/{id}",
            Portal(P::Regulator),
            || web::get().to(imports::show),
        ),
        spec(
            M::GET,
            "/regulator/imports/{id}/progress",
            Portal(P::Regulator),
            || web::get().to(imports::progress),
        ),
        spec(
            M::POST,
            "/regulator/imports/{id}/commit",
            Portal(P::Regulator),
            || web::post().to(imports::commit),
        ),
        spec(M::GET, "/enterprise/profile", Portal(P::Enterprise), || {
            web::get().to(enterprises::profile)
        }),
        spec(
            M::POST,
            "/enterprise/profile",
            Portal(P::Enterprise),
            || web::post().to(enterprises::update_contact),
        ),
        // 行政区划 and 行业与标签 (bureau; catalog changes only at city level, checked inside).
        spec(M::GET, "/regulator/regions", Portal(P::Regulator), || {
            web::get().to(crate::web::pages::regions::page)
        }),
        spec(M::POST, "/regulator/regions", Portal(P::Regulator), || {
            web::post().to(crate::web::pages::regions::create)
        }),
        spec(
            M::POST,
            "/regulator/regions/{code}/rename",
            Portal(P::Regulator),
            || web::post().to(crate::web::pages::regions::rename),
        ),
        spec(M::GET, "/regulator/catalog", Portal(P::Regulator), || {
            web::get().to(crate::web::pages::catalog::page)
        }),
        spec(
            M::POST,
            "/regulator/catalog/industries",
            Portal(P::Regulator),
            || web::post().to(crate::web::pages::catalog::create_industry),
        ),
        spec(
            M::POST,
            "/regulator/catalog/industries/{code}/rename",
            Portal(P::Regulator),
            || web::post().to(crate::web::pages::catalog::rename_industry),
        ),
        spec(
            M::POST,
            "/regulator/catalog/risk-tags",
            Portal(P::Regulator),
            || web::post().to(crate::web::pages::catalog::create_tag),
        ),
        spec(
            M::POST,
            "/regulator/catalog/risk-tags/{code}/rename",
            Portal(P::Regulator),
            || web::post().to(crate::web::pages::catalog::rename_tag),
        ),
        // 人员账号: staff see the list; the enterprise admin manages the accounts.
        spec(M::GET, "/enterprise/staff", Portal(P::Enterprise), || {
            web::get().to(crate::web::pages::staff::page)
        }),
        spec(
            M::POST,
            "/enterprise/staff",
            Roles(ENTERPRISE_ADMINS),
            || web::post().to(crate::web::pages::staff::create),
        ),
        spec(
            M::POST,
            "/enterprise/staff/{user_id}/deactivate",
            Roles(ENTERPRISE_ADMINS),
            || web::post().to(crate::web::pages::staff::deactivate),
        ),
        spec(
            M::POST,
            "/enterprise/staff/{user_id}/password",
            Roles(ENTERPRISE_ADMINS),
            || web::post().to(crate::web::pages::staff::reset_password),
        ),
        spec(M::GET, "/regulator/audit", Portal(P::Regulator), || {
            web::get().to(audit::search)
        }),
        // 参盟率: figures per region and the targets.
        spec(
            M::GET,
            "/regulator/participation",
            Portal(P::Regulator),
            || web::get().to(crate::web::pages::participation::page),
        ),
        spec(
            M::POST,
            "/regulator/participation/targets",
            Portal(P::Regulator),
            || web::post().to(crate::web::pages::participation::set_target),
        ),
        // 三色标签: scoring rules per region and the labels of its enterprises.
        spec(M::GET, "/regulator/labels", Portal(P::Regulator), || {
            web::get().to(crate::web::pages::labels::page)
        }),
        spec(M::POST, "/regulator/labels", Portal(P::Regulator), || {
            web::post().to(crate::web::pages::labels::set_rules)
        }),
        // 检查表: bureau and committee publish and edit (one set of handlers); enterprises read.
        spec(
            M::GET,
            "/regulator/checklists",
            Portal(P::Regulator),
            || web::get().to(crate::web::pages::checklists::list),
        ),
        spec(
            M::POST,
            "/regulator/checklists",
            Portal(P::Regulator),
            || web::post().to(crate::web::pages::checklists::create),
        ),
        spec(
            M::GET,
            "/regulator/checklists/new",
            Portal(P::Regulator),
            || web::get().to(crate::web::pages::checklists::new_form),
        ),
        spec(
            M::GET,
            "/regulator/checklists/{id}",
            Portal(P::Regulator),
            || web::get().to(crate::web::pages::checklists::show),
        ),
        spec(
            M::POST,
            "/regulator/checklists/{id}",
            Portal(P::Regulator),
            || web::post().to(crate::web::pages::checklists::update),
        ),
        spec(
            M::GET,
            "/regulator/checklists/{id}/edit",
            Portal(P::Regulator),
            || web::get().to(crate::web::pages::checklists::edit_form),
        ),
        spec(
            M::POST,
            "/regulator/checklists/{id}/archive",
            Portal(P::Regulator),
            || web::post().to(crate::web::pages::checklists::archive),
        ),
        spec(
            M::POST,
            "/regulator/checklists/{id}/restore",
            Portal(P::Regulator),
            || web::post().to(crate::web::pages::checklists::restore),
        ),
        spec(
            M::GET,
            "/committee/checklists",
            Portal(P::Committee),
            || web::get().to(crate::web::pages::checklists::list),
        ),
        spec(
            M::POST,
            "/committee/checklists",
            Portal(P::Committee),
            || web::post().to(crate::web::pages::checklists::create),
        ),
        spec(
            M::GET,
            "/committee/checklists/new",
            Portal(P::Committee),
            || web::get().to(crate::web::pages::checklists::new_form),
        ),
        spec(
            M::GET,
            "/committee/checklists/{id}",
            Portal(P::Committee),
            || web::get().to(crate::web::pages::checklists::show),
        ),
        spec(
            M::POST,
            "/committee/checklists/{id}",
            Portal(P::Committee),
            || web::post().to(crate::web::pages::checklists::update),
        ),
        spec(
            M::GET,
            "/committee/checklists/{id}/edit",
            Portal(P::Committee),
            || web::get().to(crate::web::pages::checklists::edit_form),
        ),
        spec(
            M::POST,
            "/committee/checklists/{id}/archive",
            Portal(P::Committee),
            || web::post().to(crate::web::pages::checklists::archive),
        ),
        spec(
            M::POST,
            "/committee/checklists/{id}/restore",
            Portal(P::Committee),
            || web::post().to(crate::web::pages::checklists::restore),
        ),
        spec(
            M::GET,
            "/enterprise/checklists",
            Portal(P::Enterprise),
            || web::get().to(crate::web::pages::checklists::list),
        ),
        spec(
            M::GET,
            "/enterprise/checklists/{id}",
            Portal(P::Enterprise),
            || web::get().to(crate::web::pages::checklists::show),
        ),
        spec(M::GET, "/committee", Portal(P::Committee), || {
            web::get().to(home::committee)
        }),
        // 成员管理 and 活动小组 (committee); 我的联盟 (enterprise: staff look, the admin acts).
        spec(M::GET, "/committee/members", Portal(P::Committee), || {
            web::get().to(members::board)
        }),
        spec(
            M::GET,
            "/committee/members/export.xlsx",
            Portal(P::Committee),
            || web::get().to(alliances::members_export),
        ),
        spec(
            M::POST,
            "/committee/members/invite",
            Portal(P::Committee),
            || web::post().to(members::invite),
        ),
        spec(
            M::POST,
            "/committee/members/{id}/approve",
            Portal(P::Committee),
            || web::post().to(members::approve),
        ),
        spec(
            M::POST,
            "/committee/members/{id}/reject",
            Portal(P::Committee),
            || web::post().to(members::reject),
        ),
        spec(M::GET, "/committee/groups", Portal(P::Committee), || {
            web::get().to(groups::board)
        }),
        spec(M::POST, "/committee/groups", Portal(P::Committee), || {
            web::post().to(groups::create)
        }),
        spec(
            M::POST,
            "/committee/groups/{id}/rename",
            Portal(P::Committee),
            || web::post().to(groups::rename),
        ),
        spec(
            M::POST,
            "/committee/groups/{id}/members",
            Portal(P::Committee),
            || web::post().to(groups::add_member),
        ),
        spec(
            M::POST,
            "/committee/groups/{id}/members/{enterprise_id}/remove",
            Portal(P::Committee),
            || web::post().to(groups::remove_member),
        ),
        spec(
            M::POST,
            "/committee/groups/{id}/leader",
            Portal(P::Committee),
            || web::post().to(groups::set_leader),
        ),
        // 互查轮次 (committee): generate, adjust, publish, discard.
        spec(M::GET, "/committee/rounds", Portal(P::Committee), || {
            web::get().to(crate::web::pages::rounds::overview)
        }),
        spec(M::POST, "/committee/rounds", Portal(P::Committee), || {
            web::post().to(crate::web::pages::rounds::create)
        }),
        spec(
            M::GET,
            "/committee/rounds/new",
            Portal(P::Committee),
            || web::get().to(crate::web::pages::rounds::new_form),
        ),
        spec(
            M::GET,
            "/committee/rounds/{id}",
            Portal(P::Committee),
            || web::get().to(crate::web::pages::rounds::show),
        ),
        spec(
            M::POST,
            "/committee/rounds/{id}/pairs",
            Portal(P::Committee),
            || web::post().to(crate::web::pages::rounds::adjust),
        ),
        spec(
            M::POST,
            "/committee/rounds/{id}/publish",
            Portal(P::Committee),
            || web::post().to(crate::web::pages::rounds::publish),
        ),
        spec(
            M::POST,
            "/committee/rounds/{id}/discard",
            Portal(P::Committee),
            || web::post().to(crate::web::pages::rounds::discard),
        ),
        spec(
            M::GET,
            "/enterprise/alliances",
            Portal(P::Enterprise),
            || web::get().to(my_alliances::board),
        ),
        spec(
            M::POST,
            "/enterprise/alliances/apply",
            Roles(ENTERPRISE_ADMINS),
            || web::post().to(my_alliances::apply),
        ),
        spec(
            M::POST,
            "/enterprise/alliances/{id}/accept",
            Roles(ENTERPRISE_ADMINS),
            || web::post().to(my_alliances::accept),
        ),
        spec(
            M::POST,
            "/enterprise/alliances/{id}/decline",
            Roles(ENTERPRISE_ADMINS),
            || web::post().to(my_alliances::decline),
        ),
        spec(
            M::POST,
            "/enterprise/alliances/{id}/leave",
            Roles(ENTERPRISE_ADMINS),
            || web::post().to(my_alliances::leave),
        ),
        spec(M::GET, "/enterprise", Portal(P::Enterprise), || {
            web::get().to(home::enterprise)
        }),
        spec(M::GET, "/expert", Portal(P::Expert), || {
            web::get().to(home::expert)
        }),
        // JSON API.
        spec(M::GET, "/api/v1/openapi.json", Public, || {
            web::get().to(api::openapi::document)
        }),
        spec(M::GET, "/api/docs", Public, || {
            web::get().to(api::openapi::docs_redirect)
        }),
        spec(M::POST, "/api/v1/auth/login", Public, || {
            web::post().to(api::auth::login)
        }),
        spec(M::POST, "/api/v1/auth/logout", Authenticated, || {
            web::post().to(api::auth::logout)
        }),
        spec(M::POST, "/api/v1/auth/password", Authenticated, || {
            web::post().to(api::auth::change_password)
        }),
        spec(M::GET, "/api/v1/me", Authenticated, || {
            web::get().to(api::auth::me)
        }),
        spec(M::GET, "/api/v1/notifications", Authenticated, || {
            web::get().to(api::notifications::list)
        }),
        spec(
            M::GET,
            "/api/v1/notifications/unread-count",
            Authenticated,
            || web::get().to(api::notifications::unread_count),
        ),
        spec(
            M::POST,
            "/api/v1/notifications/read-all",
            Authenticated,
            || web::post().to(api::notifications::read_all),
        ),
        spec(
            M::POST,
            "/api/v1/notifications/{id}/read",
            Authenticated,
            || web::post().to(api::notifications::mark_read),
        ),
        spec(M::GET, "/api/v1/files/{id}", Authenticated, || {
            web::get().to(api::files::public)
        }),
        spec(M::GET, "/api/v1/files/{id}/thumb", Authenticated, || {
            web::get().to(api::files::thumb)
        }),
        spec(M::GET, "/api/v1/files/{id}/original", Authenticated, || {
            web::get().to(api::files::original)
        }),
        spec(M::GET, "/api/v1/enterprises", Authenticated, || {
            web::get().to(api::enterprises::list)
        }),
        spec(M::GET, "/api/v1/enterprises/{id}", Authenticated, || {
            web::get().to(api::enterprises::get)
        }),
        spec(M::POST, "/api/v1/enterprises", Roles(REGISTRARS), || {
            web::post().to(api::enterprises::create)
        }),
        spec(
            M::PUT,
            "/api/v1/enterprises/{id}",
            Roles(REGISTRARS),
            || web::put().to(api::enterprises::update),
        ),
        spec(
            M::PUT,
            "/api/v1/me/enterprise/contact",
            Roles(ENTERPRISE_ADMINS),
            || web::put().to(api::enterprises::update_contact),
        ),
        spec(M::GET, "/api/v1/memberships", Authenticated, || {
            web::get().to(api::memberships::list)
        }),
        spec(
            M::POST,
            "/api/v1/memberships",
            Roles(ENTERPRISE_ADMINS),
            || web::post().to(api::memberships::apply),
        ),
        spec(
            M::POST,
            "/api/v1/memberships/invite",
            Roles(COMMITTEE_MEMBERS),
            || web::post().to(api::memberships::invite),
        ),
        spec(
            M::GET,
            "/api/v1/memberships/{id}/events",
            Authenticated,
            || web::get().to(api::memberships::events),
        ),
        spec(
            M::POST,
            "/api/v1/memberships/{id}/approve",
            Roles(COMMITTEE_MEMBERS),
            || web::post().to(api::memberships::approve),
        ),
        spec(
            M::POST,
            "/api/v1/memberships/{id}/reject",
            Roles(COMMITTEE_MEMBERS),
            || web::post().to(api::memberships::reject),
        ),
        spec(
            M::POST,
            "/api/v1/memberships/{id}/accept",
            Roles(ENTERPRISE_ADMINS),
            || web::post().to(api::memberships::accept),
        ),
        spec(
            M::POST,
            "/api/v1/memberships/{id}/decline",
            Roles(ENTERPRISE_ADMINS),
            || web::post().to(api::memberships::decline),
        ),
        spec(
            M::POST,
            "/api/v1/memberships/{id}/leave",
            Roles(ENTERPRISE_ADMINS),
            || web::post().to(api::memberships::leave),
        ),
        spec(M::GET, "/api/v1/groups", Authenticated, || {
            web::get().to(api::groups::list)
        }),
        spec(M::POST, "/api/v1/groups", Roles(COMMITTEE_MEMBERS), || {
            web::post().to(api::groups::create)
        }),
        spec(
            M::POST,
            "/api/v1/groups/{id}/name",
            Roles(COMMITTEE_MEMBERS),
            || web::post().to(api::groups::rename),
        ),
        spec(
            M::POST,
            "/api/v1/groups/{id}/members",
            Roles(COMMITTEE_MEMBERS),
            || web::post().to(api::groups::add_member),
        ),
        spec(
            M::DELETE,
            "/api/v1/groups/{id}/members/{enterprise_id}",
            Roles(COMMITTEE_MEMBERS),
            || web::delete().to(api::groups::remove_member),
        ),
        spec(
            M::POST,
            "/api/v1/groups/{id}/leader",
            Roles(COMMITTEE_MEMBERS),
            || web::post().to(api::groups::set_leader),
        ),
        spec(M::GET, "/api/v1/rounds", Authenticated, || {
            web::get().to(api::rounds::list)
        }),
        spec(M::POST, "/api/v1/rounds", Roles(COMMITTEE_MEMBERS), || {
            web::post().to(api::rounds::create)
        }),
        spec(M::GET, "/api/v1/rounds/{id}", Authenticated, || {
            web::get().to(api::rounds::get)
        }),
        spec(
            M::DELETE,
            "/api/v1/rounds/{id}",
            Roles(COMMITTEE_MEMBERS),
            || web::delete().to(api::rounds::discard),
        ),
        spec(
            M::PUT,
            "/api/v1/rounds/{id}/pairs",
            Roles(COMMITTEE_MEMBERS),
            || web::put().to(api::rounds::set_pairs),
        ),
        spec(
            M::POST,
            "/api/v1/rounds/{id}/publish",
            Roles(COMMITTEE_MEMBERS),
            || web::post().to(api::rounds::publish),
        ),
        spec(
            M::GET,
            "/api/v1/participation",
            Roles(PARTICIPATION_READERS),
            || web::get().to(api::participation::report),
        ),
        spec(
            M::PUT,
            "/api/v1/participation/targets/{region_code}",
            Roles(TARGET_SETTERS),
            || web::put().to(api::participation::set_target),
        ),
        spec(
            M::GET,
            "/api/v1/labels/rules",
            Roles(PARTICIPATION_READERS),
            || web::get().to(api::labels::rules),
        ),
        spec(
            M::PUT,
            "/api/v1/labels/rules",
            Roles(TARGET_SETTERS),
            || web::put().to(api::labels::set_rules),
        ),
        spec(
            M::GET,
            "/api/v1/enterprises/{id}/scores",
            Authenticated,
            || web::get().to(api::labels::scores),
        ),
        spec(M::GET, "/api/v1/regions", Roles(REGISTRARS), || {
            web::get().to(api::regions::list)
        }),
        spec(M::POST, "/api/v1/regions", Roles(REGISTRARS), || {
            web::post().to(api::regions::create)
        }),
        spec(M::PUT, "/api/v1/regions/{code}", Roles(REGISTRARS), || {
            web::put().to(api::regions::rename)
        }),
        spec(M::GET, "/api/v1/industries", Authenticated, || {
            web::get().to(api::catalog::industries)
        }),
        spec(M::POST, "/api/v1/industries", Roles(REGISTRARS), || {
            web::post().to(api::catalog::create_industry)
        }),
        spec(
            M::PUT,
            "/api/v1/industries/{code}",
            Roles(REGISTRARS),
            || web::put().to(api::catalog::rename_industry),
        ),
        spec(M::GET, "/api/v1/risk-tags", Authenticated, || {
            web::get().to(api::catalog::risk_tags)
        }),
        spec(M::POST, "/api/v1/risk-tags", Roles(REGISTRARS), || {
            web::post().to(api::catalog::create_risk_tag)
        }),
        spec(
            M::PUT,
            "/api/v1/risk-tags/{code}",
            Roles(REGISTRARS),
            || web::put().to(api::catalog::rename_risk_tag),
        ),
        spec(
            M::GET,
            "/api/v1/me/enterprise/staff",
            Roles(ENTERPRISE_USERS),
            || web::get().to(api::staff::list),
        ),
        spec(
            M::POST,
            "/api/v1/me/enterprise/staff",
            Roles(ENTERPRISE_ADMINS),
            || web::post().to(api::staff::create),
        ),
        spec(
            M::POST,
            "/api/v1/me/enterprise/staff/{user_id}/deactivate",
            Roles(ENTERPRISE_ADMINS),
            || web::post().to(api::staff::deactivate),
        ),
        spec(
            M::POST,
            "/api/v1/me/enterprise/staff/{user_id}/password",
            Roles(ENTERPRISE_ADMINS),
            || web::post().to(api::staff::reset_password),
        ),
        spec(M::GET, "/api/v1/alliances", Authenticated, || {
            web::get().to(api::alliances::list)
        }),
        spec(M::GET, "/api/v1/alliances/{id}", Authenticated, || {
            web::get().to(api::alliances::get)
        }),
        spec(M::POST, "/api/v1/alliances", Roles(REGISTRARS), || {
            web::post().to(api::alliances::create)
        }),
        spec(M::PUT, "/api/v1/alliances/{id}", Roles(REGISTRARS), || {
            web::put().to(api::alliances::update)
        }),
        spec(
            M::POST,
            "/api/v1/alliances/{id}/committee",
            Roles(REGISTRARS),
            || web::post().to(api::alliances::appoint),
        ),
        spec(
            M::POST,
            "/api/v1/alliances/{id}/committee/{user_id}/deactivate",
            Roles(REGISTRARS),
            || web::post().to(api::alliances::deactivate),
        ),
        spec(M::GET, "/api/v1/checklists", Authenticated, || {
            web::get().to(api::checklists::list)
        }),
        spec(
            M::POST,
            "/api/v1/checklists",
            Roles(CHECKLIST_PUBLISHERS),
            || web::post().to(api::checklists::create),
        ),
        spec(M::GET, "/api/v1/checklists/{id}", Authenticated, || {
            web::get().to(api::checklists::get)
        }),
        spec(
            M::PUT,
            "/api/v1/checklists/{id}",
            Roles(CHECKLIST_KEEPERS),
            || web::put().to(api::checklists::update),
        ),
        spec(
            M::POST,
            "/api/v1/checklists/{id}/archive",
            Roles(CHECKLIST_KEEPERS),
            || web::post().to(api::checklists::archive),
        ),
        spec(
            M::POST,
            "/api/v1/checklists/{id}/restore",
            Roles(CHECKLIST_KEEPERS),
            || web::post().to(api::checklists::restore),
        ),
        // 检查 and 隐患: each portal's lists; the inspection and hazard pages are shared, their
        // records filtered by scope; the inspecting side starts and submits, the committee
        // reviews.
        spec(
            M::GET,
            "/enterprise/inspections",
            Portal(P::Enterprise),
            || web::get().to(inspections::list),
        ),
        spec(
            M::POST,
            "/enterprise/inspections",
            Portal(P::Enterprise),
            || web::post().to(inspections::create_self),
        ),
        spec(
            M::GET,
            "/committee/inspections",
            Portal(P::Committee),
            || web::get().to(inspections::list),
        ),
        spec(
            M::GET,
            "/regulator/inspections",
            Portal(P::Regulator),
            || web::get().to(inspections::list),
        ),
        spec(M::GET, "/inspections/{id}", Authenticated, || {
            web::get().to(inspections::show)
        }),
        spec(
            M::POST,
            "/inspections/{id}/start",
            Portal(P::Enterprise),
            || web::post().to(inspections::start),
        ),
        spec(
            M::POST,
            "/inspections/{id}/submit",
            Portal(P::Enterprise),
            || web::post().to(inspections::submit_form),
        ),
        spec(
            M::POST,
            "/inspections/{id}/review",
            Portal(P::Committee),
            || web::post().to(inspections::review),
        ),
        spec(M::GET, "/enterprise/hazards", Portal(P::Enterprise), || {
            web::get().to(hazards::list)
        }),
        spec(M::GET, "/committee/hazards", Portal(P::Committee), || {
            web::get().to(hazards::list)
        }),
        spec(M::GET, "/regulator/hazards", Portal(P::Regulator), || {
            web::get().to(hazards::list)
        }),
        // 挂牌督办: the bureau's supervision list (fixed paths before `{id}`).
        spec(
            M::GET,
            "/regulator/supervision",
            Portal(P::Regulator),
            || web::get().to(crate::web::pages::supervision::list),
        ),
        spec(
            M::GET,
            "/regulator/supervision/export.xlsx",
            Portal(P::Regulator),
            || web::get().to(crate::web::pages::supervision::export),
        ),
        spec(
            M::POST,
            "/regulator/supervision/{id}",
            Portal(P::Regulator),
            || web::post().to(crate::web::pages::supervision::update),
        ),
        spec(
            M::GET,
            "/api/v1/supervisions",
            Roles(SUPERVISION_READERS),
            || web::get().to(api::supervision::list),
        ),
        spec(
            M::PUT,
            "/api/v1/supervisions/{id}",
            Roles(SUPERVISION_EDITORS),
            || web::put().to(api::supervision::update),
        ),
        spec(M::GET, "/hazards/{id}", Authenticated, || {
            web::get().to(hazards::show)
        }),
        // 整改闭环 on the hazard page: every logged-in user reaches the forms; the loop's rules
        // (party and state) decide, as in the API.
        spec(M::POST, "/hazards/{id}/acknowledge", Authenticated, || {
            web::post().to(rectification::acknowledge)
        }),
        spec(M::POST, "/hazards/{id}/dispute", Authenticated, || {
            web::post().to(rectification::dispute)
        }),
        spec(M::POST, "/hazards/{id}/uphold", Authenticated, || {
            web::post().to(rectification::uphold)
        }),
        spec(M::POST, "/hazards/{id}/withdraw", Authenticated, || {
            web::post().to(rectification::withdraw)
        }),
        spec(M::POST, "/hazards/{id}/evidence", Authenticated, || {
            web::post().to(rectification::evidence)
        }),
        spec(M::POST, "/hazards/{id}/verify", Authenticated, || {
            web::post().to(rectification::verify)
        }),
        spec(M::POST, "/hazards/{id}/reject", Authenticated, || {
            web::post().to(rectification::reject)
        }),
        spec(M::POST, "/hazards/{id}/extensions", Authenticated, || {
            web::post().to(rectification::request_extension)
        }),
        spec(
            M::POST,
            "/hazards/{id}/extensions/{extension_id}/grant",
            Authenticated,
            || web::post().to(rectification::grant_extension),
        ),
        spec(
            M::POST,
            "/hazards/{id}/extensions/{extension_id}/refuse",
            Authenticated,
            || web::post().to(rectification::refuse_extension),
        ),
        spec(M::POST, "/hazards/{id}/comments", Authenticated, || {
            web::post().to(rectification::comment)
        }),
        spec(M::GET, "/enterprise/todo", Portal(P::Enterprise), || {
            web::get().to(rectification::todo)
        }),
        spec(M::GET, "/committee/queue", Portal(P::Committee), || {
            web::get().to(rectification::queue)
        }),
        spec(M::GET, "/regulator/queue", Portal(P::Regulator), || {
            web::get().to(rectification::queue)
        }),
        spec(M::GET, "/api/v1/inspections", Authenticated, || {
            web::get().to(api::inspections::list)
        }),
        spec(
            M::POST,
            "/api/v1/inspections",
            Roles(ENTERPRISE_USERS),
            || web::post().to(api::inspections::create_self),
        ),
        spec(M::GET, "/api/v1/inspections/{id}", Authenticated, || {
            web::get().to(api::inspections::get)
        }),
        spec(
            M::POST,
            "/api/v1/inspections/{id}/start",
            Roles(ENTERPRISE_USERS),
            || web::post().to(api::inspections::start),
        ),
        spec(
            M::POST,
            "/api/v1/inspections/{id}/submit",
            Roles(ENTERPRISE_USERS),
            || web::post().to(api::inspections::submit),
        ),
        spec(
            M::POST,
            "/api/v1/inspections/{id}/review",
            Roles(COMMITTEE_MEMBERS),
            || web::post().to(api::inspections::review),
        ),
        spec(M::GET, "/api/v1/hazards", Authenticated, || {
            web::get().to(api::hazards::list)
        }),
        spec(M::GET, "/api/v1/hazards/{id}", Authenticated, || {
            web::get().to(api::hazards::get)
        }),
        // 整改闭环: any logged-in caller; the loop's rules decide (404 / 403 / 409).
        spec(
            M::POST,
            "/api/v1/hazards/{id}/acknowledge",
            Authenticated,
            || web::post().to(api::rectification::acknowledge),
        ),
        spec(
            M::POST,
            "/api/v1/hazards/{id}/dispute",
            Authenticated,
            || web::post().to(api::rectification::dispute),
        ),
        spec(
            M::POST,
            "/api/v1/hazards/{id}/uphold",
            Authenticated,
            || web::post().to(api::rectification::uphold),
        ),
        spec(
            M::POST,
            "/api/v1/hazards/{id}/withdraw",
            Authenticated,
            || web::post().to(api::rectification::withdraw),
        ),
        spec(
            M::POST,
            "/api/v1/hazards/{id}/evidence",
            Authenticated,
            || web::post().to(api::rectification::evidence),
        ),
        spec(
            M::POST,
            "/api/v1/hazards/{id}/verify",
            Authenticated,
            || web::post().to(api::rectification::verify),
        ),
        spec(
            M::POST,
            "/api/v1/hazards/{id}/reject",
            Authenticated,
            || web::post().to(api::rectification::reject),
        ),
        spec(
            M::POST,
            "/api/v1/hazards/{id}/extensions",
            Authenticated,
            || web::post().to(api::rectification::request_extension),
        ),
        spec(
            M::POST,
            "/api/v1/hazards/{id}/extensions/{extension_id}/grant",
            Authenticated,
            || web::post().to(api::rectification::grant_extension),
        ),
        spec(
            M::POST,
            "/api/v1/hazards/{id}/extensions/{extension_id}/refuse",
            Authenticated,
            || web::post().to(api::rectification::refuse_extension),
        ),
        spec(
            M::POST,
            "/api/v1/hazards/{id}/comments",
            Authenticated,
            || web::post().to(api::rectification::comment),
        ),
        spec(
            M::GET,
            "/api/v1/hazards/{id}/timeline",
            Authenticated,
            || web::get().to(api::rectification::timeline),
        ),
        spec(M::GET, "/api/v1/todo", Authenticated, || {
            web::get().to(api::rectification::todo)
        }),
        spec(M::GET, "/api/v1/queue", Authenticated, || {
            web::get().to(api::rectification::queue)
        }),
        spec(M::GET, "/api/v1/audit", Roles(AUDIT_READERS), || {
            web::get().to(api::audit::search)
        }),
    ]
}

/// The inventory grouped by path: each path once, in the order it first appears, with its
/// routes. The router takes the first pattern that matches, so literal paths come before the
/// `{id}` patterns of the same prefix (the integration tests check this order).
pub fn resources() -> Vec<(&'static str, Vec<RouteSpec>)> {
    let mut out: Vec<(&'static str, Vec<RouteSpec>)> = Vec::new();
    for spec in inventory() {
        match out.iter_mut().find(|(path, _)| *path == spec.path) {
            Some((_, specs)) => specs.push(spec),
            None => out.push((spec.path, vec![spec])),
        }
    }
    out
}

/// Registers one resource per path with every method route of it, each route wrapped in its
/// own access rule; any other method is a 405 naming the allowed ones in `Allow` (JSON under
/// `/api/`, like every error, through `web::errors`).
pub fn configure(cfg: &mut ServiceConfig) {
    for (path, specs) in resources() {
        let allowed: Vec<Method> = specs.iter().map(|s| s.method.clone()).collect();
        let mut resource = web::resource(path).default_service(web::to(move || {
            let allowed = allowed.clone();
            async move { method_not_allowed(allowed) }
        }));
        for spec in specs {
            let access = spec.access;
            resource = resource
                .route((spec.route)().wrap(from_fn(move |req, next| enforce(access, req, next))));
        }
        cfg.service(resource);
    }
}

fn method_not_allowed(allowed: Vec<Method>) -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header(header::Allow(allowed))
        .finish()
}
