-- Direct messages gain the kind 'trigger_alert': an automatic trigger prepared a
-- roll-call and the network admins are asked to confirm it. SQLite cannot change a
-- CHECK constraint in place, so the table is rebuilt with its rows and indexes.
CREATE TABLE direct_messages_new (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('invitation','contact_code','contact_link','report','push_test','trigger_alert')),
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
