//! An annual report as DOCX in the order of the national format (国办公开办函〔2021〕30号):
//! the title, then sections 一 to 六, with 二, 三 and 四 as bordered tables whose headings are
//! merged as in the format. The page and body type follow the reply letter (GB/T 9704 style:
//! 三号 仿宋 body, 黑体 section headings); tables use 宋体 in a smaller size, since table 三
//! has ten columns and table 四 fifteen on a portrait page. Staff usually open the file in
//! Word or WPS to finish it, so it is built from plain paragraphs and tables only.

use docx_rs::{
    AlignmentType, BorderType, Docx, DocxError, LineSpacing, LineSpacingType, PageMargin, Paragraph, Run, RunFonts,
    SpecialIndentType, Table, TableAlignmentType, TableBorder, TableBorderPosition, TableBorders, TableCell,
    TableCellMargins, TableLayoutType, TableRow, VAlignType, VMergeType, WidthType,
};
use gongkai_domain::annual_report::layout::{self, Content, Grid};
use gongkai_domain::annual_report::{AnnualReport, SECTION_TITLES};
use std::io::Cursor;

/// Sizes in half-points, as Word stores them.
const TITLE_SIZE: usize = 44; // 二号, 22 pt
const BODY_SIZE: usize = 32; // 三号, 16 pt
const TABLE_SIZE: usize = 21; // 五号, 10.5 pt
const WIDE_TABLE_SIZE: usize = 18; // 小五, 9 pt: tables 三 and 四 have 10 and 15 columns

/// Lengths in twentieths of a point.
const BODY_CHAR: i32 = 320;
const LINE_PITCH: i32 = 560; // 28 pt: 22 lines on the page
const A4_WIDTH: u32 = 11_906;
const A4_HEIGHT: u32 = 16_838;
/// The text block between the margins below (156 mm); tables fill it exactly.
const TEXT_WIDTH: usize = 8_844;

/// Font names as Chinese Windows and WPS know them; both also answer to the Chinese names.
const TITLE_FONT: &str = "SimSun";
const HEADING_FONT: &str = "SimHei";
const BODY_FONT: &str = "FangSong";
const TABLE_FONT: &str = "SimSun";

fn fonts(name: &str) -> RunFonts {
    // The eastAsia hint makes Word use the East Asian font for the punctuation Chinese and
    // Latin share (quotes, dashes), which would otherwise come out in a Latin font.
    RunFonts::new().ascii(name).hi_ansi(name).east_asia(name).cs(name).hint("eastAsia")
}

fn exact_pitch() -> LineSpacing {
    LineSpacing::new().line_rule(LineSpacingType::Exact).line(LINE_PITCH)
}

/// A body or heading paragraph: two characters of first-line indent, as official documents
/// indent both.
fn indented(text: &str, font: &str) -> Paragraph {
    Paragraph::new()
        .align(AlignmentType::Both)
        .indent(None, Some(SpecialIndentType::FirstLine(2 * BODY_CHAR)), None, None)
        .line_spacing(exact_pitch())
        .add_run(Run::new().add_text(text).fonts(fonts(font)).size(BODY_SIZE))
}

/// Writes the document.
pub fn write(report: &AnnualReport) -> Result<Vec<u8>, DocxError> {
    let mut doc = Docx::new()
        .page_size(A4_WIDTH, A4_HEIGHT)
        // 37 mm top, 35 mm bottom, 28 mm left, 26 mm right, as the reply letter.
        .page_margin(PageMargin::new().top(2098).bottom(1984).left(1588).right(1474).header(851).footer(992))
        .default_fonts(fonts(BODY_FONT))
        .default_size(BODY_SIZE);

    doc = doc.add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .line_spacing(LineSpacing::new().line_rule(LineSpacingType::Auto).line(240).after(LINE_PITCH as u32))
            .add_run(Run::new().add_text(report.title()).fonts(fonts(TITLE_FONT)).size(TITLE_SIZE).bold()),
    );

    let s = &report.sections;
    let tables = [
        (layout::table2(&report.table2), TABLE_SIZE, vec![2_844, 2_000, 2_000, 2_000]),
        (layout::table3(&report.table3), WIDE_TABLE_SIZE, [560, 1_100, 3_012].into_iter().chain([596; 7]).collect()),
        (layout::table4(&report.table4), WIDE_TABLE_SIZE, [590; 14].into_iter().chain([584]).collect()),
    ];
    let mut tables = tables.into_iter();
    for (i, title) in SECTION_TITLES.iter().enumerate() {
        doc = doc.add_paragraph(indented(title, HEADING_FONT).keep_next(true));
        let text = match i {
            0 => &s.overall,
            4 => &s.problems,
            5 => &s.other,
            _ => {
                if let Some((grid, size, widths)) = tables.next() {
                    debug_assert_eq!(widths.iter().sum::<usize>(), TEXT_WIDTH);
                    doc = doc.add_table(table(&grid, &widths, size));
                    // Word needs a paragraph after a table, and it spaces the next heading.
                    doc = doc.add_paragraph(Paragraph::new().line_spacing(exact_pitch()));
                }
                continue;
            }
        };
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            doc = doc.add_paragraph(indented(line, BODY_FONT));
        }
    }

    let mut out = Cursor::new(Vec::new());
    doc.build().pack(&mut out)?;
    Ok(out.into_inner())
}

