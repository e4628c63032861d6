//! The mails Gatehouse writes, each as a plain-text and an HTML part.
//!
//! Every value that comes from a person — names, the personal message, URLs —
//! goes into the HTML part through [`text`] or [`attr`], so it arrives as the
//! characters typed and never as markup (DESIGN §3.1: the personal message is
//! plain text, never HTML). Subjects are stored in clear in the outbox, so
//! they never carry a link or a code.

use html_escape::{encode_double_quoted_attribute, encode_text};
use secrecy::{ExposeSecret, SecretString};

use super::OutgoingMail;
use crate::domain::Email;

/// How long an e-mailed one-time passcode is valid (DESIGN §3.2).
pub const CODE_VALID_MINUTES: i64 = 30;

/// Escapes `value` for HTML text content.
fn text(value: &str) -> String {
    encode_text(value).into_owned()
}

/// Escapes `value` for a double-quoted HTML attribute.
fn attr(value: &str) -> String {
    encode_double_quoted_attribute(value).into_owned()
}

/// Plain text as HTML: escaped, line breaks kept.
fn paragraphs(value: &str) -> String {
    text(&value.replace("\r\n", "\n")).replace('\n', "<br>\n")
}

/// The HTML document around a mail's content: inline styles only, as mail
/// clients drop style sheets.
fn document(title: &str, content: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n</head>\n\
         <body style=\"margin:0;padding:24px;background:#f3f4f6;font-family:Segoe UI,Helvetica,Arial,sans-serif;color:#1f2937;line-height:1.5\">\n\
         <div style=\"max-width:560px;margin:0 auto;background:#ffffff;padding:24px;border-radius:6px\">\n\
         {content}</div>\n</body>\n</html>\n",
        title = text(title),
    )
}

/// What an invitation mail says; the caller has it all at hand when it
/// creates or re-sends an invitation.
pub struct InvitationMail<'a> {
    /// The resource tenant's id and display name.
    pub tenant_id: &'a str,
    pub tenant_name: &'a str,
    /// Who invites, as people know them (a display name).
    pub inviter_name: &'a str,
    /// The inviter's address, shown beside the name when there is one.
    pub inviter_email: Option<&'a str>,
    pub to: &'a Email,
    /// The personal message: plain text, shown as typed.
    pub message: Option<&'a str>,
    /// The redeem link, which exists only now (only its hash is stored).
    pub redeem_url: &'a SecretString,
    /// Where the guest lands after accepting.
    pub redirect_url: &'a str,
    /// The tenant's privacy statement (`Tenant::privacy_statement`).
    pub privacy_url: &'a str,
}

impl std::fmt::Debug for InvitationMail<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InvitationMail")
            .field("tenant_id", &self.tenant_id)
            .field("to", &self.to)
            .finish_non_exhaustive()
    }
}

