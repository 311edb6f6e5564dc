//! The input of a handling step: one typed body for the console's step forms and the API's
//! `POST /api/v1/staff/requests/{id}/steps/{step}`, read into a checked [`Step`] by
//! [`parse_step`], and taken by [`take_named_step`].

use super::*;
use gongkai_domain::validation::line;
use serde::Deserialize;
use utoipa::ToSchema;

/// 办理步骤的参数。各步骤使用的字段：
/// confirm：on（收到日期，默认今天）；clarification：on、what（需补正的内容）；
/// clarification-received：on、note；consultations：kind（third_party 或 coordination）、
/// target_unit_id（会商协查单位）、third_party（第三方名称）、question、on；
/// opinion：consultation_id、on、answer；extension：days（1–20 个工作日）、reason、approver、on；
/// excessive-period：due_on、reason；fee-notice：basis（per_item 或 per_page）、quantity、
/// earlier_items（本月此前已申请件数）、on；fee-payment：on；reply：outcome、reasons、
/// provided、document_ids、responsible_agency、responsible_contact、replied_on；
/// approve：on（答复日期）；return：note；withdraw：on、note；archive：无；assign：handler_id。
#[derive(Debug, Default, Clone, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct StepBody {
    pub on: String,
    pub what: String,
    pub note: String,
    pub kind: String,
    pub target_unit_id: Option<i64>,
    pub third_party: String,
    pub question: String,
    pub consultation_id: Option<i64>,
    pub answer: String,
    pub days: Option<i64>,
    pub reason: String,
    pub approver: String,
    pub due_on: String,
    pub basis: String,
    pub quantity: Option<i64>,
    pub earlier_items: Option<i64>,
    pub outcome: String,
    pub reasons: String,
    pub provided: String,
    pub document_ids: Vec<i64>,
    pub responsible_agency: String,
    pub responsible_contact: String,
    pub replied_on: String,
    pub handler_id: Option<i64>,
}

/// A number typed into a form that is not one: every step refuses it, naming its field
/// (no id, count or number of days is negative).
const NOT_A_NUMBER: i64 = -1;

impl StepBody {
    /// The body of a console form, whose fields are text: `values` gives every value sent
    /// for a field (several for the document check boxes). A number field left empty is
    /// none; one that is not a number is kept as one the step refuses.
    pub fn from_form(values: &dyn Fn(&str) -> Vec<String>) -> StepBody {
        let text = |k: &str| values(k).join(",");
        let number = |k: &str| match text(k).trim() {
            "" => None,
            t => Some(t.parse::<i64>().unwrap_or(NOT_A_NUMBER)),
        };
        let ids = values("document_ids")
            .iter()
            .flat_map(|v| v.split([',', '，', ' ']).map(str::trim).filter(|t| !t.is_empty()).collect::<Vec<_>>())
            .map(|t| t.parse::<i64>().unwrap_or(NOT_A_NUMBER))
            .collect();
        StepBody {
            on: text("on"),
            what: text("what"),
            note: text("note"),
            kind: text("kind"),
            target_unit_id: number("target_unit_id"),
            third_party: text("third_party"),
            question: text("question"),
            consultation_id: number("consultation_id"),
            answer: text("answer"),
            days: number("days"),
            reason: text("reason"),
            approver: text("approver"),
            due_on: text("due_on"),
            basis: text("basis"),
            quantity: number("quantity"),
            earlier_items: number("earlier_items"),
            outcome: text("outcome"),
            reasons: text("reasons"),
            provided: text("provided"),
            document_ids: ids,
            responsible_agency: text("responsible_agency"),
            responsible_contact: text("responsible_contact"),
            replied_on: text("replied_on"),
            handler_id: number("handler_id"),
        }
    }
}

fn required_text(errors: &mut Invalid, field: &str, label: &str, raw: &str, max: usize) -> String {
    text(errors, field, label, raw, true, max)
}

fn date_or_today(errors: &mut Invalid, field: &str, label: &str, raw: &str) -> NaiveDate {
    past_date(errors, field, label, raw, None)
}

/// A count of 0 to 1,000,000; `None` when not given and not `required`.
fn count(errors: &mut Invalid, field: &str, label: &str, given: Option<i64>, required: bool) -> u64 {
    match given {
        None if !required => 0,
        Some(n) if (0..=1_000_000).contains(&n) => n as u64,
        _ => {
            errors.push(field, label, "应为非负整数");
            0
        }
    }
}

