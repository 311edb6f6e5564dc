//! Check characters of the national identification codes.
//!
//! Both algorithms are tiny and fixed by national standard, so they are written here rather
//! than taken from a crate (the crates on offer carry region tables we do not want to ship).

use chrono::{Datelike, NaiveDate};
use std::fmt;

/// Characters allowed in a unified social credit code (GB 32100-2015): digits and the capital
/// letters without I, O, Z, S and V.
const CREDIT_CODE_CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_CODE_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// Why a code was rejected; the message is shown to users as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeError {
    Length { expected: usize, found: usize },
    Character { position: usize },
    CheckCharacter { expected: char },
    BirthDate,
    Region,
}

impl fmt::Display for CodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodeError::Length { expected, found } => {
                write!(f, "应为 {expected} 位，实际为 {found} 位")
            }
            CodeError::Character { position } => write!(f, "第 {position} 位字符不合法"),
            CodeError::CheckCharacter { .. } => write!(f, "校验位不正确，请核对是否有输错的字符"),
            CodeError::BirthDate => write!(f, "出生日期不是有效日期"),
            CodeError::Region => write!(f, "行政区划代码不合法"),
        }
    }
}

impl std::error::Error for CodeError {}

/// 统一社会信用代码: 18 characters whose last is a check character over the first 17.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct CreditCode(String);

