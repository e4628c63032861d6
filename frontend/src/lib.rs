//! The browser's entry point. Gatehouse's pages are rendered on the server
//! and work as plain HTML; only the parts that need the browser — passkeys,
//! answers shown once (secrets, tokens, recovery codes, links), the
//! redemption's passcode steps, a CSV file picked for upload — are islands
//! (`#[island]` in `app`), and only their code is in the WebAssembly.

// Release builds keep every view's full static type (debug builds erase
// them); the deepest pages need more than the default limit.
#![recursion_limit = "512"]

use std::time::Duration;

use wasm_bindgen::JsValue;

// The islands' browser code is exported from `app`: link it.
extern crate app;

/// Called by Leptos' island script before it hydrates the page's islands,
/// each in turn, in the same task.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    // On the next task, once the island script has hydrated every island
    // (they read the address as the server rendered it).
    leptos::prelude::set_timeout(
        || {
            if let Err(error) = forget_form_outcome() {
                leptos::logging::error!("cleaning the address: {error:?}");
            }
            // Tests (and people) can tell when the page has become interactive.
            if let Some(body) = leptos::prelude::document().body() {
                let _ = body.set_attribute("data-hydrated", "true");
            }
        },
        Duration::ZERO,
    );
}

/// The outcome of a form posted before the WASM had loaded (`__path`,
/// `__err`, `__done`: see app's `components::refusal_of`) is shown once:
/// it leaves the address, so that a reload or a copied link does not
/// carry it.
fn forget_form_outcome() -> Result<(), JsValue> {
    const OUTCOME: [&str; 3] = ["__path", "__err", "__done"];
    let window = leptos::prelude::window();
    let url = web_sys::Url::new(&window.location().href()?)?;
    let query = url.search_params();
    if OUTCOME.iter().all(|name| !query.has(name)) {
        return Ok(());
    }
    for name in OUTCOME {
        query.delete(name);
    }
    window
        .history()?
        .replace_state_with_url(&JsValue::NULL, "", Some(&url.href()))
}
