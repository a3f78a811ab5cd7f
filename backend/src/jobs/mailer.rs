//! Where outgoing email goes: an SMTP server, `.eml` files in a folder (the demo default, so
//! nothing needs a server), or only the log. The outbox worker sends through a `Mailer` and
//! never inside a database transaction.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use lettre::message::{Mailbox, MultiPart, SinglePart, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::config::{EmailTransport, Settings, SmtpTls};

/// One email as the outbox holds it.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub to_address: String,
    pub to_name: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
}

/// What a failed send says (stored as the row's `last_error`).
pub type SendError = String;

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), SendError>> + Send + 'a>>;

/// Sends one email. Implementations must not touch the database.
pub trait Mailer: Send + Sync {
    fn send<'a>(&'a self, email: &'a Outgoing) -> SendFuture<'a>;
}

pub type SharedMailer = Arc<dyn Mailer>;

/// The sender of every email.
fn sender(settings: &Settings) -> anyhow::Result<Mailbox> {
    let address = settings
        .email
        .from_address
        .parse()
        .with_context(|| format!("email.from_address {:?}", settings.email.from_address))?;
    Ok(Mailbox::new(
        Some(settings.email.from_name.clone()),
        address,
    ))
}

/// The lettre message of an outbox row.
fn message(from: &Mailbox, email: &Outgoing) -> Result<Message, SendError> {
    let to = Mailbox::new(
        (!email.to_name.is_empty()).then(|| email.to_name.clone()),
        email
            .to_address
            .parse()
            .map_err(|e| format!("recipient {:?}: {e}", email.to_address))?,
    );
    let builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(email.subject.clone());
    let built = match &email.body_html {
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(
            email.body_text.clone(),
            html.clone(),
        )),
        None => builder.singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(email.body_text.clone()),
        ),
    };
    built.map_err(|e| format!("building the message: {e}"))
}

/// SMTP through lettre (tokio + rustls).
pub struct SmtpMailer {
    from: Mailbox,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl SmtpMailer {
    pub fn new(settings: &Settings) -> anyhow::Result<SmtpMailer> {
        let e = &settings.email;
        let mut builder = match e.smtp_tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&e.smtp_host),
            SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&e.smtp_host)
                .context("email.smtp_host")?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&e.smtp_host)
                .context("email.smtp_host")?,
        }
        .port(e.smtp_port)
        .timeout(Some(Duration::from_secs(e.smtp_timeout_secs.max(1))));
        if let Some(user) = e.smtp_username.as_ref().filter(|u| !u.is_empty()) {
            let password = e
                .smtp_password
                .as_ref()
                .map(|p| p.expose_secret().to_string())
                .unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(SmtpMailer {
            from: sender(settings)?,
            transport: builder.build(),
        })
    }
}

impl Mailer for SmtpMailer {
    fn send<'a>(&'a self, email: &'a Outgoing) -> SendFuture<'a> {
        Box::pin(async move {
            let m = message(&self.from, email)?;
            self.transport
                .send(m)
                .await
                .map(|_| ())
                .map_err(|e| format!("smtp: {e}"))
        })
    }
}

/// One `.eml` file per email in a folder.
pub struct FileMailer {
    from: Mailbox,
    transport: AsyncFileTransport<Tokio1Executor>,
}

impl FileMailer {
    pub fn new(settings: &Settings) -> anyhow::Result<FileMailer> {
        let dir = settings.mail_dir();
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(FileMailer {
            from: sender(settings)?,
            transport: AsyncFileTransport::new(dir),
        })
    }
}

impl Mailer for FileMailer {
    fn send<'a>(&'a self, email: &'a Outgoing) -> SendFuture<'a> {
        Box::pin(async move {
            let m = message(&self.from, email)?;
            self.transport
                .send(m)
                .await
                .map(|_| ())
                .map_err(|e| format!("file: {e}"))
        })
    }
}

/// Writes a log line instead of sending.
pub struct LogMailer;

impl Mailer for LogMailer {
    fn send<'a>(&'a self, email: &'a Outgoing) -> SendFuture<'a> {
        Box::pin(async move {
            tracing::info!(to = %email.to_address, subject = %email.subject, "email (log transport)");
            Ok(())
        })
    }
}

/// The mailer the settings ask for.
pub fn from_settings(settings: &Settings) -> anyhow::Result<SharedMailer> {
    Ok(match settings.email.transport {
        EmailTransport::Smtp => Arc::new(SmtpMailer::new(settings)?),
        EmailTransport::File => Arc::new(FileMailer::new(settings)?),
        EmailTransport::Log => Arc::new(LogMailer),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(html: bool) -> Outgoing {
        Outgoing {
            to_address: "qiye1@example.com".into(),
            to_name: "企业管理员".into(),
            subject: "新的隐患待确认 | New hazard to acknowledge".into(),
            body_text: "请处理。\nPlease act.".into(),
            body_html: html.then(|| "<p>请处理。</p>".into()),
        }
    }

    #[test]
    fn a_message_has_the_sender_the_recipient_and_both_parts() {
        let from = sender(&Settings::default()).expect("default sender");
        let raw = String::from_utf8(message(&from, &email(true)).expect("message").formatted())
            .expect("utf-8");
        assert!(raw.contains("noreply@anquan.example.gov.cn"));
        assert!(raw.contains("<qiye1@example.com>"));
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains("text/html"));
        let plain = String::from_utf8(message(&from, &email(false)).expect("message").formatted())
            .expect("utf-8");
        assert!(!plain.contains("multipart"));
    }

    #[test]
    fn a_bad_recipient_address_is_a_send_error_not_a_panic() {
        let from = sender(&Settings::default()).expect("default sender");
        let mut e = email(false);
        e.to_address = "not an address".into();
        assert!(message(&from, &e).is_err());
    }
}
