//! The parent side: runs the child under a wall-clock limit, reads a bounded answer.

use crate::{Answer, Kind, Limits, SheetCell};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

/// Why an extraction gave no answer. Messages are for the log: they never hold file contents.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("no extractor program is configured")]
    NotConfigured,
    #[error("cannot run the extractor: {0}")]
    Io(#[from] std::io::Error),
    #[error("the extractor ended with {status}: {stderr}")]
    Crashed { status: String, stderr: String },
    #[error("the extractor ran longer than {0} s and was killed")]
    TimedOut(u64),
    #[error("the extractor's answer exceeded {0} bytes")]
    OutputTooLarge(usize),
    #[error("the extractor's answer was not understood: {0}")]
    BadOutput(String),
    #[error("the file could not be read: {0}")]
    Unreadable(String),
}

/// Runs extractions in child processes: `<program> extract <kind> --memory-mb … --cpu-secs …
/// --output-bytes …`, the file on standard input. Cheap to clone.
#[derive(Clone)]
pub struct Extractor(Arc<Inner>);

/// A photo as kept: JPEG bytes and their size in pixels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoBytes {
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
}

struct Inner {
    program: Option<PathBuf>,
    limits: Limits,
    jobs: tokio::sync::Semaphore,
}

/// How much of the child's standard error is kept for the log (its first line).
const STDERR_KEPT: usize = 200;

impl Extractor {
    /// `program` is the gongkai binary (or any program speaking the protocol); without one,
    /// every extraction fails with [`ExtractError::NotConfigured`].
    pub fn new(program: Option<PathBuf>, limits: Limits) -> Extractor {
        let jobs = tokio::sync::Semaphore::new(limits.jobs.max(1));
        Extractor(Arc::new(Inner { program, limits, jobs }))
    }

    pub fn limits(&self) -> &Limits {
        &self.0.limits
    }

    /// The text of an attachment.
    pub async fn text(&self, kind: Kind, bytes: Vec<u8>) -> Result<String, ExtractError> {
        match self.run(kind, bytes).await? {
            Answer::Text(t) => Ok(t),
            Answer::Failed(cause) | Answer::Refused(cause) => Err(ExtractError::Unreadable(cause)),
            Answer::Cells(_) | Answer::Photo(_) => Err(ExtractError::BadOutput("not text where text was asked".into())),
        }
    }

    /// The non-empty cells of a standard list's first sheet; `Ok(Err(message))` when the file
    /// is refused with a message for the user.
    pub async fn catalogue_cells(&self, bytes: Vec<u8>) -> Result<Result<Vec<SheetCell>, String>, ExtractError> {
        match self.run(Kind::CatalogueXlsx, bytes).await? {
            Answer::Cells(c) => Ok(Ok(c)),
            Answer::Refused(m) => Ok(Err(m)),
            Answer::Failed(cause) => Err(ExtractError::Unreadable(cause)),
            Answer::Text(_) | Answer::Photo(_) => {
                Err(ExtractError::BadOutput("not cells where cells were asked".into()))
            }
        }
    }

