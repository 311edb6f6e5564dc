//! Applications for disclosure (依申请公开) on the web: the public form, the applicant's
//! tracking page, the console's queues and case pages, and the API. The use cases — intake,
//! every handling step, letters — are `gongkai_app::requests`; this module parses, calls them
//! and renders.

pub mod api;
pub mod challenge;
pub mod console;
pub mod portal;
pub mod report;
pub mod reviews;
pub mod staff_api;

pub use gongkai_app::requests::{
    APPLICATION_BODY_LIMIT, Acknowledgement, CODE_GUESSES_PER_ADDRESS, CODE_GUESSES_PER_REQUEST, CaseFile, CasePage,
    Deadline, Intake, PublicCase, Queue, QueueQuery, SUBMISSIONS_PER_ADDRESS, Step, answer_coordination,
    audit_personal_view, case_file, case_page, check_reply_documents, clock, clock_facts, coordinations, correction,
    current_deadline, deadline, letters, may_see_applicant, may_view, public_case, public_file, queue, queue_page,
    register, register_rows, reminders, reply_has_files, staff_file, submit, take_step, track, unit_name, visible,
};
pub use gongkai_app::today;
