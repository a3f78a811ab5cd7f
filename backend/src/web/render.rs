//! Templates: compiled into the binary from `frontend/templates`, rendered with the request's
//! language (`t("key")` in templates), caller, navigation and CSRF token.

use actix_web::{HttpResponse, http::StatusCode};
use minijinja::{
    Environment, State, Value, context,
    value::{Kwargs, Serde},
};
use serde::Serialize;

use crate::auth::guard::RequestContext;
use crate::domain::role::Portal;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Lang};

pub struct Templates {
    env: Environment<'static>,
}

fn lang_of(state: &State) -> Lang {
    state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(Lang::parse))
        .unwrap_or_default()
}

/// `t("key", name=value …)`: the catalog message in the page's language. Slots the arguments
/// leave open are filled from the global `limit_slots` (configured limits, `with_slots`).
fn t(state: &State, key: &str, kwargs: Kwargs) -> Result<String, minijinja::Error> {
    let lang = lang_of(state);
    let mut out = i18n::t(lang, key);
    for arg in kwargs.args() {
        let v: Value = kwargs.get(arg)?;
        out = out.replace(&format!("{{{arg}}}"), &v.to_string());
    }
    if out.contains('{')
        && let Some(slots) = state.lookup("limit_slots")
        && let Ok(names) = slots.try_iter()
    {
        for name in names {
            if let (Some(n), Ok(v)) = (name.as_str(), slots.get_item(&name)) {
                out = out.replace(&format!("{{{n}}}"), &v.to_string());
            }
        }
    }
    Ok(out)
}

/// `{{ at|datetime }}` (`YYYY-MM-DD HH:MM`), `{{ at|datetime(seconds=true) }}` and
/// `{{ at|date }}`: a stored UTC instant (RFC 3339 text) on the wall clock of `zone`. Empty for
/// none; a value that is no instant (a plain date) is shown as it is.
pub fn add_time_filters(env: &mut Environment<'static>, zone: chrono_tz::Tz) {
    let show = move |v: &Value, format: &str| -> String {
        if v.is_none() || v.is_undefined() {
            return String::new();
        }
        let text = v.to_string();
        match chrono::DateTime::parse_from_rfc3339(&text) {
            Ok(at) => at.with_timezone(&zone).format(format).to_string(),
            Err(_) => text,
        }
    };
    env.add_filter("datetime", move |v: Value, kwargs: Kwargs| {
        let seconds: Option<bool> = kwargs.get("seconds")?;
        kwargs.assert_all_used()?;
        let format = if seconds == Some(true) {
            "%Y-%m-%d %H:%M:%S"
        } else {
            "%Y-%m-%d %H:%M"
        };
        Ok::<_, minijinja::Error>(show(&v, format))
    });
    env.add_filter("date", move |v: Value| show(&v, "%Y-%m-%d"));
    env.add_filter("grouped", grouped);
}

/// A whole number with its thousands grouped (`10000` → `10,000`), for counts.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl Templates {
    /// The page templates, showing times in `zone`.
    pub fn new(zone: chrono_tz::Tz) -> Self {
        let mut env = Environment::new();
        minijinja_embed::load_templates!(&mut env);
        env.add_function("t", t);
        add_time_filters(&mut env, zone);
        Templates { env }
    }

    /// Values for the slots of messages that name a configured limit (`{max_megapixels}` …).
    pub fn with_slots(mut self, slots: &[(&'static str, String)]) -> Self {
        let map: std::collections::BTreeMap<&str, String> = slots.iter().cloned().collect();
        self.env.add_global("limit_slots", Value::from(Serde(map)));
        self
    }

    pub fn render(&self, name: &str, ctx: Value) -> AppResult<String> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(|e| AppError::internal(anyhow::anyhow!("template {name}: {e:#}")))
    }
}

impl Default for Templates {
    fn default() -> Self {
        Self::new(chrono_tz::Tz::Asia__Shanghai)
    }
}

/// A navigation entry of a portal.
#[derive(Debug, Clone, Serialize)]
struct NavItem {
    href: &'static str,
    label: &'static str,
}

