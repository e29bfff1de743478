import { auditIfChangedStatement, auditStatement, type AuditEntry } from "../audit/log";
import type { Auth } from "../auth/scope";
import { rollcallObject } from "../board/stub";
import { phoneForPeople } from "../directory/contact";
import { errorText } from "../lib/redact";
import { clock } from "../lib/clock";
import { badRequest, conflict, forbidden, jaEn, notFound } from "../lib/errors";
import { alertPeople } from "../messages/send";
import { getRollcall, liveRollcallSql, type Rollcall } from "../rollcall/data";
import type { PatientCheckScope } from "../rollcall/schemas";
import { isLive } from "../rollcall/state";
import { loadSettings } from "../system/settings";
import * as data from "./data";
import { CHECK_POWER_WORDS, CHECK_RESULT_WORDS, CHECK_RESULTS, dependsOnPower, isHighNeed, NEED_FLAGS, needScore } from "./needs";
import type { CheckCounts, CheckItem, CheckRecordInput } from "./schemas";
import { mayManageGroup, mayPost, mayReadPatient, patientNotFound, placeOf, type Place } from "./service";

/**
 * Patient checks in a roll-call (患者さんの確認, issue 15): on the worst day the members
 * of each patient group check on its patient. One check per (roll-call, patient),
 * fixed at the confirm; a member claims it (担当します) so that two nurses do not both
 * drive across town, then records what they found after the confirm step (確定操作).
 * An unchecked patient who depends on power or lives alone is raised on time to the
 * group's managers and physician, then to the facility admins of the members.
 *
 * The rules are the patient group's (service.ts): only active members see a check,
 * with the patient's name, address and phone; the board and the city see counts.
 */

// ---------------------------------------------------------------- the rules

/** Who claims a check: a member who may write about the patient (`mayPost`: not read-only), while the roll-call is live. */
export const mayClaimCheck = (rc: Rollcall, p: Place | null, check: data.CheckRecord, personId: number): boolean =>
  isLive(rc.state) && mayPost(p) && (check.claimedBy === null || check.claimedBy === personId);

/** Who lets a held check go: its holder, or a manager of the group (a nurse who cannot go), while the roll-call is live. */
export const mayReleaseCheck = (rc: Rollcall, p: Place | null, check: data.CheckRecord, personId: number): boolean =>
  isLive(rc.state) && check.claimedBy !== null && mayReadPatient(p) && (check.claimedBy === personId || mayManageGroup(p));

/** Who records a check: the member who holds it, or any member who may claim it when nobody does (recording claims it). */
export const mayRecordCheck = mayClaimCheck;

// ---------------------------------------------------------------- the confirm

/** The statement of the confirm's batch that fixes the checks (after the recipients' snapshot); null when the roll-call checks no patients. */
export function checkSnapshotStatement(db: D1Database, rollcallId: number, scope: PatientCheckScope | null): D1PreparedStatement | null {
  if (scope === null) return null;
  return data.checkSnapshot(db, rollcallId, scope.districts ?? null);
}

// ---------------------------------------------------------------- presenting

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function stateOf(c: data.CheckRecord): CheckItem["state"] {
  if (c.checkedAt !== null) return "checked";
  return c.claimedBy !== null ? "claimed" : "unclaimed";
}

function present(rc: Rollcall, row: data.MyCheckRow, personId: number): CheckItem {
  const { check: c, patient: p } = row;
  const place: Place = { patient: p, member: row.member };
  return {
    patientId: p.id,
    name: p.name,
    kana: p.kana,
    address: p.address,
    district: p.district,
    phone: p.phone ? phoneForPeople(p.phone) : null,
    needs: p.needs,
    highNeed: isHighNeed(p.needs),
    score: needScore(p.needs),
    state: stateOf(c),
    claimedBy: c.claimedBy === null ? null : { id: c.claimedBy, name: c.claimedByName ?? "" },
    mine: c.claimedBy === personId,
    result: c.result,
    power: c.power,
    batteryHours: c.batteryHours,
    location: c.location,
    comment: c.comment,
    checkedBy: c.checkedBy === null ? null : { id: c.checkedBy, name: c.checkedByName ?? "" },
    checkedAt: iso(c.checkedAt),
    escalation: c.escalation,
    may: {
      claim: mayClaimCheck(rc, place, c, personId) && c.claimedBy !== personId,
      release: mayReleaseCheck(rc, place, c, personId),
      record: mayRecordCheck(rc, place, c, personId),
    },
  };
}

