-- Limits on verification SMS (SMS pumping) and on answers that reveal whether a
-- contact exists.

-- One row per verification code sent by SMS: counted per account, per destination
-- number and network-wide over the last 24 hours. The number is kept only as a
-- SHA-256 hash, enough to count it across contacts and accounts, so removing and
-- adding the same number again does not reset its count.
CREATE TABLE verification_sms (
  id INTEGER PRIMARY KEY,
  person_id INTEGER NOT NULL REFERENCES people(id),
  number_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX verification_sms_person ON verification_sms(person_id, created_at);
CREATE INDEX verification_sms_number ON verification_sms(number_hash, created_at);
CREATE INDEX verification_sms_at ON verification_sms(created_at);

-- The network-wide ceiling was reached on this day (Japan time): the network admins
-- are alerted once a day, by whoever claims the row first.
CREATE TABLE verification_sms_alerts (
  day TEXT PRIMARY KEY,          -- YYYY-MM-DD, Japan time
  claimed_at INTEGER NOT NULL,
  alerts_accepted INTEGER        -- set once the alerts went out
);

-- A small sliding-window limiter (worker/lib/ratelimit.ts): one row per counted
-- event under a key such as 'contact-probe:person:12' or 'contact-probe:addr:203.0.113.9'.
CREATE TABLE rate_limit_events (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX rate_limit_events_key ON rate_limit_events(key, at);
CREATE INDEX rate_limit_events_at ON rate_limit_events(at);

-- Direct messages gain the kind 'admin_alert': the network admins are told that a
-- limit of the whole network was reached (the daily ceiling of verification SMS).
-- SQLite cannot change a CHECK constraint in place, so the table is rebuilt.
-- A later rebuild of direct_messages must keep 'admin_alert'.
CREATE TABLE direct_messages_new (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('invitation','contact_code','contact_link','report','push_test','trigger_alert','admin_alert')),
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
