//! Standard lists and catalogues as XLSX in the layout of the State Council's grassroots
//! standard catalogue: a title row, a header row with the ten columns (a leading 序号 column
//! is allowed), one row per item. Written with rust_xlsxwriter; read from the cells that
//! gongkai-extract's limited child process takes out of an uploaded file.

use gongkai_domain::catalogue::{COLUMNS, CatalogueRow};
use gongkai_domain::validation::Invalid;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

/// Most rows a list may have; the national lists have a few hundred.
const MAX_ROWS: usize = 5000;

fn invalid(problem: impl std::fmt::Display) -> Invalid {
    Invalid::one("file", "清单文件", problem)
}

/// The items of a list from the non-empty cells of its first sheet (zero-based row, column,
/// text; as gongkai-extract reads them). Columns are found by their header, so their order and
/// a 序号 column do not matter; a blank 一级事项 repeats the one above, as merged cells in real
/// lists read. Every bad row is reported with its row number in the sheet, and nothing is
/// returned unless all rows are good.
pub fn rows_from_cells(sparse: &[(u32, u32, String)]) -> Result<Vec<CatalogueRow>, Invalid> {
    // The rows that have cells, in order, each as a line of its columns. The reader caps rows
    // and columns, so a line is short.
    let mut lines: std::collections::BTreeMap<u32, Vec<String>> = std::collections::BTreeMap::new();
    for (row, col, text) in sparse {
        let line = lines.entry(*row).or_default();
        let col = *col as usize;
        if line.len() <= col {
            line.resize(col + 1, String::new());
        }
        line[col] = text.trim().to_string();
    }
    let cells: Vec<(u32, Vec<String>)> = lines.into_iter().collect();
    let header_at = cells
        .iter()
        .take(20)
        .position(|(_, r)| r.iter().any(|c| c == COLUMNS[0]))
        .ok_or_else(|| invalid(format!("找不到表头：第一个工作表的前 20 行中应有“{}”等列", COLUMNS[0])))?;
    let header = &cells[header_at].1;
    let mut positions = Vec::with_capacity(COLUMNS.len());
    for name in COLUMNS {
        // Headers are matched loosely on full-width and half-width brackets.
        let wanted = name.replace(['（', '）'], "");
        let at = header.iter().position(|h| h.replace(['（', '）', '(', ')', ' ', '\n'], "") == wanted);
        match at {
            Some(i) => positions.push(i),
            None => return Err(invalid(format!("表头缺少“{name}”列"))),
        }
    }
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut level1 = String::new();
    for (n, line) in cells.iter().skip(header_at + 1) {
        if line.iter().all(|c| c.is_empty()) {
            continue;
        }
        let mut picked: Vec<String> = positions.iter().map(|&i| line.get(i).cloned().unwrap_or_default()).collect();
        if picked[0].is_empty() {
            picked[0] = level1.clone();
        }
        match CatalogueRow::from_cells(&picked) {
            Ok(row) => {
                level1 = row.level1.clone();
                rows.push(row);
            }
            Err(e) => errors.push(format!("第 {} 行：{e}", *n as u64 + 1)),
        }
        if rows.len() > MAX_ROWS {
            return Err(invalid(format!("清单不能超过 {MAX_ROWS} 行")));
        }
    }
    if !errors.is_empty() {
        let shown: Vec<_> = errors.iter().take(20).cloned().collect();
        let more = if errors.len() > 20 { format!("；另有 {} 行有误", errors.len() - 20) } else { String::new() };
        return Err(invalid(format!("{}{more}", shown.join("；"))));
    }
    if rows.is_empty() {
        return Err(invalid("表头下没有事项"));
    }
    Ok(rows)
}

