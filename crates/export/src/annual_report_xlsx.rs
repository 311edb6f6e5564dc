//! The tables of an annual report as an XLSX workbook, one sheet per table (表二, 表三, 表四)
//! laid out like the national format with its merged headings, so that staff can paste them
//! into a report template or the platform of the government above. Figures are numbers, not
//! text, so that the receiving office can add units up.

use gongkai_domain::annual_report::layout::{self, Content, Grid};
use gongkai_domain::annual_report::{AnnualReport, SECTION_TITLES};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

/// The grid starts below the report title and the section title.
const FIRST_ROW: u32 = 2;

/// Excel's paper size code for A4.
const A4: u8 = 9;

/// Points per wrapped line at the default 11 pt font.
const LINE_HEIGHT: f64 = 15.0;

struct Formats {
    title: Format,
    subtitle: Format,
    heading: Format,
    label: Format,
    short_label: Format,
    count: Format,
}

impl Formats {
    fn new() -> Formats {
        let framed =
            Format::new().set_border(FormatBorder::Thin).set_text_wrap().set_align(FormatAlign::VerticalCenter);
        Formats {
            title: Format::new().set_bold().set_font_size(14).set_align(FormatAlign::Center),
            subtitle: Format::new().set_bold().set_font_size(12),
            heading: framed.clone().set_bold().set_align(FormatAlign::Center).set_background_color("#E8EEF5"),
            label: framed.clone().set_align(FormatAlign::Left),
            short_label: framed.clone().set_align(FormatAlign::Center),
            count: framed.set_align(FormatAlign::Center).set_num_format("0"),
        }
    }
}

/// Writes the workbook. Column widths are in Excel's character units (a CJK character takes
/// two).
pub fn write(report: &AnnualReport) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::new();
    let mut book = Workbook::new();
    let title = report.title();
    let sheets: [(&str, &str, Grid, Vec<f64>); 3] = [
        ("表二", SECTION_TITLES[1], layout::table2(&report.table2), vec![22.0, 16.0, 16.0, 16.0]),
        (
            "表三",
            SECTION_TITLES[2],
            layout::table3(&report.table3),
            [6.0, 14.0, 42.0].into_iter().chain([9.0; 7]).collect(),
        ),
        ("表四", SECTION_TITLES[3], layout::table4(&report.table4), vec![8.0; 15]),
    ];
    for (name, section, grid, widths) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(name)?;
        sheet.set_paper_size(A4);
        if grid.cols > 4 {
            sheet.set_landscape();
        }
        sheet.set_print_fit_to_pages(1, 0);
        let last_col = (grid.cols - 1) as u16;
        sheet.merge_range(0, 0, 0, last_col, &title, &formats.title)?;
        sheet.merge_range(1, 0, 1, last_col, section, &formats.subtitle)?;
        for (c, w) in widths.iter().enumerate() {
            sheet.set_column_width(c as u16, *w)?;
        }
        write_grid(sheet, &grid, &widths, &formats)?;
        if grid.header_rows > 0 {
            sheet.set_repeat_rows(FIRST_ROW, FIRST_ROW + grid.header_rows as u32 - 1)?;
        }
    }
    book.save_to_buffer()
}

fn write_grid(sheet: &mut Worksheet, grid: &Grid, widths: &[f64], f: &Formats) -> Result<(), XlsxError> {
    // Excel only grows a row for wrapped text when it recalculates, and never for merged
    // cells, so rows are sized here from the text they hold.
    let mut lines = vec![1usize; grid.rows];
    for cell in &grid.cells {
        let (r, c) = (FIRST_ROW + cell.row as u32, cell.col as u16);
        let (r1, c1) = (r + cell.rows as u32 - 1, c + cell.cols as u16 - 1);
        let (text, format) = match &cell.content {
            Content::Heading(t) => (*t, &f.heading),
            Content::Label(t) if t.chars().count() <= 8 => (*t, &f.short_label),
            Content::Label(t) => (*t, &f.label),
            Content::Count(_) | Content::Amount(_) => ("", &f.count),
        };
        if cell.rows > 1 || cell.cols > 1 {
            sheet.merge_range(r, c, r1, c1, text, format)?;
        }
        match &cell.content {
            Content::Count(n) => {
                sheet.write_number_with_format(r, c, *n as f64, format)?;
            }
            Content::Amount(a) => {
                // The string is at most 10 + 4 digits, exact in an f64; the format keeps the
                // decimals as entered, so 12.50 does not print as 12.5.
                let decimals = a.split_once('.').map_or(0, |(_, d)| d.len());
                let pattern = if decimals == 0 { "0".to_string() } else { format!("0.{}", "0".repeat(decimals)) };
                let amount = a.parse::<f64>().unwrap_or(0.0);
                sheet.write_number_with_format(r, c, amount, &format.clone().set_num_format(pattern))?;
            }
            _ if cell.rows == 1 && cell.cols == 1 => {
                sheet.write_string_with_format(r, c, text, format)?;
            }
            _ => {}
        }
        if cell.rows == 1 {
            let width: f64 = widths[cell.col..cell.col + cell.cols].iter().sum();
            lines[cell.row] = lines[cell.row].max(lines_needed(text, width));
        }
    }
    for (i, n) in lines.iter().enumerate() {
        if *n > 1 {
            sheet.set_row_height(FIRST_ROW + i as u32, *n as f64 * LINE_HEIGHT)?;
        }
    }
    Ok(())
}

