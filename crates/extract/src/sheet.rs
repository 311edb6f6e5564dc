//! The cells of a standard list's first sheet, read one by one (calamine's cell reader), never as
//! the dense rectangle the sheet declares: a sheet with cells A1 and XFD1048576 would otherwise
//! ask for 2^34 cells. The zip's decompressed sizes, the declared dimension and the position of
//! every cell are checked against caps first.

use crate::SheetCell;
use crate::office;
use calamine::{Data, Reader};

/// Rows a standard list may span (the national lists have a few hundred).
pub const MAX_ROWS: u32 = 10_000;
/// Columns a standard list may span (the layout has eleven).
pub const MAX_COLUMNS: u32 = 50;
/// Non-empty cells a standard list may have.
pub const MAX_CELLS: usize = 200_000;

const NOT_XLSX: &str = "不是有效的 XLSX 文件，请使用本平台导出的模板填写";

fn column_name(mut col: u32) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

/// The non-empty cells of the first sheet, or a message for the user (the field is the file).
pub fn cells(bytes: &[u8]) -> Result<Vec<SheetCell>, String> {
    let mut zip = office::open(bytes).map_err(|_| NOT_XLSX.to_string())?;
    if office::check_sizes(&mut zip).is_err() {
        return Err(format!(
            "文件解压后超过 {} MB，不像是事项清单；请使用本平台导出的模板填写",
            office::MAX_TOTAL >> 20
        ));
    }
    drop(zip);
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).map_err(|_| NOT_XLSX.to_string())?;
    let first = book.sheet_names().into_iter().next().ok_or("文件中没有工作表")?;
    let mut reader = book.worksheet_cells_reader(&first).map_err(|_| "工作表无法读取".to_string())?;
    let too_far = |row: u32, col: u32| row >= MAX_ROWS || col >= MAX_COLUMNS;
    let dim = reader.dimensions();
    if too_far(dim.end.0, dim.end.1) {
        return Err(format!(
            "工作表的范围 {}{}:{}{} 超出清单的上限（{MAX_ROWS} 行、{MAX_COLUMNS} 列）；请删除多余的行和列后重新导入",
            column_name(dim.start.1),
            dim.start.0 + 1,
            column_name(dim.end.1),
            dim.end.0 + 1
        ));
    }
    let mut out = Vec::new();
    while let Some(cell) = reader.next_cell().map_err(|_| "工作表无法读取".to_string())? {
        let (row, col) = cell.get_position();
        let value = Data::from(cell.get_value().clone());
        if value == Data::Empty {
            continue;
        }
        if too_far(row, col) {
            return Err(format!(
                "单元格 {}{} 超出清单的上限（{MAX_ROWS} 行、{MAX_COLUMNS} 列）；请删除多余的内容后重新导入",
                column_name(col),
                row + 1
            ));
        }
        let text = value.to_string().trim().to_string();
        if text.is_empty() {
            continue;
        }
        out.push((row, col, text));
        if out.len() > MAX_CELLS {
            return Err(format!("清单的单元格超过 {MAX_CELLS} 个；请拆分后分别导入"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_xlsxwriter::Workbook;

    #[test]
    fn cells_are_read_sparsely() {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "标题").unwrap();
        sheet.write_string(2, 3, " 内容 ").unwrap();
        sheet.write_number(3, 1, 20.0).unwrap();
        sheet.write_string(4, 1, "  ").unwrap();
        let got = cells(&book.save_to_buffer().unwrap()).unwrap();
        assert_eq!(got, vec![(0, 0, "标题".into()), (2, 3, "内容".into()), (3, 1, "20".into())]);
    }

    #[test]
    fn far_cells_and_bad_files_are_refused() {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "A1").unwrap();
        sheet.write_string(1_048_575, 16_383, "XFD1048576").unwrap();
        let err = cells(&book.save_to_buffer().unwrap()).unwrap_err();
        assert!(err.contains("A1:XFD1048576") && err.contains("10000 行"), "{err}");
        assert_eq!(cells(b"PK\x03\x04garbage").unwrap_err(), NOT_XLSX);
        assert_eq!(cells(b"").unwrap_err(), NOT_XLSX);
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(16_383), "XFD");
    }
}