/// Writes `rows` under a title in the national layout, with a 序号 column.
pub fn write_rows(title: &str, rows: &[CatalogueRow]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("清单")?;
    let title_format = Format::new().set_bold().set_font_size(16).set_align(FormatAlign::Center);
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color("#E8EEF5");
    let cell = Format::new().set_text_wrap().set_border(FormatBorder::Thin).set_align(FormatAlign::VerticalCenter);
    sheet.merge_range(0, 0, 0, COLUMNS.len() as u16, title, &title_format)?;
    sheet.write_string_with_format(1, 0, "序号", &head)?;
    for (i, name) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(1, i as u16 + 1, *name, &head)?;
    }
    let widths = [6.0, 14.0, 18.0, 36.0, 30.0, 22.0, 16.0, 22.0, 10.0, 10.0, 10.0];
    for (i, w) in widths.iter().enumerate() {
        sheet.set_column_width(i as u16, *w)?;
    }
    for (n, row) in rows.iter().enumerate() {
        let r = n as u32 + 2;
        sheet.write_number_with_format(r, 0, (n + 1) as f64, &cell)?;
        for (i, text) in row.to_cells().iter().enumerate() {
            sheet.write_string_with_format(r, i as u16 + 1, text, &cell)?;
        }
    }
    sheet.set_freeze_panes(2, 0)?;
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use gongkai_domain::catalogue::{Channel, TimeLimit};

    /// Reads a workbook as the server does, minus the child process.
    fn read_rows(bytes: &[u8]) -> Result<Vec<CatalogueRow>, Invalid> {
        match gongkai_extract::run_child(gongkai_extract::Kind::CatalogueXlsx, bytes, usize::MAX) {
            gongkai_extract::Answer::Cells(cells) => rows_from_cells(&cells),
            gongkai_extract::Answer::Refused(message) => Err(invalid(message)),
            other => Err(invalid(format!("{other:?}"))),
        }
    }

    fn sample() -> Vec<CatalogueRow> {
        let cells = |l1: &str, l2: &str, limit: &str, channels: &str| -> Vec<String> {
            [l1, l2, "内容", "《条例》第二十条", limit, "市医疗保障局", channels, "全社会", "主动公开", "市级"]
                .iter()
                .map(|s| s.to_string())
                .collect()
        };
        vec![
            CatalogueRow::from_cells(&cells("医保政策", "政策文件", "20个工作日", "政府网站、政府公报")).unwrap(),
            CatalogueRow::from_cells(&cells("医保政策", "政策解读", "及时", "政府网站")).unwrap(),
            CatalogueRow::from_cells(&cells("定点机构", "定点医药机构名单", "实时", "政府网站、公示栏")).unwrap(),
        ]
    }

    #[test]
    fn lists_round_trip_through_xlsx() {
        let rows = sample();
        let bytes = write_rows("市级医疗保障领域事项标准清单", &rows).unwrap();
        assert_eq!(read_rows(&bytes).unwrap(), rows);
    }

    #[test]
    fn merged_first_column_and_bad_rows() {
        // A sheet as people write it: 一级事项 only on the first row of its group, columns in
        // another order, and two bad rows reported together with their numbers.
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let mut header: Vec<&str> = COLUMNS.to_vec();
        header.swap(2, 3);
        for (i, h) in header.iter().enumerate() {
            sheet.write_string(0, i as u16, *h).unwrap();
        }
        let lines: [[&str; 10]; 4] = [
            ["医保政策", "政策文件", "依据", "内容", "20个工作日", "主体", "政府网站", "全社会", "主动公开", "市级"],
            ["", "政策解读", "依据", "内容", "及时", "主体", "政府网站", "全社会", "主动公开", "市级"],
            ["", "", "依据", "内容", "及时", "主体", "政府网站", "全社会", "主动公开", "市级"],
            ["经办", "经办电话", "依据", "内容", "实时", "主体", "微博", "特定群体", "主动公开", "市级"],
        ];
        for (r, line) in lines.iter().enumerate() {
            for (c, v) in line.iter().enumerate() {
                sheet.write_string(r as u32 + 1, c as u16, *v).unwrap();
            }
        }
        let bytes = book.save_to_buffer().unwrap();
        let err = read_rows(&bytes).unwrap_err().to_string();
        assert!(err.contains("第 4 行：“二级事项”不能为空"), "{err}");
        assert!(err.contains("第 5 行：“公开渠道和载体”中的“微博”"), "{err}");
        // Without the bad rows the merged column is filled from above.
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        for (i, h) in header.iter().enumerate() {
            sheet.write_string(0, i as u16, *h).unwrap();
        }
        for (r, line) in lines[..2].iter().enumerate() {
            for (c, v) in line.iter().enumerate() {
                sheet.write_string(r as u32 + 1, c as u16, *v).unwrap();
            }
        }
        let rows = read_rows(&book.save_to_buffer().unwrap()).unwrap();
        assert_eq!(rows[1].level1, "医保政策");
        assert_eq!(rows[1].content, "内容");
        assert_eq!(rows[0].time_limit, TimeLimit::WorkingDays(20));
        assert_eq!(rows[0].channels, vec![Channel::Website]);
    }

    #[test]
    fn not_a_workbook_is_refused_clearly() {
        assert!(read_rows(b"PK\x03\x04garbage").unwrap_err().to_string().contains("不是有效的 XLSX"));
        assert!(read_rows(b"").is_err());
    }
}
