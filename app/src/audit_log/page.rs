//! `/t/{slug}/admin/audit`: the tenant's audit log, newest first, 50 a page.
//! The filters are a plain GET form, so they live in the URL (a reload or a
//! shared link shows the same events) and work before the WASM has loaded;
//! *Export CSV* downloads every event the filters match.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::api::{audit_action_names, list_audit_events};
use super::{AuditFilterInput, AuditLog, AuditRow};
use crate::components::{encode_query_value, Alert, ErrorPage};
use crate::error::AppError;

/// The form's fields, as the errors name them.
const FIELDS: &[&str] = &["actor", "target", "action", "outcome", "from", "to"];

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let filters = move || {
        let query = query.read();
        AuditFilterInput {
            actor: query.get("actor"),
            target: query.get("target"),
            action: query.get("action"),
            outcome: query.get("outcome"),
            from: query.get("from"),
            to: query.get("to"),
        }
    };
    let cursor = move || query.read().get("cursor");
    let actions = Resource::new_blocking(slug, audit_action_names);
    let events = Resource::new_blocking(
        move || (slug(), filters(), cursor()),
        |(slug, filters, cursor)| {
            list_audit_events(
                slug,
                filters.actor,
                filters.target,
                filters.action,
                filters.outcome,
                filters.from,
                filters.to,
                cursor,
            )
        },
    );

    view! {
        <Title text="Audit log · Gatehouse admin" />
        <h1>"Audit log"</h1>
        <p class="muted">
            "Every sign-in, MFA event and admin action in this tenant, newest first. Times are UTC."
        </p>
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading the audit log…"</p> }
        }>
            {move || Suspend::new(async move {
                let names = actions.await.unwrap_or_default();
                let filters = filters();
                match events.await {
                    Ok(log) => {
                        view! {
                            <FilterForm filters=filters.clone() actions=names error=None />
                            <ExportLink slug=slug() filters=filters.clone() />
                            <EventTable log filters />
                        }
                            .into_any()
                    }
                    Err(error @ AppError::Invalid { .. }) => {
                        view! { <FilterForm filters actions=names error=Some(error) /> }.into_any()
                    }
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The filters, filled in from the URL; a refusal shows under its field.
#[component]
fn FilterForm(
    filters: AuditFilterInput,
    actions: Vec<String>,
    error: Option<AppError>,
) -> impl IntoView {
    let message_for = |name: &str| {
        error
            .as_ref()
            .and_then(|error| error.for_field(name))
            .map(|message| {
                view! {
                    <p class="field-error" role="alert">
                        {message}
                    </p>
                }
            })
    };
    // A refusal not about one of the fields (a bad cursor).
    let other = error
        .as_ref()
        .filter(|error| !FIELDS.iter().any(|name| error.for_field(name).is_some()))
        .map(|error| {
            view! { <Alert message=error.to_string() /> }
        });
    let action = filters.action.clone().unwrap_or_default();
    let outcome = filters.outcome.clone().unwrap_or_default();
    let action_options = actions
        .into_iter()
        .map(|name| {
            let selected = name == action;
            let label = name.clone();
            view! {
                <option value=name selected=selected>
                    {label}
                </option>
            }
        })
        .collect_view();
    let outcome_options = [
        ("", "Any outcome"),
        ("success", "Success"),
        ("failure", "Failure"),
    ]
    .into_iter()
    .map(|(value, label)| {
        view! {
            <option value=value selected=value == outcome>
                {label}
            </option>
        }
    })
    .collect_view();
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    view! {
        <form
            method="get"
            class="form audit-filters"
            role="search"
            aria-label="Filter the audit log"
        >
            <label for="audit-actor">"Actor"</label>
            <input
                id="audit-actor"
                name="actor"
                value=text(&filters.actor)
                placeholder="admin@woodgrove.test"
            />
            {message_for("actor")}
            <label for="audit-target">"Target"</label>
            <input id="audit-target" name="target" value=text(&filters.target) />
            {message_for("target")}
            <label for="audit-action">"Action"</label>
            <select id="audit-action" name="action">
                <option value="" selected=action.is_empty()>
                    "Any action"
                </option>
                {action_options}
            </select>
            {message_for("action")}
            <label for="audit-outcome">"Outcome"</label>
            <select id="audit-outcome" name="outcome">
                {outcome_options}
            </select>
            {message_for("outcome")}
            <label for="audit-from">"From (UTC)"</label>
            <input
                id="audit-from"
                name="from"
                type=time_input_type(&filters.from)
                value=text(&filters.from)
            />
            {message_for("from")}
            <label for="audit-to">"To (UTC, inclusive)"</label>
            <input
                id="audit-to"
                name="to"
                type=time_input_type(&filters.to)
                value=text(&filters.to)
            />
            {message_for("to")}
            {other}
            <button type="submit">"Filter"</button>
            <a href="?">"Clear filters"</a>
        </form>
    }
}

/// A date picker for a date; text for a time given another way in the URL
/// (RFC 3339, Unix seconds), which a date picker would drop.
fn time_input_type(value: &Option<String>) -> &'static str {
    let is_date = |value: &str| {
        value.len() == 10
            && value.bytes().enumerate().all(|(i, byte)| {
                matches!(i, 4 | 7) == (byte == b'-') && (byte == b'-' || byte.is_ascii_digit())
            })
    };
    match value.as_deref().map(str::trim) {
        None | Some("") => "date",
        Some(value) if is_date(value) => "date",
        Some(_) => "text",
    }
}

/// *Export CSV*: every event the filters match, downloaded by the browser
/// (a server route, not a page: the router must let the browser have it).
#[component]
fn ExportLink(slug: String, filters: AuditFilterInput) -> impl IntoView {
    let query = filters.to_query();
    let href = format!(
        "/t/{}/admin/audit/export.csv{}{query}",
        encode_query_value(&slug),
        if query.is_empty() { "" } else { "?" },
    );
    view! {
        <p>
            <a class="button" href=href download="" rel="external">
                "Export CSV"
            </a>
        </p>
    }
}

/// The events, and the way to older ones.
#[component]
fn EventTable(log: AuditLog, filters: AuditFilterInput) -> impl IntoView {
    let query = filters.to_query();
    let next = log.next.map(|next| {
        let href = if query.is_empty() {
            format!("?cursor={}", encode_query_value(&next))
        } else {
            format!("?{query}&cursor={}", encode_query_value(&next))
        };
        view! {
            <a class="button" href=href rel="next">
                "Older events"
            </a>
        }
    });
    let first = format!("?{query}");
    let empty = log.rows.is_empty().then(|| {
        view! {
            <p class="muted" role="status">
                "No events match these filters."
            </p>
        }
    });
    view! {
        <table class="audit-log">
            <caption>"Audit events"</caption>
            <thead>
                <tr>
                    <th scope="col">"Time"</th>
                    <th scope="col">"Actor"</th>
                    <th scope="col">"Action"</th>
                    <th scope="col">"Target"</th>
                    <th scope="col">"Outcome"</th>
                    <th scope="col">"IP address"</th>
                    <th scope="col">"Detail"</th>
                </tr>
            </thead>
            <tbody>{log.rows.into_iter().map(event_row).collect_view()}</tbody>
        </table>
        {empty}
        <nav class="pager" aria-label="Pages">
            <a class="button" href=first>
                "Newest events"
            </a>
            {next}
        </nav>
    }
}

fn event_row(row: AuditRow) -> impl IntoView {
    let detail = if row.detail == "{}" {
        String::new()
    } else {
        row.detail
    };
    let class = row.outcome.clone();
    view! {
        <tr data-id=row.id class=class>
            <td>
                <time datetime=row.at_rfc3339>{row.at}</time>
            </td>
            <td>{row.actor.unwrap_or_default()}</td>
            <td>{row.action}</td>
            <td>{row.target.unwrap_or_default()}</td>
            <td>{row.outcome}</td>
            <td>{row.ip.unwrap_or_default()}</td>
            <td>
                <code class="detail">{detail}</code>
            </td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_gets_a_date_picker_and_any_other_time_a_text_box() {
        assert_eq!(time_input_type(&None), "date");
        assert_eq!(time_input_type(&Some("2026-11-25".into())), "date");
        assert_eq!(
            time_input_type(&Some("2026-11-25T12:00:00Z".into())),
            "text"
        );
        assert_eq!(time_input_type(&Some("1795608000".into())), "text");
        assert_eq!(time_input_type(&Some("2026/11/25".into())), "text");
    }
}
