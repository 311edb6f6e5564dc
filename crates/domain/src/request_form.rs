//! What an applicant fills in (art. 29): who they are, how to reach them, what information
//! they want and in what form. Checked on the server with a Chinese message naming each bad
//! field; citizen ID numbers and unified social credit codes are checked to the check
//! character, because a wrong number makes the reply letter undeliverable.

use crate::codes::{CitizenId, CreditCode};
use crate::requests::ApplicantType;
use crate::validation::{Invalid, line, text};
use serde::{Deserialize, Serialize};

code_list! {
    /// 证件类型
    IdType {
        CitizenId = ("citizen_id", "居民身份证"),
        Passport = ("passport", "护照"),
        HkMacaoPermit = ("hk_macao_permit", "港澳居民来往内地通行证"),
        TaiwanPermit = ("taiwan_permit", "台湾居民来往大陆通行证"),
        ForeignPermanent = ("foreign_permanent", "外国人永久居留身份证"),
        Other = ("other", "其他证件"),
    }
}

code_list! {
    /// 信息的指定提供载体形式 (art. 29(3))
    ProvisionForm {
        Paper = ("paper", "纸质"),
        Electronic = ("electronic", "电子"),
        Other = ("other", "其他"),
    }
}

code_list! {
    /// 获取信息的方式
    Delivery {
        Post = ("post", "邮寄"),
        Email = ("email", "电子邮件"),
        Pickup = ("pickup", "当面领取"),
        Online = ("online", "网上获取"),
        Fax = ("fax", "传真"),
        Other = ("other", "其他"),
    }
}

/// The form as submitted (web form or `POST /api/v1/requests`); every field is text so that
/// bad input is answered with a message, never a decoding error.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RequestInput {
    pub applicant_type: String,
    /// The person's name, or the organisation's.
    pub name: String,
    pub id_type: String,
    pub id_number: String,
    pub credit_code: String,
    pub legal_representative: String,
    pub contact_person: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub postcode: String,
    pub description: String,
    pub provision_form: String,
    pub delivery: String,
}

/// The checked form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestFields {
    pub applicant_type: ApplicantType,
    pub name: String,
    /// Persons only.
    pub id_type: Option<IdType>,
    pub id_number: String,
    /// Organisations only.
    pub credit_code: String,
    pub legal_representative: String,
    pub contact_person: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub postcode: String,
    pub description: String,
    pub provision_form: ProvisionForm,
    pub delivery: Delivery,
}

fn choice<T: Copy>(
    errors: &mut Invalid,
    field: &str,
    label: &str,
    raw: &str,
    parse: fn(&str) -> Option<T>,
) -> Option<T> {
    if raw.trim().is_empty() {
        errors.push(field, label, "请选择");
        return None;
    }
    let parsed = parse(raw);
    if parsed.is_none() {
        errors.push(field, label, "不是可选的值");
    }
    parsed
}

