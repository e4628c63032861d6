//! CSV that is safe to open in a spreadsheet. Excel, LibreOffice and Google
//! Sheets read a field that begins with `=`, `+`, `-`, `@`, a tab or a
//! carriage return as a formula, so a guest named `=HYPERLINK(…)` would run
//! in the admin's spreadsheet when the admin opens an export (CSV
//! injection). Such a field is written with a leading apostrophe, which
//! the spreadsheet shows as text, as OWASP advises.

use std::borrow::Cow;

/// `text` as a CSV field a spreadsheet does not evaluate.
pub fn cell(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn a_field_a_spreadsheet_would_evaluate_becomes_text() {
        for formula in [
            "=HYPERLINK(\"https://evil.test\",\"x\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
        ] {
            assert_eq!(cell(formula), format!("'{formula}"));
        }
    }

    #[test]
    fn other_fields_are_kept_as_they_are() {
        for text in [
            "",
            "Alice Wood",
            "alice_contoso.test#EXT#@woodgrove.test",
            "2026-11-29T14:00:00Z",
            "{\"methods\":1}",
            "a=b",
        ] {
            assert_eq!(cell(text), text);
        }
    }
}
