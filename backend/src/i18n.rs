//! The message catalog: `frontend/i18n/<lang>.toml`, nested tables flattened into dotted
//! keys. zh-CN is the default; English is the alternative. Text shown to users comes from here,
//! never from string literals in code.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Accepts "zh-CN", "zh", "en", "en-US"… ; anything else is `None`.
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("zh") {
            Some(Lang::ZhCn)
        } else if s.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The first supported language of an `Accept-Language` header.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        header
            .split(',')
            .filter_map(|part| part.split(';').next())
            .find_map(Lang::parse)
    }
}

type Messages = HashMap<String, String>;

fn flatten(prefix: &str, table: &toml::Table, out: &mut Messages) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) => flatten(&key, t, out),
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            other => {
                out.insert(key, other.to_string());
            }
        }
    }
}

fn parse(src: &str) -> Messages {
    let mut out = Messages::new();
    // The catalogs are compiled in and checked by a unit test; a broken one is a build bug.
    if let Ok(table) = src.parse::<toml::Table>() {
        flatten("", &table, &mut out);
    }
    out
}

fn catalogs() -> &'static (Messages, Messages) {
    static CATALOGS: OnceLock<(Messages, Messages)> = OnceLock::new();
    CATALOGS.get_or_init(|| {
        (
            parse(include_str!("../../frontend/i18n/zh-CN.toml")),
            parse(include_str!("../../frontend/i18n/en.toml")),
        )
    })
}

/// The message for `key` in `lang`, falling back to zh-CN, then to the key itself.
pub fn t(lang: Lang, key: &str) -> String {
    let (zh, en) = catalogs();
    let primary = if lang == Lang::En { en } else { zh };
    primary
        .get(key)
        .or_else(|| zh.get(key))
        .cloned()
        .unwrap_or_else(|| key.to_string())
}

/// Every key of the zh-CN catalog (the same set as en, a unit test holds them equal), for
/// tests that look for raw keys shown as text.
pub fn catalog_keys() -> impl Iterator<Item = &'static str> {
    catalogs().0.keys().map(String::as_str)
}

/// `t` with its `{name}` slots filled from `args`.
pub fn t_args(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut s = t(lang, key);
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogs_parse_and_have_the_same_keys() {
        let zh = include_str!("../../frontend/i18n/zh-CN.toml")
            .parse::<toml::Table>()
            .map(|t| {
                let mut m = Messages::new();
                flatten("", &t, &mut m);
                m
            });
        let en = include_str!("../../frontend/i18n/en.toml")
            .parse::<toml::Table>()
            .map(|t| {
                let mut m = Messages::new();
                flatten("", &t, &mut m);
                m
            });
        let (Ok(zh), Ok(en)) = (zh, en) else {
            panic!("a catalog does not parse");
        };
        let mut missing_en: Vec<_> = zh.keys().filter(|k| !en.contains_key(*k)).collect();
        let mut missing_zh: Vec<_> = en.keys().filter(|k| !zh.contains_key(*k)).collect();
        missing_en.sort();
        missing_zh.sort();
        assert!(missing_en.is_empty(), "missing in en: {missing_en:?}");
        assert!(missing_zh.is_empty(), "missing in zh-CN: {missing_zh:?}");
        assert!(zh.len() > 50);
    }

    #[test]
    fn language_negotiation() {
        assert_eq!(
            Lang::from_accept_language("en-US,en;q=0.9,zh;q=0.8"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_accept_language("fr, zh-CN"), Some(Lang::ZhCn));
        assert_eq!(Lang::from_accept_language("fr"), None);
        assert_eq!(t(Lang::En, "no.such.key"), "no.such.key");
    }
}
