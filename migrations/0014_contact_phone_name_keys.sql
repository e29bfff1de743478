-- The contact lists people really have (issue 14).
--
-- 1. A third contact kind, 'phone': a home or office number (電話番号（自宅）, 事業所電話) kept for
--    phone checks. It is called, never texted: delivery, verification and every message read only
--    'email' and 'mobile'. Several people may share one (a family's home, a facility's office), so
--    a phone is unique per person, while an email or mobile stays unique across accounts (§5, §6):
--    phone_owner is the person for a phone and 0 otherwise, and the unique index takes it in.
--    SQLite cannot change a CHECK in place, so contacts is rebuilt; contact_verifications, the one
--    table that refers to it, is set aside and rebuilt after it, so no reference is left dangling.
--    A later rebuild of contacts must keep 'phone' and phone_owner.
CREATE TABLE contacts_new (
  id INTEGER PRIMARY KEY,
  person_id INTEGER NOT NULL REFERENCES people(id),
  kind TEXT NOT NULL CHECK (kind IN ('email','mobile','phone')),
  value TEXT NOT NULL,
  verified_at INTEGER,
  last_ok_at INTEGER,
  created_at INTEGER NOT NULL,
  removed_at INTEGER,
  phone_owner INTEGER NOT NULL GENERATED ALWAYS AS (CASE WHEN kind = 'phone' THEN person_id ELSE 0 END) VIRTUAL
);
INSERT INTO contacts_new (id, person_id, kind, value, verified_at, last_ok_at, created_at, removed_at)
  SELECT id, person_id, kind, value, verified_at, last_ok_at, created_at, removed_at FROM contacts;
CREATE TABLE contact_verifications_kept AS SELECT * FROM contact_verifications;
DROP TABLE contact_verifications;
DROP TABLE contacts;
ALTER TABLE contacts_new RENAME TO contacts;
CREATE UNIQUE INDEX contacts_value_active ON contacts(kind, value, phone_owner) WHERE removed_at IS NULL;
CREATE INDEX contacts_person ON contacts(person_id, removed_at);

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
INSERT INTO contact_verifications (id, contact_id, person_id, method, secret_hash, salt, attempts, created_at, expires_at, used_at, dead_at)
  SELECT id, contact_id, person_id, method, secret_hash, salt, attempts, created_at, expires_at, used_at, dead_at FROM contact_verifications_kept;
DROP TABLE contact_verifications_kept;
CREATE INDEX contact_verifications_contact ON contact_verifications(contact_id, created_at);
CREATE INDEX contact_verifications_person ON contact_verifications(person_id, created_at);
CREATE UNIQUE INDEX contact_verifications_link ON contact_verifications(secret_hash) WHERE method = 'link';

-- 2. Name search that finds 山﨑 for 山崎, 髙橋 for 高橋, 齋藤 and 斎藤 for 斉藤, with or without
--    spaces, as one index range: the folded name and reading, computed by SQLite for every row
--    (so every writer and every existing row has them, with nothing to backfill). The table of
--    異体字 is worker/directory/names.ts (NAME_VARIANTS, nameKey, kanaKey); changing it means
--    a migration that redefines name_key. ASCII letters are lower-cased.
ALTER TABLE people ADD COLUMN name_key TEXT GENERATED ALWAYS AS (
  replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(lower(name)
    , '﨑', '崎'), '嵜', '崎'), '碕', '崎'), '髙', '高'), '齋', '斉'), '齊', '斉'), '斎', '斉'), '邊', '辺')
    , '邉', '辺'), '澤', '沢'), '濱', '浜'), '濵', '浜'), '嶋', '島'), '嶌', '島'), '櫻', '桜'), '廣', '広')
    , '惠', '恵'), '𠮷', '吉'), '栁', '柳'), '德', '徳'), '國', '国'), '眞', '真'), '實', '実'), '龍', '竜')
    , '黑', '黒'), '瀨', '瀬'), '澁', '渋'), '條', '条'), '冨', '富'), '舘', '館'), '圓', '円'), '壽', '寿')
    , '萬', '万'), '會', '会'), '學', '学'), '禮', '礼'), '藏', '蔵'), '檜', '桧'), '槇', '槙'), '藪', '薮')
    , '曾', '曽'), '瀧', '滝'), '關', '関'), '峯', '峰'), '鐵', '鉄'), '榮', '栄'), '蘆', '芦'), '龜', '亀')
    , '遙', '遥'), '鷗', '鴎'), '凉', '涼'), '淵', '渕'), '桒', '桑'), '晉', '晋'), '顯', '顕'), '郞', '郎')
    , '增', '増'), '穗', '穂'), '恆', '恒'), '嶽', '岳'), '莊', '荘'), '靑', '青'), '淸', '清'), '兒', '児')
    , '聰', '聡'), '彌', '弥'), '與', '与'), '螢', '蛍'), '劍', '剣'), '劒', '剣')
    , ' ', ''), '　', '')
) VIRTUAL;
ALTER TABLE people ADD COLUMN kana_key TEXT GENERATED ALWAYS AS (replace(replace(kana, ' ', ''), '　', '')) VIRTUAL;
CREATE INDEX people_name_key ON people(name_key);
CREATE INDEX people_kana_key ON people(kana_key);
