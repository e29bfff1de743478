-- Who is in the network, who may do what, and the audit trail.
-- Times are UTC milliseconds since the epoch. Removal sets removed_at: history stays, access ends.

CREATE TABLE facilities (
  id INTEGER PRIMARY KEY,
  type TEXT NOT NULL CHECK (type IN ('clinic','hospital','dental','pharmacy','visiting_nurse','visiting_rehab','care_manager','home_care','community_support','city_division')),
  name TEXT NOT NULL,
  kana TEXT NOT NULL DEFAULT '',
  address TEXT NOT NULL DEFAULT '',
  district TEXT NOT NULL DEFAULT '',
  phone TEXT,
  lat REAL,
  lng REAL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  removed_at INTEGER
);
CREATE UNIQUE INDEX facilities_name_active ON facilities(name) WHERE removed_at IS NULL;
CREATE INDEX facilities_type ON facilities(type, removed_at);
CREATE INDEX facilities_kana ON facilities(kana);

CREATE TABLE people (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  kana TEXT NOT NULL DEFAULT '',
  job TEXT NOT NULL DEFAULT '',            -- 職種
  lang TEXT NOT NULL DEFAULT 'ja',
  global_role TEXT CHECK (global_role IN ('network_admin','viewer')),
  photo_key TEXT,
  password_hash TEXT,
  password_changed_at INTEGER,
  totp_secret TEXT,
  totp_enabled_at INTEGER,
  totp_last_step INTEGER,                  -- refuses a code used twice
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  removed_at INTEGER
);
CREATE INDEX people_name ON people(name);
CREATE INDEX people_kana ON people(kana);
CREATE INDEX people_role ON people(global_role) WHERE global_role IS NOT NULL;

-- A person's place and role in a facility (管理者 admin, 代行 delegate, 一般 staff).
CREATE TABLE memberships (
  id INTEGER PRIMARY KEY,
  person_id INTEGER NOT NULL REFERENCES people(id),
  facility_id INTEGER NOT NULL REFERENCES facilities(id),
  role TEXT NOT NULL CHECK (role IN ('admin','delegate','staff')),
  appointed_by INTEGER REFERENCES people(id),
  created_at INTEGER NOT NULL,
  removed_at INTEGER
);
CREATE UNIQUE INDEX memberships_active ON memberships(person_id, facility_id) WHERE removed_at IS NULL;
CREATE INDEX memberships_facility ON memberships(facility_id, removed_at, role);
CREATE INDEX memberships_person ON memberships(person_id, removed_at);

-- Email and mobile (E.164). One address belongs to one account (§5, §6).
CREATE TABLE contacts (
  id INTEGER PRIMARY KEY,
  person_id INTEGER NOT NULL REFERENCES people(id),
  kind TEXT NOT NULL CHECK (kind IN ('email','mobile')),
  value TEXT NOT NULL,
  verified_at INTEGER,
  last_ok_at INTEGER,
  created_at INTEGER NOT NULL,
  removed_at INTEGER
);
CREATE UNIQUE INDEX contacts_value_active ON contacts(kind, value) WHERE removed_at IS NULL;
CREATE INDEX contacts_person ON contacts(person_id, removed_at);

CREATE TABLE push_subscriptions (
  id INTEGER PRIMARY KEY,
  person_id INTEGER NOT NULL REFERENCES people(id),
  endpoint TEXT NOT NULL,
  p256dh TEXT NOT NULL,
  auth TEXT NOT NULL,
  device_name TEXT NOT NULL DEFAULT '',
  last_ok_at INTEGER,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE UNIQUE INDEX push_endpoint_active ON push_subscriptions(endpoint) WHERE revoked_at IS NULL;
CREATE INDEX push_person ON push_subscriptions(person_id, revoked_at);

-- The network group (one), one group per facility, and custom groups.
CREATE TABLE groups (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('network','facility','custom')),
  name TEXT NOT NULL,
  facility_id INTEGER REFERENCES facilities(id),
  owner_id INTEGER REFERENCES people(id),
  created_at INTEGER NOT NULL,
  closed_at INTEGER
);
CREATE UNIQUE INDEX groups_one_network ON groups(kind) WHERE kind = 'network';
CREATE UNIQUE INDEX groups_one_per_facility ON groups(facility_id) WHERE kind = 'facility';

CREATE TABLE group_members (
  id INTEGER PRIMARY KEY,
  group_id INTEGER NOT NULL REFERENCES groups(id),
  person_id INTEGER NOT NULL REFERENCES people(id),
  role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('owner','member')),
  added_by INTEGER REFERENCES people(id),
  created_at INTEGER NOT NULL,
  removed_at INTEGER
);
CREATE UNIQUE INDEX group_members_active ON group_members(group_id, person_id) WHERE removed_at IS NULL;
CREATE INDEX group_members_person ON group_members(person_id, removed_at);

-- Invitations are accepted by the invitee (§5); the token is stored hashed.
CREATE TABLE invitations (
  id INTEGER PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  facility_id INTEGER REFERENCES facilities(id),
  group_id INTEGER REFERENCES groups(id),
  role TEXT NOT NULL DEFAULT 'staff' CHECK (role IN ('admin','delegate','staff')),
  person_id INTEGER REFERENCES people(id),
  name TEXT NOT NULL DEFAULT '',
  contact_kind TEXT CHECK (contact_kind IN ('email','mobile')),
  contact_value TEXT,
  message TEXT NOT NULL DEFAULT '',
  invited_by INTEGER NOT NULL REFERENCES people(id),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  accepted_at INTEGER,
  declined_at INTEGER,
  revoked_at INTEGER
);
CREATE INDEX invitations_facility ON invitations(facility_id);

CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  person_id INTEGER NOT NULL REFERENCES people(id),
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  revoked_at INTEGER,
  user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_person ON sessions(person_id, revoked_at);

-- Failed sign-ins per account and per address.
CREATE TABLE login_throttle (
  key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  window_start INTEGER NOT NULL,
  locked_until INTEGER
);

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_by INTEGER REFERENCES people(id)
);

-- Append-only: the triggers refuse any update or delete.
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor_id INTEGER,
  action TEXT NOT NULL,
  object_type TEXT,
  object_id TEXT,
  detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_at ON audit_log(at);
CREATE INDEX audit_actor ON audit_log(actor_id, at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
