//! Letters to applicants (告知书): filled in from the case and the template (an administrator's
//! version, or the shipped one), written as DOCX and as PDF (in the configured or system CJK
//! font, else the one compiled in). The reply letter is written once, when the reply is
//! approved, and kept with the case: what was sent stays what it was even if the template
//! changes later.

use crate::Context;
use crate::Error;
use crate::Principal;
use gongkai_domain::reply_letter::{self, Letter, LetterFacts, LetterKind, Placeholder, TemplateKey, chinese_date};
use gongkai_domain::request_events::EventKind;
use gongkai_domain::staff::{Action, Reach};
use gongkai_domain::units::UnitKind;
use gongkai_domain::validation::Invalid;
use gongkai_store::requests::{ConsultationKind, Request};
use std::sync::Arc;

/// A CJK font loaded for PDF letters: the bytes and the face index.
pub type LetterFont = Arc<(Vec<u8>, u32)>;

/// The font, read once per process (the Noto CJK collection is tens of megabytes).
pub async fn font(cx: &Context) -> Option<LetterFont> {
    let configured = cx.options.letter_font.clone();
    cx.letter_font
        .get_or_init(|| async move {
            tokio::task::spawn_blocking(move || {
                let (path, index) = gongkai_export::fonts::find_cjk_font(configured.as_deref())?;
                let bytes = std::fs::read(path).ok()?;
                Some(Arc::new((bytes, index)))
            })
            .await
            .ok()
            .flatten()
        })
        .await
        .clone()
}

/// The template text for `key`: an administrator's version, else the shipped one.
pub async fn template(cx: &Context, key: TemplateKey) -> Result<(String, bool), Error> {
    Ok(match cx.store.letter_template(&key.code()).await? {
        Some(t) => (t.body, true),
        None => (reply_letter::default_template(key).to_string(), false),
    })
}

/// The review authority named in the remedy notice: the government above the unit (for a
/// department, its own government; for a government, the next one up).
fn review_body(tree: &gongkai_domain::units::UnitTree, unit_id: i64) -> Option<String> {
    // Nearest first: the unit itself, then the units above it.
    tree.lineage(unit_id).iter().skip(1).find(|u| u.kind == UnitKind::Government).map(|u| u.name.clone())
}

