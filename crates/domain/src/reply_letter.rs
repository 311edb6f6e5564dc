//! The letters an agency sends about an application for disclosure (告知书): the reply for each
//! outcome (答复告知书) and the procedural notices — clarification (补正, art. 30), extension
//! (延期, art. 33), processing fee (收费, art. 42 and 国办函〔2020〕109号) and the consultation of
//! a third party (征求意见, art. 32). Templates are plain text that staff may edit; this module
//! holds the default wording, checks edited templates and fills them in.
//!
//! Template format:
//! - the first line is the title; blank lines separate paragraphs;
//! - the first paragraph, when it is one line ending in "：", is the salutation;
//! - the last paragraph is the signature: its last line is the date, the lines before it the
//!   signer (机关名称);
//! - `{{名称}}` is replaced by a fact, from the fixed list [`Placeholder`]; a fact that is not
//!   known renders as [`BLANK`] so that the gap shows in the draft under review (审签) instead
//!   of silently leaving a sentence without its object;
//! - `{{#名称}}…{{/名称}}` is kept only when the fact is known and `{{^名称}}…{{/名称}}` only when
//!   it is not, so that one template can cover "where known" wording (art. 36(5)) and the
//!   already-public case of a disclosure (art. 36(1)). A paragraph left empty disappears.

use crate::requests::Outcome;
use crate::validation::Invalid;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

code_list! {
    /// 告知书种类.
    LetterKind {
        Reply = ("reply", "答复告知书"),
        Clarification = ("clarification", "补正告知书"),
        Extension = ("extension", "延期答复告知书"),
        FeeNotice = ("fee_notice", "收费通知书"),
        ThirdPartyConsultation = ("third_party_consultation", "征求第三方意见书"),
    }
}

code_list! {
    /// The facts a template can use: the code is the API name, the label is what a template
    /// writes between `{{` and `}}`.
    Placeholder {
        Applicant = ("applicant", "申请人"),
        RequestNumber = ("request_number", "申请编号"),
        ReceivedOn = ("received_on", "收到日期"),
        Description = ("description", "申请内容"),
        LetterDate = ("letter_date", "答复日期"),
        Agency = ("agency", "机关名称"),
        AgencyContact = ("agency_contact", "联系方式"),
        Reasons = ("reasons", "理由"),
        Provided = ("provided", "提供信息"),
        WhereToObtain = ("where_to_obtain", "获取途径"),
        ResponsibleAgency = ("responsible_agency", "负责机关"),
        ResponsibleAgencyContact = ("responsible_agency_contact", "负责机关联系方式"),
        PreviousReply = ("previous_reply", "前次答复"),
        ClarificationItems = ("clarification_items", "补正内容"),
        ClarificationDue = ("clarification_due", "补正期限"),
        ExtensionDays = ("extension_days", "延长天数"),
        ExtensionReasons = ("extension_reasons", "延期理由"),
        ReplyDue = ("reply_due", "答复期限"),
        FeeAmount = ("fee_amount", "收费金额"),
        FeeStandard = ("fee_standard", "收费标准"),
        PaymentMethod = ("payment_method", "缴费方式"),
        PaymentDue = ("payment_due", "缴费期限"),
        ThirdParty = ("third_party", "第三方"),
        OpinionDue = ("opinion_due", "意见期限"),
        ReviewBody = ("review_body", "复议机关"),
    }
}

impl Placeholder {
    /// The help text shown next to the template editor.
    pub fn description(self) -> &'static str {
        match self {
            Placeholder::Applicant => "申请人姓名或者名称",
            Placeholder::RequestNumber => "申请编号",
            Placeholder::ReceivedOn => "收到申请之日（第三十一条），如“2024年3月1日”",
            Placeholder::Description => "申请公开的政府信息的名称或者描述",
            Placeholder::LetterDate => "落款日期：答复或者告知之日",
            Placeholder::Agency => "本机关名称，用于落款",
            Placeholder::AgencyContact => "本机关联系人及联系电话，不填则不显示",
            Placeholder::Reasons => "不予公开、无法提供或者不予处理的理由（第三十六条第（三）项）",
            Placeholder::Provided => "向申请人提供的政府信息，如附件清单",
            Placeholder::WhereToObtain => "获取信息的方式、途径，如网址、查阅场所或者办理渠道",
            Placeholder::ResponsibleAgency => {
                "负责公开该信息的行政机关（第三十六条第（五）项），不填则按信息不存在答复"
            }
            Placeholder::ResponsibleAgencyContact => "负责机关的联系方式，不填则不显示",
            Placeholder::PreviousReply => "此前就相同申请作出的答复（日期、文号），不填则不显示",
            Placeholder::ClarificationItems => "需要补正的事项（第三十条）",
            Placeholder::ClarificationDue => "补正期限，如“2024年3月15日”",
            Placeholder::ExtensionDays => "延长的工作日数，最长20个工作日（第三十三条）",
            Placeholder::ExtensionReasons => "需要延期的理由",
            Placeholder::ReplyDue => "延期后的答复期限",
            Placeholder::FeeAmount => "信息处理费金额，单位元，只填数字",
            Placeholder::FeeStandard => "计费方式和标准，如“按件计收，本月第11件至第13件，每件100元”",
            Placeholder::PaymentMethod => "缴纳方式，如收款账户或者缴费渠道",
            Placeholder::PaymentDue => "缴费期限（收到通知次日起20个工作日）",
            Placeholder::ThirdParty => "被征求意见的第三方名称",
            Placeholder::OpinionDue => "第三方提出意见的期限（15个工作日），不填则不显示",
            Placeholder::ReviewBody => "受理行政复议的机关",
        }
    }

    /// Finds a placeholder by the name a template writes; the API code is not accepted here
    /// so that templates stay readable to the staff who edit them.
    pub fn from_name(name: &str) -> Option<Placeholder> {
        Placeholder::ALL.iter().copied().find(|p| p.label() == name)
    }
}

/// What an unknown fact renders as: visible on paper, and impossible to mistake for content.
pub const BLANK: &str = "＿＿＿＿";

/// The largest template accepted, in characters.
pub const MAX_TEMPLATE_CHARS: usize = 20_000;

/// The values of the placeholders for one letter. Empty or blank strings count as unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LetterFacts {
    pub applicant: Option<String>,
    pub request_number: Option<String>,
    pub received_on: Option<String>,
    pub description: Option<String>,
    pub letter_date: Option<String>,
    pub agency: Option<String>,
    pub agency_contact: Option<String>,
    pub reasons: Option<String>,
    pub provided: Option<String>,
    pub where_to_obtain: Option<String>,
    pub responsible_agency: Option<String>,
    pub responsible_agency_contact: Option<String>,
    pub previous_reply: Option<String>,
    pub clarification_items: Option<String>,
    pub clarification_due: Option<String>,
    pub extension_days: Option<String>,
    pub extension_reasons: Option<String>,
    pub reply_due: Option<String>,
    pub fee_amount: Option<String>,
    pub fee_standard: Option<String>,
    pub payment_method: Option<String>,
    pub payment_due: Option<String>,
    pub third_party: Option<String>,
    pub opinion_due: Option<String>,
    pub review_body: Option<String>,
}

