/**
 * A small demo network for the browser tests, used only when the demo generator
 * (scripts/demo/) is not there. Writes SQL that `wrangler d1 execute` runs.
 * Passwords are hashed exactly as worker/auth/password.ts does (scrypt$N$r$p$salt$key).
 */
import { randomBytes, scryptSync } from "node:crypto";

export const FIXTURE_PASSWORD = "Koganei2026x";

/** The accounts the tests sign in as, one per role. */
export const FIXTURE_ACCOUNTS = {
  network_admin: { email: "admin@demo.example.org", name: "医師会 管理者" },
  facility_admin: { email: "clinic-admin@demo.example.org", name: "小金井 花子" },
  staff: { email: "nurse@demo.example.org", name: "看護 次郎" },
  viewer: { email: "city@demo.example.org", name: "市 介護福祉課" },
};

function hash(password) {
  const salt = randomBytes(16);
  const key = scryptSync(password.normalize("NFKC"), salt, 32, { N: 1 << 14, r: 8, p: 5, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${1 << 14}$8$5$${salt.toString("base64")}$${key.toString("base64")}`;
}

const q = (s) => (s === null || s === undefined ? "NULL" : typeof s === "number" ? String(s) : `'${String(s).replace(/'/g, "''")}'`);

export function fixtureSql(now = Date.now()) {
  const pw = hash(FIXTURE_PASSWORD);
  const facilities = [
    [1, "clinic", "小金井みどり診療所", "コガネイミドリシンリョウジョ", "本町"],
    [2, "visiting_nurse", "さくら訪問看護ステーション", "サクラホウモンカンゴステーション", "緑町"],
    [3, "pharmacy", "けやき薬局", "ケヤキヤッキョク", "中町"],
    [4, "city_division", "小金井市 介護福祉課", "コガネイシ カイゴフクシカ", "本町"],
  ];
  const people = [
    // id, name, kana, global role, facility, facility role, email, mobile
    [1, FIXTURE_ACCOUNTS.network_admin.name, "イシカイ カンリシャ", "network_admin", null, null, FIXTURE_ACCOUNTS.network_admin.email, "+819011110001"],
    [2, FIXTURE_ACCOUNTS.facility_admin.name, "コガネイ ハナコ", null, 1, "admin", FIXTURE_ACCOUNTS.facility_admin.email, "+819011110002"],
    [3, FIXTURE_ACCOUNTS.staff.name, "カンゴ ジロウ", null, 1, "staff", FIXTURE_ACCOUNTS.staff.email, "+819011110003"],
    [4, FIXTURE_ACCOUNTS.viewer.name, "シ カイゴフクシカ", "viewer", 4, "staff", FIXTURE_ACCOUNTS.viewer.email, null],
    [5, "訪問 三郎", "ホウモン サブロウ", null, 2, "admin", "nurse-admin@demo.example.org", "+819011110005"],
    [6, "薬剤 四郎", "ヤクザイ シロウ", null, 3, "admin", "pharmacy@demo.example.org", "+819011110006"],
  ];
  const out = [];
  // A migration may already have created the network group.
  out.push(`INSERT OR IGNORE INTO groups (kind, name, created_at) VALUES ('network', '小金井市多職種ネットワーク', ${now});`);
  for (const [id, type, name, kana, district] of facilities) {
    out.push(
      `INSERT INTO facilities (id, type, name, kana, district, created_at, updated_at) VALUES (${id}, ${q(type)}, ${q(name)}, ${q(kana)}, ${q(district)}, ${now}, ${now});`,
    );
    out.push(`INSERT INTO groups (kind, name, facility_id, created_at) VALUES ('facility', ${q(name)}, ${id}, ${now});`);
  }
  for (const [id, name, kana, globalRole, facilityId, role, email, mobile] of people) {
    out.push(
      `INSERT INTO people (id, name, kana, global_role, password_hash, password_changed_at, created_at, updated_at) VALUES (${id}, ${q(name)}, ${q(kana)}, ${q(globalRole)}, ${q(pw)}, ${now}, ${now}, ${now});`,
    );
    if (facilityId) out.push(`INSERT INTO memberships (person_id, facility_id, role, created_at) VALUES (${id}, ${facilityId}, ${q(role)}, ${now});`);
    out.push(`INSERT INTO group_members (group_id, person_id, created_at) SELECT id, ${id}, ${now} FROM groups WHERE kind = 'network';`);
    if (email) out.push(`INSERT INTO contacts (person_id, kind, value, verified_at, created_at) VALUES (${id}, 'email', ${q(email)}, ${now}, ${now});`);
    if (mobile) out.push(`INSERT INTO contacts (person_id, kind, value, verified_at, created_at) VALUES (${id}, 'mobile', ${q(mobile)}, ${now}, ${now});`);
  }
  return `${out.join("\n")}\n`;
}
