//! The annual report as HTML: the body of the document a unit publishes and of the report
//! pages. The tables' merged headings come from the domain's layout (as in the XLSX and DOCX),
//! the text from the askama template, which escapes every label and paragraph.

use askama::Template;
use gongkai_domain::annual_report::{self as ar, AnnualReport, layout};

/// A cell of a report table as the template writes it: a heading (`th`, with its scope) or a
/// figure (`td`), and how many grid positions it spans.
struct GridCell {
    tag: &'static str,
    scope: &'static str,
    rows: usize,
    cols: usize,
    text: String,
}

/// A layout grid as the rows of an HTML table with merged headings; the labels are the
/// domain's fixed strings and the figures numbers, escaped all the same by the template.
struct GridView {
    caption: &'static str,
    rows: Vec<Vec<GridCell>>,
}

impl GridView {
    fn new(grid: &layout::Grid, caption: &'static str) -> GridView {
        let rows = (0..grid.rows)
            .map(|row| {
                let header = row < grid.header_rows;
                grid.cells
                    .iter()
                    .filter(|c| c.row == row)
                    .map(|cell| {
                        let (tag, scope, text) = match &cell.content {
                            layout::Content::Heading(t) => ("th", if header { "col" } else { "" }, t.to_string()),
                            layout::Content::Label(t) => ("th", "row", t.to_string()),
                            layout::Content::Count(n) => ("td", "", n.to_string()),
                            layout::Content::Amount(a) => ("td", "", a.clone()),
                        };
                        GridCell { tag, scope, rows: cell.rows, cols: cell.cols, text }
                    })
                    .collect()
            })
            .collect();
        GridView { caption, rows }
    }
}

/// The body of a report: the sections' titles, the paragraphs staff wrote and the tables.
#[derive(Template)]
#[template(path = "annual_report_body.html")]
struct ReportBodyTemplate<'a> {
    titles: &'static [&'static str; 6],
    overall: Vec<&'a str>,
    table2: GridView,
    table3: GridView,
    table3_note: &'static str,
    table4: GridView,
    problems: Vec<&'a str>,
    other: Vec<&'a str>,
}

/// The report as HTML: the published document's body and the report pages.
pub fn write(r: &AnnualReport) -> Result<String, askama::Error> {
    fn paragraphs(t: &str) -> Vec<&str> {
        t.lines().map(str::trim).filter(|l| !l.is_empty()).collect()
    }
    let t = ReportBodyTemplate {
        titles: &ar::SECTION_TITLES,
        overall: paragraphs(&r.sections.overall),
        table2: GridView::new(&layout::table2(&r.table2), "表二"),
        table3: GridView::new(&layout::table3(&r.table3), "表三"),
        table3_note: ar::TABLE3_NOTE,
        table4: GridView::new(&layout::table4(&r.table4), "表四"),
        problems: paragraphs(&r.sections.problems),
        other: paragraphs(&r.sections.other),
    };
    t.render()
}
