//! Roles, scopes and the permission rule. Every write in the server asks [`can`] with the
//! grants of the person acting; nothing else decides who may do what.

use serde::{Deserialize, Serialize};

/// A role a person can be granted (see DESIGN.md, "Who uses it"). Every signed-in person with a
/// verified e-mail is a citizen without any grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Guarantor administrator: legal framework, subjects, users, everything.
    Admin,
    /// Guarantor staff who verify compliance.
    Verifier,
    /// Staff of one obligated subject's transparency unit; scoped to that subject.
    SubjectEditor,
    /// Technical secretary of one collegiate body; scoped to that body.
    BodySecretary,
    /// Keeps participation spaces civil: hides abusive content.
    Moderator,
}

impl Role {
    pub const ALL: &'static [Role] = &[
        Role::Admin,
        Role::Verifier,
        Role::SubjectEditor,
        Role::BodySecretary,
        Role::Moderator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Verifier => "verifier",
            Role::SubjectEditor => "subject_editor",
            Role::BodySecretary => "body_secretary",
            Role::Moderator => "moderator",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Self::ALL.iter().copied().find(|r| r.as_str() == s)
    }

    /// The kind of scope this role needs: `None` for roles that hold everywhere.
    pub fn scope_kind(self) -> Option<ScopeKind> {
        match self {
            Role::SubjectEditor => Some(ScopeKind::Subject),
            Role::BodySecretary => Some(ScopeKind::Body),
            Role::Admin | Role::Verifier | Role::Moderator => None,
        }
    }
}

/// What a scoped role is limited to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    Subject,
    Body,
}

impl ScopeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeKind::Subject => "subject",
            ScopeKind::Body => "body",
        }
    }

    pub fn parse(s: &str) -> Option<ScopeKind> {
        match s {
            "subject" => Some(ScopeKind::Subject),
            "body" => Some(ScopeKind::Body),
            _ => None,
        }
    }
}

/// One role held by one person, with its scope when the role has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub role: Role,
    /// The subject or body id the role is limited to; `None` for unscoped roles.
    pub scope_id: Option<i64>,
}

/// Why a grant cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    #[error("the role {0} needs a scope")]
    MissingScope(&'static str),
    #[error("the role {0} takes no scope")]
    UnexpectedScope(&'static str),
}

impl Grant {
    /// Checks that the scope fits the role.
    pub fn new(role: Role, scope_id: Option<i64>) -> Result<Grant, GrantError> {
        match (role.scope_kind(), scope_id) {
            (Some(_), None) => Err(GrantError::MissingScope(role.as_str())),
            (None, Some(_)) => Err(GrantError::UnexpectedScope(role.as_str())),
            _ => Ok(Grant { role, scope_id }),
        }
    }
}

/// Everything the server lets someone do that needs more than being a visitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Create, edit and disable accounts; read the outbox.
    ManageUsers,
    /// Grant and revoke roles.
    ManageGrants,
    /// Create, edit and delete organisations and their members.
    ManageOrganisations,
    /// Create, merge, extinguish and import obligated subjects.
    ManageSubjects,
    /// Load and edit the legal framework, and decide which obligations apply to a subject.
    ManageFramework,
    /// Set the portal's identity (name, logo, colour, contact) and its footer pages' texts.
    ManageSite,
    /// Edit one subject's details (its transparency unit).
    EditSubject(i64),
    /// Publish for one subject (obligations, datasets).
    PublishForSubject(i64),
    /// Create collegiate bodies and run calls that no subject or body convenes.
    ManageBodies,
    /// Run one collegiate body: sessions, attendance, minutes, agreements.
    RunBody(i64),
    /// Verify compliance and issue observations.
    VerifyCompliance,
    /// Hide or restore content in participation spaces.
    Moderate,
    /// Read the whole audit log, private account events included.
    ReadFullAuditLog,
    /// Propose, comment, apply to calls: any signed-in person with a verified e-mail.
    Participate,
    /// Run one open call: the subject's editors when a subject convenes it, the body's
    /// secretary when a body does, the guarantor's admins when neither does.
    ManageCall {
        subject_id: Option<i64>,
        body_id: Option<i64>,
    },
    /// Read a document that is not public, given what it belongs to.
    ReadDocument(DocumentOwner),
    /// Run a participation space and answer its proposals officially: the editors of the
    /// subject it belongs to, the secretary of its body, the guarantor's admins for its own.
    AnswerForSpace {
        subject_id: Option<i64>,
        body_id: Option<i64>,
    },
}

/// What a non-public document belongs to, with the facts that decide who reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentOwner {
    /// An application to a call: its applicant, the call's convenor and its reviewers read it
    /// (`reader_reviews`: the person asking reviews that call).
    Application {
        applicant: i64,
        call_subject: Option<i64>,
        call_body: Option<i64>,
        reader_reviews: bool,
    },
    /// A collegiate body's document: its secretary reads it.
    Body(i64),
    /// A request to join a body: the person who asked and the body's secretary read it.
    Adhesion { applicant: i64, body_id: i64 },
    /// Anything else: only admins.
    Other,
}

