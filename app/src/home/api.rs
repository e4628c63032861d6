//! The landing page's server function: public, and says nothing outside
//! demo mode.

use leptos::prelude::*;

use super::Landing;
use crate::error::AppError;

#[server(endpoint = "site_info")]
pub async fn site_info() -> Result<Landing, AppError> {
    use super::{DemoAccount, DemoSignIns};
    use crate::demo::ssr::{DEMO_ACCOUNTS, DEMO_PASSWORD};

    let state = crate::ssr::request::Request::current()?.state;
    let demo = state.config.demo.then(|| DemoSignIns {
        accounts: DEMO_ACCOUNTS
            .iter()
            .map(|account| DemoAccount {
                upn: account.upn.to_owned(),
                role: account.role.to_owned(),
            })
            .collect(),
        password: DEMO_PASSWORD.to_owned(),
    });
    Ok(Landing { demo })
}