/// What the case says, as the templates' placeholders.
pub async fn facts(cx: &Context, r: &Request) -> Result<LetterFacts, Error> {
    let tree = cx.unit_tree().await?;
    let cal = cx.calendar().await?;
    let unit = tree.get(r.unit_id);
    let mut f = LetterFacts::default();
    let mut set = |p: Placeholder, v: String| {
        if !v.trim().is_empty() {
            f.set(p, v);
        }
    };
    set(Placeholder::Applicant, r.applicant.name.clone());
    set(Placeholder::RequestNumber, r.tracking_no.clone());
    if let Some(d) = r.received_on {
        set(Placeholder::ReceivedOn, chinese_date(d));
    }
    set(Placeholder::Description, r.description.clone());
    set(Placeholder::LetterDate, chinese_date(r.replied_on.unwrap_or_else(super::today)));
    if let Some(u) = unit {
        set(Placeholder::Agency, u.name.clone());
        let contact =
            [u.phone.as_str(), u.address.as_str()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>();
        set(Placeholder::AgencyContact, contact.join("，"));
    }
    set(Placeholder::Reasons, r.reply.reasons.clone());
    set(Placeholder::Provided, r.reply.provided.clone());
    let mut places = Vec::new();
    for d in cx.store.reply_documents(&r.reply.document_ids).await? {
        places.push(format!("《{}》（索引号：{}，可在本网站“政府信息”栏目查阅）", d.title, d.index_no));
    }
    set(Placeholder::WhereToObtain, places.join("；"));
    set(Placeholder::ResponsibleAgency, r.reply.responsible_agency.clone());
    set(Placeholder::ResponsibleAgencyContact, r.reply.responsible_contact.clone());
    let events = cx.store.request_events(r.id, false).await?;
    if let Some(items) =
        events.iter().rev().find(|e| e.kind == EventKind::ClarificationRequested).and_then(|e| e.details.items.clone())
    {
        set(Placeholder::ClarificationItems, items);
    }
    if let Some(asked) = r.clarification_requested_on {
        set(Placeholder::ClarificationDue, chinese_date(gongkai_domain::requests::correction_due(&cal, asked).value));
    }
    if r.extension_days > 0 {
        set(Placeholder::ExtensionDays, r.extension_days.to_string());
        if let Some(reason) =
            events.iter().rev().find(|e| e.kind == EventKind::Extended).and_then(|e| e.details.reason.clone())
        {
            set(Placeholder::ExtensionReasons, reason);
        }
    }
    let consultations = cx.store.request_consultations(r.id).await?;
    if let Some(due) = super::deadline(&cal, r, &consultations, cx.today()).due_on
        && let Some(d) = gongkai_domain::time::parse_date(&due)
    {
        set(Placeholder::ReplyDue, chinese_date(d));
    }
    if let Some(fee) = r.fee_yuan {
        set(Placeholder::FeeAmount, format!("{fee}元"));
    }
    if let Some(noticed) = r.fee_noticed_on {
        set(Placeholder::PaymentDue, chinese_date(gongkai_domain::processing_fee::payment_due(&cal, noticed).value));
    }
    if let Some(c) = consultations.iter().rev().find(|c| c.kind == ConsultationKind::ThirdParty) {
        set(Placeholder::ThirdParty, c.third_party.clone());
        set(Placeholder::OpinionDue, chinese_date(c.due_on));
    }
    if let Some(body) = review_body(&tree, r.unit_id) {
        set(Placeholder::ReviewBody, body);
    }
    Ok(f)
}

/// Which letter a key asks for on this case: `reply` means the reply for its outcome.
pub fn key_for(r: &Request, kind: &str) -> Result<TemplateKey, Error> {
    let kind = LetterKind::parse(kind).ok_or(Error::NotFound)?;
    let key = match kind {
        LetterKind::Reply => {
            let outcome = r.outcome.ok_or_else(|| {
                Error::Conflict(Invalid::one("outcome", "办理结果", "尚未填写答复的办理结果，不能生成答复告知书"))
            })?;
            TemplateKey::reply(outcome)
        }
        other => TemplateKey::new(other, None).ok_or(Error::NotFound)?,
    };
    Ok(key)
}

pub async fn letter(cx: &Context, r: &Request, key: TemplateKey) -> Result<Letter, Error> {
    let (text, _) = template(cx, key).await?;
    Ok(reply_letter::render(&text, &facts(cx, r).await?))
}

pub enum Format {
    Docx,
    Pdf,
}

/// The letter as a file: (bytes, content type, file name). PDF needs a CJK font; without one
/// the caller is told so (409) rather than given a PDF of empty boxes.
pub async fn file(
    cx: &Context,
    r: &Request,
    key: TemplateKey,
    format: Format,
) -> Result<(Vec<u8>, &'static str, String), Error> {
    let letter = letter(cx, r, key).await?;
    let base = format!("{}-{}", r.tracking_no, letter.title);
    match format {
        Format::Docx => {
            let bytes = gongkai_export::letter_docx::write(&letter).map_err(|e| Error::internal(format!("{e:?}")))?;
            Ok((bytes, gongkai_store::attachments::FileKind::Docx.content_type(), format!("{base}.docx")))
        }
        Format::Pdf => {
            let font = pdf_font(cx, &letter).await?;
            let bytes = tokio::task::spawn_blocking(move || {
                let (data, index) = match &font {
                    Some(f) => (f.0.as_slice(), f.1),
                    None => (gongkai_export::fonts::EMBEDDED_CJK_FONT, 0),
                };
                gongkai_export::letter_pdf::write(&letter, data, index)
            })
            .await
            .map_err(Error::internal)?
            .map_err(|e| Error::internal(format!("{e:?}")))?;
            Ok((bytes, gongkai_store::attachments::FileKind::Pdf.content_type(), format!("{base}.pdf")))
        }
    }
}

/// The font a PDF letter is set in: the configured `letter_font`, else the system's Noto CJK,
/// else (`None`) the subset compiled into the binary. A letter with a character the font lacks (a
/// rare character in a name, outside the compiled-in GB 2312) would print it as an empty box, so
/// it gets no PDF, and the message names the character and what to install.
async fn pdf_font(cx: &Context, letter: &Letter) -> Result<Option<LetterFont>, Error> {
    let refuse = |detail: String| Err(Error::Conflict(Invalid::one("format", "PDF 告知书", detail)));
    let found = font(cx).await;
    if found.is_none()
        && let Some(path) = &cx.options.letter_font
    {
        return refuse(format!(
            "配置的字体文件 {} 无法读取或不是字体，请下载 Word 版本，或由管理员更正 letter_font",
            path.display()
        ));
    }
    let (data, index) = match &found {
        Some(f) => (f.0.as_slice(), f.1),
        None => (gongkai_export::fonts::EMBEDDED_CJK_FONT, 0),
    };
    let missing = gongkai_export::fonts::missing_chars(data, index, &letter.plain_text());
    if !missing.is_empty() {
        let chars: String = missing.iter().take(10).collect();
        let which = if found.is_some() { "所用字体" } else { "内置字体（GB 2312）" };
        return refuse(format!(
            "告知书中的“{chars}”超出{which}的范围，请下载 Word 版本，或由管理员安装 fonts-noto-cjk 或配置 letter_font"
        ));
    }
    Ok(found)
}

/// Writes the reply letter of a case just approved and keeps it with the case, public to the
/// applicant: DOCX always, PDF unless the letter has a character no font at hand covers.
/// Returns (name, content type, size, sha) of each file for the caller to record in its write.
pub async fn reply_files(cx: &Context, r: &Request) -> Result<Vec<(String, &'static str, i64, String)>, Error> {
    let key = key_for(r, "reply")?;
    let mut out = Vec::new();
    for format in [Format::Docx, Format::Pdf] {
        match file(cx, r, key, format).await {
            Ok((bytes, ct, name)) => {
                let sha = cx.store.file_save(&bytes).await?;
                out.push((name, ct, bytes.len() as i64, sha));
            }
            // No font covers it: the DOCX is the letter.
            Err(Error::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Editing templates is for system administrators: every unit's letters use them.
pub fn require_manage(p: &Principal) -> Result<(), Error> {
    p.require(Action::ManageLetterTemplates, Reach::Global)
}

pub async fn put_template(cx: &Context, p: &Principal, key: &str, body: &str) -> Result<TemplateKey, Error> {
    require_manage(p)?;
    let key = TemplateKey::parse(key).ok_or(Error::NotFound)?;
    reply_letter::check_template_for(key, body)?;
    let mut w = cx.store.write(p.actor()).await?;
    w.letter_template_put(&key.code(), body.trim()).await?;
    w.record("letter_template.update", "letter_template", key.code(), None, format!("修改告知书模板“{}”", key.label()));
    w.commit().await?;
    Ok(key)
}

pub async fn reset_template(cx: &Context, p: &Principal, key: &str) -> Result<bool, Error> {
    require_manage(p)?;
    let key = TemplateKey::parse(key).ok_or(Error::NotFound)?;
    let mut w = cx.store.write(p.actor()).await?;
    let done = w.letter_template_reset(&key.code()).await?;
    if done {
        w.record(
            "letter_template.reset",
            "letter_template",
            key.code(),
            None,
            format!("恢复默认告知书模板“{}”", key.label()),
        );
        w.commit().await?;
    }
    Ok(done)
}
