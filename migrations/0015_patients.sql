-- Patient groups (患者グループ, policy §3–§5), issue 15. Times are UTC ms.
--
-- One row of `patients` is one patient's group: who the patient is, their disaster
-- needs as data, the consent (同意書) it was opened on, and its responsible physician
-- (主治医). Closing sets closed_at: access ends at once for every member, the rows
-- stay. Only the members (patient_members, active) read the patient; the network and
-- the city see counts. The patient checks of a roll-call hang off patients.id.
CREATE TABLE patients (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  kana TEXT NOT NULL DEFAULT '',
  birth_date TEXT CHECK (birth_date IS NULL OR birth_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  address TEXT NOT NULL DEFAULT '',
  district TEXT NOT NULL DEFAULT '',
  phone TEXT,                                  -- E.164
  -- The needs (worker/patients/needs.ts).
  ventilator INTEGER NOT NULL DEFAULT 0 CHECK (ventilator IN (0, 1)),        -- 人工呼吸器
  oxygen INTEGER NOT NULL DEFAULT 0 CHECK (oxygen IN (0, 1)),                -- 在宅酸素
  suction INTEGER NOT NULL DEFAULT 0 CHECK (suction IN (0, 1)),              -- 吸引器
  powered_device INTEGER NOT NULL DEFAULT 0 CHECK (powered_device IN (0, 1)),-- 電源を要する医療機器
  battery_hours REAL CHECK (battery_hours IS NULL OR (battery_hours >= 0 AND battery_hours <= 240)),
  dialysis INTEGER NOT NULL DEFAULT 0 CHECK (dialysis IN (0, 1)),            -- 人工透析
  insulin INTEGER NOT NULL DEFAULT 0 CHECK (insulin IN (0, 1)),              -- インスリン
  bedridden INTEGER NOT NULL DEFAULT 0 CHECK (bedridden IN (0, 1)),          -- 寝たきり
  care_level TEXT CHECK (care_level IN ('support1','support2','care1','care2','care3','care4','care5')), -- 要介護度
  lives_alone INTEGER NOT NULL DEFAULT 0 CHECK (lives_alone IN (0, 1)),      -- 独居
  evacuation_list INTEGER NOT NULL DEFAULT 0 CHECK (evacuation_list IN (0, 1)), -- 避難行動要支援者名簿
  evacuation_place TEXT NOT NULL DEFAULT '',                                 -- 避難先
  -- The consent (§3: 同意書 first): the day the patient gave it, the staff member it was
  -- given to, who recorded it and when; the scanned 同意書 in R2 (PHOTOS bucket, consents/…).
  consent_given_on TEXT NOT NULL CHECK (consent_given_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  consent_to INTEGER NOT NULL REFERENCES people(id),
  consent_recorded_by INTEGER NOT NULL REFERENCES people(id),
  consent_recorded_at INTEGER NOT NULL,
  consent_key TEXT,
  consent_type TEXT,
  consent_bytes INTEGER,
  consent_uploaded_at INTEGER,
  physician_id INTEGER NOT NULL REFERENCES people(id),
  opened_by INTEGER NOT NULL REFERENCES people(id),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  closed_at INTEGER,
  closed_by INTEGER REFERENCES people(id)
);
CREATE INDEX patients_open ON patients(closed_at, district);

-- The facilities serving the patient.
CREATE TABLE patient_facilities (
  patient_id INTEGER NOT NULL REFERENCES patients(id),
  facility_id INTEGER NOT NULL REFERENCES facilities(id),
  PRIMARY KEY (patient_id, facility_id)
);
CREATE INDEX patient_facilities_facility ON patient_facilities(facility_id);

-- Members join by an invitation they accept (§4, §5), the opener when opening. A manager
-- (管理者: the opener, the responsible physician) invites, makes read-only and removes.
-- Leaving or removal sets removed_at (why: left, removed, misuse): access ends, the row stays.
CREATE TABLE patient_members (
  id INTEGER PRIMARY KEY,
  patient_id INTEGER NOT NULL REFERENCES patients(id),
  person_id INTEGER NOT NULL REFERENCES people(id),
  role TEXT NOT NULL CHECK (role IN ('manager','member')),
  read_only INTEGER NOT NULL DEFAULT 0 CHECK (read_only IN (0, 1)),
  added_by INTEGER REFERENCES people(id),
  invitation_id INTEGER REFERENCES invitations(id),
  created_at INTEGER NOT NULL,
  removed_at INTEGER,
  removed_by INTEGER REFERENCES people(id),
  removal TEXT CHECK (removal IN ('left','removed','misuse')),
  CHECK (role = 'member' OR read_only = 0)
);
CREATE UNIQUE INDEX patient_members_active ON patient_members(patient_id, person_id) WHERE removed_at IS NULL;
CREATE INDEX patient_members_person ON patient_members(person_id, removed_at);

-- Posts (書き込み, §5), stored only after the confirm step. A removed post keeps its text
-- for the audit (not shown to members any more): the text never changes and no row is deleted.
CREATE TABLE patient_posts (
  id INTEGER PRIMARY KEY,
  patient_id INTEGER NOT NULL REFERENCES patients(id),
  author_id INTEGER NOT NULL REFERENCES people(id),
  text TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  removed_at INTEGER,
  removed_by INTEGER REFERENCES people(id),
  removal_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX patient_posts_patient ON patient_posts(patient_id, id);
CREATE TRIGGER patient_posts_keep_text BEFORE UPDATE OF text, author_id, patient_id, created_at ON patient_posts
  BEGIN SELECT RAISE(ABORT, 'patient_posts keeps what was written'); END;
CREATE TRIGGER patient_posts_no_delete BEFORE DELETE ON patient_posts
  BEGIN SELECT RAISE(ABORT, 'patient_posts keeps what was written'); END;

-- Invitations into a patient group (the invitations domain sends and answers them).
ALTER TABLE invitations ADD COLUMN patient_id INTEGER REFERENCES patients(id);
CREATE INDEX invitations_patient ON invitations(patient_id);
