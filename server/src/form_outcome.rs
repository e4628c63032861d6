//! The outcome of a form posted before the WebAssembly has loaded. The
//! server function answers with a redirect back to the form's page, and
//! the page learns from its address how the post went:
//!
//! - a refusal: server_fn encodes it in `__err` (with `__path`, the
//!   function's), and the page shows its message;
//! - a success: this layer adds `__done=<the function's path>`, and the
//!   page shows its fixed notice ("Saved.").
//!
//! Anyone can write such an address, though, and a page of an identity
//! provider that shows whatever a link says ("Your password has expired;
//! reset it at …") is a phishing tool (OWASP: content spoofing). So an
//! outcome in the address is shown only to the browser that posted the
//! form: with the redirect, that browser gets a cookie holding the
//! outcome's hash, and a page asked for with an outcome that the cookie does
//! not vouch for is redirected to its address without it. The cookie is
//! spent when the page is shown; a reload shows the page as it is.
//!
//! A refusal's redirect is made a `303 See Other` here, for every server
//! function: server_fn leaves on it the status the refusal set (400, 403,
//! 422 …), and a browser shows such a response as a page of JSON instead of
//! following it.

use axum::extract::{Request, State};
use axum::http::header::{ACCEPT, LOCATION, REFERER, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cookie::Cookie;

use app::ssr::config::PublicUrl;
use app::ssr::crypto::token_hash;
use app::ssr::request::{cookie_value, own_cookie};
use app::ssr::AppState;

/// The cookie that vouches for the outcome in the address.
const COOKIE_NAME: &str = "gatehouse_outcome";
/// server_fn's query parameters for a refusal and the function it came
/// from, and this layer's for a success.
const ERROR_PARAM: &str = "__err";
const PATH_PARAM: &str = "__path";
const DONE_PARAM: &str = "__done";
/// Long enough for the redirect to be followed on a slow connection.
const LIFETIME_SECS: i64 = 5 * 60;

/// How a form post went, as the address of the page it goes back to says.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// server_fn's encoded refusal.
    Refused(String),
    /// The path of the server function that succeeded.
    Done(String),
}

impl Outcome {
    /// What the cookie holds: the outcome's hash.
    fn hash(&self) -> String {
        match self {
            Self::Refused(error) => token_hash(&format!("refused:{error}")),
            Self::Done(path) => token_hash(&format!("done:{path}")),
        }
    }

    /// The outcome an address carries, if any.
    fn in_query(query: Option<&str>) -> Option<Self> {
        let pairs = url::form_urlencoded::parse(query?.as_bytes());
        let mut done = None;
        for (name, value) in pairs {
            match name.as_ref() {
                ERROR_PARAM => return Some(Self::Refused(value.into_owned())),
                DONE_PARAM => done = Some(Self::Done(value.into_owned())),
                _ => {}
            }
        }
        done
    }
}

/// The layer: makes each refusal redirect a 303, marks a success going back
/// to its form, binds either to the browser it goes to, and lets a page
/// show only an outcome its browser was sent.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let public_url = &state.config.public_url;
    let mut shown = false;
    if let Some(outcome) = Outcome::in_query(request.uri().query()) {
        if request.method() == Method::GET {
            if !vouched_for(request.headers(), &outcome) {
                return see_other(public_url, request.uri());
            }
            shown = true;
        }
    }
    let plain_form_post = request.method() == Method::POST
        && request
            .headers()
            .get(ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"));
    // What a success going back to its form is told by (plain form posts only).
    let posted = plain_form_post.then(|| {
        let referer = request.headers().get(REFERER).cloned();
        (referer, request.uri().path().to_owned())
    });

    let mut response = next.run(request).await;
    if shown {
        append_cookie(
            &mut response,
            own_cookie(public_url, COOKIE_NAME, String::new(), 0),
        );
        return response;
    }
    let Some((referer, function)) = posted else {
        return response;
    };
    let Some(location) = response.headers().get(LOCATION).cloned() else {
        return response;
    };
    let location = location.to_str().unwrap_or_default();
    let outcome = match Outcome::in_query(location.split_once('?').map(|(_, query)| query)) {
        Some(refused @ Outcome::Refused(_)) => {
            *response.status_mut() = StatusCode::SEE_OTHER;
            refused
        }
        // The default answer of a success: back to the form's page.
        _ if response.status().is_redirection()
            && referer.is_some_and(|referer| same_page(referer.as_bytes(), location)) =>
        {
            let marked = with_done(location, &function);
            match HeaderValue::from_str(&marked) {
                Ok(marked) => {
                    response.headers_mut().insert(LOCATION, marked);
                    Outcome::Done(function)
                }
                Err(_) => return response,
            }
        }
        _ => return response,
    };
    append_cookie(
        &mut response,
        own_cookie(public_url, COOKIE_NAME, outcome.hash(), LIFETIME_SECS),
    );
    response
}

fn vouched_for(headers: &HeaderMap, outcome: &Outcome) -> bool {
    cookie_value(headers, COOKIE_NAME).is_some_and(|vouched| vouched == outcome.hash())
}

