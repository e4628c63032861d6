//! Who is acting: built once per request — by the server function from the
//! session, by the REST handler from the bearer token, by the CLI — and
//! handed to every service, which records it on what it writes and in the
//! audit trail.

use crate::auth::ssr::Identity;

/// The one who acts, and from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub kind: ActorKind,
    /// The client's address, when the action came over the network.
    pub ip: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActorKind {
    /// A user object of a tenant — a member, or a guest acting in its
    /// resource tenant.
    User {
        id: String,
        tenant_id: String,
        upn: String,
        display_name: String,
    },
    /// Someone known by a home identity that is no user object of the
    /// tenant concerned (a personal account, an e-mail address proven by a
    /// code), or a name that failed to sign in.
    Person { name: String },
    /// A REST API bearer token of a tenant.
    ApiToken {
        id: String,
        name: String,
        tenant_id: String,
    },
    /// An application, at the OpenID Connect token endpoint.
    Client { client_id: String },
    /// The operator's command line.
    Cli,
}

impl Actor {
    /// The operator at the command line.
    pub fn cli() -> Self {
        Self {
            kind: ActorKind::Cli,
            ip: None,
        }
    }

    /// The identity behind a session: its work account as a user, any other
    /// home identity as a person.
    pub fn identity(identity: &Identity, ip: Option<String>) -> Self {
        let kind = match identity.member() {
            Some(user) => ActorKind::User {
                id: user.id.clone(),
                tenant_id: user.tenant_id.clone(),
                upn: user.upn.as_str().to_owned(),
                display_name: user.display_name.clone(),
            },
            None => ActorKind::Person {
                name: identity.sign_in_name().to_owned(),
            },
        };
        Self { kind, ip }
    }

    /// Someone who is not (yet) signed in, known only by the name they gave.
    pub fn person(name: &str, ip: Option<String>) -> Self {
        Self {
            kind: ActorKind::Person {
                name: name.to_owned(),
            },
            ip,
        }
    }

    /// A REST API token of a tenant.
    pub fn api_token(id: &str, name: &str, tenant_id: &str, ip: Option<String>) -> Self {
        Self {
            kind: ActorKind::ApiToken {
                id: id.to_owned(),
                name: name.to_owned(),
                tenant_id: tenant_id.to_owned(),
            },
            ip,
        }
    }

    /// An application calling the OpenID Connect provider.
    pub fn client(client_id: &str, ip: Option<String>) -> Self {
        Self {
            kind: ActorKind::Client {
                client_id: client_id.to_owned(),
            },
            ip,
        }
    }

    /// How the audit trail and `created_by` columns name the actor.
    pub fn audit_name(&self) -> String {
        match &self.kind {
            ActorKind::User { upn, .. } => upn.clone(),
            ActorKind::Person { name } => name.clone(),
            ActorKind::ApiToken { id, name, .. } => format!("api-token:{id} ({name})"),
            ActorKind::Client { client_id } => format!("client:{client_id}"),
            ActorKind::Cli => "gatehouse cli".to_owned(),
        }
    }

    /// The user object acting, if it is one.
    pub fn user_id(&self) -> Option<&str> {
        match &self.kind {
            ActorKind::User { id, .. } => Some(id),
            _ => None,
        }
    }

    /// How a mail names the actor to its recipient: a person by name and
    /// address; anything else as `fallback` (the tenant itself).
    pub fn mail_name<'a>(&'a self, fallback: &'a str) -> (&'a str, Option<&'a str>) {
        match &self.kind {
            ActorKind::User {
                display_name, upn, ..
            } => (display_name, Some(upn)),
            _ => (fallback, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_actor_has_a_stable_audit_name() {
        assert_eq!(Actor::cli().audit_name(), "gatehouse cli");
        assert_eq!(
            Actor::api_token("t1", "CI", "tenant", None).audit_name(),
            "api-token:t1 (CI)"
        );
        assert_eq!(
            Actor::person("bob@fabrikam.test", None).audit_name(),
            "bob@fabrikam.test"
        );
    }

    #[test]
    fn only_a_user_is_named_in_mail_by_itself() {
        let user = Actor {
            kind: ActorKind::User {
                id: "u1".into(),
                tenant_id: "t".into(),
                upn: "megan@woodgrove.test".into(),
                display_name: "Megan Bowen".into(),
            },
            ip: None,
        };
        assert_eq!(
            user.mail_name("Woodgrove"),
            ("Megan Bowen", Some("megan@woodgrove.test"))
        );
        assert_eq!(Actor::cli().mail_name("Woodgrove"), ("Woodgrove", None));
    }
}