/// What the server knows about the person acting.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    /// `None` for a visitor without an account.
    pub user_id: Option<i64>,
    pub email_verified: bool,
    pub grants: Vec<Grant>,
}

impl Actor {
    pub fn visitor() -> Actor {
        Actor::default()
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    fn has_scoped(&self, role: Role, id: i64) -> bool {
        self.grants
            .iter()
            .any(|g| g.role == role && g.scope_id == Some(id))
    }

    /// The one permission rule: may this actor do `action`?
    pub fn can(&self, action: Action) -> bool {
        if self.user_id.is_none() {
            return false;
        }
        if self.has_role(Role::Admin) {
            return true;
        }
        match action {
            Action::ManageUsers
            | Action::ManageGrants
            | Action::ManageOrganisations
            | Action::ManageSubjects
            | Action::ManageFramework
            | Action::ManageSite
            | Action::ManageBodies
            | Action::ReadFullAuditLog => false,
            Action::EditSubject(id) | Action::PublishForSubject(id) => {
                self.has_scoped(Role::SubjectEditor, id)
            }
            Action::RunBody(id) => self.has_scoped(Role::BodySecretary, id),
            Action::VerifyCompliance => self.has_role(Role::Verifier),
            Action::Moderate => self.has_role(Role::Moderator),
            Action::Participate => self.email_verified,
            Action::ManageCall {
                subject_id,
                body_id,
            }
            | Action::AnswerForSpace {
                subject_id,
                body_id,
            } => {
                subject_id.is_some_and(|s| self.has_scoped(Role::SubjectEditor, s))
                    || body_id.is_some_and(|b| self.has_scoped(Role::BodySecretary, b))
            }
            Action::ReadDocument(owner) => match owner {
                DocumentOwner::Application {
                    applicant,
                    call_subject,
                    call_body,
                    reader_reviews,
                } => {
                    self.user_id == Some(applicant)
                        || reader_reviews
                        || self.can(Action::ManageCall {
                            subject_id: call_subject,
                            body_id: call_body,
                        })
                }
                DocumentOwner::Body(id) => self.has_scoped(Role::BodySecretary, id),
                DocumentOwner::Adhesion { applicant, body_id } => {
                    self.user_id == Some(applicant) || self.has_scoped(Role::BodySecretary, body_id)
                }
                DocumentOwner::Other => false,
            },
        }
    }
}

/// Sectors an organisation belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    CivilSociety,
    Academia,
    PrivateSector,
    ProfessionalCollege,
    Government,
    /// The guarantor institute (autoridad garante) itself.
    Guarantor,
}

impl Sector {
    pub const ALL: &'static [Sector] = &[
        Sector::CivilSociety,
        Sector::Academia,
        Sector::PrivateSector,
        Sector::ProfessionalCollege,
        Sector::Government,
        Sector::Guarantor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Sector::CivilSociety => "civil_society",
            Sector::Academia => "academia",
            Sector::PrivateSector => "private_sector",
            Sector::ProfessionalCollege => "professional_college",
            Sector::Government => "government",
            Sector::Guarantor => "guarantor",
        }
    }

    pub fn parse(s: &str) -> Option<Sector> {
        Self::ALL.iter().copied().find(|r| r.as_str() == s)
    }
}