/// A bordered table from a layout grid: a cell spanning columns becomes one `gridSpan` cell; a
/// cell spanning rows starts a vertical merge that the rows below continue with an empty
/// cell of the same span.
fn table(grid: &Grid, widths: &[usize], size: usize) -> Table {
    let mut rows = Vec::with_capacity(grid.rows);
    for r in 0..grid.rows {
        let mut cells = Vec::new();
        let mut c = 0;
        while c < grid.cols {
            let Some(cell) = grid.covering(r, c) else {
                cells.push(TableCell::new().add_paragraph(Paragraph::new()).width(widths[c], WidthType::Dxa));
                c += 1;
                continue;
            };
            let width = widths[cell.col..cell.col + cell.cols].iter().sum();
            let mut tc = TableCell::new().width(width, WidthType::Dxa).vertical_align(VAlignType::Center);
            if cell.cols > 1 {
                tc = tc.grid_span(cell.cols);
            }
            if cell.row == r {
                tc = tc.add_paragraph(cell_paragraph(&cell.content, size));
                if cell.rows > 1 {
                    tc = tc.vertical_merge(VMergeType::Restart);
                }
            } else {
                tc = tc.add_paragraph(Paragraph::new()).vertical_merge(VMergeType::Continue);
            }
            cells.push(tc);
            c = cell.col + cell.cols;
        }
        rows.push(TableRow::new(cells).cant_split());
    }
    let line = |p| TableBorder::new(p).border_type(BorderType::Single).size(4).color("000000");
    let borders = [
        TableBorderPosition::Top,
        TableBorderPosition::Left,
        TableBorderPosition::Bottom,
        TableBorderPosition::Right,
        TableBorderPosition::InsideH,
        TableBorderPosition::InsideV,
    ]
    .into_iter()
    .fold(TableBorders::new(), |b, p| b.set(line(p)));
    Table::new(rows)
        .set_grid(widths.to_vec())
        .layout(TableLayoutType::Fixed)
        .width(widths.iter().sum(), WidthType::Dxa)
        .align(TableAlignmentType::Center)
        .margins(TableCellMargins::new().margin(0, 57, 0, 57))
        .set_borders(borders)
}

fn cell_paragraph(content: &Content, size: usize) -> Paragraph {
    let (text, align) = match content {
        Content::Heading(t) => (t.to_string(), AlignmentType::Center),
        // Short headings (规章, 自然人) sit centred as in the printed format; long ones read
        // better from the left.
        Content::Label(t) if t.chars().count() <= 8 => (t.to_string(), AlignmentType::Center),
        Content::Label(t) => (t.to_string(), AlignmentType::Left),
        Content::Count(n) => (n.to_string(), AlignmentType::Center),
        Content::Amount(a) => (a.clone(), AlignmentType::Center),
    };
    Paragraph::new()
        .align(align)
        .line_spacing(LineSpacing::new().line_rule(LineSpacingType::Auto).line(240).before(0).after(0))
        .add_run(Run::new().add_text(text).fonts(fonts(TABLE_FONT)).size(size))
}

#[cfg(test)]
mod tests {
    use super::*;
    use gongkai_domain::annual_report::*;
    use gongkai_domain::requests::{ApplicantType, Outcome};
    use std::io::Read;

    fn sample() -> AnnualReport {
        let mut table3 = Table3::default();
        table3.new.add(ApplicantType::Person, 4321);
        table3.carried_over.add(ApplicantType::Research, 17);
        table3.outcomes[Outcome::PartiallyDisclosed.table3_row() - 2].add(ApplicantType::Person, 4000);
        table3.outcomes[Outcome::Reconfirmation.table3_row() - 2].add(ApplicantType::Research, 17);
        table3.carried_forward.add(ApplicantType::Person, 321);
        AnnualReport {
            unit_name: "济南市示例局".into(),
            year: 2024,
            sections: Sections {
                overall: "本局坚持以公开为常态、不公开为例外。\n\n全年主动公开政府信息 1200 条。".into(),
                problems: "政策解读形式还比较单一。".into(),
                other: "本年度未收取信息处理费。".into(),
            },
            table2: Table2 {
                rules: IssuedRepealedInForce { issued: 2, repealed: 1, in_force: 9876 },
                normative: IssuedRepealedInForce { issued: 8, repealed: 2, in_force: 53 },
                licensing: 24680,
                penalty: 13579,
                enforcement: 11,
                fees_wan_yuan: "12.3456".into(),
            },
            table3,
            table4: Table4::from_counts(&[
                (ReviewKind::Review, ReviewResult::Upheld, 3),
                (ReviewKind::LawsuitDirect, ReviewResult::Other, 777),
            ]),
        }
    }

