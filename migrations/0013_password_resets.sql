-- 「パスワードを忘れた方」 (issue 14): a password reset by an emailed link. The auth
-- domain owns the table (worker/auth/data.ts). The token is 256 random bits, kept
-- only as its SHA-256; a link works once, for 30 minutes, and a new request replaces
-- the person's live one (the partial unique index: one live link per person).
CREATE TABLE password_resets (
  id INTEGER PRIMARY KEY,
  person_id INTEGER NOT NULL REFERENCES people(id),
  token_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER,
  replaced_at INTEGER,
  -- Using the link adds 1; using it once more, or after it expired or was replaced,
  -- adds 2. Either breaks the CHECK, so the batch that sets the password fails whole.
  uses INTEGER NOT NULL DEFAULT 0 CHECK (uses <= 1)
);
CREATE UNIQUE INDEX password_resets_live ON password_resets(person_id) WHERE used_at IS NULL AND replaced_at IS NULL;

-- Direct messages gain the kind 'password_reset'. SQLite cannot change a CHECK
-- constraint in place, so the table is rebuilt (keeping every kind of 0009).
-- A later rebuild of direct_messages must keep 'admin_alert', 'security_notice'
-- and 'password_reset'.
CREATE TABLE direct_messages_new (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('invitation','contact_code','contact_link','report','push_test','trigger_alert','admin_alert','security_notice','password_reset')),
  channel TEXT NOT NULL CHECK (channel IN ('push','sms','email')),
  person_id INTEGER REFERENCES people(id),
  sender_id INTEGER REFERENCES people(id),
  facility_id INTEGER REFERENCES facilities(id),
  recipient TEXT NOT NULL,
  sandbox INTEGER NOT NULL,
  subject TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL DEFAULT '',
  link TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL CHECK (state IN ('sent','delivered','failed')),
  provider_id TEXT,
  error TEXT,
  created_at INTEGER NOT NULL
);
INSERT INTO direct_messages_new SELECT id, kind, channel, person_id, sender_id, facility_id, recipient, sandbox, subject, body, link, state, provider_id, error, created_at FROM direct_messages;
DROP TABLE direct_messages;
ALTER TABLE direct_messages_new RENAME TO direct_messages;
CREATE INDEX direct_messages_person ON direct_messages(person_id, id);
CREATE INDEX direct_messages_facility ON direct_messages(facility_id, id);
CREATE INDEX direct_messages_sender ON direct_messages(sender_id, id);
