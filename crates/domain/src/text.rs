//! Small text rules shared by several domains.

/// Turns a name into a URL slug: lowercase ASCII letters, digits and dashes.
/// Accents are folded (`Juárez` → `juarez`), `ñ` becomes `n`, runs of anything else become one dash.
pub fn slugify(name: &str) -> String {
    let folded = crate::search::fold_accents(&name.to_lowercase()).replace('ñ', "n");
    let mut slug = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

/// A plain e-mail check: one `@`, something before it, a dot in the domain, no spaces.
/// The real proof is the verification message; this only catches typing mistakes early.
pub fn looks_like_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && email.len() <= 254
        && !email.chars().any(char::is_whitespace)
}

/// Normalises an e-mail address for storage and look-up: trimmed and lowercased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Runs a third-party parser that may panic on damaged input (an arithmetic overflow deep in a
/// spreadsheet reader, say) and turns the panic into an error the person can act on: the file
/// is damaged. A server must answer such a file with a message, never by dying.
pub fn without_panics<T>(parse: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(parse))
        .map_err(|_| "el archivo está dañado: su contenido no se puede leer".to_owned())
}

/// What a spreadsheet takes for the start of a formula (OWASP "CSV injection"): `=`, `+`,
/// `-`, `@`, a tab or a carriage return.
fn starts_formula(text: &str) -> bool {
    text.trim_start_matches('\'')
        .starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// A plain decimal number: `-5`, `+3.25`, `1200`.
fn is_plain_number(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// A cell as written to a CSV file meant for spreadsheets: text a spreadsheet would run as a
/// formula gets a leading apostrophe, so it shows as text and runs nothing. A number in a
/// numeric column stays as it is (`-5`). Text already starting with apostrophes before such a
/// character gets one more, so [`from_spreadsheet_cell`] gives every value back exactly.
pub fn spreadsheet_cell(text: &str, numeric_column: bool) -> std::borrow::Cow<'_, str> {
    if starts_formula(text) && !(numeric_column && is_plain_number(text)) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// The exact value of a cell written by [`spreadsheet_cell`]: one leading apostrophe before a
/// formula's first character is dropped (as a spreadsheet shows it).
pub fn from_spreadsheet_cell(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if starts_formula(rest) => rest,
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_read_back_exactly() {
        for (value, written) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "'=HYPERLINK(\"http://x\",\"y\")",
            ),
            ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
            ("@SUM(1+1)", "'@SUM(1+1)"),
            ("-2+3", "'-2+3"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("'=x", "''=x"),
            ("'hola", "'hola"),
            ("hola = adiós", "hola = adiós"),
            ("", ""),
        ] {
            assert_eq!(spreadsheet_cell(value, false), written, "{value}");
            assert_eq!(from_spreadsheet_cell(written), value, "{value}");
        }
        // A number in a numeric column is a number, not a formula.
        assert_eq!(spreadsheet_cell("-5", true), "-5");
        assert_eq!(spreadsheet_cell("+3.5", true), "+3.5");
        assert_eq!(spreadsheet_cell("-5", false), "'-5");
        assert_eq!(spreadsheet_cell("-5+cmd", true), "'-5+cmd");
        assert_eq!(from_spreadsheet_cell("-5"), "-5");
    }

    #[test]
    fn slugs_fold_accents_and_punctuation() {
        assert_eq!(
            slugify("H. Ayuntamiento de Oaxaca de Juárez"),
            "h-ayuntamiento-de-oaxaca-de-juarez"
        );
        assert_eq!(slugify("  Niñez (Extinto) "), "ninez-extinto");
        assert_eq!(slugify("¿?"), "");
    }

    #[test]
    fn emails() {
        assert!(looks_like_email("ana@example.mx"));
        assert!(!looks_like_email("ana@example"));
        assert!(!looks_like_email("ana example@x.mx"));
        assert!(!looks_like_email("@x.mx"));
        assert_eq!(normalize_email("  Ana@Example.MX "), "ana@example.mx");
    }
}
