//! `gongkai`: the one binary. Serves the portal, console and API; migrates; loads demo data;
//! creates API tokens; verifies the audit chain; answers working-day questions; backs up and
//! restores the embedded database.

mod config;

/// mimalloc returns freed memory to the system; glibc's allocator keeps the 19 MiB blocks of
/// every Argon2 hash once its mmap threshold has grown, which tripled the resident memory.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::{Context, anyhow, bail};
use clap::{Args, Parser, Subcommand};
use config::FileConfig;
use gongkai_domain::time::parse_date;
use gongkai_store::audit_keys::KeySource;
use gongkai_store::{Actor, DatabaseSettings, Store};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser)]
#[command(name = "gongkai", version, about = "政务公开平台 gongkai：门户网站、管理后台与开放接口")]
struct Cli {
    #[command(flatten)]
    data: DataArgs,
    /// 配置文件（TOML），可选
    #[arg(long, global = true, env = "GONGKAI_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct DataArgs {
    /// 数据目录（SQLite 数据库和文件），默认 ./gongkai-data
    #[arg(long, global = true, env = "GONGKAI_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// PostgreSQL 地址 postgres://用户@主机:端口/库；不填则使用数据目录中的 SQLite
    #[arg(long, global = true, env = "GONGKAI_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// 审计密钥文件，默认为数据目录中的 audit.key（不存在时自动生成，权限 0600）；也可用环境变量
    /// GONGKAI_AUDIT_KEY 直接给出密钥（十六进制或 base64）。多个节点须使用同一密钥
    #[arg(long, global = true, env = "GONGKAI_AUDIT_KEY_FILE")]
    audit_key_file: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// 启动服务
    Serve(Box<ServeArgs>),
    /// 执行数据库迁移
    Migrate,
    /// 载入演示数据（可重复执行）
    Demo,
    /// 初始化：建立最上级单位和第一个系统管理员
    Init(InitArgs),
    /// API 令牌
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// 审计日志
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// 工作日计算
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// 导入数据
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// 重建全文检索索引（请先停止服务）
    Reindex,
    /// 备份数据（SQLite 模式）到一个文件
    Backup {
        /// 备份文件路径，如 gongkai-backup.tar.gz
        file: PathBuf,
    },
    /// 从备份文件恢复数据（SQLite 模式；请先停止服务）
    Restore {
        file: PathBuf,
        /// 覆盖数据目录中已有的数据库
        #[arg(long)]
        force: bool,
    },
    /// Internal: reads one untrusted file from standard input under limits and answers on
    /// standard output; the server runs it as a child process.
    #[command(hide = true)]
    Extract(ExtractArgs),
}

#[derive(Args)]
struct ExtractArgs {
    /// pdf, docx, xlsx or catalogue-xlsx
    kind: String,
    #[arg(long)]
    memory_mb: u64,
    #[arg(long)]
    cpu_secs: u64,
    #[arg(long)]
    output_bytes: usize,
}

