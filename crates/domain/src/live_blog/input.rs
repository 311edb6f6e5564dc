//! What staff post ([`PostInput`] into [`PostFields`]) and what a citizen asks
//! ([`QuestionInput`] into [`QuestionFields`]) on a live page.

use super::PostKind;
use crate::privacy;
use crate::validation::{Invalid, line, text};
use serde::{Deserialize, Serialize};

/// The longest post text and question, in characters.
pub const POST_MAX_CHARS: usize = 2000;
pub const QUESTION_MAX_CHARS: usize = 500;

// The doc comments are the OpenAPI schema's descriptions.
/// 直播内容（工作人员发布或修改）
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = LivePostBody)]
#[serde(deny_unknown_fields)]
pub struct PostInput {
    /// text（文字）、photo（图片，须另传图片文件）或 quote（引语）
    #[serde(default)]
    pub kind: String,
    /// 文字内容；图片的说明文字
    #[serde(default)]
    pub text: String,
    /// 图片的替代文字（供读屏软件朗读），图片必填
    #[serde(default)]
    pub alt: String,
    /// 引语的讲话人，如“区长 王某某”
    #[serde(default)]
    pub speaker: String,
}

/// A checked post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostFields {
    pub kind: PostKind,
    pub text: String,
    pub alt: String,
    pub speaker: String,
}

impl PostFields {
    /// Checks a post; `has_photo` says whether an image came with it (a photo needs one, and
    /// its alt text; other kinds take none).
    pub fn parse(input: &PostInput, has_photo: bool) -> Result<PostFields, Invalid> {
        let mut e = Invalid::default();
        let kind = match input.kind.trim() {
            "" => Some(PostKind::Text),
            k => PostKind::parse(k),
        };
        if kind.is_none() {
            e.push("kind", "类型", "应为文字、图片或引语");
        }
        let is = |k| kind == Some(k);
        let text = text(
            &mut e,
            "text",
            if is(PostKind::Photo) { "图片说明" } else { "内容" },
            &input.text,
            !is(PostKind::Photo),
            POST_MAX_CHARS,
        );
        let alt = line(&mut e, "alt", "替代文字", &input.alt, is(PostKind::Photo), 200);
        let speaker = line(&mut e, "speaker", "讲话人", &input.speaker, is(PostKind::Quote), 50);
        if is(PostKind::Photo) && !has_photo {
            e.push("photo", "图片", "请选择要发布的图片");
        }
        if !is(PostKind::Photo) && has_photo {
            e.push("photo", "图片", "只有图片类型的内容可以附图片");
        }
        let Some(kind) = kind else { return Err(e) };
        e.into_result(PostFields { kind, text, alt, speaker })
    }
}

/// 网友提问（无需注册账号）
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = LiveQuestionBody)]
#[serde(deny_unknown_fields)]
pub struct QuestionInput {
    /// 称呼（可不填，显示为“网友”）
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub text: String,
    /// 验证问题编号（网页表单）
    #[serde(default)]
    pub challenge_id: String,
    /// 验证问题的答案
    #[serde(default)]
    pub challenge_answer: String,
}

/// A checked question: personal data masked in what viewers may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionFields {
    pub name: String,
    pub text: String,
    pub public_text: String,
}

impl QuestionFields {
    pub fn parse(input: &QuestionInput) -> Result<QuestionFields, Invalid> {
        let mut e = Invalid::default();
        let name = line(&mut e, "name", "称呼", &input.name, false, 20);
        let text = text(&mut e, "text", "提问内容", &input.text, true, QUESTION_MAX_CHARS);
        let public_text = privacy::mask_all(&text, &privacy::scan(&text));
        e.into_result(QuestionFields { name: if name.is_empty() { "网友".into() } else { name }, text, public_text })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts_of_each_kind() {
        let text =
            PostFields::parse(&PostInput { text: "会议开始。".into(), ..Default::default() }, false).expect("text");
        assert_eq!(text.kind, PostKind::Text);
        let photo = PostInput { kind: "photo".into(), alt: "区长主持会议".into(), ..Default::default() };
        assert!(PostFields::parse(&photo, true).is_ok(), "a photo needs no caption");
        let quote = PostInput {
            kind: "引语".into(),
            text: "要把好事办好。".into(),
            speaker: "区长".into(),
            ..Default::default()
        };
        assert_eq!(PostFields::parse(&quote, false).expect("quote").speaker, "区长");
    }

    #[test]
    fn each_problem_names_its_field() {
        for (input, has_photo, field) in [
            (PostInput { kind: "video".into(), text: "x".into(), ..Default::default() }, false, "kind"),
            (PostInput::default(), false, "text"),
            (PostInput { text: "长".repeat(POST_MAX_CHARS + 1), ..Default::default() }, false, "text"),
            (PostInput { kind: "photo".into(), ..Default::default() }, true, "alt"),
            (PostInput { kind: "photo".into(), alt: "会场".into(), ..Default::default() }, false, "photo"),
            (PostInput { text: "x".into(), ..Default::default() }, true, "photo"),
            (PostInput { kind: "quote".into(), text: "x".into(), ..Default::default() }, false, "speaker"),
        ] {
            let e = PostFields::parse(&input, has_photo).expect_err(field);
            assert!(e.message_for(field).is_some(), "{field}: {e:?}");
        }
    }

    #[test]
    fn questions_mask_personal_data_and_default_the_name() {
        let q = QuestionFields::parse(&QuestionInput {
            text: "我的电话13912345678，老旧小区加装电梯何时开始？".into(),
            ..Default::default()
        })
        .expect("valid");
        assert_eq!(q.name, "网友");
        assert!(!q.public_text.contains("13912345678"), "{}", q.public_text);
        assert!(q.text.contains("13912345678"));
        let e = QuestionFields::parse(&QuestionInput { text: " ".into(), ..Default::default() }).expect_err("empty");
        assert!(e.message_for("text").is_some());
        assert!(
            QuestionFields::parse(&QuestionInput { text: "问".repeat(QUESTION_MAX_CHARS + 1), ..Default::default() })
                .is_err()
        );
    }
}
