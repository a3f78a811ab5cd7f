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

/// The value of an article number as written between 第 and 条: Chinese numerals (一 … 九,
/// 十, 百, 千, 零: 十 = 10, 十一 = 11, 二十 = 20, 一百零五 = 105, 一百二十 = 120) or ASCII digits.
/// Anything else (5.1.1, 二三, 百十) is no article number.
pub fn article_number(written: &str) -> Option<u32> {
    if !written.is_empty() && written.bytes().all(|b| b.is_ascii_digit()) {
        return written.parse().ok().filter(|n| *n > 0);
    }
    let (mut total, mut digit, mut last_unit) = (0u32, None::<u32>, u32::MAX);
    for c in written.chars() {
        let unit = match c {
            '十' => 10,
            '百' => 100,
            '千' => 1000,
            '零' | '〇' => {
                if digit.is_some() {
                    return None;
                }
                continue;
            }
            _ => {
                let d = "一二三四五六七八九".chars().position(|x| x == c)?;
                if digit.is_some() {
                    return None;
                }
                digit = Some(u32::try_from(d).ok()? + 1);
                continue;
            }
        };
        if unit >= last_unit {
            return None;
        }
        // 十一: a leading 十 stands for 一十; any other unit needs its digit.
        let d = digit.take().or((unit == 10 && total == 0).then_some(1))?;
        total += d * unit;
        last_unit = unit;
    }
    let n = total + digit.unwrap_or(0);
    (n > 0).then_some(n)
}

/// The article numbers written in `text` (第十条, 第八条、第十条 …), in order, each once. A
/// clause of a standard (第5.1.1条), a paragraph (第一款) or an item (第（二）项) is not one.
fn articles_in(text: &str) -> Vec<u32> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('第') {
        rest = &rest[start + '第'.len_utf8()..];
        let end = rest
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_digit() || "一二三四五六七八九十百千零〇".contains(*c)))
            .map_or(rest.len(), |(i, _)| i);
        if rest[end..].starts_with('条')
            && let Some(n) = article_number(&rest[..end])
            && !out.contains(&n)
        {
            out.push(n);
        }
    }
    out
}

/// Whether a title written in 《…》 names the publication: the same title, or the title without
/// its edition note (《中华人民共和国安全生产法》 for “…安全生产法（2021年修正）”).
fn names_title(cited: &str, title: &str) -> bool {
    let cited = cited.trim();
    let bare = title.split(['（', '(']).next().unwrap_or(title).trim();
    !cited.is_empty() && (cited == title.trim() || cited == bare)
}

/// The articles of the publication (its `title` and 文号) that a legal-basis text names. The
/// text may cite several documents (“GB 15577-2018《粉尘防爆安全规程》第8.3条；《工贸企业重大
/// 事故隐患判定标准》第十三条”): only the articles written after the publication's own title
/// or 文号 count. A text citing a single document (or none by name, “第十条”) names its
/// articles for the linked publication.
pub fn cited_articles(basis: &str, title: &str, doc_number: Option<&str>) -> Vec<u32> {
    // One citation per document: split at the separators and before each 《.
    let mut citations: Vec<&str> = Vec::new();
    for part in basis.split(['；', ';', '。', '\n']) {
        let mut from = 0;
        for (i, _) in part.match_indices('《').skip(1) {
            citations.push(&part[from..i]);
            from = i;
        }
        citations.push(&part[from..]);
    }
    citations.retain(|c| !c.trim().is_empty());
    let doc_number = doc_number.map(str::trim).filter(|d| !d.is_empty());
    let mut out = Vec::new();
    for c in &citations {
        let cited = c
            .split_once('《')
            .and_then(|(_, r)| r.split_once('》'))
            .map(|(t, _)| t);
        let by_title = cited.is_some_and(|t| names_title(t, title));
        if by_title || doc_number.is_some_and(|d| c.contains(d)) {
            for n in articles_in(c) {
                if !out.contains(&n) {
                    out.push(n);
                }
            }
        }
    }
    if out.is_empty() && citations.len() == 1 {
        return articles_in(basis);
    }
    out
}

/// What a line of a body begins: an article (its number), a division (a heading, 第…章 / 第…节)
/// or neither.
enum LineStart {
    Article(u32),
    Division,
    Text,
}

fn line_start(line: &str) -> LineStart {
    let line = line.trim_start();
    if line.starts_with('#') {
        return LineStart::Division;
    }
    let plain = line.trim_start_matches(['*', '_']).trim_start();
    let Some(rest) = plain.strip_prefix('第') else {
        return LineStart::Text;
    };
    let end = rest
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || "一二三四五六七八九十百千零〇".contains(*c)))
        .map_or(rest.len(), |(i, _)| i);
    let Some(n) = article_number(&rest[..end]) else {
        return LineStart::Text;
    };
    match rest[end..].chars().next() {
        Some('条') => LineStart::Article(n),
        Some('章' | '节' | '编') => LineStart::Division,
        _ => LineStart::Text,
    }
}

/// The Markdown of article `n` of a body: from the line that begins it (`**第十条** …`) up to
/// the next article or heading. `None` when the body has no such article.
pub fn article_text(body: &str, n: u32) -> Option<String> {
    let lines: Vec<&str> = body.lines().collect();
    let start = lines
        .iter()
        .position(|l| matches!(line_start(l), LineStart::Article(m) if m == n))?;
    let len = lines[start + 1..]
        .iter()
        .take_while(|l| matches!(line_start(l), LineStart::Text))
        .count();
    Some(lines[start..=start + len].join("\n").trim_end().to_string())
}