impl RequestFields {
    pub fn parse(input: &RequestInput) -> Result<RequestFields, Invalid> {
        let mut errors = Invalid::default();
        let applicant_type =
            choice(&mut errors, "applicant_type", "申请人类型", &input.applicant_type, ApplicantType::parse);
        let person = applicant_type.is_none_or(|t| !t.is_organisation());
        let name_label = if person { "姓名" } else { "单位名称" };
        let name = line(&mut errors, "name", name_label, &input.name, true, if person { 50 } else { 100 });
        let (mut id_type, mut id_number, mut credit_code) = (None, String::new(), String::new());
        let (mut legal_representative, mut contact_person) = (String::new(), String::new());
        if person {
            id_type = choice(&mut errors, "id_type", "证件类型", &input.id_type, IdType::parse);
            id_number = line(&mut errors, "id_number", "证件号码", &input.id_number, true, 30).to_uppercase();
            if id_type == Some(IdType::CitizenId) && !id_number.is_empty() {
                match CitizenId::parse(&id_number) {
                    Ok(id) => id_number = id.as_str().to_string(),
                    Err(e) => errors.push("id_number", "证件号码", format!("不是有效的居民身份证号码：{e}")),
                }
            }
        } else {
            credit_code =
                line(&mut errors, "credit_code", "统一社会信用代码", &input.credit_code, true, 18).to_uppercase();
            if !credit_code.is_empty() {
                match CreditCode::parse(&credit_code) {
                    Ok(c) => credit_code = c.as_str().to_string(),
                    Err(e) => errors.push("credit_code", "统一社会信用代码", e),
                }
            }
            legal_representative = line(
                &mut errors,
                "legal_representative",
                "法定代表人或者主要负责人",
                &input.legal_representative,
                true,
                50,
            );
            contact_person = line(&mut errors, "contact_person", "联系人姓名", &input.contact_person, true, 50);
        }
        let phone = line(&mut errors, "phone", "联系电话", &input.phone, true, 30);
        if !phone.is_empty()
            && let Err(problem) = check_phone(&phone)
        {
            errors.push("phone", "联系电话", problem);
        }
        let provision_form =
            choice(&mut errors, "provision_form", "提供形式", &input.provision_form, ProvisionForm::parse);
        let delivery = choice(&mut errors, "delivery", "获取方式", &input.delivery, Delivery::parse);
        let email = line(&mut errors, "email", "电子邮箱", &input.email, delivery == Some(Delivery::Email), 100);
        if !email.is_empty() && !looks_like_email(&email) {
            errors.push("email", "电子邮箱", "格式不正确，应如 name@example.com");
        }
        let address = line(&mut errors, "address", "通信地址", &input.address, delivery == Some(Delivery::Post), 200);
        let postcode = line(&mut errors, "postcode", "邮政编码", &input.postcode, false, 6);
        let six_digits = postcode.len() == 6 && postcode.chars().all(|c| c.is_ascii_digit());
        if !postcode.is_empty() && !six_digits {
            errors.push("postcode", "邮政编码", "应为 6 位数字");
        }
        let description = text(&mut errors, "description", "所需信息的内容描述", &input.description, true, 2000);
        if !description.is_empty() && description.chars().count() < 5 {
            errors.push(
                "description",
                "所需信息的内容描述",
                "请写明所需政府信息的名称、文号或者便于查询的其他特征性描述",
            );
        }
        match (applicant_type, provision_form, delivery) {
            (Some(applicant_type), Some(provision_form), Some(delivery)) => errors.into_result(RequestFields {
                applicant_type,
                name,
                id_type,
                id_number,
                credit_code,
                legal_representative,
                contact_person,
                phone,
                email,
                address,
                postcode,
                description,
                provision_form,
                delivery,
            }),
            _ => Err(errors),
        }
    }
}

/// The applicant's identity and contact details as stored: personal data, kept apart from
/// the case so that only the handlers of the handling unit see it. Codes, not labels, so a
/// relabelled choice does not change stored records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Applicant {
    pub name: String,
    pub id_type: String,
    pub id_number: String,
    pub credit_code: String,
    pub legal_representative: String,
    pub contact_person: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub postcode: String,
}

impl RequestFields {
    pub fn applicant(&self) -> Applicant {
        Applicant {
            name: self.name.clone(),
            id_type: self.id_type.map(|t| t.code().to_string()).unwrap_or_default(),
            id_number: self.id_number.clone(),
            credit_code: self.credit_code.clone(),
            legal_representative: self.legal_representative.clone(),
            contact_person: self.contact_person.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            address: self.address.clone(),
            postcode: self.postcode.clone(),
        }
    }
}

impl Applicant {
    /// The ID type's label for display, or the stored code when it is not known any more.
    pub fn id_type_label(&self) -> &str {
        IdType::parse(&self.id_type).map(IdType::label).unwrap_or(&self.id_type)
    }
}

