//! Columns (栏目) that editors publish into: special columns (专栏) an administrator creates,
//! and each unit's 政府信息公开制度 and 政府信息公开年报 columns, which the portal's sections of
//! the same names list.

use crate::validation::{Invalid, line, text};
use serde::{Deserialize, Serialize};

code_list! {
    ColumnKind {
        Special = ("special", "专栏"),
        Rules = ("rules", "政府信息公开制度"),
        Reports = ("reports", "政府信息公开年报"),
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ColumnInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnFields {
    pub name: String,
    pub description: String,
    pub kind: ColumnKind,
}

impl ColumnFields {
    pub fn parse(input: &ColumnInput) -> Result<ColumnFields, Invalid> {
        let mut errors = Invalid::default();
        let name = line(&mut errors, "name", "栏目名称", &input.name, true, 40);
        let description = text(&mut errors, "description", "栏目说明", &input.description, false, 500);
        let kind = match input.kind.trim() {
            "" => ColumnKind::Special,
            k => ColumnKind::parse(k).unwrap_or_else(|| {
                errors.push("kind", "栏目类型", "应为专栏、政府信息公开制度或政府信息公开年报");
                ColumnKind::Special
            }),
        };
        errors.into_result(ColumnFields { name, description, kind })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_fields_validate() {
        let ok = |name: &str, kind: &str| {
            ColumnFields::parse(&ColumnInput { name: name.into(), description: String::new(), kind: kind.into() })
        };
        assert_eq!(ok(" 医保待遇标准 ", "").unwrap().name, "医保待遇标准");
        assert_eq!(ok("年报", "reports").unwrap().kind, ColumnKind::Reports);
        assert_eq!(ok("年报", "政府信息公开制度").unwrap().kind, ColumnKind::Rules);
        let cases: &[(&str, &str, &str)] =
            &[("", "", "name"), ("一\n二", "", "name"), (&"栏".repeat(41), "", "name"), ("专栏", "bogus", "kind")];
        for (name, kind, field) in cases {
            let e = ok(name, kind).unwrap_err();
            assert!(e.message_for(field).is_some(), "{name:?} {kind:?}: {e}");
        }
    }
}
