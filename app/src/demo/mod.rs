//! The demo data of DESIGN §7, so a newcomer can walk the whole story.
//!
//! Woodgrove has the demo application **Foo**, a confidential client whose
//! relying party Gatehouse itself hosts at `/demo/foo`. Its client id is
//! fixed ([`FOO_CLIENT_ID`]); its secret is derived from the deployment's
//! secret key (`ssr::demo_foo_client_secret`), so it is never stored in
//! plain text and the demo relying party knows it without a database read.

#[cfg(feature = "ssr")]
pub mod ssr;

/// The demo tenant that owns Foo.
pub const FOO_TENANT: &str = "woodgrove";
/// Foo's display name.
pub const FOO_NAME: &str = "Foo";
/// Foo's OAuth client id, the same in every deployment.
pub const FOO_CLIENT_ID: &str = "00000000-0000-4000-8000-00000000f000";
/// Foo's redirect URI, after the public URL's origin.
pub const FOO_CALLBACK_PATH: &str = "/demo/foo/callback";
