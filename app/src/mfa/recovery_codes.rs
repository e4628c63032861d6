//! Recovery codes as a person sees them, once: after the proof-up that
//! issued them, and after asking Security info for a new set. The list,
//! a copy button and a text download; the page that shows them says what
//! happened before.

use leptos::prelude::*;

use crate::components::encode_query_value;

/// The codes, with the advice to keep them and the ways to do so.
#[component]
pub fn RecoveryCodes(codes: Vec<String>) -> impl IntoView {
    let text = format!("{}\n", codes.join("\n"));
    let download = format!(
        "data:text/plain;charset=utf-8,{}",
        encode_query_value(&text)
    );
    let copied = RwSignal::new(false);
    view! {
        <h2>"Recovery codes"</h2>
        <p>
            "Each of these codes signs you in once if you cannot use your sign-in method. Keep them somewhere safe: they are not shown again."
        </p>
        <ol id="recovery-codes" class="codes">
            {codes
                .into_iter()
                .map(|code| {
                    view! {
                        <li>
                            <code>{code}</code>
                        </li>
                    }
                })
                .collect_view()}
        </ol>
        <p class="actions">
            <button type="button" class="link" on:click=move |_| copy(&text, copied)>
                {move || if copied.get() { "Copied" } else { "Copy" }}
            </button>
            " · "
            <a href=download download="gatehouse-recovery-codes.txt">
                "Download as text"
            </a>
        </p>
    }
}

/// Puts `text` on the clipboard (in the browser; the server has none).
fn copy(text: &str, copied: RwSignal<bool>) {
    #[cfg(feature = "hydrate")]
    {
        let promise = window().navigator().clipboard().write_text(text);
        leptos::task::spawn_local(async move {
            if wasm_bindgen_futures::JsFuture::from(promise).await.is_ok() {
                copied.set(true);
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (text, copied);
}
