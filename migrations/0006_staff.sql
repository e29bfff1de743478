-- The staff app: invitations accepted by the invitee, passkeys, contact verification,
-- push device tests, incident reports, and messages outside roll-calls. Times are UTC ms.

-- The invitee's language (the join page and the message) and who accepted.
ALTER TABLE invitations ADD COLUMN lang TEXT NOT NULL DEFAULT 'ja';
ALTER TABLE invitations ADD COLUMN accepted_person_id INTEGER REFERENCES people(id);
CREATE INDEX invitations_group ON invitations(group_id);
-- One outcome per invitation (accepted, declined or revoked): the key makes a second one
-- impossible, so a reused or raced invitation fails its whole batch and changes nothing.
CREATE TABLE invitation_outcomes (
  invitation_id INTEGER PRIMARY KEY REFERENCES invitations(id),
  outcome TEXT NOT NULL CHECK (outcome IN ('accepted','declined','revoked')),
  at INTEGER NOT NULL
);

-- A 6-digit SMS code or an email link proving a contact works. Only the hash is kept;
-- a code dies after 5 wrong tries, a newer request, or its expiry.
CREATE TABLE contact_verifications (
  id INTEGER PRIMARY KEY,
  contact_id INTEGER NOT NULL REFERENCES contacts(id),
  person_id INTEGER NOT NULL REFERENCES people(id),
  method TEXT NOT NULL CHECK (method IN ('code','link')),
  secret_hash TEXT NOT NULL,         -- code: SHA-256 of "<salt>:<code>"; link: SHA-256 of the token
  salt TEXT NOT NULL DEFAULT '',
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER,
  dead_at INTEGER
);
CREATE INDEX contact_verifications_contact ON contact_verifications(contact_id, created_at);
CREATE INDEX contact_verifications_person ON contact_verifications(person_id, created_at);
CREATE UNIQUE INDEX contact_verifications_link ON contact_verifications(secret_hash) WHERE method = 'link';

-- WebAuthn credentials (passkeys), a sign-in option for everyone.
CREATE TABLE passkeys (
  id INTEGER PRIMARY KEY,
  credential_id TEXT NOT NULL UNIQUE,  -- base64url
  person_id INTEGER NOT NULL REFERENCES people(id),
  public_key TEXT NOT NULL,            -- base64url COSE key
  counter INTEGER NOT NULL DEFAULT 0,
  transports TEXT NOT NULL DEFAULT '[]',
  device_type TEXT NOT NULL DEFAULT 'singleDevice',
  backed_up INTEGER NOT NULL DEFAULT 0,
  name TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER
);
CREATE INDEX passkeys_person ON passkeys(person_id, revoked_at);

-- Outstanding WebAuthn challenges, each usable once, for a few minutes.
CREATE TABLE webauthn_challenges (
  challenge_hash TEXT PRIMARY KEY,
  purpose TEXT NOT NULL CHECK (purpose IN ('register','authenticate')),
  person_id INTEGER REFERENCES people(id),
  expires_at INTEGER NOT NULL
);

-- "Send me a test" per device: the service worker acknowledges with the token (stored hashed).
ALTER TABLE push_subscriptions ADD COLUMN last_test_at INTEGER;   -- arrival of the last test
CREATE TABLE push_tests (
  id INTEGER PRIMARY KEY,
  subscription_id INTEGER NOT NULL REFERENCES push_subscriptions(id),
  token_hash TEXT NOT NULL UNIQUE,
  sent_at INTEGER NOT NULL,
  arrived_at INTEGER
);
CREATE INDEX push_tests_subscription ON push_tests(subscription_id, sent_at);

-- A lost phone, a system fault or suspected unauthorised access, for the reporter's facility admins (§5, §7).
CREATE TABLE incident_reports (
  id INTEGER PRIMARY KEY,
  person_id INTEGER NOT NULL REFERENCES people(id),
  kind TEXT NOT NULL CHECK (kind IN ('lost_device','system_fault','unauthorised_access')),
  note TEXT NOT NULL DEFAULT '',
  facility_ids TEXT NOT NULL DEFAULT '[]',   -- JSON: the reporter's facilities when reported (their admins handle it)
  created_at INTEGER NOT NULL,
  handled_at INTEGER,
  handled_by INTEGER REFERENCES people(id),
  handling_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX incident_reports_open ON incident_reports(handled_at, created_at);
CREATE INDEX incident_reports_person ON incident_reports(person_id, created_at);

-- Messages outside roll-calls (invitations, codes, verification links, report notices, device
-- tests). The outbox table needs a delivery; these do not have one. Text and link are kept
-- only for the sandbox (no provider secrets): with a real provider a row records that it went.
CREATE TABLE direct_messages (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('invitation','contact_code','contact_link','report','push_test')),
  channel TEXT NOT NULL CHECK (channel IN ('push','sms','email')),
  person_id INTEGER REFERENCES people(id),      -- the addressee, once registered
  sender_id INTEGER REFERENCES people(id),      -- who caused it (the inviter), if anyone
  facility_id INTEGER REFERENCES facilities(id),  -- whose admins may read it in the sandbox
  recipient TEXT NOT NULL,                      -- masked, never the full number or address
  sandbox INTEGER NOT NULL,
  subject TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL DEFAULT '',
  link TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL CHECK (state IN ('sent','delivered','failed')),
  provider_id TEXT,
  error TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX direct_messages_person ON direct_messages(person_id, id);
CREATE INDEX direct_messages_facility ON direct_messages(facility_id, id);
CREATE INDEX direct_messages_sender ON direct_messages(sender_id, id);