/// Wrapped lines for `text` in a column `width` characters wide, counting CJK as two; a
/// little is kept back for the cell padding.
fn lines_needed(text: &str, width: f64) -> usize {
    let units: usize = text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    let per_line = (width - 1.0).max(1.0);
    ((units as f64 / per_line).ceil() as usize).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};
    use gongkai_domain::annual_report::*;
    use gongkai_domain::requests::{ApplicantType, Outcome};

    fn sample() -> AnnualReport {
        let mut table3 = Table3::default();
        table3.new.add(ApplicantType::Person, 37);
        table3.new.add(ApplicantType::Business, 5);
        table3.carried_over.add(ApplicantType::Person, 2);
        let mut replied = |o: Outcome, t: ApplicantType, n: u64| table3.outcomes[o.table3_row() - 2].add(t, n);
        replied(Outcome::Disclosed, ApplicantType::Person, 20);
        replied(Outcome::ThirdPartyRights, ApplicantType::Person, 3);
        replied(Outcome::FeeUnpaid, ApplicantType::Business, 4);
        replied(Outcome::NotHeld, ApplicantType::Person, 11);
        table3.carried_forward.add(ApplicantType::Person, 5);
        table3.carried_forward.add(ApplicantType::Business, 1);
        let table4 = Table4::from_counts(&[
            (ReviewKind::Review, ReviewResult::Upheld, 3),
            (ReviewKind::Review, ReviewResult::Pending, 1),
            (ReviewKind::LawsuitAfterReview, ReviewResult::Corrected, 2),
        ]);
        AnnualReport {
            unit_name: "济南市示例局".into(),
            year: 2024,
            sections: Sections {
                overall: "2024年，本局坚持以公开为常态。\n全年主动公开信息1200条。".into(),
                problems: "公开内容的解读还不够。".into(),
                other: "无。".into(),
            },
            table2: Table2 {
                rules: IssuedRepealedInForce { issued: 1, repealed: 0, in_force: 6 },
                normative: IssuedRepealedInForce { issued: 8, repealed: 2, in_force: 53 },
                licensing: 1234,
                penalty: 56,
                enforcement: 7,
                fees_wan_yuan: "12.50".into(),
            },
            table3,
            table4,
        }
    }

    fn open(bytes: Vec<u8>) -> Xlsx<std::io::Cursor<Vec<u8>>> {
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("a valid workbook")
    }

    fn text(v: Option<&Data>) -> String {
        v.map(|d| d.to_string()).unwrap_or_default()
    }

    #[test]
    fn sheets_hold_numbers_and_headings_where_the_national_format_has_them() {
        let report = sample();
        assert_eq!(report.table3.check_identity(), Ok(()));
        let mut book = open(write(&report).unwrap());
        assert_eq!(book.sheet_names(), ["表二", "表三", "表四"]);

        let t2 = book.worksheet_range("表二").unwrap();
        let at = |r: u32, c: u32| (FIRST_ROW + r, c);
        assert_eq!(text(t2.get_value((0, 0))), "济南市示例局2024年政府信息公开工作年度报告");
        assert_eq!(text(t2.get_value((1, 0))), "二、主动公开政府信息情况");
        assert_eq!(text(t2.get_value(at(0, 0))), "第二十条第（一）项");
        assert_eq!(text(t2.get_value(at(1, 3))), "现行有效件数");
        assert_eq!(text(t2.get_value(at(3, 0))), "行政规范性文件");
        assert_eq!(t2.get_value(at(3, 3)), Some(&Data::Float(53.0)));
        assert_eq!(t2.get_value(at(6, 1)), Some(&Data::Float(1234.0)));
        assert_eq!(t2.get_value(at(9, 1)), Some(&Data::Float(56.0)));
        assert_eq!(t2.get_value(at(10, 1)), Some(&Data::Float(7.0)));
        assert_eq!(text(t2.get_value(at(12, 1))), "本年收费金额（单位：万元）");
        assert_eq!(t2.get_value(at(13, 1)), Some(&Data::Float(12.5)));

        let t3 = book.worksheet_range("表三").unwrap();
        assert_eq!(text(t3.get_value(at(0, 3))), "申请人情况");
        assert_eq!(text(t3.get_value(at(1, 4))), "法人或其他组织");
        assert_eq!(text(t3.get_value(at(2, 8))), "其他");
        assert_eq!(text(t3.get_value(at(1, 9))), "总计");
        assert_eq!(text(t3.get_value(at(3, 0))), "一、本年新收政府信息公开申请数量");
        assert_eq!(text(t3.get_value(at(5, 0))), "三、本年度办理结果");
        let row = |i: usize| -> Vec<Data> {
            (3..10).map(|c| t3.get_value(at(3 + i as u32, c)).cloned().unwrap_or(Data::Empty)).collect()
        };
        let floats = |v: [u64; 7]| -> Vec<Data> { v.iter().map(|n| Data::Float(*n as f64)).collect() };
        for i in 0..TABLE3_ROWS {
            assert_eq!(row(i), floats(report.table3.row(i)), "row {i}");
        }
        assert_eq!(row(0), floats([37, 5, 0, 0, 0, 0, 42]));
        assert_eq!(row(23), floats([34, 4, 0, 0, 0, 0, 38]));
        let label_row = 3 + Outcome::ThirdPartyRights.table3_row() as u32;
        assert_eq!(text(t3.get_value(at(label_row, 2))), "4.保护第三方合法权益");

        let t4 = book.worksheet_range("表四").unwrap();
        assert_eq!(text(t4.get_value(at(0, 0))), "行政复议");
        assert_eq!(text(t4.get_value(at(0, 5))), "行政诉讼");
        assert_eq!(text(t4.get_value(at(1, 5))), "未经复议直接起诉");
        assert_eq!(text(t4.get_value(at(2, 11))), "结果纠正");
        let cells: Vec<Data> = (0..15).map(|c| t4.get_value(at(3, c)).cloned().unwrap_or(Data::Empty)).collect();
        let want: Vec<Data> = report.table4.cells().iter().map(|n| Data::Float(*n as f64)).collect();
        assert_eq!(cells, want);
        assert_eq!(cells[4], Data::Float(4.0));
        assert_eq!(cells[11], Data::Float(2.0));
    }

    #[test]
    fn headings_are_merged_as_in_the_national_format() {
        let mut book = open(write(&sample()).unwrap());
        let merged = |book: &mut Xlsx<_>, name: &str| -> Vec<((u32, u32), (u32, u32))> {
            book.merge_cells_by_sheet_name(name).unwrap().into_iter().map(|d| (d.start, d.end)).collect()
        };
        let r = FIRST_ROW;
        let t3 = merged(&mut book, "表三");
        for want in [
            ((r, 0), (r + 2, 2)),          // the note on the identity
            ((r, 3), (r, 9)),              // 申请人情况
            ((r + 1, 4), (r + 1, 8)),      // 法人或其他组织
            ((r + 1, 3), (r + 2, 3)),      // 自然人
            ((r + 5, 0), (r + 5 + 21, 0)), // 三、本年度办理结果 over 21 outcomes and the total
            ((r + 7, 1), (r + 7 + 7, 1)),  // （三）不予公开 over its 8 items
            ((r + 3, 0), (r + 3, 2)),      // 一、 across the three heading columns
        ] {
            assert!(t3.contains(&want), "{want:?} in {t3:?}");
        }
        let t4 = merged(&mut book, "表四");
        for want in [((r, 0), (r, 4)), ((r, 5), (r, 14)), ((r + 1, 10), (r + 1, 14)), ((r + 1, 4), (r + 2, 4))] {
            assert!(t4.contains(&want), "{want:?} in {t4:?}");
        }
        let t2 = merged(&mut book, "表二");
        assert!(t2.contains(&((r + 13, 1), (r + 13, 3))), "the fee amount spans the three value columns");
    }

    #[test]
    fn an_empty_report_still_writes_every_cell() {
        let report = AnnualReport {
            unit_name: "某区".into(),
            year: 2025,
            sections: Sections::default(),
            table2: Table2::default(),
            table3: Table3::default(),
            table4: Table4::default(),
        };
        let mut book = open(write(&report).unwrap());
        let t3 = book.worksheet_range("表三").unwrap();
        assert_eq!(t3.get_value((FIRST_ROW + 3 + 24, 9)), Some(&Data::Float(0.0)));
        let t2 = book.worksheet_range("表二").unwrap();
        assert_eq!(t2.get_value((FIRST_ROW + 13, 1)), Some(&Data::Float(0.0)));
        assert_eq!(lines_needed("申请人情况", 9.0), 2);
        assert_eq!(lines_needed("", 9.0), 1);
    }
}
