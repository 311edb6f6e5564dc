//! Units (机构): governments, their departments, towns, streets and functional zones, in one
//! tree rooted at the city government.

use crate::codes::CreditCode;
use crate::validation::{self, Invalid};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitKind {
    Government,
    Department,
    Town,
    Street,
    Zone,
}

impl UnitKind {
    pub const ALL: [UnitKind; 5] =
        [UnitKind::Government, UnitKind::Department, UnitKind::Town, UnitKind::Street, UnitKind::Zone];

    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Government => "government",
            UnitKind::Department => "department",
            UnitKind::Town => "town",
            UnitKind::Street => "street",
            UnitKind::Zone => "zone",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        UnitKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            UnitKind::Government => "人民政府",
            UnitKind::Department => "政府部门",
            UnitKind::Town => "镇",
            UnitKind::Street => "街道",
            UnitKind::Zone => "功能区",
        }
    }

    /// Which kinds may sit directly above this one. Departments may nest (a bureau's branch),
    /// towns and streets belong to a government or a zone that administers them.
    pub fn allowed_parents(self) -> &'static [UnitKind] {
        match self {
            UnitKind::Government => &[UnitKind::Government],
            UnitKind::Zone => &[UnitKind::Government],
            UnitKind::Department => &[UnitKind::Government, UnitKind::Zone, UnitKind::Department],
            UnitKind::Town | UnitKind::Street => &[UnitKind::Government, UnitKind::Zone],
        }
    }
}

/// The administrative level a unit belongs to; standard catalogues exist per level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    City,
    County,
    Township,
}

impl Level {
    pub const ALL: &'static [Level] = &[Level::City, Level::County, Level::Township];

    pub fn label(self) -> &'static str {
        match self {
            Level::City => "市级",
            Level::County => "县级",
            Level::Township => "乡级",
        }
    }

    /// The stored and API form, as serde writes it.
    pub fn code(self) -> &'static str {
        match self {
            Level::City => "city",
            Level::County => "county",
            Level::Township => "township",
        }
    }

    /// Accepts the code or the Chinese label.
    pub fn parse(s: &str) -> Option<Level> {
        let s = s.trim();
        Level::ALL.iter().copied().find(|l| l.code() == s || l.label() == s)
    }
}

/// The level of a unit given its own kind and the kinds of its ancestors, nearest first.
pub fn level_of(kind: UnitKind, ancestor_kinds: &[UnitKind]) -> Level {
    let governments_above =
        ancestor_kinds.iter().filter(|k| matches!(k, UnitKind::Government | UnitKind::Zone)).count();
    match kind {
        UnitKind::Town | UnitKind::Street => Level::Township,
        UnitKind::Zone => Level::County,
        UnitKind::Government => {
            if governments_above == 0 {
                Level::City
            } else {
                Level::County
            }
        }
        // A department belongs to the level of the government it serves.
        UnitKind::Department => match governments_above {
            0 | 1 => {
                let owner = ancestor_kinds.iter().position(|k| matches!(k, UnitKind::Government | UnitKind::Zone));
                match owner {
                    Some(i) => level_of(ancestor_kinds[i], &ancestor_kinds[i + 1..]),
                    None => Level::City,
                }
            }
            _ => Level::County,
        },
    }
}

/// Editable attributes of a unit, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct UnitFields {
    pub name: String,
    pub short_name: String,
    pub division_code: String,
    pub credit_code: Option<String>,
    pub address: String,
    pub postcode: String,
    pub phone: String,
    pub email: String,
    pub office_hours: String,
    pub description: String,
}

// A unit as staff type it: the one input of the console's form (`UnitInput::from_form`)
// and of the API, whose OpenAPI schema is `UnitCreate` (a PATCH merges its fields over
// `Unit::input`); `UnitFields::parse` checks it. `parent_id` and `kind` are read on creation
// only. The doc comments are the schema's descriptions.
/// 新建机构
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = UnitCreate)]
#[serde(deny_unknown_fields)]
pub struct UnitInput {
    pub parent_id: Option<i64>,
    /// government / department / town / street / zone
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub short_name: String,
    #[serde(default)]
    pub division_code: String,
    #[serde(default)]
    pub credit_code: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub postcode: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub office_hours: String,
    #[serde(default)]
    pub description: String,
}

