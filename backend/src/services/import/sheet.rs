//! Reading an uploaded spreadsheet into a header row and data rows of text. `.xlsx` through
//! calamine; `.csv` as UTF-8 (with or without BOM) or, failing that, GB18030 — what Excel on a
//! Chinese Windows saves by default.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};

/// The sheet's rows, all cells as trimmed text. Row 0 is the header.
pub type Rows = Vec<Vec<String>>;

/// How large a sheet may be. Checked before cells are read, against what the file declares,
/// and again for every cell, so nothing is allocated beyond these bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// Data rows, not counting the header row.
    pub rows: usize,
    pub columns: usize,
    /// Bytes the parts of an xlsx (a zip) may inflate to, all parts together.
    pub unzipped_bytes: u64,
}

/// Parts an xlsx may hold; a workbook saved by Excel or WPS has a dozen or two.
const MAX_PARTS: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetError {
    /// Neither a readable xlsx nor csv.
    Unreadable,
    /// No header row.
    Empty,
    /// More rows or columns than `Bounds` allow, declared or present, or an xlsx that
    /// inflates beyond its bound.
    TooBig,
}

impl SheetError {
    pub fn message_key(self) -> &'static str {
        match self {
            SheetError::Unreadable => "import.unreadable",
            SheetError::Empty => "import.empty",
            SheetError::TooBig => "import.too_big",
        }
    }
}

fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => other.to_string().trim().to_string(),
    }
}

/// Inflates every part of the zip into nothing, counting, and refuses it once the parts
/// together pass the bound: the sizes a zip declares can lie, what inflates cannot. The
/// reader below then never holds more than this (shared strings are read whole).
fn check_zip(bytes: &[u8], bound: u64) -> Result<(), SheetError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| SheetError::Unreadable)?;
    if zip.len() > MAX_PARTS {
        return Err(SheetError::TooBig);
    }
    let mut left = bound;
    for i in 0..zip.len() {
        let part = zip.by_index(i).map_err(|_| SheetError::Unreadable)?;
        if part.size() > left {
            return Err(SheetError::TooBig);
        }
        let inflated = std::io::copy(&mut part.take(left + 1), &mut std::io::sink())
            .map_err(|_| SheetError::Unreadable)?;
        if inflated > left {
            return Err(SheetError::TooBig);
        }
        left -= inflated;
    }
    Ok(())
}

/// Puts a cell into sparse rows, refusing any value outside the bounds. Empty cells (a
/// format without a value) are skipped: they allocate nothing and mean nothing.
fn place(
    rows: &mut Rows,
    (row, col): (usize, usize),
    text: String,
    bounds: Bounds,
) -> Result<(), SheetError> {
    if text.is_empty() {
        return Ok(());
    }
    if row > bounds.rows || col >= bounds.columns {
        return Err(SheetError::TooBig);
    }
    if rows.len() <= row {
        rows.resize_with(row + 1, Vec::new);
    }
    let cells = &mut rows[row];
    if cells.len() <= col {
        cells.resize(col + 1, String::new());
    }
    cells[col] = text;
    Ok(())
}

fn read_xlsx(bytes: &[u8], bounds: Bounds) -> Result<Rows, SheetError> {
    check_zip(bytes, bounds.unzipped_bytes)?;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| SheetError::Unreadable)?;
    let name = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or(SheetError::Empty)?;
    let mut cells = book
        .worksheet_cells_reader(&name)
        .map_err(|_| SheetError::Unreadable)?;
    // What the sheet declares (`<dimension ref="A1:K120"/>`), zero-based and inclusive.
    let declared = cells.dimensions();
    if declared.end.0 as usize > bounds.rows || declared.end.1 as usize >= bounds.columns {
        return Err(SheetError::TooBig);
    }
    let mut rows = Rows::new();
    while let Some(cell) = cells.next_cell().map_err(|_| SheetError::Unreadable)? {
        let (r, c) = cell.get_position();
        let text = cell_text(&Data::from(cell.get_value().clone()));
        place(&mut rows, (r as usize, c as usize), text, bounds)?;
    }
    // Every row as wide as the widest, as a range would have it.
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    for r in &mut rows {
        r.resize(width, String::new());
    }
    Ok(rows)
}