/** The order a member works in: unchecked before checked, high need first, then by need (needScore), then the reading. */
export function checkOrder(a: CheckItem, b: CheckItem): number {
  const open = (x: CheckItem) => (x.state === "checked" ? 1 : 0);
  return open(a) - open(b) || Number(b.highNeed) - Number(a.highNeed) || b.score - a.score || a.kana.localeCompare(b.kana, "ja") || a.patientId - b.patientId;
}

async function liveRollcall(db: D1Database, id: number): Promise<Rollcall> {
  const rc = await getRollcall(db, id);
  if (!rc) throw notFound(jaEn("安否確認", "roll-call"));
  return rc;
}

/**
 * The caller's checks in this roll-call: those of the groups they are an active member
 * of, nothing of any other group (an admin who is not a member gets an empty list;
 * the board has the counts). The read names patients, so it is audited.
 */
export async function listChecks(db: D1Database, auth: Auth, rollcallId: number) {
  const rc = await liveRollcall(db, rollcallId);
  const rows = await data.myChecks(db, rollcallId, auth.personId);
  const items = rows.map((r) => present(rc, r, auth.personId)).sort(checkOrder);
  if (items.length)
    await auditStatement(db, {
      actorId: auth.personId,
      action: "patient.checks_read",
      objectType: "rollcall",
      objectId: rollcallId,
      detail: { items: items.length },
    }).run();
  return { items, title: rc.title, drill: rc.drill, live: isLive(rc.state), minutes: rc.template.patientCheckMinutes, confirmedAt: iso(rc.confirmedAt) };
}

/** The roll-call, the caller's place in the group and the check; 404 unless the caller is an active member and the roll-call checks this patient. */
async function checkOf(db: D1Database, auth: Auth, rollcallId: number, patientId: number) {
  const rc = await liveRollcall(db, rollcallId);
  const place = await placeOf(db, auth, patientId);
  if (!mayReadPatient(place)) throw patientNotFound();
  const check = await data.findCheck(db, rollcallId, patientId);
  if (!check) throw notFound(jaEn("この安否確認での患者さんの確認", "patient check of this roll-call"));
  return { rc, place, check };
}

async function presentOne(db: D1Database, rc: Rollcall, auth: Auth, patientId: number): Promise<CheckItem> {
  const row = (await data.myChecks(db, rc.id, auth.personId)).find((r) => r.patient.id === patientId);
  if (!row) throw patientNotFound();
  return present(rc, row, auth.personId);
}

const notLive = () =>
  conflict("state", jaEn("この安否確認は受付を終えています。患者さんの確認は記録できません。", "The roll-call is not open: checks are not recorded."));

const heldBy = (name: string | null) =>
  conflict("claim", jaEn(`${name ?? "ほかのメンバー"}さんが担当しています。`, `${name ?? "Another member"} holds this check.`));

/** Tells the roll-call's open boards that the patient counts moved; a board that misses it catches up at its next re-read. */
async function tellBoards(env: Env, rollcallId: number): Promise<void> {
  try {
    await rollcallObject(env, rollcallId).noteChange("patients");
  } catch (err) {
    console.error("board note failed", errorText(err));
  }
}

/**
 * 担当します: claims the check (`mayClaimCheck`), or with `release` lets it go
 * (`mayReleaseCheck`). 409 when another member holds it, naming them, so the caller
 * can call them instead of driving there too. The claim and its audit entry are one batch.
 */