/// Each portal's navigation. Only pages that exist are listed.
fn nav(portal: Portal) -> Vec<NavItem> {
    let home = NavItem {
        href: portal.home(),
        label: "nav.home",
    };
    match portal {
        Portal::Admin => vec![
            home,
            NavItem {
                href: "/admin/audit",
                label: "nav.audit",
            },
        ],
        Portal::Regulator => vec![
            home,
            NavItem {
                href: "/regulator/enterprises",
                label: "nav.enterprises",
            },
            NavItem {
                href: "/regulator/alliances",
                label: "alliances.nav",
            },
            NavItem {
                href: "/regulator/inspections",
                label: "inspections.nav",
            },
            NavItem {
                href: "/regulator/queue",
                label: "loop.queue_nav",
            },
            NavItem {
                href: "/regulator/hazards",
                label: "hazards.nav",
            },
            NavItem {
                href: "/regulator/supervision",
                label: "supervision.nav",
            },
            NavItem {
                href: "/regulator/participation",
                label: "participation.nav",
            },
            NavItem {
                href: "/regulator/labels",
                label: "labels.nav",
            },
            NavItem {
                href: "/regulator/checklists",
                label: "checklists.nav",
            },
            NavItem {
                href: "/publications",
                label: "publications.nav",
            },
            NavItem {
                href: "/regulator/experts",
                label: "experts.nav",
            },
            NavItem {
                href: "/expert-requests",
                label: "expert_requests.title",
            },
            NavItem {
                href: "/regulator/regions",
                label: "regions.nav",
            },
            NavItem {
                href: "/regulator/catalog",
                label: "catalog.nav",
            },
            NavItem {
                href: "/regulator/audit",
                label: "nav.audit",
            },
        ],
        Portal::Enterprise => vec![
            home,
            NavItem {
                href: "/enterprise/todo",
                label: "loop.todo_nav",
            },
            NavItem {
                href: "/enterprise/inspections",
                label: "inspections.nav",
            },
            NavItem {
                href: "/enterprise/hazards",
                label: "hazards.nav",
            },
            NavItem {
                href: "/enterprise/profile",
                label: "nav.profile",
            },
            NavItem {
                href: "/enterprise/alliances",
                label: "members.my_title",
            },
            NavItem {
                href: "/enterprise/staff",
                label: "staff.nav",
            },
            NavItem {
                href: "/enterprise/checklists",
                label: "checklists.nav",
            },
            NavItem {
                href: "/enterprise/experts",
                label: "experts.nav",
            },
            NavItem {
                href: "/publications",
                label: "publications.nav",
            },
            NavItem {
                href: "/expert-requests",
                label: "expert_requests.title",
            },
        ],
        Portal::Committee => vec![
            home,
            NavItem {
                href: "/committee/members",
                label: "members.title",
            },
            NavItem {
                href: "/committee/groups",
                label: "groups.title",
            },
            NavItem {
                href: "/committee/rounds",
                label: "rounds.title",
            },
            NavItem {
                href: "/committee/inspections",
                label: "inspections.nav",
            },
            NavItem {
                href: "/committee/queue",
                label: "loop.queue_nav",
            },
            NavItem {
                href: "/committee/hazards",
                label: "hazards.nav",
            },
            NavItem {
                href: "/committee/checklists",
                label: "checklists.nav",
            },
            NavItem {
                href: "/committee/experts",
                label: "experts.nav",
            },
            NavItem {
                href: "/publications",
                label: "publications.nav",
            },
            NavItem {
                href: "/expert-requests",
                label: "expert_requests.title",
            },
        ],
        Portal::Expert => vec![
            home,
            NavItem {
                href: "/expert/todo",
                label: "loop.todo_nav",
            },
            NavItem {
                href: "/expert/inspections",
                label: "inspections.nav",
            },
            NavItem {
                href: "/expert/hazards",
                label: "hazards.nav",
            },
            NavItem {
                href: "/publications",
                label: "publications.nav",
            },
            NavItem {
                href: "/expert-requests",
                label: "expert_requests.title",
            },
        ],
    }
}

/// The values every page gets.
pub fn base_context(ctx: &RequestContext) -> Value {
    let portal = ctx.caller.as_ref().map(|c| c.portal());
    context! {
        lang => ctx.lang.tag(),
        csrf => ctx.csrf.clone(),
        path => ctx.path.clone(),
        caller => ctx.caller.as_ref().map(|c| context! {
            display_name => c.display_name.clone(),
            username => c.username.clone(),
            role => c.role.as_str(),
            portal => c.portal().as_str(),
            home => c.portal().home(),
        }),
        portal => portal.map(Portal::as_str),
        nav => Value::from(Serde(portal.map(nav).unwrap_or_default())),
        // Unread notifications of a logged-in page request (web::pages::notifications).
        unread => crate::web::pages::notifications::current_unread(),
    }
}

/// Renders `template` with the page's view (a `#[derive(Serialize)]` struct of the page, whose
/// field names are the template's variables) merged over the base context.
pub fn page(
    templates: &Templates,
    ctx: &RequestContext,
    status: StatusCode,
    template: &str,
    view: impl Serialize,
) -> AppResult<HttpResponse> {
    let view = Value::from(Serde(view));
    let body = templates.render(template, context! { ..view, ..base_context(ctx) })?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_naming_a_configured_limit_shows_its_value_on_pages() {
        let storage = crate::config::StorageSettings {
            max_megapixels: 25,
            ..Default::default()
        };
        let templates = Templates::new(chrono_tz::Asia::Shanghai)
            .with_slots(&crate::services::files::message_slots(&storage));
        let page = |lang: &str| {
            templates
                .env
                .render_str(
                    "{{ t(errors.photo) }}|{{ t('list.total', total=3) }}",
                    context! { lang => lang, errors => context! { photo => "files.too_many_pixels" } },
                )
                .unwrap_or_default()
        };
        let zh = page("zh-CN");
        assert!(zh.contains("2500 万像素"), "{zh}");
        assert!(page("en").contains("25 megapixels"), "{}", page("en"));
        assert!(
            zh.ends_with(&i18n::t_args(Lang::ZhCn, "list.total", &[("total", "3")])),
            "{zh}"
        );
    }
}
