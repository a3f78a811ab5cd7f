//! Background work, kept as rows so several app instances never do a job twice: the email
//! outbox sender (and its mail transports); reminders and escalation.

pub mod mailer;
pub mod outbox;
pub mod reminders;
