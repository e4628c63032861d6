//! `gatehouse users list`: a tenant's users and their sign-in methods — the
//! PowerShell admin's `Get-MsolUser | where { $_.StrongAuthenticationMethods }
//! | select UserPrincipalName, Methods` — through the list service behind the
//! Users page and `/api/v1/users`. Every page is read and written as it
//! comes, so a tenant of any size streams out in constant memory.

use std::io::{self, BufWriter, StdoutLock, Write};

use clap::{Args, Subcommand};

use app::domain::{TenantSlug, UserType};
use app::ssr::db;
use app::ssr::page::PageSize;
use app::ssr::spreadsheet;
use app::users::ssr::{list_users_page, UserCursor, UserFilter, UserListItem, UserSearch};
use app::users::MethodType;

use super::{require_tenant, CliError};
use crate::graph;

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// List a tenant's users with their MFA methods, ordered by display name.
    List(ListArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// The tenant's slug.
    #[arg(long)]
    tenant: String,
    /// Only guests.
    #[arg(long, conflicts_with = "members")]
    guests: bool,
    /// Only members.
    #[arg(long)]
    members: bool,
    /// Only users with an active MFA method.
    #[arg(long, conflicts_with = "without_methods")]
    with_methods: bool,
    /// Only users without one.
    #[arg(long)]
    without_methods: bool,
    /// Only users whose UPN, display name or e-mail address starts with this
    /// (any case).
    #[arg(long)]
    search: Option<String>,
    /// Output: a table for people, json (the REST API's list, every page in
    /// one) or csv for machines.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    format: ListFormat,
}

/// What `users list` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    #[value(alias = "text")]
    Table,
    Json,
    Csv,
}

/// Users read from the store at a time.
const BATCH: PageSize = PageSize::new(1_000);

