//! Staff (工作人员): roles, what each role may do and where, and the rules for accounts.

use crate::validation::Invalid;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    SystemAdmin,
    UnitAdmin,
    Editor,
    Reviewer,
    RequestHandler,
    Evaluator,
    /// A partner channel's account (12345, a newspaper, radio and TV): submits the opinions it
    /// collects to consultations through the API under the channel fixed on the account, and
    /// may sign in only to keep its own API tokens.
    Partner,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::SystemAdmin,
        Role::UnitAdmin,
        Role::Editor,
        Role::Reviewer,
        Role::RequestHandler,
        Role::Evaluator,
        Role::Partner,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::SystemAdmin => "system_admin",
            Role::UnitAdmin => "unit_admin",
            Role::Editor => "editor",
            Role::Reviewer => "reviewer",
            Role::RequestHandler => "request_handler",
            Role::Evaluator => "evaluator",
            Role::Partner => "partner",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::SystemAdmin => "系统管理员",
            Role::UnitAdmin => "单位管理员",
            Role::Editor => "信息编辑",
            Role::Reviewer => "信息审核",
            Role::RequestHandler => "依申请公开办理",
            Role::Evaluator => "考核评估",
            Role::Partner => "合作渠道",
        }
    }
}

pub type Roles = BTreeSet<Role>;

/// Where the object of an action lies relative to the acting user's unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The user's own unit or a unit below it.
    Subtree,
    /// Anywhere else in the tree.
    Outside,
    /// The action has no unit (the holiday calendar, the whole audit chain).
    Global,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Open the console and see the dashboard.
    UseConsole,
    /// Create, rename, move and close units.
    ManageUnitStructure,
    /// Correct a unit's contact details and description.
    EditUnitContacts,
    /// Create, edit, disable staff accounts and reset their passwords.
    ManageUsers,
    /// Give or take away the system administrator role.
    GrantSystemAdmin,
    /// See and revoke the API tokens of other users. Nobody creates a token for another: a
    /// token acts as its user.
    ManageTokens,
    ManageCalendar,
    ViewAudit,
    /// Verify the whole hash chain of the audit log.
    VerifyAudit,
    /// Draft documents and submit them for review.
    DraftDocuments,
    /// Review documents at 初审, 复审 and 终审.
    ReviewDocuments,
    /// Withdraw published documents and change their validity.
    WithdrawDocuments,
    /// See a unit's documents in the console (working copies included).
    ViewDocuments,
    /// Maintain the lists of sensitive words and wrong expressions.
    ManageWordLists,
    /// Maintain the standard lists (事项标准清单): the disclosure office's task, for all levels.
    ManageStandards,
    /// Instantiate a unit's catalogue, add its own items, mark items not applicable.
    ManageCatalogue,
    /// Create, rename and remove a unit's columns.
    ManageColumns,
    /// Read the cases of a unit (their content, not the applicant's personal data).
    ViewRequests,
    /// Register, confirm and handle applications, draft replies, answer coordinations.
    HandleRequests,
    /// 审签: approve or return a reply drafted by someone else.
    ApproveReplies,
    /// Export applicants' personal data.
    ExportRequests,
    /// Write a unit's annual report and publish it.
    EditAnnualReport,
    /// Edit the letter templates every unit uses.
    ManageLetterTemplates,
    /// Moderate, group, forward and decide the opinions of a unit's consultations, and answer
    /// the opinions forwarded to the unit; see the contact details given with them.
    HandleOpinions,
}

