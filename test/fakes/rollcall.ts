/** Roll-call fixtures for the delivery tests: straight into D1, as a confirmed roll-call leaves them. */
import { env } from "cloudflare:test";
import { clock } from "../../worker/lib/clock";
import { replyToken, tokenHash } from "../../worker/reply/token";
import { fileTemplates } from "../../worker/templates/files";

export interface RollcallFixture {
  id: number;
  salt: string;
}

export async function makeRollcall(o: {
  people: { id: number; facilityId?: number | null; isFacilityAdmin?: boolean }[];
  template?: "safety" | "notice";
  state?: "open" | "sending" | "closed" | "withdrawn";
  drill?: boolean;
  ownerFacilityId?: number | null;
  title?: string;
}): Promise<RollcallFixture> {
  const template = fileTemplates().get(o.template ?? "safety");
  if (!template) throw new Error("no such file template");
  const salt = crypto.randomUUID();
  const now = clock.now();
  const rc = await env.DB.prepare(
    `INSERT INTO rollcalls (title, message, template_ref, template, scope, drill, state, owner_facility_id, source, salt, created_at, confirmed_at)
     VALUES (?1, '', ?2, ?3, '{"all":true}', ?4, ?5, ?6, 'test', ?7, ?8, ?8) RETURNING id`,
  )
    .bind(
      o.title ?? "地震 安否確認",
      o.template ?? "safety",
      JSON.stringify(template),
      o.drill === false ? 0 : 1,
      o.state ?? "open",
      o.ownerFacilityId ?? null,
      salt,
      now,
    )
    .first<{ id: number }>();
  const id = rc!.id;
  const rows = await Promise.all(
    o.people.map(async (p) => ({ p: p.id, f: p.facilityId ?? null, a: p.isFacilityAdmin ? 1 : 0, h: await tokenHash(await replyToken(env, id, salt, p.id)) })),
  );
  if (rows.length)
    await env.DB.prepare(
      `INSERT INTO rollcall_recipients (rollcall_id, person_id, facility_id, is_facility_admin, token_hash)
       SELECT ?1, json_extract(value, '$.p'), json_extract(value, '$.f'), json_extract(value, '$.a'), json_extract(value, '$.h') FROM json_each(?2)`,
    )
      .bind(id, JSON.stringify(rows))
      .run();
  return { id, salt };
}

export async function setRollcallState(id: number, state: string): Promise<void> {
  await env.DB.prepare("UPDATE rollcalls SET state = ?2 WHERE id = ?1").bind(id, state).run();
}

/** Adds a push subscription (from the push fake) to a person. */
export async function addPushSubscription(
  personId: number,
  sub: { endpoint: string; keys: { p256dh: string; auth: string } },
  deviceName = "iPhone",
): Promise<number> {
  const r = await env.DB.prepare(
    "INSERT INTO push_subscriptions (person_id, endpoint, p256dh, auth, device_name, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
  )
    .bind(personId, sub.endpoint, sub.keys.p256dh, sub.keys.auth, deviceName, clock.now())
    .first<{ id: number }>();
  return r!.id;
}

export interface DeliveryRow {
  id: number;
  idem_key: string;
  rollcall_id: number;
  person_id: number;
  channel: string;
  wave: number;
  audience: string;
  address_id: number;
  state: string;
  provider_id: string | null;
  error: string | null;
  attempts: number;
  lease_until: number | null;
  send_at: number | null;
}

export async function deliveriesOf(rollcallId: number): Promise<DeliveryRow[]> {
  const { results } = await env.DB.prepare("SELECT * FROM deliveries WHERE rollcall_id = ?1 ORDER BY id").bind(rollcallId).all<DeliveryRow>();
  return results;
}

export async function delivery(id: number): Promise<DeliveryRow> {
  return (await env.DB.prepare("SELECT * FROM deliveries WHERE id = ?1").bind(id).first<DeliveryRow>())!;
}
