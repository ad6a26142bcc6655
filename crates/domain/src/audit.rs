//! The audit log's checkpoints: its head (the newest entry's number and hash), signed with the
//! instance's Ed25519 key, so that someone outside — another guarantor, a civil-society
//! organisation, a journalist — can keep them and later prove that the log was only ever
//! appended to. Pure: the store keeps the log, the web signs and serves, `tequio witness`
//! checks (`docs/AUDIT.md`).

use serde::{Deserialize, Serialize};

/// The newest entry's number and hash: publish it, keep copies, check them later.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    pub hash: String,
}

/// What the first line of a checkpoint's signed text says, and so its version.
pub const CHECKPOINT_FORMAT: &str = "tequio-checkpoint/1";

/// A head as an instance states it at a time.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Checkpoint {
    /// Which log: the instance's public address.
    pub origin: String,
    pub seq: i64,
    pub hash: String,
    /// When it was signed (RFC 3339, UTC).
    pub at: String,
}

impl Checkpoint {
    /// The exact text that is signed, one field a line:
    /// `tequio-checkpoint/1\n{origin}\n{seq}\n{hash}\n{at}\n`.
    pub fn signed_text(&self) -> String {
        format!(
            "{CHECKPOINT_FORMAT}\n{}\n{}\n{}\n{}\n",
            self.origin, self.seq, self.hash, self.at
        )
    }

    pub fn head(&self) -> Head {
        Head {
            seq: self.seq,
            hash: self.hash.clone(),
        }
    }
}

/// An Ed25519 key that signs checkpoints (the instance's) or co-signs them (a witness's).
pub struct SigningKey(ed25519_compact::KeyPair);

impl SigningKey {
    /// The key made from 32 random bytes. `None` for the one seed Ed25519 refuses (all zeros).
    pub fn from_seed(seed: [u8; 32]) -> Option<SigningKey> {
        ed25519_compact::KeyPair::try_from_seed(ed25519_compact::Seed::new(seed))
            .ok()
            .map(SigningKey)
    }

    /// The public key, in lower-case hex (64 characters).
    pub fn public_key(&self) -> String {
        hex::encode(*self.0.pk)
    }

    /// The signature of `text`, in lower-case hex (128 characters).
    pub fn sign(&self, text: &str) -> String {
        hex::encode(*self.0.sk.sign(text, None))
    }
}

/// Whether `signature` (hex) is `public_key`'s (hex) signature of `text`.
pub fn verify(public_key: &str, text: &str, signature: &str) -> bool {
    let (Ok(key), Ok(sig)) = (hex::decode(public_key), hex::decode(signature)) else {
        return false;
    };
    let (Ok(key), Ok(sig)) = (
        ed25519_compact::PublicKey::from_slice(&key),
        ed25519_compact::Signature::from_slice(&sig),
    ) else {
        return false;
    };
    key.verify(text, &sig).is_ok()
}

/// One link of the chain: an entry's number, the hash of the entry before it, and its own.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Link {
    pub seq: i64,
    pub prev_hash: String,
    pub hash: String,
}

/// Why a newer head does not extend one kept earlier: the evidence of a rewritten log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// The log is shorter than it was: entries were removed.
    Rewind { kept: Head, now: i64 },
    /// The entry at a kept number has another hash now: history was rewritten from there.
    Fork {
        seq: i64,
        kept: String,
        found: String,
    },
    /// The links given do not join: one is missing, or does not follow the one before.
    Unjoined { seq: i64 },
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Break::Rewind { kept, now } => write!(
                f,
                "REWIND: the log was at entry {} ({}) and is now at entry {now}: entries were removed",
                kept.seq, kept.hash
            ),
            Break::Fork { seq, kept, found } => write!(
                f,
                "FORK: entry {seq} had hash {kept} and now has {found}: history was rewritten from there"
            ),
            Break::Unjoined { seq } => write!(
                f,
                "BROKEN LINKS: at entry {seq} the chain does not follow from the entry before"
            ),
        }
    }
}

/// Checks that `new` extends `kept`: the same entry at the same number, then an unbroken
/// chain of `links` (entries `kept.seq ..= new.seq`, in order) from one to the other.
pub fn extends(kept: &Head, new: &Head, links: &[Link]) -> Result<(), Break> {
    contains_all(std::slice::from_ref(kept), new, links)
}

