//! The application layer of gongkai: every use case, between the store and the faces (the
//! portal, the console and the JSON API in `gongkai-web`, the command line in `gongkai`).
//!
//! One module per feature, with the same name as in the domain, the store and the web crate.
//! A use case is a function taking the [`Context`] and, for staff, the caller ([`Principal`]);
//! it checks the caller's rights, applies the domain's rule, writes the change with its audit
//! record in one transaction, and sets off what follows (letters, the search index, caches).
//! It answers with its own [`Error`], which each face turns into its own words. The faces hold
//! no SQL and no legal rule.

pub mod annual_report;
pub mod audit;
pub mod business_policy;
pub mod cache;
pub mod calendar;
pub mod catalogue;
pub mod challenge;
pub mod columns;
pub mod consultation;
pub mod demo;
pub mod documents;
pub mod error;
pub mod live_blog;
pub mod meeting;
pub mod open_day;
pub mod principal;
pub mod requests;
pub mod review;
pub mod schema;
pub mod search;
pub mod staff;
pub mod throttle;
pub mod units;
pub mod wordlists;

pub use error::{Error, Result};
pub use principal::Principal;

use cache::Cached;
use chrono::{DateTime, NaiveDate, Utc};
use gongkai_domain::calendar::Calendar;
use gongkai_domain::time::date_in_china;
use gongkai_domain::units::UnitTree;
use gongkai_store::Store;
use gongkai_store::units::FormerName;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Today in China, the day the law's periods count from.
pub fn today() -> NaiveDate {
    date_in_china(Utc::now())
}

/// The time use cases take as now: the system's, or an instant set by the demo loader, which
/// moves it along its story so that every step runs through the same rules on the day the
/// story gives it (a server's context never sets it).
#[derive(Debug, Default)]
pub struct Clock(std::sync::Mutex<Option<DateTime<Utc>>>);

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        let set = *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        set.unwrap_or_else(Utc::now)
    }

    /// Stops the clock at `at` (`None`: the system's time again).
    pub fn set(&self, at: Option<DateTime<Utc>>) {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = at;
    }
}

/// The settings use cases read (from the server's configuration).
#[derive(Debug, Clone)]
pub struct Options {
    /// The CJK font PDF letters are set in; `None` looks for the system's, then uses the one
    /// compiled in.
    pub letter_font: Option<PathBuf>,
    /// The longest wait a throttled secret (password, query code) imposes before it is checked.
    pub throttle_delay_max: Duration,
    /// The program that extracts text from untrusted files in a limited child process.
    pub extractor: Option<PathBuf>,
    pub extract_limits: gongkai_extract::Limits,
    /// Whether external links in documents are checked (`link_wake` wakes the checker).
    pub link_check: bool,
    /// The fixed paths of the site's pages (the face's navigation), which links in documents
    /// may point to.
    pub site_paths: Vec<String>,
    /// Opinions one partner account (12345, a newspaper…) may send at once through the API;
    /// a tenth of it comes back each minute. A runaway client is stopped with a 429, a
    /// hotline's day of calls is not.
    pub partner_opinions_burst: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            letter_font: None,
            throttle_delay_max: Duration::from_secs(4),
            extractor: None,
            extract_limits: gongkai_extract::Limits::default(),
            link_check: false,
            site_paths: Vec::new(),
            partner_opinions_burst: 20_000,
        }
    }
}

/// What a face keeps besides the context and must drop when content changes: its copies of
/// public lists and finished pages. The context calls these after its own writes.
pub trait Effects: Send + Sync {
    /// Public content (documents, columns, catalogues) changed on this node.
    fn public_changed(&self) {}
    /// Units changed on this node (names, places in the tree).
    fn units_changed(&self) {}
}

/// No face to tell: the command line and the tests of use cases.
pub struct NoEffects;
impl Effects for NoEffects {}

/// What every use case may need: the store, this node's short-lived copies of the unit tree and
/// the holiday calendar, the indexer's wake-up, and the face's caches to drop.
pub struct Context {
    pub store: Store,
    pub options: Options,
    pub clock: Clock,
    units: Cached<UnitTree>,
    former_names: Cached<HashMap<i64, Vec<FormerName>>>,
    calendar: Cached<Calendar>,
    /// Wakes the indexer after a change to public content on this node.
    pub search_wake: tokio::sync::Notify,
    /// Wakes the link checker after a check report asked for new external links.
    pub link_wake: tokio::sync::Notify,
    /// Password hashing takes 19 MiB and tens of milliseconds each; at most one per core runs
    /// at a time, so a flood of logins queues instead of exhausting memory.
    hashing: tokio::sync::Semaphore,
    /// The CJK font of PDF letters, read on first use.
    letter_font: tokio::sync::OnceCell<Option<requests::letters::LetterFont>>,
    /// The key that signs challenges, read from the database (made there) on first use.
    challenge_key: tokio::sync::OnceCell<Arc<challenge::ChallengeKey>>,
    /// Reads untrusted files (attachments' text, standard lists) in limited child processes.
    pub extractor: gongkai_extract::Extractor,
    effects: Arc<dyn Effects>,
    /// The published policies, read again when any policy changed.
    pub(crate) policies: business_policy::library::LibraryCache,
    /// The queue and writers of arriving opinions, started on first use (again when the
    /// runtime they ran on has ended).
    opinion_intake: std::sync::Mutex<Option<Arc<consultation::intake::Intake>>>,
    /// Opinions each partner account may still send (`Options::partner_opinions_burst`).
    pub(crate) partner_flood: governor::DefaultKeyedRateLimiter<i64>,
    /// Delivers registrants' notices (SMS, e-mail); logs them unless the deployment plugs in
    /// its own.
    pub(crate) notifier: Arc<dyn open_day::notify::Notifier>,
    /// This node's broadcast of live changes, started on first use (again when the runtime it
    /// ran on has ended).
    live_hub: tokio::sync::Mutex<Option<Arc<live_blog::hub::Hub>>>,
}

