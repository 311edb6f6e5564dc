//! Parsing a handling step from form fields (the console's forms and the API's JSON share
//! these); the step itself is `gongkai_app::requests::take_step`.

use super::*;
use gongkai_app::requests::Step;
use gongkai_app::requests::past_date;
use gongkai_domain::validation::{line, text};

// ----- parsing steps from form fields (console and API share these) -----

fn required_text(errors: &mut Invalid, field: &str, label: &str, raw: &str, max: usize) -> String {
    text(errors, field, label, raw, true, max)
}

fn date_or_today(errors: &mut Invalid, field: &str, label: &str, raw: &str) -> NaiveDate {
    past_date(errors, field, label, raw, None)
}

/// Parses a step named `name` from text fields (`get` gives a field's value, empty if
/// absent). Unknown names are a 404 for the caller.
pub fn parse_step(name: &str, get: &(dyn Fn(&str) -> String + Sync)) -> Result<Option<Step>, Invalid> {
    let mut e = Invalid::default();
    let step = match name {
        "confirm" => Step::Confirm { on: date_or_today(&mut e, "on", "收到申请日期", &get("on")) },
        "clarification" => Step::RequestClarification {
            on: date_or_today(&mut e, "on", "告知补正日期", &get("on")),
            what: required_text(&mut e, "what", "需要补正的内容", &get("what"), 2000),
        },
        "clarification-received" => Step::ClarificationReceived {
            on: date_or_today(&mut e, "on", "收到补正日期", &get("on")),
            note: text(&mut e, "note", "说明", &get("note"), false, 2000),
        },
        "consultations" => {
            let kind = match get("kind").trim() {
                "third_party" => Some(ConsultationKind::ThirdParty),
                "coordination" => Some(ConsultationKind::Coordination),
                _ => {
                    e.push("kind", "征求意见类型", "应为 third_party（第三方）或 coordination（会商协查）");
                    None
                }
            };
            let target = get("target_unit_id");
            let target_unit_id = match (kind, target.trim()) {
                (Some(ConsultationKind::Coordination), "") => {
                    e.push("target_unit_id", "协查单位", "请选择");
                    None
                }
                (Some(ConsultationKind::Coordination), t) => match t.parse::<i64>() {
                    Ok(id) if id > 0 => Some(id),
                    _ => {
                        e.push("target_unit_id", "协查单位", "不是可选的单位");
                        None
                    }
                },
                _ => None,
            };
            let third_party = line(
                &mut e,
                "third_party",
                "第三方名称",
                &get("third_party"),
                kind == Some(ConsultationKind::ThirdParty),
                100,
            );
            let question = required_text(&mut e, "question", "征求意见的事项", &get("question"), 2000);
            let on = date_or_today(&mut e, "on", "发出日期", &get("on"));
            match kind {
                Some(kind) => Step::Consult { kind, target_unit_id, third_party, question, on },
                None => return Err(e),
            }
        }
        "opinion" => {
            let consultation_id = match get("consultation_id").trim().parse::<i64>() {
                Ok(id) => id,
                Err(_) => {
                    e.push("consultation_id", "征求意见", "请选择");
                    0
                }
            };
            Step::RecordOpinion {
                consultation_id,
                on: date_or_today(&mut e, "on", "收到意见日期", &get("on")),
                answer: required_text(&mut e, "answer", "意见", &get("answer"), 5000),
            }
        }
        "extension" => {
            let days = match get("days").trim().parse::<u32>() {
                Ok(d) if (1..=rules::MAX_EXTENSION_DAYS).contains(&d) => d,
                _ => {
                    e.push("days", "延长天数", "应为 1 至 20 之间的整数（工作日）");
                    0
                }
            };
            Step::Extend {
                days,
                reason: required_text(&mut e, "reason", "延期理由", &get("reason"), 1000),
                approver: line(&mut e, "approver", "批准人", &get("approver"), true, 50),
                on: date_or_today(&mut e, "on", "延期日期", &get("on")),
            }
        }
        "excessive-period" => {
            let due_on = match parse_date(get("due_on").trim()) {
                Some(d) => d,
                None => {
                    e.push("due_on", "答复期限", "应为 YYYY-MM-DD 格式的有效日期");
                    today()
                }
            };
            Step::SetExcessivePeriod { due_on, reason: required_text(&mut e, "reason", "理由", &get("reason"), 2000) }
        }
        "fee-notice" => {
            let basis = match get("basis").trim() {
                "per_item" => Some(processing_fee::FeeBasis::PerItem),
                "per_page" => Some(processing_fee::FeeBasis::PerPage),
                _ => {
                    e.push("basis", "计费方式", "应为 per_item（按件）或 per_page（按量）");
                    None
                }
            };
            let mut count = |field: &str, label: &str, required: bool| -> u64 {
                let raw = get(field);
                if raw.trim().is_empty() && !required {
                    return 0;
                }
                match raw.trim().parse::<u64>() {
                    Ok(n) if n <= 1_000_000 => n,
                    _ => {
                        e.push(field, label, "应为非负整数");
                        0
                    }
                }
            };
            let quantity = count("quantity", "数量", true);
            let earlier_items = count("earlier_items", "本月此前已申请件数", false);
            let on = date_or_today(&mut e, "on", "通知日期", &get("on"));
            match basis {
                Some(basis) => Step::NoticeFee { basis, quantity, earlier_items, on },
                None => return Err(e),
            }
        }
        "fee-payment" => Step::FeePaid { on: date_or_today(&mut e, "on", "缴费日期", &get("on")) },
        "reply" => {
            let input = rules::ReplyInput {
                outcome: get("outcome"),
                reasons: get("reasons"),
                provided: get("provided"),
                document_ids: get("document_ids"),
                responsible_agency: get("responsible_agency"),
                responsible_contact: get("responsible_contact"),
            };
            let has_files = get("has_files") == "1";
            let replied_on = match get("replied_on").trim() {
                "" => None,
                raw => Some(past_date(&mut e, "replied_on", "答复日期", raw, None)),
            };
            match Reply::parse(&input, has_files) {
                Ok((outcome, reply)) => Step::SubmitReply { outcome, reply, replied_on },
                Err(more) => {
                    e.0.extend(more.0);
                    return Err(e);
                }
            }
        }
        "approve" => Step::Approve {
            on: match get("on").trim() {
                "" => None,
                raw => Some(past_date(&mut e, "on", "答复日期", raw, None)),
            },
        },
        "return" => Step::Return { note: required_text(&mut e, "note", "退回意见", &get("note"), 2000) },
        "withdraw" => Step::Withdraw {
            on: date_or_today(&mut e, "on", "撤回日期", &get("on")),
            note: text(&mut e, "note", "说明", &get("note"), false, 1000),
        },
        "archive" => Step::Archive,
        "assign" => match get("handler_id").trim().parse::<i64>() {
            Ok(id) => Step::Assign { handler_id: id },
            Err(_) => return Err(Invalid::one("handler_id", "承办人", "请选择")),
        },
        _ => return Ok(None),
    };
    e.into_result(Some(step))
}