/// The shortest password accepted. Length matters more than character classes (NIST 800-63B).
pub const MIN_PASSWORD_LEN: usize = 10;

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(grants: &[(Role, Option<i64>)], verified: bool) -> Actor {
        Actor {
            user_id: Some(1),
            email_verified: verified,
            grants: grants
                .iter()
                .map(|(r, s)| Grant::new(*r, *s).unwrap())
                .collect(),
        }
    }

    /// Roles × actions: every cell says whether the role may act. Subject 7 and body 9 are the
    /// actor's own scope; subject 8 and body 10 belong to someone else.
    #[test]
    fn permission_table() {
        use Action::*;
        let actions = [
            ManageUsers,
            ManageGrants,
            ManageOrganisations,
            ManageSubjects,
            ManageFramework,
            ManageSite,
            ManageBodies,
            EditSubject(7),
            EditSubject(8),
            PublishForSubject(7),
            PublishForSubject(8),
            RunBody(9),
            RunBody(10),
            VerifyCompliance,
            Moderate,
            ReadFullAuditLog,
            Participate,
        ];
        #[rustfmt::skip]
        let table: [(&str, Actor, [bool; 17]); 8] = [
            ("visitor", Actor::visitor(),                                  [false, false, false, false, false, false, false, false, false, false, false, false, false, false, false, false, false]),
            ("unverified", actor(&[], false),                             [false, false, false, false, false, false, false, false, false, false, false, false, false, false, false, false, false]),
            ("citizen", actor(&[], true),                                 [false, false, false, false, false, false, false, false, false, false, false, false, false, false, false, false, true]),
            ("admin", actor(&[(Role::Admin, None)], true),                [true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true]),
            ("verifier", actor(&[(Role::Verifier, None)], true),          [false, false, false, false, false, false, false, false, false, false, false, false, false, true, false, false, true]),
            ("subject editor", actor(&[(Role::SubjectEditor, Some(7))], true), [false, false, false, false, false, false, false, true, false, true, false, false, false, false, false, false, true]),
            ("body secretary", actor(&[(Role::BodySecretary, Some(9))], true), [false, false, false, false, false, false, false, false, false, false, false, true, false, false, false, false, true]),
            ("moderator", actor(&[(Role::Moderator, None)], true),        [false, false, false, false, false, false, false, false, false, false, false, false, false, false, true, false, true]),
        ];
        for (name, who, allowed) in table {
            for (action, want) in actions.iter().zip(allowed) {
                assert_eq!(who.can(*action), want, "{name} / {action:?}");
            }
        }
    }

    /// A participation space is answered for by its subject's editors, its body's secretary,
    /// or (a space of the guarantor's own) the admins; a moderator or a citizen never answers.
    #[test]
    fn spaces_are_answered_for_by_whoever_they_belong_to() {
        let of_subject = Action::AnswerForSpace {
            subject_id: Some(7),
            body_id: None,
        };
        let of_body = Action::AnswerForSpace {
            subject_id: None,
            body_id: Some(9),
        };
        let of_guarantor = Action::AnswerForSpace {
            subject_id: None,
            body_id: None,
        };
        let editor = actor(&[(Role::SubjectEditor, Some(7))], true);
        let other_editor = actor(&[(Role::SubjectEditor, Some(8))], true);
        let secretary = actor(&[(Role::BodySecretary, Some(9))], true);
        let admin = actor(&[(Role::Admin, None)], true);
        assert!(editor.can(of_subject) && !editor.can(of_body) && !editor.can(of_guarantor));
        assert!(!other_editor.can(of_subject), "another subject's editor");
        assert!(secretary.can(of_body) && !secretary.can(of_subject));
        assert!(admin.can(of_subject) && admin.can(of_body) && admin.can(of_guarantor));
        for who in [
            actor(&[(Role::Moderator, None)], true),
            actor(&[], true),
            Actor::visitor(),
        ] {
            for action in [of_subject, of_body, of_guarantor] {
                assert!(!who.can(action), "{who:?} / {action:?}");
            }
        }
    }

    /// A call is run by its convenor; an application's documents are read by its applicant,
    /// the call's convenor and its reviewers; a body's documents by its secretary; a request
    /// to join by the person who asked and the secretary. Nobody else (user 1 is the actor).
    #[test]
    fn calls_and_documents_follow_their_convenor_and_owner() {
        let editor = actor(&[(Role::SubjectEditor, Some(7))], true);
        let secretary = actor(&[(Role::BodySecretary, Some(9))], true);
        let citizen = actor(&[], true);
        let by_subject = Action::ManageCall {
            subject_id: Some(7),
            body_id: None,
        };
        let by_body = Action::ManageCall {
            subject_id: None,
            body_id: Some(9),
        };
        let by_nobody = Action::ManageCall {
            subject_id: None,
            body_id: None,
        };
        assert!(editor.can(by_subject) && !editor.can(by_body) && !editor.can(by_nobody));
        assert!(secretary.can(by_body) && !secretary.can(by_subject) && !secretary.can(by_nobody));
        assert!(actor(&[(Role::Admin, None)], true).can(by_nobody));

        let application = |applicant, reader_reviews| {
            Action::ReadDocument(DocumentOwner::Application {
                applicant,
                call_subject: Some(7),
                call_body: None,
                reader_reviews,
            })
        };
        assert!(citizen.can(application(1, false)), "the applicant");
        assert!(citizen.can(application(2, true)), "a reviewer of the call");
        assert!(editor.can(application(2, false)), "the call's convenor");
        assert!(!citizen.can(application(2, false)));
        assert!(!secretary.can(application(2, false)));

        let body_doc = Action::ReadDocument(DocumentOwner::Body(9));
        assert!(secretary.can(body_doc) && !editor.can(body_doc) && !citizen.can(body_doc));
        let adhesion = |applicant| {
            Action::ReadDocument(DocumentOwner::Adhesion {
                applicant,
                body_id: 9,
            })
        };
        assert!(citizen.can(adhesion(1)) && !citizen.can(adhesion(2)));
        assert!(secretary.can(adhesion(2)));
        assert!(!citizen.can(Action::ReadDocument(DocumentOwner::Other)));
        assert!(!Actor::visitor().can(application(1, true)));
    }

    #[test]
    fn scoped_roles_need_a_scope() {
        assert!(Grant::new(Role::SubjectEditor, None).is_err());
        assert!(Grant::new(Role::Admin, Some(3)).is_err());
        assert!(Grant::new(Role::BodySecretary, Some(3)).is_ok());
    }
}