/// Reads the step named `name` (a path segment) from its body; `has_files`: the case has
/// files provided with the reply. Unknown names are `None` (a 404 for the caller).
pub fn parse_step(name: &str, b: &StepBody, has_files: bool) -> Result<Option<Step>, Invalid> {
    let mut e = Invalid::default();
    let step = match name {
        "confirm" => Step::Confirm { on: date_or_today(&mut e, "on", "收到申请日期", &b.on) },
        "clarification" => Step::RequestClarification {
            on: date_or_today(&mut e, "on", "告知补正日期", &b.on),
            what: required_text(&mut e, "what", "需要补正的内容", &b.what, 2000),
        },
        "clarification-received" => Step::ClarificationReceived {
            on: date_or_today(&mut e, "on", "收到补正日期", &b.on),
            note: text(&mut e, "note", "说明", &b.note, false, 2000),
        },
        "consultations" => {
            let kind = match b.kind.trim() {
                "third_party" => Some(ConsultationKind::ThirdParty),
                "coordination" => Some(ConsultationKind::Coordination),
                _ => {
                    e.push("kind", "征求意见类型", "应为 third_party（第三方）或 coordination（会商协查）");
                    None
                }
            };
            let target_unit_id = match (kind, b.target_unit_id) {
                (Some(ConsultationKind::Coordination), None) => {
                    e.push("target_unit_id", "协查单位", "请选择");
                    None
                }
                (Some(ConsultationKind::Coordination), Some(id)) if id > 0 => Some(id),
                (Some(ConsultationKind::Coordination), Some(_)) => {
                    e.push("target_unit_id", "协查单位", "不是可选的单位");
                    None
                }
                _ => None,
            };
            let third_party = line(
                &mut e,
                "third_party",
                "第三方名称",
                &b.third_party,
                kind == Some(ConsultationKind::ThirdParty),
                100,
            );
            let question = required_text(&mut e, "question", "征求意见的事项", &b.question, 2000);
            let on = date_or_today(&mut e, "on", "发出日期", &b.on);
            match kind {
                Some(kind) => Step::Consult { kind, target_unit_id, third_party, question, on },
                None => return Err(e),
            }
        }
        "opinion" => {
            let consultation_id = b.consultation_id.unwrap_or_else(|| {
                e.push("consultation_id", "征求意见", "请选择");
                0
            });
            Step::RecordOpinion {
                consultation_id,
                on: date_or_today(&mut e, "on", "收到意见日期", &b.on),
                answer: required_text(&mut e, "answer", "意见", &b.answer, 5000),
            }
        }
        "extension" => {
            let days = match b.days {
                Some(d) if (1..=i64::from(rules::MAX_EXTENSION_DAYS)).contains(&d) => d as u32,
                _ => {
                    e.push("days", "延长天数", "应为 1 至 20 之间的整数（工作日）");
                    0
                }
            };
            Step::Extend {
                days,
                reason: required_text(&mut e, "reason", "延期理由", &b.reason, 1000),
                approver: line(&mut e, "approver", "批准人", &b.approver, true, 50),
                on: date_or_today(&mut e, "on", "延期日期", &b.on),
            }
        }
        "excessive-period" => {
            let due_on = parse_date(b.due_on.trim()).unwrap_or_else(|| {
                e.push("due_on", "答复期限", "应为 YYYY-MM-DD 格式的有效日期");
                NaiveDate::MIN
            });
            Step::SetExcessivePeriod { due_on, reason: required_text(&mut e, "reason", "理由", &b.reason, 2000) }
        }
        "fee-notice" => {
            let basis = match b.basis.trim() {
                "per_item" => Some(processing_fee::FeeBasis::PerItem),
                "per_page" => Some(processing_fee::FeeBasis::PerPage),
                _ => {
                    e.push("basis", "计费方式", "应为 per_item（按件）或 per_page（按量）");
                    None
                }
            };
            let quantity = count(&mut e, "quantity", "数量", b.quantity, true);
            let earlier_items = count(&mut e, "earlier_items", "本月此前已申请件数", b.earlier_items, false);
            let on = date_or_today(&mut e, "on", "通知日期", &b.on);
            match basis {
                Some(basis) => Step::NoticeFee { basis, quantity, earlier_items, on },
                None => return Err(e),
            }
        }
        "fee-payment" => Step::FeePaid { on: date_or_today(&mut e, "on", "缴费日期", &b.on) },
        "reply" => {
            let input = rules::ReplyInput {
                outcome: b.outcome.clone(),
                reasons: b.reasons.clone(),
                provided: b.provided.clone(),
                document_ids: b.document_ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","),
                responsible_agency: b.responsible_agency.clone(),
                responsible_contact: b.responsible_contact.clone(),
            };
            let replied_on = match b.replied_on.trim() {
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
            on: match b.on.trim() {
                "" => None,
                raw => Some(past_date(&mut e, "on", "答复日期", raw, None)),
            },
        },
        "return" => Step::Return { note: required_text(&mut e, "note", "退回意见", &b.note, 2000) },
        "withdraw" => Step::Withdraw {
            on: date_or_today(&mut e, "on", "撤回日期", &b.on),
            note: text(&mut e, "note", "说明", &b.note, false, 1000),
        },
        "archive" => Step::Archive,
        "assign" => match b.handler_id {
            Some(id) => Step::Assign { handler_id: id },
            None => return Err(Invalid::one("handler_id", "承办人", "请选择")),
        },
        _ => return Ok(None),
    };
    e.into_result(Some(step))
}

