-- Automatic triggers: JMA earthquake rules and reports seen, CAP in and out, API keys. Times are UTC ms.

-- The network admin's rules (one row). Lists are JSON arrays of JMA codes.
CREATE TABLE trigger_rules (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  enabled INTEGER NOT NULL,
  area_codes TEXT NOT NULL,          -- JSON ["351"]: 地震情報／細分区域
  city_codes TEXT NOT NULL,          -- JSON ["1321000", ...]: 市町村等
  threshold TEXT NOT NULL CHECK (threshold IN ('1','2','3','4','5-','5+','6-','6+','7')),
  template_ref TEXT NOT NULL,
  scope TEXT NOT NULL,               -- JSON, as a roll-call's scope
  mode TEXT NOT NULL CHECK (mode IN ('auto','prepare')),
  feed_url TEXT NOT NULL,
  max_report_age_minutes INTEGER NOT NULL,
  cap_geocodes TEXT NOT NULL,        -- JSON [{ valueName, value }]
  cap_min_severity TEXT NOT NULL CHECK (cap_min_severity IN ('Extreme','Severe','Moderate','Minor','Unknown')),
  updated_at INTEGER NOT NULL,
  updated_by INTEGER REFERENCES people(id)
);

-- Polite polling: the validators of the last good answer, and how the last poll went.
CREATE TABLE jma_feed_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  feed_url TEXT NOT NULL,
  etag TEXT,
  last_modified TEXT,
  last_polled_at INTEGER,
  last_ok_at INTEGER,
  last_error TEXT
);

-- Keys of outside systems (the city's, the association's tools). Only the SHA-256 of the key is kept.
CREATE TABLE api_keys (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,              -- the first characters, to tell keys apart in the list
  key_hash TEXT NOT NULL UNIQUE,
  permissions TEXT NOT NULL,         -- JSON ["cap","trigger","feed"]
  auto_send INTEGER NOT NULL DEFAULT 0,
  created_by INTEGER REFERENCES people(id),
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER,
  revoked_by INTEGER REFERENCES people(id)
);

-- Every report or alert seen, with what was decided and why. external_id: the feed entry id
-- (JMA), "<sender>|<identifier>" (CAP) or "<key id>|<ref>" (API). body keeps the document for replay.
CREATE TABLE trigger_reports (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL CHECK (source IN ('jma','cap','api')),
  external_id TEXT NOT NULL,
  kind TEXT NOT NULL,                -- VXSE51 | VXSE53 | CAP msgType | api
  event_id TEXT,                     -- JMA EventID; CAP: the identifier the alert belongs to
  status TEXT NOT NULL DEFAULT '',   -- 通常 | 訓練 | 試験 ; Actual | Exercise | Test
  info_type TEXT NOT NULL DEFAULT '',-- 発表 | 訂正 | 取消 ; Alert | Update | Cancel
  title TEXT NOT NULL DEFAULT '',
  report_at INTEGER,
  received_at INTEGER NOT NULL,
  watched_max TEXT,                  -- highest intensity among the watched places
  decision TEXT NOT NULL CHECK (decision IN ('pending','trigger','prepare','no_trigger','note','withdraw','note_cancel','error')),
  reason_ja TEXT NOT NULL DEFAULT '',
  reason_en TEXT NOT NULL DEFAULT '',
  rollcall_id INTEGER REFERENCES rollcalls(id),
  drill INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 1,
  api_key_id INTEGER REFERENCES api_keys(id),
  body TEXT,
  UNIQUE (source, external_id)
);
CREATE INDEX trigger_reports_recent ON trigger_reports(received_at);
CREATE INDEX trigger_reports_event ON trigger_reports(source, event_id);

-- Nonces of signed requests, kept for the replay window: a captured request cannot be sent twice.
CREATE TABLE cap_nonces (
  api_key_id INTEGER NOT NULL REFERENCES api_keys(id),
  nonce TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (api_key_id, nonce)
) WITHOUT ROWID;
CREATE INDEX cap_nonces_expiry ON cap_nonces(expires_at);