impl LetterFacts {
    fn slot(&self, p: Placeholder) -> &Option<String> {
        match p {
            Placeholder::Applicant => &self.applicant,
            Placeholder::RequestNumber => &self.request_number,
            Placeholder::ReceivedOn => &self.received_on,
            Placeholder::Description => &self.description,
            Placeholder::LetterDate => &self.letter_date,
            Placeholder::Agency => &self.agency,
            Placeholder::AgencyContact => &self.agency_contact,
            Placeholder::Reasons => &self.reasons,
            Placeholder::Provided => &self.provided,
            Placeholder::WhereToObtain => &self.where_to_obtain,
            Placeholder::ResponsibleAgency => &self.responsible_agency,
            Placeholder::ResponsibleAgencyContact => &self.responsible_agency_contact,
            Placeholder::PreviousReply => &self.previous_reply,
            Placeholder::ClarificationItems => &self.clarification_items,
            Placeholder::ClarificationDue => &self.clarification_due,
            Placeholder::ExtensionDays => &self.extension_days,
            Placeholder::ExtensionReasons => &self.extension_reasons,
            Placeholder::ReplyDue => &self.reply_due,
            Placeholder::FeeAmount => &self.fee_amount,
            Placeholder::FeeStandard => &self.fee_standard,
            Placeholder::PaymentMethod => &self.payment_method,
            Placeholder::PaymentDue => &self.payment_due,
            Placeholder::ThirdParty => &self.third_party,
            Placeholder::OpinionDue => &self.opinion_due,
            Placeholder::ReviewBody => &self.review_body,
        }
    }

    fn slot_mut(&mut self, p: Placeholder) -> &mut Option<String> {
        match p {
            Placeholder::Applicant => &mut self.applicant,
            Placeholder::RequestNumber => &mut self.request_number,
            Placeholder::ReceivedOn => &mut self.received_on,
            Placeholder::Description => &mut self.description,
            Placeholder::LetterDate => &mut self.letter_date,
            Placeholder::Agency => &mut self.agency,
            Placeholder::AgencyContact => &mut self.agency_contact,
            Placeholder::Reasons => &mut self.reasons,
            Placeholder::Provided => &mut self.provided,
            Placeholder::WhereToObtain => &mut self.where_to_obtain,
            Placeholder::ResponsibleAgency => &mut self.responsible_agency,
            Placeholder::ResponsibleAgencyContact => &mut self.responsible_agency_contact,
            Placeholder::PreviousReply => &mut self.previous_reply,
            Placeholder::ClarificationItems => &mut self.clarification_items,
            Placeholder::ClarificationDue => &mut self.clarification_due,
            Placeholder::ExtensionDays => &mut self.extension_days,
            Placeholder::ExtensionReasons => &mut self.extension_reasons,
            Placeholder::ReplyDue => &mut self.reply_due,
            Placeholder::FeeAmount => &mut self.fee_amount,
            Placeholder::FeeStandard => &mut self.fee_standard,
            Placeholder::PaymentMethod => &mut self.payment_method,
            Placeholder::PaymentDue => &mut self.payment_due,
            Placeholder::ThirdParty => &mut self.third_party,
            Placeholder::OpinionDue => &mut self.opinion_due,
            Placeholder::ReviewBody => &mut self.review_body,
        }
    }

    /// The known value, trimmed; `None` when missing or blank.
    pub fn get(&self, p: Placeholder) -> Option<&str> {
        self.slot(p).as_deref().map(str::trim).filter(|v| !v.is_empty())
    }

    pub fn set(&mut self, p: Placeholder, value: impl Into<String>) {
        *self.slot_mut(p) = Some(value.into());
    }

    /// `set` for building facts in one expression.
    pub fn with(mut self, p: Placeholder, value: impl Into<String>) -> Self {
        self.set(p, value);
        self
    }
}

/// A date as letters write it: 2024年3月5日.
pub fn chinese_date(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// Which template a letter uses: a reply names its outcome, a procedural notice does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TemplateKey {
    kind: LetterKind,
    outcome: Option<Outcome>,
}

const NOTICES: [LetterKind; 4] =
    [LetterKind::Clarification, LetterKind::Extension, LetterKind::FeeNotice, LetterKind::ThirdPartyConsultation];

impl TemplateKey {
    /// Every key: the reply for each outcome, in the order of `Outcome::ALL`, then the notices.
    pub const ALL: &'static [TemplateKey] = &{
        let mut keys = [TemplateKey { kind: LetterKind::Clarification, outcome: None }; Outcome::ALL.len() + 4];
        let mut i = 0;
        while i < Outcome::ALL.len() {
            keys[i] = TemplateKey { kind: LetterKind::Reply, outcome: Some(Outcome::ALL[i]) };
            i += 1;
        }
        let mut j = 0;
        while j < NOTICES.len() {
            keys[i + j] = TemplateKey { kind: NOTICES[j], outcome: None };
            j += 1;
        }
        keys
    };

    /// `None` for a reply without an outcome or a notice with one.
    pub fn new(kind: LetterKind, outcome: Option<Outcome>) -> Option<TemplateKey> {
        ((kind == LetterKind::Reply) == outcome.is_some()).then_some(TemplateKey { kind, outcome })
    }

    pub fn reply(outcome: Outcome) -> TemplateKey {
        TemplateKey { kind: LetterKind::Reply, outcome: Some(outcome) }
    }

    pub fn kind(self) -> LetterKind {
        self.kind
    }

    pub fn outcome(self) -> Option<Outcome> {
        self.outcome
    }

    /// The stable stored form: `reply.<outcome code>` or the notice's code.
    pub fn code(self) -> String {
        match self.outcome {
            Some(o) => format!("{}.{}", self.kind.code(), o.code()),
            None => self.kind.code().to_string(),
        }
    }

    /// What staff see: 答复告知书（予以公开）.
    pub fn label(self) -> String {
        match self.outcome {
            Some(o) => format!("{}（{}）", self.kind.label(), o.label()),
            None => self.kind.label().to_string(),
        }
    }

    pub fn parse(s: &str) -> Option<TemplateKey> {
        let s = s.trim();
        TemplateKey::ALL.iter().copied().find(|k| k.code() == s)
    }
}

impl fmt::Display for TemplateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code())
    }
}

impl Serialize for TemplateKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.code())
    }
}

impl<'de> Deserialize<'de> for TemplateKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        TemplateKey::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown letter template {s:?}")))
    }
}

// The wording is kept in macros so that `concat!` can assemble each default template into one
// `&'static str` at compile time.

/// Remedies for outcomes that may go straight to court.
macro_rules! remedy_direct {
    () => {
        "如对本答复不服，可以在收到本告知书之日起60日内向{{复议机关}}申请行政复议，或者在6个月内依法向人民法院提起行政诉讼。"
    };
}

