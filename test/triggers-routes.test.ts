import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { clock } from "../worker/lib/clock";
import { handleJmaDocument } from "../worker/triggers/service";
import { DEFAULT_RULES } from "../worker/triggers/schemas";
import { adminsWithoutMfa } from "./support/db";
import { makeFacility, makePerson, signedIn } from "./support/factories";
import { api } from "./support/http";
import { cap, capVariant } from "./fixtures/cap";
import { jma } from "./fixtures/jma";

let admin = "";
let facilityAdmin = "";
let facilityId = 0;
const staffEmails: string[] = [];

async function hmac(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return Buffer.from(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message))).toString("hex");
}

let nonceSeq = 0;
const freshNonce = () => `nonce-${Date.now()}-${++nonceSeq}-abcdefgh`;

interface SignOptions {
  key: string;
  body: string;
  contentType?: string;
  timestamp?: number;
  nonce?: string;
  signature?: string;
  /** Sign this body but send `body` (a tampered request). */
  signedBody?: string;
  omit?: ("authorization" | "signature" | "timestamp" | "nonce")[];
}

async function signedPost(path: string, o: SignOptions): Promise<Response> {
  const ts = String(o.timestamp ?? Math.floor(clock.now() / 1000));
  const nonce = o.nonce ?? freshNonce();
  const sig = o.signature ?? `sha256=${await hmac(o.key, `${ts}.${nonce}.${o.signedBody ?? o.body}`)}`;
  const headers: Record<string, string> = { "content-type": o.contentType ?? "application/cap+xml" };
  const omit = new Set(o.omit ?? []);
  if (!omit.has("authorization")) headers.authorization = `Bearer ${o.key}`;
  if (!omit.has("signature")) headers["x-anpi-signature"] = sig;
  if (!omit.has("timestamp")) headers["x-anpi-timestamp"] = ts;
  if (!omit.has("nonce")) headers["x-anpi-nonce"] = nonce;
  return api("POST", path, { body: o.body, headers });
}

async function createKey(body: { name: string; permissions: string[]; autoSend?: boolean }): Promise<{ id: number; key: string }> {
  const res = await api("POST", "/api/triggers/keys", { cookie: admin, body });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: number; key: string };
}

/** Everything a refused request must leave alone. */
async function snapshot() {
  const q = (sql: string) =>
    env.DB.prepare(sql)
      .first<{ n: number }>()
      .then((r) => r!.n);
  return {
    reports: await q("SELECT COUNT(*) AS n FROM trigger_reports"),
    rollcalls: await q("SELECT COUNT(*) AS n FROM rollcalls"),
    nonces: await q("SELECT COUNT(*) AS n FROM cap_nonces"),
    used: await q("SELECT COUNT(*) AS n FROM api_keys WHERE last_used_at IS NOT NULL"),
  };
}

const rollcall = (id: number) =>
  env.DB.prepare("SELECT id, state, drill, source, source_ref, notes, created_by FROM rollcalls WHERE id = ?1")
    .bind(id)
    .first<{ id: number; state: string; drill: number; source: string; source_ref: string | null; notes: string; created_by: number | null }>();

beforeAll(async () => {
  await adminsWithoutMfa();
  facilityId = await makeFacility();
  admin = (await signedIn({ globalRole: "network_admin" })).cookie;
  facilityAdmin = (await signedIn({ facilityId, role: "admin" })).cookie;
  for (let i = 0; i < 3; i++) staffEmails.push((await makePerson({ facilityId, role: "staff" })).email!);
});

