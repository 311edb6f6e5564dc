//! Enterprise size (企业规模) by 《统计上大中小微型企业划分办法（2017）》(国统字〔2017〕213号):
//! for each industry group the table gives lower bounds of one or two indicators — employees
//! (从业人员, persons), operating revenue (营业收入, 万元) or total assets (资产总额, 万元). A
//! large, medium or small enterprise must reach every bound of its row, otherwise it falls one
//! row lower; a micro enterprise needs only one of them (附注 of the 办法), so the first row whose
//! bounds are all met is the size.

use super::Size;

/// An indicator of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Indicator {
    Employees,
    Revenue,
    Assets,
}

impl Indicator {
    pub fn field(self) -> &'static str {
        match self {
            Indicator::Employees => "employees",
            Indicator::Revenue => "revenue_wan",
            Indicator::Assets => "total_assets_wan",
        }
    }
}

/// One industry group of the table: its name, the indicators, and the lower bounds of large,
/// medium and small for each indicator (same order).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Group {
    pub name: &'static str,
    pub indicators: &'static [Indicator],
    /// `[large, medium, small]` lower bounds per indicator.
    pub bounds: &'static [[f64; 3]],
}

use Indicator::{Assets, Employees, Revenue};

const AGRICULTURE: Group =
    Group { name: "农、林、牧、渔业", indicators: &[Revenue], bounds: &[[20000.0, 500.0, 50.0]] };
const INDUSTRY: Group = Group {
    name: "工业",
    indicators: &[Employees, Revenue],
    bounds: &[[1000.0, 300.0, 20.0], [40000.0, 2000.0, 300.0]],
};
const CONSTRUCTION: Group = Group {
    name: "建筑业",
    indicators: &[Revenue, Assets],
    bounds: &[[80000.0, 6000.0, 300.0], [80000.0, 5000.0, 300.0]],
};
const WHOLESALE: Group = Group {
    name: "批发业",
    indicators: &[Employees, Revenue],
    bounds: &[[200.0, 20.0, 5.0], [40000.0, 5000.0, 1000.0]],
};
const RETAIL: Group = Group {
    name: "零售业",
    indicators: &[Employees, Revenue],
    bounds: &[[300.0, 50.0, 10.0], [20000.0, 500.0, 100.0]],
};
const TRANSPORT: Group = Group {
    name: "交通运输业",
    indicators: &[Employees, Revenue],
    bounds: &[[1000.0, 300.0, 20.0], [30000.0, 3000.0, 200.0]],
};
const WAREHOUSING: Group = Group {
    name: "仓储业",
    indicators: &[Employees, Revenue],
    bounds: &[[200.0, 100.0, 20.0], [30000.0, 1000.0, 100.0]],
};
const POSTAL: Group = Group {
    name: "邮政业",
    indicators: &[Employees, Revenue],
    bounds: &[[1000.0, 300.0, 20.0], [30000.0, 2000.0, 100.0]],
};
const ACCOMMODATION: Group = Group {
    name: "住宿业",
    indicators: &[Employees, Revenue],
    bounds: &[[300.0, 100.0, 10.0], [10000.0, 2000.0, 100.0]],
};
const CATERING: Group = Group {
    name: "餐饮业",
    indicators: &[Employees, Revenue],
    bounds: &[[300.0, 100.0, 10.0], [10000.0, 2000.0, 100.0]],
};
const TELECOM: Group = Group {
    name: "信息传输业",
    indicators: &[Employees, Revenue],
    bounds: &[[2000.0, 100.0, 10.0], [100000.0, 1000.0, 100.0]],
};
const SOFTWARE: Group = Group {
    name: "软件和信息技术服务业",
    indicators: &[Employees, Revenue],
    bounds: &[[300.0, 100.0, 10.0], [10000.0, 1000.0, 50.0]],
};
const REAL_ESTATE: Group = Group {
    name: "房地产开发经营",
    indicators: &[Revenue, Assets],
    bounds: &[[200000.0, 1000.0, 100.0], [10000.0, 5000.0, 2000.0]],
};
const PROPERTY: Group = Group {
    name: "物业管理",
    indicators: &[Employees, Revenue],
    bounds: &[[1000.0, 300.0, 100.0], [5000.0, 1000.0, 500.0]],
};
const LEASING: Group = Group {
    name: "租赁和商务服务业",
    indicators: &[Employees, Assets],
    bounds: &[[300.0, 100.0, 10.0], [120000.0, 8000.0, 100.0]],
};
const OTHER: Group = Group { name: "其他未列明行业", indicators: &[Employees], bounds: &[[300.0, 100.0, 10.0]] };

