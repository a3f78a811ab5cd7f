//! Publications of the regulations and notices library (法律法规 / 通知公告): their kinds and
//! statuses, the bounds of their fields, and the body's Markdown rendered to safe HTML.

coded! {
    /// What a publication is.
    PublicationKind(32) {
        /// 法律
        Law = "law",
        /// 行政法规
        Regulation = "regulation",
        /// 部门规章
        Rule = "rule",
        /// 地方性法规
        LocalRegulation = "local_regulation",
        /// 国家标准
        NationalStandard = "national_standard",
        /// 行业标准
        IndustryStandard = "industry_standard",
        /// 规范性文件
        Normative = "normative",
        /// 通知公告
        Notice = "notice",
    }
}

coded! {
    /// Whether a publication is in force.
    PublicationStatus(16) {
        /// 现行有效
        Current = "current",
        /// 已修订: a newer text replaces it (`superseded_by`).
        Revised = "revised",
        /// 已废止
        Repealed = "repealed",
    }
}

impl PublicationStatus {
    /// Whether a publication in this status may name the one that supersedes it.
    pub fn may_be_superseded(self) -> bool {
        !matches!(self, PublicationStatus::Current)
    }
}

/// Longest title, characters (the column holds 200).
pub const MAX_TITLE: usize = 200;
/// Longest 文号, characters (the column holds 100).
pub const MAX_DOC_NUMBER: usize = 100;
/// Longest issuer, characters (the column holds 100).
pub const MAX_ISSUER: usize = 100;
/// Largest body, bytes of Markdown.
pub const MAX_BODY_BYTES: usize = 200_000;
/// Most tags of each kind (industries, risk tags) on one publication.
pub const MAX_TAGS: usize = 20;

/// The body's Markdown as HTML safe to show: pulldown-cmark renders it (raw HTML in the text
/// is passed on as such), then ammonia keeps only harmless tags and attributes: no `<script>`,
/// no event handlers, no `javascript:` links; links get `rel="noopener noreferrer"`.
pub fn render_body(markdown: &str) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut out = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut out, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .clean(&out)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_rendered_and_scripts_and_javascript_links_are_stripped() {
        let html = render_body(
            "# 第一章 总则\n\n**第一条** 为了加强安全生产工作。\n\n<script>alert(1)</script>\n\n\
             [点我](javascript:alert(2)) <a href=\"javascript:alert(3)\" onclick=\"x()\">链接</a>\n\n\
             <img src=x onerror=alert(4)>\n\n[正文](https://www.mem.gov.cn/)",
        );
        assert!(html.contains("<h1>第一章 总则</h1>"), "{html}");
        assert!(html.contains("<strong>第一条</strong>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("alert(1)"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("onclick"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(html.contains("href=\"https://www.mem.gov.cn/\""), "{html}");
        assert!(html.contains("rel=\"noopener noreferrer\""), "{html}");
    }

    #[test]
    fn only_a_revised_or_repealed_publication_names_its_successor() {
        assert!(!PublicationStatus::Current.may_be_superseded());
        assert!(PublicationStatus::Revised.may_be_superseded());
        assert!(PublicationStatus::Repealed.may_be_superseded());
    }
}

/// 宣传覆盖: how long after a reminder the publisher must wait before sending the next.
pub const REMINDER_INTERVAL_HOURS: i64 = 24;

/// When the next reminder may go out, if the last one (at `last`) is too recent at `now`.
pub fn next_reminder_at(
    last: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<chrono::DateTime<chrono::Utc>> {
    let next = last? + chrono::Duration::hours(REMINDER_INTERVAL_HOURS);
    (next > now).then_some(next)
}

/// `part` of `whole` as a percentage with one decimal (0 of nobody is 0).
pub fn percent(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        return 0.0;
    }
    (part as f64 * 1000.0 / whole as f64).round() / 10.0
}

#[cfg(test)]
mod reach_tests {
    use chrono::{Duration, TimeZone, Utc};

    use super::*;

    #[test]
    fn a_reminder_waits_a_full_day_after_the_last() {
        let last = Utc.with_ymd_and_hms(2026, 12, 4, 8, 0, 0).unwrap();
        assert_eq!(next_reminder_at(None, last), None);
        assert_eq!(
            next_reminder_at(Some(last), last + Duration::hours(23)),
            Some(last + Duration::hours(24))
        );
        assert_eq!(
            next_reminder_at(Some(last), last + Duration::hours(24)),
            None
        );
    }

    #[test]
    fn percentages_have_one_decimal_and_nobody_is_zero() {
        assert_eq!(percent(2, 3), 66.7);
        assert_eq!(percent(1, 3), 33.3);
        assert_eq!(percent(3, 3), 100.0);
        assert_eq!(percent(0, 0), 0.0);
    }
}
