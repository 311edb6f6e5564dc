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
}

#[derive(Subcommand)]
enum Command {
    /// 启动服务
    Serve(ServeArgs),
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
}

#[derive(Subcommand)]
enum AuditCommand {
    /// 校验审计日志的哈希链；完整时退出码为 0
    Verify,
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
    match cli.command {
        Command::Serve(args) => serve(args, settings, file).await,
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
            let report = gongkai_store::demo::load(&store).await.map_err(|e| anyhow!("{e}"))?;
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
            let (_, secret) = w.token_create(found.id, &name).await.map_err(|e| anyhow!("{e}"))?;
            w.commit().await.map_err(|e| anyhow!("{e}"))?;
            println!(
                "已为 {}（{}）创建 API 令牌“{}”。令牌只显示这一次，请妥善保存：",
                found.username, found.display_name, name
            );
            println!("{secret}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { command: AuditCommand::Verify } => {
            let store = open(&settings).await?;
            match store.audit_verify().await.map_err(|e| anyhow!("{e}"))? {
                Ok(n) => {
                    println!("audit chain intact: {n} records");
                    Ok(ExitCode::SUCCESS)
                }
                Err(b) => {
                    eprintln!("audit chain broken: {b}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Calendar { command } => calendar(command, &settings).await,
        Command::Import { command: ImportCommand::Documents { file, unit, batch } } => {
            import_documents(&settings, &file, unit, batch).await
        }
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

fn print_logins(logins: &[gongkai_store::demo::DemoLogin]) {
    println!("演示账号（仅供演示，请勿用于正式环境）：");
    for l in logins {
        println!("  {:<15} {:<26} {}（{}）", l.username, l.password, l.display_name, l.unit_name);
    }
}

async fn serve(args: ServeArgs, settings: DatabaseSettings, file: FileConfig) -> anyhow::Result<ExitCode> {
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
    server.extractor = Some(std::env::current_exe().context("找不到本程序的路径，无法提取附件文字")?);
    server.extract_limits = extract_limits;
    let store = open(&settings).await?;
    let logins = if args.demo {
        Some(gongkai_store::demo::load(&store).await.map_err(|e| anyhow!("{e}"))?.logins)
    } else {
        None
    };
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
    if state.server.link_check {
        gongkai_web::spawn_link_checker(state.clone());
    }
    println!("gongkai {} — {}{}", env!("CARGO_PKG_VERSION"), site.site_name, site.site_subtitle);
    println!("数据库：{} {}", store.backend().name(), settings.target());
    println!("门户网站：http://{local}/");
    println!("管理后台：http://{local}/admin");
    println!("开放接口：http://{local}/api/v1/openapi.json");
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

    gongkai_web::serve(listener, state, shutdown_signal()).await.context("服务异常退出")?;
    store.close().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
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
    let (docs, errors) =
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

async fn reindex(settings: &DatabaseSettings) -> anyhow::Result<ExitCode> {
    let store = open(settings).await?;
    let words = dictionary_words(&store).await?;
    let path = settings.data_dir.join("index");
    let (index, _) = gongkai_search::SearchIndex::open_for_rebuild(&path, &words)
        .map_err(|e| anyhow!("{e}（服务运行时请先停止服务）"))?;
    let total = store.public_documents(&Default::default(), 1, 0).await.map_err(|e| anyhow!("{e}"))?.1;
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
