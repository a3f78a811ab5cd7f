//! Background work, kept as rows so several app instances never do a job twice: the email
//! outbox sender (and its mail transports); reminders and escalation; the sweep of orphaned
//! stored files.

pub mod mailer;
pub mod orphans;
pub mod outbox;
pub mod reminders;