/// Remedies for refusals to disclose: the 2023 Administrative Review Law art. 23(1)(4) makes
/// review a precondition of a lawsuit, and art. 23(2) obliges the agency to say so in the letter.
/// A lawsuit then lies within 15 days of the review decision (Administrative Litigation Law
/// art. 45).
macro_rules! remedy_review_first {
    () => {
        "如对本答复不服，可以在收到本告知书之日起60日内向{{复议机关}}申请行政复议。根据《中华人民共和国行政复议法》第二十三条的规定，申请政府信息公开、行政机关不予公开的，应当先申请行政复议；对行政复议决定不服的，可以自收到行政复议决定书之日起15日内依法向人民法院提起行政诉讼。"
    };
}

macro_rules! regulation {
    () => {
        "《中华人民共和国政府信息公开条例》"
    };
}

/// The parts every letter to the applicant shares around its body.
macro_rules! applicant_letter {
    ($title:literal, $($body:expr),+ $(,)?) => {
        concat!(
            $title, "\n\n",
            "{{申请人}}：\n\n",
            "本机关于{{收到日期}}收到您提出的政府信息公开申请（申请编号：{{申请编号}}），您申请获取“{{申请内容}}”。",
            $($body),+, "\n\n",
            "{{#联系方式}}联系方式：{{联系方式}}\n\n{{/联系方式}}",
            "{{机关名称}}\n{{答复日期}}\n",
        )
    };
}

macro_rules! reply {
    ($remedy:expr, $($body:expr),+ $(,)?) => {
        applicant_letter!("政府信息公开申请答复告知书", "经审查，现答复如下：\n\n", $($body),+, "\n\n", $remedy)
    };
}

/// A refusal under art. 14–16: what the information is, the reasons, and the articles.
macro_rules! withheld {
    ($what:literal, $articles:literal) => {
        reply!(
            remedy_review_first!(),
            $what,
            "理由如下：{{理由}}。\n\n",
            "根据",
            regulation!(),
            $articles,
            "、第三十六条第（三）项的规定，本机关决定不予公开。",
        )
    };
}

const DISCLOSED: &str = reply!(
    remedy_direct!(),
    "{{#获取途径}}您申请获取的政府信息已经主动公开。根据",
    regulation!(),
    "第三十六条第（一）项的规定，您可以通过以下方式、途径获取：{{获取途径}}。{{/获取途径}}",
    "{{^获取途径}}您申请获取的政府信息属于可以公开的政府信息。根据",
    regulation!(),
    "第三十六条第（二）项的规定，现向您提供该政府信息：{{提供信息}}。{{/获取途径}}",
);

const PARTIALLY_DISCLOSED: &str = reply!(
    remedy_review_first!(),
    "您申请获取的政府信息中含有不应当公开的内容，但是能够作区分处理。根据",
    regulation!(),
    "第三十七条、第三十六条第（二）项的规定，现向您提供可以公开的内容：{{提供信息}}。\n\n",
    "对其余内容，根据",
    regulation!(),
    "第三十七条、第三十六条第（三）项的规定，本机关决定不予公开，理由如下：{{理由}}。",
);

const STATE_SECRET: &str = withheld!("您申请获取的政府信息属于依法确定为国家秘密的政府信息，", "第十四条");
const PROHIBITED_BY_LAW: &str = withheld!("您申请获取的政府信息属于法律、行政法规禁止公开的政府信息，", "第十四条");
const THREE_SAFETIES: &str =
    withheld!("您申请获取的政府信息公开后可能危及国家安全、公共安全、经济安全、社会稳定，", "第十四条");
const THIRD_PARTY_RIGHTS: &str =
    withheld!("您申请获取的政府信息涉及商业秘密、个人隐私等，公开会对第三方合法权益造成损害，", "第十五条");
const INTERNAL_AFFAIRS: &str =
    withheld!("您申请获取的政府信息属于行政机关的人事管理、后勤管理、内部工作流程等内部事务信息，", "第十六条第一款");
const PROCESS_INFORMATION: &str = withheld!(
    "您申请获取的政府信息属于行政机关在履行行政管理职能过程中形成的讨论记录、过程稿、磋商信函、请示报告等过程性信息，",
    "第十六条第二款"
);
const ENFORCEMENT_FILE: &str = withheld!("您申请获取的政府信息属于行政执法案卷信息，", "第十六条第二款");

// 行政查询事项 has no article of its own in the 2019 Regulation; it is a refusal "依据本条例的
// 规定" under art. 36(3), pointing the applicant to the query procedure.
const INQUIRY_MATTER: &str = reply!(
    remedy_review_first!(),
    "您申请获取的信息属于行政查询事项，应当通过相应的查询渠道办理，理由如下：{{理由}}。",
    "{{#获取途径}}\n\n您可以通过以下途径办理查询：{{获取途径}}。{{/获取途径}}\n\n",
    "根据",
    regulation!(),
    "第三十六条第（三）项的规定，本机关不作为政府信息公开申请予以提供，决定不予公开。",
);

// One outcome covers both "does not exist" (36(4)) and "not ours" (36(5)): the annual report
// counts both as 本机关不掌握. Naming the responsible agency switches to the 36(5) wording.
const NOT_HELD: &str = reply!(
    remedy_direct!(),
    "{{^负责机关}}经检索，本机关没有制作或者获取您申请公开的政府信息。根据",
    regulation!(),
    "第三十六条第（四）项的规定，告知您该政府信息不存在。{{/负责机关}}",
    "{{#负责机关}}您申请公开的政府信息不属于本机关负责公开，理由如下：{{理由}}。\n\n根据",
    regulation!(),
    "第十条、第三十六条第（五）项的规定，负责公开该政府信息的行政机关为{{负责机关}}",
    "{{#负责机关联系方式}}，联系方式：{{负责机关联系方式}}{{/负责机关联系方式}}。您可以向该机关提出申请。{{/负责机关}}",
);

const NEEDS_CREATION: &str = reply!(
    remedy_direct!(),
    "您申请获取的信息需要本机关对现有政府信息进行加工、分析才能形成，本机关没有可以直接提供的现成政府信息，具体情况如下：{{理由}}。\n\n",
    "根据",
    regulation!(),
    "第三十八条的规定，本机关不予提供。",
);

const STILL_UNCLEAR: &str = reply!(
    remedy_direct!(),
    "本机关已告知您对申请内容作出补正。您补正后的申请仍未写明所需政府信息的名称、文号或者便于本机关查询的其他特征性描述，具体情况如下：{{理由}}。\n\n",
    "根据",
    regulation!(),
    "第二十九条第二款第（二）项、第三十条的规定，本机关无法按照您的申请提供政府信息。您可以在明确所需信息后重新提出申请。",
);

const PETITION: &str = reply!(
    remedy_direct!(),
    "您提出的申请属于以政府信息公开申请的形式进行信访、投诉、举报等活动，具体情况如下：{{理由}}。\n\n",
    "根据",
    regulation!(),
    "第三十九条第一款的规定，本机关不作为政府信息公开申请处理。",
    "{{#获取途径}}您可以通过以下渠道提出：{{获取途径}}。{{/获取途径}}",
);