/// A Chinese phone number as applicants write it: a mobile number (11 digits starting with
/// 13–19), or a landline with its area code (3 digits for 010 and 02x, else 4, starting with
/// 0) and a local number of 7 or 8 digits, optionally followed by an extension (“转 801” or
/// “-801”, up to 6 digits). `+86` or `0086` may lead; a landline then drops the area code's 0.
/// Spaces, hyphens and brackets may separate the groups. Numbers of other countries start
/// with `+` and their country code and are taken at 8 to 15 digits (E.164). Anything else,
/// a 10-digit mobile number above all, is refused with a reason, since a wrong number makes
/// the applicant unreachable.
pub fn check_phone(raw: &str) -> Result<(), String> {
    let raw = raw.trim();
    if !raw.chars().all(|c| c.is_ascii_digit() || " -+()（）转".contains(c)) {
        return Err("电话号码只能包含数字，以及空格、“-”、括号和“转”".into());
    }
    let general = || "应为 11 位手机号码，或带区号的固定电话号码，如 13905310000、0531-12345678".to_string();
    // The extension: after 转, or a last hyphenated group after a complete landline number.
    let (main, ext) = match raw.split_once('转') {
        Some((m, e)) => (m, Some(e.trim())),
        None => (raw, None),
    };
    if let Some(e) = ext
        && (e.is_empty() || e.len() > 6 || !e.chars().all(|c| c.is_ascii_digit()))
    {
        return Err("分机号应为 1 至 6 位数字，写在“转”之后".into());
    }
    if main.matches('+').count() > 1 || main.find('+').is_some_and(|i| i != 0) {
        return Err("“+”只能写在国际区号之前，如 +86 13905310000".into());
    }
    let groups: Vec<&str> = main.split(|c: char| !c.is_ascii_digit()).filter(|g| !g.is_empty()).collect::<Vec<_>>();
    let mut digits: String = groups.concat();
    let international = main.starts_with('+') || digits.starts_with("00");
    if international {
        let rest = digits.trim_start_matches("00").to_string();
        match rest.strip_prefix("86") {
            // China: the national number follows; a landline's area code loses its 0 (and
            // Beijing's 10 is no mobile number, which never has 0 as its second digit).
            Some(national) if national.starts_with('1') && !national.starts_with("10") => digits = national.to_string(),
            Some(national) => digits = format!("0{national}"),
            None if (8..=15).contains(&rest.len()) && !rest.starts_with('0') => return Ok(()),
            None => return Err("国际号码应为“+国家代码”加 8 至 15 位数字".into()),
        }
    }
    if digits.starts_with('1') {
        if ext.is_some() {
            return Err("手机号码没有分机号".into());
        }
        return match digits.len() {
            11 if matches!(digits.as_bytes()[1], b'3'..=b'9') => Ok(()),
            11 => Err("手机号码的第二位应为 3 至 9".into()),
            n @ 0..=8 => Err(format!("手机号码应为 11 位（现有 {n} 位）；固定电话请加区号，如 0531-12345678")),
            n => Err(format!("手机号码应为 11 位（现有 {n} 位）")),
        };
    }
    if !digits.starts_with('0') {
        return Err("固定电话请加区号，如 0531-12345678".into());
    }
    let area_len = if digits.starts_with("010") || digits.starts_with("02") { 3 } else { 4 };
    // A hyphenated extension: the groups beyond area code and local number (0531-12345678-801).
    let mut local = digits.get(area_len..).unwrap_or("").to_string();
    let mut hyphen_ext = None;
    if ext.is_none() && !international && groups.len() >= 3 && groups[0].len() == area_len {
        let last = groups[groups.len() - 1];
        let before: usize = groups[..groups.len() - 1].iter().map(|g| g.len()).sum();
        if before > area_len && (7..=8).contains(&(before - area_len)) {
            local = digits[area_len..before].to_string();
            hyphen_ext = Some(last);
        }
    }
    if let Some(e) = hyphen_ext
        && e.len() > 6
    {
        return Err("分机号应为 1 至 6 位数字".into());
    }
    if !(7..=8).contains(&local.len()) {
        return Err(format!("区号后的电话号码应为 7 或 8 位（现有 {} 位）；{}", local.len(), general()));
    }
    if local.starts_with('0') {
        return Err(general());
    }
    Ok(())
}

