//! The enterprise register as a table of text rows, from CSV or from a workbook's cells (read
//! in the extractor's child process), each row with its line number as a spreadsheet shows it.

/// Rows of a CSV file (UTF-8, with or without a byte-order mark; a GBK file, as older Excel
/// writes, is refused with a message saying so).
pub fn rows_of_csv(bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, String> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| "文件不是 UTF-8 编码：请在 Excel 中另存为“CSV UTF-8”，或上传 XLSX".to_string())?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("CSV 格式有误（{e}）"))?;
        // The line as an editor numbers it: counted from the record's first byte (csv's own
        // count skips blank lines).
        let mut start = record.position().map(|p| p.byte() as usize).unwrap_or(0).min(text.len());
        // A record's position includes the blank lines csv skipped before it.
        while matches!(text.as_bytes().get(start), Some(b'\n' | b'\r')) {
            start += 1;
        }
        let line = text.as_bytes()[..start].iter().filter(|b| **b == b'\n').count() + 1;
        rows.push((line, record.iter().map(str::to_string).collect()));
    }
    Ok(rows)
}

/// Rows of a sheet's sparse cells (row and column from 0), numbered from 1.
pub fn rows_of_cells(cells: &[(u32, u32, String)]) -> Vec<(usize, Vec<String>)> {
    let mut lines: std::collections::BTreeMap<u32, Vec<String>> = std::collections::BTreeMap::new();
    for (row, col, text) in cells {
        let line = lines.entry(*row).or_default();
        let col = *col as usize;
        if line.len() <= col {
            line.resize(col + 1, String::new());
        }
        line[col] = text.clone();
    }
    lines.into_iter().map(|(row, cells)| (row as usize + 1, cells)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_keep_their_line_numbers_and_quoted_cells() {
        let rows =
            rows_of_csv("\u{feff}统一社会信用代码,企业名称\n\"911\",\"济南\"\"泉城\"\"，软件\"\n\n912,乙\n".as_bytes())
                .unwrap();
        assert_eq!(rows[0].1[0], "统一社会信用代码", "the byte-order mark is dropped");
        assert_eq!(rows[1], (2, vec!["911".to_string(), "济南\"泉城\"，软件".to_string()]));
        assert_eq!(rows.last().unwrap().0, 4);
        assert!(rows_of_csv(&[0xc4, 0xe3, 0xba, 0xc3]).unwrap_err().contains("UTF-8"));
    }

    #[test]
    fn cells_become_rows() {
        let rows = rows_of_cells(&[(0, 0, "a".into()), (0, 2, "c".into()), (3, 1, "x".into())]);
        assert_eq!(rows, vec![(1, vec!["a".into(), String::new(), "c".into()]), (4, vec![String::new(), "x".into()])]);
    }
}