const REPEATED: &str = reply!(
    remedy_direct!(),
    "本机关已就您提出的相同政府信息公开申请作出答复{{#前次答复}}（{{前次答复}}）{{/前次答复}}，您再次申请公开相同的政府信息。",
    "根据",
    regulation!(),
    "第三十六条第（六）项的规定，本机关不予重复处理。",
);

const PUBLICATION: &str = reply!(
    remedy_direct!(),
    "您申请获取的内容属于政府公报、报刊、书籍等公开出版物。根据",
    regulation!(),
    "第三十九条第二款的规定，告知您获取途径如下：{{获取途径}}。",
);

const EXCESSIVE: &str = reply!(
    remedy_direct!(),
    "您申请公开政府信息的数量、频次明显超过合理范围。本机关已要求您说明理由，经审查认为申请理由不合理，具体情况如下：{{理由}}。\n\n",
    "根据",
    regulation!(),
    "第三十五条的规定，本机关不予处理。",
);

// No article speaks of confirming or re-issuing; art. 38 limits what is provided to
// information already made or obtained, which a certificate or a fresh copy is not.
const RECONFIRMATION: &str = reply!(
    remedy_direct!(),
    "您申请的内容是要求本机关对您已经获取的政府信息予以确认或者重新出具，具体情况如下：{{理由}}。\n\n",
    "根据",
    regulation!(),
    "第三十八条的规定，行政机关依申请提供的是已制作或者获取的政府信息，确认或者重新出具已获取的信息不属于政府信息公开申请的处理范围，本机关不予处理。",
);

const NO_CLARIFICATION: &str = reply!(
    remedy_direct!(),
    "本机关已一次性告知您对申请内容作出补正{{#补正期限}}，补正期限为{{补正期限}}{{/补正期限}}，您无正当理由逾期未补正。",
    "根据",
    regulation!(),
    "第三十条的规定，视为您放弃申请，本机关不再处理该政府信息公开申请。",
);

const FEE_UNPAID: &str = reply!(
    remedy_direct!(),
    "本机关已向您发出收费通知，告知您应缴纳信息处理费{{收费金额}}元{{#缴费期限}}，缴费期限为{{缴费期限}}{{/缴费期限}}，您逾期未缴纳。",
    "根据",
    regulation!(),
    "第四十二条和《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）的规定，视为您放弃申请，本机关不再处理该政府信息公开申请。",
);

const OTHER_OUTCOME: &str =
    reply!(remedy_direct!(), "根据", regulation!(), "的有关规定，现将处理情况告知如下：{{理由}}。",);

// Notices are steps in the procedure, not its outcome; the remedies go on the reply.

const CLARIFICATION: &str = applicant_letter!(
    "政府信息公开申请补正告知书",
    "\n\n经审查，您的申请内容不够明确，本机关无法据此确定您所需的政府信息。根据",
    regulation!(),
    "第二十九条第二款、第三十条的规定，请您对以下事项作出补正：{{补正内容}}。\n\n",
    "请您于{{补正期限}}前提交补正后的申请。答复期限自本机关收到补正的申请之日起计算。您无正当理由逾期不补正的，视为放弃申请，本机关不再处理该政府信息公开申请。",
);

const EXTENSION: &str = applicant_letter!(
    "政府信息公开申请延期答复告知书",
    "\n\n因{{延期理由}}，本机关无法在法定期限内作出答复。根据",
    regulation!(),
    "第三十三条第二款的规定，经本机关政府信息公开工作机构负责人同意，答复期限延长{{延长天数}}个工作日，本机关将于{{答复期限}}前作出答复。",
);

const FEE_NOTICE: &str = applicant_letter!(
    "政府信息公开信息处理费收费通知书",
    "\n\n您申请公开政府信息的数量、频次明显超过合理范围。根据",
    regulation!(),
    "第四十二条和《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）的规定，本机关决定向您收取信息处理费{{收费金额}}元。计费方式和标准：{{收费标准}}。\n\n",
    "请您自收到本通知书次日起20个工作日内（{{缴费期限}}前）缴纳，缴纳方式：{{缴费方式}}。逾期未缴纳的，视为放弃申请，本机关不再处理该政府信息公开申请。",
);

// Addressed to the third party, so it does not name the applicant: the applicant's identity
// is personal information the third party has no need of.
const THIRD_PARTY_CONSULTATION: &str = concat!(
    "政府信息公开征求第三方意见书\n\n",
    "{{第三方}}：\n\n",
    "本机关于{{收到日期}}收到政府信息公开申请（申请编号：{{申请编号}}），申请获取“{{申请内容}}”。经审查，该政府信息涉及贵方的商业秘密、个人隐私等合法权益，公开可能对贵方合法权益造成损害。\n\n",
    "根据",
    regulation!(),
    "第三十二条的规定，现书面征求贵方意见。请贵方自收到本意见书之日起15个工作日内{{#意见期限}}（{{意见期限}}前）{{/意见期限}}提出书面意见；不同意公开的，请说明理由。逾期未提出意见的，由本机关依照",
    regulation!(),
    "的规定决定是否公开。\n\n",
    "贵方不同意公开且有合理理由的，本机关不予公开；本机关认为不公开可能对公共利益造成重大影响的，可以决定予以公开，并将决定公开的政府信息内容和理由书面告知贵方。\n\n",
    "{{#联系方式}}联系方式：{{联系方式}}\n\n{{/联系方式}}",
    "{{机关名称}}\n{{答复日期}}\n",
);

/// The default wording for a template key.
pub fn default_template(key: TemplateKey) -> &'static str {
    let Some(outcome) = key.outcome else {
        return match key.kind {
            LetterKind::Extension => EXTENSION,
            LetterKind::FeeNotice => FEE_NOTICE,
            LetterKind::ThirdPartyConsultation => THIRD_PARTY_CONSULTATION,
            // A key cannot be a reply without an outcome; clarification is the only kind left.
            LetterKind::Clarification | LetterKind::Reply => CLARIFICATION,
        };
    };
    match outcome {
        Outcome::Disclosed => DISCLOSED,
        Outcome::PartiallyDisclosed => PARTIALLY_DISCLOSED,
        Outcome::StateSecret => STATE_SECRET,
        Outcome::ProhibitedByLaw => PROHIBITED_BY_LAW,
        Outcome::ThreeSafeties => THREE_SAFETIES,
        Outcome::ThirdPartyRights => THIRD_PARTY_RIGHTS,
        Outcome::InternalAffairs => INTERNAL_AFFAIRS,
        Outcome::ProcessInformation => PROCESS_INFORMATION,
        Outcome::EnforcementFile => ENFORCEMENT_FILE,
        Outcome::InquiryMatter => INQUIRY_MATTER,
        Outcome::NotHeld => NOT_HELD,
        Outcome::NeedsCreation => NEEDS_CREATION,
        Outcome::StillUnclear => STILL_UNCLEAR,
        Outcome::Petition => PETITION,
        Outcome::Repeated => REPEATED,
        Outcome::Publication => PUBLICATION,
        Outcome::Excessive => EXCESSIVE,
        Outcome::Reconfirmation => RECONFIRMATION,
        Outcome::NoClarification => NO_CLARIFICATION,
        Outcome::FeeUnpaid => FEE_UNPAID,
        Outcome::OtherOutcome => OTHER_OUTCOME,
    }
}

