import { canManageFacility, isNetworkAdmin, isViewer, managedFacilityIds, type Auth } from "../auth/scope";
import { clock } from "../lib/clock";
import { ApiError, badRequest, conflict, forbidden, jaEn } from "../lib/errors";
import { getRollcall, markAsTest } from "../rollcall/data";
import { createDraft, startRollcall, toApi } from "../rollcall/service";
import { resolveTemplate } from "../templates/service";
import * as data from "./data";
import type { Readiness, ReadinessTotals, SendTestInput } from "./schemas";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function present(c: data.Counts): ReadinessTotals {
  return {
    staff: c.staff,
    reachable: c.reachable,
    push: c.push,
    mobile: c.mobile,
    email: c.email,
    unverified: c.unverifiedMobile + c.unverifiedEmail,
    unverifiedByKind: { mobile: c.unverifiedMobile, email: c.unverifiedEmail },
    noChannel: c.noChannel,
    tested: c.tested,
    lastTestAt: iso(c.lastTestAt),
  };
}

/**
 * Readiness in the person's view: the network admin every facility, facility admins and
 * delegates their own, the city viewer the network's numbers only (no facility rows, no names).
 */
export async function readinessFor(env: Env, auth: Auth): Promise<Readiness> {
  const view = isNetworkAdmin(auth) ? "network" : isViewer(auth) ? "aggregate" : "facilities";
  const facilityIds = view === "facilities" ? managedFacilityIds(auth) : null;
  if (view === "facilities" && facilityIds!.length === 0) throw forbidden();
  const [r, unreachable, tests] = await Promise.all([
    data.readiness(env.DB, facilityIds),
    view === "aggregate" ? Promise.resolve(null) : data.unreachable(env.DB, facilityIds, 200),
    data.recentTests(env.DB, facilityIds, 10),
  ]);
  const byType = new Map<string, { type: string; staff: number; reachable: number; tested: number }>();
  for (const f of r.facilities) {
    const t = byType.get(f.type) ?? { type: f.type, staff: 0, reachable: 0, tested: 0 };
    t.staff += f.staff;
    t.reachable += f.reachable;
    t.tested += f.tested;
    byType.set(f.type, t);
  }
  return {
    generatedAt: new Date(clock.now()).toISOString(),
    view,
    totals: present(r.totals),
    byFacilityType: [...byType.values()],
    facilities: view === "aggregate" ? null : r.facilities.map((f) => ({ facilityId: f.facilityId, name: f.name, type: f.type, ...present(f) })),
    unreachable,
    tests: tests.map((t) => ({ ...t, sentAt: iso(t.sentAt) })),
  };
}

/** A second test of the same scope within this time is refused: a double click must not message everyone twice. */
export const TEST_SPACING_MS = 10 * 60_000;

const DEFAULT_MESSAGE = "連絡網の到達テストです。届いたら「確認しました」を押してください。/ A test of the contact network: please press Acknowledge.";

/** Who may send a test: network admins to the whole network or any facility, facility admins and delegates to their own. */
export function authorizeTest(auth: Auth, facilityId: number | null): void {
  if (facilityId === null && !isNetworkAdmin(auth))
    throw forbidden(jaEn("ネットワーク全体のテストはネットワーク管理者だけが送れます。", "Only network admins test the whole network."), "all");
  if (facilityId !== null && !canManageFacility(auth, facilityId))
    throw forbidden(jaEn("テストは自分の事業所にだけ送れます。", "You may test only your own facility."), "facilityId");
}

/**
 * Sends a test message: a notice roll-call with source 'test' through the normal draft,
 * confirm and fan-out, so it exercises the real path (every successful delivery marks its
 * contact as working and dates the test). Marked as a drill (【訓練】 in every message),
 * so no one mistakes it for the real thing and it stays out of real counts.
 */
export async function sendTest(env: Env, auth: Auth, input: SendTestInput) {
  const facilityId = input.facilityId ?? null;
  authorizeTest(auth, facilityId);
  const templateRef = input.template ?? "notice";
  const template = await resolveTemplate(env.DB, templateRef);
  if (!template) throw badRequest("template", jaEn(`テンプレート「${templateRef}」がありません。`, `template: no template "${templateRef}".`));
  if (template.body.kind !== "notice")
    throw badRequest(
      "template",
      jaEn("テストには「お知らせ」のテンプレート（確認のみ）を使います。", "template: a test message uses a notice template (acknowledge only)."),
    );
  const last = await data.lastTestSent(env.DB, facilityId);
  if (last !== null && clock.now() - last < TEST_SPACING_MS)
    throw new ApiError(
      "too_soon",
      jaEn("同じ範囲のテストを10分以内に送っています。", "A test of this scope went out less than 10 minutes ago."),
      facilityId === null ? "all" : "facilityId",
    );

  const field = facilityId === null ? "all" : "facilityId";
  const { rollcall, preview } = await createDraft(env, auth, {
    title: facilityId === null ? "連絡網テスト（全体）" : "連絡網テスト",
    message: input.message ?? DEFAULT_MESSAGE,
    template: templateRef,
    scope: facilityId === null ? { all: true } : { facilityIds: [facilityId] },
    drill: true,
  }).catch((err: unknown) => {
    // The draft speaks of its scope; this API of the facility (or all) it was given.
    if (err instanceof ApiError && err.field?.startsWith("scope")) throw new ApiError(err.code, err.text, field);
    throw err;
  });
  if (!(await markAsTest(env.DB, rollcall.id)))
    throw conflict(undefined, jaEn("テストが途中で変わりました。もう一度お試しください。", "The test changed meanwhile; try again."));
  // The test's entry lands in the confirm's own batch.
  const started = await startRollcall(env, (await getRollcall(env.DB, rollcall.id))!, auth.personId, [
    { actorId: auth.personId, action: "readiness.test_sent", detail: { facilityId, people: preview.recipients } },
  ]);
  return { rollcall: toApi(started), people: preview.recipients, byChannel: preview.firstWave, unreachable: preview.unreachable };
}
