//! Spreadsheets out: one sheet with a bold header row, frozen, auto-filtered, and sized
//! columns. Numeric columns (by index) are written as numbers so Excel can sum them.

use rust_xlsxwriter::{Format, Workbook};

use crate::error::{AppError, AppResult};
use crate::i18n::{self, Lang};

pub fn workbook(
    sheet_name: &str,
    headers: &[&str],
    rows: &[Vec<String>],
    numeric_columns: &[usize],
) -> AppResult<Vec<u8>> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::internal(anyhow::anyhow!("xlsx: {e}"));
    sheet.set_name(sheet_name).map_err(fail)?;
    let bold = Format::new().set_bold();
    for (c, h) in headers.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *h, &bold)
            .map_err(fail)?;
    }
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count() * 2).collect();
    for (r, row) in rows.iter().enumerate() {
        let r = (r + 1) as u32;
        for (c, value) in row.iter().enumerate() {
            let number = numeric_columns
                .contains(&c)
                .then(|| value.parse::<f64>().ok())
                .flatten();
            match number {
                Some(n) => sheet.write_number(r, c as u16, n).map_err(fail)?,
                None => sheet.write_string(r, c as u16, value).map_err(fail)?,
            };
            // CJK characters are about two columns wide.
            let w: usize = value
                .chars()
                .map(|ch| if ch.is_ascii() { 1 } else { 2 })
                .sum();
            if let Some(max) = widths.get_mut(c) {
                *max = (*max).max(w);
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        sheet
            .set_column_width(c as u16, (*w).clamp(6, 60) as f64 + 2.0)
            .map_err(fail)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(fail)?;
    if !headers.is_empty() {
        sheet
            .autofilter(0, 0, rows.len() as u32, (headers.len() - 1) as u16)
            .map_err(fail)?;
    }
    book.save_to_buffer().map_err(fail)
}

/// Spreadsheets are written in the default language, whoever downloads them: the register's
/// files are shared as they are.
const LANG: Lang = Lang::ZhCn;

/// A catalog message in the spreadsheets' language.
pub fn text(key: &str) -> String {
    i18n::t(LANG, key)
}

/// `workbook` with its sheet name and column titles from the catalog: `<prefix>.sheet` and
/// `<prefix>.<column>` for each of `columns`, their `{name}` slots filled from `args`.
pub fn catalog_workbook(
    prefix: &str,
    columns: &[&str],
    args: &[(&str, &str)],
    rows: &[Vec<String>],
    numeric_columns: &[usize],
) -> AppResult<Vec<u8>> {
    let titles: Vec<String> = columns
        .iter()
        .map(|c| i18n::t_args(LANG, &format!("{prefix}.{c}"), args))
        .collect();
    let headers: Vec<&str> = titles.iter().map(String::as_str).collect();
    workbook(
        &text(&format!("{prefix}.sheet")),
        &headers,
        rows,
        numeric_columns,
    )
}