/// The remedies paragraph a reply with this outcome must carry (with `{{复议机关}}` in it).
pub fn remedy_notice(outcome: Outcome) -> &'static str {
    if outcome.review_first() { remedy_review_first!() } else { remedy_direct!() }
}

/// A piece of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    Text(&'a str),
    /// `{{名称}}`
    Value(&'a str),
    /// `{{#名称}}` (shown when known) or `{{^名称}}` (shown when not known).
    Open {
        name: &'a str,
        when_known: bool,
    },
    /// `{{/名称}}`
    Close(&'a str),
    /// `{{` without its `}}`: what follows up to the next `{{` or the end.
    Unclosed(&'a str),
}

fn tokens(text: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        if start > 0 {
            out.push(Token::Text(&rest[..start]));
        }
        let after = &rest[start + 2..];
        let close = after.find("}}");
        let reopen = after.find("{{");
        match close {
            Some(end) if reopen.is_none_or(|r| r > end) => {
                let inner = after[..end].trim();
                out.push(if let Some(name) = inner.strip_prefix('#') {
                    Token::Open { name: name.trim(), when_known: true }
                } else if let Some(name) = inner.strip_prefix('^') {
                    Token::Open { name: name.trim(), when_known: false }
                } else if let Some(name) = inner.strip_prefix('/') {
                    Token::Close(name.trim())
                } else {
                    Token::Value(inner)
                });
                rest = &after[end + 2..];
            }
            _ => {
                let end = reopen.unwrap_or(after.len());
                out.push(Token::Unclosed(&after[..end]));
                rest = &after[end..];
            }
        }
    }
    if !rest.is_empty() {
        out.push(Token::Text(rest));
    }
    out
}

const FIELD: &str = "body";
const LABEL: &str = "模板内容";

/// Checks a template staff wrote: not empty, not too long, every placeholder known and closed,
/// every section closed, and the letter shape (title, body, a two-line signature) present.
/// Every problem is reported, each naming the offending placeholder.
pub fn check_template(text: &str) -> Result<(), Invalid> {
    let mut errors = Invalid::default();
    if text.trim().is_empty() {
        errors.push(FIELD, LABEL, "不能为空");
        return Err(errors);
    }
    let count = text.chars().count();
    if count > MAX_TEMPLATE_CHARS {
        errors.push(FIELD, LABEL, format!("不能超过 {MAX_TEMPLATE_CHARS} 个字（现有 {count} 个）"));
        return Err(errors);
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        errors.push(FIELD, LABEL, "含有不可见的控制字符");
    }
    let known = |name: &str| Placeholder::from_name(name).is_some();
    let unknown = |errors: &mut Invalid, shown: String| {
        errors.push(FIELD, LABEL, format!("未知的占位符“{shown}”，可用的占位符见模板说明"));
    };
    let mut open: Vec<(&str, bool)> = Vec::new();
    for token in tokens(text) {
        match token {
            Token::Text(_) => {}
            Token::Value(name) if known(name) => {}
            Token::Value(name) => unknown(&mut errors, format!("{{{{{name}}}}}")),
            Token::Open { name, when_known } => {
                let sign = if when_known { '#' } else { '^' };
                if !known(name) {
                    unknown(&mut errors, format!("{{{{{sign}{name}}}}}"));
                }
                open.push((name, when_known));
            }
            Token::Close(name) => match open.last() {
                Some((top, _)) if *top == name => {
                    open.pop();
                }
                _ => errors.push(
                    FIELD,
                    LABEL,
                    format!("结束标记“{{{{/{name}}}}}”没有对应的“{{{{#{name}}}}}”或“{{{{^{name}}}}}”"),
                ),
            },
            Token::Unclosed(inner) => {
                errors.push(FIELD, LABEL, format!("占位符“{{{{{}”缺少结尾的“}}}}”", inner.trim_end()))
            }
        }
    }
    for (name, when_known) in open {
        let sign = if when_known { '#' } else { '^' };
        errors.push(FIELD, LABEL, format!("区段“{{{{{sign}{name}}}}}”缺少结束标记“{{{{/{name}}}}}”"));
    }
    let blocks = blocks(text);
    let body_blocks = blocks.first().map_or(0, |title| usize::from(title.len() > 1)) + blocks.len().saturating_sub(1);
    match blocks.last() {
        Some(last) if blocks.len() >= 2 && last.len() == 2 => {
            if body_blocks < 2 {
                errors.push(FIELD, LABEL, "缺少正文：标题与落款之间至少要有一段");
            }
        }
        _ => errors.push(FIELD, LABEL, "最后一段应为落款，共两行：第一行机关名称，第二行日期"),
    }
    errors.into_result(())
}

/// `check_template` plus the rule a reply cannot drop: the remedies it must state. A refusal
/// must tell the applicant that review comes first (Administrative Review Law art. 23(2)) and
/// must not invite a direct lawsuit; any other reply must mention both remedies.
pub fn check_template_for(key: TemplateKey, text: &str) -> Result<(), Invalid> {
    let mut errors = match check_template(text) {
        Ok(()) => Invalid::default(),
        Err(e) => e,
    };
    if let Some(outcome) = key.outcome() {
        if outcome.review_first() {
            if !text.contains("第二十三条") || !text.contains("先申请行政复议") {
                errors.push(
                    FIELD,
                    LABEL,
                    "不予公开类答复须告知申请人应当先申请行政复议（《中华人民共和国行政复议法》第二十三条）",
                );
            }
            if text.contains("6个月") || text.contains("六个月") {
                errors.push(FIELD, LABEL, "不予公开类答复不能告知申请人在6个月内直接提起行政诉讼");
            }
        } else if !text.contains("行政复议") || !text.contains("行政诉讼") {
            errors.push(FIELD, LABEL, "答复须告知申请人申请行政复议和提起行政诉讼的权利");
        }
    }
    errors.into_result(())
}

/// A filled-in letter, ready for the DOCX and PDF writers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Letter {
    pub title: String,
    /// "张三：", or empty when the template has none.
    pub salutation: String,
    /// Body paragraphs; a line break inside one is kept as `\n`.
    pub paragraphs: Vec<String>,
    /// The signer, usually the agency name (more lines joined with `\n`).
    pub signature: String,
    pub date: String,
}

impl Letter {
    /// The letter as plain text, in the template's own layout.
    pub fn plain_text(&self) -> String {
        let mut parts = vec![self.title.clone()];
        if !self.salutation.is_empty() {
            parts.push(self.salutation.clone());
        }
        parts.extend(self.paragraphs.iter().cloned());
        let closing: Vec<&str> =
            [self.signature.as_str(), self.date.as_str()].into_iter().filter(|s| !s.is_empty()).collect();
        if !closing.is_empty() {
            parts.push(closing.join("\n"));
        }
        parts.join("\n\n") + "\n"
    }
}