/// Every group of the table, for listing and tests.
pub const GROUPS: [Group; 17] = [
    AGRICULTURE,
    INDUSTRY,
    CONSTRUCTION,
    WHOLESALE,
    RETAIL,
    TRANSPORT,
    WAREHOUSING,
    POSTAL,
    ACCOMMODATION,
    CATERING,
    TELECOM,
    SOFTWARE,
    REAL_ESTATE,
    PROPERTY,
    LEASING,
    OTHER,
    // 铁路运输业 (G53) is left out of 交通运输业 by the table's note and falls under "other";
    // listed again here only so that `group_of` can name it.
    Group {
        name: "其他未列明行业（铁路运输业）", indicators: &[Employees], bounds: &[[300.0, 100.0, 10.0]]
    },
];

/// The group of a GB/T 4754-2017 industry code (section letter, then division, group and
/// class digits, e.g. "C3911", "I65", "K7010").
pub fn group_of(industry: &str) -> Group {
    let code = industry.trim().to_ascii_uppercase();
    let section = code.chars().next().unwrap_or(' ');
    let division = code.get(1..3).and_then(|d| d.parse::<u32>().ok());
    let starts = |p: &str| code.starts_with(p);
    match (section, division) {
        ('A', _) => AGRICULTURE,
        ('B' | 'C' | 'D', _) => INDUSTRY,
        ('E', _) => CONSTRUCTION,
        ('F', Some(51)) => WHOLESALE,
        ('F', Some(52)) => RETAIL,
        // 装卸搬运 (G591) belongs with transport; the rest of G59 is warehousing.
        ('G', Some(59)) if starts("G591") => TRANSPORT,
        ('G', Some(59)) => WAREHOUSING,
        ('G', Some(60)) => POSTAL,
        ('G', Some(53)) => GROUPS[16],
        ('G', Some(54..=58)) => TRANSPORT,
        ('H', Some(61)) => ACCOMMODATION,
        ('H', Some(62)) => CATERING,
        ('I', Some(63 | 64)) => TELECOM,
        ('I', Some(65)) => SOFTWARE,
        ('K', Some(70)) if starts("K701") => REAL_ESTATE,
        ('K', Some(70)) if starts("K702") => PROPERTY,
        ('L', _) => LEASING,
        _ => OTHER,
    }
}

