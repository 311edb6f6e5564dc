//! Documents (政府信息): the public pages, the staff actions and the API.

pub mod api;
pub mod console;
pub mod files;
pub mod portal;
pub mod reviews;
pub mod staff_api;

/// The staff actions are the application layer's; the faces call them by these names.
pub use gongkai_app::documents as actions;
pub use gongkai_app::documents::{checks, flags};

use crate::forms::Fields;
use gongkai_domain::documents::{Genre, Topic, Validity};
use gongkai_domain::time::display_instant_at;
use gongkai_domain::validation::Invalid;
use gongkai_store::documents::{PublicDocument, PublicFilter};

/// The filters of public document lists, feeds and the API, from the query string: `unit`
/// (with the units below it), `genre`, `topic`, `year`, `validity`, `column` and `item` (a
/// catalogue item). A value that is not one is left out of the filter and named in the
/// problems: the API refuses the request with them, the portal's pages ignore them.
pub fn public_filter(q: &Fields) -> (PublicFilter, Invalid) {
    let mut errors = Invalid::default();
    let mut id = |name: &str, label: &str| match q.opt(name) {
        None => None,
        Some(v) => v.parse::<i64>().map_err(|_| errors.push(name, label, "应为整数")).ok(),
    };
    let within_unit = id("unit", "单位");
    let column = id("column", "栏目");
    let catalogue_item = id("item", "目录事项");
    let genre = q.code(&mut errors, "genre", "不是可选的体裁", Genre::parse);
    let topic = q.code(&mut errors, "topic", "不是可选的主题分类", Topic::parse);
    let validity = q.code(&mut errors, "validity", "应为 valid、expired 或 repealed", Validity::parse);
    let year = q.code(&mut errors, "year", "应为 1949 至 2100 之间的四位年份", |v| {
        v.parse::<i32>().ok().filter(|y| (1949..=2100).contains(y))
    });
    let filter =
        PublicFilter { within_unit, genre, topic, year, validity, column, catalogue_item, ..Default::default() };
    (filter, errors)
}

/// A document in a list, as templates and the API show it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DocumentSummary {
    pub id: i64,
    pub title: String,
    pub index_no: String,
    pub doc_no: String,
    pub unit_id: i64,
    pub unit: String,
    pub genre: String,
    pub published_on: String,
    pub validity: String,
    pub url: String,
}

impl DocumentSummary {
    pub fn of(d: &PublicDocument, unit: &str) -> Self {
        DocumentSummary {
            id: d.id,
            title: d.title.clone(),
            index_no: d.index_no.clone(),
            doc_no: d.doc_no.clone(),
            unit_id: d.unit_id,
            unit: unit.to_string(),
            genre: d.genre.label().to_string(),
            published_on: d.published_on.to_string(),
            validity: d.validity.label().to_string(),
            url: format!("/documents/{}", d.id),
        }
    }
}

// The domain's question–answer pair; its schema is named `QaPairBody`.
pub use gongkai_domain::qa::QaPair as QaPairBody;

pub fn updated_text(d: &PublicDocument) -> String {
    display_instant_at(d.updated_at)
}

/// An attachment as pages list it.
pub struct AttachmentView {
    pub id: i64,
    pub name: String,
    /// The file's name without its extension, as the attachment's title.
    pub title: String,
    pub url: String,
    pub size: String,
    pub kind: &'static str,
    pub alt: String,
    pub image: bool,
    /// "video" or "audio" for media played in the page.
    pub media: &'static str,
}

impl From<&gongkai_store::attachments::Attachment> for AttachmentView {
    fn from(a: &gongkai_store::attachments::Attachment) -> Self {
        AttachmentView {
            id: a.id,
            name: a.name.clone(),
            title: match a.name.rsplit_once('.') {
                Some((stem, ext)) if !stem.trim().is_empty() && ext.len() <= 5 => stem.to_string(),
                _ => a.name.clone(),
            },
            url: format!("/files/{}/{}", a.id, files::encode_name(&a.name)),
            size: files::human_size(a.size),
            kind: files::type_label(&a.content_type),
            alt: a.alt.clone(),
            image: a.content_type.starts_with("image/"),
            media: if a.content_type.starts_with("video/") {
                "video"
            } else if a.content_type.starts_with("audio/") {
                "audio"
            } else {
                ""
            },
        }
    }
}
