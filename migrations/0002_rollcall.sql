-- Roll-calls, recipients, deliveries, replies. Times are UTC ms.

-- Admin copies of the file templates (templates/ holds the defaults).
CREATE TABLE templates (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  based_on TEXT NOT NULL,            -- key of the file template it was copied from
  body TEXT NOT NULL,                -- JSON: same shape as a file template
  created_by INTEGER REFERENCES people(id),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  removed_at INTEGER
);

CREATE TABLE rollcalls (
  id INTEGER PRIMARY KEY,
  title TEXT NOT NULL,
  message TEXT NOT NULL DEFAULT '',  -- optional text shown in the messages and on the reply page ({message})
  template_ref TEXT NOT NULL,        -- file key ("safety") or "db:<id>"
  template TEXT NOT NULL,            -- JSON snapshot of the template used
  scope TEXT NOT NULL,               -- JSON { all } | { facilityTypes } | { facilityIds } | { groupIds }
  drill INTEGER NOT NULL,            -- 1 = 訓練
  state TEXT NOT NULL CHECK (state IN ('draft','sending','open','closed','withdrawn')),
  owner_facility_id INTEGER REFERENCES facilities(id),  -- NULL: a network roll-call
  source TEXT NOT NULL DEFAULT 'manual' CHECK (source IN ('manual','jma','cap','api','test')),
  source_ref TEXT,                   -- e.g. the JMA EventID
  salt TEXT NOT NULL,                -- random, part of every reply token's derivation
  notes TEXT NOT NULL DEFAULT '[]',  -- JSON list of { at, text }
  created_by INTEGER REFERENCES people(id),
  confirmed_by INTEGER REFERENCES people(id),
  closed_by INTEGER REFERENCES people(id),
  created_at INTEGER NOT NULL,
  confirmed_at INTEGER,
  closed_at INTEGER
);
CREATE INDEX rollcalls_state ON rollcalls(state, created_at);
CREATE UNIQUE INDEX rollcalls_source_ref ON rollcalls(source, source_ref) WHERE source_ref IS NOT NULL;

-- Who was asked, fixed at confirm (one INSERT ... SELECT). token_hash = SHA-256 of
-- the reply token, NULL until the link is first produced (the delivery plan page,
-- a resend, or the person's own GET /api/me/rollcalls fills it): a reply lookup by
-- hash never matches NULL, and UNIQUE allows many NULLs.
CREATE TABLE rollcall_recipients (
  rollcall_id INTEGER NOT NULL REFERENCES rollcalls(id),
  person_id INTEGER NOT NULL REFERENCES people(id),
  facility_id INTEGER REFERENCES facilities(id),
  is_facility_admin INTEGER NOT NULL DEFAULT 0,
  token_hash TEXT UNIQUE,
  last_reply_id INTEGER,
  replied_at INTEGER,
  PRIMARY KEY (rollcall_id, person_id)
) WITHOUT ROWID;
CREATE INDEX recipients_facility ON rollcall_recipients(rollcall_id, facility_id);
CREATE INDEX recipients_unreplied ON rollcall_recipients(rollcall_id, replied_at);

-- Every version of every reply is kept.
CREATE TABLE replies (
  id INTEGER PRIMARY KEY,
  rollcall_id INTEGER NOT NULL REFERENCES rollcalls(id),
  person_id INTEGER NOT NULL REFERENCES people(id),
  answers TEXT NOT NULL,             -- JSON { safety, availability, arrival, ack, facility: {...} }
  comment TEXT NOT NULL DEFAULT '',
  via TEXT NOT NULL CHECK (via IN ('link','sms','push','proxy')),
  proxy_by INTEGER REFERENCES people(id), -- 代理回答
  comment_removed_by INTEGER REFERENCES people(id),
  comment_removed_at INTEGER,
  created_at INTEGER NOT NULL
);
CREATE INDEX replies_person ON replies(rollcall_id, person_id, id);