/// What the size was derived from, or which indicator is missing.
#[derive(Debug, Clone, PartialEq)]
pub enum Derived {
    Size {
        size: Size,
        group: &'static str,
    },
    /// The indicators the enterprise has not given (field names).
    Missing(Vec<&'static str>),
}

/// The size of an enterprise of `industry` with the given indicators (万元 for money).
pub fn classify(industry: &str, employees: Option<f64>, revenue_wan: Option<f64>, assets_wan: Option<f64>) -> Derived {
    let group = group_of(industry);
    let value = |i: Indicator| match i {
        Employees => employees,
        Revenue => revenue_wan,
        Assets => assets_wan,
    };
    let missing: Vec<&'static str> =
        group.indicators.iter().filter(|i| value(**i).is_none()).map(|i| i.field()).collect();
    if !missing.is_empty() {
        return Derived::Missing(missing);
    }
    let meets = |row: usize| group.indicators.iter().zip(group.bounds).all(|(i, b)| value(*i).unwrap_or(0.0) >= b[row]);
    let size = if meets(0) {
        Size::Large
    } else if meets(1) {
        Size::Medium
    } else if meets(2) {
        Size::Small
    } else {
        Size::Micro
    };
    Derived::Size { size, group: group.name }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each group at each boundary: (industry, employees, revenue, assets, size).
    #[test]
    fn every_group_at_its_boundaries() {
        use Size::*;
        let n = None;
        type Case = (&'static str, Option<f64>, Option<f64>, Option<f64>, Size);
        let cases: &[Case] = &[
            // 农、林、牧、渔业: revenue 20000 / 500 / 50
            ("A0111", n, Some(20000.0), n, Large),
            ("A0111", n, Some(19999.0), n, Medium),
            ("A01", n, Some(500.0), n, Medium),
            ("A01", n, Some(499.0), n, Small),
            ("A", n, Some(50.0), n, Small),
            ("A", n, Some(49.9), n, Micro),
            // 工业: employees 1000/300/20 and revenue 40000/2000/300
            ("C3911", Some(1000.0), Some(40000.0), n, Large),
            ("C3911", Some(1000.0), Some(39999.0), n, Medium),
            ("B06", Some(999.0), Some(50000.0), n, Medium),
            ("D44", Some(300.0), Some(2000.0), n, Medium),
            ("C13", Some(299.0), Some(2000.0), n, Small),
            ("C13", Some(20.0), Some(300.0), n, Small),
            ("C13", Some(19.0), Some(100000.0), n, Micro),
            ("C13", Some(500.0), Some(299.0), n, Micro),
            // 建筑业: revenue 80000/6000/300 and assets 80000/5000/300
            ("E47", n, Some(80000.0), Some(80000.0), Large),
            ("E47", n, Some(80000.0), Some(79999.0), Medium),
            ("E48", n, Some(6000.0), Some(5000.0), Medium),
            ("E48", n, Some(5999.0), Some(5000.0), Small),
            ("E49", n, Some(300.0), Some(300.0), Small),
            ("E50", n, Some(300.0), Some(299.0), Micro),
            // 批发业: employees 200/20/5 and revenue 40000/5000/1000
            ("F51", Some(200.0), Some(40000.0), n, Large),
            ("F5121", Some(199.0), Some(40000.0), n, Medium),
            ("F51", Some(20.0), Some(5000.0), n, Medium),
            ("F51", Some(19.0), Some(5000.0), n, Small),
            ("F51", Some(5.0), Some(1000.0), n, Small),
            ("F51", Some(4.0), Some(1000.0), n, Micro),
            // 零售业: employees 300/50/10 and revenue 20000/500/100
            ("F52", Some(300.0), Some(20000.0), n, Large),
            ("F5211", Some(50.0), Some(500.0), n, Medium),
            ("F52", Some(49.0), Some(500.0), n, Small),
            ("F52", Some(10.0), Some(100.0), n, Small),
            ("F52", Some(10.0), Some(99.0), n, Micro),
            // 交通运输业: employees 1000/300/20 and revenue 30000/3000/200
            ("G54", Some(1000.0), Some(30000.0), n, Large),
            ("G5810", Some(300.0), Some(3000.0), n, Medium),
            ("G591", Some(300.0), Some(2999.0), n, Small),
            ("G56", Some(20.0), Some(200.0), n, Small),
            ("G55", Some(20.0), Some(199.0), n, Micro),
            // 仓储业: employees 200/100/20 and revenue 30000/1000/100
            ("G59", Some(200.0), Some(30000.0), n, Large),
            ("G592", Some(100.0), Some(1000.0), n, Medium),
            ("G5990", Some(99.0), Some(1000.0), n, Small),
            ("G595", Some(20.0), Some(100.0), n, Small),
            ("G596", Some(19.0), Some(100.0), n, Micro),
            // 邮政业: employees 1000/300/20 and revenue 30000/2000/100
            ("G60", Some(1000.0), Some(30000.0), n, Large),
            ("G6010", Some(300.0), Some(2000.0), n, Medium),
            ("G60", Some(300.0), Some(1999.0), n, Small),
            ("G60", Some(20.0), Some(100.0), n, Small),
            ("G60", Some(20.0), Some(99.0), n, Micro),
            // 住宿业: employees 300/100/10 and revenue 10000/2000/100
            ("H61", Some(300.0), Some(10000.0), n, Large),
            ("H6110", Some(100.0), Some(2000.0), n, Medium),
            ("H61", Some(10.0), Some(100.0), n, Small),
            ("H61", Some(9.0), Some(100.0), n, Micro),
            // 餐饮业: the same bounds
            ("H62", Some(300.0), Some(10000.0), n, Large),
            ("H6210", Some(299.0), Some(10000.0), n, Medium),
            ("H62", Some(99.0), Some(2000.0), n, Small),
            ("H62", Some(10.0), Some(99.0), n, Micro),
            // 信息传输业: employees 2000/100/10 and revenue 100000/1000/100
            ("I63", Some(2000.0), Some(100000.0), n, Large),
            ("I64", Some(1999.0), Some(100000.0), n, Medium),
            ("I6410", Some(100.0), Some(1000.0), n, Medium),
            ("I63", Some(10.0), Some(100.0), n, Small),
            ("I63", Some(9.0), Some(100.0), n, Micro),
            // 软件和信息技术服务业: employees 300/100/10 and revenue 10000/1000/50
            ("I65", Some(300.0), Some(10000.0), n, Large),
            ("I6510", Some(100.0), Some(1000.0), n, Medium),
            ("I65", Some(100.0), Some(999.0), n, Small),
            ("I65", Some(10.0), Some(50.0), n, Small),
            ("I65", Some(10.0), Some(49.0), n, Micro),
            // 房地产开发经营: revenue 200000/1000/100 and assets 10000/5000/2000
            ("K7010", n, Some(200000.0), Some(10000.0), Large),
            ("K7010", n, Some(199999.0), Some(10000.0), Medium),
            ("K7010", n, Some(1000.0), Some(4999.0), Small),
            ("K7010", n, Some(100.0), Some(2000.0), Small),
            ("K7010", n, Some(100.0), Some(1999.0), Micro),
            // 物业管理: employees 1000/300/100 and revenue 5000/1000/500
            ("K7020", Some(1000.0), Some(5000.0), n, Large),
            ("K7020", Some(300.0), Some(1000.0), n, Medium),
            ("K7020", Some(100.0), Some(500.0), n, Small),
            ("K7020", Some(99.0), Some(500.0), n, Micro),
            // 租赁和商务服务业: employees 300/100/10 and assets 120000/8000/100
            ("L72", Some(300.0), n, Some(120000.0), Large),
            ("L7211", Some(100.0), n, Some(8000.0), Medium),
            ("L71", Some(99.0), n, Some(8000.0), Small),
            ("L72", Some(10.0), n, Some(100.0), Small),
            ("L72", Some(10.0), n, Some(99.0), Micro),
            // 其他未列明行业: employees 300/100/10
            ("M73", Some(300.0), n, n, Large),
            ("P83", Some(100.0), n, n, Medium),
            ("R86", Some(10.0), n, n, Small),
            ("O80", Some(9.0), n, n, Micro),
            ("K7030", Some(300.0), n, n, Large),
            ("G53", Some(99.0), n, n, Small),
        ];
        for (industry, employees, revenue, assets, size) in cases {
            match classify(industry, *employees, *revenue, *assets) {
                Derived::Size { size: got, .. } => {
                    assert_eq!(got, *size, "{industry} {employees:?} {revenue:?} {assets:?}")
                }
                other => panic!("{industry}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_missing_indicator_is_named() {
        assert_eq!(classify("C3911", Some(50.0), None, None), Derived::Missing(vec!["revenue_wan"]));
        assert_eq!(classify("E47", None, None, None), Derived::Missing(vec!["revenue_wan", "total_assets_wan"]));
        assert_eq!(classify("L72", Some(5.0), Some(1.0), None), Derived::Missing(vec!["total_assets_wan"]));
    }

    #[test]
    fn every_group_is_reached_by_some_code() {
        let codes = [
            "A01", "C39", "E47", "F51", "F52", "G54", "G592", "G60", "H61", "H62", "I63", "I65", "K7010", "K7020",
            "L72", "M73", "G53",
        ];
        let names: std::collections::BTreeSet<&str> = codes.iter().map(|c| group_of(c).name).collect();
        assert_eq!(names.len(), GROUPS.len());
    }
}
