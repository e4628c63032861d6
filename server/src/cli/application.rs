//! `gatehouse app …`: register a tenant's applications (OpenID Connect
//! clients) and list them, through the service behind the Applications
//! pages and `/api/v1/applications`.

use clap::Subcommand;
use secrecy::ExposeSecret;

use app::applications::ssr::{create_application, list_applications, NewApplication};
use app::domain::{ApplicationName, ClientType, RedirectUris, TenantSlug};
use app::ssr::clock::UnixTime;
use app::ssr::db;
use app::ssr::Actor;

use super::output::{print_json, Format};
use super::{require_tenant, CliError};
use crate::graph;

#[derive(Debug, Subcommand)]
pub enum AppCommand {
    /// Register an application; prints its client id and — for a
    /// confidential client — its secret, once, alone on the last line.
    Create {
        /// The tenant's slug.
        #[arg(long)]
        tenant: String,
        /// The application's display name.
        #[arg(long)]
        name: String,
        /// A redirect URI (https, or http on localhost); repeat for more.
        #[arg(long = "redirect-uri", value_name = "URI")]
        redirect_uris: Vec<String>,
        /// A public client (single-page or native app): PKCE, no secret.
        #[arg(long)]
        public: bool,
        /// Only users assigned to the application may sign in to it.
        #[arg(long)]
        assignment_required: bool,
        /// Require MFA for everyone signing in to it: writes its "Require
        /// MFA" policy (premium tenants only).
        #[arg(long)]
        require_mfa: bool,
        /// Output: text, or json (the REST API's application) for machines.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// List a tenant's applications.
    List {
        /// The tenant's slug.
        #[arg(long)]
        tenant: String,
        /// Output: text, or json (the REST API's list) for machines.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

pub async fn run(database_url: &str, command: AppCommand, now: UnixTime) -> Result<(), CliError> {
    match command {
        AppCommand::Create {
            tenant,
            name,
            redirect_uris,
            public,
            assignment_required,
            require_mfa,
            format,
        } => {
            let slug = TenantSlug::parse(&tenant)?;
            let new = NewApplication {
                name: ApplicationName::parse(&name)?,
                redirect_uris: RedirectUris::parse(&redirect_uris)?,
                client_type: ClientType::from_public(public),
                assignment_required,
                require_mfa,
            };
            let pool = db::open(database_url).await?;
            let tenant = require_tenant(&pool, &slug).await?;
            let created = create_application(&pool, &tenant, &new, &Actor::cli(), now).await?;
            if format == Format::Json {
                return print_json(&graph::Application::from(&created));
            }
            let application = &created.application;
            println!(
                "registered {} in {} (application id {})",
                application.name, tenant.slug, application.id
            );
            println!("client id: {}", application.client_id);
            match &created.client_secret {
                Some(secret) => {
                    println!("client secret (shown once, stored only hashed):");
                    println!("{}", secret.expose_secret());
                }
                None => println!("public client: no secret, PKCE only"),
            }
            Ok(())
        }
        AppCommand::List { tenant, format } => {
            let slug = TenantSlug::parse(&tenant)?;
            let pool = db::open(database_url).await?;
            let tenant = require_tenant(&pool, &slug).await?;
            let mut conn = pool.acquire().await.map_err(app::ssr::Error::from)?;
            let applications = list_applications(&mut conn, &tenant).await?;
            if format == Format::Json {
                return print_json(&graph::Page {
                    next: None,
                    value: applications.iter().map(graph::Application::from).collect(),
                });
            }
            for application in &applications {
                println!(
                    "{}  {:<12}  {} redirect URI(s)  {}  {}",
                    application.client_id,
                    application.client_type.label(),
                    application.redirect_uris.len(),
                    if application.assignment_required {
                        "assignment required"
                    } else {
                        "open to all users"
                    },
                    application.name,
                );
            }
            Ok(())
        }
    }
}
