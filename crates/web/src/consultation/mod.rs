//! 意见征集 and 回应关切: the public pages, the console and the API of
//! `gongkai_app::consultation`.

pub mod api;
pub mod console;
pub mod portal;

use crate::charts::{Bar, bars};
use crate::errors::AppError;
use gongkai_domain::consultation::report::ReportFigures;
use portal::{Figure, Labelled, labelled};

fn chart(id: &str, title: &str, figures: &[Figure]) -> String {
    let data: Vec<Bar> =
        figures.iter().map(|f| Bar { label: f.label.clone(), value: i64::try_from(f.n).unwrap_or(i64::MAX) }).collect();
    bars(id, title, "条", &data)
}

/// The opinions by channel as a bar chart.
pub fn channel_bars(l: &Labelled) -> String {
    chart("by-channel", "各渠道收到的意见数", &l.channels)
}

/// The opinions by decision as a bar chart.
pub fn decision_bars(l: &Labelled) -> String {
    chart("by-decision", "意见的采纳情况", &l.decisions)
}

/// The figures as a workbook: one sheet per breakdown, counts as numbers.
pub fn workbook(title: &str, f: &ReportFigures) -> Result<Vec<u8>, AppError> {
    use gongkai_export::table_xlsx::{Sheet, write_sheets};
    let l = labelled(f);
    let rows =
        |figs: &[Figure]| -> Vec<Vec<String>> { figs.iter().map(|x| vec![x.label.clone(), x.n.to_string()]).collect() };
    let total = vec![
        vec![title.to_string(), "意见总数".into(), f.total.to_string()],
        vec![title.to_string(), "归并后的意见组数".into(), f.groups.to_string()],
    ];
    let (c, t, d, x) = (rows(&l.channels), rows(&l.topics), rows(&l.districts), rows(&l.decisions));
    let sheet = |name, headers, rows, numbers_from| Sheet { name, headers, rows, numbers_from };
    write_sheets(&[
        sheet("合计", &["意见征集", "项目", "数量"], &total, 2),
        sheet("按渠道", &["渠道", "意见数"], &c, 1),
        sheet("按分类", &["分类", "意见数"], &t, 1),
        sheet("按区县", &["区县", "意见数"], &d, 1),
        sheet("按采纳情况", &["办理结果", "意见数"], &x, 1),
    ])
    .map_err(AppError::internal)
}

/// The workbook's content type.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