#[derive(Args)]
struct ServeArgs {
    /// 监听地址，默认 127.0.0.1:8080
    #[arg(long, env = "GONGKAI_ADDR")]
    addr: Option<String>,
    /// 数据库为空时载入演示数据（已有时补齐缺少的演示数据）
    #[arg(long)]
    demo: bool,
    /// 网站的公开地址，如 https://gongkai.jinan.gov.cn；https 时启用 Secure Cookie 和 HSTS
    #[arg(long, env = "GONGKAI_PUBLIC_URL")]
    public_url: Option<String>,
    /// 信任反向代理的 X-Forwarded-For
    #[arg(long, env = "GONGKAI_TRUST_PROXY")]
    trust_proxy: bool,
    /// 不检查正文中的外部链接（服务器不能访问外网时使用）
    #[arg(long, env = "GONGKAI_NO_LINK_CHECK")]
    no_link_check: bool,
    /// 不缓存整页（排查问题或对比性能时使用；默认缓存匿名读者的公开页面）
    #[arg(long, env = "GONGKAI_NO_PAGE_CACHE")]
    no_page_cache: bool,
    /// PDF 告知书使用的中文字体文件（.ttc/.otf/.ttf），默认使用系统的 Noto CJK 字体，没有时使用内置字体（GB 2312 字符集）
    #[arg(long, env = "GONGKAI_LETTER_FONT")]
    letter_font: Option<PathBuf>,
    /// 请求大小上限（KB），默认 1024
    #[arg(long, env = "GONGKAI_BODY_LIMIT_KB")]
    body_limit_kb: Option<usize>,
    /// 附件大小上限（MB），默认 50
    #[arg(long, env = "GONGKAI_ATTACHMENT_LIMIT_MB")]
    attachment_limit_mb: Option<usize>,
    /// 日志格式：text 或 json
    #[arg(long, env = "GONGKAI_LOG_FORMAT")]
    log_format: Option<String>,
    /// 提取附件文字、读取清单文件的子进程内存上限（MB），默认 768
    #[arg(long, env = "GONGKAI_EXTRACT_MEMORY_MB")]
    extract_memory_mb: Option<u64>,
    /// 提取子进程的 CPU 时间上限（秒），默认 20
    #[arg(long, env = "GONGKAI_EXTRACT_CPU_SECS")]
    extract_cpu_secs: Option<u64>,
    /// 提取子进程的运行时间上限（秒），超时即终止，默认 30
    #[arg(long, env = "GONGKAI_EXTRACT_TIMEOUT_SECS")]
    extract_timeout_secs: Option<u64>,
    /// 提取结果的大小上限（MB），默认 8
    #[arg(long, env = "GONGKAI_EXTRACT_OUTPUT_MB")]
    extract_output_mb: Option<usize>,
    /// 同时运行的提取子进程数，默认 2
    #[arg(long, env = "GONGKAI_EXTRACT_JOBS")]
    extract_jobs: Option<usize>,
    /// 检索索引跟进其他节点更改的间隔（毫秒）
    #[arg(long, env = "GONGKAI_INDEX_INTERVAL_MS", default_value_t = 1000, hide = true)]
    index_interval_ms: u64,
    /// 记录审计日志检查点（签名的链头，写入日志和数据库）的间隔（分钟），默认 1440（每天）；0 为不记录
    #[arg(long, env = "GONGKAI_AUDIT_CHECKPOINT_MINUTES", default_value_t = 1440)]
    audit_checkpoint_minutes: u64,
    #[command(flatten)]
    edge: config::EdgeArgs,
    /// 账号或申请在各地址累计多次输错密码、查询码后，每次核对前最长等待的时间（毫秒），默认 4000
    #[arg(long, env = "GONGKAI_THROTTLE_DELAY_MAX_MS")]
    throttle_delay_max_ms: Option<u64>,
    /// 每个地址每分钟可获取的申请验证问题数，默认 60
    #[arg(long, env = "GONGKAI_CHALLENGES_PER_MINUTE")]
    challenges_per_minute: Option<u32>,
    /// 每个合作渠道账号可连续提交的意见数（之后每分钟恢复其十分之一），默认 20000
    #[arg(long, env = "GONGKAI_PARTNER_OPINIONS_BURST")]
    partner_opinions_burst: Option<u32>,
}

