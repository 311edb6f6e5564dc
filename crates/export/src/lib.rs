//! Office outputs: the files staff and applicants download (reply letters, annual reports,
//! standard lists) as DOCX, XLSX and PDF, and the annual report's HTML body. Pure writers from domain values to bytes, and the
//! reading of a standard list back from the cells gongkai-extract takes out of an upload; no
//! I/O besides reading a font.

pub mod annual_report_docx;
pub mod annual_report_html;
pub mod annual_report_xlsx;
pub mod catalogue_xlsx;
pub mod fonts;
pub mod letter_docx;
pub mod letter_pdf;
pub mod register_table;
pub mod table_xlsx;
