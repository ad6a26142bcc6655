//! Spanish text normalisation for search, done here in Rust so that SQLite and PostgreSQL
//! index exactly the same terms and therefore return the same results.
//!
//! The pipeline, for indexed text and for queries alike:
//! lowercase → fold accents (but keep `ñ`) → split into words → drop stopwords → Spanish stem.
//! Snowball's Spanish stemmer expects accented suffixes (`-ación`, `-ución`, `-logía`), so those
//! few are put back on the folded word before stemming; that way `información`, `informacion`
//! and `informaciones` all become `inform`.

use rust_stemmers::{Algorithm, Stemmer};
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Kinds of public content the search covers. Later capabilities add theirs here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchKind {
    Subject,
    Dataset,
    Topic,
    /// A collegiate body.
    Body,
    /// An open call (convocatoria).
    Call,
    /// An agreement (acuerdo) of a collegiate body.
    Agreement,
    /// A collaboration instrument (convenio, declaratoria…).
    Instrument,
    /// A session of a collegiate body: its agenda and approved minutes.
    Session,
    /// A training or promotion event.
    Event,
}

impl SearchKind {
    pub const ALL: &'static [SearchKind] = &[
        SearchKind::Subject,
        SearchKind::Dataset,
        SearchKind::Topic,
        SearchKind::Body,
        SearchKind::Call,
        SearchKind::Agreement,
        SearchKind::Instrument,
        SearchKind::Session,
        SearchKind::Event,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SearchKind::Subject => "subject",
            SearchKind::Dataset => "dataset",
            SearchKind::Topic => "topic",
            SearchKind::Body => "body",
            SearchKind::Call => "call",
            SearchKind::Agreement => "agreement",
            SearchKind::Instrument => "instrument",
            SearchKind::Session => "session",
            SearchKind::Event => "event",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }
}

/// Common Spanish words that carry no meaning for search.
const STOPWORDS: &[&str] = &[
    "a", "al", "algo", "ante", "como", "con", "contra", "cual", "de", "del", "desde", "donde", "e",
    "el", "en", "entre", "es", "esta", "este", "esto", "ha", "hay", "la", "las", "le", "les", "lo",
    "los", "mas", "me", "mi", "muy", "ni", "no", "o", "os", "para", "pero", "por", "que", "se",
    "si", "sin", "sobre", "su", "sus", "te", "tu", "u", "un", "una", "unas", "unos", "y", "ya",
    "the", "of", "and",
];

fn stemmer() -> &'static Stemmer {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER.get_or_init(|| Stemmer::create(Algorithm::Spanish))
}

/// Removes accents and other combining marks, keeping `ñ`/`Ñ` (a different letter in Spanish).
pub fn fold_accents(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'ñ' | 'Ñ' => out.push(c),
            c if c.is_ascii() => out.push(c),
            c => out.extend(c.nfd().filter(|m| !is_combining_mark(*m))),
        }
    }
    out
}

/// Puts back the accent of the few Snowball suffixes that carry one, so a folded word stems
/// like its accented spelling.
fn restore_suffix_accent(word: &str) -> String {
    for (plain, accented) in [
        ("acion", "ación"),
        ("ucion", "ución"),
        ("logia", "logía"),
        ("logias", "logías"),
    ] {
        if let Some(stem) = word.strip_suffix(plain) {
            return format!("{stem}{accented}");
        }
    }
    word.to_owned()
}

/// Splits text into lowercase, accent-folded words (letters and digits), in order.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| fold_accents(&w.to_lowercase()))
}

/// The search term of one already folded word, or `None` for a stopword.
fn term_of(word: &str) -> Option<String> {
    if STOPWORDS.contains(&word) {
        return None;
    }
    if word.chars().all(|c| c.is_ascii_digit()) {
        return Some(word.to_owned());
    }
    let stemmed = stemmer().stem(&restore_suffix_accent(word)).into_owned();
    // The stemmer may leave an accent it restored; fold again so terms are always plain.
    Some(fold_accents(&stemmed))
}

/// The terms of a text, in order, duplicates kept: what goes into the index column.
pub fn terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_term(text, |t| out.push(t.to_owned()));
    out
}

/// The value stored in a `search_text` column: the terms joined by spaces.
pub fn index_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for_each_term(text, |t| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(t);
    });
    out
}

/// Most words remembered per thread by [`for_each_term`].
const TERM_CACHE_SIZE: usize = 100_000;

thread_local! {
    /// Word as written → its term (`None` for a stopword). Real text repeats a small set of
    /// words (names, areas, posts) endlessly; stemming each once makes bulk indexing several
    /// times faster.
    static TERM_CACHE: std::cell::RefCell<std::collections::HashMap<Box<str>, Option<Box<str>>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// Calls `f` with each term of `text`, in order.
fn for_each_term(text: &str, mut f: impl FnMut(&str)) {
    TERM_CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        for word in text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            if let Some(term) = cache.get(word) {
                if let Some(t) = term {
                    f(t);
                }
                continue;
            }
            let term = term_of(&fold_accents(&word.to_lowercase())).map(String::into_boxed_str);
            if let Some(t) = &term {
                f(t);
            }
            if cache.len() >= TERM_CACHE_SIZE {
                cache.clear();
            }
            cache.insert(word.into(), term);
        }
    });
}

