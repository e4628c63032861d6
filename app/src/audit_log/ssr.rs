//! Reading one tenant's audit trail: the filters parsed once (every surface
//! refuses the same bad input with the same message), the events in keyset
//! pages by id, newest first, and the CSV rows of an export.
//!
//! The query is built from the filters given — SQL only for the filters
//! present — so that the planner can take the index that serves each one
//! (`migrations/20261201000002_audit_lookup.sql`); a query with
//! `($n IS NULL OR column = $n)` for every filter would be planned once for
//! all of them and walk the whole tenant's trail. Values are always bound,
//! never spliced, and the SQL is the same on PostgreSQL.
//!
//! Nothing here writes: the trail is append-only (its triggers refuse
//! `UPDATE` and `DELETE`), and reading it needs no transaction.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use super::{AuditFilterInput, AuditRow};
use crate::domain::ParseError;
use crate::error::AppError;
use crate::ssr::audit::{Action, Outcome};
use crate::ssr::clock::UnixTime;
use crate::ssr::db::{Conn, Db};
use crate::ssr::page::{Page, PageSize};
use crate::ssr::spreadsheet;
use crate::ssr::{Error, Result, Stored};

/// The longest actor or target a filter takes.
const MAX_NAME_CHARS: usize = 512;
/// Seconds in a day: a `to` date reaches to the end of its day.
const DAY_SECS: i64 = 86_400;

/// The filters, parsed: each one given narrows the events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub target: Option<String>,
    pub action: Option<Action>,
    pub outcome: Option<Outcome>,
    /// Events at or after this instant.
    pub from: Option<UnixTime>,
    /// Events before this instant (exclusive: a `to` of 12:00:00 gives
    /// 12:00:01, a `to` date the next midnight).
    pub until: Option<UnixTime>,
}

impl AuditFilter {
    /// Parses the filters as typed. An unknown action or outcome, a time
    /// that does not parse and a range that ends before it starts are
    /// refused, the error naming the field.
    pub fn parse(input: &AuditFilterInput) -> Result<Self, AppError> {
        let given = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|value| !value.is_empty())
                .map(str::to_owned)
        };
        let name = |field: &str, value: &Option<String>| match given(value) {
            Some(name) if name.chars().count() > MAX_NAME_CHARS => Err(AppError::invalid(
                field,
                ParseError(format!(
                    "The {field} is longer than {MAX_NAME_CHARS} characters."
                )),
            )),
            name => Ok(name),
        };
        let action = given(&input.action)
            .map(|name| {
                Action::parse(&name).ok_or_else(|| {
                    AppError::invalid(
                        "action",
                        ParseError(format!("'{name}' is not an audit action.")),
                    )
                })
            })
            .transpose()?;
        let outcome = given(&input.outcome)
            .map(|name| {
                Outcome::parse(&name).ok_or_else(|| {
                    AppError::invalid(
                        "outcome",
                        ParseError(format!(
                            "'{name}' is not an outcome: use success or failure."
                        )),
                    )
                })
            })
            .transpose()?;
        let time = |field: &str, value: &Option<String>| {
            given(value)
                .map(|value| parse_time(&value))
                .transpose()
                .map_err(|error| AppError::invalid(field, error))
        };
        let from = time("from", &input.from)?.map(TimeBound::start);
        let until = time("to", &input.to)?.map(TimeBound::end);
        if let (Some(from), Some(until)) = (from, until) {
            if from >= until {
                return Err(AppError::invalid(
                    "to",
                    ParseError("The time range ends before it starts.".into()),
                ));
            }
        }
        Ok(Self {
            actor: name("actor", &input.actor)?,
            target: name("target", &input.target)?,
            action,
            outcome,
            from,
            until,
        })
    }
}

/// A bound of the time range as typed: an instant, or a whole day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TimeBound {
    Instant(UnixTime),
    /// The day's midnight (UTC).
    Day(UnixTime),
}

impl TimeBound {
    /// Where a range from this bound starts.
    fn start(self) -> UnixTime {
        match self {
            Self::Instant(at) | Self::Day(at) => at,
        }
    }