impl UnitInput {
    /// The input of a console form, whose fields are text; `parent_id` is left to the caller,
    /// which checks that it is a number.
    pub fn from_form(get: &dyn Fn(&str) -> String) -> UnitInput {
        UnitInput {
            parent_id: None,
            kind: get("kind"),
            name: get("name"),
            short_name: get("short_name"),
            division_code: get("division_code"),
            credit_code: get("credit_code"),
            address: get("address"),
            postcode: get("postcode"),
            phone: get("phone"),
            email: get("email"),
            office_hours: get("office_hours"),
            description: get("description"),
        }
    }
}

impl UnitFields {
    pub fn parse(kind: UnitKind, input: &UnitInput) -> Result<UnitFields, Invalid> {
        let mut errors = Invalid::default();
        let name = validation::line(&mut errors, "name", "单位全称", &input.name, true, 80);
        let mut short_name = validation::line(&mut errors, "short_name", "单位简称", &input.short_name, false, 30);
        if short_name.is_empty() {
            short_name = name.clone();
        }
        let division_code = input.division_code.trim().to_string();
        let division_ok = match kind {
            UnitKind::Government | UnitKind::Zone => {
                division_code.len() == 6 && division_code.bytes().all(|b| b.is_ascii_digit())
            }
            UnitKind::Town | UnitKind::Street => {
                matches!(division_code.len(), 9 | 12) && division_code.bytes().all(|b| b.is_ascii_digit())
            }
            UnitKind::Department => {
                division_code.is_empty()
                    || (division_code.len() == 6 && division_code.bytes().all(|b| b.is_ascii_digit()))
            }
        };
        if !division_ok {
            let rule = match kind {
                UnitKind::Government | UnitKind::Zone => "人民政府和功能区应填写 6 位数字",
                UnitKind::Town | UnitKind::Street => "镇、街道应填写 9 位或 12 位统计用区划代码",
                UnitKind::Department => "政府部门可不填，填写时应为 6 位数字",
            };
            errors.push("division_code", "行政区划代码", rule);
        }
        let credit_code = match input.credit_code.trim() {
            "" => None,
            raw => match CreditCode::parse(raw) {
                Ok(code) => Some(code.as_str().to_string()),
                Err(e) => {
                    errors.push("credit_code", "统一社会信用代码", e);
                    None
                }
            },
        };
        let address = validation::line(&mut errors, "address", "办公地址", &input.address, false, 120);
        let postcode = input.postcode.trim().to_string();
        let postcode_ok = postcode.is_empty() || (postcode.len() == 6 && postcode.bytes().all(|b| b.is_ascii_digit()));
        if !postcode_ok {
            errors.push("postcode", "邮政编码", "应为 6 位数字");
        }
        let phone = validation::line(&mut errors, "phone", "联系电话", &input.phone, false, 60);
        if !phone.chars().all(|c| c.is_ascii_digit() || " -+()（）、,，;；转".contains(c)) {
            errors.push("phone", "联系电话", "只能包含数字、空格和“-”等分隔符");
        }
        let email = validation::line(&mut errors, "email", "电子邮箱", &input.email, false, 120);
        if !email.is_empty() && !is_plausible_email(&email) {
            errors.push("email", "电子邮箱", "格式不正确，例如 gongkai@jinan.gov.cn");
        }
        let office_hours = validation::line(&mut errors, "office_hours", "办公时间", &input.office_hours, false, 120);
        let description = validation::text(&mut errors, "description", "机构职能简介", &input.description, false, 2000);
        errors.into_result(UnitFields {
            name,
            short_name,
            division_code,
            credit_code,
            address,
            postcode,
            phone,
            email,
            office_hours,
            description,
        })
    }
}

pub fn is_plausible_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c == '<' || c == '>' || c == '"')
}

/// Why a unit cannot be placed under a given parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlacementError {
    RootMustBeGovernment,
    KindNotAllowed { kind: UnitKind, parent: UnitKind },
    ParentClosed,
    IntoOwnSubtree,
}

impl std::fmt::Display for PlacementError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlacementError::RootMustBeGovernment => write!(f, "只有人民政府可以作为最上级单位"),
            PlacementError::KindNotAllowed { kind, parent } => {
                write!(f, "{}不能设在{}之下", kind.label(), parent.label())
            }
            PlacementError::ParentClosed => write!(f, "上级单位已撤销"),
            PlacementError::IntoOwnSubtree => write!(f, "不能移动到本单位或其下级单位之下"),
        }
    }
}

