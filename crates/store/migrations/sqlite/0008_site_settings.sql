-- The portal's identity and the texts of its footer pages, set by admins (domain::site):
-- one row per setting. Keep in step with ../postgres/0008_site_settings.sql.
CREATE TABLE site_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