    /// Where a range to this bound ends (exclusive): the bound is included.
    fn end(self) -> UnixTime {
        match self {
            Self::Instant(at) => at.saturating_add(1),
            Self::Day(midnight) => midnight.saturating_add(DAY_SECS),
        }
    }
}

/// A time as typed: Unix seconds (`1795608000`), a date (`2026-11-25`, UTC)
/// or RFC 3339 (`2026-11-25T12:00:00Z`, `…+01:00`; a fraction of a second
/// is dropped: events are recorded to the second).
fn parse_time(value: &str) -> Result<TimeBound, ParseError> {
    let bad = || {
        ParseError(format!(
            "'{value}' is not a time: use a date (YYYY-MM-DD), RFC 3339 \
             (2026-11-25T12:00:00Z) or Unix seconds."
        ))
    };
    if value.bytes().all(|byte| byte.is_ascii_digit()) {
        let seconds: i64 = value.parse().map_err(|_| bad())?;
        OffsetDateTime::from_unix_timestamp(seconds).map_err(|_| bad())?;
        return Ok(TimeBound::Instant(seconds));
    }
    let date = value.get(..10).and_then(parse_date).ok_or_else(bad)?;
    let rest = value.get(10..).ok_or_else(bad)?;
    if rest.is_empty() {
        return Ok(TimeBound::Day(
            date.midnight().assume_utc().unix_timestamp(),
        ));
    }
    let rest = rest.strip_prefix(['T', 't', ' ']).ok_or_else(bad)?;
    let time = rest.get(..8).and_then(parse_clock).ok_or_else(bad)?;
    let mut rest = rest.get(8..).ok_or_else(bad)?;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        rest = fraction
            .get(digits..)
            .filter(|_| digits > 0)
            .ok_or_else(bad)?;
    }
    let offset = parse_offset(rest).ok_or_else(bad)?;
    let at = PrimitiveDateTime::new(date, time).assume_offset(offset);
    Ok(TimeBound::Instant(at.unix_timestamp()))
}

/// `YYYY-MM-DD`, a real day.
fn parse_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year: i32 = digits(text.get(..4)?)?.try_into().ok()?;
    let month = Month::try_from(u8::try_from(digits(text.get(5..7)?)?).ok()?).ok()?;
    let day = u8::try_from(digits(text.get(8..)?)?).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

/// `HH:MM:SS`, a real time of day.
fn parse_clock(text: &str) -> Option<Time> {
    let bytes = text.as_bytes();
    if bytes.len() != 8 || bytes[2] != b':' || bytes[5] != b':' {
        return None;
    }
    let part = |range: std::ops::Range<usize>| {
        text.get(range)
            .and_then(digits)
            .and_then(|n| u8::try_from(n).ok())
    };
    Time::from_hms(part(0..2)?, part(3..5)?, part(6..8)?).ok()
}

/// `Z` or `±HH:MM`.
fn parse_offset(text: &str) -> Option<UtcOffset> {
    if text.eq_ignore_ascii_case("z") {
        return Some(UtcOffset::UTC);
    }
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, text.get(1..)?),
        b'-' => (-1, text.get(1..)?),
        _ => return None,
    };
    let (hours, minutes) = rest.split_once(':')?;
    if hours.len() != 2 || minutes.len() != 2 {
        return None;
    }
    let hours = i8::try_from(digits(hours)?).ok()?;
    let minutes = i8::try_from(digits(minutes)?).ok()?;
    UtcOffset::from_hms(sign * hours, sign * minutes, 0).ok()
}