/// The rule of who may do what where; every console and API route asks it.
pub fn permits(roles: &Roles, action: Action, reach: Reach) -> bool {
    if roles.contains(&Role::SystemAdmin) {
        return true;
    }
    let in_subtree = reach == Reach::Subtree;
    match action {
        Action::UseConsole => !roles.is_empty(),
        Action::ManageUnitStructure
        | Action::GrantSystemAdmin
        | Action::ManageCalendar
        | Action::VerifyAudit
        | Action::ManageWordLists
        | Action::ManageLetterTemplates => false,
        Action::DraftDocuments => in_subtree && roles.contains(&Role::Editor),
        Action::ReviewDocuments => in_subtree && roles.contains(&Role::Reviewer),
        Action::WithdrawDocuments => {
            in_subtree && (roles.contains(&Role::Reviewer) || roles.contains(&Role::UnitAdmin))
        }
        Action::ViewDocuments => {
            in_subtree
                && [Role::Editor, Role::Reviewer, Role::UnitAdmin, Role::Evaluator].iter().any(|r| roles.contains(r))
        }
        Action::EditUnitContacts | Action::ManageUsers | Action::ManageTokens => {
            in_subtree && roles.contains(&Role::UnitAdmin)
        }
        Action::ViewAudit | Action::ManageCatalogue => {
            in_subtree && (roles.contains(&Role::UnitAdmin) || roles.contains(&Role::Evaluator))
        }
        Action::ManageColumns => in_subtree && roles.contains(&Role::UnitAdmin),
        // The lists belong to no unit; evaluators sit in the disclosure offices that keep them.
        Action::ManageStandards => roles.contains(&Role::Evaluator),
        Action::ViewRequests => {
            in_subtree && [Role::RequestHandler, Role::UnitAdmin, Role::Evaluator].iter().any(|r| roles.contains(r))
        }
        Action::HandleRequests => in_subtree && roles.contains(&Role::RequestHandler),
        Action::ApproveReplies | Action::EditAnnualReport => {
            in_subtree && (roles.contains(&Role::RequestHandler) || roles.contains(&Role::UnitAdmin))
        }
        Action::ExportRequests => in_subtree && roles.contains(&Role::UnitAdmin),
        Action::HandleOpinions => in_subtree && (roles.contains(&Role::Editor) || roles.contains(&Role::UnitAdmin)),
    }
}

pub fn parse_roles<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Roles, Invalid> {
    let mut roles = Roles::new();
    for name in names {
        let name = name.trim();
        if name.is_empty() {
            continue;
        }
        match Role::parse(name) {
            Some(r) => {
                roles.insert(r);
            }
            None => return Err(Invalid::one("roles", "角色", format!("“{name}”不是可选的角色"))),
        }
    }
    Ok(roles)
}

/// Login names: ASCII so they can be typed on any keyboard and used on the command line.
pub fn parse_username(input: &str) -> Result<String, Invalid> {
    let name = input.trim().to_ascii_lowercase();
    let len = name.chars().count();
    let problem = if !(2..=32).contains(&len) {
        Some("长度应为 2 到 32 个字符")
    } else if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        Some("应以英文字母开头")
    } else if !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c)) {
        Some("只能包含英文字母、数字和“_”“.”“-”")
    } else {
        None
    };
    match problem {
        Some(p) => Err(Invalid::one("username", "用户名", p)),
        None => Ok(name),
    }
}

/// The password rule of the Multi-Level Protection Scheme (等保 2.0) as commonly applied:
/// at least 10 characters from at least three of four classes.
pub fn check_password(field: &str, password: &str) -> Result<(), Invalid> {
    let len = password.chars().count();
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    let problem = if len < 10 {
        Some("至少 10 个字符")
    } else if len > 128 {
        Some("不能超过 128 个字符")
    } else if classes < 3 {
        Some("应包含大写字母、小写字母、数字、符号中的至少三类")
    } else {
        None
    };
    match problem {
        Some(p) => Err(Invalid::one(field, "密码", p)),
        None => Ok(()),
    }
}

/// Throttling of guessed secrets (passwords, query codes) and of counted actions (online
/// applications): the decisions from the events recorded in the recent window.
///
/// A secret belongs to a subject (an account, an application) and is tried from an address.
/// Failures are counted per (subject, address) pair, per subject and per address:
/// - the pair locks after [`PER_PAIR`] failures for the rest of the window, so one address
///   cannot keep guessing;
/// - the subject's failures from all addresses only slow the next attempt ([`delay`]) and never
///   refuse it, so nobody can lock an account or an application out from somewhere else;
/// - an address locks after a limit of its own (all subjects together), as before.
///
/// The right secret from an address that is not itself locked always gets in.
pub mod throttle {
    use chrono::{DateTime, Duration, Utc};

