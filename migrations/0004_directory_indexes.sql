-- Directory lists at 100,000 people, in reading order: active people (and their count,
-- from the index alone), by job (職種), by role across facilities. Facilities by district.
CREATE INDEX people_active_kana ON people(kana) WHERE removed_at IS NULL;
CREATE INDEX people_job ON people(job, kana);
CREATE INDEX memberships_role ON memberships(role, removed_at);
CREATE INDEX facilities_district ON facilities(district, removed_at);

-- The network group (全体グループ, owned by the network admins, §1) exists from the start,
-- so every writer (API, CSV import, demo seed) can join new people to it.
INSERT OR IGNORE INTO groups (kind, name, created_at) VALUES ('network', '全体グループ', CAST(strftime('%s', 'now') AS INTEGER) * 1000);