describe("trigger rules (network admin)", () => {
  it("shows the defaults, saves a change with an audit entry, and refuses bad input naming the field", async () => {
    const res = await api("GET", "/api/triggers/rules", { cookie: admin });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ areaCodes: ["351"], threshold: "5-", mode: "prepare", cityCodes: expect.arrayContaining(["1321000"]) });

    const next = { ...DEFAULT_RULES, threshold: "5+", cityCodes: ["1321000", "1321100"] };
    const put = await api("PUT", "/api/triggers/rules", { cookie: admin, body: next });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ threshold: "5+", cityCodes: ["1321000", "1321100"] });
    const audit = await env.DB.prepare("SELECT detail FROM audit_log WHERE action = 'triggers.rules_changed' ORDER BY id DESC").first<{ detail: string }>();
    expect(JSON.parse(audit!.detail).after.threshold).toBe("5+");

    for (const [body, field] of [
      [{ ...next, threshold: "8" }, "threshold"],
      [{ ...next, cityCodes: ["13210"] }, "cityCodes.0"],
      [{ ...next, feedUrl: "ftp://x" }, "feedUrl"],
      [{ ...next, scope: {} }, "scope"],
      [{ ...next, templateRef: "nosuch" }, "templateRef"],
    ] as const) {
      const bad = await api("PUT", "/api/triggers/rules", { cookie: admin, body });
      expect(bad.status, field).toBe(400);
      expect(((await bad.json()) as { error: { field: string } }).error.field).toBe(field);
    }
    expect(await (await api("GET", "/api/triggers/rules", { cookie: admin })).json()).toMatchObject({ threshold: "5+" });
    await api("PUT", "/api/triggers/rules", { cookie: admin, body: DEFAULT_RULES });
  });

  it("is the network admin's alone", async () => {
    const res = await api("PUT", "/api/triggers/rules", { cookie: facilityAdmin, body: DEFAULT_RULES });
    expect(res.status).toBe(403);
  });

  it("names the places of the codes, so the form shows 351 東京都多摩東部 and 1321000 小金井市", async () => {
    const res = await api("GET", "/api/triggers/places", { cookie: admin });
    expect(res.status).toBe(200);
    const places = (await res.json()) as { areas: Record<string, string>; cities: Record<string, string> };
    expect(places.areas["351"]).toBe("東京都多摩東部");
    expect(places.cities["1321000"]).toBe("小金井市");
    // Every default code has its name.
    for (const c of DEFAULT_RULES.areaCodes) expect(places.areas[c]).toMatch(/\S/);
    for (const c of DEFAULT_RULES.cityCodes) expect(places.cities[c]).toMatch(/市$/);
    expect((await api("GET", "/api/triggers/places", { cookie: facilityAdmin })).status).toBe(403);
  });
});

describe("API keys", () => {
  it("shows the key once, keeps only its hash, lists without it, and revokes at once", async () => {
    const created = await createKey({ name: "市防災システム", permissions: ["cap", "feed"] });
    expect(created.key).toMatch(/^anpi_[A-Za-z0-9_-]{43}$/);
    const stored = await env.DB.prepare("SELECT key_hash, prefix FROM api_keys WHERE id = ?1").bind(created.id).first<{ key_hash: string; prefix: string }>();
    expect(stored!.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored!.key_hash).not.toContain(created.key);
    const list = await (await api("GET", "/api/triggers/keys", { cookie: admin })).text();
    expect(list).not.toContain(created.key);
    expect(list).toContain(stored!.prefix);

    const feed = () => api("GET", "/api/triggers/cap.atom", { headers: { authorization: `Bearer ${created.key}` } });
    expect((await feed()).status).toBe(200);
    expect((await api("DELETE", `/api/triggers/keys/${created.id}`, { cookie: admin })).status).toBe(200);
    const refused = await feed();
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("invalid_key");
    expect((await api("DELETE", "/api/triggers/keys/999999", { cookie: admin })).status).toBe(404);
    const bad = await api("POST", "/api/triggers/keys", { cookie: admin, body: { name: "x", permissions: ["everything"] } });
    expect(bad.status).toBe(400);
  });
});

