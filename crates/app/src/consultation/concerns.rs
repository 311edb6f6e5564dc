//! 回应关切: a unit records a public concern and answers it with a published document of genre
//! 回应关切; the working days between are the unit's figure.

use crate::{Context, Error, Principal};
use gongkai_domain::consultation::concern::{ConcernFields, ConcernInput, response_workdays};
use gongkai_domain::documents::Genre;
use gongkai_domain::staff::Action;
use gongkai_domain::validation::Invalid;
use gongkai_store::consultation::concerns::Concern;

pub async fn create(cx: &Context, p: &Principal, input: &ConcernInput) -> Result<Concern, Error> {
    let unit_id = input.unit_id.unwrap_or(p.user.unit_id);
    p.require_for_unit(cx, Action::DraftDocuments, unit_id).await?;
    let fields = ConcernFields::parse(input, cx.today())?;
    if let Some(cid) = fields.consultation_id
        && cx.store.consultation_by_id(cid).await?.is_none()
    {
        return Err(Error::Invalid(Invalid::one(
            "consultation_id",
            "意见征集",
            format!("没有 id 为 {cid} 的意见征集"),
        )));
    }
    let mut w = cx.store.write(p.actor()).await?;
    let id = w.concern_create(unit_id, &fields, p.user.id).await?;
    w.commit().await?;
    cx.store.concern(id).await?.ok_or(Error::NotFound)
}

/// Links the published response (a document of genre 回应关切 of the same unit or one below
/// it); the response's date is its publication day.
pub async fn respond(cx: &Context, p: &Principal, id: i64, document_id: i64) -> Result<Concern, Error> {
    let c = cx.store.concern(id).await?.ok_or(Error::NotFound)?;
    p.require_for_unit(cx, Action::DraftDocuments, c.unit_id).await.map_err(|_| Error::NotFound)?;
    let bad = |m: &str| Error::Invalid(Invalid::one("document_id", "回应文件", m));
    let doc = cx.store.public_document(document_id).await?.ok_or_else(|| bad("应为已发布的文件"))?;
    if doc.genre != Genre::Response {
        return Err(bad("体裁应为“回应关切”"));
    }
    let on = doc.published_on;
    let days = response_workdays(&*cx.calendar().await?, c.arose_on, on).map_err(|m| bad(&m))?;
    let mut w = cx.store.write(p.actor()).await?;
    w.concern_respond(id, document_id, on, days).await?;
    w.commit().await?;
    cx.public_changed();
    cx.store.concern(id).await?.ok_or(Error::NotFound)
}

/// The concerns of the units `p` may see, the latest first.
pub async fn staff_list(cx: &Context, p: &Principal) -> Result<Vec<Concern>, Error> {
    let units = p.units_in_reach(cx, Action::ViewDocuments).await?;
    Ok(cx.store.concerns_of(units.as_deref()).await?)
}

/// Per unit: concerns answered and the average working days to answer, for the dashboard.
pub fn response_times(concerns: &[Concern]) -> Vec<(i64, usize, f64)> {
    let mut by_unit: std::collections::BTreeMap<i64, (usize, i64)> = Default::default();
    for c in concerns {
        if let Some(d) = c.response_workdays {
            let e = by_unit.entry(c.unit_id).or_default();
            e.0 += 1;
            e.1 += d;
        }
    }
    by_unit.into_iter().map(|(u, (n, sum))| (u, n, sum as f64 / n as f64)).collect()
}

/// The concerns answered by a published response, for the public.
pub async fn answered(cx: &Context) -> Result<Vec<Concern>, Error> {
    Ok(cx.store.concerns_answered().await?)
}