fn read_csv(bytes: &[u8], bounds: Bounds) -> Result<Rows, SheetError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => s.trim_start_matches('\u{feff}').to_string(),
        Err(_) => {
            let (decoded, _, had_errors) = encoding_rs::GB18030.decode(bytes);
            if had_errors {
                return Err(SheetError::Unreadable);
            }
            decoded.into_owned()
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Rows::new();
    for (r, record) in reader.records().enumerate() {
        let record = record.map_err(|_| SheetError::Unreadable)?;
        let cells: Vec<String> = record.iter().map(|c| c.trim().to_string()).collect();
        if let Some(last) = cells.iter().rposition(|c| !c.is_empty())
            && (r > bounds.rows || last >= bounds.columns)
        {
            return Err(SheetError::TooBig);
        }
        rows.push(cells);
    }
    Ok(rows)
}

/// Reads `bytes` as xlsx (zip signature) or csv, within `bounds`; drops rows that are
/// entirely empty at the end. CPU-bound: call it on the blocking pool.
pub fn read(bytes: &[u8], bounds: Bounds) -> Result<Rows, SheetError> {
    let mut rows = if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes, bounds)?
    } else {
        read_csv(bytes, bounds)?
    };
    // Keep row numbers meaningful: blank rows at the end go, blank rows inside become empty.
    while rows.last().is_some_and(|r| r.iter().all(String::is_empty)) {
        rows.pop();
    }
    if rows.is_empty() {
        return Err(SheetError::Empty);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    const B: Bounds = Bounds {
        rows: 100,
        columns: 12,
        unzipped_bytes: 1024 * 1024,
    };

    /// A minimal workbook around one sheet's XML, as an attacker would write it by hand.
    fn xlsx_with(sheet: &str) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default();
        let parts = [
            (
                "[Content_Types].xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
            ),
            (
                "_rels/.rels",
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
            ),
            (
                "xl/workbook.xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="企业" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
            ),
            (
                "xl/_rels/workbook.xml.rels",
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
            ),
            ("xl/worksheets/sheet1.xml", sheet),
        ];
        for (name, text) in parts {
            zip.start_file(name, opts).expect("part");
            zip.write_all(text.as_bytes()).expect("write");
        }
        zip.finish().expect("zip").into_inner()
    }

    fn sheet(dimension: &str, cells: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dimension}<sheetData>{cells}</sheetData></worksheet>"#
        )
    }

    fn cell(at: &str, text: &str) -> String {
        format!(r#"<c r="{at}" t="inlineStr"><is><t>{text}</t></is></c>"#)
    }

    #[test]
    fn a_hand_written_sheet_reads_as_text_rows() {
        let cells = format!(
            r#"<row r="1">{}{}</row><row r="3">{}</row>"#,
            cell("A1", "企业名称"),
            cell("B1", "从业人数"),
            cell("B3", "168")
        );
        let rows =
            read(&xlsx_with(&sheet(r#"<dimension ref="A1:B3"/>"#, &cells)), B).expect("reads");
        assert_eq!(
            rows,
            vec![vec!["企业名称", "从业人数"], vec!["", ""], vec!["", "168"]]
        );
    }

    #[test]
    fn a_declared_range_beyond_the_bounds_is_refused_before_any_cell_is_read() {
        let corners = format!(
            r#"<row r="1">{}</row><row r="1048576">{}</row>"#,
            cell("A1", "企业名称"),
            cell("XFD1048576", "x")
        );
        let bytes = xlsx_with(&sheet(r#"<dimension ref="A1:XFD1048576"/>"#, &corners));
        assert_eq!(read(&bytes, B), Err(SheetError::TooBig));
        // Declared too wide, or too long, by one.
        let wide = xlsx_with(&sheet(r#"<dimension ref="A1:M1"/>"#, &cell("A1", "a")));
        assert_eq!(read(&wide, B), Err(SheetError::TooBig));
        let long = xlsx_with(&sheet(r#"<dimension ref="A1:A102"/>"#, &cell("A1", "a")));
        assert_eq!(read(&long, B), Err(SheetError::TooBig));
        // Exactly at the bounds: a header and 100 data rows, 12 columns.
        let edge = xlsx_with(&sheet(
            r#"<dimension ref="A1:L101"/>"#,
            &format!("{}{}", cell("A1", "a"), cell("L101", "b")),
        ));
        let rows = read(&edge, B).expect("at the bounds");
        assert_eq!((rows.len(), rows[100].len()), (101, 12));
    }

    #[test]
    fn a_cell_beyond_the_bounds_is_refused_whatever_the_sheet_declares() {
        let far = format!("{}{}", cell("A1", "企业名称"), cell("XFD1048576", "x"));
        for dimension in [
            "",
            r#"<dimension ref="A1"/>"#,
            r#"<dimension ref="A1:B2"/>"#,
        ] {
            let bytes = xlsx_with(&sheet(dimension, &far));
            assert_eq!(read(&bytes, B), Err(SheetError::TooBig), "{dimension}");
        }
        // A formatted cell without a value far away is nothing, and allocates nothing.
        let styled = format!(r#"{}<c r="XFD1048576" s="1"/>"#, cell("A1", "企业名称"));
        assert_eq!(
            read(&xlsx_with(&sheet("", &styled)), B),
            Ok(vec![vec!["企业名称".to_string()]])
        );
    }

    #[test]
    fn a_zip_that_inflates_beyond_its_bound_is_refused() {
        // 2 MiB of blank rows compress to a few kilobytes.
        let blank = "<row/>".repeat(350_000);
        let bytes = xlsx_with(&sheet("", &format!("{}{blank}", cell("A1", "a"))));
        assert!(bytes.len() < 50_000, "{} bytes", bytes.len());
        assert_eq!(read(&bytes, B), Err(SheetError::TooBig));
        let roomy = Bounds {
            unzipped_bytes: 8 * 1024 * 1024,
            ..B
        };
        assert_eq!(read(&bytes, roomy), Ok(vec![vec!["a".to_string()]]));
    }

    #[test]
    fn a_csv_beyond_the_bounds_is_refused_but_blank_lines_after_it_do_not_count() {
        let header = "企业名称,从业人数\n";
        let long = format!("{header}{}", "华鑫包装,12\n".repeat(101));
        assert_eq!(read(long.as_bytes(), B), Err(SheetError::TooBig));
        let full = format!(
            "{header}{}{}",
            "华鑫包装,12\n".repeat(100),
            ",,\n".repeat(500)
        );
        assert_eq!(read(full.as_bytes(), B).map(|r| r.len()), Ok(101));
        let wide = format!("{header}华鑫包装{}x\n", ",".repeat(12));
        assert_eq!(read(wide.as_bytes(), B), Err(SheetError::TooBig));
        let trailing_commas = format!("{header}华鑫包装,12{}\n", ",".repeat(40));
        assert!(read(trailing_commas.as_bytes(), B).is_ok());
    }

    #[test]
    fn csv_in_utf8_with_bom_and_in_gbk() {
        let utf8 = "\u{feff}企业名称,从业人数\n瑞安市鸿田汽车电器有限公司,168\n\n";
        let rows = read(utf8.as_bytes(), B).expect("utf-8 csv");
        assert_eq!(
            rows,
            vec![
                vec!["企业名称", "从业人数"],
                vec!["瑞安市鸿田汽车电器有限公司", "168"]
            ]
        );
        let (gbk, _, _) = encoding_rs::GB18030.encode("企业名称,规模\n华鑫包装,小微\n");
        let rows = read(&gbk, B).expect("gbk csv");
        assert_eq!(rows[1], vec!["华鑫包装", "小微"]);
    }

    #[test]
    fn xlsx_cells_come_back_as_text() {
        let bytes = crate::services::xlsx::workbook(
            "企业",
            &["统一社会信用代码", "从业人数"],
            &[vec!["91330381149700566G".into(), "168".into()]],
            &[1],
        )
        .expect("xlsx");
        let rows = read(&bytes, B).expect("xlsx");
        assert_eq!(
            rows[1],
            vec!["91330381149700566G", "168"],
            "168.0 reads as 168"
        );
    }

    #[test]
    fn garbage_and_empty_files_are_refused() {
        assert_eq!(read(b"PK\x03\x04not a zip", B), Err(SheetError::Unreadable));
        assert_eq!(read(b"\n\n", B), Err(SheetError::Empty));
        assert_eq!(
            read(&[0xff, 0xfe, 0xfd, 0x00, 0x81], B),
            Err(SheetError::Unreadable)
        );
    }
}