describe("CAP in: POST /api/triggers/cap", () => {
  let capKey = "";
  beforeAll(async () => {
    capKey = (await createKey({ name: "L-Alert 連携", permissions: ["cap"] })).key;
  });

  it("refuses unsigned, forged, altered, stale and replayed requests, changing nothing", async () => {
    const body = capVariant({ identifier: "refused-1" });
    const before = await snapshot();
    const cases: [SignOptions, number, string][] = [
      [{ key: capKey, body, omit: ["authorization"] }, 401, "unauthorized"],
      [{ key: `anpi_${"A".repeat(43)}`, body }, 401, "invalid_key"],
      [{ key: capKey, body, omit: ["signature"] }, 401, "unsigned"],
      [{ key: capKey, body, omit: ["nonce"] }, 401, "unsigned"],
      [{ key: capKey, body, signature: `sha256=${"0".repeat(64)}` }, 403, "bad_signature"],
      [{ key: capKey, body, signedBody: capVariant({ identifier: "refused-1", severity: "Minor" }) }, 403, "bad_signature"],
      [{ key: capKey, body, timestamp: Math.floor(clock.now() / 1000) - 301 }, 403, "stale_request"],
    ];
    for (const [opts, status, code] of cases) {
      const res = await signedPost("/api/triggers/cap", opts);
      expect(res.status, code).toBe(status);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    }
    expect(await snapshot()).toEqual(before);

    // A captured request sent again is refused by its nonce.
    const nonce = freshNonce();
    const first = await signedPost("/api/triggers/cap", { key: capKey, body, nonce });
    expect(first.status).toBe(200);
    const after = await snapshot();
    const again = await signedPost("/api/triggers/cap", { key: capKey, body, nonce });
    expect(again.status).toBe(403);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe("replayed");
    expect(await snapshot()).toEqual(after);
  });

  it("refuses a key without the cap permission", async () => {
    const other = await createKey({ name: "feed only", permissions: ["feed"] });
    const res = await signedPost("/api/triggers/cap", { key: other.key, body: capVariant({ identifier: "perm-1" }) });
    expect(res.status).toBe(403);
  });

  it("answers bad XML with 400 naming the problem, and changes nothing", async () => {
    const before = await snapshot();
    for (const [body, field] of [
      ["<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><identifier>x", "body"],
      [capVariant({ identifier: "bad-1", severity: "Terrible" }), "alert/info[0]/severity"],
      [cap.alert.replace("<sent>2026-11-28T09:15:00+09:00</sent>", ""), "alert/sent"],
    ] as const) {
      const res = await signedPost("/api/triggers/cap", { key: capKey, body });
      expect(res.status).toBe(400);
      const err = ((await res.json()) as { error: { code: string; field: string; message: string } }).error;
      expect(err).toMatchObject({ code: "invalid_cap", field });
      expect(err.message).toContain("CAP");
    }
    const after = await snapshot();
    expect({ ...after, nonces: before.nonces, used: before.used }).toEqual(before); // only the nonces were spent
  });

  it("prepares one roll-call for an alert on the network's area; the same alert again is a duplicate", async () => {
    const body = capVariant({ identifier: "real-1" });
    const res = await signedPost("/api/triggers/cap", { key: capKey, body });
    expect(res.status).toBe(200);
    const out = (await res.json()) as { decision: string; rollcallId: number; duplicate: boolean; reason: { ja: string; en: string } };
    expect(out).toMatchObject({ decision: "prepare", duplicate: false });
    expect(out.reason.ja).toContain("東京都小金井市");
    expect(await rollcall(out.rollcallId)).toMatchObject({ state: "draft", drill: 0, source: "cap", source_ref: "bousai.city.koganei.example.jp|real-1" });

    const again = (await (await signedPost("/api/triggers/cap", { key: capKey, body })).json()) as { decision: string; duplicate: boolean; rollcallId: number };
    expect(again).toMatchObject({ duplicate: true, decision: "prepare", rollcallId: out.rollcallId });
    const n = await env.DB.prepare("SELECT COUNT(*) AS n FROM rollcalls WHERE source = 'cap' AND source_ref = ?1")
      .bind("bousai.city.koganei.example.jp|real-1")
      .first<{ n: number }>();
    expect(n!.n).toBe(1);

    // An Update notes on it; a Cancel withdraws it while it awaits confirmation.
    const ref = "bousai.city.koganei.example.jp,real-1,2026-11-28T09:15:00+09:00";
    const upd = (await (
      await signedPost("/api/triggers/cap", { key: capKey, body: capVariant({ identifier: "real-1-u", msgType: "Update", references: ref }) })
    ).json()) as { decision: string };
    expect(upd.decision).toBe("note");
    const cancel = (await (
      await signedPost("/api/triggers/cap", { key: capKey, body: capVariant({ identifier: "real-1-c", msgType: "Cancel", references: ref }) })
    ).json()) as { decision: string };
    expect(cancel.decision).toBe("withdraw");
    const rc = await rollcall(out.rollcallId);
    expect(rc!.state).toBe("withdrawn");
    expect(JSON.parse(rc!.notes)).toHaveLength(2);
  });

  it("Exercise starts a drill; Test and other areas start nothing", async () => {
    const ex = (await (await signedPost("/api/triggers/cap", { key: capKey, body: capVariant({ identifier: "ex-1", status: "Exercise" }) })).json()) as {
      decision: string;
      rollcallId: number;
    };
    expect(ex.decision).toBe("prepare");
    expect((await rollcall(ex.rollcallId))!.drill).toBe(1);
    const test = (await (await signedPost("/api/triggers/cap", { key: capKey, body: capVariant({ identifier: "test-1", status: "Test" }) })).json()) as {
      decision: string;
      rollcallId: number | null;
    };
    expect(test).toMatchObject({ decision: "no_trigger", rollcallId: null });
    const far = (await (await signedPost("/api/triggers/cap", { key: capKey, body: capVariant({ identifier: "far-1", geocode: "27100" }) })).json()) as {
      decision: string;
    };
    expect(far.decision).toBe("no_trigger");
  });
});

