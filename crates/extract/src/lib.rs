//! Text and cells out of untrusted files (attachments' PDF, DOCX and XLSX; the standards XLSX),
//! read in a separate process under limits.
//!
//! A parser fed a hostile file can overflow its stack (a PDF of 50,000 nested arrays), allocate
//! without bound (a content stream or a sheet XML that inflates to gigabytes, a sheet that
//! declares 2^34 cells) or spin; in the server's own process any of these aborts every request
//! at once, and `catch_unwind` stops none of them. So the server never parses these formats
//! itself: the [`Extractor`] (parent side) runs `<program> extract <kind>` — the gongkai binary's
//! hidden subcommand — feeds it the file on standard input and reads one [`Answer`] as JSON from
//! its standard output. The child ([`child_main`]) first limits its own address space, CPU time
//! and core dumps, then parses ([`run_child`]); the parent bounds the wall time, the output size
//! and the number of children at once. The worst a file can do is fail its own extraction.
//!
//! [`detect`], which tells a file's kind from its first bytes and its ZIP directory before any
//! of this, is the one check that runs in the server's process: it inflates nothing.

mod child;
mod detect;
mod office;
mod parent;
mod pdf;
mod sheet;

pub use child::{child_main, run_child};
pub use detect::detect;
pub mod photo;
pub use parent::{ExtractError, Extractor, PhotoBytes};
pub use sheet::{MAX_CELLS, MAX_COLUMNS, MAX_ROWS};

use serde::{Deserialize, Serialize};

/// What is asked of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The text of a PDF attachment.
    Pdf,
    /// The text of a Word (.docx) attachment.
    Docx,
    /// The text (shared strings) of an Excel (.xlsx) attachment.
    Xlsx,
    /// The non-empty cells of the first sheet of a standard list (事项标准清单).
    CatalogueXlsx,
    /// A photo of a live broadcast, decoded, turned upright, scaled down and re-encoded as
    /// JPEG (its metadata, the place it was taken among them, left behind).
    Photo,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Pdf, Kind::Docx, Kind::Xlsx, Kind::CatalogueXlsx, Kind::Photo];

    /// The word on the child's command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Pdf => "pdf",
            Kind::Docx => "docx",
            Kind::Xlsx => "xlsx",
            Kind::CatalogueXlsx => "catalogue-xlsx",
            Kind::Photo => "photo",
        }
    }

    pub fn parse(raw: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// One non-empty cell: zero-based row and column, and its text, trimmed.
pub type SheetCell = (u32, u32, String);

/// The child's one answer, written as JSON to its standard output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// The text of an attachment, cut to fit the output limit.
    Text(String),
    /// The non-empty cells of a sheet, in the order of the file.
    Cells(Vec<SheetCell>),
    /// A photo made fit to show.
    Photo(Photo),
    /// The file is not acceptable for what was asked; the message is for the user (Chinese).
    Refused(String),
    /// The file could not be read; the cause is for the log (English, no file contents).
    Failed(String),
}

/// A photo as it is kept: JPEG, at most [`photo::MAX_WIDTH`] pixels wide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Photo {
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    /// The JPEG, in base64 (the answer is JSON).
    pub base64: String,
}

/// The limits of one extraction. Memory, CPU time and output are enforced by the child on
/// itself (rlimits) and by the parent (output, wall time); `jobs` bounds the children at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Address space of the child, in MiB (RLIMIT_AS).
    pub memory_mb: u64,
    /// CPU seconds of the child (RLIMIT_CPU); the kernel stops it past this.
    pub cpu_secs: u64,
    /// Wall-clock seconds before the parent kills the child.
    pub wall_secs: u64,
    /// Largest answer read from the child, in bytes.
    pub output_bytes: usize,
    /// Children running at once; more requests wait their turn.
    pub jobs: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { memory_mb: 768, cpu_secs: 20, wall_secs: 30, output_bytes: 8 << 20, jobs: 2 }
    }
}

/// Files built for tests (here and in the server's tests): not part of the interface.
#[doc(hidden)]
pub mod fixtures {
    /// A PDF of these objects (numbered from 1; 1 is the catalogue) with its xref table.
    pub fn pdf_of(objects: &[Vec<u8>]) -> Vec<u8> {
        let mut out = b"%PDF-1.7\n".to_vec();
        let mut offsets = Vec::new();
        for (i, o) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend_from_slice(o);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref = out.len();
        out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
        for o in offsets {
            out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
        );
        out
    }
}