impl Context {
    pub fn new(store: Store, options: Options, effects: Arc<dyn Effects>) -> Self {
        let extractor = gongkai_extract::Extractor::new(options.extractor.clone(), options.extract_limits);
        let partner_flood = consultation::opinions::partner_limiter(options.partner_opinions_burst);
        Context {
            store,
            options,
            clock: Clock::default(),
            units: Cached::new(Duration::from_secs(30)),
            former_names: Cached::new(Duration::from_secs(30)),
            calendar: Cached::new(Duration::from_secs(60)),
            search_wake: tokio::sync::Notify::new(),
            link_wake: tokio::sync::Notify::new(),
            hashing: tokio::sync::Semaphore::new(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)),
            letter_font: tokio::sync::OnceCell::new(),
            challenge_key: tokio::sync::OnceCell::new(),
            extractor,
            effects,
            policies: Default::default(),
            opinion_intake: Default::default(),
            partner_flood,
            notifier: Arc::new(open_day::notify::LogNotifier),
            live_hub: Default::default(),
        }
    }

    /// This node's broadcast of live changes (its task starts with the first viewer or write).
    pub async fn live_hub(&self) -> Result<Arc<live_blog::hub::Hub>> {
        let mut slot = self.live_hub.lock().await;
        match &*slot {
            Some(hub) if hub.running() => Ok(hub.clone()),
            _ => {
                let hub = live_blog::hub::Hub::start(self.store.clone()).await?;
                Ok(slot.insert(hub).clone())
            }
        }
    }

    /// This context with `notifier` delivering registrants' notices.
    pub fn with_notifier(mut self, notifier: Arc<dyn open_day::notify::Notifier>) -> Self {
        self.notifier = notifier;
        self
    }

    /// The queue of arriving opinions (its writers start with the first opinion).
    pub(crate) fn opinion_intake(&self) -> Arc<consultation::intake::Intake> {
        let mut slot = self.opinion_intake.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match &*slot {
            Some(intake) if intake.running() => intake.clone(),
            _ => slot.insert(Arc::new(consultation::intake::Intake::start(self.store.clone()))).clone(),
        }
    }

    /// Now by this context's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Today in China by this context's clock: the day the law's periods count from.
    pub fn today(&self) -> NaiveDate {
        date_in_china(self.clock.now())
    }

    /// The unit tree, at most 30 seconds old (a change on this node drops it at once).
    pub async fn unit_tree(&self) -> Result<Arc<UnitTree>> {
        let store = self.store.clone();
        self.units.get(|| async move { store.units_all().await.map(UnitTree::new) }).await.map_err(Error::from)
    }

    pub async fn former_names(&self) -> Result<Arc<HashMap<i64, Vec<FormerName>>>> {
        let store = self.store.clone();
        self.former_names.get(|| async move { store.unit_former_names_all().await }).await.map_err(Error::from)
    }

    /// The holiday and 调休 calendar, at most a minute old.
    pub async fn calendar(&self) -> Result<Arc<Calendar>> {
        let store = self.store.clone();
        self.calendar.get(|| async move { store.calendar().await }).await.map_err(Error::from)
    }

    /// Drops this node's copy of the calendar after a change to it, and the face's pages.
    pub fn calendar_changed(&self) {
        self.calendar.invalidate();
        self.effects.public_changed();
    }

    /// Drops this node's copies of the unit tree after a change to units, and the face's
    /// pages that show units (nearly all: the navigation and lists name them).
    pub fn units_changed(&self) {
        self.units.invalidate();
        self.former_names.invalidate();
        self.effects.units_changed();
    }

    /// After a change to public documents on this node: drops the face's copies at once (the
    /// writer sees the change on the next page it opens) and wakes the indexer, which brings
    /// the search index up and, through the outbox, the other nodes.
    pub fn documents_changed(&self) {
        self.effects.public_changed();
        self.search_wake.notify_one();
    }

    /// Drops the face's copies of public lists and pages (another node's change arrived).
    pub fn public_changed(&self) {
        self.effects.public_changed();
    }

    /// Whether the database answers (the readiness probe).
    pub async fn ping(&self) -> Result<()> {
        Ok(self.store.ping().await?)
    }

    /// The bytes of a stored file (attachment, request file), by its SHA-256; a file missing
    /// from the file store is not found.
    pub async fn file_bytes(&self, sha256: &str) -> Result<Vec<u8>> {
        tokio::fs::read(self.store.file_path(sha256)).await.map_err(|_| Error::NotFound)
    }

    /// Runs a password hash or check on the blocking pool, within the hashing limit.
    pub async fn hash_work<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        let _permit = self.hashing.acquire().await.map_err(Error::internal)?;
        tokio::task::spawn_blocking(work).await.map_err(Error::internal)
    }

    /// The key that signs challenges: one for all nodes, kept in the database.
    pub async fn challenge_key(&self) -> Result<Arc<challenge::ChallengeKey>> {
        let key = self
            .challenge_key
            .get_or_try_init(|| async {
                let text = self
                    .store
                    .server_key("challenge", || {
                        let mut bytes = [0u8; 32];
                        rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
                        hex::encode(bytes)
                    })
                    .await?;
                let bytes: [u8; 32] = hex::decode(&text)
                    .ok()
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(|| Error::internal("the stored challenge key is not 32 bytes of hex"))?;
                Ok::<_, Error>(Arc::new(challenge::ChallengeKey::new(bytes)))
            })
            .await?;
        Ok(key.clone())
    }
}