    pub const WINDOW: Duration = Duration::minutes(15);
    /// Failures per (account, address) before that pair is locked for the rest of the window;
    /// low enough to stop guessing, high enough that a person who mistypes a few times is not
    /// locked out.
    pub const PER_PAIR: usize = 5;
    /// Failures per client address (all accounts): an office behind one NAT address shares it.
    pub const PER_ADDRESS: usize = 30;
    /// Failures of a subject from all addresses that cost no waiting: a person's own typos.
    pub const FREE_FAILURES: usize = 5;
    /// The delay doubles with each failure past the free ones, from this fraction of the cap.
    const DELAY_STEPS: u32 = 4;

    /// `Ok` to go on, or the instant until which attempts are refused. `events` are the
    /// instants of failures (or counted actions) within the window, in any order. Events
    /// after `now` count too: they come from attempts that took the lock before this one after
    /// reading the clock later, or from a node whose clock runs ahead.
    pub fn check(events: &[DateTime<Utc>], limit: usize, now: DateTime<Utc>) -> Result<(), DateTime<Utc>> {
        let mut recent: Vec<_> = events.iter().copied().filter(|t| *t > now - WINDOW).collect();
        if recent.len() < limit {
            return Ok(());
        }
        recent.sort_unstable();
        // Locked until the oldest event that keeps the count at the limit leaves the window.
        let pivot = recent[recent.len() - limit];
        Err(pivot + WINDOW)
    }

    /// How long to wait before checking a secret whose subject failed `failures` times in the
    /// window from all addresses: nothing for the first few, then doubling up to `max`.
    pub fn delay(failures: usize, max: std::time::Duration) -> std::time::Duration {
        if failures < FREE_FAILURES {
            return std::time::Duration::ZERO;
        }
        let doublings = (failures - FREE_FAILURES).min(DELAY_STEPS as usize) as u32;
        (max / 2u32.pow(DELAY_STEPS) * 2u32.pow(doublings)).min(max)
    }