/// The body's first paragraph of text (headings skipped), for a basis that names no article
/// the body holds.
pub fn first_paragraph(body: &str) -> Option<String> {
    let para: Vec<&str> = body
        .lines()
        .skip_while(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        .take_while(|l| !l.trim().is_empty())
        .collect();
    (!para.is_empty()).then(|| para.join("\n"))
}

/// What the hazard page shows of a linked publication: the Markdown of each article the basis
/// names and the body holds, in the order named, or (none found) the first paragraph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BasisExcerpt {
    Articles(Vec<(u32, String)>),
    Opening(Option<String>),
}

/// The excerpt of a publication's body a legal-basis text points at.
pub fn basis_excerpt(
    basis: &str,
    title: &str,
    doc_number: Option<&str>,
    body: &str,
) -> BasisExcerpt {
    let found: Vec<(u32, String)> = cited_articles(basis, title, doc_number)
        .into_iter()
        .filter_map(|n| Some((n, article_text(body, n)?)))
        .collect();
    if found.is_empty() {
        BasisExcerpt::Opening(first_paragraph(body))
    } else {
        BasisExcerpt::Articles(found)
    }
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

    #[test]
    fn chinese_article_numbers_are_read() {
        for (written, n) in [
            ("一", 1),
            ("十", 10),
            ("十一", 11),
            ("二十", 20),
            ("二十一", 21),
            ("九十九", 99),
            ("一百", 100),
            ("一百零五", 105),
            ("一百一十", 110),
            ("一百二十", 120),
            ("10", 10),
        ] {
            assert_eq!(article_number(written), Some(n), "{written}");
        }
        for bad in ["", "二三", "百十", "百", "十十", "5.1", "零", "条"] {
            assert_eq!(article_number(bad), None, "{bad}");
        }
    }

    const BODY: &str = "# 第一章 总则\n\n**第一条** 为了加强安全。\n\n**第十条** 十条正文。\n\n1. 第一项；\n2. 第二项。\n\n**第十一条** 十一条正文。\n\n## 第二章 附则\n\n**第二十条** 二十条正文。\n";

    #[test]
    fn the_tenth_article_is_found_and_not_the_eleventh_or_the_twentieth() {
        let ten = article_text(BODY, 10).expect("第十条");
        assert!(ten.starts_with("**第十条** 十条正文。"), "{ten}");
        assert!(ten.contains("2. 第二项。"), "{ten}");
        assert!(!ten.contains("十一条正文"), "{ten}");
        assert!(!ten.contains("二十条正文"), "{ten}");
        let eleven = article_text(BODY, 11).expect("第十一条");
        assert!(
            !eleven.contains("附则"),
            "a heading ends the article: {eleven}"
        );
        assert_eq!(
            article_text(BODY, 20).as_deref(),
            Some("**第二十条** 二十条正文。")
        );
        let without_ten = BODY.replace("**第十条** 十条正文。", "");
        let without_ten = without_ten.replace("1. 第一项；\n2. 第二项。", "");
        assert_eq!(article_text(&without_ten, 10), None);
        assert_eq!(article_text(BODY, 2), None);
    }

    #[test]
    fn only_the_articles_written_after_the_publications_title_are_cited() {
        let title = "工贸企业重大事故隐患判定标准";
        let basis =
            "GB 15577-2018《粉尘防爆安全规程》第8.3条；《工贸企业重大事故隐患判定标准》第十三条";
        assert_eq!(
            cited_articles(basis, title, Some("应急管理部令第10号")),
            [13]
        );
        assert_eq!(
            cited_articles(
                "《工贸企业粉尘防爆安全规定》第八条、第十条",
                "工贸企业粉尘防爆安全规定",
                None
            ),
            [8, 10]
        );
        // The edition note of the title is not written in a citation.
        assert_eq!(
            cited_articles(
                "《中华人民共和国安全生产法》第三十条；《特种作业人员安全技术培训考核管理规定》第五条",
                "中华人民共和国安全生产法（2021年修正）",
                None
            ),
            [30]
        );
        // Paragraphs, items and a standard's clauses are no articles.
        assert_eq!(
            cited_articles(
                "《中华人民共和国消防法》第十六条第一款第（二）项",
                "中华人民共和国消防法",
                None
            ),
            [16]
        );
        assert!(
            cited_articles(
                "GB 15577-2018《粉尘防爆安全规程》第6.1条",
                "粉尘防爆安全规程",
                None
            )
            .is_empty()
        );
        // A bare article, or one document cited under another name: its articles.
        assert_eq!(cited_articles("第十条", "任何标题", None), [10]);
        assert_eq!(
            cited_articles("《粉尘防爆规定》第十条", "工贸企业粉尘防爆安全规定", None),
            [10]
        );
        // Two other documents cited: nothing is the linked one's.
        assert!(cited_articles("《甲》第一条；《乙》第二条", "丙", None).is_empty());
    }

    #[test]
    fn without_a_named_article_the_first_paragraph_is_the_excerpt() {
        assert_eq!(
            basis_excerpt("《规定》第十条", "规定", None, BODY),
            BasisExcerpt::Articles(vec![(10, article_text(BODY, 10).unwrap_or_default())])
        );
        assert_eq!(
            basis_excerpt("《规定》第九条", "规定", None, BODY),
            BasisExcerpt::Opening(Some("**第一条** 为了加强安全。".into()))
        );
        assert_eq!(
            basis_excerpt("", "规定", None, ""),
            BasisExcerpt::Opening(None)
        );
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