/// The invitation e-mail (DESIGN §3.1): who invites to which tenant, the
/// personal message as plain text, an "Accept invitation" button to the
/// redeem link, where accepting leads, a phishing warning and the tenant's
/// privacy statement.
pub fn invitation_mail(invite: &InvitationMail<'_>) -> OutgoingMail {
    let InvitationMail {
        tenant_id,
        tenant_name,
        inviter_name,
        inviter_email,
        to,
        message,
        redeem_url,
        redirect_url,
        privacy_url,
    } = invite;
    let redeem_url = redeem_url.expose_secret();
    let subject = format!("{inviter_name} invited you to access applications within {tenant_name}");
    let inviter = match inviter_email {
        Some(email) => format!("{inviter_name} ({email})"),
        None => (*inviter_name).to_owned(),
    };
    let message = message.map(str::trim).filter(|message| !message.is_empty());

    let mut plain =
        format!("{inviter} invited you to access applications within {tenant_name}.\n\n");
    if let Some(message) = message {
        plain.push_str(&format!("Message from {inviter_name}:\n{message}\n\n"));
    }
    plain.push_str(&format!(
        "Accept invitation:\n{redeem_url}\n\n\
         After you accept, you will be taken to:\n{redirect_url}\n\n\
         Be careful: only accept this invitation if you know {inviter_name} and expected \
         it. If you don't recognise the sender, or the message asks you for a password or \
         a code, it may be a phishing attempt: don't open the link, and delete this e-mail.\n\n\
         When you accept, {tenant_name} will see your name and e-mail address. \
         {tenant_name}'s privacy statement: {privacy_url}\n\n\
         This invitation was sent to {to} on behalf of {tenant_name}.\n",
        to = to.as_str(),
    ));

    let mut content = format!(
        "<p style=\"font-size:18px;margin:0 0 16px\"><strong>{inviter}</strong> invited you to access \
         applications within <strong>{tenant}</strong>.</p>\n",
        inviter = text(&inviter),
        tenant = text(tenant_name),
    );
    if let Some(message) = message {
        content.push_str(&format!(
            "<p style=\"margin:0 0 4px;color:#4b5563\">Message from {inviter_name}:</p>\n\
             <blockquote style=\"margin:0 0 16px;padding:8px 12px;border-left:4px solid #d1d5db;background:#f9fafb\">{message}</blockquote>\n",
            inviter_name = text(inviter_name),
            message = paragraphs(message),
        ));
    }
    content.push_str(&format!(
        "<p style=\"margin:24px 0\"><a href=\"{href}\" style=\"display:inline-block;padding:10px 20px;\
         background:#2563eb;color:#ffffff;text-decoration:none;border-radius:4px;font-weight:600\">Accept invitation</a></p>\n\
         <p style=\"font-size:13px;color:#4b5563\">If the button does not work, open this link: \
         <a href=\"{href}\">{link}</a></p>\n\
         <p>After you accept, you will be taken to: <span style=\"word-break:break-all\">{redirect}</span></p>\n\
         <p style=\"padding:12px;background:#fef3c7;border-radius:4px\"><strong>Be careful:</strong> only accept \
         this invitation if you know {inviter_name} and expected it. If you don't recognise the sender, or the \
         message asks you for a password or a code, it may be a phishing attempt: don't open the link, and delete \
         this e-mail.</p>\n\
         <p style=\"font-size:13px;color:#4b5563\">When you accept, {tenant} will see your name and e-mail address. \
         <a href=\"{privacy_href}\">{tenant}'s privacy statement</a></p>\n\
         <p style=\"font-size:12px;color:#6b7280\">This invitation was sent to {to} on behalf of {tenant}.</p>\n",
        href = attr(redeem_url),
        link = text(redeem_url),
        redirect = text(redirect_url),
        inviter_name = text(inviter_name),
        tenant = text(tenant_name),
        privacy_href = attr(privacy_url),
        to = text(to.as_str()),
    ));

    OutgoingMail {
        tenant_id: Some((*tenant_id).to_owned()),
        to: (*to).clone(),
        html: document(&subject, &content),
        subject,
        text: plain,
    }
}

/// A one-time passcode mail (DESIGN §3.2): "Your Woodgrove verification code
/// is 12345678", valid [`CODE_VALID_MINUTES`]. `purpose` completes the
/// sentence "Use it to …" (e.g. "accept your invitation to Woodgrove").
/// The code is in the body only, never in the subject, which is stored in
/// clear.
pub fn code_mail(
    to: &Email,
    code: &str,
    purpose: &str,
    tenant_name: &str,
    tenant_id: Option<&str>,
) -> OutgoingMail {
    let subject = format!("Your {tenant_name} verification code");
    let plain = format!(
        "Your {tenant_name} verification code is {code}\n\n\
         Use it to {purpose}. It is valid for {CODE_VALID_MINUTES} minutes.\n\n\
         If you didn't ask for a code, someone may have typed your address by mistake: \
         you can ignore this e-mail. Never share this code; {tenant_name} will never ask \
         you for it.\n\n\
         This code was sent to {to}.\n",
        to = to.as_str(),
    );
    let content = format!(
        "<p style=\"margin:0 0 16px\">Your {tenant} verification code is</p>\n\
         <p style=\"font-size:28px;font-weight:700;letter-spacing:4px;margin:0 0 16px;font-family:Consolas,monospace\">{code}</p>\n\
         <p>Use it to {purpose}. It is valid for {CODE_VALID_MINUTES} minutes.</p>\n\
         <p style=\"font-size:13px;color:#4b5563\">If you didn't ask for a code, someone may have typed your \
         address by mistake: you can ignore this e-mail. Never share this code; {tenant} will never ask you for it.</p>\n\
         <p style=\"font-size:12px;color:#6b7280\">This code was sent to {to}.</p>\n",
        tenant = text(tenant_name),
        code = text(code),
        purpose = text(purpose),
        to = text(to.as_str()),
    );
    OutgoingMail {
        tenant_id: tenant_id.map(str::to_owned),
        to: to.clone(),
        html: document(&subject, &content),
        subject,
        text: plain,
    }
}

