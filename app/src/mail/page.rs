//! `/dev/mail`: the outbox, newest first, in demo mode only — how a person or
//! a browser test reads an invitation or a code without a mail server.
//!
//! The text part is shown as text with its links made clickable (a test finds
//! the redeem link by its `href`). The HTML part is shown as the mail client
//! would, inside `<iframe sandbox="">`: no script in it runs, and it cannot
//! reach this page.

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::dev_mail;
use super::OutboxMail;
use crate::components::ErrorPage;

#[component]
pub fn DevMailPage() -> impl IntoView {
    let mails = Resource::new_blocking(|| (), |()| dev_mail());

    view! {
        <Title text="Outbox · Gatehouse development" />
        <h1>"Outbox"</h1>
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading mail…"</p> }
        }>
            {move || Suspend::new(async move {
                match mails.await {
                    Ok(mails) if mails.is_empty() => {
                        view! {
                            <p class="muted">"No mail yet. Invitations and codes appear here."</p>
                        }
                            .into_any()
                    }
                    Ok(mails) => {
                        view! {
                            <p class="muted">
                                "The newest mails Gatehouse has written, newest first. "
                                "This page exists in demo mode only."
                            </p>
                            <ol class="outbox">
                                {mails
                                    .into_iter()
                                    .map(|mail| {
                                        view! {
                                            <li>
                                                <MailCard mail />
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ol>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn MailCard(mail: OutboxMail) -> impl IntoView {
    let OutboxMail {
        id,
        to,
        subject,
        text,
        html,
        created,
        status,
        attempts,
        error,
    } = mail;
    let unreadable = text.is_empty() && html.is_empty();
    let (data_to, datetime, title) = (to.clone(), created.clone(), subject.clone());
    let attempts = (attempts > 0).then(|| format!(" after {attempts} attempt(s)"));
    let error = error.map(|error| view! { <p class="alert mail-error">{error}</p> });
    let body = if unreadable {
        view! { <p class="alert">"This mail's body does not open with the current key."</p> }
            .into_any()
    } else {
        view! {
            <pre class="mail-text">
                {linkify(&text)
                    .into_iter()
                    .map(|segment| match segment {
                        Segment::Text(text) => text.into_any(),
                        Segment::Link(url) => {
                            let href = url.clone();
                            view! { <a href=href>{url}</a> }.into_any()
                        }
                    })
                    .collect_view()}
            </pre>
            <details class="mail-html">
                <summary>"HTML part"</summary>
                <iframe sandbox="" srcdoc=html title=format!("HTML part of “{title}”")></iframe>
            </details>
        }
        .into_any()
    };

    view! {
        <article class="card mail" data-mail-id=id data-to=data_to data-status=status.as_str()>
            <h2 class="mail-subject">{subject}</h2>
            <dl class="mail-meta">
                <dt>"To"</dt>
                <dd class="mail-to">{to}</dd>
                <dt>"Written"</dt>
                <dd>
                    <time datetime=datetime>{created}</time>
                </dd>
                <dt>"Status"</dt>
                <dd class="mail-status">{status.as_str()}{attempts}</dd>
            </dl>
            {error}
            {body}
        </article>
    }
}

/// A piece of a mail's text part.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Text(String),
    Link(String),
}

/// Splits plain text into text and `http(s)://` links. A link ends at white
/// space, a quote or an angle bracket; a trailing full stop, comma or
/// closing parenthesis stays text.
fn linkify(text: &str) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut rest = text;
    while let Some(start) = ["https://", "http://"]
        .iter()
        .filter_map(|scheme| rest.find(scheme))
        .min()
    {
        let (before, from) = rest.split_at(start);
        let end = from
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>'))
            .unwrap_or(from.len());
        let url = from[..end].trim_end_matches(['.', ',', ')', ';', ':']);
        if !before.is_empty() {
            segments.push(Segment::Text(before.to_owned()));
        }
        segments.push(Segment::Link(url.to_owned()));
        rest = &from[url.len()..];
    }
    if !rest.is_empty() {
        segments.push(Segment::Text(rest.to_owned()));
    }
    segments
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_in_the_text_part_become_links() {
        assert_eq!(
            linkify("Accept invitation:\nhttp://localhost:3000/redeem?ticket=a-b_C\n\nPrivacy: https://x.test/privacy."),
            [
                Segment::Text("Accept invitation:\n".into()),
                Segment::Link("http://localhost:3000/redeem?ticket=a-b_C".into()),
                Segment::Text("\n\nPrivacy: ".into()),
                Segment::Link("https://x.test/privacy".into()),
                Segment::Text(".".into()),
            ]
        );
        assert_eq!(linkify("no links"), [Segment::Text("no links".into())]);
        assert_eq!(linkify(""), []);
    }
}
