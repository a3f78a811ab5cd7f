//! The route inventory: every route of the app, with its method, path and access rule. The
//! router is built from this list and nothing else, so a route cannot exist without an access
//! rule; the integration tests walk the same list (the authorization matrix).

use actix_web::{
    Route,
    http::Method,
    middleware::from_fn,
    web::{self, ServiceConfig},
};

use crate::api;
use crate::auth::guard::{Access, enforce};
use crate::domain::role::{Portal as P, Role};
use crate::web::pages::{account, audit, enterprises, home, ops};

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
        spec(M::POST, "/account/password", Authenticated, || {
            web::post().to(account::password_submit)
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
            M::GET,
            "/regulator/enterprises/{id}",
            Portal(P::Regulator),
            || web::get().to(enterprises::file),
        ),
        spec(M::GET, "/regulator/audit", Portal(P::Regulator), || {
            web::get().to(audit::search)
        }),
        spec(M::GET, "/committee", Portal(P::Committee), || {
            web::get().to(home::committee)
        }),
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
        spec(M::GET, "/api/v1/enterprises", Authenticated, || {
            web::get().to(api::enterprises::list)
        }),
        spec(M::GET, "/api/v1/enterprises/{id}", Authenticated, || {
            web::get().to(api::enterprises::get)
        }),
        spec(M::GET, "/api/v1/audit", Roles(AUDIT_READERS), || {
            web::get().to(api::audit::search)
        }),
    ]
}

/// Registers every inventory route, each wrapped in its access rule.
pub fn configure(cfg: &mut ServiceConfig) {
    for spec in inventory() {
        let access = spec.access;
        cfg.service(
            web::resource(spec.path)
                .guard(actix_web::guard::Method(spec.method.clone()))
                .wrap(from_fn(move |req, next| enforce(access, req, next)))
                .route((spec.route)()),
        );
    }
}
