//! The portal's own identity, which each guarantor sets without touching code: its name, its
//! logo, its colour (checked for contrast), its contact details, and the texts of the footer's
//! pages (contact, privacy notice, accessibility statement, terms of use).

use crate::catalog::FieldError;
use std::collections::BTreeMap;

/// The colour links and buttons use when no guarantor has chosen one.
pub const DEFAULT_ACCENT: &str = "#7a2e0e";

/// WCAG 2.1 AA for normal text: links on white and white text on buttons must both reach it.
pub const MIN_CONTRAST: f64 = 4.5;

/// The identity settings, read from stored `key → value` pairs (missing keys take defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Look {
    /// The portal's name, shown in the header and the title of every page.
    pub site_name: String,
    /// The guarantor institute that runs the portal (shown on the home page and in the footer).
    pub guarantor: String,
    /// An image address for the header (`https://…` or a path on this site); empty: none.
    pub logo_url: String,
    /// `#rrggbb`.
    pub accent: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub contact_address: String,
}

impl Default for Look {
    fn default() -> Look {
        Look {
            site_name: "Tequio".into(),
            guarantor: String::new(),
            logo_url: String::new(),
            accent: DEFAULT_ACCENT.into(),
            contact_email: String::new(),
            contact_phone: String::new(),
            contact_address: String::new(),
        }
    }
}

/// The settings' keys, in the order forms show them.
pub const LOOK_KEYS: [&str; 7] = [
    "site_name",
    "guarantor",
    "logo_url",
    "accent",
    "contact_email",
    "contact_phone",
    "contact_address",
];

impl Look {
    /// The look stored as `key → value` pairs; unknown keys are ignored, missing ones default.
    pub fn from_settings(settings: &BTreeMap<String, String>) -> Look {
        let mut look = Look::default();
        for (key, value) in settings {
            if value.is_empty() && (key == "site_name" || key == "accent") {
                continue;
            }
            if let Some(slot) = look.slot(key) {
                *slot = value.clone();
            }
        }
        look
    }

    fn slot(&mut self, key: &str) -> Option<&mut String> {
        Some(match key {
            "site_name" => &mut self.site_name,
            "guarantor" => &mut self.guarantor,
            "logo_url" => &mut self.logo_url,
            "accent" => &mut self.accent,
            "contact_email" => &mut self.contact_email,
            "contact_phone" => &mut self.contact_phone,
            "contact_address" => &mut self.contact_address,
            _ => return None,
        })
    }

    /// The value of a setting by its key.
    pub fn get(&self, key: &str) -> &str {
        match key {
            "site_name" => &self.site_name,
            "guarantor" => &self.guarantor,
            "logo_url" => &self.logo_url,
            "accent" => &self.accent,
            "contact_email" => &self.contact_email,
            "contact_phone" => &self.contact_phone,
            "contact_address" => &self.contact_address,
            _ => "",
        }
    }

    /// A look from a form's fields as typed (trimmed), not yet checked.
    pub fn from_form(field: impl Fn(&str) -> String) -> Look {
        let mut look = Look::default();
        for key in LOOK_KEYS {
            if let Some(slot) = look.slot(key) {
                *slot = field(key).trim().to_owned();
            }
        }
        look.accent = look.accent.to_ascii_lowercase();
        if look.accent.is_empty() {
            look.accent = DEFAULT_ACCENT.into();
        }
        look
    }

    /// A look from a form's fields, checked: every problem at once, none saved if any.
    pub fn parse(field: impl Fn(&str) -> String) -> Result<Look, Vec<FieldError>> {
        let look = Look::from_form(field);
        let mut errors = Vec::new();
        if look.site_name.is_empty() {
            errors.push(FieldError::new(
                "site_name",
                "escribe el nombre del portal",
                "write the portal's name",
            ));
        }
        if look.site_name.chars().count() > 80 || look.guarantor.chars().count() > 300 {
            errors.push(FieldError::new(
                "site_name",
                "el nombre es demasiado largo (80 caracteres como máximo; 300 el del órgano garante)",
                "the name is too long (80 characters at most; 300 for the guarantor)",
            ));
        }
        match Rgb::parse(&look.accent) {
            None => errors.push(FieldError::new(
                "accent",
                format!("«{}» no es un color #rrggbb", look.accent),
                format!("“{}” is not a #rrggbb colour", look.accent),
            )),
            Some(accent) => {
                let ratio = accent.contrast(Rgb::WHITE);
                if ratio < MIN_CONTRAST {
                    errors.push(FieldError::new(
                        "accent",
                        format!(
                            "el contraste de {} con el blanco es {ratio:.1}:1; hace falta al menos {MIN_CONTRAST}:1 para que se lean los enlaces y botones (elige un tono más oscuro)",
                            look.accent
                        ),
                        format!(
                            "the contrast of {} with white is {ratio:.1}:1; links and buttons need at least {MIN_CONTRAST}:1 (choose a darker shade)",
                            look.accent
                        ),
                    ));
                }
            }
        }
        let logo = &look.logo_url;
        let on_this_site = logo.starts_with('/') && !logo.starts_with("//");
        let acceptable = logo.is_empty() || logo.starts_with("https://") || on_this_site;
        if !acceptable || logo.contains(['"', '<', '>', ' ']) {
            errors.push(FieldError::new(
                "logo_url",
                "la dirección del logotipo debe empezar con https:// o con / (una ruta de este sitio)",
                "the logo's address must start with https:// or / (a path on this site)",
            ));
        }
        if !look.contact_email.is_empty() && !crate::text::looks_like_email(&look.contact_email) {
            errors.push(FieldError::new(
                "contact_email",
                format!("«{}» no es un correo electrónico", look.contact_email),
                format!("“{}” is not an e-mail address", look.contact_email),
            ));
        }
        if errors.is_empty() {
            Ok(look)
        } else {
            Err(errors)
        }
    }
}