/// Takes the step named `name` (as the console's form and the API's path name it) with its
/// body on case `id`: a reply may point only at published documents.
pub async fn take_named_step(cx: &Context, p: &Principal, id: i64, name: &str, b: &StepBody) -> Result<Request, Error> {
    let has_files = name == "reply" && super::reply_has_files(cx, id).await?;
    let mut step = parse_step(name, b, has_files)?.ok_or(Error::NotFound)?;
    if let Step::SubmitReply { reply, .. } = &mut step {
        super::check_reply_documents(cx, &reply.document_ids).await?;
    }
    take_step(cx, p, id, step).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn form(pairs: &[(&str, &str)]) -> StepBody {
        let mut m: HashMap<&str, Vec<String>> = HashMap::new();
        for (k, v) in pairs {
            m.entry(k).or_default().push(v.to_string());
        }
        StepBody::from_form(&|k| m.get(k).cloned().unwrap_or_default())
    }

    fn fields_of(e: Invalid) -> Vec<String> {
        e.0.iter().map(|p| p.field.clone()).collect()
    }

    #[test]
    fn a_form_reads_into_the_same_body_as_json() {
        let b = form(&[
            ("days", "5"),
            ("target_unit_id", ""),
            ("quantity", "abc"),
            ("document_ids", "3"),
            ("document_ids", "4, 5"),
        ]);
        assert_eq!((b.days, b.target_unit_id, b.quantity), (Some(5), None, Some(NOT_A_NUMBER)));
        assert_eq!(b.document_ids, vec![3, 4, 5]);
        let json: StepBody = serde_json::from_str(r#"{"days": 5, "document_ids": [3, 4, 5]}"#).unwrap();
        assert_eq!((json.days, json.document_ids), (b.days, b.document_ids));
    }

    #[test]
    fn each_step_names_the_field_it_refuses() {
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [&'a str]);
        let cases: &[Case] = &[
            ("extension", &[("days", "abc"), ("reason", "r"), ("approver", "a")], &["days"]),
            ("extension", &[("days", "21"), ("reason", "r"), ("approver", "a")], &["days"]),
            ("consultations", &[("kind", "coordination"), ("question", "q")], &["target_unit_id"]),
            (
                "consultations",
                &[("kind", "coordination"), ("target_unit_id", "x"), ("question", "q")],
                &["target_unit_id"],
            ),
            ("consultations", &[("kind", "third_party"), ("question", "q")], &["third_party"]),
            ("consultations", &[("kind", "nobody")], &["kind", "question"]),
            ("opinion", &[("answer", "同意")], &["consultation_id"]),
            ("fee-notice", &[("basis", "per_page"), ("quantity", "-3")], &["quantity"]),
            ("fee-notice", &[("basis", "per_page"), ("quantity", "10"), ("earlier_items", "x")], &["earlier_items"]),
            ("excessive-period", &[("due_on", "明天"), ("reason", "r")], &["due_on"]),
            ("assign", &[], &["handler_id"]),
            ("return", &[], &["note"]),
            ("clarification", &[("on", "2999-01-01")], &["on", "what"]),
        ];
        for (name, pairs, want) in cases {
            let e = parse_step(name, &form(pairs), false).unwrap_err();
            assert_eq!(fields_of(e), want.to_vec(), "{name} {pairs:?}");
        }
    }

    #[test]
    fn good_bodies_make_their_steps() {
        let ok = |name: &str, pairs: &[(&str, &str)]| parse_step(name, &form(pairs), false).unwrap().unwrap();
        assert!(matches!(
            ok("extension", &[("days", "20"), ("reason", "r"), ("approver", "a")]),
            Step::Extend { days: 20, .. }
        ));
        assert!(matches!(ok("assign", &[("handler_id", "7")]), Step::Assign { handler_id: 7 }));
        assert!(matches!(
            ok("consultations", &[("kind", "coordination"), ("target_unit_id", "9"), ("question", "q")]),
            Step::Consult { target_unit_id: Some(9), .. }
        ));
        assert!(matches!(ok("archive", &[]), Step::Archive));
        assert!(parse_step("dance", &StepBody::default(), false).unwrap().is_none());
    }
}
