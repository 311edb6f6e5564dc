//! The child side: limits itself, reads the file from standard input, answers on standard output.

use crate::{Answer, Kind, Limits};
use std::io::{Read, Write};
use std::process::ExitCode;

/// Sets this process's own limits: address space, CPU time, no core dumps. Called before any
/// byte of the file is read. The hard limits equal the soft ones (one more second of CPU, so
/// the kernel's SIGXCPU at the soft limit ends the process before SIGKILL would).
fn limit_self(limits: &Limits) -> std::io::Result<()> {
    use rlimit::Resource;
    Resource::CORE.set(0, 0)?;
    let bytes = limits.memory_mb.saturating_mul(1 << 20);
    Resource::AS.set(bytes, bytes)?;
    Resource::CPU.set(limits.cpu_secs.max(1), limits.cpu_secs.max(1) + 1)?;
    Ok(())
}

/// The hidden `gongkai extract <kind>` subcommand: limits itself, then answers. Exit code 0
/// with an [`Answer`] on standard output; anything else is a failure the parent reports.
pub fn child_main(kind: &str, limits: &Limits) -> ExitCode {
    let Some(kind) = Kind::parse(kind) else {
        eprintln!("unknown extraction kind {kind:?}");
        return ExitCode::from(2);
    };
    if let Err(e) = limit_self(limits) {
        // Never parse without the limits.
        eprintln!("cannot set resource limits: {e}");
        return ExitCode::from(3);
    }
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().lock().read_to_end(&mut input) {
        eprintln!("cannot read standard input: {e}");
        return ExitCode::from(4);
    }
    let answer = run_child(kind, &input, limits.output_bytes);
    let mut out = serde_json::to_vec(&answer).unwrap_or_default();
    // On a line of its own, the last: see the parent.
    out.insert(0, b'\n');
    out.push(b'\n');
    let mut stdout = std::io::stdout().lock();
    if stdout.write_all(&out).and_then(|_| stdout.flush()).is_err() {
        return ExitCode::from(5);
    }
    ExitCode::SUCCESS
}

/// Attachment text is cut at this many characters (enough for search and the checks).
const MAX_TEXT_CHARS: usize = 2_000_000;

/// Reads `input` as `kind` and answers, keeping the serialized answer within `max_output`
/// bytes: text is cut to fit, too many cells are refused.
pub fn run_child(kind: Kind, input: &[u8], max_output: usize) -> Answer {
    let answer = match kind {
        Kind::Pdf => crate::pdf::text(input).map(Answer::Text).unwrap_or_else(Answer::Failed),
        Kind::Docx => crate::office::docx_text(input, MAX_TEXT_CHARS).map(Answer::Text).unwrap_or_else(Answer::Failed),
        Kind::Xlsx => crate::office::xlsx_text(input, MAX_TEXT_CHARS).map(Answer::Text).unwrap_or_else(Answer::Failed),
        Kind::CatalogueXlsx => crate::sheet::cells(input).map(Answer::Cells).unwrap_or_else(Answer::Refused),
        Kind::Photo => crate::photo::read(input).map(Answer::Photo).unwrap_or_else(Answer::Refused),
    };
    fit(answer, max_output)
}

/// Keeps the answer's JSON within `max` bytes.
fn fit(answer: Answer, max: usize) -> Answer {
    let len = |a: &Answer| serde_json::to_vec(a).map(|v| v.len()).unwrap_or(usize::MAX);
    match answer {
        Answer::Text(text) => {
            // Control characters (other than line breaks and tabs) mean nothing to search and
            // would take six bytes each in JSON.
            let mut text: String =
                text.chars().filter(|c| !c.is_control() || *c == '\n' || *c == '\t').take(MAX_TEXT_CHARS).collect();
            loop {
                let size = len(&Answer::Text(text.clone()));
                if size <= max {
                    return Answer::Text(text);
                }
                // Cut in proportion, a little more, at a character boundary.
                let mut keep = (text.len() as u128 * max as u128 / size as u128) as usize;
                keep = keep.saturating_sub(keep / 20 + 16);
                while keep > 0 && !text.is_char_boundary(keep) {
                    keep -= 1;
                }
                text.truncate(keep);
            }
        }
        Answer::Cells(cells) => {
            let answer = Answer::Cells(cells);
            if len(&answer) <= max {
                answer
            } else {
                Answer::Refused("清单内容过多，无法读取；请拆分后分别导入".into())
            }
        }
        other => {
            if len(&other) <= max {
                other
            } else {
                Answer::Failed("answer too large".into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_fit_the_output_limit() {
        let text = "政务公开\"\\".repeat(10_000);
        let Answer::Text(cut) = fit(Answer::Text(text.clone()), 1000) else { panic!() };
        assert!(!cut.is_empty() && text.starts_with(&cut));
        assert!(serde_json::to_vec(&Answer::Text(cut)).unwrap().len() <= 1000);
        let Answer::Text(clean) = fit(Answer::Text("a\u{0}b\nc".into()), 1000) else { panic!() };
        assert_eq!(clean, "ab\nc");
        let cells: Vec<_> = (0..1000).map(|r| (r, 0, "内容".to_string())).collect();
        assert!(matches!(fit(Answer::Cells(cells), 1000), Answer::Refused(m) if m.contains("过多")));
    }
}