/// A plain shape check; whether the mailbox exists only the mail shows.
fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.contains(' ')
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn person() -> RequestInput {
        RequestInput {
            applicant_type: "person".into(),
            name: "张三".into(),
            id_type: "citizen_id".into(),
            id_number: "11010519491231002x".into(),
            phone: "0531-12345678".into(),
            description: "2024年历下区老旧小区改造项目的立项批复文件".into(),
            provision_form: "electronic".into(),
            delivery: "online".into(),
            ..Default::default()
        }
    }

    fn valid_credit_code() -> String {
        let first17 = "91370102MA3C5K7X2";
        format!("{first17}{}", crate::codes::credit_code_check_char(first17).unwrap())
    }

    fn organisation() -> RequestInput {
        RequestInput {
            applicant_type: "organisation.business".into(),
            name: "济南某某科技有限公司".into(),
            credit_code: valid_credit_code(),
            legal_representative: "李四".into(),
            contact_person: "王五".into(),
            phone: "13905310000".into(),
            description: "本公司所在园区2023年度的土地出让合同".into(),
            provision_form: "paper".into(),
            delivery: "post".into(),
            address: "济南市历下区经十路1号".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_person_and_an_organisation() {
        let p = RequestFields::parse(&person()).unwrap();
        assert_eq!(p.id_number, "11010519491231002X", "the check character is upper-cased");
        assert_eq!(p.id_type, Some(IdType::CitizenId));
        let o = RequestFields::parse(&organisation()).unwrap();
        assert_eq!((o.applicant_type, o.credit_code), (ApplicantType::Business, valid_credit_code()));
        assert_eq!((o.id_type, o.id_number.as_str()), (None, ""), "an organisation gives no ID document");
        let lower = RequestInput { credit_code: valid_credit_code().to_lowercase(), ..organisation() };
        assert_eq!(RequestFields::parse(&lower).unwrap().credit_code, valid_credit_code());
    }

    #[test]
    fn bad_fields_are_named() {
        let cases: Vec<(RequestInput, &str, &str)> = vec![
            (RequestInput { applicant_type: "".into(), ..person() }, "applicant_type", "请选择"),
            (RequestInput { applicant_type: "alien".into(), ..person() }, "applicant_type", "不是可选的值"),
            (RequestInput { name: " ".into(), ..person() }, "name", "不能为空"),
            (
                RequestInput { id_number: "110105194912310021".into(), ..person() },
                "id_number",
                "不是有效的居民身份证号码：校验位不正确",
            ),
            (RequestInput { id_type: "".into(), ..person() }, "id_type", "请选择"),
            (RequestInput { phone: "abc".into(), ..person() }, "phone", "电话号码只能包含数字"),
            (RequestInput { phone: "1381234567".into(), ..person() }, "phone", "手机号码应为 11 位"),
            (RequestInput { delivery: "email".into(), ..person() }, "email", "不能为空"),
            (RequestInput { email: "a@b".into(), ..person() }, "email", "格式不正确"),
            (RequestInput { delivery: "post".into(), ..person() }, "address", "不能为空"),
            (RequestInput { postcode: "2500".into(), ..person() }, "postcode", "应为 6 位数字"),
            (RequestInput { description: "文件".into(), ..person() }, "description", "请写明所需政府信息"),
            (RequestInput { description: "".into(), ..person() }, "description", "不能为空"),
            (RequestInput { provision_form: "".into(), ..person() }, "provision_form", "请选择"),
            (RequestInput { credit_code: "".into(), ..organisation() }, "credit_code", "不能为空"),
            (RequestInput { credit_code: "91370102MA3C5K7X".into(), ..organisation() }, "credit_code", "应为 18 位"),
            (
                RequestInput { credit_code: valid_credit_code().replace("MA3", "MA4"), ..organisation() },
                "credit_code",
                "校验位不正确",
            ),
            (RequestInput { legal_representative: "".into(), ..organisation() }, "legal_representative", "不能为空"),
            (RequestInput { contact_person: "".into(), ..organisation() }, "contact_person", "不能为空"),
        ];
        for (input, field, message) in cases {
            let e = RequestFields::parse(&input).unwrap_err();
            let got = e.message_for(field).unwrap_or_else(|| panic!("{field}: {e}"));
            assert!(got.contains(message), "{field}: {got}");
        }
    }

    /// The phone rule, number by number: Chinese mobiles are 11 digits, landlines carry their
    /// area code, a 10-digit string is refused naming the field.
    #[test]
    fn phone_numbers() {
        let good = [
            "13905310000",
            "139 0531 0000",
            "139-0531-0000",
            "+86 139 0531 0000",
            "008613905310000",
            "0531-12345678",
            "053112345678",
            "(0531)12345678",
            "（0531）8123456",
            "0531 8123456",
            "010-61234567",
            "01061234567",
            "021-51234567",
            "0531-12345678转801",
            "0531-12345678 转 801",
            "0531-12345678-801",
            "+86 531 12345678",
            "+86-10-61234567",
            "+1 202 555 0143",
            "+44 20 7946 0958",
        ];
        for phone in good {
            let parsed = RequestFields::parse(&RequestInput { phone: phone.into(), ..person() });
            assert!(parsed.is_ok(), "{phone}: {:?}", parsed.err());
        }
        let bad: &[(&str, &str)] = &[
            ("1381234567", "手机号码应为 11 位（现有 10 位）"),
            ("138123456789", "手机号码应为 11 位（现有 12 位）"),
            ("12012345678", "第二位应为 3 至 9"),
            ("13905310000转1", "手机号码没有分机号"),
            ("+86 138 1234 567", "手机号码应为 11 位（现有 10 位）"),
            ("12345678", "固定电话请加区号"),
            ("8123456", "固定电话请加区号"),
            ("0531-123456", "区号后的电话号码应为 7 或 8 位（现有 6 位）"),
            ("0531123456789", "区号后的电话号码应为 7 或 8 位（现有 9 位）"),
            ("0531-02345678", "带区号的固定电话号码"),
            ("0531-12345678转", "分机号应为 1 至 6 位数字"),
            ("0531-12345678转1234567", "分机号应为 1 至 6 位数字"),
            ("0531-12345678-1234567", "分机号应为 1 至 6 位数字"),
            ("139+05310000", "“+”只能写在国际区号之前"),
            ("+1 202", "国际号码应为"),
            ("abc", "电话号码只能包含数字"),
            ("123", "固定电话请加区号"),
            ("-", "固定电话请加区号"),
        ];
        for (phone, message) in bad {
            let e = RequestFields::parse(&RequestInput { phone: (*phone).into(), ..person() }).unwrap_err();
            let got = e.message_for("phone").unwrap_or_else(|| panic!("{phone}: {e}"));
            assert!(got.starts_with("联系电话："), "{phone}: {got}");
            assert!(got.contains(message), "{phone}: {got}");
        }
    }

    #[test]
    fn a_passport_is_not_checked_as_an_id_card() {
        let p = RequestFields::parse(&RequestInput {
            id_type: "passport".into(),
            id_number: "E12345678".into(),
            ..person()
        });
        assert_eq!(p.unwrap().id_type, Some(IdType::Passport));
    }

    proptest! {
        #[test]
        fn never_panics(name in "\\PC{0,60}", id in "\\PC{0,30}", phone in "\\PC{0,30}", kind in "(person|organisation\\.other|x)") {
            let _ = RequestFields::parse(&RequestInput { applicant_type: kind, name, id_number: id.clone(), credit_code: id, phone, ..person() });
        }
    }
}