/// "Your sign-in methods with Woodgrove were reset" (DESIGN §3.4): who did
/// it, what it means (set up a method again at the next sign-in), and what
/// to do if the user did not expect it. No link: a mail that asks for
/// action on a security matter should not hand out one to click.
pub fn methods_reset_mail(
    to: &Email,
    tenant_name: &str,
    tenant_id: &str,
    upn: &str,
    by: &str,
    by_address: Option<&str>,
) -> OutgoingMail {
    let subject = format!("Your sign-in methods with {tenant_name} were reset");
    let by_line = match by_address {
        Some(address) => format!("{by} ({address})"),
        None => by.to_owned(),
    };
    let plain = format!(
        "{by_line} reset the sign-in methods of your account {upn} with {tenant_name}: \
         your authenticator apps, passkeys and recovery codes no longer work there.\n\n\
         The next time you open an application of {tenant_name} that asks for \
         verification, you will set up a sign-in method again.\n\n\
         If you did not expect this, contact {tenant_name}'s administrators.\n"
    );
    let content = format!(
        "<p style=\"margin:0 0 16px\">{by_line} reset the sign-in methods of your account \
         <strong>{upn}</strong> with {tenant}: your authenticator apps, passkeys and recovery \
         codes no longer work there.</p>\n\
         <p>The next time you open an application of {tenant} that asks for verification, you \
         will set up a sign-in method again.</p>\n\
         <p style=\"font-size:13px;color:#4b5563\">If you did not expect this, contact \
         {tenant}'s administrators.</p>\n",
        by_line = text(&by_line),
        upn = text(upn),
        tenant = text(tenant_name),
    );
    OutgoingMail {
        tenant_id: Some(tenant_id.to_owned()),
        to: to.clone(),
        html: document(&subject, &content),
        subject,
        text: plain,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REDEEM: &str = "http://localhost:3000/redeem?ticket=abc_DEF-123";

    fn invitation(message: Option<&str>) -> OutgoingMail {
        let to = Email::parse("Bob@Fabrikam.test").unwrap();
        let redeem_url = SecretString::from(REDEEM);
        invitation_mail(&InvitationMail {
            tenant_id: "t-1",
            tenant_name: "Woodgrove",
            inviter_name: "Megan Bowen",
            inviter_email: Some("megan@woodgrove.test"),
            to: &to,
            message,
            redeem_url: &redeem_url,
            redirect_url: "https://foo.woodgrove.test/app?x=1&y=2",
            privacy_url: "http://localhost:3000/privacy",
        })
    }

    #[test]
    fn the_subject_names_the_inviter_and_the_tenant() {
        let mail = invitation(None);
        assert_eq!(
            mail.subject,
            "Megan Bowen invited you to access applications within Woodgrove"
        );
        assert_eq!(mail.to.as_str(), "bob@fabrikam.test");
        assert_eq!(mail.tenant_id.as_deref(), Some("t-1"));
        assert!(!mail.subject.contains("ticket"));
    }

    #[test]
    fn the_redeem_link_is_in_both_parts() {
        let mail = invitation(None);
        assert!(mail.text.contains(REDEEM), "{}", mail.text);
        assert!(
            mail.html.contains(&format!("href=\"{REDEEM}\"")),
            "{}",
            mail.html
        );
        assert!(mail.html.contains(">Accept invitation</a>"));
        assert!(mail.text.contains("Accept invitation"));
    }

    #[test]
    fn the_mail_shows_the_redirect_the_inviter_a_warning_and_the_privacy_statement() {
        let mail = invitation(None);
        for part in [&mail.text, &mail.html] {
            assert!(part.contains("Megan Bowen"));
            assert!(part.contains("megan@woodgrove.test"));
            assert!(part.contains("phishing"));
            assert!(part.contains("http://localhost:3000/privacy"));
        }
        assert!(mail.text.contains("https://foo.woodgrove.test/app?x=1&y=2"));
        assert!(mail
            .html
            .contains("https://foo.woodgrove.test/app?x=1&amp;y=2"));
        assert!(
            !mail.text.contains("Message from"),
            "no message, no heading"
        );
    }

    #[test]
    fn the_personal_message_arrives_as_text_never_as_markup() {
        let mail = invitation(Some(
            "Hi Bob,\n<script>alert('x')</script> & <b>welcome</b>",
        ));
        assert!(mail
            .html
            .contains("&lt;script&gt;alert('x')&lt;/script&gt; &amp; &lt;b&gt;welcome&lt;/b&gt;"));
        assert!(!mail.html.contains("<script"), "{}", mail.html);
        assert!(!mail.html.contains("<b>"));
        assert!(mail.html.contains("Hi Bob,<br>\n"), "line breaks kept");
        assert!(mail
            .text
            .contains("Hi Bob,\n<script>alert('x')</script> & <b>welcome</b>"));
    }

    #[test]
    fn names_are_escaped_in_the_html_part() {
        let to = Email::parse("bob@fabrikam.test").unwrap();
        let redeem_url = SecretString::from(REDEEM);
        let mail = invitation_mail(&InvitationMail {
            tenant_id: "t-1",
            tenant_name: "<Woodgrove & Co>",
            inviter_name: "\"Megan\" <img src=x>",
            inviter_email: None,
            to: &to,
            message: None,
            redeem_url: &redeem_url,
            redirect_url: "https://x.test/\"><script>",
            privacy_url: "https://x.test/\"><script>",
        });
        assert!(!mail.html.contains("<img"));
        assert!(!mail.html.contains("<Woodgrove"));
        assert!(!mail.html.contains("<script"));
        assert!(mail.html.contains("&lt;Woodgrove &amp; Co&gt;"));
    }

    #[test]
    fn a_code_mail_carries_the_code_in_the_body_only() {
        let to = Email::parse("bob@fabrikam.test").unwrap();
        let mail = code_mail(
            &to,
            "12345678",
            "accept your invitation to Woodgrove",
            "Woodgrove",
            Some("t-1"),
        );
        assert_eq!(mail.subject, "Your Woodgrove verification code");
        assert!(mail
            .text
            .starts_with("Your Woodgrove verification code is 12345678\n"));
        assert!(mail.text.contains("valid for 30 minutes"));
        assert!(mail.html.contains(">12345678</p>"));
        assert!(mail.html.contains("30 minutes"));
        assert_eq!(mail.tenant_id.as_deref(), Some("t-1"));
    }

    #[test]
    fn a_reset_mail_names_who_reset_and_escapes_it() {
        let to = Email::parse("alice@contoso.test").unwrap();
        let mail = methods_reset_mail(
            &to,
            "Woodgrove",
            "t-1",
            "alice_contoso.test#EXT#@woodgrove.test",
            "Megan <b>Bowen</b>",
            Some("megan@woodgrove.test"),
        );
        assert_eq!(
            mail.subject,
            "Your sign-in methods with Woodgrove were reset"
        );
        assert!(mail.text.starts_with(
            "Megan <b>Bowen</b> (megan@woodgrove.test) reset the sign-in methods of your \
             account alice_contoso.test#EXT#@woodgrove.test with Woodgrove"
        ));
        assert!(mail
            .html
            .contains("Megan &lt;b&gt;Bowen&lt;/b&gt; (megan@woodgrove.test)"));
        assert!(!mail.html.contains("<b>Bowen"));
        assert!(
            !mail.text.contains("http"),
            "no link to click: {}",
            mail.text
        );
    }
}