/// Checks that every head in `kept` is still in the chain that ends at `now`: none is past
/// its end (a rewind), the `links` join one to the next up to `now`, and the entry at each
/// kept number has the kept hash (else history was rewritten: a fork). `links` run from the
/// lowest kept number to `now`, in order.
pub fn contains_all(kept: &[Head], now: &Head, links: &[Link]) -> Result<(), Break> {
    if let Some(last) = kept
        .iter()
        .filter(|k| k.seq > now.seq)
        .max_by_key(|k| k.seq)
    {
        return Err(Break::Rewind {
            kept: last.clone(),
            now: now.seq,
        });
    }
    for pair in links.windows(2) {
        if pair[1].seq != pair[0].seq + 1 || pair[1].prev_hash != pair[0].hash {
            return Err(Break::Unjoined { seq: pair[1].seq });
        }
    }
    for head in kept
        .iter()
        .chain(std::iter::once(now))
        .filter(|h| h.seq > 0)
    {
        match links.iter().find(|l| l.seq == head.seq) {
            None => return Err(Break::Unjoined { seq: head.seq }),
            Some(l) if l.hash != head.hash => {
                return Err(Break::Fork {
                    seq: head.seq,
                    kept: head.hash.clone(),
                    found: l.hash.clone(),
                });
            }
            Some(_) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_rfc_8032() {
        // RFC 8032, section 7.1, test 1: the empty message.
        let seed = hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
            .unwrap();
        let key = SigningKey::from_seed(seed.try_into().unwrap()).unwrap();
        assert_eq!(
            key.public_key(),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        let sig = key.sign("");
        assert_eq!(
            sig,
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
        assert!(verify(&key.public_key(), "", &sig));
        assert!(!verify(&key.public_key(), "x", &sig));
        assert!(!verify(&key.public_key(), "", "00"));
        assert!(SigningKey::from_seed([0; 32]).is_none());
    }

    fn link(seq: i64, prev: &str, hash: &str) -> Link {
        Link {
            seq,
            prev_hash: prev.into(),
            hash: hash.into(),
        }
    }

    fn head(seq: i64, hash: &str) -> Head {
        Head {
            seq,
            hash: hash.into(),
        }
    }

    #[test]
    fn a_head_extends_another_only_through_joined_links() {
        let links = [link(3, "b", "c"), link(4, "c", "d"), link(5, "d", "e")];
        assert_eq!(extends(&head(3, "c"), &head(5, "e"), &links), Ok(()));
        assert_eq!(extends(&head(3, "c"), &head(3, "c"), &links[..1]), Ok(()));
        assert!(matches!(
            extends(&head(5, "e"), &head(3, "c"), &links),
            Err(Break::Rewind { now: 3, .. })
        ));
        assert_eq!(
            extends(&head(3, "x"), &head(5, "e"), &links),
            Err(Break::Fork {
                seq: 3,
                kept: "x".into(),
                found: "c".into()
            })
        );
        let gap = [link(3, "b", "c"), link(5, "d", "e")];
        assert_eq!(
            extends(&head(3, "c"), &head(5, "e"), &gap),
            Err(Break::Unjoined { seq: 5 })
        );
        assert!(extends(&head(3, "c"), &head(5, "z"), &links).is_err());
        assert_eq!(extends(&head(0, "0"), &head(0, "0"), &[]), Ok(()));
    }

    #[test]
    fn every_kept_head_must_be_in_the_chain() {
        let links = [link(3, "b", "c"), link(4, "c", "d"), link(5, "d", "e")];
        let kept = [head(3, "c"), head(4, "d")];
        assert_eq!(contains_all(&kept, &head(5, "e"), &links), Ok(()));
        // A head seen later than a signed one, then lost: a rewind, named by the later one.
        assert_eq!(
            contains_all(&[head(3, "c"), head(5, "e")], &head(4, "d"), &links[..2]),
            Err(Break::Rewind {
                kept: head(5, "e"),
                now: 4
            })
        );
        assert!(matches!(
            contains_all(&[head(3, "c"), head(4, "x")], &head(5, "e"), &links),
            Err(Break::Fork { seq: 4, .. })
        ));
    }

    #[test]
    fn the_signed_text_is_one_field_a_line() {
        let c = Checkpoint {
            origin: "https://tequio.example".into(),
            seq: 42,
            hash: "ab".into(),
            at: "2026-12-02T03:00:00.000000Z".into(),
        };
        assert_eq!(
            c.signed_text(),
            "tequio-checkpoint/1\nhttps://tequio.example\n42\nab\n2026-12-02T03:00:00.000000Z\n"
        );
    }
}
