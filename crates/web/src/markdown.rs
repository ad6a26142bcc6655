//! Markdown written by editors (topic portals), rendered to HTML and then sanitised: whatever
//! the text holds, only safe tags and attributes reach the page, and links to other sites
//! open without passing this site's referrer or authority.

/// Renders Markdown (CommonMark with tables and strikethrough) to safe HTML.
pub fn to_safe_html(markdown: &str) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&unsafe_html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::to_safe_html;

    #[test]
    fn markdown_is_rendered_and_scripts_are_not() {
        let html = to_safe_html(
            "# Agua\n\n**Tandeo** en [la colonia](https://oaxaca.gob.mx).\n\n<script>alert(1)</script>\n\n[x](javascript:alert(2)) <img src=x onerror=alert(3)>",
        );
        assert!(html.contains("<h1>Agua</h1>"), "{html}");
        assert!(html.contains("<strong>Tandeo</strong>"));
        assert!(html.contains("href=\"https://oaxaca.gob.mx\""));
        assert!(html.contains("rel=\"noopener noreferrer nofollow\""));
        assert!(
            !html.contains("<script") && !html.contains("javascript:") && !html.contains("onerror"),
            "{html}"
        );
    }
}