/// A run of ASCII digits as a number.
fn digits(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Where the next page starts: after (below) the event with this id. Opaque
/// to clients, who pass back the `next` they were given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditCursor(i64);

/// What a cursor says before it is encoded.
const CURSOR_PREFIX: &str = "audit:";

impl AuditCursor {
    /// A cursor as a client passed it back; an empty one is none.
    pub fn parse_optional(text: Option<&str>) -> Result<Option<Self>, AppError> {
        match text.map(str::trim).filter(|text| !text.is_empty()) {
            Some(text) => Self::parse(text).map(Some),
            None => Ok(None),
        }
    }

    pub fn parse(text: &str) -> Result<Self, AppError> {
        let bad = || AppError::Invalid {
            field: "cursor".into(),
            message: "The cursor is not valid.".into(),
        };
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
        let decoded = String::from_utf8(bytes).map_err(|_| bad())?;
        decoded
            .strip_prefix(CURSOR_PREFIX)
            .and_then(|id| id.parse::<i64>().ok())
            .filter(|id| *id > 0)
            .map(Self)
            .ok_or_else(bad)
    }

    pub fn encode(self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{}", self.0))
    }
}

/// One audit event, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub id: i64,
    pub at: UnixTime,
    pub actor: Option<String>,
    /// The audit name recorded. Kept as text: the log shows every event,
    /// also one whose action the code no longer has.
    pub action: String,
    pub target: Option<String>,
    pub outcome: Outcome,
    pub ip: Option<String>,
    /// Compact JSON, as recorded.
    pub detail: String,
}

impl AuditEvent {
    /// The detail as JSON; text that is not JSON stays a string.
    pub fn detail_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.detail)
            .unwrap_or_else(|_| serde_json::Value::String(self.detail.clone()))
    }

    /// The event as the audit log table shows it.
    pub fn row(&self) -> AuditRow {
        AuditRow {
            id: self.id,
            at: readable_time(self.at),
            at_rfc3339: rfc3339(self.at),
            actor: self.actor.clone(),
            action: self.action.clone(),
            target: self.target.clone(),
            outcome: self.outcome.as_str().to_owned(),
            ip: self.ip.clone(),
            detail: self.detail.clone(),
        }
    }
}

/// `YYYY-MM-DD HH:MM:SS UTC`.
pub fn readable_time(at: UnixTime) -> String {
    OffsetDateTime::from_unix_timestamp(at)
        .map(|at| {
            format!(
                "{}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
                at.year(),
                u8::from(at.month()),
                at.day(),
                at.hour(),
                at.minute(),
                at.second()
            )
        })
        .unwrap_or_default()
}

/// RFC 3339 in UTC (`2026-11-25T12:00:00Z`).
pub fn rfc3339(at: UnixTime) -> String {
    OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|at| {
            at.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// An `audit_events` row as the query reads it.
#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    at: i64,
    actor: Option<String>,
    action: String,
    target: Option<String>,
    outcome: String,
    ip: Option<String>,
    detail: String,
}

impl EventRow {
    fn decode(self) -> Result<AuditEvent> {
        let outcome = Outcome::parse(&self.outcome)
            .ok_or_else(|| ParseError(format!("unknown outcome '{}'", self.outcome)));
        Ok(AuditEvent {
            outcome: outcome.stored("audit_events.outcome")?,
            id: self.id,
            at: self.at,
            actor: self.actor,
            action: self.action,
            target: self.target,
            ip: self.ip,
            detail: self.detail,
        })
    }
}

/// The query for a page: the tenant's events matching `filter`, below the
/// cursor, newest first.
fn select_events<'a>(
    tenant_id: &'a str,
    filter: &'a AuditFilter,
    after: Option<AuditCursor>,
    limit: i64,
) -> sqlx::QueryBuilder<'a, Db> {
    let mut query = sqlx::QueryBuilder::new(
        "SELECT id, at, actor, action, target, outcome, ip, detail
         FROM audit_events WHERE tenant_id = ",
    );
    query.push_bind(tenant_id);
    if let Some(actor) = &filter.actor {
        query.push(" AND actor = ").push_bind(actor.as_str());
    }
    if let Some(target) = &filter.target {
        query.push(" AND target = ").push_bind(target.as_str());
    }
    if let Some(action) = filter.action {
        query.push(" AND action = ").push_bind(action.as_str());
    }
    if let Some(outcome) = filter.outcome {
        query.push(" AND outcome = ").push_bind(outcome.as_str());
    }
    if let Some(from) = filter.from {
        query.push(" AND at >= ").push_bind(from);
    }
    if let Some(until) = filter.until {
        query.push(" AND at < ").push_bind(until);
    }
    if let Some(AuditCursor(id)) = after {
        query.push(" AND id < ").push_bind(id);
    }
    query.push(" ORDER BY id DESC LIMIT ").push_bind(limit);
    query
}

