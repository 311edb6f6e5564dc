//! Telling registrants what changed (a seat after waiting, a choice by staff). Every notice is
//! stored first, in the write that made it, and shown when the registrant looks up the code;
//! delivery by SMS or e-mail is a [`Notifier`] the deployment plugs in
//! (`Context::with_notifier`), whose outcome is noted beside the notice. The default only logs,
//! as the demo does: a government's SMS gateway is its own.

use crate::Context;

/// A notice to deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub notice_id: i64,
    pub registration_id: i64,
    /// Where an SMS goes.
    pub phone: String,
    pub text: String,
}

/// Delivers notices. Called after the write that stored them has committed, so a failed
/// delivery loses nothing (the notice is shown on the lookup page regardless). An
/// implementation that talks to a gateway should hand the message to its own queue and return.
pub trait Notifier: Send + Sync {
    /// Delivers one message; returns what to note beside the notice (a receipt, or why not).
    fn deliver(&self, message: &Message) -> String;
}

/// Writes notices to the log instead of sending them.
pub struct LogNotifier;

impl Notifier for LogNotifier {
    fn deliver(&self, m: &Message) -> String {
        let phone = gongkai_domain::privacy::mask_phone(&m.phone);
        tracing::info!(notice = m.notice_id, registration = m.registration_id, %phone, text = %m.text, "notice (logged, not sent)");
        format!("已记入日志（演示环境不发送短信），{phone}")
    }
}

/// Delivers the messages and notes each outcome; a failure to note is logged, never raised (the
/// change the notice tells of has been made).
pub(crate) async fn send(cx: &Context, messages: Vec<Message>) {
    for m in messages {
        let outcome = cx.notifier.deliver(&m);
        if let Err(e) = cx.store.notice_delivered(m.notice_id, &outcome).await {
            tracing::warn!(notice = m.notice_id, error = %e, "could not note a notice's delivery");
        }
    }
}