/// The distinct terms of a user's query, at most `limit` of them, in order of first appearance.
pub fn query_terms(query: &str, limit: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in terms(query) {
        if !out.contains(&t) {
            out.push(t);
        }
        if out.len() == limit {
            break;
        }
    }
    out
}

/// One piece of a highlighted snippet: plain text or a matched word.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SnippetPart {
    pub text: String,
    pub hit: bool,
}

/// Cuts `text` into parts, marking each word whose term is one of `query_terms`, and keeps
/// about `max_chars` characters around the first hit. Pages escape the parts and wrap hits in
/// `<mark>`; the API returns them as they are.
pub fn snippet(text: &str, query_terms: &[String], max_chars: usize) -> Vec<SnippetPart> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    // Find word boundaries (byte ranges) and whether each word is a hit.
    let mut spans: Vec<(usize, usize, bool)> = Vec::new();
    let mut start: Option<usize> = None;
    for (i, (pos, c)) in chars.iter().enumerate() {
        let is_word = c.is_alphanumeric();
        match (is_word, start) {
            (true, None) => start = Some(*pos),
            (false, Some(s)) => {
                spans.push((s, *pos, false));
                start = None;
            }
            _ => {}
        }
        if i + 1 == chars.len()
            && let Some(s) = start
        {
            spans.push((s, text.len(), false));
        }
    }
    for span in &mut spans {
        let word = fold_accents(&text[span.0..span.1].to_lowercase());
        span.2 = term_of(&word).is_some_and(|t| query_terms.contains(&t));
    }
    // Choose a window around the first hit.
    let first_hit = spans.iter().find(|s| s.2).map(|s| s.0).unwrap_or(0);
    let (window_start, window_end) = window(text, first_hit, max_chars);
    let mut parts = Vec::new();
    let mut cursor = window_start;
    if window_start > 0 {
        parts.push(SnippetPart {
            text: "…".into(),
            hit: false,
        });
    }
    for (s, e, hit) in spans
        .into_iter()
        .filter(|s| s.2 && s.0 >= window_start && s.1 <= window_end)
    {
        if s > cursor {
            parts.push(SnippetPart {
                text: text[cursor..s].to_owned(),
                hit: false,
            });
        }
        parts.push(SnippetPart {
            text: text[s..e].to_owned(),
            hit,
        });
        cursor = e;
    }
    if cursor < window_end {
        parts.push(SnippetPart {
            text: text[cursor..window_end].to_owned(),
            hit: false,
        });
    }
    if window_end < text.len() {
        parts.push(SnippetPart {
            text: "…".into(),
            hit: false,
        });
    }
    parts
}

/// A byte window of about `max_chars` characters that contains `focus`, on char boundaries.
fn window(text: &str, focus: usize, max_chars: usize) -> (usize, usize) {
    let total = text.chars().count();
    if total <= max_chars {
        return (0, text.len());
    }
    let focus_char = text[..focus].chars().count();
    let start_char = focus_char
        .saturating_sub(max_chars / 3)
        .min(total - max_chars);
    let byte_at = |n: usize| {
        text.char_indices()
            .nth(n)
            .map(|(b, _)| b)
            .unwrap_or(text.len())
    };
    (byte_at(start_char), byte_at(start_char + max_chars))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_word_give_one_term() {
        let forms = [
            "información",
            "informacion",
            "informaciones",
            "INFORMACIÓN",
            "Informaciones",
        ];
        let want = index_text("información");
        for f in forms {
            assert_eq!(index_text(f), want, "{f}");
        }
        assert_eq!(index_text("Juárez"), index_text("juarez"));
        assert_eq!(index_text("JUÁREZ"), index_text("juárez"));
    }

    #[test]
    fn plurals_and_accents_stem_alike() {
        assert_eq!(index_text("municipios"), index_text("municipio"));
        assert_eq!(index_text("educación"), index_text("educacion"));
        assert_eq!(index_text("publicó"), index_text("publico"));
        assert_eq!(index_text("tecnologías"), index_text("tecnologia"));
    }

    #[test]
    fn ene_is_kept_and_stopwords_dropped() {
        assert_ne!(index_text("año"), index_text("ano"));
        assert_eq!(terms("la Secretaría de las Mujeres").len(), 2);
        assert_eq!(query_terms("", 8), Vec::<String>::new());
    }

    #[test]
    fn query_terms_are_distinct_and_limited() {
        assert_eq!(query_terms("agua agua aguas", 8).len(), 1);
        assert_eq!(query_terms("uno dos tres cuatro", 2).len(), 2);
    }

    #[test]
    fn snippets_mark_every_spelling() {
        let q = query_terms("juarez", 8);
        let parts = snippet("Universidad Autónoma Benito Juárez de Oaxaca", &q, 200);
        let hits: Vec<_> = parts
            .iter()
            .filter(|p| p.hit)
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(hits, ["Juárez"]);
        let joined: String = parts.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(joined, "Universidad Autónoma Benito Juárez de Oaxaca");
    }

    #[test]
    fn long_snippets_are_cut_around_the_hit() {
        let text = format!(
            "{} transparencia {}",
            "palabra ".repeat(50),
            "otra ".repeat(50)
        );
        let parts = snippet(&text, &query_terms("transparencia", 8), 60);
        assert!(parts.first().is_some_and(|p| p.text == "…"));
        assert!(parts.iter().any(|p| p.hit && p.text == "transparencia"));
        let len: usize = parts.iter().map(|p| p.text.chars().count()).sum();
        assert!(len <= 62, "{len}");
    }
}