/// A colour as red, green and blue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub const WHITE: Rgb = Rgb(255, 255, 255);

    /// `#rrggbb` (lower or upper case).
    pub fn parse(hex: &str) -> Option<Rgb> {
        let digits = hex.strip_prefix('#')?;
        if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let byte = |i: usize| u8::from_str_radix(&digits[i..i + 2], 16).ok();
        Some(Rgb(byte(0)?, byte(2)?, byte(4)?))
    }

    /// Relative luminance, as WCAG 2.1 defines it.
    pub fn luminance(self) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(self.0) + 0.7152 * channel(self.1) + 0.0722 * channel(self.2)
    }

    /// The contrast ratio between two colours, from 1 (none) to 21 (black on white).
    pub fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        let (light, dark) = if a > b { (a, b) } else { (b, a) };
        (light + 0.05) / (dark + 0.05)
    }
}

/// The footer's pages, whose texts admins edit (defaults ship with Tequio).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SitePage {
    Contact,
    Privacy,
    Accessibility,
    Terms,
}

impl SitePage {
    pub const ALL: [SitePage; 4] = [
        SitePage::Contact,
        SitePage::Privacy,
        SitePage::Accessibility,
        SitePage::Terms,
    ];

    /// The page's address on the site (Spanish, like every public address).
    pub fn slug(self) -> &'static str {
        match self {
            SitePage::Contact => "contacto",
            SitePage::Privacy => "privacidad",
            SitePage::Accessibility => "accesibilidad",
            SitePage::Terms => "terminos",
        }
    }

    pub fn from_slug(slug: &str) -> Option<SitePage> {
        SitePage::ALL.into_iter().find(|p| p.slug() == slug)
    }

    /// The setting that holds the page's text in a language (`page.contacto.es`).
    pub fn setting_key(self, lang: &str) -> String {
        format!("page.{}.{lang}", self.slug())
    }
}

/// Longest text of a footer page.
pub const MAX_PAGE_TEXT: usize = 50_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_follows_wcag() {
        assert!((Rgb(0, 0, 0).contrast(Rgb::WHITE) - 21.0).abs() < 1e-9);
        assert!((Rgb::WHITE.contrast(Rgb::WHITE) - 1.0).abs() < 1e-9);
        // #767676 is the lightest grey that passes AA on white.
        assert!(Rgb(0x76, 0x76, 0x76).contrast(Rgb::WHITE) >= 4.5);
        assert!(Rgb(0x77, 0x77, 0x77).contrast(Rgb::WHITE) < 4.5);
    }

    fn form(pairs: &[(&str, &str)]) -> impl Fn(&str) -> String {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        move |k| map.get(k).cloned().unwrap_or_default()
    }

    #[test]
    fn a_light_accent_is_refused_with_its_ratio() {
        let errors = Look::parse(form(&[("site_name", "Portal"), ("accent", "#FFCC00")]))
            .expect_err("yellow on white is unreadable");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "accent");
        assert!(errors[0].es.contains("1.5:1"), "{}", errors[0].es);
    }

    #[test]
    fn a_good_look_is_kept_and_missing_settings_default() {
        let look = Look::parse(form(&[
            ("site_name", "Gobierno Abierto Oaxaca"),
            ("accent", "#8A1538"),
            ("logo_url", "/static/tequio.svg"),
            ("contact_email", "contacto@example.org"),
        ]))
        .expect("valid");
        assert_eq!(look.accent, "#8a1538");
        let stored: BTreeMap<String, String> = LOOK_KEYS
            .iter()
            .map(|k| ((*k).to_owned(), look.get(k).to_owned()))
            .collect();
        assert_eq!(Look::from_settings(&stored), look);
        assert_eq!(Look::from_settings(&BTreeMap::new()), Look::default());
    }

    #[test]
    fn a_logo_elsewhere_than_https_or_this_site_is_refused() {
        for logo in [
            "http://x.org/l.png",
            "//evil.org/l.png",
            "javascript:alert(1)",
        ] {
            let errors =
                Look::parse(form(&[("site_name", "P"), ("logo_url", logo)])).expect_err(logo);
            assert_eq!(errors[0].field, "logo_url");
        }
    }
}
