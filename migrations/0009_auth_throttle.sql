-- Sign-in throttles by (account, address) and by address; failures across the
-- whole account only slow sign-in down and tell the person by email (issue 10, #9).
-- Keys (worker/auth/throttle.ts): 'pair:<sha256(email, address)>' and
-- 'ip:<sha256(address)>' lock; 'acct:<sha256(email)>' never locks.
ALTER TABLE login_throttle ADD COLUMN last_failure_at INTEGER;
-- When the person was last told of repeated failures (at most once per window).
ALTER TABLE login_throttle ADD COLUMN notified_at INTEGER;
-- Address keys used to hold the address in clear; they are hashed now. Old
-- account rows may carry an account-wide lock, which no longer exists.
DELETE FROM login_throttle WHERE key LIKE 'addr:%';
UPDATE login_throttle SET locked_until = NULL WHERE key LIKE 'acct:%';

-- Direct messages gain the kind 'security_notice': the person is told of repeated
-- failed sign-ins on their account. SQLite cannot change a CHECK constraint in
-- place, so the table is rebuilt (keeping 'admin_alert' of 0008).
-- A later rebuild of direct_messages must keep 'admin_alert' and 'security_notice'.
CREATE TABLE direct_messages_new (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('invitation','contact_code','contact_link','report','push_test','trigger_alert','admin_alert','security_notice')),
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