    fn document_xml(bytes: &[u8]) -> String {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip archive");
        let mut xml = String::new();
        zip.by_name("word/document.xml").expect("word/document.xml").read_to_string(&mut xml).unwrap();
        xml
    }

    /// The visible text of each `<w:t>`, in order.
    fn texts(xml: &str) -> Vec<String> {
        xml.split("<w:t")
            .skip(1)
            .filter_map(|s| s.split_once('>'))
            .map(|(_, rest)| rest)
            .filter_map(|s| s.split_once("</w:t>"))
            .map(|(t, _)| t.to_string())
            .collect()
    }

    #[test]
    fn title_sections_and_tables_in_order() {
        let report = sample();
        let bytes = write(&report).unwrap();
        let xml = document_xml(&bytes);
        let texts = texts(&xml);
        let pos = |needle: &str| {
            texts.iter().position(|t| t == needle).unwrap_or_else(|| panic!("{needle} not in the document"))
        };
        assert_eq!(texts[0], "济南市示例局2024年政府信息公开工作年度报告");
        let headings: Vec<usize> = SECTION_TITLES.iter().map(|t| pos(t)).collect();
        assert!(headings.windows(2).all(|w| w[0] < w[1]), "sections in order: {headings:?}");
        // Each section's content sits between its heading and the next.
        let between = |needle: &str, section: usize| {
            let p = pos(needle);
            assert!(p > headings[section] && headings.get(section + 1).is_none_or(|n| p < *n), "{needle}");
        };
        between("本局坚持以公开为常态、不公开为例外。", 0);
        between("全年主动公开政府信息 1200 条。", 0);
        between("9876", 1);
        between("24680", 1);
        between("13579", 1);
        between("12.3456", 1);
        between("4321", 2);
        between("5.要求行政机关确认或重新出具已获取信息", 2);
        between("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 2);
        between("777", 3);
        between("未经复议直接起诉", 3);
        between("政策解读形式还比较单一。", 4);
        between("本年度未收取信息处理费。", 5);
        // The blank line between paragraphs does not become an empty paragraph.
        assert!(!texts.iter().any(|t| t.is_empty()));
        // Table 三（七）总计 is computed: 4000 partly disclosed and 17 not processed.
        assert!(texts.contains(&"4017".to_string()));
    }

    #[test]
    fn tables_have_borders_merged_headings_and_east_asian_fonts() {
        let xml = document_xml(&write(&sample()).unwrap());
        assert_eq!(xml.matches("<w:tbl>").count(), 3);
        assert!(xml.contains("w:tblBorders"));
        assert!(xml.contains(r#"<w:insideV w:val="single" w:sz="4""#), "inner lines drawn");
        assert!(
            xml.contains(r#"<w:gridSpan w:val="7" />"#) || xml.contains(r#"<w:gridSpan w:val="7"/>"#),
            "申请人情况"
        );
        assert!(xml.contains(r#"<w:gridSpan w:val="10""#), "行政诉讼");
        assert!(xml.contains(r#"<w:vMerge w:val="restart""#));
        assert!(xml.contains(r#"<w:vMerge w:val="continue""#));
        assert!(xml.contains(r#"w:eastAsia="FangSong""#) && xml.contains(r#"w:eastAsia="SimHei""#));
        assert!(xml.contains(r#"w:hint="eastAsia""#));
        // Every row of a table covers the whole grid: spans add up to the column count.
        for table in xml.split("<w:tbl>").skip(1) {
            let table = table.split("</w:tbl>").next().unwrap();
            let cols = table.matches("<w:gridCol ").count();
            for row in table.split("<w:tr>").skip(1) {
                let spans: usize = row
                    .split("<w:tc>")
                    .skip(1)
                    .map(|tc| {
                        tc.split_once(r#"<w:gridSpan w:val=""#)
                            .and_then(|(_, rest)| rest.split('"').next())
                            .map_or(1, |n| n.parse::<usize>().unwrap())
                    })
                    .sum();
                assert_eq!(spans, cols, "row spans in a table of {cols} columns");
            }
        }
    }
}