/// Lines grouped into paragraphs at blank lines, each line trimmed (so that the ideographic
/// spaces some writers indent with do not end up doubled by the writers' own indent).
fn blocks(text: &str) -> Vec<Vec<&str>> {
    let mut out: Vec<Vec<&str>> = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Punctuation that closes a clause or a sentence.
const CLAUSE_MARKS: &str = "。，；：！？.,;:!?";

/// Fills a template in. Never fails: an unknown fact renders as [`BLANK`], and the leftovers
/// of an invalid template (an unknown or unclosed placeholder) stay as written, so that a
/// reviewer sees them.
pub fn render(template: &str, facts: &LetterFacts) -> Letter {
    let mut text = String::with_capacity(template.len() + 256);
    // One entry per open section: its name and whether its content is shown.
    let mut sections: Vec<(&str, bool)> = Vec::new();
    let tokens = tokens(template);
    for (i, token) in tokens.iter().copied().enumerate() {
        let shown = sections.iter().all(|(_, on)| *on);
        match token {
            Token::Text(t) if shown => text.push_str(t),
            Token::Value(name) if shown => match Placeholder::from_name(name) {
                Some(p) => {
                    let mut value = facts.get(p).unwrap_or(BLANK);
                    // Staff write facts as they would a sentence, often with its full stop;
                    // where the template goes on with punctuation of its own, theirs would
                    // double it ("见附件。。").
                    if let Some(Token::Text(next)) = tokens.get(i + 1)
                        && next.starts_with(|c| CLAUSE_MARKS.contains(c))
                    {
                        value = value.trim_end_matches(|c| CLAUSE_MARKS.contains(c) || c == '、');
                    }
                    text.push_str(value);
                }
                None => {
                    text.push_str("{{");
                    text.push_str(name);
                    text.push_str("}}");
                }
            },
            Token::Unclosed(inner) if shown => {
                text.push_str("{{");
                text.push_str(inner);
            }
            Token::Open { name, when_known } => {
                let known = Placeholder::from_name(name).and_then(|p| facts.get(p)).is_some();
                sections.push((name, known == when_known));
            }
            Token::Close(name) => {
                if let Some(at) = sections.iter().rposition(|(n, _)| *n == name) {
                    sections.truncate(at);
                }
            }
            _ => {}
        }
    }
    letter_from_text(&text)
}

fn letter_from_text(text: &str) -> Letter {
    let mut blocks = blocks(text);
    let mut letter = Letter::default();
    if blocks.is_empty() {
        return letter;
    }
    let first = blocks.remove(0);
    letter.title = first[0].to_string();
    if first.len() > 1 {
        blocks.insert(0, first[1..].to_vec());
    }
    if let Some(b) = blocks.first()
        && b.len() == 1
        && (b[0].ends_with('：') || b[0].ends_with(':'))
    {
        letter.salutation = b[0].to_string();
        blocks.remove(0);
    }
    if blocks.len() >= 2
        && let Some(last) = blocks.last()
        && last.len() >= 2
    {
        let last = blocks.pop().unwrap_or_default();
        letter.date = last[last.len() - 1].to_string();
        letter.signature = last[..last.len() - 1].join("\n");
    }
    letter.paragraphs = blocks.into_iter().map(|b| b.join("\n")).collect();
    letter
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full_facts() -> LetterFacts {
        let mut facts = LetterFacts::default();
        for p in Placeholder::ALL {
            facts.set(*p, format!("〔{}〕", p.label()));
        }
        facts
    }

    #[test]
    fn every_key_has_a_valid_default_that_renders_completely() {
        assert_eq!(TemplateKey::ALL.len(), Outcome::ALL.len() + 4);
        for key in TemplateKey::ALL {
            let text = default_template(*key);
            assert_eq!(check_template(text), Ok(()), "{key}");
            assert_eq!(check_template_for(*key, text), Ok(()), "{key}");
            for facts in [LetterFacts::default(), full_facts()] {
                let letter = render(text, &facts);
                let all = letter.plain_text();
                assert!(!all.contains("{{") && !all.contains("}}"), "{key}: {all}");
                assert!(!letter.title.is_empty() && !letter.paragraphs.is_empty(), "{key}");
                assert!(letter.salutation.ends_with('：'), "{key}: {:?}", letter.salutation);
                assert!(!letter.signature.is_empty() && !letter.date.is_empty(), "{key}");
            }
            let filled = render(text, &full_facts());
            assert_eq!(filled.signature, "〔机关名称〕", "{key}");
            assert_eq!(filled.date, "〔答复日期〕", "{key}");
            assert!(!filled.plain_text().contains(BLANK), "{key}: every placeholder given, none blank");
        }
    }

    #[test]
    fn keys_have_stable_codes() {
        for key in TemplateKey::ALL {
            assert_eq!(TemplateKey::parse(&key.code()), Some(*key));
            let json = serde_json::to_string(key).unwrap();
            assert_eq!(serde_json::from_str::<TemplateKey>(&json).unwrap(), *key);
        }
        for (code, kind, outcome) in [
            ("reply.disclosed", LetterKind::Reply, Some(Outcome::Disclosed)),
            ("reply.withheld.state_secret", LetterKind::Reply, Some(Outcome::StateSecret)),
            ("clarification", LetterKind::Clarification, None),
            ("extension", LetterKind::Extension, None),
            ("fee_notice", LetterKind::FeeNotice, None),
            ("third_party_consultation", LetterKind::ThirdPartyConsultation, None),
        ] {
            let key = TemplateKey::new(kind, outcome).unwrap();
            assert_eq!(key.code(), code);
            assert_eq!(TemplateKey::parse(code), Some(key));
        }
        assert_eq!(TemplateKey::new(LetterKind::Reply, None), None);
        assert_eq!(TemplateKey::new(LetterKind::Extension, Some(Outcome::Disclosed)), None);
        assert_eq!(TemplateKey::parse("reply"), None);
        assert_eq!(TemplateKey::reply(Outcome::Repeated).label(), "答复告知书（不予处理：重复申请）");
    }

    #[test]
    fn remedies_follow_the_review_first_rule() {
        for outcome in Outcome::ALL {
            let text = default_template(TemplateKey::reply(*outcome));
            assert!(text.contains(remedy_notice(*outcome)), "{outcome:?}");
            assert!(text.contains("60日内向{{复议机关}}申请行政复议"), "{outcome:?}");
            if outcome.review_first() {
                assert!(text.contains("《中华人民共和国行政复议法》第二十三条"), "{outcome:?}");
                assert!(text.contains("应当先申请行政复议"), "{outcome:?}");
                assert!(text.contains("自收到行政复议决定书之日起15日内"), "{outcome:?}");
                assert!(!text.contains("6个月"), "{outcome:?}");
            } else {
                assert!(text.contains("或者在6个月内依法向人民法院提起行政诉讼"), "{outcome:?}");
                assert!(!text.contains("先申请行政复议"), "{outcome:?}");
            }
        }
        for kind in NOTICES {
            let text = default_template(TemplateKey::new(kind, None).unwrap());
            assert!(!text.contains("行政复议"), "{kind:?}: remedies belong on the reply");
        }
    }

    #[test]
    fn each_template_cites_its_articles() {
        let reply = |o| default_template(TemplateKey::reply(o));
        let notice = |k| default_template(TemplateKey::new(k, None).unwrap());
        let cases: &[(&str, &[&str])] = &[
            (reply(Outcome::Disclosed), &["第三十六条第（一）项", "第三十六条第（二）项"]),
            (reply(Outcome::PartiallyDisclosed), &["第三十七条", "第三十六条第（二）项", "第三十六条第（三）项"]),
            (reply(Outcome::StateSecret), &["第十四条、第三十六条第（三）项", "国家秘密"]),
            (reply(Outcome::ProhibitedByLaw), &["第十四条、第三十六条第（三）项", "法律、行政法规禁止公开"]),
            (reply(Outcome::ThreeSafeties), &["第十四条、第三十六条第（三）项", "社会稳定"]),
            (reply(Outcome::ThirdPartyRights), &["第十五条、第三十六条第（三）项", "第三方合法权益"]),
            (reply(Outcome::InternalAffairs), &["第十六条第一款、第三十六条第（三）项"]),
            (reply(Outcome::ProcessInformation), &["第十六条第二款、第三十六条第（三）项", "过程性信息"]),
            (reply(Outcome::EnforcementFile), &["第十六条第二款、第三十六条第（三）项", "行政执法案卷"]),
            (reply(Outcome::InquiryMatter), &["第三十六条第（三）项", "行政查询事项"]),
            (reply(Outcome::NotHeld), &["第三十六条第（四）项", "第三十六条第（五）项", "{{负责机关联系方式}}"]),
            (reply(Outcome::NeedsCreation), &["第三十八条", "加工、分析"]),
            (reply(Outcome::StillUnclear), &["第三十条"]),
            (reply(Outcome::Petition), &["第三十九条第一款"]),
            (reply(Outcome::Repeated), &["第三十六条第（六）项"]),
            (reply(Outcome::Publication), &["第三十九条第二款"]),
            (reply(Outcome::Excessive), &["第三十五条"]),
            (reply(Outcome::Reconfirmation), &["第三十八条"]),
            (reply(Outcome::NoClarification), &["第三十条", "视为您放弃申请"]),
            (reply(Outcome::FeeUnpaid), &["第四十二条", "国办函〔2020〕109号"]),
            (reply(Outcome::OtherOutcome), &["《中华人民共和国政府信息公开条例》"]),
            (notice(LetterKind::Clarification), &["第三十条", "{{补正内容}}", "{{补正期限}}", "视为放弃申请"]),
            (notice(LetterKind::Extension), &["第三十三条第二款", "{{延长天数}}", "{{答复期限}}"]),
            (notice(LetterKind::FeeNotice), &["第四十二条", "国办函〔2020〕109号", "20个工作日", "{{收费金额}}"]),
            (notice(LetterKind::ThirdPartyConsultation), &["第三十二条", "15个工作日", "{{第三方}}："]),
        ];
        assert_eq!(cases.len(), TemplateKey::ALL.len());
        for (text, wanted) in cases {
            for w in *wanted {
                assert!(text.contains(w), "{w} missing from:\n{text}");
            }
        }
        for outcome in Outcome::ALL.iter().filter(|o| o.code().starts_with("withheld.")) {
            assert!(reply(*outcome).contains("{{理由}}"), "{outcome:?}: art. 36(3) requires reasons");
        }
        assert!(!notice(LetterKind::ThirdPartyConsultation).contains("{{申请人}}"), "the applicant stays unnamed");
    }

    #[test]
    fn sections_choose_the_wording() {
        let disclosed = default_template(TemplateKey::reply(Outcome::Disclosed));
        let provided = render(disclosed, &LetterFacts::default().with(Placeholder::Provided, "附件1"));
        let body = provided.paragraphs.join("");
        assert!(body.contains("第三十六条第（二）项") && body.contains("附件1") && !body.contains("第（一）项"));
        let public = render(disclosed, &LetterFacts::default().with(Placeholder::WhereToObtain, "本机关门户网站"));
        let body = public.paragraphs.join("");
        assert!(
            body.contains("第三十六条第（一）项") && body.contains("本机关门户网站") && !body.contains("第（二）项")
        );

        let not_held = default_template(TemplateKey::reply(Outcome::NotHeld));
        let absent = render(not_held, &LetterFacts::default()).paragraphs.join("");
        assert!(absent.contains("该政府信息不存在") && !absent.contains("第（五）项"));
        let elsewhere = LetterFacts::default().with(Placeholder::ResponsibleAgency, "济南市自然资源和规划局");
        let text = render(not_held, &elsewhere).paragraphs.join("");
        assert!(text.contains("为济南市自然资源和规划局。") && text.contains("第三十六条第（五）项"), "{text}");
        assert!(!text.contains("联系方式") && !text.contains("不存在"), "no contact known, none shown: {text}");
        let with_contact = elsewhere.with(Placeholder::ResponsibleAgencyContact, "0531-12345678");
        let text = render(not_held, &with_contact).paragraphs.join("");
        assert!(text.contains("济南市自然资源和规划局，联系方式：0531-12345678。"), "{text}");

        let letter = render(disclosed, &LetterFacts::default().with(Placeholder::AgencyContact, "李四 0531-1"));
        assert!(letter.paragraphs.iter().any(|p| p == "联系方式：李四 0531-1"));
        let letter = render(disclosed, &LetterFacts::default());
        assert!(!letter.paragraphs.iter().any(|p| p.contains("联系方式")), "an empty section leaves no paragraph");
    }

    #[test]
    fn rendering_a_reply() {
        let facts = LetterFacts::default()
            .with(Placeholder::Applicant, "张三")
            .with(Placeholder::RequestNumber, "2024-0001")
            .with(Placeholder::ReceivedOn, chinese_date(NaiveDate::from_ymd_opt(2024, 3, 1).unwrap()))
            .with(Placeholder::Description, "2023年某路段改造工程的批复文件")
            .with(Placeholder::Reasons, "该信息已依法确定为秘密级国家秘密。")
            .with(Placeholder::Agency, "济南市某某局")
            .with(Placeholder::LetterDate, "2024年3月20日")
            .with(Placeholder::ReviewBody, "济南市人民政府");
        let letter = render(default_template(TemplateKey::reply(Outcome::StateSecret)), &facts);
        assert_eq!(letter.title, "政府信息公开申请答复告知书");
        assert_eq!(letter.salutation, "张三：");
        assert_eq!(
            letter.paragraphs[0],
            "本机关于2024年3月1日收到您提出的政府信息公开申请（申请编号：2024-0001），您申请获取“2023年某路段改造工程的批复文件”。经审查，现答复如下："
        );
        assert!(letter.paragraphs[1].ends_with("理由如下：该信息已依法确定为秘密级国家秘密。"));
        assert!(
            letter
                .paragraphs
                .last()
                .unwrap()
                .starts_with("如对本答复不服，可以在收到本告知书之日起60日内向济南市人民政府申请行政复议。")
        );
        assert_eq!((letter.signature.as_str(), letter.date.as_str()), ("济南市某某局", "2024年3月20日"));

        // Missing facts show as blanks, never as a panic or a silent gap.
        let bare = render(default_template(TemplateKey::reply(Outcome::StateSecret)), &LetterFacts::default());
        assert_eq!(bare.salutation, format!("{BLANK}："));
        assert!(bare.paragraphs.last().unwrap().contains(&format!("向{BLANK}申请行政复议")));
        // Blank values count as missing.
        let blank = LetterFacts::default().with(Placeholder::Applicant, "  ");
        assert_eq!(blank.get(Placeholder::Applicant), None);
    }

    #[test]
    fn a_fact_ending_a_sentence_does_not_double_the_stop() {
        let template = "标题\n\n理由：{{理由}}。因{{延期理由}}，延期。{{申请人}}\n\n机关\n日期";
        for (reasons, delay, want) in [
            ("见附件", "需要征求意见", "理由：见附件。因需要征求意见，延期。＿＿＿＿"),
            ("见附件。", "需要征求意见。", "理由：见附件。因需要征求意见，延期。＿＿＿＿"),
            ("一、二。", "第三方；", "理由：一、二。因第三方，延期。＿＿＿＿"),
        ] {
            let facts =
                LetterFacts::default().with(Placeholder::Reasons, reasons).with(Placeholder::ExtensionReasons, delay);
            assert_eq!(render(template, &facts).paragraphs, vec![want.to_string()], "{reasons:?}");
        }
    }

    #[test]
    fn rendering_is_total_on_odd_templates() {
        let facts = LetterFacts::default().with(Placeholder::Applicant, "张三");
        for (template, title, paragraphs) in [
            ("", "", vec![]),
            ("标题", "标题", vec![]),
            ("标题\n{{申请人}}", "标题", vec!["张三"]),
            ("标题\n\n{{未知}}与{{申请人", "标题", vec!["{{未知}}与{{申请人"]),
            ("标题\n\n{{#申请人}}有{{/申请人}}{{^申请人}}无{{/申请人}}", "标题", vec!["有"]),
            ("标题\n\n{{#理由}}有{{申请人}}", "标题", vec![]),
            ("标题\n\n甲{{/申请人}}乙", "标题", vec!["甲乙"]),
            ("\u{3000}\u{3000}标题\n\n\u{3000}\u{3000}正文\n第二行", "标题", vec!["正文\n第二行"]),
        ] {
            let letter = render(template, &facts);
            assert_eq!(letter.title, title, "{template:?}");
            assert_eq!(letter.paragraphs, paragraphs, "{template:?}");
        }
    }

    #[test]
    fn check_template_errors() {
        let ok = "标题\n\n{{申请人}}：\n\n正文{{理由}}\n\n{{机关名称}}\n{{答复日期}}";
        assert_eq!(check_template(ok), Ok(()));
        let long = format!("标题\n\n{}\n\n机关\n日期", "字".repeat(MAX_TEMPLATE_CHARS));
        let cases: Vec<(String, &str)> = vec![
            ("".into(), "模板内容：不能为空"),
            ("  \n ".into(), "模板内容：不能为空"),
            (long, "模板内容：不能超过 20000 个字（现有 20011 个）"),
            (ok.replace("{{理由}}", "{{原因}}"), "模板内容：未知的占位符“{{原因}}”，可用的占位符见模板说明"),
            (ok.replace("{{理由}}", "{{理由"), "模板内容：占位符“{{理由”缺少结尾的“}}”"),
            (ok.replace("{{理由}}", "{{理由{{申请人}}"), "模板内容：占位符“{{理由”缺少结尾的“}}”"),
            (ok.replace("{{理由}}", "{{#理由}}有"), "模板内容：区段“{{#理由}}”缺少结束标记“{{/理由}}”"),
            (
                ok.replace("{{理由}}", "{{^原因}}无{{/原因}}"),
                "模板内容：未知的占位符“{{^原因}}”，可用的占位符见模板说明",
            ),
            (ok.replace("{{理由}}", "有{{/理由}}"), "模板内容：结束标记“{{/理由}}”没有对应的“{{#理由}}”或“{{^理由}}”"),
            (ok.replace("{{理由}}", "\u{7}"), "模板内容：含有不可见的控制字符"),
            (ok.replace("\n{{答复日期}}", ""), "模板内容：最后一段应为落款，共两行：第一行机关名称，第二行日期"),
            ("标题\n\n{{机关名称}}\n{{答复日期}}".into(), "模板内容：缺少正文：标题与落款之间至少要有一段"),
        ];
        for (text, message) in cases {
            let err = check_template(&text).expect_err(message);
            assert_eq!(err.0[0].field, "body");
            let shown: String = text.chars().take(60).collect();
            assert_eq!(err.message_for("body"), Some(message), "{shown:?}");
        }
        // Every problem is reported, not just the first.
        let err = check_template(&ok.replace("{{理由}}", "{{甲}}{{乙}}")).unwrap_err();
        assert_eq!(err.0.len(), 2);
        assert!(err.to_string().contains("{{甲}}") && err.to_string().contains("{{乙}}"));
    }

    #[test]
    fn a_reply_template_keeps_its_remedies() {
        let secret = TemplateKey::reply(Outcome::StateSecret);
        let direct = default_template(TemplateKey::reply(Outcome::NotHeld));
        let err = check_template_for(secret, direct).unwrap_err();
        assert!(err.to_string().contains("应当先申请行政复议"), "{err}");
        assert!(err.to_string().contains("6个月"), "{err}");
        let no_remedy = "标题\n\n{{申请人}}：\n\n正文\n\n{{机关名称}}\n{{答复日期}}";
        assert!(check_template_for(TemplateKey::reply(Outcome::NotHeld), no_remedy).is_err());
        assert_eq!(check_template_for(TemplateKey::new(LetterKind::Extension, None).unwrap(), no_remedy), Ok(()));
    }

    #[test]
    fn placeholders_are_a_fixed_documented_list() {
        let mut facts = LetterFacts::default();
        for (i, p) in Placeholder::ALL.iter().enumerate() {
            assert_eq!(Placeholder::from_name(p.label()), Some(*p));
            assert!(!p.description().is_empty());
            facts.set(*p, i.to_string());
        }
        for (i, p) in Placeholder::ALL.iter().enumerate() {
            assert_eq!(facts.get(*p), Some(i.to_string().as_str()), "{p:?} has a slot of its own");
        }
        assert_eq!(Placeholder::from_name("applicant"), None, "templates use the Chinese names");
        assert_eq!(chinese_date(NaiveDate::from_ymd_opt(2024, 10, 8).unwrap()), "2024年10月8日");
    }
}