export async function claimCheck(env: Env, auth: Auth, rollcallId: number, patientId: number, release: boolean): Promise<CheckItem> {
  const db = env.DB;
  const { rc, place, check } = await checkOf(db, auth, rollcallId, patientId);
  if (!isLive(rc.state)) throw notLive();
  const now = clock.now();
  const entry = (action: AuditEntry["action"], detail: Record<string, unknown>) =>
    auditIfChangedStatement(db, { actorId: auth.personId, action, objectType: "patient", objectId: patientId, detail: { rollcallId, ...detail } });
  if (release) {
    if (check.claimedBy === null) return presentOne(db, rc, auth, patientId);
    if (!mayReleaseCheck(rc, place, check, auth.personId)) throw heldBy(check.claimedByName);
    const [moved] = await db.batch([data.dropClaim(db, rollcallId, patientId, check.claimedBy), entry("patient.check_released", { holder: check.claimedBy })]);
    if (moved!.meta.changes !== 1)
      throw conflict("claim", jaEn("担当がその間に変わりました。読み込み直してください。", "The check changed meanwhile; reload it."));
  } else {
    if (!mayPost(place)) throw forbidden(jaEn("読むだけのメンバーは担当できません。", "Read-only members do not claim checks."));
    if (!mayClaimCheck(rc, place, check, auth.personId)) throw heldBy(check.claimedByName);
    if (check.claimedBy !== auth.personId) {
      const [moved] = await db.batch([data.holdCheck(db, rollcallId, patientId, auth.personId, now), entry("patient.check_claimed", {})]);
      if (moved!.meta.changes !== 1) throw heldBy((await data.findCheck(db, rollcallId, patientId))?.claimedByName ?? null);
    }
  }
  await tellBoards(env, rollcallId);
  return presentOne(db, rc, auth, patientId);
}

/** The check's answers made whole: power asked of patients who depend on it, battery hours with `battery`. */
function checkBody(needs: data.PatientRecord["needs"], body: CheckRecordInput) {
  const powered = dependsOnPower(needs);
  if (powered && body.result !== "unreachable" && !body.power)
    throw badRequest("power", jaEn("医療機器の電源の状態を選んでください。", "power: choose the state of the devices' power."), "required");
  if (body.power === "battery" && body.batteryHours === undefined)
    throw badRequest("batteryHours", jaEn("バッテリーの残り時間を入れてください。", "batteryHours: enter the hours of battery left."), "required");
  if (body.batteryHours !== undefined && body.power !== "battery")
    throw badRequest("batteryHours", jaEn("バッテリーの時間は「バッテリーで動いている」ときに入れてください。", "batteryHours: only with power battery."));
  return {
    result: body.result,
    power: body.power ?? null,
    batteryHours: body.power === "battery" ? (body.batteryHours ?? null) : null,
    location: body.location.replace(/\s+/g, " ").trim(),
    comment: body.comment.replace(/\r\n?/g, "\n").trim(),
  };
}

/**
 * Records what the member found (`mayRecordCheck`). Without `confirm` the answer is
 * the preview, in words, and nothing is recorded (確定操作); with it the check is
 * recorded (claiming it when nobody held it) with its audit entry in one batch, and
 * the boards are told. A later record by the holder replaces the earlier one (the
 * audit keeps each).
 */
