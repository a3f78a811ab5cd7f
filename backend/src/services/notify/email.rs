//! The email of a notice: subject, text and HTML parts rendered from
//! `frontend/templates/emails/` — zh-CN first, the English text below it, and the notice's
//! link as an absolute URL. An event may have its own `emails/<kind>.txt` / `.html`;
//! otherwise the generic `emails/notice.*` is used.

use std::sync::OnceLock;

use minijinja::{Environment, context};

use super::Notice;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Lang};
use crate::state::Core;

/// A rendered email, ready for the outbox.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        minijinja_embed::load_templates!(&mut env);
        env
    })
}

/// The portal's address as users reach it (no trailing slash).
pub fn base_url(core: &Core) -> String {
    core.settings
        .public_url(core.settings.server.port)
        .trim_end_matches('/')
        .to_string()
}

/// The absolute URL of a local link.
fn absolute(core: &Core, link: Option<&str>) -> String {
    let base = base_url(core);
    match link {
        Some(l) if l.starts_with('/') => format!("{base}{l}"),
        _ => format!("{base}/notifications"),
    }
}

fn part(notice: &Notice, lang: Lang, name: &str) -> minijinja::Value {
    context! {
        lang => lang.tag(),
        title => notice.title(lang),
        body => notice.body(lang),
        greeting => i18n::t_args(lang, "email.greeting", &[("name", name)]),
        open => i18n::t(lang, "email.open"),
        footer => i18n::t(lang, "email.footer"),
    }
}

fn render(name_kind: &str, generic: &str, ctx: &minijinja::Value) -> AppResult<String> {
    let env = env();
    let tmpl = env
        .get_template(name_kind)
        .or_else(|_| env.get_template(generic))
        .map_err(|e| AppError::internal(anyhow::anyhow!("email template {generic}: {e:#}")))?;
    tmpl.render(ctx)
        .map_err(|e| AppError::internal(anyhow::anyhow!("email template {generic}: {e:#}")))
}

/// Stands for the recipient's name in an email rendered once for many (`NoticeMail`): two
/// private-use characters, which no text contains and HTML escaping leaves alone.
const NAME_SLOT: &str = "\u{E000}\u{E001}";

/// A notice's email rendered once, with a slot for the recipient's name: a notice to a whole
/// city renders its templates once, not once per recipient. `for_name` gives exactly what
/// `render_notice` would (the name escaped in the HTML part as the template escapes it).
#[derive(Debug, Clone)]
pub struct NoticeMail(Rendered);

impl NoticeMail {
    pub fn new(core: &Core, notice: &Notice) -> AppResult<NoticeMail> {
        render_notice(core, notice, NAME_SLOT).map(NoticeMail)
    }

    /// The email as rendered once, with `slot()` where each recipient's name goes (the
    /// database fills it in for a bulk insert; `for_name` does the same in Rust).
    pub fn with_slot(&self) -> &Rendered {
        &self.0
    }

    /// What stands for the name in `with_slot`.
    pub fn slot() -> &'static str {
        NAME_SLOT
    }

    /// The name as the HTML part holds it.
    pub fn html_name(name: &str) -> String {
        minijinja::HtmlEscape(name).to_string()
    }

    pub fn for_name(&self, name: &str) -> Rendered {
        let html_name = NoticeMail::html_name(name);
        Rendered {
            subject: self.0.subject.clone(),
            text: self.0.text.replace(NAME_SLOT, name),
            html: self.0.html.replace(NAME_SLOT, &html_name),
        }
    }
}

/// The email telling `name` about `notice`.
pub fn render_notice(core: &Core, notice: &Notice, name: &str) -> AppResult<Rendered> {
    let zh = part(notice, Lang::ZhCn, name);
    let en = part(notice, Lang::En, name);
    let subject = format!(
        "{} {} | {}",
        i18n::t(Lang::ZhCn, "email.subject_prefix"),
        notice.title(Lang::ZhCn),
        notice.title(Lang::En)
    );
    let ctx = context! {
        parts => vec![zh, en],
        url => absolute(core, notice.link.as_deref()),
        app_name => i18n::t(Lang::ZhCn, "app.name"),
        subject => subject.clone(),
        kind => notice.kind,
    };
    Ok(Rendered {
        subject: subject.chars().take(250).collect(),
        text: render(
            &format!("emails/{}.txt", notice.kind),
            "emails/notice.txt",
            &ctx,
        )?,
        html: render(
            &format!("emails/{}.html", notice.kind),
            "emails/notice.html",
            &ctx,
        )?,
    })
}