    /// The limits of guessing one kind of secret.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct SecretLimits {
        pub per_pair: usize,
        pub per_address: usize,
        /// The longest wait a subject's failures from all addresses impose.
        pub max_delay: std::time::Duration,
    }

    /// The recent failures an attempt at a secret is judged by.
    #[derive(Debug, Clone, Copy)]
    pub struct Recent<'a> {
        /// Of this subject from this address.
        pub pair: &'a [DateTime<Utc>],
        /// Of this subject from all addresses.
        pub subject: &'a [DateTime<Utc>],
        /// Of this address, all subjects.
        pub address: &'a [DateTime<Utc>],
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Verdict {
        /// Check the secret after waiting this long.
        Proceed { delay: std::time::Duration },
        /// Refused until then without checking the secret.
        Refuse { until: DateTime<Utc> },
    }

    /// Whether an attempt at a secret may be checked, and after how long.
    pub fn secret_attempt(recent: Recent<'_>, limits: &SecretLimits, now: DateTime<Utc>) -> Verdict {
        let locked = [check(recent.pair, limits.per_pair, now), check(recent.address, limits.per_address, now)]
            .into_iter()
            .filter_map(Result::err)
            .max();
        match locked {
            Some(until) => Verdict::Refuse { until },
            None => {
                let failures = recent.subject.iter().filter(|t| **t > now - WINDOW).count();
                Verdict::Proceed { delay: delay(failures, limits.max_delay) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};

    fn roles(list: &[Role]) -> Roles {
        list.iter().copied().collect()
    }

    #[test]
    fn permission_table() {
        use Action::*;
        use Reach::*;
        use Role::*;
        // (role, action, reach, allowed) — every combination is listed below by rule.
        let expectations = |role: Role, action: Action, reach: Reach| -> bool {
            match role {
                SystemAdmin => true,
                UnitAdmin => match action {
                    UseConsole => true,
                    EditUnitContacts | ManageUsers | ManageTokens | ViewAudit | WithdrawDocuments | ViewDocuments
                    | ManageCatalogue | ManageColumns | ViewRequests | ApproveReplies | ExportRequests
                    | EditAnnualReport | HandleOpinions => reach == Subtree,
                    _ => false,
                },
                Evaluator => match action {
                    UseConsole | ManageStandards => true,
                    ViewAudit | ViewDocuments | ManageCatalogue | ViewRequests => reach == Subtree,
                    _ => false,
                },
                Editor => match action {
                    UseConsole => true,
                    DraftDocuments | ViewDocuments | HandleOpinions => reach == Subtree,
                    _ => false,
                },
                Reviewer => match action {
                    UseConsole => true,
                    ReviewDocuments | WithdrawDocuments | ViewDocuments => reach == Subtree,
                    _ => false,
                },
                RequestHandler => match action {
                    UseConsole => true,
                    ViewRequests | HandleRequests | ApproveReplies | EditAnnualReport => reach == Subtree,
                    _ => false,
                },
                Partner => action == UseConsole,
            }
        };
        let actions = [
            UseConsole,
            ManageUnitStructure,
            EditUnitContacts,
            ManageUsers,
            GrantSystemAdmin,
            ManageTokens,
            ManageCalendar,
            ViewAudit,
            VerifyAudit,
            DraftDocuments,
            ReviewDocuments,
            WithdrawDocuments,
            ViewDocuments,
            ManageWordLists,
            ManageStandards,
            ManageCatalogue,
            ManageColumns,
            ViewRequests,
            HandleRequests,
            ApproveReplies,
            ExportRequests,
            EditAnnualReport,
            ManageLetterTemplates,
            HandleOpinions,
        ];
        for role in Role::ALL {
            for action in actions {
                for reach in [Subtree, Outside, Global] {
                    assert_eq!(
                        permits(&roles(&[role]), action, reach),
                        expectations(role, action, reach),
                        "{role:?} {action:?} {reach:?}"
                    );
                }
            }
        }
        for action in actions {
            assert!(!permits(&Roles::new(), action, Subtree), "no roles, {action:?}");
        }
        // Roles add up.
        assert!(permits(&roles(&[Editor, UnitAdmin]), ManageUsers, Subtree));
    }

    #[test]
    fn role_names_round_trip() {
        use Role::*;
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(parse_roles(["editor", " reviewer", ""]).unwrap(), roles(&[Editor, Reviewer]));
        assert_eq!(parse_roles(["root"]).unwrap_err().message_for("roles"), Some("角色：“root”不是可选的角色"));
    }

    #[test]
    fn usernames() {
        for (input, ok) in [
            ("admin", true),
            (" Ybj_Editor ", true),
            ("a", false),
            ("1abc", false),
            ("张三", false),
            ("a b", false),
            ("x'; DROP TABLE users;--", false),
        ] {
            assert_eq!(parse_username(input).is_ok(), ok, "{input}");
        }
        assert_eq!(parse_username(" Ybj_Editor ").unwrap(), "ybj_editor");
    }

    #[test]
    fn passwords() {
        for (input, message) in [
            ("Gongkai-admin-2026", None),
            ("short1A!", Some("密码：至少 10 个字符")),
            ("alllowercaseletters", Some("密码：应包含大写字母、小写字母、数字、符号中的至少三类")),
            ("lowercase123456", Some("密码：应包含大写字母、小写字母、数字、符号中的至少三类")),
            ("lowercase123456!", None),
        ] {
            let got = check_password("password", input).err().map(|e| e.0[0].message.clone());
            assert_eq!(got.as_deref(), message, "{input}");
        }
    }

    #[test]
    fn throttle_rules() {
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let ago = |m: i64| now - Duration::minutes(m);
        assert_eq!(throttle::check(&[], 5, now), Ok(()));
        assert_eq!(throttle::check(&[ago(1), ago(2), ago(3), ago(4)], 5, now), Ok(()));
        // Five within the window: locked until the oldest of them is 15 minutes old.
        assert_eq!(
            throttle::check(&[ago(1), ago(2), ago(3), ago(4), ago(10)], 5, now),
            Err(ago(10) + throttle::WINDOW)
        );
        // Old failures do not count.
        assert_eq!(throttle::check(&[ago(1), ago(2), ago(3), ago(4), ago(16)], 5, now), Ok(()));
        // Those recorded "after now" do (a concurrent attempt that read the clock later, or a
        // node whose clock runs ahead).
        let later = now + Duration::milliseconds(3);
        assert_eq!(throttle::check(&[ago(1), ago(2), ago(3), ago(4), later], 5, now), Err(ago(4) + throttle::WINDOW));
        // With more than the limit, the lock lasts until the count falls below it.
        assert_eq!(
            throttle::check(&[ago(1), ago(2), ago(3), ago(4), ago(5), ago(14)], 5, now),
            Err(ago(5) + throttle::WINDOW)
        );
    }

    #[test]
    fn throttle_delay_grows_and_is_capped() {
        use std::time::Duration as D;
        let max = D::from_millis(1600);
        // (failures of the subject from all addresses, delay)
        let cases = [(0, 0), (4, 0), (5, 100), (6, 200), (7, 400), (8, 800), (9, 1600), (10, 1600), (10_000, 1600)];
        for (failures, ms) in cases {
            assert_eq!(throttle::delay(failures, max), D::from_millis(ms), "{failures} failures");
        }
        assert_eq!(throttle::delay(1_000, D::ZERO), D::ZERO);
    }

    #[test]
    fn throttle_secret_attempts_lock_the_pair_and_the_address_but_only_slow_the_subject() {
        use std::time::Duration as D;
        use throttle::{Recent, SecretLimits, Verdict};
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let times = |n: usize, minutes_ago: i64| vec![now - Duration::minutes(minutes_ago); n];
        let limits = SecretLimits { per_pair: 5, per_address: 30, max_delay: D::from_millis(1600) };
        let proceed = |ms: u64| Verdict::Proceed { delay: D::from_millis(ms) };
        let refuse =
            |minutes_ago: i64| Verdict::Refuse { until: now - Duration::minutes(minutes_ago) + throttle::WINDOW };
        // (pair failures, subject failures, address failures, verdict)
        let cases = [
            // A fresh attempt, and a few typos of one's own.
            (times(0, 1), times(0, 1), times(0, 1), proceed(0)),
            (times(4, 1), times(4, 1), times(4, 1), proceed(0)),
            // Five from this address lock this address out of this account.
            (times(5, 2), times(5, 2), times(5, 2), refuse(2)),
            // Thousands from elsewhere only slow this address, up to the cap: never refused.
            (times(0, 1), times(5, 1), times(0, 1), proceed(100)),
            (times(0, 1), times(2000, 1), times(0, 1), proceed(1600)),
            (times(4, 1), times(2000, 1), times(4, 1), proceed(1600)),
            // Old failures count for nothing.
            (times(5, 16), times(2000, 16), times(29, 16), proceed(0)),
            // The address's own limit over all accounts stays.
            (times(0, 1), times(0, 1), times(30, 3), refuse(3)),
            (times(0, 1), times(0, 1), times(29, 3), proceed(0)),
            // Both locked: refused until the later of the two.
            (times(5, 10), times(5, 10), times(30, 3), refuse(3)),
        ];
        for (i, (pair, subject, address, want)) in cases.iter().enumerate() {
            let recent = Recent { pair, subject, address };
            assert_eq!(throttle::secret_attempt(recent, &limits, now), *want, "case {i}");
        }
    }
}
