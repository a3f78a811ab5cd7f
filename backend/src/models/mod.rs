//! sea-orm entities, one file per table. Queries over tenant data live in services and are
//! always filtered through `crate::scope`.

pub mod activity_group;
pub mod alliance;
pub mod alliance_membership;
pub mod attachment;
pub mod audit_log;
pub mod checklist_item;
pub mod checklist_template;
pub mod checklist_version;
pub mod email_outbox;
pub mod enterprise;
pub mod enterprise_risk_tag;
pub mod expert;
pub mod extension_request;
pub mod group_member;
pub mod hazard;
pub mod hazard_event;
pub mod hazard_reminder;
pub mod idempotency_key;
pub mod import_batch;
pub mod industry;
pub mod inspection;
pub mod inspection_answer;
pub mod inspection_round;
pub mod label_rule;
pub mod login_throttle;
pub mod membership_event;
pub mod notification;
pub mod participation_target;
pub mod rectification_plan;
pub mod region;
pub mod risk_tag;
pub mod score_history;
pub mod session;
pub mod supervision;
pub mod user;
