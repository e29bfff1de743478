/**
 * The triggers' call site into the roll-call domain. Drafts are built with the
 * roll-call engine's own template resolution and preview; the confirm (確定操作)
 * is the engine's `startRollcall`, so recipients, tokens, queueing and the
 * escalation schedule stay in one place. Automatic triggers act for the network,
 * not a person: confirmed_by and the audit actor stay NULL (the audit detail names
 * the trigger).
 */
import { auditIfChangedStatement, auditInsertedStatement, type AuditEntry } from "../audit/log";
import { clock } from "../lib/clock";
import { randomToken } from "../lib/crypto";
import * as rollcallData from "../rollcall/data";
import type { Preview, Scope } from "../rollcall/schemas";
import { buildPreview, startRollcall } from "../rollcall/service";
import { resolveTemplate } from "../templates/service";
import * as data from "./data";

export type TriggerSource = "jma" | "cap" | "api";

export type DraftResult =
  | { ok: true; id: number; preview: Preview }
  /** Another report of the same event won the race: the unique (source, source_ref) index kept one. */
  | { ok: false; reason: "exists"; id: number }
  | { ok: false; reason: "template" | "empty"; message: string };

/**
 * Creates a draft roll-call for a trigger; one per (source, sourceRef) when sourceRef
 * is given. The draft, its "rollcall.drafted" entry and any `alsoAudit` entries (on
 * the same roll-call) land in one batch, or none of them does.
 */
export async function createTriggeredDraft(
  env: Env,
  d: {
    title: string; message: string; templateRef: string; scope: Scope; drill: boolean; source: TriggerSource; sourceRef: string | null; createdBy: number | null; detail: Record<string, unknown>;
    alsoAudit?: Omit<AuditEntry, "objectType" | "objectId">[];
  },
): Promise<DraftResult> {
  const template = await resolveTemplate(env.DB, d.templateRef);
  if (!template) return { ok: false, reason: "template", message: `No template "${d.templateRef}".` };
  const preview = await buildPreview(env, { id: 0, title: d.title, message: d.message, drill: d.drill, template: template.body, scope: d.scope });
  if (preview.recipients === 0) return { ok: false, reason: "empty", message: "Nobody is in the trigger's scope." };
  const now = clock.now();
  const salt = randomToken(16);
  const inserted = data.rollcallIdBySalt(salt);
  const entries = [{ actorId: d.createdBy, action: "rollcall.drafted", detail: { source: d.source, drill: d.drill, ...d.detail } }, ...(d.alsoAudit ?? [])];
  const [row] = await env.DB.batch([
    data.insertTriggeredRollcall(env.DB, {
      title: d.title,
      message: d.message,
      templateRef: template.ref,
      template: JSON.stringify(template.body),
      scope: JSON.stringify(d.scope),
      drill: d.drill,
      source: d.source,
      sourceRef: d.sourceRef,
      salt,
      createdBy: d.createdBy,
      now,
    }),
    ...entries.map((e) => auditInsertedStatement(env.DB, { ...e, objectType: "rollcall" }, inserted)),
  ]);
  const id = (row!.results[0] as { id: number } | undefined)?.id ?? null;
  if (id === null) {
    const existing = d.sourceRef ? await data.rollcallBySource(env.DB, d.source, d.sourceRef) : null;
    if (existing) return { ok: false, reason: "exists", id: existing.id };
    throw new Error("roll-call insert refused");
  }
  const rc = await rollcallData.getRollcall(env.DB, id);
  return { ok: true, id, preview: rc ? await buildPreview(env, rc) : preview };
}

/** Confirms at once (auto-send): the engine snapshots recipients and starts the fan-out. */
export async function confirmTriggered(env: Env, id: number): Promise<string> {
  const rc = await rollcallData.getRollcall(env.DB, id);
  if (!rc) throw new Error(`roll-call ${id} vanished`);
  return (await startRollcall(env, rc, null)).state;
}

/** Withdraws a roll-call only while it is still a draft; answers false when it was confirmed meanwhile. */
export async function withdrawDraft(env: Env, id: number, detail: Record<string, unknown>): Promise<boolean> {
  const [moved] = await env.DB.batch([
    data.withdrawDraftStatement(env.DB, id),
    auditIfChangedStatement(env.DB, { actorId: null, action: "rollcall.withdrawn", objectType: "rollcall", objectId: id, detail }),
  ]);
  return moved!.meta.changes === 1;
}

export async function noteOnRollcall(env: Env, id: number, text: string): Promise<void> {
  await data.appendRollcallNote(env.DB, id, clock.now(), text);
}

export async function rollcallState(env: Env, id: number): Promise<string | null> {
  return (await rollcallData.getRollcall(env.DB, id))?.state ?? null;
}
