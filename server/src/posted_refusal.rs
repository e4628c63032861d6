//! A form posted before the WebAssembly has loaded gets its refusal back in
//! the address: the server function answers with a redirect to the page,
//! the refusal encoded in `__err` (server_fn's form redirects), and the page
//! shows it. Anyone can write such an address, though, and a page of an
//! identity provider that shows whatever a link says ("Your password has
//! expired; reset it at …") is a phishing tool (OWASP: content spoofing).
//!
//! So a refusal in the address is shown only to the browser that posted the
//! form: with the redirect, that browser gets a cookie holding the refusal's
//! hash, and a page asked for with an `__err` that the cookie does not vouch
//! for is redirected to its address without it. The cookie is spent when the
//! page is shown; a reload shows the page as it is.
//!
//! The redirect itself is made a `303 See Other` here, for every server
//! function: server_fn leaves on it the status the refusal set (400, 403,
//! 422 …), and a browser shows such a response as a page of JSON instead of
//! following it.

use axum::extract::{Request, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cookie::{Cookie, SameSite};

use app::ssr::config::PublicUrl;
use app::ssr::crypto::token_hash;
use app::ssr::request::cookie_value;
use app::ssr::AppState;

/// The cookie that vouches for the refusal in the address.
const COOKIE_NAME: &str = "gatehouse_refusal";
/// server_fn's query parameters for a refusal and the function it came from.
const ERROR_PARAM: &str = "__err";
const PATH_PARAM: &str = "__path";
/// Long enough for the redirect to be followed on a slow connection.
const LIFETIME_SECS: i64 = 5 * 60;

/// The layer: makes each refusal redirect one, binds it to the browser it
/// goes to, and lets a page show only a refusal its browser was sent.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let public_url = &state.config.public_url;
    let shown = match error_param(request.uri()) {
        Some(error) if request.method() == Method::GET => {
            if !vouched_for(request.headers(), &error) {
                return see_other(public_url, request.uri());
            }
            true
        }
        _ => false,
    };
    let mut response = next.run(request).await;
    if shown {
        append_cookie(&mut response, cookie(public_url, String::new(), 0));
    } else if let Some(error) = redirected_refusal(&response) {
        *response.status_mut() = StatusCode::SEE_OTHER;
        append_cookie(
            &mut response,
            cookie(public_url, token_hash(&error), LIFETIME_SECS),
        );
    }
    response
}

/// The refusal a URI carries, if any.
fn error_param(uri: &Uri) -> Option<String> {
    let query = uri.query()?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == ERROR_PARAM)
        .map(|(_, value)| value.into_owned())
}

/// The refusal a server function's redirect sends the browser to show.
fn redirected_refusal(response: &Response) -> Option<String> {
    let location = response.headers().get(LOCATION)?.to_str().ok()?;
    let (_, query) = location.split_once('?')?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == ERROR_PARAM)
        .map(|(_, value)| value.into_owned())
}

fn vouched_for(headers: &HeaderMap, error: &str) -> bool {
    cookie_value(headers, COOKIE_NAME).is_some_and(|vouched| vouched == token_hash(error))
}

/// The local address of `uri` with the refusal's parameters taken out.
fn without_refusal(uri: &Uri) -> String {
    let kept: Vec<(String, String)> = uri
        .query()
        .map(|query| {
            url::form_urlencoded::parse(query.as_bytes())
                .filter(|(name, _)| name != ERROR_PARAM && name != PATH_PARAM)
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

/// The cookie with its fixed attributes: HttpOnly, SameSite=Lax, `Path=/`,
/// and `Secure` whenever the public URL is https.
fn cookie(public_url: &PublicUrl, value: String, max_age: i64) -> Cookie<'static> {
    Cookie::build((COOKIE_NAME, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(public_url.is_https())
        .max_age(cookie::time::Duration::seconds(max_age))
        .build()
}

fn append_cookie(response: &mut Response, cookie: Cookie<'_>) {
    // A hex hash and the fixed attributes are all visible ASCII.
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        response.headers_mut().append(SET_COOKIE, value);
    }
}

/// A redirect to the page without the refusal. The address is absolute, on
/// the public origin: a path such as `//elsewhere.example` stays a path.
fn see_other(public_url: &PublicUrl, uri: &Uri) -> Response {
    let location = format!("{}{}", public_url.origin(), without_refusal(uri));
    match HeaderValue::from_str(&location) {
        Ok(location) => (StatusCode::SEE_OTHER, [(LOCATION, location)]).into_response(),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::header::COOKIE;

    use super::*;

    #[test]
    fn the_refusal_is_taken_out_and_everything_else_kept() {
        let uri: Uri = "/signin?next=%2Fmyapps&__path=%2Fapi%2Fsign_in&__err=eyJ9&x=a+b"
            .parse()
            .expect("a uri");
        assert_eq!(without_refusal(&uri), "/signin?next=%2Fmyapps&x=a+b");
        let uri: Uri = "/t/woodgrove/admin/policies?__err=eyJ9"
            .parse()
            .expect("a uri");
        assert_eq!(without_refusal(&uri), "/t/woodgrove/admin/policies");
    }

    #[test]
    fn only_the_cookie_of_that_refusal_vouches_for_it() {
        let mut headers = HeaderMap::new();
        let cookie = format!("a=b; {COOKIE_NAME}={}", token_hash("eyJ9"));
        headers.insert(COOKIE, HeaderValue::from_str(&cookie).expect("a header"));
        assert!(vouched_for(&headers, "eyJ9"));
        assert!(!vouched_for(&headers, "eyJ0"));
        assert!(!vouched_for(&HeaderMap::new(), "eyJ9"));
    }
}