pub async fn run(database_url: &str, command: UsersCommand) -> Result<(), CliError> {
    let UsersCommand::List(args) = command;
    let slug = TenantSlug::parse(&args.tenant)?;
    let filter = UserFilter {
        user_type: match (args.guests, args.members) {
            (true, _) => Some(UserType::Guest),
            (_, true) => Some(UserType::Member),
            _ => None,
        },
        has_methods: match (args.with_methods, args.without_methods) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        },
        search: args
            .search
            .as_deref()
            .map(UserSearch::parse)
            .transpose()?
            .flatten(),
    };
    let pool = db::open(database_url).await?;
    let tenant = require_tenant(&pool, &slug).await?;
    let mut conn = pool.acquire().await.map_err(app::ssr::Error::from)?;
    let mut out = Output::new(args.format, io::stdout().lock()).map_err(write_failed)?;
    let mut after: Option<UserCursor> = None;
    loop {
        let page = list_users_page(&mut conn, &tenant.id, &filter, after.as_ref(), BATCH).await?;
        for user in &page.items {
            out.user(user).map_err(write_failed)?;
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    out.finish().map_err(write_failed)
}

fn write_failed(error: io::Error) -> CliError {
    CliError::Refused(format!("cannot write the list: {error}"))
}

/// The method types a user has, in their order.
fn method_types(user: &UserListItem) -> impl Iterator<Item = &'static str> + '_ {
    user.methods.iter().map(|summary| summary.method.as_str())
}

/// The writer of one format, a user at a time.
enum Output<'a> {
    Table {
        out: BufWriter<StdoutLock<'a>>,
        /// The UPN column's width: the header's, grown to the first page's
        /// longest UPN (later, longer ones push their row out).
        width: Option<usize>,
        pending: Vec<UserListItem>,
    },
    /// `{"next":null,"value":[…]}`, the REST API's page with every user.
    Json {
        out: BufWriter<StdoutLock<'a>>,
        first: bool,
    },
    Csv(Box<csv::Writer<StdoutLock<'a>>>),
}

const UPN_HEADER: &str = "UserPrincipalName";
/// Rows a table waits for to size its UPN column.
const TABLE_SIZING_ROWS: usize = 100;

impl<'a> Output<'a> {
    fn new(format: ListFormat, stdout: StdoutLock<'a>) -> io::Result<Self> {
        Ok(match format {
            ListFormat::Table => Self::Table {
                out: BufWriter::new(stdout),
                width: None,
                pending: Vec::new(),
            },
            ListFormat::Json => {
                let mut out = BufWriter::new(stdout);
                out.write_all(br#"{"next":null,"value":["#)?;
                Self::Json { out, first: true }
            }
            ListFormat::Csv => {
                let mut csv = csv::Writer::from_writer(stdout);
                csv.write_record([
                    "id",
                    "userPrincipalName",
                    "displayName",
                    "mail",
                    "userType",
                    "externalUserState",
                    "methods",
                    MethodType::Totp.as_str(),
                    MethodType::Webauthn.as_str(),
                    MethodType::RecoveryCodes.as_str(),
                    "lastUsedDateTime",
                ])?;
                Self::Csv(Box::new(csv))
            }
        })
    }

    fn user(&mut self, user: &UserListItem) -> io::Result<()> {
        match self {
            Self::Table {
                out,
                width,
                pending,
            } => match width {
                Some(width) => table_row(out, *width, user),
                None => {
                    pending.push(user.clone());
                    if pending.len() < TABLE_SIZING_ROWS {
                        return Ok(());
                    }
                    let sized = table_start(out, pending)?;
                    *width = Some(sized);
                    Ok(())
                }
            },
            Self::Json { out, first } => {
                if !*first {
                    out.write_all(b",")?;
                }
                *first = false;
                serde_json::to_writer(&mut *out, &graph::User::from(user))?;
                Ok(())
            }
            Self::Csv(csv) => {
                let count = |method: MethodType| {
                    user.methods
                        .iter()
                        .find(|summary| summary.method == method)
                        .map_or(0, |summary| summary.count)
                        .to_string()
                };
                let last_used = user
                    .methods
                    .iter()
                    .filter_map(|summary| summary.last_used_at)
                    .max()
                    .map(graph::date_time)
                    .unwrap_or_default();
                let types = method_types(user).collect::<Vec<_>>().join(" ");
                let fields = [
                    user.id.as_str(),
                    user.upn.as_str(),
                    user.display_name.as_str(),
                    user.mail.as_ref().map_or("", |mail| mail.as_str()),
                    user.user_type.as_str(),
                    user.external_user_state.map_or("", |state| state.as_str()),
                    &types,
                    &count(MethodType::Totp),
                    &count(MethodType::Webauthn),
                    &count(MethodType::RecoveryCodes),
                    &last_used,
                ];
                csv.write_record(
                    fields
                        .map(spreadsheet::cell)
                        .iter()
                        .map(AsRef::<str>::as_ref),
                )?;
                Ok(())
            }
        }
    }

    fn finish(self) -> io::Result<()> {
        match self {
            Self::Table {
                mut out,
                width,
                mut pending,
            } => {
                if width.is_none() {
                    table_start(&mut out, &mut pending)?;
                }
                out.flush()
            }
            Self::Json { mut out, .. } => {
                out.write_all(b"]}\n")?;
                out.flush()
            }
            Self::Csv(mut csv) => csv.flush(),
        }
    }
}

/// The header, sized to `rows`, then `rows` (emptied); the UPN width.
fn table_start(out: &mut impl Write, rows: &mut Vec<UserListItem>) -> io::Result<usize> {
    let width = rows
        .iter()
        .map(|user| user.upn.as_str().chars().count())
        .chain([UPN_HEADER.len()])
        .max()
        .unwrap_or(UPN_HEADER.len());
    writeln!(out, "{UPN_HEADER:<width$}  UserType  Methods")?;
    writeln!(
        out,
        "{:<width$}  --------  -------",
        "-".repeat(UPN_HEADER.len())
    )?;
    for user in rows.drain(..) {
        table_row(out, width, &user)?;
    }
    Ok(width)
}

fn table_row(out: &mut impl Write, width: usize, user: &UserListItem) -> io::Result<()> {
    let methods = method_types(user).collect::<Vec<_>>().join(", ");
    writeln!(
        out,
        "{:<width$}  {:<8}  {}",
        user.upn.as_str(),
        user.user_type.as_str(),
        if methods.is_empty() { "-" } else { &methods }
    )
}
