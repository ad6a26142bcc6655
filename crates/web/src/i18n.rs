//! Languages: Spanish first, English second. Texts live in `locales/{es,en}/main.ftl`
//! (Fluent), compiled into the binary.

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "es",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static ES: LanguageIdentifier = langid!("es");
static EN: LanguageIdentifier = langid!("en");

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Es,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Es => "es",
            Lang::En => "en",
        }
    }

    /// The locale Open Graph names (`es_MX`, `en_US`).
    pub fn locale(self) -> &'static str {
        match self {
            Lang::Es => "es_MX",
            Lang::En => "en_US",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "es" => Some(Lang::Es),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The other language, for the switch in the header.
    pub fn other(self) -> Lang {
        match self {
            Lang::Es => Lang::En,
            Lang::En => Lang::Es,
        }
    }

    /// Picks from an `Accept-Language` header: English only when it comes before Spanish.
    pub fn from_accept_language(header: &str) -> Lang {
        for part in header.split(',') {
            let tag = part
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if tag.starts_with("es") {
                return Lang::Es;
            }
            if tag.starts_with("en") {
                return Lang::En;
            }
        }
        Lang::Es
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::Es => &ES,
            Lang::En => &EN,
        }
    }

    /// The text of `key`. Texts without arguments are formatted once and then served from a
    /// cache: pages look up dozens of them, and Fluent formatting is the costly part.
    pub fn t(self, key: &str) -> String {
        self.try_t(key)
            .unwrap_or_else(|| LOCALES.lookup(self.id(), key))
    }

    /// The text of `key`, or `None` when the locale files do not have it; cached, misses too
    /// (the log page asks for a label per field of every entry).
    pub fn try_t(self, key: &str) -> Option<String> {
        type Texts = HashMap<(Lang, String), Option<String>>;
        static CACHE: OnceLock<RwLock<Texts>> = OnceLock::new();
        let cache = CACHE.get_or_init(Default::default);
        if let Some(found) = cache
            .read()
            .ok()
            .and_then(|c| c.get(&(self, key.to_owned())).cloned())
        {
            return found;
        }
        let found = LOCALES.try_lookup(self.id(), key);
        if let Ok(mut c) = cache.write() {
            c.insert((self, key.to_owned()), found.clone());
        }
        found
    }

    /// The text of `key` with named arguments.
    pub fn t_args(self, key: &str, args: &[(&'static str, String)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(v.clone())))
            .collect();
        LOCALES.lookup_with_args(self.id(), key, &args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_every_key() {
        let es =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/locales/es/main.ftl"))
                .unwrap();
        let en =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/locales/en/main.ftl"))
                .unwrap();
        let keys = |s: &str| -> std::collections::BTreeSet<String> {
            s.lines()
                .filter(|l| !l.starts_with(' ') && !l.starts_with('#') && l.contains(" ="))
                .map(|l| l.split(" =").next().unwrap_or("").to_owned())
                .collect()
        };
        let (es, en) = (keys(&es), keys(&en));
        assert_eq!(
            es.difference(&en).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "missing in English"
        );
        assert_eq!(
            en.difference(&es).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "missing in Spanish"
        );
        assert_eq!(Lang::Es.t("site-name"), "Tequio");
    }

    #[test]
    fn accept_language() {
        assert_eq!(
            Lang::from_accept_language("en-US,en;q=0.9,es;q=0.8"),
            Lang::En
        );
        assert_eq!(Lang::from_accept_language("es-MX,en;q=0.5"), Lang::Es);
        assert_eq!(Lang::from_accept_language("fr"), Lang::Es);
    }
}
