//! `gatehouse invite`: invite a guest the way the REST API does, and print
//! the redeem URL (or, with `--format json`, the API's invitation).

use clap::Args;
use secrecy::ExposeSecret;

use app::domain::{DisplayName, Email, InvitationMessage, RedirectUrl, TenantSlug};
use app::invitations::ssr::{create_invitation, NewInvitation};
use app::mail::ssr::MailContext;
use app::ssr::clock::UnixTime;
use app::ssr::config::PublicUrl;
use app::ssr::db;
use app::ssr::Actor;

use super::output::{print_json, Format};
use super::{require_tenant, CliError, KeyArgs};
use crate::graph;
use crate::startup::StartupError;

#[derive(Debug, Args)]
pub struct InviteArgs {
    /// The inviting tenant's slug.
    #[arg(long)]
    tenant: String,
    /// The guest's e-mail address.
    email: String,
    /// The guest's display name.
    #[arg(long)]
    name: Option<String>,
    /// Where the guest lands after accepting (default: My Apps).
    #[arg(long)]
    redirect: Option<String>,
    /// A personal message (plain text).
    #[arg(long)]
    message: Option<String>,
    /// Do not e-mail the invitation; hand over the printed URL yourself.
    #[arg(long)]
    no_email: bool,
    /// Let anyone with the link redeem it, not only the owner of the address.
    #[arg(long)]
    any_identity: bool,
    /// Where browsers reach Gatehouse (the redeem URL starts with it).
    #[arg(
        long,
        env = "GATEHOUSE_PUBLIC_URL",
        default_value = "http://localhost:3000"
    )]
    public_url: String,
    /// Output: text, or json for machines.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// The key that seals the queued invitation mail.
    #[command(flatten)]
    key: KeyArgs,
}

pub async fn run(database_url: &str, args: InviteArgs, now: UnixTime) -> Result<(), CliError> {
    let slug = TenantSlug::parse(&args.tenant)?;
    let public_url = PublicUrl::parse(&args.public_url)
        .map_err(|e| CliError::BadInput(format!("GATEHOUSE_PUBLIC_URL: {e}")))?;
    let redirect = args
        .redirect
        .unwrap_or_else(|| format!("{}/myapps", public_url.origin()));
    let new = NewInvitation {
        email: Email::parse(&args.email)?,
        display_name: args.name.as_deref().map(DisplayName::parse).transpose()?,
        redirect_url: RedirectUrl::parse(&redirect)?,
        message: args
            .message
            .as_deref()
            .map(InvitationMessage::parse)
            .transpose()?
            .flatten(),
        send_email: !args.no_email,
        allow_any_identity: args.any_identity,
    };
    let pool = db::open(database_url).await?;
    let tenant = require_tenant(&pool, &slug).await?;
    let key =
        crate::secret_key::load_existing(args.key.secret_key.as_deref(), &args.key.secret_key_file)
            .map_err(StartupError::from)?;
    let mail = MailContext::new(&public_url, &key);
    let issued = create_invitation(&pool, mail, &tenant, &new, &Actor::cli(), now).await?;
    match args.format {
        Format::Text => {
            let invitation = &issued.invitation;
            println!(
                "invited {} to {} as {}",
                invitation.invited_email, tenant.slug, invitation.guest_upn
            );
            println!("{}", issued.redeem_url.expose_secret());
            Ok(())
        }
        Format::Json => print_json(&graph::Invitation::from(&issued)),
    }
}
