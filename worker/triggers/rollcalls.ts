import { jaEn, type Bilingual } from "../lib/errors";
/**
 * The triggers' call site into the roll-call domain, which owns the roll-call: the
 * draft is the engine's own `draftRollcall` (the same as a person's), the confirm
 * (確定操作) its `startRollcall`, so recipients, tokens, queueing and the escalation
 * schedule stay in one place. Automatic triggers act for the network, not a person:
 * confirmed_by and the audit actor stay NULL (the audit detail names the trigger).
 */
import type { AuditEntry } from "../audit/log";
import { getRollcall } from "../rollcall/data";
import type { Preview, Scope } from "../rollcall/schemas";
import { draftRollcall, startRollcall } from "../rollcall/service";
import { resolveTemplate } from "../templates/service";

export { noteOnRollcall, rollcallOfEvent, withdrawDraft } from "../rollcall/service";

export type TriggerSource = "jma" | "cap" | "api";

export type DraftResult =
  | { ok: true; id: number; preview: Preview }
  /** Another report of the same event won the race: the unique (source, source_ref) index kept one. */
  | { ok: false; reason: "exists"; id: number }
  | { ok: false; reason: "template" | "empty"; message: Bilingual };

/**
 * Creates a draft roll-call for a trigger; one per (source, sourceRef) when sourceRef
 * is given. The draft, its "rollcall.drafted" entry and any `alsoAudit` entries (on
 * the same roll-call) land in one batch, or none of them does.
 */
export async function createTriggeredDraft(
  env: Env,
  d: {
    title: string;
    message: string;
    templateRef: string;
    scope: Scope;
    drill: boolean;
    source: TriggerSource;
    sourceRef: string | null;
    createdBy: number | null;
    detail: Record<string, unknown>;
    alsoAudit?: Omit<AuditEntry, "objectType" | "objectId">[];
  },
): Promise<DraftResult> {
  const template = await resolveTemplate(env.DB, d.templateRef);
  if (!template) return { ok: false, reason: "template", message: jaEn(`テンプレート「${d.templateRef}」がありません。`, `No template "${d.templateRef}".`) };
  const draft = await draftRollcall(env, {
    title: d.title,
    message: d.message,
    template,
    scope: d.scope,
    drill: d.drill,
    ownerFacilityId: null,
    source: d.source,
    sourceRef: d.sourceRef,
    createdBy: d.createdBy,
    detail: d.detail,
    alsoAudit: d.alsoAudit,
  });
  if (draft.ok) return { ok: true, id: draft.rollcall.id, preview: draft.preview };
  if (draft.reason === "empty") return { ok: false, reason: "empty", message: jaEn("自動発信の範囲に対象者がいません。", "Nobody is in the trigger's scope.") };
  return draft;
}

/** Confirms at once (auto-send): the engine snapshots recipients and starts the fan-out. */
export async function confirmTriggered(env: Env, id: number): Promise<string> {
  const rc = await getRollcall(env.DB, id);
  if (!rc) throw new Error(`roll-call ${id} vanished`);
  return (await startRollcall(env, rc, null)).state;
}