impl CreditCode {
    /// Accepts lower-case letters and surrounding spaces, as people type them.
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        let code = input.trim().to_ascii_uppercase();
        let chars: Vec<char> = code.chars().collect();
        if chars.len() != 18 {
            return Err(CodeError::Length { expected: 18, found: chars.len() });
        }
        let mut values = [0u32; 18];
        for (i, c) in chars.iter().enumerate() {
            values[i] = credit_code_value(*c).ok_or(CodeError::Character { position: i + 1 })?;
        }
        let expected = credit_code_check_char(&code[..17]).ok_or(CodeError::Character { position: 1 })?;
        if chars[17] != expected {
            return Err(CodeError::CheckCharacter { expected });
        }
        Ok(CreditCode(code))
    }

    /// The code whose first 17 characters are `first17`, with its check character; none when
    /// they hold a character a credit code cannot.
    pub fn complete(first17: &str) -> Option<CreditCode> {
        let check = credit_code_check_char(first17)?;
        CreditCode::parse(&format!("{first17}{check}")).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The six-digit administrative division code inside the credit code (positions 3–8).
    pub fn division_code(&self) -> &str {
        &self.0[2..8]
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn credit_code_value(c: char) -> Option<u32> {
    CREDIT_CODE_CHARSET.iter().position(|&b| b as char == c).map(|p| p as u32)
}

/// The check character for the first 17 characters of a credit code, or `None` when one of
/// them is outside the charset. Used to validate codes and to generate demo codes.
pub fn credit_code_check_char(first17: &str) -> Option<char> {
    if first17.chars().count() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in first17.chars().zip(CREDIT_CODE_WEIGHTS) {
        sum += credit_code_value(c)? * w;
    }
    let check = (31 - sum % 31) % 31;
    Some(CREDIT_CODE_CHARSET[check as usize] as char)
}

const CITIZEN_ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CITIZEN_ID_CHECK: &[u8; 11] = b"10X98765432";
/// First two digits of the provincial-level divisions (GB/T 2260), including Taiwan, Hong Kong
/// and Macao, which appear on residence permits.
const PROVINCE_PREFIXES: [u32; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63,
    64, 65, 71, 81, 82,
];

/// 公民身份号码 (GB 11643-1999): 17 digits and a check character (digit or X).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct CitizenId(String);

impl CitizenId {
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        let id = input.trim().to_ascii_uppercase();
        let bytes = id.as_bytes();
        if id.chars().count() != 18 || bytes.len() != 18 {
            return Err(CodeError::Length { expected: 18, found: id.chars().count() });
        }
        for (i, b) in bytes[..17].iter().enumerate() {
            if !b.is_ascii_digit() {
                return Err(CodeError::Character { position: i + 1 });
            }
        }
        if !(bytes[17].is_ascii_digit() || bytes[17] == b'X') {
            return Err(CodeError::Character { position: 18 });
        }
        let province: u32 = id[..2].parse().map_err(|_| CodeError::Region)?;
        if !PROVINCE_PREFIXES.contains(&province) {
            return Err(CodeError::Region);
        }
        let birth = NaiveDate::parse_from_str(&id[6..14], "%Y%m%d").map_err(|_| CodeError::BirthDate)?;
        if birth.year() < 1850 {
            return Err(CodeError::BirthDate);
        }
        let expected = citizen_id_check_char(&id[..17]).ok_or(CodeError::Character { position: 1 })?;
        if bytes[17] as char != expected {
            return Err(CodeError::CheckCharacter { expected });
        }
        Ok(CitizenId(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> NaiveDate {
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").expect("validated at parse")
    }

    /// The form shown to staff who do not need the whole number: region and check kept.
    pub fn masked(&self) -> String {
        format!("{}************{}", &self.0[..4], &self.0[16..])
    }
}

/// The check character for the first 17 digits of a citizen ID number.
pub fn citizen_id_check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in first17.chars().zip(CITIZEN_ID_WEIGHTS) {
        sum += c.to_digit(10)? * w;
    }
    Some(CITIZEN_ID_CHECK[(sum % 11) as usize] as char)
}

/// The Luhn check used by bank card numbers; the privacy scanner uses it to tell card numbers
/// from other long digit runs.
pub fn luhn_valid(digits: &str) -> bool {
    if digits.len() < 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = (b - b'0') as u32;
            if i % 2 == 1 {
                let d2 = d * 2;
                if d2 > 9 { d2 - 9 } else { d2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_credit_code_is_completed_with_its_check_character() {
        assert_eq!(CreditCode::complete("11370100004189066").unwrap().as_str(), "113701000041890665");
        assert_eq!(CreditCode::complete("91350100M000100Y4").unwrap().as_str(), "91350100M000100Y43");
        assert!(CreditCode::complete("9135010OM000100Y4").is_none(), "O is not a credit-code character");
        assert!(CreditCode::complete("913501").is_none());
    }

    #[test]
    fn credit_codes_table() {
        let cases: &[(&str, Result<(), CodeError>)] = &[
            ("113701000041890665", Ok(())),
            ("113701003517573390", Ok(())),
            ("91350100M000100Y43", Ok(())),
            (" 91350100m000100y43 ", Ok(())),
            ("113701000041890666", Err(CodeError::CheckCharacter { expected: '5' })),
            ("11370100004189066", Err(CodeError::Length { expected: 18, found: 17 })),
            ("1137010000418906650", Err(CodeError::Length { expected: 18, found: 19 })),
            ("11370100004189066I", Err(CodeError::Character { position: 18 })),
            ("O13701000041890665", Err(CodeError::Character { position: 1 })),
            ("11370100004189066五", Err(CodeError::Character { position: 18 })),
            ("", Err(CodeError::Length { expected: 18, found: 0 })),
        ];
        for (input, expected) in cases {
            assert_eq!(CreditCode::parse(input).map(|_| ()), *expected, "{input}");
        }
        assert_eq!(CreditCode::parse("113701000041890665").unwrap().division_code(), "370100");
    }

    #[test]
    fn citizen_ids_table() {
        let cases: &[(&str, Result<(), CodeError>)] = &[
            ("11010519491231002X", Ok(())),
            ("11010519491231002x", Ok(())),
            ("440524188001010014", Ok(())),
            ("110105194912310021", Err(CodeError::CheckCharacter { expected: 'X' })),
            ("110105194902310029", Err(CodeError::BirthDate)),
            ("990105194912310021", Err(CodeError::Region)),
            ("11010519491231002", Err(CodeError::Length { expected: 18, found: 17 })),
            ("1101051949123100XX", Err(CodeError::Character { position: 17 })),
            ("１１０１０５１９４９１２３１００２X", Err(CodeError::Length { expected: 18, found: 18 })),
        ];
        for (input, expected) in cases {
            assert_eq!(CitizenId::parse(input).map(|_| ()), *expected, "{input}");
        }
        let id = CitizenId::parse("11010519491231002X").unwrap();
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
        assert_eq!(id.masked(), "1101************2X");
    }

    #[test]
    fn luhn_table() {
        for (input, ok) in [
            ("4111111111111111", true),
            ("4111111111111112", false),
            ("6011000990139424", true),
            ("79927398713", true),
            ("79927398710", false),
            ("", false),
            ("12a4", false),
        ] {
            assert_eq!(luhn_valid(input), ok, "{input}");
        }
    }

    proptest! {
        #[test]
        fn generated_credit_codes_validate(body in "[0-9A-HJ-NP-RTUWXY]{17}") {
            let check = credit_code_check_char(&body).unwrap();
            let code = format!("{body}{check}");
            prop_assert!(CreditCode::parse(&code).is_ok());
            // Any single substitution of the check character is caught.
            for c in CREDIT_CODE_CHARSET.iter().map(|b| *b as char).filter(|c| *c != check) {
                let wrong = format!("{body}{c}");
                prop_assert!(CreditCode::parse(&wrong).is_err());
            }
        }

        #[test]
        fn single_character_errors_are_caught(body in "[0-9A-HJ-NP-RTUWXY]{17}", pos in 0usize..17, delta in 1u32..31) {
            let check = credit_code_check_char(&body).unwrap();
            let mut chars: Vec<char> = body.chars().collect();
            let v = credit_code_value(chars[pos]).unwrap();
            chars[pos] = CREDIT_CODE_CHARSET[((v + delta) % 31) as usize] as char;
            let altered: String = chars.into_iter().collect();
            let code = format!("{altered}{check}");
            prop_assert!(CreditCode::parse(&code).is_err());
        }

        #[test]
        fn generated_citizen_ids_validate(days in 0i64..60000, region in prop::sample::select(PROVINCE_PREFIXES.to_vec()), seq in 0u32..1000) {
            let birth = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + chrono::Duration::days(days);
            let first17 = format!("{region:02}0102{}{seq:03}", birth.format("%Y%m%d"));
            let check = citizen_id_check_char(&first17).unwrap();
            let id = CitizenId::parse(&format!("{first17}{check}")).unwrap();
            prop_assert_eq!(id.birth_date(), birth);
        }

        #[test]
        fn parsers_never_panic(s in "\\PC{0,40}") {
            let _ = CreditCode::parse(&s);
            let _ = CitizenId::parse(&s);
            let _ = luhn_valid(&s);
        }
    }
}
