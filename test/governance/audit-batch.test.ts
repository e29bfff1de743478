/**
 * Every audit entry lands in the same D1 batch as the change it records: the
 * entry is there, with the right action, actor and object; when the change fails
 * nothing is audited; when the audit insert fails nothing is changed.
 *
 * Failures are made with a temporary trigger (BEFORE INSERT/UPDATE ... RAISE(ABORT))
 * on the audit_log table or on the changed table, dropped again after each use.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { clock } from "../../worker/lib/clock";
import { createTriggeredDraft, withdrawDraft } from "../../worker/triggers/rollcalls";
import { DEFAULT_RULES } from "../../worker/triggers/schemas";
import { handleJmaDocument } from "../../worker/triggers/service";
import { jma } from "../fixtures/jma";
import { adminsWithoutMfa } from "../support/db";
import { draft, makeFacility, makePerson, openRollcall, signedIn } from "../support/factories";
import { api } from "../support/http";

let admin: { id: number; cookie: string };
let facilityAdmin: { id: number; cookie: string };
let facilityId = 0;

interface Entry {
  actor_id: number | null;
  action: string;
  object_type: string | null;
  object_id: string | null;
  detail: Record<string, unknown>;
}

const lastAuditId = async () => (await env.DB.prepare("SELECT COALESCE(MAX(id), 0) AS m FROM audit_log").first<{ m: number }>())!.m;
async function entriesSince(id: number): Promise<Entry[]> {
  const { results } = await env.DB.prepare("SELECT actor_id, action, object_type, object_id, detail FROM audit_log WHERE id > ?1 ORDER BY id")
    .bind(id)
    .all<Omit<Entry, "detail"> & { detail: string }>();
  return results.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
}
const count = async (sql: string, ...params: unknown[]) =>
  (await env.DB.prepare(sql)
    .bind(...params)
    .first<{ n: number }>())!.n;

let triggerSeq = 0;
/**
 * Runs `fn` while every INSERT or UPDATE (as told) on `table` is refused by the
 * database itself; `when` narrows it (SQL over NEW).
 */
async function refusing<T>(table: string, events: ("INSERT" | "UPDATE")[], fn: () => Promise<T>, when?: string): Promise<T> {
  const names = events.map((e) => `test_refuse_${table}_${e.toLowerCase()}_${++triggerSeq}`);
  for (const [i, e] of events.entries())
    await env.DB.prepare(
      `CREATE TRIGGER ${names[i]} BEFORE ${e} ON ${table} ${when ? `WHEN ${when} ` : ""}BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`,
    ).run();
  try {
    return await fn();
  } finally {
    for (const n of names) await env.DB.prepare(`DROP TRIGGER IF EXISTS ${n}`).run();
  }
}
const auditRefused = <T>(fn: () => Promise<T>, action?: string) => refusing("audit_log", ["INSERT"], fn, action ? `NEW.action = '${action}'` : undefined);

