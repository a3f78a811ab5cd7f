//! Use cases. Each write runs in one transaction together with its audit record; every read of
//! tenant data takes the caller's `Scope`. Services never see HTTP.

pub mod alliances;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod checklists;
pub mod committee;
pub mod dashboard;
pub mod enterprises;
pub mod files;
pub mod groups;
pub mod hazards;
pub mod idempotency;
pub mod import;
pub mod inspections;
pub mod labels;
pub mod login_limit;
pub mod membership;
pub mod notify;
pub mod participation;
pub mod rectification;
pub mod regions;
pub mod registry;
pub mod relocation;
pub mod rounds;
pub mod seed;
pub mod staff;
pub mod supervision;
pub mod users;
pub mod xlsx;

use serde::{Deserialize, Serialize};

/// A filter's text when something was typed (trimmed), else `None`.
pub(crate) fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Page request: 1-based page number and page size (clamped to 1..=100, default 20).
#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::IntoParams)]
pub struct PageParams {
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

impl PageParams {
    pub fn page(&self) -> u64 {
        self.page.unwrap_or(1).max(1)
    }
    pub fn per_page(&self) -> u64 {
        self.per_page.unwrap_or(20).clamp(1, 100)
    }
}

/// One page of a list, with the total across all pages.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
    pub pages: u64,
}

impl<T> Paged<T> {
    pub fn new(items: Vec<T>, params: PageParams, total: u64) -> Self {
        let per_page = params.per_page();
        Paged {
            items,
            page: params.page(),
            per_page,
            total,
            pages: total.div_ceil(per_page),
        }
    }
}