    /// A photo made fit to show (`crate::photo`); `Ok(Err(message))` when it is refused with a
    /// message for the user.
    pub async fn photo(&self, bytes: Vec<u8>) -> Result<Result<PhotoBytes, String>, ExtractError> {
        use base64::Engine;
        match self.run(Kind::Photo, bytes).await? {
            Answer::Photo(p) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(&p.base64)
                    .map_err(|e| ExtractError::BadOutput(e.to_string()))?;
                Ok(Ok(PhotoBytes { content_type: p.content_type, width: p.width, height: p.height, bytes }))
            }
            Answer::Refused(m) => Ok(Err(m)),
            Answer::Failed(cause) => Err(ExtractError::Unreadable(cause)),
            Answer::Text(_) | Answer::Cells(_) => {
                Err(ExtractError::BadOutput("not a photo where one was asked".into()))
            }
        }
    }

    /// Runs one child and reads its answer.
    pub async fn run(&self, kind: Kind, bytes: Vec<u8>) -> Result<Answer, ExtractError> {
        let program = self.0.program.as_ref().ok_or(ExtractError::NotConfigured)?;
        let limits = self.0.limits;
        let _turn = self.0.jobs.acquire().await.map_err(|e| ExtractError::Io(std::io::Error::other(e)))?;
        let mut child = tokio::process::Command::new(program)
            .arg("extract")
            .arg(kind.as_str())
            .args(["--memory-mb", &limits.memory_mb.to_string()])
            .args(["--cpu-secs", &limits.cpu_secs.to_string()])
            .args(["--output-bytes", &limits.output_bytes.to_string()])
            // Nothing of the server's environment (database address, secrets) reaches the child.
            .env_clear()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // A child abandoned (timeout, too much output, the request dropped) is killed.
            .kill_on_drop(true)
            .spawn()?;
        let (Some(mut stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(ExtractError::Io(std::io::Error::other("child pipes missing")));
        };
        let cap = limits.output_bytes;
        let work = async {
            let feed = async move {
                // A child that dies early closes its end; what it did is told by its status.
                let _ = stdin.write_all(&bytes).await;
                drop(stdin);
                Ok::<_, ExtractError>(())
            };
            let answer = async {
                let mut out = Vec::new();
                stdout.take(cap as u64 + 1).read_to_end(&mut out).await?;
                if out.len() > cap {
                    return Err(ExtractError::OutputTooLarge(cap));
                }
                Ok(out)
            };
            let (_, out, err) = tokio::try_join!(feed, answer, async { Ok(first_line(stderr).await) })?;
            let status = child.wait().await?;
            Ok::<_, ExtractError>((status, out, err))
        };
        let (status, out, err) = match tokio::time::timeout(Duration::from_secs(limits.wall_secs.max(1)), work).await {
            Ok(done) => done?,
            Err(_) => return Err(ExtractError::TimedOut(limits.wall_secs)),
        };
        if !status.success() {
            return Err(ExtractError::Crashed { status: status.to_string(), stderr: err });
        }
        // The answer is the last line: a parser that prints to standard output cannot spoil it.
        let last = out.rsplit(|b| *b == b'\n').find(|l| !l.iter().all(u8::is_ascii_whitespace)).unwrap_or(&[]);
        serde_json::from_slice(last).map_err(|e| ExtractError::BadOutput(e.to_string()))
    }
}

/// Reads all of the child's standard error (so it never blocks on a full pipe) and keeps the
/// start of its first line: the kind of failure ("thread 'main' has overflowed its stack",
/// "memory allocation of … bytes failed", a panic's location), not what followed.
async fn first_line(mut stderr: impl AsyncRead + Unpin) -> String {
    let mut kept = Vec::new();
    let mut chunk = [0u8; 4096];
    while let Ok(n) = stderr.read(&mut chunk).await {
        if n == 0 {
            break;
        }
        if kept.len() < STDERR_KEPT {
            kept.extend_from_slice(&chunk[..n.min(STDERR_KEPT - kept.len())]);
        }
    }
    let text = String::from_utf8_lossy(&kept);
    text.lines().next().unwrap_or("").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A stand-in for the gongkai binary: a shell script.
    fn script(name: &str, body: &str) -> PathBuf {
        let path = std::env::temp_dir().join(format!("gongkai-extract-{}-{name}.sh", std::process::id()));
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    fn limits() -> Limits {
        Limits { wall_secs: 1, output_bytes: 1000, ..Limits::default() }
    }

    #[tokio::test]
    async fn every_failure_of_the_child_is_an_error() {
        async fn run(name: &str, body: &str) -> Result<Answer, ExtractError> {
            Extractor::new(Some(script(name, body)), limits()).run(Kind::Pdf, b"%PDF-1.7".to_vec()).await
        }
        let answer = run("ok", "cat >/dev/null; echo 'noise'; echo '{\"text\":\"正文\"}'").await.unwrap();
        assert_eq!(answer, Answer::Text("正文".into()));
        assert!(matches!(run("sleep", "sleep 5").await, Err(ExtractError::TimedOut(1))));
        assert!(matches!(run("chatty", "yes").await, Err(ExtractError::OutputTooLarge(1000))));
        match run("crash", "echo 'thread main has overflowed its stack' >&2; kill -SEGV $$").await {
            Err(ExtractError::Crashed { status, stderr }) => {
                assert!(status.contains("signal"), "{status}");
                assert!(stderr.contains("overflowed"), "{stderr}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(run("exit", "exit 3").await, Err(ExtractError::Crashed { .. })));
        assert!(matches!(run("garbage", "echo '<html>'").await, Err(ExtractError::BadOutput(_))));
        let none = Extractor::new(None, limits());
        assert!(matches!(none.run(Kind::Pdf, Vec::new()).await, Err(ExtractError::NotConfigured)));
    }
}
