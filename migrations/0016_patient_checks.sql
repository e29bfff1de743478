-- Patient checks in a roll-call (issue 15, second part). Times are UTC ms.
--
-- rollcalls.patient_checks: NULL when the roll-call checks no patients; else JSON
-- {} (the open groups with a member among the recipients) or {"districts": [...]}
-- (those, of the patients living in these districts). Written only by rollcall/.
ALTER TABLE rollcalls ADD COLUMN patient_checks TEXT;

-- One row per (roll-call, patient), fixed at confirm in the confirm's batch. The
-- patients domain owns it: a member claims (担当します: claimed_by, one at a time), then
-- records the result after the confirm step; escalation raises an unchecked high-need
-- patient to the group's managers and physician (level 1), then to the facility
-- admins of the members (level 2).
CREATE TABLE patient_checks (
  rollcall_id INTEGER NOT NULL REFERENCES rollcalls(id),
  patient_id INTEGER NOT NULL REFERENCES patients(id),
  claimed_by INTEGER REFERENCES people(id),
  claimed_at INTEGER,
  result TEXT CHECK (result IN ('safe','needs_help','hospital','evacuated','unreachable')),
  power TEXT CHECK (power IN ('secured','battery','stopped')),
  battery_hours REAL CHECK (battery_hours IS NULL OR (battery_hours >= 0 AND battery_hours <= 240)),
  location TEXT NOT NULL DEFAULT '',
  comment TEXT NOT NULL DEFAULT '',
  checked_by INTEGER REFERENCES people(id),
  checked_at INTEGER,
  escalation INTEGER NOT NULL DEFAULT 0 CHECK (escalation IN (0, 1, 2)),
  escalated_at INTEGER,
  PRIMARY KEY (rollcall_id, patient_id)
) WITHOUT ROWID;
CREATE INDEX patient_checks_open ON patient_checks(rollcall_id, checked_at, escalation);
CREATE INDEX patient_checks_patient ON patient_checks(patient_id);

-- Direct messages gain the kind 'patient_alert' (an unchecked high-need patient raised
-- to the managers, then the facility admins). SQLite cannot change a CHECK in place:
-- the table is rebuilt with its rows and indexes, keeping every kind of 0013.
CREATE TABLE direct_messages_new (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('invitation','contact_code','contact_link','report','push_test','trigger_alert','admin_alert','security_notice','password_reset','patient_alert')),
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
