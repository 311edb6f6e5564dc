//! Units: the actions shared by the console and the API, and their three faces.

use crate::Context;
use crate::Error;
use crate::Principal;
use gongkai_domain::staff::{Action, Reach};
use gongkai_domain::time::parse_date;
use gongkai_domain::units::{Unit, UnitFields, UnitInput, UnitKind};
use gongkai_domain::validation::{self, Invalid};

fn today() -> String {
    crate::today().to_string()
}

pub fn parse_kind(raw: &str) -> Result<UnitKind, Invalid> {
    UnitKind::parse(raw.trim()).ok_or_else(|| {
        Invalid::one(
            "kind",
            "单位类型",
            "应为 government（人民政府）、department（政府部门）、town（镇）、street（街道）或 zone（功能区）",
        )
    })
}

/// Creates a unit of `input.kind` under `input.parent_id` (none: the top of the tree).
pub async fn create(cx: &Context, p: &Principal, input: &UnitInput) -> Result<Unit, Error> {
    p.require(Action::ManageUnitStructure, Reach::Global)?;
    let parent_id = input.parent_id;
    let kind = parse_kind(&input.kind);
    let fields = UnitFields::parse(kind.clone().unwrap_or(UnitKind::Department), input);
    let (kind, fields) = merge(kind, fields)?;
    let mut w = cx.store.write(p.actor()).await?;
    let id = w.unit_create(parent_id, kind, &fields, 1_000_000, None).await?;
    w.commit().await?;
    cx.units_changed();
    cx.store.unit(id).await?.ok_or(Error::NotFound)
}

/// A page of the units matching `filter`, and how many match (public).
pub async fn list(
    cx: &Context,
    filter: &gongkai_store::units::UnitFilter,
    limit: i64,
    offset: i64,
) -> Result<gongkai_store::Page<Unit>, Error> {
    Ok(cx.store.units_list(filter, limit, offset).await?)
}

/// A unit, closed ones included (public).
pub async fn unit(cx: &Context, id: i64) -> Result<Unit, Error> {
    cx.store.unit(id).await?.ok_or(Error::NotFound)
}

/// A unit whose details `p` may edit.
pub async fn editable(cx: &Context, p: &Principal, id: i64) -> Result<Unit, Error> {
    let unit = unit(cx, id).await?;
    p.require_for_unit(cx, Action::EditUnitContacts, unit.id).await?;
    Ok(unit)
}

/// Collects the errors of two independent checks so the user sees all of them at once.
fn merge<A, B>(a: Result<A, Invalid>, b: Result<B, Invalid>) -> Result<(A, B), Invalid> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (a, b) => {
            let mut all = Invalid::default();
            if let Err(e) = a {
                all.0.extend(e.0);
            }
            if let Err(e) = b {
                all.0.extend(e.0);
            }
            Err(all)
        }
    }
}

/// Saves a unit's fields. Contact details may be corrected by the unit's administrators;
/// the name and codes identify the unit and only system administrators change them.
pub async fn update(cx: &Context, p: &Principal, id: i64, input: &UnitInput) -> Result<Unit, Error> {
    let unit = cx.store.unit(id).await?.ok_or(Error::NotFound)?;
    p.require_for_unit(cx, Action::EditUnitContacts, id).await?;
    let fields = UnitFields::parse(unit.kind, input)?;
    let before = unit.fields();
    let identity_changed = before.name != fields.name
        || before.short_name != fields.short_name
        || before.division_code != fields.division_code
        || before.credit_code != fields.credit_code;
    if identity_changed {
        p.require(Action::ManageUnitStructure, Reach::Global)?;
    }
    let mut w = cx.store.write(p.actor()).await?;
    let saved = w.unit_update(id, &fields, &today()).await?;
    // An unchanged form records nothing and needs no commit.
    if saved.updated_at != unit.updated_at {
        w.commit().await?;
        cx.units_changed();
    }
    Ok(saved)
}

pub async fn move_to(cx: &Context, p: &Principal, id: i64, parent_id: Option<i64>) -> Result<Unit, Error> {
    p.require(Action::ManageUnitStructure, Reach::Global)?;
    let unit = cx.store.unit(id).await?.ok_or(Error::NotFound)?;
    let Some(parent_id) = parent_id else {
        return Err(Invalid::one("parent_id", "上级单位", "请选择新的上级单位").into());
    };
    if unit.parent_id == Some(parent_id) {
        return Ok(unit);
    }
    let mut w = cx.store.write(p.actor()).await?;
    w.unit_move(id, parent_id).await?;
    w.commit().await?;
    cx.units_changed();
    cx.store.unit(id).await?.ok_or(Error::NotFound)
}

pub async fn close(cx: &Context, p: &Principal, id: i64, closed_on: &str, reason: &str) -> Result<Unit, Error> {
    p.require(Action::ManageUnitStructure, Reach::Global)?;
    cx.store.unit(id).await?.ok_or(Error::NotFound)?;
    let mut errors = Invalid::default();
    let closed_on = if closed_on.trim().is_empty() {
        today()
    } else {
        match parse_date(closed_on) {
            Some(d) => d.to_string(),
            None => {
                errors.push("closed_on", "撤销日期", "应为 YYYY-MM-DD 格式的日期");
                String::new()
            }
        }
    };
    let reason = validation::text(&mut errors, "reason", "撤销原因", reason, true, 500);
    errors.into_result(())?;
    let mut w = cx.store.write(p.actor()).await?;
    w.unit_close(id, &closed_on, &reason).await?;
    w.commit().await?;
    cx.units_changed();
    cx.store.unit(id).await?.ok_or(Error::NotFound)
}

/// A unit in a select box or an indented list, depth first.
pub struct UnitOption {
    pub id: i64,
    /// The full name indented with ideographic spaces by depth.
    pub label: String,
    pub kind: &'static str,
    pub closed: bool,
}

impl UnitOption {
    pub fn is(&self, id: &Option<i64>) -> bool {
        *id == Some(self.id)
    }
}

/// Units under `root` (all when `None`), depth first; closed units only when asked.
pub fn unit_rows(tree: &gongkai_domain::units::UnitTree, root: Option<i64>, include_closed: bool) -> Vec<UnitOption> {
    fn walk(
        tree: &gongkai_domain::units::UnitTree,
        u: &Unit,
        depth: usize,
        closed_ok: bool,
        out: &mut Vec<UnitOption>,
    ) {
        if (u.is_closed() && !closed_ok) || depth > 32 {
            return;
        }
        out.push(UnitOption {
            id: u.id,
            label: format!("{}{}", "　".repeat(depth), u.name),
            kind: u.kind.label(),
            closed: u.is_closed(),
        });
        for c in tree.children(u.id) {
            walk(tree, c, depth + 1, closed_ok, out);
        }
    }
    let mut out = Vec::new();
    match root.and_then(|r| tree.get(r)) {
        Some(r) => walk(tree, r, 0, include_closed, &mut out),
        None => {
            for r in tree.roots() {
                walk(tree, r, 0, include_closed, &mut out);
            }
        }
    }
    out
}

/// Open units for select boxes.
pub fn unit_options(tree: &gongkai_domain::units::UnitTree, root: Option<i64>) -> Vec<UnitOption> {
    unit_rows(tree, root, false)
}
