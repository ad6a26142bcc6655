//! Obligated subjects (sujetos obligados): their kinds and the rules for reading the national
//! platform's registry file.

use serde::{Deserialize, Serialize};

/// What kind of public body a subject is; obligations apply by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    Executive,
    Legislative,
    Judicial,
    Autonomous,
    Municipality,
    PoliticalParty,
    Union,
    Trust,
    University,
    /// People or bodies that receive public money or act with public authority.
    Other,
}

impl SubjectKind {
    pub const ALL: &'static [SubjectKind] = &[
        SubjectKind::Executive,
        SubjectKind::Legislative,
        SubjectKind::Judicial,
        SubjectKind::Autonomous,
        SubjectKind::Municipality,
        SubjectKind::PoliticalParty,
        SubjectKind::Union,
        SubjectKind::Trust,
        SubjectKind::University,
        SubjectKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Executive => "executive",
            SubjectKind::Legislative => "legislative",
            SubjectKind::Judicial => "judicial",
            SubjectKind::Autonomous => "autonomous",
            SubjectKind::Municipality => "municipality",
            SubjectKind::PoliticalParty => "political_party",
            SubjectKind::Union => "union",
            SubjectKind::Trust => "trust",
            SubjectKind::University => "university",
            SubjectKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<SubjectKind> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    /// Guesses the kind from an official name, as the registry file carries no kind.
    /// The admin corrects it on the subject's page when the guess is wrong.
    pub fn guess_from_name(name: &str) -> SubjectKind {
        let n = crate::search::fold_accents(&name.to_uppercase());
        let has = |w: &str| n.contains(w);
        if has("AYUNTAMIENTO") || has("MUNICIPIO") {
            SubjectKind::Municipality
        } else if has("PARTIDO ") || n == "MOVIMIENTO CIUDADANO" || has("MORENA") {
            SubjectKind::PoliticalParty
        } else if has("SINDICATO") {
            SubjectKind::Union
        } else if has("FIDEICOMISO") {
            SubjectKind::Trust
        } else if has("UNIVERSIDAD") || n == "NOVAUNIVERSITAS" {
            SubjectKind::University
        } else if has("CONGRESO") {
            SubjectKind::Legislative
        } else if has("TRIBUNAL") || has("JUNTA LOCAL DE CONCILIACION") {
            SubjectKind::Judicial
        } else if has("ORGANO GARANTE")
            || has("INSTITUTO ESTATAL ELECTORAL")
            || has("FISCALIA GENERAL")
            || has("DEFENSORIA DE LOS DERECHOS HUMANOS")
            || has("INSTITUTO DE ACCESO A LA INFORMACION")
        {
            SubjectKind::Autonomous
        } else if has("FUNDACION") || has("A.C") {
            SubjectKind::Other
        } else {
            SubjectKind::Executive
        }
    }
}

/// One line of the national platform's registry (`instituciones_XXX.txt`): the platform id,
/// a tab, then `STATE - NAME`, with `(Extinto)` at the end for bodies that no longer exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryLine {
    pub platform_id: String,
    pub name: String,
    pub state_code: Option<String>,
    pub extinct: bool,
}

/// Why a registry line was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryLineError {
    #[error("falta el tabulador entre el identificador y el nombre")]
    MissingTab,
    #[error("el identificador «{0}» no es un número")]
    BadId(String),
    #[error("el nombre está vacío")]
    EmptyName,
    #[error("el nombre tiene más de 300 caracteres")]
    NameTooLong,
}

impl RegistryLine {
    /// Reads one line. Blank lines are the caller's to skip.
    pub fn parse(line: &str) -> Result<RegistryLine, RegistryLineError> {
        let (id, rest) = line.split_once('\t').ok_or(RegistryLineError::MissingTab)?;
        let id = id.trim().trim_start_matches('\u{feff}');
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
            return Err(RegistryLineError::BadId(id.to_owned()));
        }
        let mut name = rest.trim().trim_matches('\t').trim().to_owned();
        let mut state_code = None;
        if let Some((prefix, tail)) = name.split_once('-')
            && prefix.ends_with(' ')
            && prefix.trim().len() <= 5
            && prefix.trim().chars().all(|c| c.is_ascii_uppercase())
        {
            state_code = Some(prefix.trim().to_owned());
            name = tail.trim().to_owned();
        }
        let mut extinct = false;
        for marker in ["(Extinto)", "(EXTINTO)", "(Extinta)", "(EXTINTA)"] {
            if let Some(stripped) = name.strip_suffix(marker) {
                name = stripped.trim().to_owned();
                extinct = true;
            }
        }
        if name.is_empty() {
            return Err(RegistryLineError::EmptyName);
        }
        if name.chars().count() > 300 {
            return Err(RegistryLineError::NameTooLong);
        }
        Ok(RegistryLine {
            platform_id: id.to_owned(),
            name,
            state_code,
            extinct,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_lines() {
        let l =
            RegistryLine::parse("11723\tOAX - AUDITORÍA SUPERIOR DEL ESTADO DE OAXACA (Extinto)")
                .unwrap();
        assert_eq!(l.platform_id, "11723");
        assert_eq!(l.name, "AUDITORÍA SUPERIOR DEL ESTADO DE OAXACA");
        assert_eq!(l.state_code.as_deref(), Some("OAX"));
        assert!(l.extinct);
        assert_eq!(
            RegistryLine::parse("x\tOAX - A"),
            Err(RegistryLineError::BadId("x".into()))
        );
        assert_eq!(
            RegistryLine::parse("12 OAX - A"),
            Err(RegistryLineError::MissingTab)
        );
        assert_eq!(
            RegistryLine::parse("12\tOAX - "),
            Err(RegistryLineError::EmptyName)
        );
    }

    #[test]
    fn kinds_from_names() {
        use SubjectKind::*;
        for (name, kind) in [
            ("H. AYUNTAMIENTO DE OAXACA DE JUÁREZ", Municipality),
            ("PARTIDO ACCIÓN NACIONAL", PoliticalParty),
            ("MOVIMIENTO CIUDADANO", PoliticalParty),
            ("UNIVERSIDAD DEL MAR", University),
            ("FIDEICOMISO DE FOMENTO PARA EL ESTADO DE OAXACA", Trust),
            (
                "HONORABLE CONGRESO DEL ESTADO LIBRE Y SOBERANO DE OAXACA",
                Legislative,
            ),
            ("TRIBUNAL SUPERIOR DE JUSTICIA DEL ESTADO", Judicial),
            ("FISCALÍA GENERAL DEL ESTADO DE OAXACA", Autonomous),
            ("SECRETARÍA DE FINANZAS", Executive),
            ("FUNDACIÓN TELETÓN MÉXICO A.C", Other),
        ] {
            assert_eq!(SubjectKind::guess_from_name(name), kind, "{name}");
        }
    }
}
