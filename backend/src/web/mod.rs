//! Server-rendered pages (minijinja), one thin handler per action; the route inventory with
//! each route's access rule; error pages.

pub mod errors;
pub mod form;
pub mod pages;
pub mod paging;
pub mod panics;
pub mod render;
pub mod routes;
pub mod upload;

use crate::state::Core;

/// Shared application state: the services' core plus the template environment.
pub struct AppState {
    pub core: Core,
    pub templates: render::Templates,
}