/// A page of the tenant's events matching `filter`, newest first,
/// continuing below `after`. Only `tenant_id`'s events: another tenant's
/// never match.
pub async fn list_audit_events(
    conn: &mut Conn,
    tenant_id: &str,
    filter: &AuditFilter,
    after: Option<AuditCursor>,
    size: PageSize,
) -> Result<Page<AuditEvent, AuditCursor>> {
    let rows: Vec<EventRow> = select_events(tenant_id, filter, after, size.fetch_limit())
        .build_query_as()
        .fetch_all(conn)
        .await?;
    let events = rows
        .into_iter()
        .map(EventRow::decode)
        .collect::<Result<Vec<_>>>()?;
    Ok(size.cut(events, |last| AuditCursor(last.id)))
}

/// Rows per page of a CSV export: each page is one short read, so an
/// export holds no connection while the client downloads.
pub const EXPORT_PAGE: PageSize = PageSize::new(500);

/// The columns of a CSV export, in order.
pub const CSV_HEADER: [&str; 8] = [
    "id", "time", "actor", "action", "target", "outcome", "ip", "detail",
];

/// `events` as CSV lines (RFC 4180: fields with commas, quotes or line
/// breaks quoted, quotes doubled), after the header line when `header`.
/// Times are RFC 3339 (UTC); the detail is its compact JSON. A field a
/// spreadsheet would evaluate is written as text ([`spreadsheet::cell`]).
pub fn csv_lines(events: &[AuditEvent], header: bool) -> Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    if header {
        writer.write_record(CSV_HEADER).map_err(csv_failed)?;
    }
    for event in events {
        let id = event.id.to_string();
        let at = rfc3339(event.at);
        let fields = [
            id.as_str(),
            at.as_str(),
            event.actor.as_deref().unwrap_or(""),
            event.action.as_str(),
            event.target.as_deref().unwrap_or(""),
            event.outcome.as_str(),
            event.ip.as_deref().unwrap_or(""),
            event.detail.as_str(),
        ];
        writer
            .write_record(
                fields
                    .map(spreadsheet::cell)
                    .iter()
                    .map(AsRef::<str>::as_ref),
            )
            .map_err(csv_failed)?;
    }
    writer
        .into_inner()
        .map_err(|error| csv_failed(error.into_error().into()))
}