export async function recordCheck(env: Env, auth: Auth, rollcallId: number, patientId: number, body: CheckRecordInput, lang: "ja" | "en" = "ja") {
  const db = env.DB;
  const { rc, place, check } = await checkOf(db, auth, rollcallId, patientId);
  if (!isLive(rc.state)) throw notLive();
  if (!mayPost(place)) throw forbidden(jaEn("読むだけのメンバーは記録できません。", "Read-only members do not record checks."));
  if (!mayRecordCheck(rc, place, check, auth.personId)) throw heldBy(check.claimedByName);
  const k = checkBody(place!.patient.needs, body);
  if (!body.confirm) {
    const power = k.power
      ? CHECK_POWER_WORDS[k.power][lang] + (k.batteryHours !== null ? (lang === "ja" ? `（残り${k.batteryHours}時間）` : ` (${k.batteryHours} h left)`) : "")
      : null;
    return {
      recorded: false as const,
      preview: { patient: place!.patient.name, result: CHECK_RESULT_WORDS[k.result][lang], power, location: k.location, comment: k.comment, by: auth.name },
    };
  }
  const now = clock.now();
  const [moved] = await db.batch([
    data.writeCheck(db, { rollcallId, patientId, personId: auth.personId, ...k, now }),
    auditIfChangedStatement(db, {
      actorId: auth.personId,
      action: "patient.checked",
      objectType: "patient",
      objectId: patientId,
      // No patient text in the audit: its readers are not all members.
      detail: { rollcallId, result: k.result, ...(k.power ? { power: k.power } : {}) },
    }),
  ]);
  if (moved!.meta.changes !== 1) throw heldBy((await data.findCheck(db, rollcallId, patientId))?.claimedByName ?? null);
  await tellBoards(env, rollcallId);
  return { recorded: true as const, check: await presentOne(db, rc, auth, patientId) };
}

// ---------------------------------------------------------------- counts (no names)

const zeroResults = (): CheckCounts["byResult"] => ({ ...Object.fromEntries(CHECK_RESULTS.map((k) => [k, 0])), unchecked: 0 }) as CheckCounts["byResult"];

/**
 * The roll-call's checks counted by result, need and district: what every reader of
 * the board sees, the city viewer included (for 避難行動要支援者 planning). No names,
 * no addresses. Null when the roll-call checks no patients.
 */
export async function checkCounts(db: D1Database, rc: Pick<Rollcall, "id" | "patientChecks">): Promise<CheckCounts | null> {
  if (rc.patientChecks === null) return null;
  const rows = await data.checkCountRows(db, rc.id);
  const byNeed = new Map(NEED_FLAGS.map((k) => [k, { need: k, total: 0, checked: 0, byResult: zeroResults() }]));
  const byDistrict = new Map<string, CheckCounts["byDistrict"][number]>();
  const out: CheckCounts = {
    total: 0,
    checked: 0,
    claimed: 0,
    unclaimed: 0,
    late: 0,
    highNeedUnchecked: 0,
    byResult: zeroResults(),
    byNeed: [],
    byDistrict: [],
  };
  for (const r of rows) {
    const done = r.result !== null;
    out.total++;
    if (done) out.checked++;
    else if (r.claimed) out.claimed++;
    else out.unclaimed++;
    if (!done && r.escalation > 0) out.late++;
    if (!done && isHighNeed(r.needs)) out.highNeedUnchecked++;
    out.byResult[r.result ?? "unchecked"]++;
    let d = byDistrict.get(r.district);
    if (!d) {
      d = {
        district: r.district,
        total: 0,
        checked: 0,
        needs: Object.fromEntries(NEED_FLAGS.map((k) => [k, 0])) as CheckCounts["byDistrict"][number]["needs"],
      };
      byDistrict.set(r.district, d);
    }
    d.total++;
    if (done) d.checked++;
    for (const k of NEED_FLAGS) {
      if (!r.needs[k]) continue;
      d.needs[k]++;
      const n = byNeed.get(k)!;
      n.total++;
      if (done) n.checked++;
      n.byResult[r.result ?? "unchecked"]++;
    }
  }
  out.byNeed = [...byNeed.values()].filter((n) => n.total > 0);
  out.byDistrict = [...byDistrict.values()].sort((a, b) => a.district.localeCompare(b.district, "ja"));
  return out;
}

/** The live roll-calls in which the caller has checks to do (the banners of their home and patient list): counts only, so not audited. */
export async function myLiveChecks(db: D1Database, auth: Auth) {
  return { items: await data.myLiveCheckCounts(db, auth.personId, liveRollcallSql("c.rollcall_id")) };
}

