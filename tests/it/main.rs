//! The integration suite: one binary, the real app on port 0 per test, each test with its own
//! fresh database (a copy of a migrated and seeded template) — SQLite by default, PostgreSQL
//! when `TEST_DATABASE_URL` is set.

mod helpers;

mod alliances;
mod api;
mod auth;
mod browser;
mod checklists;
mod city_seed;
mod concurrent_writes;
mod contract;
mod db_outage;
mod demo_history;
mod expert_requests;
mod expert_visits;
mod experts;
mod imports;
mod inspections;
mod keyset;
mod labels;
mod legal_basis;
mod like_escape;
mod listing_release;
mod local_time;
mod login_defence;
mod loop_pages;
mod maintenance;
mod matrix;
mod membership;
mod notifications;
mod page_text;
mod pages;
mod paging;
mod panics;
mod participation;
mod photos;
mod publication_reach;
mod publications;
mod query_plans;
mod rectification;
mod registry;
mod relocation;
mod reminders;
mod request_trust;
mod resilience;
mod rounds;
mod scope;
mod scope_edges;
mod search_words;
mod seed_paths;
mod snapshots;
mod supervision;
