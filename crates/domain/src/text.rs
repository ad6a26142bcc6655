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

#[cfg(test)]
mod tests {
    use super::*;

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