/**
 * How many checks of the roll-call a reply link's owner has in their groups, and how many
 * are unchecked (the reply page's section): counts, no patient. A statement, so the page
 * reads it in its one batch; `checksOfLink` reads its row.
 */
export const checksOfLinkStatement = (db: D1Database, tokenHash: string): D1PreparedStatement => data.linkCheckCountsStatement(db, tokenHash);

export const checksOfLink = (row: unknown): { total: number; unchecked: number } => data.toCheckCounts(row);

// ---------------------------------------------------------------- escalation (the cron, every minute)

/**
 * Raises the unchecked high-need checks that are late (the cron, every minute, under
 * the test clock): at the template's patientCheckMinutes after the confirm to the
 * group's managers and responsible physician, at twice that to the facility admins
 * of the members. Each raise moves the check's level in one batch with its audit
 * entry, and only the run that moved it sends, so two runs never send twice. The
 * messages name no patient (the facility admins are not members): how many checks
 * are late, and the link to the checks (managers) or the board (facility admins).
 */
export async function escalateChecks(env: Env, now = clock.now()): Promise<{ raised: number; notified: number }> {
  const db = env.DB;
  const due = await data.dueChecks(db, now, liveRollcallSql("c.rollcall_id"));
  if (!due.length) return { raised: 0, notified: 0 };
  // Who hears of what: person → roll-call → level → how many checks.
  const tell = new Map<string, { personId: number; rollcallId: number; level: 1 | 2; count: number; title: string; drill: boolean; minutes: number }>();
  let raised = 0;
  for (const d of due) {
    const level = (d.escalation + 1) as 1 | 2;
    const people = await data.raiseAddressees(db, d.patientId, level);
    const [moved] = await db.batch([
      data.raiseCheck(db, d.rollcallId, d.patientId, d.escalation, now),
      auditIfChangedStatement(db, {
        actorId: null,
        action: "patient.check_escalated",
        objectType: "patient",
        objectId: d.patientId,
        detail: { rollcallId: d.rollcallId, level, notified: people.length },
      }),
    ]);
    if (moved!.meta.changes !== 1) continue;
    raised++;
    for (const personId of people) {
      const key = `${personId}:${d.rollcallId}:${level}`;
      const t = tell.get(key) ?? { personId, rollcallId: d.rollcallId, level, count: 0, title: d.title, drill: d.drill, minutes: d.minutes };
      t.count++;
      tell.set(key, t);
    }
  }
  if (raised) await Promise.all([...new Set(due.map((d) => d.rollcallId))].map((id) => tellBoards(env, id)));
  const { networkName } = await loadSettings(env);
  const base = env.PUBLIC_URL.replace(/\/+$/, "");
  let notified = 0;
  for (const t of tell.values()) {
    const drill = t.drill ? "【訓練】" : "";
    const link = t.level === 1 ? `${base}/rollcalls/${t.rollcallId}/patients` : `${base}/rollcalls/${t.rollcallId}`;
    const late = t.level === 1 ? t.minutes : t.minutes * 2;
    const sms =
      t.level === 1
        ? `${drill}${networkName}: ${t.title}\n担当の患者さんの確認が${late}分を過ぎても済んでいません（${t.count}人）。担当を決めて確認してください。\n${link}`
        : `${drill}${networkName}: ${t.title}\nあなたの事業所の職員がメンバーの患者グループで、確認が${late}分を過ぎても済んでいない患者さんがいます（${t.count}人）。職員に連絡してください。\n${link}`;
    const english =
      t.level === 1
        ? `${t.count} patient check(s) of your groups are not done ${late} minutes after the roll-call. Decide who goes and record the check: ${link}`
        : `Patient checks of groups your staff belong to are not done ${late} minutes after the roll-call (${t.count}). Call your staff: ${link}`;
    notified += await alertPeople(env, [t.personId], {
      kind: "patient_alert",
      subject: `${drill}【至急】患者さんの確認が済んでいません: ${t.title}`,
      sms,
      email: `${sms}\n\n${english}`,
      link,
    });
  }
  return { raised, notified };
}