describe("API trigger: POST /api/triggers/rollcalls", () => {
  it("prepares a draft with its preview; a retry with the same ref starts nothing new", async () => {
    const { key } = await createKey({ name: "医師会ツール", permissions: ["trigger"] });
    const body = JSON.stringify({ title: "定例訓練", templateRef: "safety", scope: { facilityIds: [facilityId] }, drill: true, ref: "drill-2026-11" });
    const res = await signedPost("/api/triggers/rollcalls", { key, body, contentType: "application/json" });
    expect(res.status).toBe(200);
    const out = (await res.json()) as { decision: string; state: string; rollcallId: number; preview: { recipients: number } };
    expect(out).toMatchObject({ decision: "prepare", state: "draft" });
    expect(out.preview.recipients).toBeGreaterThanOrEqual(4);
    expect(await rollcall(out.rollcallId)).toMatchObject({ state: "draft", drill: 1, source: "api" });
    const again = (await (await signedPost("/api/triggers/rollcalls", { key, body, contentType: "application/json" })).json()) as {
      duplicate: boolean;
      rollcallId: number;
    };
    expect(again).toMatchObject({ duplicate: true, rollcallId: out.rollcallId });
  });

  it("a key allowed to auto-send confirms at once", async () => {
    const { key } = await createKey({ name: "自動送信", permissions: ["trigger"], autoSend: true });
    const body = JSON.stringify({ title: "通常連絡", templateRef: "safety", scope: { facilityIds: [facilityId] }, drill: true });
    const out = (await (await signedPost("/api/triggers/rollcalls", { key, body, contentType: "application/json" })).json()) as {
      decision: string;
      state: string;
      rollcallId: number;
    };
    expect(out).toMatchObject({ decision: "trigger", state: "open" });
    const n = await env.DB.prepare("SELECT COUNT(*) AS n FROM rollcall_recipients WHERE rollcall_id = ?1").bind(out.rollcallId).first<{ n: number }>();
    expect(n!.n).toBeGreaterThanOrEqual(4);
  });

  it("bad input is a 400 naming the field and changes nothing; a key without the permission is refused", async () => {
    const { key } = await createKey({ name: "tool", permissions: ["trigger"] });
    const before = await snapshot();
    for (const [body, field] of [
      ["{not json", "body"],
      [JSON.stringify({ title: "", templateRef: "safety", scope: { all: true }, drill: true }), "title"],
      [JSON.stringify({ title: "x", templateRef: "nosuch", scope: { all: true }, drill: true }), "templateRef"],
      [JSON.stringify({ title: "x", templateRef: "safety", scope: { facilityIds: [999999] }, drill: true }), "scope"],
    ] as const) {
      const res = await signedPost("/api/triggers/rollcalls", { key, body, contentType: "application/json" });
      expect(res.status, field).toBe(400);
      expect(((await res.json()) as { error: { field: string } }).error.field).toBe(field);
    }
    const after = await snapshot();
    expect({ ...after, nonces: before.nonces }).toEqual(before);
    const capOnly = await createKey({ name: "cap only", permissions: ["cap"] });
    const res = await signedPost("/api/triggers/rollcalls", {
      key: capOnly.key,
      body: JSON.stringify({ title: "x", templateRef: "safety", scope: { all: true }, drill: true }),
      contentType: "application/json",
    });
    expect(res.status).toBe(403);
  });
});