async function hmac(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return Buffer.from(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message))).toString("hex");
}
let nonceSeq = 0;
async function apiTrigger(key: string, body: unknown): Promise<Response> {
  const raw = JSON.stringify(body);
  const ts = String(Math.floor(clock.now() / 1000));
  const nonce = `audit-batch-${Date.now()}-${++nonceSeq}-nonce`;
  return api("POST", "/api/triggers/rollcalls", {
    body: raw,
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${key}`,
      "x-anpi-timestamp": ts,
      "x-anpi-nonce": nonce,
      "x-anpi-signature": `sha256=${await hmac(key, `${ts}.${nonce}.${raw}`)}`,
    },
  });
}

async function createKey(name: string, permissions = ["trigger"]): Promise<{ id: number; key: string }> {
  const res = await api("POST", "/api/triggers/keys", { cookie: admin.cookie, body: { name, permissions } });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: number; key: string };
}

beforeAll(async () => {
  await adminsWithoutMfa();
  facilityId = await makeFacility();
  admin = await signedIn({ globalRole: "network_admin" });
  facilityAdmin = await signedIn({ facilityId, role: "admin" });
  for (let i = 0; i < 2; i++) await makePerson({ facilityId, role: "staff", password: null });
});

describe("API keys", () => {
  it("create: audited with the key as object; a refused audit leaves no key, a refused insert no entry", async () => {
    let since = await lastAuditId();
    const created = await createKey("batch: created");
    expect(await entriesSince(since)).toEqual([
      {
        actor_id: admin.id,
        action: "triggers.key_created",
        object_type: "api_key",
        object_id: String(created.id),
        detail: { name: "batch: created", permissions: ["trigger"], autoSend: false },
      },
    ]);

    const refusedAudit = await auditRefused(() =>
      api("POST", "/api/triggers/keys", { cookie: admin.cookie, body: { name: "batch: no audit", permissions: ["trigger"] } }),
    );
    expect(refusedAudit.status).toBe(500);
    expect(await count("SELECT COUNT(*) AS n FROM api_keys WHERE name = ?1", "batch: no audit")).toBe(0);

    since = await lastAuditId();
    const refusedInsert = await refusing("api_keys", ["INSERT"], () =>
      api("POST", "/api/triggers/keys", { cookie: admin.cookie, body: { name: "batch: no key", permissions: ["trigger"] } }),
    );
    expect(refusedInsert.status).toBe(500);
    expect(await entriesSince(since)).toEqual([]);
  });

  it("revoke: audited once; a refused audit leaves the key in force, a refused update no entry", async () => {
    const k = await createKey("batch: revoked");
    let since = await lastAuditId();
    expect((await api("DELETE", `/api/triggers/keys/${k.id}`, { cookie: admin.cookie })).status).toBe(200);
    expect((await api("DELETE", `/api/triggers/keys/${k.id}`, { cookie: admin.cookie })).status).toBe(200);
    expect(await entriesSince(since)).toEqual([
      { actor_id: admin.id, action: "triggers.key_revoked", object_type: "api_key", object_id: String(k.id), detail: { name: "batch: revoked" } },
    ]);

    const kept = await createKey("batch: kept");
    since = await lastAuditId();
    expect((await auditRefused(() => api("DELETE", `/api/triggers/keys/${kept.id}`, { cookie: admin.cookie }))).status).toBe(500);
    expect(await count("SELECT COUNT(*) AS n FROM api_keys WHERE id = ?1 AND revoked_at IS NULL", kept.id)).toBe(1);
    expect((await refusing("api_keys", ["UPDATE"], () => api("DELETE", `/api/triggers/keys/${kept.id}`, { cookie: admin.cookie }))).status).toBe(500);
    expect(await count("SELECT COUNT(*) AS n FROM api_keys WHERE id = ?1 AND revoked_at IS NULL", kept.id)).toBe(1);
    expect(await entriesSince(since)).toEqual([]);
  });
});

describe("templates", () => {
  const copy = (name: string) => api("POST", "/api/templates", { cookie: admin.cookie, body: { basedOn: "safety", name } });

  it("copy: audited with the new copy as object; a refused audit leaves no copy, a refused insert no entry", async () => {
    let since = await lastAuditId();
    const res = await copy("batch: copied");
    expect(res.status).toBe(201);
    const t = (await res.json()) as { id: number };
    expect(await entriesSince(since)).toEqual([
      { actor_id: admin.id, action: "template.copied", object_type: "template", object_id: String(t.id), detail: { basedOn: "safety" } },
    ]);

    expect((await auditRefused(() => copy("batch: no audit"))).status).toBe(500);
    expect(await count("SELECT COUNT(*) AS n FROM templates WHERE name = ?1", "batch: no audit")).toBe(0);

    since = await lastAuditId();
    expect((await refusing("templates", ["INSERT"], () => copy("batch: no copy"))).status).toBe(500);
    expect(await entriesSince(since)).toEqual([]);
  });

  it("edit and remove: audited; a refused audit changes nothing, a refused update writes no entry", async () => {
    const t = (await (await copy("batch: to edit")).json()) as { id: number };
    const edit = (name: string) => api("PATCH", `/api/templates/${t.id}`, { cookie: admin.cookie, body: { name } });
    const remove = () => api("DELETE", `/api/templates/${t.id}`, { cookie: admin.cookie });
    const row = () => env.DB.prepare("SELECT name, removed_at FROM templates WHERE id = ?1").bind(t.id).first<{ name: string; removed_at: number | null }>();

    let since = await lastAuditId();
    expect((await auditRefused(() => edit("batch: not edited"))).status).toBe(500);
    expect(await row()).toEqual({ name: "batch: to edit", removed_at: null });
    expect((await refusing("templates", ["UPDATE"], () => edit("batch: not edited"))).status).toBe(500);
    expect((await auditRefused(() => remove())).status).toBe(500);
    expect((await refusing("templates", ["UPDATE"], () => remove())).status).toBe(500);
    expect(await row()).toEqual({ name: "batch: to edit", removed_at: null });
    expect(await entriesSince(since)).toEqual([]);

    since = await lastAuditId();
    expect((await edit("batch: edited")).status).toBe(200);
    expect((await remove()).status).toBe(200);
    expect(await entriesSince(since)).toEqual([
      { actor_id: admin.id, action: "template.edited", object_type: "template", object_id: String(t.id), detail: { fields: ["name"] } },
      { actor_id: admin.id, action: "template.removed", object_type: "template", object_id: String(t.id), detail: {} },
    ]);
    expect(await row()).toMatchObject({ name: "batch: edited", removed_at: expect.any(Number) });
  });
});

describe("roll-call drafts", () => {
  const rollcalls = () => count("SELECT COUNT(*) AS n FROM rollcalls");

  it("a manual draft is audited like a triggered one (rollcall.drafted, source manual), in the insert's batch", async () => {
    let since = await lastAuditId();
    const d = await draft(facilityAdmin.cookie, { scope: { facilityIds: [facilityId] } });
    expect(await entriesSince(since)).toEqual([
      {
        actor_id: facilityAdmin.id,
        action: "rollcall.drafted",
        object_type: "rollcall",
        object_id: String(d.rollcall.id),
        detail: { source: "manual", drill: true },
      },
    ]);

    const body = { title: "地震 安否確認", template: "safety", drill: true, scope: { facilityIds: [facilityId] } };
    const before = await rollcalls();
    expect((await auditRefused(() => api("POST", "/api/rollcalls", { cookie: facilityAdmin.cookie, body }))).status).toBe(500);
    expect(await rollcalls()).toBe(before);

    since = await lastAuditId();
    expect((await refusing("rollcalls", ["INSERT"], () => api("POST", "/api/rollcalls", { cookie: facilityAdmin.cookie, body }))).status).toBe(500);
    expect(await entriesSince(since)).toEqual([]);
  });

  it("a draft from an API key: drafted and awaiting-confirm entries land with the draft, or nothing does", async () => {
    const k = await createKey("batch: trigger");
    const body = (ref: string) => ({ title: "定例訓練", templateRef: "safety", scope: { facilityIds: [facilityId] }, drill: true, ref });
    const byRef = (ref: string) => count("SELECT COUNT(*) AS n FROM rollcalls WHERE source = 'api' AND source_ref = ?1", `${k.id}|${ref}`);

    let since = await lastAuditId();
    const res = await apiTrigger(k.key, body("batch-1"));
    expect(res.status).toBe(200);
    const out = (await res.json()) as { decision: string; rollcallId: number };
    expect(out.decision).toBe("prepare");
    const entries = await entriesSince(since);
    expect(entries.map((e) => [e.action, e.actor_id, e.object_type, e.object_id])).toEqual([
      ["rollcall.drafted", null, "rollcall", String(out.rollcallId)],
      ["trigger.awaiting_confirm", null, "rollcall", String(out.rollcallId)],
    ]);
    expect(entries[0]!.detail).toMatchObject({ source: "api", drill: true, apiKeyId: k.id, ref: "batch-1" });
    expect(entries[1]!.detail).toMatchObject({ apiKeyId: k.id, title: "定例訓練" });

    // Either entry refused: no draft at all.
    for (const action of ["rollcall.drafted", "trigger.awaiting_confirm"]) {
      expect((await auditRefused(() => apiTrigger(k.key, body(`batch-${action}`)), action)).status).toBe(500);
      expect(await byRef(`batch-${action}`)).toBe(0);
    }

    since = await lastAuditId();
    expect((await refusing("rollcalls", ["INSERT"], () => apiTrigger(k.key, body("batch-no-draft")))).status).toBe(500);
    expect(await byRef("batch-no-draft")).toBe(0);
    expect(await entriesSince(since)).toEqual([]);
  });

  it("a draft prepared from a JMA report through the trigger service: audited in the draft's batch, or neither lands", async () => {
    const xml = (eventId: string) => jma["32-39_11_05_120615_VXSE53.xml"].replace("<EventID>20110311144640</EventID>", `<EventID>${eventId}</EventID>`);
    const byEvent = (eventId: string) => count("SELECT COUNT(*) AS n FROM rollcalls WHERE source = 'jma' AND source_ref = ?1", eventId);
    clock.advance(Date.parse("2011-03-11T05:55:00Z") - clock.now());

    let since = await lastAuditId();
    const ok = await handleJmaDocument(env, { externalId: "audit-batch:1", xml: xml("20110311770001") });
    expect(ok.decision).toBe("prepare");
    const entries = await entriesSince(since);
    const onDraft = entries.filter((e) => e.object_type === "rollcall" && e.object_id === String(ok.rollcallId));
    expect(onDraft.map((e) => [e.action, e.actor_id])).toEqual([
      ["rollcall.drafted", null],
      ["trigger.awaiting_confirm", null],
      ["trigger.admins_alerted", null],
    ]);
    expect(onDraft[0]!.detail).toMatchObject({ source: "jma", drill: false, eventId: "20110311770001", decision: "prepare" });

    for (const [n, action] of [
      [2, "rollcall.drafted"],
      [3, "trigger.awaiting_confirm"],
    ] as const) {
      const eventId = `2011031177000${n}`;
      const refused = await auditRefused(() => handleJmaDocument(env, { externalId: `audit-batch:${n}`, xml: xml(eventId) }), action);
      expect(refused.decision).toBe("error");
      expect(await byEvent(eventId)).toBe(0);
    }

    since = await lastAuditId();
    const noDraft = await refusing("rollcalls", ["INSERT"], () => handleJmaDocument(env, { externalId: "audit-batch:4", xml: xml("20110311770004") }));
    expect(noDraft.decision).toBe("error");
    expect(await byEvent("20110311770004")).toBe(0);
    expect((await entriesSince(since)).filter((e) => e.object_type === "rollcall")).toEqual([]);
  });

  it("a second draft of the same event inserts nothing and audits nothing", async () => {
    const d = {
      title: "重複",
      message: "",
      templateRef: "safety",
      scope: { facilityIds: [facilityId] },
      drill: true,
      source: "api" as const,
      sourceRef: "audit-batch|dup",
      createdBy: null,
      detail: {},
    };
    const first = await createTriggeredDraft(env, d);
    expect(first.ok).toBe(true);
    const since = await lastAuditId();
    const second = await createTriggeredDraft(env, { ...d, alsoAudit: [{ actorId: null, action: "trigger.awaiting_confirm" }] });
    expect(second).toMatchObject({ ok: false, reason: "exists", id: first.ok ? first.id : -1 });
    expect(await entriesSince(since)).toEqual([]);
  });

  it("a readiness test's entry lands with its confirm: refused, the test stays an unsent draft", async () => {
    const f = await makeFacility();
    const fa = await signedIn({ facilityId: f, role: "admin" });
    await makePerson({ facilityId: f, role: "staff", password: null });
    const send = () => api("POST", "/api/readiness/test", { cookie: fa.cookie, body: { facilityId: f } });
    const since = await lastAuditId();
    expect((await auditRefused(send, "readiness.test_sent")).status).toBe(500);
    expect((await entriesSince(since)).map((e) => e.action)).not.toContain("rollcall.confirmed");
    const { results } = await env.DB.prepare("SELECT state FROM rollcalls WHERE owner_facility_id = ?1 AND source = 'test'").bind(f).all<{ state: string }>();
    expect(results.map((r) => r.state)).toEqual(["draft"]);

    const sent = await send();
    expect(sent.status).toBe(201);
    const id = ((await sent.json()) as { rollcall: { id: number } }).rollcall.id;
    const entries = (await entriesSince(since)).filter((e) => e.object_id === String(id));
    expect(entries.map((e) => [e.action, e.actor_id])).toEqual([
      ["rollcall.drafted", fa.id],
      ["rollcall.confirmed", fa.id],
      ["readiness.test_sent", fa.id],
    ]);
  });

  it("a withdrawal is audited only when the draft was withdrawn", async () => {
    const d = await draft(facilityAdmin.cookie, { scope: { facilityIds: [facilityId] } });
    const sent = await openRollcall(facilityAdmin.cookie, { scope: { facilityIds: [facilityId] } });
    const since = await lastAuditId();
    expect(await withdrawDraft(env, sent, { reason: "test" })).toBe(false);
    expect(await withdrawDraft(env, d.rollcall.id, { reason: "test" })).toBe(true);
    expect(await withdrawDraft(env, d.rollcall.id, { reason: "test" })).toBe(false);
    expect((await entriesSince(since)).map((e) => [e.action, e.object_id])).toEqual([["rollcall.withdrawn", String(d.rollcall.id)]]);
  });
});

describe("trigger rules", () => {
  it("a rule change is audited with before and after; a refused audit keeps the old rules, a refused write no entry", async () => {
    const put = (threshold: string) => api("PUT", "/api/triggers/rules", { cookie: admin.cookie, body: { ...DEFAULT_RULES, threshold } });
    const threshold = async () => ((await (await api("GET", "/api/triggers/rules", { cookie: admin.cookie })).json()) as { threshold: string }).threshold;
    const was = await threshold();

    let since = await lastAuditId();
    expect((await auditRefused(() => put("6-"))).status).toBe(500);
    expect(await threshold()).toBe(was);

    expect((await put("5+")).status).toBe(200);
    const entries = await entriesSince(since);
    expect(entries.map((e) => [e.action, e.actor_id, e.object_type, e.object_id])).toEqual([["triggers.rules_changed", admin.id, "trigger_rules", "1"]]);
    expect(entries[0]!.detail).toMatchObject({ before: { threshold: was }, after: { threshold: "5+" } });

    since = await lastAuditId();
    expect((await refusing("trigger_rules", ["INSERT", "UPDATE"], () => put("6+"))).status).toBe(500);
    expect(await threshold()).toBe("5+");
    expect(await entriesSince(since)).toEqual([]);

    expect((await put(DEFAULT_RULES.threshold)).status).toBe(200);
  });
});
