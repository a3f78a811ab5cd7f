//! Reading an uploaded spreadsheet into a header row and data rows of text. `.xlsx` through
//! calamine; `.csv` as UTF-8 (with or without BOM) or, failing that, GB18030 — what Excel on a
//! Chinese Windows saves by default.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

/// The sheet's rows, all cells as trimmed text. Row 0 is the header.
pub type Rows = Vec<Vec<String>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetError {
    /// Neither a readable xlsx nor csv.
    Unreadable,
    /// No header row.
    Empty,
}

impl SheetError {
    pub fn message_key(self) -> &'static str {
        match self {
            SheetError::Unreadable => "import.unreadable",
            SheetError::Empty => "import.empty",
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

fn read_xlsx(bytes: &[u8]) -> Result<Rows, SheetError> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| SheetError::Unreadable)?;
    let name = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or(SheetError::Empty)?;
    let range = book
        .worksheet_range(&name)
        .map_err(|_| SheetError::Unreadable)?;
    Ok(range
        .rows()
        .map(|r| r.iter().map(cell_text).collect())
        .collect())
}

fn read_csv(bytes: &[u8]) -> Result<Rows, SheetError> {
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
    reader
        .records()
        .map(|r| {
            r.map(|rec| rec.iter().map(|c| c.trim().to_string()).collect())
                .map_err(|_| SheetError::Unreadable)
        })
        .collect()
}

/// Reads `bytes` as xlsx (zip signature) or csv; drops rows that are entirely empty.
pub fn read(bytes: &[u8]) -> Result<Rows, SheetError> {
    let mut rows = if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)?
    } else {
        read_csv(bytes)?
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
    use super::*;

    #[test]
    fn csv_in_utf8_with_bom_and_in_gbk() {
        let utf8 = "\u{feff}企业名称,从业人数\n瑞安市鸿田汽车电器有限公司,168\n\n";
        let rows = read(utf8.as_bytes()).expect("utf-8 csv");
        assert_eq!(
            rows,
            vec![
                vec!["企业名称", "从业人数"],
                vec!["瑞安市鸿田汽车电器有限公司", "168"]
            ]
        );
        let (gbk, _, _) = encoding_rs::GB18030.encode("企业名称,规模\n华鑫包装,小微\n");
        let rows = read(&gbk).expect("gbk csv");
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
        let rows = read(&bytes).expect("xlsx");
        assert_eq!(
            rows[1],
            vec!["91330381149700566G", "168"],
            "168.0 reads as 168"
        );
    }

    #[test]
    fn garbage_and_empty_files_are_refused() {
        assert_eq!(read(b"PK\x03\x04not a zip"), Err(SheetError::Unreadable));
        assert_eq!(read(b"\n\n"), Err(SheetError::Empty));
        assert_eq!(
            read(&[0xff, 0xfe, 0xfd, 0x00, 0x81]),
            Err(SheetError::Unreadable)
        );
    }
}
