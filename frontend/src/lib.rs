//! The browser's entry point: hydrates the server-rendered page.

// Release builds keep every view's full static type (debug builds erase
// them); the deepest pages need more than the default limit.
#![recursion_limit = "512"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