/// The parent as the rule needs to see it.
#[derive(Debug, Clone, Copy)]
pub struct ParentView<'a> {
    pub kind: UnitKind,
    pub closed: bool,
    /// Ids of the parent and all its ancestors.
    pub lineage: &'a [i64],
}

/// Whether a unit of `kind` (with id `unit_id` when it already exists) may sit under `parent`.
pub fn check_placement(
    unit_id: Option<i64>,
    kind: UnitKind,
    parent: Option<ParentView<'_>>,
) -> Result<(), PlacementError> {
    let Some(parent) = parent else {
        return if kind == UnitKind::Government { Ok(()) } else { Err(PlacementError::RootMustBeGovernment) };
    };
    if let Some(id) = unit_id
        && parent.lineage.contains(&id)
    {
        return Err(PlacementError::IntoOwnSubtree);
    }
    if parent.closed {
        return Err(PlacementError::ParentClosed);
    }
    if !kind.allowed_parents().contains(&parent.kind) {
        return Err(PlacementError::KindNotAllowed { kind, parent: parent.kind });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use UnitKind::*;

    #[test]
    fn kinds_round_trip() {
        for k in UnitKind::ALL {
            assert_eq!(UnitKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(UnitKind::parse("ministry"), None);
    }

    #[test]
    fn levels() {
        let cases: &[(UnitKind, &[UnitKind], Level)] = &[
            (Government, &[], Level::City),
            (Government, &[Government], Level::County),
            (Zone, &[Government], Level::County),
            (Department, &[Government], Level::City),
            (Department, &[Department, Government], Level::City),
            (Department, &[Government, Government], Level::County),
            (Department, &[Zone, Government], Level::County),
            (Street, &[Government, Government], Level::Township),
            (Town, &[Zone, Government], Level::Township),
        ];
        for (kind, ancestors, level) in cases {
            assert_eq!(level_of(*kind, ancestors), *level, "{kind:?} under {ancestors:?}");
        }
        for l in Level::ALL {
            assert_eq!(Level::parse(l.code()), Some(*l));
            assert_eq!(serde_json::to_value(l).unwrap(), l.code());
        }
        assert_eq!(Level::parse("县级"), Some(Level::County));
        assert_eq!(Level::parse("省级"), None);
    }

    #[test]
    fn placement_matrix() {
        // Every kind under every parent kind, open; the table is the rule.
        let allowed: &[(UnitKind, UnitKind)] = &[
            (Government, Government),
            (Zone, Government),
            (Department, Government),
            (Department, Zone),
            (Department, Department),
            (Town, Government),
            (Town, Zone),
            (Street, Government),
            (Street, Zone),
        ];
        for kind in UnitKind::ALL {
            for parent in UnitKind::ALL {
                let view = ParentView { kind: parent, closed: false, lineage: &[1] };
                let ok = check_placement(None, kind, Some(view)).is_ok();
                assert_eq!(ok, allowed.contains(&(kind, parent)), "{kind:?} under {parent:?}");
            }
            assert_eq!(check_placement(None, kind, None).is_ok(), kind == Government);
        }
        let closed = ParentView { kind: Government, closed: true, lineage: &[1] };
        assert_eq!(check_placement(None, Department, Some(closed)), Err(PlacementError::ParentClosed));
        let lineage = ParentView { kind: Government, closed: false, lineage: &[7, 3, 1] };
        assert_eq!(check_placement(Some(3), Government, Some(lineage)), Err(PlacementError::IntoOwnSubtree));
        assert_eq!(check_placement(Some(9), Government, Some(lineage)), Ok(()));
    }

    #[test]
    fn fields_validation() {
        let good = UnitInput {
            name: " 济南市统计局 ".into(),
            credit_code: "113701000041890665".into(),
            postcode: "250099".into(),
            phone: "0531-66608011".into(),
            email: "tjj@jn.shandong.cn".into(),
            ..Default::default()
        };
        let f = UnitFields::parse(Department, &good).unwrap();
        assert_eq!(f.name, "济南市统计局");
        assert_eq!(f.short_name, "济南市统计局");
        assert_eq!(f.credit_code.as_deref(), Some("113701000041890665"));

        let cases: &[(UnitKind, UnitInput, &str, &str)] = &[
            (Department, UnitInput { name: "".into(), ..Default::default() }, "name", "单位全称：不能为空"),
            (
                Department,
                UnitInput { name: "x".into(), credit_code: "113701000041890666".into(), ..Default::default() },
                "credit_code",
                "统一社会信用代码：校验位不正确，请核对是否有输错的字符",
            ),
            (
                Government,
                UnitInput { name: "x".into(), division_code: "3701".into(), ..Default::default() },
                "division_code",
                "行政区划代码：人民政府和功能区应填写 6 位数字",
            ),
            (
                Street,
                UnitInput { name: "x".into(), division_code: "370102".into(), ..Default::default() },
                "division_code",
                "行政区划代码：镇、街道应填写 9 位或 12 位统计用区划代码",
            ),
            (
                Department,
                UnitInput { name: "x".into(), postcode: "2500".into(), ..Default::default() },
                "postcode",
                "邮政编码：应为 6 位数字",
            ),
            (
                Department,
                UnitInput { name: "x".into(), email: "not-an-email".into(), ..Default::default() },
                "email",
                "电子邮箱：格式不正确，例如 gongkai@jinan.gov.cn",
            ),
            (
                Department,
                UnitInput { name: "x".into(), phone: "<script>".into(), ..Default::default() },
                "phone",
                "联系电话：只能包含数字、空格和“-”等分隔符",
            ),
        ];
        for (kind, input, field, message) in cases {
            let err = UnitFields::parse(*kind, input).unwrap_err();
            assert_eq!(err.message_for(field), Some(*message), "{field}");
        }
    }
}

/// A unit as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub kind: UnitKind,
    pub name: String,
    pub short_name: String,
    pub division_code: String,
    pub credit_code: Option<String>,
    pub address: String,
    pub postcode: String,
    pub phone: String,
    pub email: String,
    pub office_hours: String,
    pub description: String,
    pub sort_order: i64,
    /// The date the unit was closed (撤销); a closed unit keeps its pages and history.
    pub closed_on: Option<chrono::NaiveDate>,
    pub closed_reason: String,
    #[serde(with = "crate::time::serde_instant")]
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[serde(with = "crate::time::serde_instant")]
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl Unit {
    pub fn is_closed(&self) -> bool {
        self.closed_on.is_some()
    }

    /// The unit as its form shows it for editing.
    pub fn input(&self) -> UnitInput {
        UnitInput {
            parent_id: self.parent_id,
            kind: self.kind.as_str().into(),
            name: self.name.clone(),
            short_name: self.short_name.clone(),
            division_code: self.division_code.clone(),
            credit_code: self.credit_code.clone().unwrap_or_default(),
            address: self.address.clone(),
            postcode: self.postcode.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            office_hours: self.office_hours.clone(),
            description: self.description.clone(),
        }
    }

    pub fn fields(&self) -> UnitFields {
        UnitFields {
            name: self.name.clone(),
            short_name: self.short_name.clone(),
            division_code: self.division_code.clone(),
            credit_code: self.credit_code.clone(),
            address: self.address.clone(),
            postcode: self.postcode.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            office_hours: self.office_hours.clone(),
            description: self.description.clone(),
        }
    }
}

/// The whole tree in memory: the portal renders lists and breadcrumbs from it without a
/// query per unit. A city has a few thousand units at most.
#[derive(Debug, Clone, Default)]
pub struct UnitTree {
    units: Vec<Unit>,
    index: std::collections::HashMap<i64, usize>,
    children: std::collections::HashMap<Option<i64>, Vec<usize>>,
}

impl UnitTree {
    /// `units` in display order (sort order, then id); children keep that order.
    pub fn new(units: Vec<Unit>) -> Self {
        let mut index = std::collections::HashMap::with_capacity(units.len());
        let mut children: std::collections::HashMap<Option<i64>, Vec<usize>> = Default::default();
        for (i, u) in units.iter().enumerate() {
            index.insert(u.id, i);
        }
        for (i, u) in units.iter().enumerate() {
            // A parent missing from the list would orphan the unit; show it at the top rather
            // than lose it.
            let parent = u.parent_id.filter(|p| index.contains_key(p));
            children.entry(parent).or_default().push(i);
        }
        UnitTree { units, index, children }
    }

    pub fn len(&self) -> usize {
        self.units.len()
    }

    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    pub fn all(&self) -> &[Unit] {
        &self.units
    }

    pub fn get(&self, id: i64) -> Option<&Unit> {
        self.index.get(&id).map(|i| &self.units[*i])
    }

    pub fn roots(&self) -> impl Iterator<Item = &Unit> {
        self.children_of(None)
    }

    pub fn children(&self, id: i64) -> impl Iterator<Item = &Unit> {
        self.children_of(Some(id))
    }

    fn children_of(&self, id: Option<i64>) -> impl Iterator<Item = &Unit> {
        self.children.get(&id).into_iter().flatten().map(|i| &self.units[*i])
    }

    /// The unit and its ancestors, nearest first. Stops on a cycle rather than looping.
    pub fn lineage(&self, id: i64) -> Vec<&Unit> {
        let mut out = Vec::new();
        let mut cur = self.get(id);
        while let Some(u) = cur {
            if out.iter().any(|o: &&Unit| o.id == u.id) {
                break;
            }
            out.push(u);
            cur = u.parent_id.and_then(|p| self.get(p));
        }
        out
    }

    pub fn is_within(&self, id: i64, ancestor: i64) -> bool {
        self.lineage(id).iter().any(|u| u.id == ancestor)
    }

    pub fn level(&self, id: i64) -> Option<Level> {
        let lineage = self.lineage(id);
        let (me, above) = lineage.split_first()?;
        let kinds: Vec<UnitKind> = above.iter().map(|u| u.kind).collect();
        Some(level_of(me.kind, &kinds))
    }

    /// The unit and everything below it, depth first.
    pub fn subtree(&self, id: i64) -> Vec<&Unit> {
        let mut out = Vec::new();
        let mut stack = vec![id];
        while let Some(cur) = stack.pop() {
            if let Some(u) = self.get(cur) {
                if out.iter().any(|o: &&Unit| o.id == u.id) {
                    continue;
                }
                out.push(u);
                let kids: Vec<i64> = self.children(cur).map(|c| c.id).collect();
                stack.extend(kids.into_iter().rev());
            }
        }
        out
    }
}

#[cfg(test)]
mod tree_tests {
    use super::*;

    fn unit(id: i64, parent: Option<i64>, kind: UnitKind) -> Unit {
        Unit {
            id,
            parent_id: parent,
            kind,
            name: format!("u{id}"),
            short_name: format!("u{id}"),
            division_code: String::new(),
            credit_code: None,
            address: String::new(),
            postcode: String::new(),
            phone: String::new(),
            email: String::new(),
            office_hours: String::new(),
            description: String::new(),
            sort_order: 0,
            closed_on: None,
            closed_reason: String::new(),
            created_at: chrono::DateTime::UNIX_EPOCH,
            updated_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn tree_navigation() {
        use UnitKind::*;
        let tree = UnitTree::new(vec![
            unit(1, None, Government),
            unit(2, Some(1), Department),
            unit(3, Some(1), Government),
            unit(4, Some(3), Street),
            unit(5, Some(3), Department),
            unit(6, Some(99), Department),
        ]);
        assert_eq!(tree.roots().map(|u| u.id).collect::<Vec<_>>(), vec![1, 6]);
        assert_eq!(tree.children(1).map(|u| u.id).collect::<Vec<_>>(), vec![2, 3]);
        assert_eq!(tree.lineage(4).iter().map(|u| u.id).collect::<Vec<_>>(), vec![4, 3, 1]);
        assert!(tree.is_within(4, 1));
        assert!(!tree.is_within(2, 3));
        assert_eq!(tree.subtree(3).iter().map(|u| u.id).collect::<Vec<_>>(), vec![3, 4, 5]);
        assert_eq!(tree.level(1), Some(Level::City));
        assert_eq!(tree.level(2), Some(Level::City));
        assert_eq!(tree.level(5), Some(Level::County));
        assert_eq!(tree.level(4), Some(Level::Township));
        assert_eq!(tree.level(42), None);
    }

    #[test]
    fn cycles_do_not_hang() {
        use UnitKind::*;
        let tree = UnitTree::new(vec![unit(1, Some(2), Government), unit(2, Some(1), Government)]);
        assert_eq!(tree.lineage(1).len(), 2);
        assert!(tree.subtree(1).len() <= 2);
    }
}
