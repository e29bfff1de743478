import { stateWords } from "../rollcall/state";
import { audit } from "../audit/log";
import type { Auth } from "../auth/scope";
import * as deliveryData from "../delivery/data";
import { channelsFor, idemKey, PAGE_SIZE } from "../delivery/plan";
import { CHANNELS, type DeliveryMessage } from "../delivery/types";
import { clock } from "../lib/clock";
import { badRequest, ApiError, forbidden, jaEn } from "../lib/errors";
import { isOpen } from "../reply/service";
import { fillTokenHashes } from "../rollcall/tokens";
import * as data from "./data";
import { readableRollcall } from "./service";
import { boardChanged } from "./notify";
import { rollcallObject } from "./stub";
import type { ResendInput } from "./schemas";

/** Queues take at most 100 messages per sendBatch. */
const SEND_BATCH = 100;

export interface ResendResult {
  wave: number | null;
  people: number;
  deliveries: number;
  alreadyReplied: number;
  unreachable: number;
}

/**
 * Asks non-responders again: the chosen people, or everyone of a facility who has
 * not replied. It is a wave of its own, numbered past the template's waves, planned
 * as the `plan` message plans a page (same channel choice with fallback, same
 * idempotency keys, sends through the queue), but for these people only and only
 * those still unreplied. Facility admins may resend to their own facilities' people.
 */
export async function resend(env: Env, auth: Auth, id: number, input: ResendInput): Promise<ResendResult> {
  const { rc, audience } = await readableRollcall(env, auth, id);
  if (audience.viewer) throw forbidden(jaEn("閲覧の方はボードを変更できません。", "The viewer's board is read only."));
  if (!isOpen(rc))
    throw new ApiError(
      "closed",
      jaEn(`この安否確認は${stateWords(rc.state).ja}のため、これ以上送信しません。`, `The roll-call is ${stateWords(rc.state).en}; nothing more is sent.`),
      "rollcall",
    );
  const mine = (facilityId: number | null) => audience.facilityIds === null || (facilityId !== null && audience.facilityIds.includes(facilityId));

  let people: number[];
  let alreadyReplied = 0;
  let unreachable = 0;
  if (input.facilityId !== undefined) {
    if (!mine(input.facilityId)) throw forbidden(jaEn("この事業所の担当ではありません。", "This facility is not yours."), "facilityId");
    people = await data.unrepliedOfFacility(env.DB, rc.id, input.facilityId);
  } else {
    const wanted = [...new Set(input.personIds!)];
    const found = await data.recipientsAmong(env.DB, rc.id, wanted);
    const missing = wanted.filter((p) => !found.some((f) => f.personId === p));
    if (missing.length)
      throw badRequest(
        "personIds",
        jaEn(
          `この安否確認の対象でない人がいます: ${missing.slice(0, 10).join(", ")}`,
          `personIds: not asked in this roll-call: ${missing.slice(0, 10).join(", ")}.`,
        ),
      );
    if (found.some((f) => !mine(f.facilityId)))
      throw forbidden(jaEn("あなたの事業所ではない人が含まれています。", "Some of these people are not in your facilities."), "personIds");
    alreadyReplied = found.filter((f) => f.replied).length;
    unreachable = found.filter((f) => !f.replied && f.removed).length;
    people = found.filter((f) => !f.replied && !f.removed).map((f) => f.personId);
  }
  if (people.length === 0) return { wave: null, people: 0, deliveries: 0, alreadyReplied, unreachable };

  const atLeast = Math.max(rc.template.waves.length, await data.maxWave(env.DB, rc.id)) + 1;
  const wave = await rollcallObject(env, rc.id).allocateResendWave(atLeast);
  const channels = input.channels ?? [...CHANNELS];
  // Recorded before anything is queued: an entry may name a resend that then failed, never the reverse.
  await audit(env.DB, {
    actorId: auth.personId,
    action: "rollcall.resend",
    objectType: "rollcall",
    objectId: rc.id,
    detail: { wave, people: people.length, channels, ...(input.facilityId !== undefined ? { facilityId: input.facilityId } : {}) },
  });

  const m = { rollcallId: rc.id, wave, audience: "recipients" as const };
  let deliveries = 0;
  let asked = 0;
  for (let i = 0; i < people.length; i += PAGE_SIZE) {
    const page = people.slice(i, i + PAGE_SIZE);
    await fillTokenHashes(env, rc.id, page, rc.salt); // their links must work before they are sent
    const reach = await deliveryData.reachOf(env.DB, page);
    const rows: deliveryData.NewDelivery[] = [];
    for (const personId of page) {
      const r = reach.get(personId)!;
      const chosen = channelsFor(r, channels, true);
      if (chosen.length === 0) unreachable += 1;
      else asked += 1;
      for (const channel of chosen) {
        if (channel === "push") for (const sub of r.push) rows.push({ idemKey: idemKey(m, personId, channel, sub), personId, channel, addressId: sub });
        else rows.push({ idemKey: idemKey(m, personId, channel), personId, channel, addressId: r[channel]! });
      }
    }
    await deliveryData.insertDeliveries(env.DB, rc.id, wave, "recipients", rows, clock.now());
    const ids = await deliveryData.queuedOfPage(env.DB, rc.id, wave, "recipients", page);
    deliveries += ids.length;
    for (let j = 0; j < ids.length; j += SEND_BATCH)
      await env.DELIVERY_QUEUE.sendBatch(ids.slice(j, j + SEND_BATCH).map((deliveryId) => ({ body: { type: "send", deliveryId } satisfies DeliveryMessage })));
  }
  await boardChanged(env, rc.id, "resend");
  return { wave, people: asked, deliveries, alreadyReplied, unreachable };
}