/// Whether the redirect `location` goes back to the page `referer` (an
/// outcome of an earlier post in either address aside).
fn same_page(referer: &[u8], location: &str) -> bool {
    let Ok(referer) = std::str::from_utf8(referer) else {
        return false;
    };
    match (url::Url::parse(referer), url::Url::parse(location)) {
        (Ok(referer), Ok(location)) => {
            referer[..url::Position::AfterPath] == location[..url::Position::AfterPath]
                && query_without_outcome(&referer) == query_without_outcome(&location)
        }
        _ => false,
    }
}

/// `location` with `__done` set to `function` (and no earlier outcome).
fn with_done(location: &str, function: &str) -> String {
    let Ok(mut url) = url::Url::parse(location) else {
        return location.to_owned();
    };
    let mut pairs = query_without_outcome(&url);
    pairs.push((DONE_PARAM.to_owned(), function.to_owned()));
    url.query_pairs_mut().clear().extend_pairs(pairs);
    url.to_string()
}

/// The query pairs of `url` without an outcome's parameters.
fn query_without_outcome(url: &url::Url) -> Vec<(String, String)> {
    url.query_pairs()
        .filter(|(name, _)| !is_outcome_param(name))
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect()
}

fn is_outcome_param(name: &str) -> bool {
    [ERROR_PARAM, PATH_PARAM, DONE_PARAM].contains(&name)
}

/// The local address of `uri` with an outcome's parameters taken out.
fn local_without_outcome(uri: &Uri) -> String {
    let kept: Vec<(String, String)> = uri
        .query()
        .map(|query| {
            url::form_urlencoded::parse(query.as_bytes())
                .filter(|(name, _)| !is_outcome_param(name))
                .map(|(name, value)| (name.into_owned(), value.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    if kept.is_empty() {
        return uri.path().to_owned();
    }
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(kept)
        .finish();
    format!("{}?{query}", uri.path())
}

/// A redirect to the page without the outcome. The address is absolute, on
/// the public origin: a path such as `//elsewhere.example` stays a path.
fn see_other(public_url: &PublicUrl, uri: &Uri) -> Response {
    let location = format!("{}{}", public_url.origin(), local_without_outcome(uri));
    match HeaderValue::from_str(&location) {
        Ok(location) => (StatusCode::SEE_OTHER, [(LOCATION, location)]).into_response(),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

fn append_cookie(response: &mut Response, cookie: Cookie<'_>) {
    // A hex hash and the fixed attributes are all visible ASCII.
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        response.headers_mut().append(SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use axum::http::header::COOKIE;

    use super::*;

    #[test]
    fn an_outcome_is_taken_out_and_everything_else_kept() {
        let uri: Uri = "/signin?next=%2Fmyapps&__path=%2Fapi%2Fsign_in&__err=eyJ9&x=a+b"
            .parse()
            .expect("a uri");
        assert_eq!(local_without_outcome(&uri), "/signin?next=%2Fmyapps&x=a+b");
        let uri: Uri = "/t/woodgrove/admin/settings?__done=%2Fapi%2Fsave"
            .parse()
            .expect("a uri");
        assert_eq!(local_without_outcome(&uri), "/t/woodgrove/admin/settings");
    }

    #[test]
    fn a_refusal_in_the_address_wins_over_a_success() {
        assert_eq!(
            Outcome::in_query(Some("__done=%2Fapi%2Fa&__err=eyJ9")),
            Some(Outcome::Refused("eyJ9".into()))
        );
        assert_eq!(
            Outcome::in_query(Some("x=1&__done=%2Fapi%2Fa")),
            Some(Outcome::Done("/api/a".into()))
        );
        assert_eq!(Outcome::in_query(Some("x=1")), None);
    }

    #[test]
    fn only_the_cookie_of_that_outcome_vouches_for_it() {
        let refused = Outcome::Refused("eyJ9".into());
        let mut headers = HeaderMap::new();
        let cookie = format!("a=b; {COOKIE_NAME}={}", refused.hash());
        headers.insert(COOKIE, HeaderValue::from_str(&cookie).expect("a header"));
        assert!(vouched_for(&headers, &refused));
        assert!(!vouched_for(&headers, &Outcome::Refused("eyJ0".into())));
        assert!(!vouched_for(&headers, &Outcome::Done("eyJ9".into())));
        assert!(!vouched_for(&HeaderMap::new(), &refused));
    }

    #[test]
    fn a_success_goes_back_to_its_page_marked_done() {
        let page = "http://localhost:3000/t/w/admin/settings?x=1&__done=%2Fapi%2Fold";
        assert!(same_page(
            page.as_bytes(),
            "http://localhost:3000/t/w/admin/settings?x=1"
        ));
        assert!(!same_page(page.as_bytes(), "http://localhost:3000/myapps"));
        assert_eq!(
            with_done("http://localhost:3000/t/w/admin/settings?x=1", "/api/save"),
            "http://localhost:3000/t/w/admin/settings?x=1&__done=%2Fapi%2Fsave"
        );
    }
}
