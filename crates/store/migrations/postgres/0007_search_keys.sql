-- The search index keeps what a link is made from (an id, a name, or for a session the body's
-- name, year and number), not the link itself: page addresses are the web crate's to make
-- (docs/ARCHITECTURE.md).
ALTER TABLE search_index RENAME COLUMN url TO ref_key;
UPDATE search_index SET ref_key = substr(ref_key, 10) WHERE kind = 'subject' AND ref_key LIKE '/sujetos/%';
UPDATE search_index SET ref_key = substr(ref_key, 8) WHERE kind = 'dataset' AND ref_key LIKE '/datos/%';
UPDATE search_index SET ref_key = substr(ref_key, 11) WHERE kind = 'topic' AND ref_key LIKE '/portales/%';
UPDATE search_index SET ref_key = substr(ref_key, 10) WHERE kind = 'body' AND ref_key LIKE '/organos/%';
UPDATE search_index SET ref_key = replace(substr(ref_key, 10), '/sesiones/', '/') WHERE kind = 'session' AND ref_key LIKE '/organos/%';
UPDATE search_index SET ref_key = substr(ref_key, 16) WHERE kind = 'call' AND ref_key LIKE '/convocatorias/%';
UPDATE search_index SET ref_key = substr(ref_key, 11) WHERE kind = 'agreement' AND ref_key LIKE '/acuerdos/%';
UPDATE search_index SET ref_key = substr(ref_key, 15) WHERE kind = 'instrument' AND ref_key LIKE '/instrumentos/%';
UPDATE search_index SET ref_key = substr(ref_key, 10) WHERE kind = 'event' AND ref_key LIKE '/eventos/%';
