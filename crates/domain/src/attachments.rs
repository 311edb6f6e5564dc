//! What kinds of file may be attached to a document or sent with an application, and how each
//! is served. Telling a kind from a file's bytes is gongkai-extract's `detect`.

/// A kind of file gongkai accepts, known by its content; stored as its content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Docx,
    Xlsx,
    Png,
    Jpeg,
    Gif,
    Webp,
    /// 音视频解读: MP4 video and MP3 audio, played in the page.
    Mp4,
    Mp3,
}

impl FileKind {
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            FileKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Gif => "image/gif",
            FileKind::Webp => "image/webp",
            FileKind::Mp4 => "video/mp4",
            FileKind::Mp3 => "audio/mpeg",
        }
    }

    /// The file name extensions a file of this kind may have (lower case).
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileKind::Pdf => &["pdf"],
            FileKind::Docx => &["docx"],
            FileKind::Xlsx => &["xlsx"],
            FileKind::Png => &["png"],
            FileKind::Jpeg => &["jpg", "jpeg"],
            FileKind::Gif => &["gif"],
            FileKind::Webp => &["webp"],
            FileKind::Mp4 => &["mp4"],
            FileKind::Mp3 => &["mp3"],
        }
    }

    pub fn is_image(self) -> bool {
        matches!(self, FileKind::Png | FileKind::Jpeg | FileKind::Gif | FileKind::Webp)
    }

    /// Audio and video need a text alternative as images do (a summary or transcript).
    pub fn is_media(self) -> bool {
        matches!(self, FileKind::Mp4 | FileKind::Mp3)
    }

    pub fn from_content_type(ct: &str) -> Option<FileKind> {
        [
            FileKind::Pdf,
            FileKind::Docx,
            FileKind::Xlsx,
            FileKind::Png,
            FileKind::Jpeg,
            FileKind::Gif,
            FileKind::Webp,
            FileKind::Mp4,
            FileKind::Mp3,
        ]
        .into_iter()
        .find(|k| k.content_type() == ct)
    }
}
