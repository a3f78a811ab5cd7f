//! The route inventory: every route with its method, path and access rule, composed of the
//! lists each page and API module keeps (`routes()`). The router is built from it and nothing
//! else; an API route's method and path are its `#[utoipa::path]`'s, and the OpenAPI document
//! (`api::openapi`) and the authorization matrix read the same list.

pub mod roles;

use std::sync::Arc;

use actix_web::{
    FromRequest, Handler, HttpResponse, Responder, Route,
    http::{Method, header},
    middleware::from_fn,
    web::{self, ServiceConfig},
};
use utoipa::openapi::{RefOr, path::HttpMethod, path::Operation, schema::Schema};

use crate::api;
use crate::auth::guard::{Access, enforce};
use crate::web::pages;

/// One route: method, path pattern, access rule and the handler it is served by.
#[derive(Clone)]
pub struct RouteSpec {
    pub method: Method,
    pub path: String,
    pub access: Access,
    /// Builds the handler's route, without its method guard (added from `method` when
    /// registered); called once per app instance.
    route: Arc<dyn Fn() -> Route + Send + Sync>,
    /// For an API route, its entry in the OpenAPI document.
    doc: Option<ApiDoc>,
}

/// What the OpenAPI document takes from an API route: the operation its `#[utoipa::path]`
/// describes (with the attribute's tags), and the schemas its bodies name.
#[derive(Clone, Copy)]
struct ApiDoc {
    methods: fn() -> Vec<HttpMethod>,
    operation: fn() -> Operation,
    schemas: fn(&mut Vec<(String, RefOr<Schema>)>),
}

impl std::fmt::Debug for RouteSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} ({:?})", self.method, self.path, self.access)
    }
}

impl RouteSpec {
    /// The OpenAPI methods and operation of an API route (`None` for pages, assets and
    /// probes).
    pub fn operation(&self) -> Option<(Vec<HttpMethod>, Operation)> {
        self.doc.map(|doc| ((doc.methods)(), (doc.operation)()))
    }

    /// Adds the schemas an API route's request and response bodies name.
    pub fn schemas(&self, out: &mut Vec<(String, RefOr<Schema>)>) {
        if let Some(doc) = self.doc {
            (doc.schemas)(out);
        }
    }
}

/// A handler as the router serves it (what `web::to` takes), shared by every app instance.
pub trait Served<Args>: Send + Sync + 'static {
    fn route(&self) -> Route;
}

impl<F, Args> Served<Args> for F
where
    F: Handler<Args> + Send + Sync,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    fn route(&self) -> Route {
        web::to(self.clone())
    }
}

/// A `GET` page route: a route outside the API document (a page, an asset, a probe), its path
/// written here.
pub fn get<A: 'static>(path: &'static str, access: Access, handler: impl Served<A>) -> RouteSpec {
    page(Method::GET, path, access, handler)
}

/// A `POST` form route (outside the API document), its path written here.
pub fn post<A: 'static>(path: &'static str, access: Access, handler: impl Served<A>) -> RouteSpec {
    page(Method::POST, path, access, handler)
}

fn page<A: 'static>(
    method: Method,
    path: &str,
    access: Access,
    handler: impl Served<A>,
) -> RouteSpec {
    RouteSpec {
        method,
        path: path.to_string(),
        access,
        route: Arc::new(move || handler.route()),
        doc: None,
    }
}

/// An API route: its method and path are those of the handler's `#[utoipa::path]` (`P` is the
/// `__path_<handler>` type the attribute generates), so they are written once, there.
pub fn api<P, A: 'static>(access: Access, _doc: P, handler: impl Served<A>) -> RouteSpec
where
    P: utoipa::Path + utoipa::__dev::Tags<'static> + utoipa::__dev::SchemaReferences,
{
    let path = P::path();
    let method = match P::methods().as_slice() {
        [method] => http_method(method),
        methods => panic!("{path}: one route serves one method, not {}", methods.len()),
    };
    RouteSpec {
        method,
        path,
        access,
        route: Arc::new(move || handler.route()),
        doc: Some(ApiDoc {
            methods: P::methods,
            operation: tagged_operation::<P>,
            schemas: P::schemas,
        }),
    }
}

/// The operation with the tags of its attribute (`utoipa` keeps them apart).
fn tagged_operation<P: utoipa::Path + utoipa::__dev::Tags<'static>>() -> Operation {
    let mut operation = P::operation();
    operation
        .tags
        .get_or_insert_with(Vec::new)
        .extend(P::tags().into_iter().map(String::from));
    operation
}

fn http_method(method: &HttpMethod) -> Method {
    match method {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Trace => Method::TRACE,
    }
}

/// Every route of the app: the pages' lists, then the API's. Within a list, fixed paths come
/// before the `{param}` paths that would take them (the router takes the first pattern that
/// matches; the test below checks every pair).
pub fn inventory() -> Vec<RouteSpec> {
    let mut all = pages::routes();
    all.extend(api::routes());
    all
}

/// The inventory grouped by path: each path once, in the order it first appears, with its
/// routes. The router takes the first pattern that matches, so literal paths come before the
/// `{id}` patterns of the same prefix (the integration tests check this order).
pub fn resources() -> Vec<(String, Vec<RouteSpec>)> {
    let mut out: Vec<(String, Vec<RouteSpec>)> = Vec::new();
    for spec in inventory() {
        match out.iter_mut().find(|(path, _)| *path == spec.path) {
            Some((_, specs)) => specs.push(spec),
            None => out.push((spec.path.clone(), vec![spec])),
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
            let route = (spec.route)().method(spec.method);
            resource =
                resource.route(route.wrap(from_fn(move |req, next| enforce(access, req, next))));
        }
        cfg.service(resource);
    }
}

fn method_not_allowed(allowed: Vec<Method>) -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header(header::Allow(allowed))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::resources;

    /// Whether the router would give `path` to the earlier `pattern` (same length, every segment
    /// equal or a `{…}` placeholder where `path` has a fixed one).
    fn takes(pattern: &str, path: &str) -> bool {
        let (a, b): (Vec<_>, Vec<_>) = (pattern.split('/').collect(), path.split('/').collect());
        pattern != path
            && a.len() == b.len()
            && a.iter()
                .zip(&b)
                .all(|(p, s)| p == s || (p.starts_with('{') && !s.starts_with('{')))
    }

    #[test]
    fn a_pattern_takes_the_fixed_paths_it_matches_and_nothing_else() {
        assert!(takes(
            "/regulator/enterprises/{id}",
            "/regulator/enterprises/new"
        ));
        assert!(takes("/api/v1/rounds/{id}", "/api/v1/rounds/new"));
        assert!(!takes(
            "/regulator/enterprises/new",
            "/regulator/enterprises/{id}"
        ));
        assert!(!takes(
            "/regulator/enterprises/{id}",
            "/regulator/enterprises/{id}/edit"
        ));
        assert!(!takes(
            "/regulator/enterprises/{id}",
            "/regulator/alliances/new"
        ));
    }

    #[test]
    fn fixed_paths_are_registered_before_the_patterns_that_would_take_them() {
        // One resource per path, in the order the router tries them.
        let paths: Vec<String> = resources().into_iter().map(|(path, _)| path).collect();
        for (i, earlier) in paths.iter().enumerate() {
            for later in &paths[i + 1..] {
                assert!(
                    !takes(earlier, later),
                    "{earlier} is registered before {later} and would take its requests"
                );
            }
        }
    }
}