/// Writing CSV into memory cannot fail short of a bug; logged and hidden.
fn csv_failed(error: csv::Error) -> Error {
    tracing::error!(%error, "writing the audit CSV");
    Error::Public(AppError::Internal)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::{DisplayName, DomainName, Licence, TenantSlug};
    use crate::ssr::audit::{self, Event};
    use crate::ssr::db::{self, open_for_test, Pool};
    use crate::ssr::Actor;
    use crate::tenants::ssr::{create_tenant, NewTenant};

    /// 2026-11-25T12:00:00Z.
    const T0: UnixTime = 1_795_608_000;

    fn input(pairs: &[(&str, &str)]) -> AuditFilterInput {
        let mut input = AuditFilterInput::default();
        for (name, value) in pairs {
            let value = Some((*value).to_owned());
            match *name {
                "actor" => input.actor = value,
                "target" => input.target = value,
                "action" => input.action = value,
                "outcome" => input.outcome = value,
                "from" => input.from = value,
                "to" => input.to = value,
                other => panic!("no filter {other}"),
            }
        }
        input
    }

    fn field_of(error: AppError) -> String {
        match error {
            AppError::Invalid { field, .. } => field,
            other => panic!("not a field error: {other:?}"),
        }
    }

    #[test]
    fn times_parse_as_unix_seconds_dates_and_rfc_3339() {
        assert_eq!(parse_time("1795608000"), Ok(TimeBound::Instant(T0)));
        assert_eq!(parse_time("2026-11-25"), Ok(TimeBound::Day(T0 - 12 * 3600)));
        for same in [
            "2026-11-25T12:00:00Z",
            "2026-11-25t12:00:00z",
            "2026-11-25 12:00:00Z",
            "2026-11-25T12:00:00.999Z",
            "2026-11-25T13:30:00+01:30",
            "2026-11-25T07:00:00-05:00",
        ] {
            assert_eq!(parse_time(same), Ok(TimeBound::Instant(T0)), "{same}");
        }
    }

    #[test]
    fn times_that_are_not_real_or_not_complete_are_refused() {
        for bad in [
            "",
            "yesterday",
            "2026-13-01",
            "2026-02-30",
            "2026-11-25T12:00Z",
            "2026-11-25T25:00:00Z",
            "2026-11-25T12:00:00",
            "2026-11-25T12:00:00.Z",
            "2026-11-25T12:00:00+1:00",
            "2026-11-25T12:00:00+01:00junk",
            "26-11-25",
            "-1795608000",
            "99999999999999999999",
            "2026-11-25é",
        ] {
            assert!(parse_time(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_to_date_reaches_to_the_end_of_its_day_and_an_instant_is_included() {
        let filter =
            AuditFilter::parse(&input(&[("from", "2026-11-25"), ("to", "2026-11-25")])).unwrap();
        assert_eq!(filter.from, Some(T0 - 12 * 3600));
        assert_eq!(filter.until, Some(T0 + 12 * 3600));
        let filter =
            AuditFilter::parse(&input(&[("from", "1795608000"), ("to", "1795608000")])).unwrap();
        assert_eq!((filter.from, filter.until), (Some(T0), Some(T0 + 1)));
    }

    #[test]
    fn bad_filters_are_refused_naming_their_field() {
        for (pairs, field) in [
            (vec![("action", "signin.everything")], "action"),
            (vec![("outcome", "maybe")], "outcome"),
            (vec![("from", "soon")], "from"),
            (vec![("to", "2026-02-30")], "to"),
            (
                vec![("from", "2026-11-26"), ("to", "2026-11-25T23:59:59Z")],
                "to",
            ),
        ] {
            let error = AuditFilter::parse(&input(&pairs)).unwrap_err();
            assert_eq!(field_of(error), field, "{pairs:?}");
        }
        let long = "a".repeat(MAX_NAME_CHARS + 1);
        let error = AuditFilter::parse(&input(&[("actor", &long)])).unwrap_err();
        assert_eq!(field_of(error), "actor");
    }

    #[test]
    fn empty_filters_are_no_filters_and_names_are_trimmed() {
        let filter = AuditFilter::parse(&input(&[
            ("actor", "  admin@woodgrove.test "),
            ("target", ""),
            ("action", " "),
            ("outcome", "failure"),
        ]))
        .unwrap();
        assert_eq!(
            filter,
            AuditFilter {
                actor: Some("admin@woodgrove.test".into()),
                outcome: Some(Outcome::Failure),
                ..AuditFilter::default()
            }
        );
    }

    #[test]
    fn a_cursor_round_trips_and_anything_else_is_refused() {
        let cursor = AuditCursor(42);
        assert_eq!(AuditCursor::parse(&cursor.encode()), Ok(cursor));
        assert!(!cursor.encode().contains("42"), "opaque");
        let other_list = URL_SAFE_NO_PAD.encode("megan@woodgrove.test");
        for bad in [
            "42",
            "!!",
            other_list.as_str(),
            &URL_SAFE_NO_PAD.encode("audit:-1"),
        ] {
            assert_eq!(field_of(AuditCursor::parse(bad).unwrap_err()), "cursor");
        }
        assert_eq!(AuditCursor::parse_optional(Some(" ")), Ok(None));
    }

    #[test]
    fn csv_quotes_commas_quotes_and_line_breaks() {
        let event = AuditEvent {
            id: 7,
            at: T0,
            actor: Some("admin@woodgrove.test".into()),
            action: "policy.update".into(),
            target: Some("MFA, \"guests\"".into()),
            outcome: Outcome::Success,
            ip: None,
            detail: json!({ "name": "a,b", "note": "say \"hi\"\nthen go" }).to_string(),
        };
        let text = String::from_utf8(csv_lines(&[event], true).unwrap()).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(reader.headers().unwrap(), CSV_HEADER.as_slice());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(&row[1], "2026-11-25T12:00:00Z");
        assert_eq!(&row[4], "MFA, \"guests\"");
        assert_eq!(&row[6], "");
        let detail: serde_json::Value = serde_json::from_str(&row[7]).unwrap();
        assert_eq!(detail["note"], "say \"hi\"\nthen go");
        assert!(text.contains("\"MFA, \"\"guests\"\"\""), "{text}");
    }

    #[test]
    fn csv_writes_a_target_a_spreadsheet_would_evaluate_as_text() {
        let event = AuditEvent {
            id: 8,
            at: T0,
            actor: Some("admin@woodgrove.test".into()),
            action: "application.create".into(),
            target: Some("=cmd|' /c calc'!A0".into()),
            outcome: Outcome::Success,
            ip: None,
            detail: "{}".into(),
        };
        let text = String::from_utf8(csv_lines(&[event], false).unwrap()).unwrap();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        let row = reader.records().next().unwrap().unwrap();
        assert_eq!(&row[4], "'=cmd|' /c calc'!A0");
        assert_eq!(&row[2], "admin@woodgrove.test");
    }

    async fn tenant(pool: &Pool, slug: &str) -> String {
        let new = NewTenant {
            slug: TenantSlug::parse(slug).unwrap(),
            display_name: DisplayName::parse(slug).unwrap(),
            domain: DomainName::parse(&format!("{slug}.test")).unwrap(),
            licence: Licence::free(),
        };
        create_tenant(pool, &new, &Actor::cli(), T0)
            .await
            .unwrap()
            .id
    }

    async fn record(pool: &Pool, tenant_id: &str, event: Event) {
        db::write(pool, async |tx| {
            audit::record(tx, event.tenant(tenant_id)).await?;
            Ok(())
        })
        .await
        .unwrap();
    }

    async fn list(pool: &Pool, tenant_id: &str, pairs: &[(&str, &str)]) -> Vec<AuditEvent> {
        let filter = AuditFilter::parse(&input(pairs)).unwrap();
        let mut conn = pool.acquire().await.unwrap();
        list_audit_events(&mut conn, tenant_id, &filter, None, PageSize::new(100))
            .await
            .unwrap()
            .items
    }

    #[tokio::test]
    async fn filters_narrow_one_tenants_events_newest_first() {
        let (_dir, pool) = open_for_test().await;
        let woodgrove = tenant(&pool, "woodgrove").await;
        let contoso = tenant(&pool, "contoso").await;
        let megan = Actor::person("megan@woodgrove.test", Some("10.0.0.1".into()));
        record(
            &pool,
            &woodgrove,
            Event::failure(Action::SignIn, T0 + 10)
                .by(&megan)
                .target("megan@woodgrove.test"),
        )
        .await;
        record(
            &pool,
            &woodgrove,
            Event::success(Action::SignIn, T0 + 20)
                .by(&megan)
                .target("megan@woodgrove.test"),
        )
        .await;
        record(
            &pool,
            &woodgrove,
            Event::success(Action::PolicyUpdated, T0 + 86_400)
                .by(&Actor::cli())
                .target("MFA for guests"),
        )
        .await;
        record(
            &pool,
            &contoso,
            Event::failure(Action::SignIn, T0 + 30)
                .by(&megan)
                .target("megan@woodgrove.test"),
        )
        .await;

        let actions = |events: Vec<AuditEvent>| {
            events
                .into_iter()
                .map(|event| (event.action, event.outcome))
                .collect::<Vec<_>>()
        };
        let all = list(&pool, &woodgrove, &[]).await;
        assert!(
            all.windows(2).all(|pair| pair[0].id > pair[1].id),
            "newest first"
        );
        assert_eq!(
            actions(all),
            [
                ("policy.update".to_owned(), Outcome::Success),
                ("signin".to_owned(), Outcome::Success),
                ("signin".to_owned(), Outcome::Failure),
                ("tenant.create".to_owned(), Outcome::Success),
            ]
        );
        let failures = list(&pool, &woodgrove, &[("outcome", "failure")]).await;
        assert_eq!(failures.len(), 1, "contoso's failure is not woodgrove's");
        assert_eq!(failures[0].ip.as_deref(), Some("10.0.0.1"));
        let by_megan = list(&pool, &woodgrove, &[("actor", "megan@woodgrove.test")]).await;
        assert_eq!(by_megan.len(), 2);
        let on_policy = list(&pool, &woodgrove, &[("target", "MFA for guests")]).await;
        assert_eq!(
            actions(on_policy),
            [("policy.update".to_owned(), Outcome::Success)]
        );
        let sign_ins = list(&pool, &woodgrove, &[("action", "signin")]).await;
        assert_eq!(sign_ins.len(), 2);
        let first_day = list(
            &pool,
            &woodgrove,
            &[("from", "2026-11-25"), ("to", "2026-11-25")],
        )
        .await;
        assert_eq!(first_day.len(), 3, "all but the next day's policy change");
        let window = list(
            &pool,
            &woodgrove,
            &[("from", "1795608011"), ("to", "2026-11-25T12:00:20Z")],
        )
        .await;
        assert_eq!(actions(window), [("signin".to_owned(), Outcome::Success)]);
    }

    #[tokio::test]
    async fn pages_follow_each_other_without_gaps_or_repeats() {
        let (_dir, pool) = open_for_test().await;
        let woodgrove = tenant(&pool, "woodgrove").await;
        for n in 0..7 {
            let event = Event::success(Action::SignIn, T0 + n)
                .by(&Actor::cli())
                .target(&format!("user{n}"));
            record(&pool, &woodgrove, event).await;
        }
        let filter = AuditFilter::parse(&input(&[("action", "signin")])).unwrap();
        let mut conn = pool.acquire().await.unwrap();
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = list_audit_events(&mut conn, &woodgrove, &filter, after, PageSize::new(3))
                .await
                .unwrap();
            assert!(page.items.len() <= 3);
            seen.extend(page.items.into_iter().map(|event| event.target.unwrap()));
            match page.next {
                Some(next) => after = Some(AuditCursor::parse(&next.encode()).unwrap()),
                None => break,
            }
        }
        let expected: Vec<String> = (0..7).rev().map(|n| format!("user{n}")).collect();
        assert_eq!(seen, expected);
    }

    /// The plan SQLite chooses for a filter's query.
    async fn plan(pool: &Pool, filter: &AuditFilter) -> String {
        let built = select_events("t", filter, Some(AuditCursor(10)), 51);
        let sql = format!("EXPLAIN QUERY PLAN {}", built.sql());
        let mut query = sqlx::query_as::<_, (i64, i64, i64, String)>(&sql).bind("t");
        // Bind the same values in the same order as `select_events`.
        if let Some(actor) = &filter.actor {
            query = query.bind(actor.clone());
        }
        if let Some(target) = &filter.target {
            query = query.bind(target.clone());
        }
        if let Some(action) = filter.action {
            query = query.bind(action.as_str());
        }
        if let Some(outcome) = filter.outcome {
            query = query.bind(outcome.as_str());
        }
        if let Some(from) = filter.from {
            query = query.bind(from);
        }
        if let Some(until) = filter.until {
            query = query.bind(until);
        }
        let rows = query
            .bind(10_i64)
            .bind(51_i64)
            .fetch_all(pool.connections())
            .await
            .unwrap();
        rows.into_iter()
            .map(|(_, _, _, detail)| detail)
            .collect::<Vec<_>>()
            .join("; ")
    }

    #[tokio::test]
    async fn each_filter_is_served_by_its_index() {
        let (_dir, pool) = open_for_test().await;
        for (pairs, index) in [
            (vec![], "audit_events_by_tenant "),
            (vec![("action", "signin")], "audit_events_by_tenant_action"),
            (vec![("actor", "a@b.test")], "audit_events_by_tenant_actor"),
            (vec![("target", "x")], "audit_events_by_tenant_target"),
            (
                vec![("outcome", "failure")],
                "audit_events_by_tenant_outcome",
            ),
        ] {
            let filter = AuditFilter::parse(&input(&pairs)).unwrap();
            let plan = plan(&pool, &filter).await;
            assert!(format!("{plan} ").contains(index), "{pairs:?}: {plan}");
            assert!(!plan.contains("SCAN audit_events "), "{pairs:?}: {plan}");
        }
    }
}
