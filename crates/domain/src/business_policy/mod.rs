//! 惠企政策 (`business_policy`): policies for enterprises with a structured eligibility rule,
//! matched against an enterprise profile (政策计算器, `policy_match`) with three-valued logic, so
//! that what the enterprise has not told us is "unknown" rather than a silent no.
//!
//! - [`profile`]: the enterprise profile (企业画像) and its checks;
//! - [`rule`]: the condition tree, its JSON form, evaluation with reasons, and its Chinese words;
//! - [`size`]: enterprise size by the 2017 statistical classification.

pub mod policy;
pub mod profile;
pub mod redemption;
pub mod register;
pub mod rule;
pub mod sheet;
pub mod size;

use serde::{Deserialize, Serialize};

code_list! {
    /// 企业规模, in the order of the statistical table (used by `<`, `>` in rules).
    Size {
        Micro = ("micro", "微型"),
        Small = ("small", "小型"),
        Medium = ("medium", "中型"),
        Large = ("large", "大型"),
    }
}

code_list! {
    /// 所有制.
    Ownership {
        Private = ("private", "民营"),
        State = ("state", "国有"),
        Foreign = ("foreign", "外资"),
        Mixed = ("mixed", "混合所有制"),
    }
}

code_list! {
    /// 资质: what an enterprise has been recognised as.
    Qualification {
        HighTech = ("high_tech", "高新技术企业"),
        SpecializedNew = ("specialized_new", "专精特新企业"),
        LittleGiant = ("little_giant", "专精特新“小巨人”企业"),
        TechSme = ("tech_sme", "科技型中小企业"),
        Gazelle = ("gazelle", "瞪羚企业"),
        Unicorn = ("unicorn", "独角兽企业"),
        Listed = ("listed", "上市企业"),
    }
}

code_list! {
    /// The level of the issuing government.
    Level {
        National = ("national", "国家级"),
        Provincial = ("provincial", "省级"),
        City = ("city", "市级"),
        District = ("district", "区县级"),
    }
}

code_list! {
    /// 扶持方式: what the enterprise receives.
    BenefitType {
        Subsidy = ("subsidy", "资金补贴"),
        TaxRelief = ("tax_relief", "税费减免"),
        LoanInterest = ("loan_interest", "贷款贴息"),
        Talent = ("talent", "人才"),
        Land = ("land", "用地"),
        Financing = ("financing", "融资"),
        Honour = ("honour", "荣誉资质"),
        Other = ("other", "其他"),
    }
}

code_list! {
    /// 兑现方式: how the benefit is redeemed.
    Mode {
        ExemptApply = ("exempt_apply", "免申即享"),
        QuickApply = ("quick_apply", "快申快享"),
        Regular = ("regular", "常规申报"),
    }
}

/// Jinan's districts and counties by division code (2023), for rules and profiles read out in
/// words; other codes are shown as they are.
pub const JINAN_DISTRICTS: [(&str, &str); 14] = [
    ("370100", "济南市"),
    ("370102", "历下区"),
    ("370103", "市中区"),
    ("370104", "槐荫区"),
    ("370105", "天桥区"),
    ("370112", "历城区"),
    ("370113", "长清区"),
    ("370114", "章丘区"),
    ("370115", "济阳区"),
    ("370116", "莱芜区"),
    ("370117", "钢城区"),
    ("370124", "平阴县"),
    ("370126", "商河县"),
    ("370176", "济南高新区"),
];

/// The division code of a district given by its code or its name, if it is one of the city's.
pub fn district_code(code_or_name: &str) -> Option<&'static str> {
    JINAN_DISTRICTS.iter().find(|(code, name)| *code == code_or_name || *name == code_or_name).map(|(code, _)| *code)
}

/// The name of a division code, or the code.
pub fn district_name(code: &str) -> String {
    JINAN_DISTRICTS.iter().find(|(c, _)| *c == code).map(|(_, n)| n.to_string()).unwrap_or_else(|| code.to_string())
}

/// A GB/T 4754-2017 industry code: a section letter A–T, optionally followed by the two-digit
/// division, three-digit group or four-digit class ("C", "C39", "C391", "C3911").
pub fn is_industry_code(code: &str) -> bool {
    let mut chars = code.chars();
    let Some(section) = chars.next() else { return false };
    let digits: Vec<char> = chars.collect();
    ('A'..='T').contains(&section) && matches!(digits.len(), 0 | 2 | 3 | 4) && digits.iter().all(|c| c.is_ascii_digit())
}

/// A six-digit administrative division code.
pub fn is_division_code(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}