#[derive(Args)]
struct InitArgs {
    /// 最上级单位（人民政府）全称
    #[arg(long)]
    unit_name: String,
    #[arg(long, default_value = "")]
    credit_code: String,
    #[arg(long)]
    division_code: String,
    /// 系统管理员用户名
    #[arg(long, default_value = "admin")]
    admin: String,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// 为工作人员创建 API 令牌；令牌是输出的最后一个词
    Create {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "命令行创建")]
        name: String,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// 导入政府信息：JSON Lines 文件（可为 gzip 压缩），每行至少有 title 和 body
    Documents {
        file: PathBuf,
        /// 行内未写 unit 时使用的发布单位：单位 id 或统一社会信用代码
        #[arg(long)]
        unit: Option<String>,
        /// 每个事务写入的文件数
        #[arg(long, default_value_t = 200)]
        batch: usize,
    },
    /// 导入惠企政策：JSON Lines 文件（可为 gzip 压缩），每行一项政策（字段同接口 PolicyBody，发布单位写 unit：单位 id 或统一社会信用代码）；全部通过检查才写入，导入即发布，重复导入不会重复
    Policies { file: PathBuf },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// 用审计密钥校验审计日志的哈希链，并核对保存的检查点；全部一致时退出码为 0
    Verify {
        /// 保存的检查点文件（每行一个检查点，也可以是记有检查点的日志文件）；可重复
        #[arg(long = "checkpoint", value_name = "FILE")]
        checkpoints: Vec<PathBuf>,
    },
    /// 输出当前链头的签名检查点（一行 JSON），请保存到本机以外的地方
    Checkpoint,
    /// 轮换审计密钥：生成新密钥开始新纪元，旧密钥保存为 audit.key.<纪元>（请先停止服务）
    RotateKey,
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// 某日是否工作日，输出 true 或 false
    IsWorkday { date: String },
    /// 某日之后第 N 个工作日，输出 YYYY-MM-DD
    AddWorkdays { date: String, days: u32 },
    /// 两日之间的工作日数（不含起始日，含结束日）
    Between { from: String, to: String },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Extract(a) = &cli.command {
        // The child of an extraction: no runtime, no configuration, no database.
        let limits = gongkai_extract::Limits {
            memory_mb: a.memory_mb,
            cpu_secs: a.cpu_secs,
            output_bytes: a.output_bytes,
            ..Default::default()
        };
        return gongkai_extract::child_main(&a.kind, &limits);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("错误：无法启动运行时：{e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            // One clear line; the chain of causes on the same line.
            let mut line = format!("错误：{e}");
            for cause in e.chain().skip(1) {
                line.push_str(&format!("：{cause}"));
            }
            eprintln!("{line}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if format == "json" {
        let _ = builder.json().try_init();
    } else {
        let _ = builder.try_init();
    }
}

async fn open(settings: &DatabaseSettings) -> anyhow::Result<Store> {
    Store::open(settings).await.map_err(|e| anyhow!("{e}"))
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let file = FileConfig::load(cli.config.as_deref())?;
    let settings = config::database(cli.data.data_dir.clone(), cli.data.database_url.clone(), &file);
    let key_file = config::audit_key_file(cli.data.audit_key_file.clone(), &file, &settings);
    let env_key = std::env::var(gongkai_store::audit_keys::KEY_ENV).ok();
    // Commands that only read the chain, and restore (the key comes with the operator), never
    // create a key; every other command may write and creates one on first use.
    let create_key = !matches!(
        cli.command,
        Command::Restore { .. } | Command::Audit { command: AuditCommand::Verify { .. } | AuditCommand::Checkpoint }
    );
    let gongkai_store::audit_keys::LoadedRing { ring, source: key_source } =
        gongkai_store::audit_keys::load_ring(env_key.as_deref(), &key_file, create_key).map_err(|e| anyhow!("{e}"))?;
    let settings = settings.with_audit_keys(ring);
    match cli.command {
        Command::Serve(args) => serve(*args, settings, file, key_source).await,
        Command::Migrate => {
            let store = Store::connect(&settings).await.map_err(|e| anyhow!("{e}"))?;
            let applied = gongkai_store::migrate::run(&store).await.map_err(|e| anyhow!("{e}"))?;
            gongkai_store::calendar::seed_official(&store).await.map_err(|e| anyhow!("{e}"))?;
            if applied.is_empty() {
                println!("数据库已是最新（{}）", settings.target());
            } else {
                println!("已执行迁移 {:?}（{}）", applied, settings.target());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo => {
            let store = open(&settings).await?;
            let report = gongkai_app::demo::load(&store).await.map_err(|e| anyhow!("{e}"))?;
            println!("演示数据：新增单位 {} 个，新增账号 {} 个", report.units_added, report.users_added);
            print_logins(&report.logins);
            Ok(ExitCode::SUCCESS)
        }
        Command::Init(args) => init(args, &settings).await,
        Command::Token { command: TokenCommand::Create { user, name } } => {
            let store = open(&settings).await?;
            let found = store.user_by_username(&user.trim().to_ascii_lowercase()).await.map_err(|e| anyhow!("{e}"))?;
            let Some(found) = found else { bail!("没有用户名为“{user}”的账号") };
            if !found.active {
                bail!("账号“{user}”已停用");
            }
            let mut w = store.write(Actor::system("cli")).await.map_err(|e| anyhow!("{e}"))?;
            let secret = w.token_create(found.id, &name).await.map_err(|e| anyhow!("{e}"))?.secret;
            w.commit().await.map_err(|e| anyhow!("{e}"))?;
            println!(
                "已为 {}（{}）创建 API 令牌“{}”。令牌只显示这一次，请妥善保存：",
                found.username, found.display_name, name
            );
            println!("{secret}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { command } => audit(command, &settings, &key_file, key_source).await,
        Command::Calendar { command } => calendar(command, &settings).await,
        Command::Import { command: ImportCommand::Documents { file, unit, batch } } => {
            import_documents(&settings, &file, unit, batch).await
        }
        Command::Import { command: ImportCommand::Policies { file } } => import_policies(&settings, &file).await,
        Command::Reindex => reindex(&settings).await,
        Command::Backup { file: out } => {
            let store = open(&settings).await?;
            let summary = gongkai_store::backup::backup(&store, &out).await.map_err(|e| anyhow!("{e}"))?;
            println!(
                "已备份到 {}（{} 字节，审计记录 {} 条）",
                summary.path.display(),
                summary.bytes,
                summary.audit_records
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Extract(_) => unreachable!("handled before the runtime starts"),
        Command::Restore { file: archive, force } => {
            let records =
                gongkai_store::backup::restore(&settings, &archive, force).await.map_err(|e| anyhow!("{e}"))?;
            println!(
                "已从 {} 恢复到 {}（审计记录 {records} 条，哈希链完整）",
                archive.display(),
                settings.data_dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_logins(logins: &[gongkai_app::demo::DemoLogin]) {
    println!("演示账号（仅供演示，请勿用于正式环境）：");
    for l in logins {
        println!("  {:<15} {:<26} {}（{}）", l.username, l.password, l.display_name, l.unit_name);
    }
}

async fn serve(
    args: ServeArgs,
    settings: DatabaseSettings,
    file: FileConfig,
    key_source: KeySource,
) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let log_format = args.log_format.clone().or(file.log_format.clone()).unwrap_or_else(|| "text".into());
    if !["text", "json"].contains(&log_format.as_str()) {
        bail!("日志格式 log_format 的值“{log_format}”无效，应为 text 或 json");
    }
    init_logging(&log_format);
    let extract_limits = extract_limits(&args)?;
    let addr = config::addr(args.addr, &file)?;
    let site = config::site(args.public_url, &file)?;
    let mut server = config::server(
        args.trust_proxy,
        args.no_link_check,
        args.letter_font,
        args.body_limit_kb,
        args.attachment_limit_mb,
        &site,
        &file,
    )?;
    config::edge(args.edge, &file, &mut server)?;
    server.page_cache = !args.no_page_cache && file.page_cache.unwrap_or(true);
    raise_open_file_limit(&mut server);
    if site.public_url.trim().is_empty() {
        tracing::warn!("no --public-url set: absolute links (sitemaps, feeds) use the listening address; set it");
    }
    if let Some(ms) = args.throttle_delay_max_ms {
        if ms > 60_000 {
            bail!("最长等待时间 throttle_delay_max_ms 的值 {ms} 无效，应在 0 到 60000 之间");
        }
        server.throttle_delay_max = std::time::Duration::from_millis(ms);
    }
    if let Some(n) = args.challenges_per_minute {
        if n == 0 {
            bail!("每分钟验证问题数 challenges_per_minute 应至少为 1");
        }
        server.challenges_per_minute = n;
    }
    if let Some(n) = args.partner_opinions_burst {
        if n < 10 {
            bail!("合作渠道连续提交意见数 partner_opinions_burst 应至少为 10");
        }
        server.partner_opinions_burst = n;
    }
    server.extractor = Some(std::env::current_exe().context("找不到本程序的路径，无法提取附件文字")?);
    server.extract_limits = extract_limits;
    let store = open(&settings).await?;
    store.audit_key_check().await.map_err(|e| anyhow!("{e}"))?;
    let logins =
        if args.demo { Some(gongkai_app::demo::load(&store).await.map_err(|e| anyhow!("{e}"))?.logins) } else { None };
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("无法监听 {addr}"))?;
    let local = listener.local_addr()?;
    let words = dictionary_words(&store).await?;
    let index_path = settings.data_dir.join("index");
    let (search, needs_rebuild) = gongkai_search::SearchIndex::open(&index_path, &words)
        .map_err(|e| anyhow!("{e}（检索索引 {} 可能正被另一个进程使用）", index_path.display()))?;
    let state = gongkai_web::AppState::new(store.clone(), site.clone(), server, search.clone());
    if needs_rebuild {
        // Serve at once; search fills in as the rebuild proceeds.
        let (index, rebuild_store) = (search.clone(), store.clone());
        tokio::spawn(async move {
            match index.rebuild(&rebuild_store, |_| {}).await {
                Ok(n) => tracing::info!(documents = n, "search index rebuilt"),
                Err(e) => tracing::error!(error = %e, "search index rebuild failed"),
            }
        });
    }
    gongkai_web::spawn_indexer(state.clone(), std::time::Duration::from_millis(args.index_interval_ms.max(50)));
    gongkai_web::spawn_scheduler(state.clone());
    if args.demo {
        // The demo's broadcast on air gets a post every half minute, for visitors to watch.
        let live = state.clone();
        tokio::spawn(async move { gongkai_app::live_blog::demo::ticker(&live).await });
    }
    if state.server.link_check {
        gongkai_web::spawn_link_checker(state.clone());
    }
    println!("gongkai {} — {}{}", env!("CARGO_PKG_VERSION"), site.site_name, site.site_subtitle);
    println!("数据库：{} {}", store.backend().name(), settings.target());
    println!("门户网站：http://{local}/");
    println!("管理后台：http://{local}/admin");
    println!("开放接口：http://{local}/api/v1/openapi.json");
    println!("审计密钥：{}", describe_key(&settings, &key_source));
    if let Some(logins) = &logins {
        print_logins(logins);
    }
    println!("已就绪（启动用时 {} 毫秒）；按 Ctrl+C 停止。", started.elapsed().as_millis());
    tracing::info!(%local, backend = store.backend().name(), "listening");

    // Expired sessions are pruned hourly so the table stays small.
    let pruner = store.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            if let Err(e) = pruner.sessions_prune().await {
                tracing::warn!(error = %e, "session pruning failed");
            }
        }
    });

    // Signed checkpoints of the audit chain, into the database and the log (which a log
    // shipper carries off the box); one per period across all nodes.
    if args.audit_checkpoint_minutes > 0 {
        let checkpointer = store.clone();
        let period = std::time::Duration::from_secs(args.audit_checkpoint_minutes.saturating_mul(60));
        let min_age = chrono::Duration::from_std(period * 9 / 10).unwrap_or(chrono::Duration::days(1));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            loop {
                tick.tick().await;
                if let Err(e) = checkpointer.audit_checkpoint_if_due(min_age).await {
                    tracing::warn!(error = %e, "audit checkpoint failed");
                }
            }
        });
    }

    gongkai_web::serve(listener, state, shutdown_signal()).await.context("服务异常退出")?;
    store.close().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// The key's source and id for the banner; never the key.
fn describe_key(settings: &DatabaseSettings, source: &KeySource) -> String {
    let id = settings.audit_keys.current().map(|k| k.id().to_string()).unwrap_or_default();
    match source {
        KeySource::Env => format!("环境变量 {}（标识 {id}）", gongkai_store::audit_keys::KEY_ENV),
        KeySource::File(p) => format!("{}（标识 {id}）", p.display()),
        KeySource::Created(p) => format!("{}（新生成，标识 {id}；请备份到数据库以外的地方）", p.display()),
        KeySource::None => "无".into(),
    }
}

async fn audit(
    command: AuditCommand,
    settings: &DatabaseSettings,
    key_file: &Path,
    key_source: KeySource,
) -> anyhow::Result<ExitCode> {
    use gongkai_domain::audit::Checkpoint;
    match command {
        AuditCommand::Verify { checkpoints: files } => {
            let mut checkpoints = Vec::new();
            for f in &files {
                let text = std::fs::read_to_string(f).with_context(|| format!("无法读取检查点文件 {}", f.display()))?;
                let found: Vec<Checkpoint> = text.lines().filter_map(Checkpoint::parse_line).collect();
                if found.is_empty() {
                    bail!("检查点文件 {} 中没有检查点", f.display());
                }
                checkpoints.extend(found);
            }
            let store = open(settings).await?;
            match store.audit_verify_with(&checkpoints).await.map_err(|e| anyhow!("{e}"))? {
                Ok(n) => {
                    println!("audit chain intact: {n} records, {} checkpoints match", checkpoints.len());
                    println!("审计日志完整：共 {n} 条记录，{} 个检查点一致", checkpoints.len());
                    Ok(ExitCode::SUCCESS)
                }
                Err(b) => {
                    eprintln!("audit chain broken: {b}");
                    eprintln!("审计日志校验失败：{}", b.zh());
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        AuditCommand::Checkpoint => {
            let store = open(settings).await?;
            let cp = store.audit_checkpoint(true).await.map_err(|e| anyhow!("{e}"))?;
            println!("{}", cp.to_line());
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::RotateKey => {
            if key_source == KeySource::Env {
                bail!(
                    "审计密钥由环境变量 {} 提供，无法由本命令轮换；请改用密钥文件（--audit-key-file）",
                    gongkai_store::audit_keys::KEY_ENV
                );
            }
            let store = open(settings).await?;
            store.audit_key_check().await.map_err(|e| anyhow!("{e}"))?;
            let old = settings.audit_keys.current().cloned().ok_or_else(|| anyhow!("没有审计密钥"))?;
            let old_epoch = store.audit_epochs().await.map_err(|e| anyhow!("{e}"))?.last().map_or(0, |e| e.epoch);
            let new_key = gongkai_store::audit_keys::random_key();
            // Keep the old key under its epoch and write the new one beside the key file
            // before the database moves to the new epoch, so no key is ever lost; then put
            // the new key in place.
            let mut staged_name = key_file.file_name().unwrap_or_default().to_os_string();
            staged_name.push(".new");
            let staged = key_file.with_file_name(staged_name);
            if old_epoch > 0 {
                let keep = gongkai_store::audit_keys::older_key_path(key_file, old_epoch);
                if !keep.exists() {
                    gongkai_store::audit_keys::write_key_file(&keep, &old).map_err(|e| anyhow!("{e}"))?;
                }
            }
            let _ = std::fs::remove_file(&staged);
            gongkai_store::audit_keys::write_key_file(&staged, &new_key).map_err(|e| anyhow!("{e}"))?;
            let epoch = match store.audit_rotate_key(new_key.clone(), Actor::system("cli")).await {
                Ok(e) => e,
                Err(e) => {
                    let _ = std::fs::remove_file(&staged);
                    bail!("{e}");
                }
            };
            std::fs::rename(&staged, key_file).with_context(|| {
                format!(
                    "新纪元 {epoch} 已开始，但无法把 {} 改名为 {}，请手动改名",
                    staged.display(),
                    key_file.display()
                )
            })?;
            println!(
                "审计密钥已轮换：纪元 {epoch}，新密钥标识 {}，写入 {}；旧密钥（标识 {}）保存在 {}。",
                new_key.id(),
                key_file.display(),
                old.id(),
                if old_epoch > 0 {
                    gongkai_store::audit_keys::older_key_path(key_file, old_epoch).display().to_string()
                } else {
                    "（未曾使用，已丢弃）".into()
                }
            );
            println!("请把新密钥文件复制到所有节点后再启动服务；校验旧记录需要保留旧密钥文件。");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Raises the soft limit of open files to the hard limit: every connection is a descriptor,
/// and at the soft limit (often 1024) the server would stop accepting and the search index
/// could not open its files. The connection cap is kept below what the limit allows.
fn raise_open_file_limit(server: &mut gongkai_web::ServerOptions) {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => {
            let room = usize::try_from(limit.saturating_sub(512)).unwrap_or(usize::MAX).max(64);
            if server.max_connections > room {
                tracing::warn!(limit, max_connections = room, "connection cap lowered to fit the open-file limit");
                server.max_connections = room;
            }
            tracing::info!(open_files = limit, max_connections = server.max_connections, "open-file limit");
        }
        Err(e) => tracing::warn!(error = %e, "could not raise the open-file limit"),
    }
}

/// The limits of the extraction child processes, from the flags, checked.
fn extract_limits(args: &ServeArgs) -> anyhow::Result<gongkai_extract::Limits> {
    let d = gongkai_extract::Limits::default();
    let check = |name: &str, value: u64, range: std::ops::RangeInclusive<u64>| {
        if range.contains(&value) {
            Ok(value)
        } else {
            Err(anyhow!("{name} 的值 {value} 无效，应在 {} 到 {} 之间", range.start(), range.end()))
        }
    };
    Ok(gongkai_extract::Limits {
        memory_mb: check("extract_memory_mb", args.extract_memory_mb.unwrap_or(d.memory_mb), 64..=65_536)?,
        cpu_secs: check("extract_cpu_secs", args.extract_cpu_secs.unwrap_or(d.cpu_secs), 1..=3600)?,
        wall_secs: check("extract_timeout_secs", args.extract_timeout_secs.unwrap_or(d.wall_secs), 1..=3600)?,
        output_bytes: check(
            "extract_output_mb",
            args.extract_output_mb.map(|m| m as u64).unwrap_or((d.output_bytes >> 20) as u64),
            1..=1024,
        )? as usize
            * 1024
            * 1024,
        jobs: check("extract_jobs", args.extract_jobs.map(|j| j as u64).unwrap_or(d.jobs as u64), 1..=64)? as usize,
    })
}

/// Resolves on Ctrl+C or SIGTERM; the server then stops accepting and finishes requests in
/// flight.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown requested; finishing requests in flight");
}

async fn calendar(command: CalendarCommand, settings: &DatabaseSettings) -> anyhow::Result<ExitCode> {
    let date = |raw: &str| parse_date(raw).ok_or_else(|| anyhow!("日期“{raw}”无效，应为 YYYY-MM-DD"));
    let store = open(settings).await?;
    let calendar = store.calendar().await.map_err(|e| anyhow!("{e}"))?;
    let warn = |years: &[i32]| {
        if !years.is_empty() {
            let list: Vec<String> = years.iter().map(|y| y.to_string()).collect();
            eprintln!("注意：{} 年的节假日安排尚未录入，按周一至周五计算", list.join("、"));
        }
    };
    match command {
        CalendarCommand::IsWorkday { date: d } => {
            let answer = calendar.is_workday(date(&d)?);
            warn(&answer.assumed_years);
            println!("{}", answer.value);
        }
        CalendarCommand::AddWorkdays { date: d, days } => {
            let answer =
                calendar.checked_add_workdays(date(&d)?, days).ok_or_else(|| anyhow!("工作日数 {days} 过大"))?;
            warn(&answer.assumed_years);
            println!("{}", answer.value.format("%Y-%m-%d"));
        }
        CalendarCommand::Between { from, to } => {
            let answer = calendar.workdays_between(date(&from)?, date(&to)?);
            warn(&answer.assumed_years);
            println!("{}", answer.value);
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn init(args: InitArgs, settings: &DatabaseSettings) -> anyhow::Result<ExitCode> {
    use gongkai_domain::staff::{Role, parse_username};
    use gongkai_domain::units::{UnitFields, UnitInput, UnitKind};
    let store = open(settings).await?;
    if store.unit_count().await.map_err(|e| anyhow!("{e}"))? > 0 {
        bail!("数据库中已有单位，无需初始化");
    }
    let input = UnitInput {
        name: args.unit_name,
        division_code: args.division_code,
        credit_code: args.credit_code,
        ..Default::default()
    };
    let fields = UnitFields::parse(UnitKind::Government, &input).map_err(|e| anyhow!("{e}"))?;
    let username = parse_username(&args.admin).map_err(|e| anyhow!("{e}"))?;
    let password = format!("Gk-{}", gongkai_store::credentials::new_secret("").chars().take(16).collect::<String>());
    let hash = gongkai_store::credentials::hash_password(&password);
    let mut w = store.write(Actor::system("init")).await.map_err(|e| anyhow!("{e}"))?;
    let unit_id = w.unit_create(None, UnitKind::Government, &fields, 0, None).await.map_err(|e| anyhow!("{e}"))?;
    let user = gongkai_store::users::NewUser {
        username: username.clone(),
        display_name: "系统管理员".into(),
        unit_id,
        roles: [Role::SystemAdmin].into_iter().collect(),
        phone: String::new(),
        email: String::new(),
        password_hash: hash,
        partner_channel: None,
    };
    w.user_create(&user).await.map_err(|e| anyhow!("{e}"))?;
    w.commit().await.map_err(|e| anyhow!("{e}"))?;
    println!("已建立“{}”和系统管理员 {username}。初始密码（只显示这一次，登录后请立即修改）：", fields.name);
    println!("{password}");
    Ok(ExitCode::SUCCESS)
}

fn progress_bar(total: u64, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!("{what} {{bar:40}} {{pos}}/{{len}} {{per_sec}} 剩余 {{eta}}"))
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

async fn import_documents(
    settings: &DatabaseSettings,
    file: &Path,
    unit: Option<String>,
    batch: usize,
) -> anyhow::Result<ExitCode> {
    let store = open(settings).await?;
    let raw = std::fs::read(file).with_context(|| format!("无法读取 {}", file.display()))?;
    let default_unit = match unit {
        None => None,
        Some(u) => match u.trim().parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => Some(
                store
                    .unit_by_credit_code(&u.trim().to_uppercase())
                    .await
                    .map_err(|e| anyhow!("{e}"))?
                    .ok_or_else(|| anyhow!("没有统一社会信用代码为 {u} 的单位"))?
                    .id,
            ),
        },
    };
    let started = Instant::now();
    let gongkai_store::import::PreparedFile { items: docs, errors } =
        gongkai_store::import::prepare(&store, &raw, default_unit).await.map_err(|e| anyhow!("{e}"))?;
    if !errors.is_empty() {
        for e in errors.iter().take(50) {
            eprintln!("第 {} 行：{}", e.line, e.message);
        }
        if errors.len() > 50 {
            eprintln!("……另有 {} 行有问题", errors.len() - 50);
        }
        bail!("{} 行有问题，没有导入任何文件；请改正后重新导入", errors.len());
    }
    let bar = progress_bar(docs.len() as u64, "导入");
    let report = gongkai_store::import::write(&store, &docs, batch, Actor::system("import"), |done| {
        bar.set_position(done as u64)
    })
    .await
    .map_err(|e| anyhow!("{e}"))?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "导入完成：新增 {} 件，已存在跳过 {} 件，用时 {:.1} 秒（{:.0} 件/秒，{:.1} MB/秒）。运行中的服务将自动更新检索索引。",
        report.imported,
        report.skipped,
        secs,
        docs.len() as f64 / secs.max(0.001),
        raw.len() as f64 / 1_048_576.0 / secs.max(0.001)
    );
    Ok(ExitCode::SUCCESS)
}

async fn import_policies(settings: &DatabaseSettings, file: &Path) -> anyhow::Result<ExitCode> {
    let store = open(settings).await?;
    let raw = std::fs::read(file).with_context(|| format!("无法读取 {}", file.display()))?;
    let mut text = String::new();
    let read = if raw.starts_with(&[0x1f, 0x8b]) {
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&raw[..]), &mut text)
    } else {
        std::io::Read::read_to_string(&mut &raw[..], &mut text)
    };
    read.with_context(|| format!("{} 不是 UTF-8 文本或 gzip 压缩的 UTF-8 文本", file.display()))?;
    match gongkai_app::business_policy::import::import_file(&store, &text).await {
        Ok(r) => {
            println!("导入完成：新增 {} 项，更新 {} 项，未变 {} 项；均已发布。", r.created, r.updated, r.unchanged);
            Ok(ExitCode::SUCCESS)
        }
        Err(gongkai_app::Error::Invalid(e)) => {
            for fe in e.0.iter().take(50) {
                eprintln!("{}", fe.message);
            }
            if e.0.len() > 50 {
                eprintln!("……另有 {} 处问题", e.0.len() - 50);
            }
            bail!("有 {} 处问题，没有导入任何政策；请改正后重新导入", e.0.len());
        }
        Err(e) => bail!("{e}"),
    }
}

async fn reindex(settings: &DatabaseSettings) -> anyhow::Result<ExitCode> {
    let store = open(settings).await?;
    let words = dictionary_words(&store).await?;
    let path = settings.data_dir.join("index");
    let (index, _) = gongkai_search::SearchIndex::open_for_rebuild(&path, &words)
        .map_err(|e| anyhow!("{e}（服务运行时请先停止服务）"))?;
    let total = store.public_documents(&Default::default(), 1, 0).await.map_err(|e| anyhow!("{e}"))?.total;
    let bar = progress_bar(total as u64, "索引");
    let started = Instant::now();
    let n = index.rebuild(&store, |done| bar.set_position(done)).await.map_err(|e| anyhow!("{e}"))?;
    bar.finish_and_clear();
    println!("检索索引已重建：{n} 件，用时 {:.1} 秒", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

/// Unit names and short names, for the search tokenizer's dictionary.
async fn dictionary_words(store: &Store) -> anyhow::Result<Vec<String>> {
    let units = store.units_all().await.map_err(|e| anyhow!("{e}"))?;
    Ok(units.iter().flat_map(|u| [u.name.clone(), u.short_name.clone()]).collect())
}