describe("CAP out: GET /api/triggers/cap.atom", () => {
  it("needs a key with the feed permission, lists sent roll-calls as CAP (drills as Exercise) without contact details", async () => {
    expect((await api("GET", "/api/triggers/cap.atom")).status).toBe(401);
    const { key } = await createKey({ name: "city feed", permissions: ["feed"] });
    const res = await api("GET", "/api/triggers/cap.atom", { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/atom+xml");
    const xml = await res.text();
    expect(xml).toContain("<status>Exercise</status>");
    expect(xml).toContain("通常連絡");
    expect(xml).not.toContain("定例訓練"); // a draft was never sent
    for (const email of staffEmails) expect(xml).not.toContain(email);
    expect(xml).not.toMatch(/\+81\d{9,10}/);
  });
});

describe("reports and replay", () => {
  it("lists the reports seen with decision and reason, and replays a stored JMA report as a drill awaiting confirmation", async () => {
    clock.advance(Date.parse("2011-03-11T05:55:00Z") - clock.now());
    const first = await handleJmaDocument(env, {
      externalId: "test:replay:2011",
      xml: jma["32-39_11_05_120615_VXSE53.xml"].replace("<EventID>20110311144640</EventID>", "<EventID>20110311880001</EventID>"),
    });
    expect(first.decision).toBe("prepare");
    clock.reset();

    const list = (await (await api("GET", "/api/triggers/reports?limit=100", { cookie: admin })).json()) as {
      reports: { id: number; source: string; decision: string; reason: { ja: string; en: string }; replayable: boolean; eventId: string | null }[];
      feed: unknown;
    };
    const seen = list.reports.find((r) => r.eventId === "20110311880001")!;
    expect(seen).toMatchObject({ source: "jma", decision: "prepare", replayable: true });
    expect(seen.reason.en).toContain("小金井市");
    expect(list.reports.some((r) => r.source === "cap" && r.decision === "withdraw")).toBe(true);

    // Years later, as a drill: a new drill roll-call, a draft, whatever the rules' mode.
    const res = await api("POST", `/api/triggers/reports/${seen.id}/replay`, { cookie: admin });
    expect(res.status).toBe(200);
    const out = (await res.json()) as { decision: string; rollcallId: number };
    expect(out.decision).toBe("prepare");
    const rc = await rollcall(out.rollcallId);
    expect(rc).toMatchObject({ state: "draft", drill: 1, source: "jma", source_ref: null });
    expect(rc!.created_by).not.toBeNull();
    expect(out.rollcallId).not.toBe(first.rollcallId);
    const audit = await env.DB.prepare("SELECT action FROM audit_log WHERE action = 'trigger.replayed' AND object_id = ?1").bind(String(seen.id)).first();
    expect(audit).not.toBeNull();

    expect((await api("POST", "/api/triggers/reports/999999/replay", { cookie: admin })).status).toBe(404);
    const apiReport = list.reports.find((r) => r.source === "api")!;
    expect((await api("POST", `/api/triggers/reports/${apiReport.id}/replay`, { cookie: admin })).status).toBe(409);
  });
});
