//! A plain table as a workbook: one sheet, a bold header row, text cells, sensible widths.
//! For registers and exports whose layout is just rows (the applications register).

use rust_xlsxwriter::{Format, Workbook, XlsxError};

pub fn write(sheet: &str, headers: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, XlsxError> {
    write_sheets(&[Sheet { name: sheet, headers, rows, numbers_from: usize::MAX }])
}

/// One sheet of a workbook: columns from `numbers_from` on hold figures, written as numbers
/// (so that a spreadsheet sums them); the others are text (codes keep their leading zeros).
pub struct Sheet<'a> {
    pub name: &'a str,
    pub headers: &'a [&'a str],
    pub rows: &'a [Vec<String>],
    pub numbers_from: usize,
}

pub fn write_sheets(sheets: &[Sheet]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold().set_background_color("F4F6F8").set_border(rust_xlsxwriter::FormatBorder::Thin);
    let wrap = Format::new().set_text_wrap().set_align(rust_xlsxwriter::FormatAlign::Top);
    for sheet in sheets {
        let ws = book.add_worksheet();
        ws.set_name(sheet.name)?;
        for (c, h) in sheet.headers.iter().enumerate() {
            let c = c as u16;
            ws.write_with_format(0, c, *h, &bold)?;
            // Chinese text is about two columns per character; cap the width, wrap the rest.
            let widest =
                sheet.rows.iter().filter_map(|r| r.get(c as usize)).map(|v| v.chars().count()).max().unwrap_or(0);
            ws.set_column_width(c, (widest.max(h.chars().count()) as f64 * 2.0 + 2.0).min(60.0))?;
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let (r, col) = (r as u32 + 1, c as u16);
                match v.parse::<f64>() {
                    Ok(n) if c >= sheet.numbers_from => ws.write_number(r, col, n)?,
                    _ => ws.write_with_format(r, col, v.as_str(), &wrap)?,
                };
            }
        }
        ws.set_freeze_panes(1, 0)?;
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Reader, Xlsx};

    #[test]
    fn figures_are_numbers_and_codes_text() {
        let rows = vec![vec!["370102".to_string(), "12".to_string()]];
        let sheets = [
            Sheet { name: "按区县", headers: &["区县代码", "企业数"], rows: &rows, numbers_from: 1 },
            Sheet { name: "空", headers: &["甲"], rows: &[], numbers_from: 1 },
        ];
        let bytes = write_sheets(&sheets).unwrap();
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), ["按区县", "空"]);
        let range = book.worksheet_range("按区县").unwrap();
        assert_eq!(range.get_value((1, 0)), Some(&calamine::Data::String("370102".into())));
        assert_eq!(range.get_value((1, 1)), Some(&calamine::Data::Float(12.0)));
    }

    #[test]
    fn rows_read_back() {
        let rows = vec![vec!["202611000001".to_string(), "张伟".to_string()], vec!["2".into(), "李秀英".into()]];
        let bytes = write("申请登记", &["申请编号", "申请人"], &rows).unwrap();
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("申请登记").unwrap();
        assert_eq!(range.get_value((0, 1)).unwrap().to_string(), "申请人");
        assert_eq!(range.get_value((2, 1)).unwrap().to_string(), "李秀英");
        assert_eq!(range.height(), 3);
    }
}
