//! A plain table as a workbook: one sheet, a bold header row, text cells, sensible widths.
//! For registers and exports whose layout is just rows (the applications register).

use rust_xlsxwriter::{Format, Workbook, XlsxError};

pub fn write(sheet: &str, headers: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet)?;
    let bold = Format::new().set_bold().set_background_color("F4F6F8").set_border(rust_xlsxwriter::FormatBorder::Thin);
    let wrap = Format::new().set_text_wrap().set_align(rust_xlsxwriter::FormatAlign::Top);
    for (c, h) in headers.iter().enumerate() {
        let c = c as u16;
        ws.write_with_format(0, c, *h, &bold)?;
        // Chinese text is about two columns per character; cap the width, wrap the rest.
        let widest = rows.iter().filter_map(|r| r.get(c as usize)).map(|v| v.chars().count()).max().unwrap_or(0);
        ws.set_column_width(c, (widest.max(h.chars().count()) as f64 * 2.0 + 2.0).min(60.0))?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_with_format(r as u32 + 1, c as u16, v.as_str(), &wrap)?;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Reader, Xlsx};

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
