//! 安全生产互助管理联盟云平台 — the work-safety mutual-aid alliance cloud portal.
//!
//! A request: route (inventory, with its access rule) → handler (parse, get the caller's
//! scope) → service (rules, one transaction, audit) → models → view → template or JSON.

pub mod api;
pub mod auth;
pub mod calendar;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod jobs;
pub mod models;
pub mod scope;
pub mod services;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
pub mod web;
