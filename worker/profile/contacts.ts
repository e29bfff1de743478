import { auditStatement } from "../audit/log";
import { authOf, route } from "../auth/access";
import { checkEmail, checkMobile } from "../directory/contact";
import { domainApp } from "../lib/app";
import { clock } from "../lib/clock";
import { ApiError, badRequest, conflict, notFound } from "../lib/errors";
import { assertContactProbeAllowed, countContactProbe, probeSource } from "../lib/ratelimit";
import { ErrorSchema, errorResponses, IdParam, jsonBody, jsonOk, OkSchema } from "../lib/schemas";
import { loadSettings } from "../system/settings";
import * as data from "./data";
import { ContactAddedSchema, ContactAddSchema } from "./schemas";

const TAG = "profile";
const conflictResponse = {
  409: { description: "The address belongs to an account already (`field` is value)", content: { "application/json": { schema: ErrorSchema } } },
  429: { description: "Too many answers that an address belongs to another account, from this person or client address in the last hour", content: { "application/json": { schema: ErrorSchema } } },
};

const add = route({
  method: "post",
  path: "/api/me/contacts",
  summary: "Add one's own email or mobile (unverified until confirmed: POST /api/me/contacts/{id}/verify); one per kind, a new one replaces the old",
  description:
    "One address belongs to one account: an address held by anyone (oneself included) is refused with 409 naming `value`. " +
    "Mobiles must be Japanese (+81) unless the setting mobileExtraCountryCodes allows the country. " +
    "Answers that an address belongs to another account are limited per person and per client address (429).",
  tags: [TAG],
  access: "signed_in",
  request: { body: jsonBody(ContactAddSchema) },
  responses: { 201: jsonOk(ContactAddedSchema, "Added"), ...errorResponses, ...conflictResponse },
});

const remove = route({
  method: "delete",
  path: "/api/me/contacts/{id}",
  summary: "Remove one of one's own contacts; the last one stays (a roll-call must be able to reach the person)",
  tags: [TAG],
  access: "signed_in",
  request: { params: IdParam },
  responses: { 200: jsonOk(OkSchema), ...errorResponses },
});

const lastOne = () => badRequest("id", "This is your only contact: a roll-call must be able to reach you. Add another one first, then remove this one.", "last_contact");

export const myContactRoutes = domainApp()
  .openapi(add, async (c) => {
    const auth = authOf(c);
    const { kind, value: raw } = c.req.valid("json");
    const checked = kind === "mobile" ? checkMobile(raw, { extraCountryCodes: (await loadSettings(c.env)).mobileExtraCountryCodes }) : checkEmail(raw);
    if (!checked.ok) throw badRequest("value", checked.message, checked.code);
    const value = checked.value;
    const db = c.env.DB;
    const probe = probeSource(c, auth.personId);
    await assertContactProbeAllowed(db, probe, "value");
    const holder = await data.addressHolder(db, kind, value);
    if (holder?.personId === auth.personId) throw conflict("value", `This ${kind === "mobile" ? "number" : "address"} is yours already.`);
    if (holder) {
      await countContactProbe(db, probe);
      throw conflict("value", `This ${kind === "mobile" ? "number" : "address"} belongs to another account.`);
    }
    const before = await data.channelsOf(db, auth.personId);
    const replaced = before.some((ch) => ch.kind === kind);
    const now = clock.now();
    let inserted: D1Result<{ id: number }>;
    try {
      const results = await db.batch<{ id: number }>([
        data.releaseOwnKind(db, auth.personId, kind, now),
        data.insertOwnContact(db, auth.personId, kind, value, now),
        auditStatement(db, { actorId: auth.personId, action: replaced ? "contact.replaced" : "contact.added", objectType: "person", objectId: auth.personId, detail: { kind, self: true } }),
      ]);
      inserted = results[1]!;
    } catch (err) {
      // Another account took the address between the check and the write: the whole batch rolled back.
      if (data.isAddressTaken(err)) {
        await countContactProbe(db, probe);
        throw conflict("value", `This ${kind === "mobile" ? "number" : "address"} belongs to another account.`);
      }
      throw err;
    }
    const id = inserted.results[0]?.id;
    if (id === undefined) throw notFound("person");
    return c.json({ channel: { id, kind, value, verified: false, verifiedAt: null, lastOkAt: null }, replaced }, 201);
  })
  .openapi(remove, async (c) => {
    const auth = authOf(c);
    const { id } = c.req.valid("param");
    const db = c.env.DB;
    const mine = await data.channelsOf(db, auth.personId);
    const contact = mine.find((ch) => ch.id === id);
    if (!contact) throw notFound("contact");
    if (mine.length <= 1) throw lastOne();
    const [removed] = await db.batch([
      data.removeOwnContact(db, auth.personId, id, clock.now()),
      auditStatement(db, { actorId: auth.personId, action: "contact.removed", objectType: "contact", objectId: id, detail: { kind: contact.kind, self: true } }),
    ]);
    if (removed!.meta.changes !== 1) {
      // Lost a race with another removal: the contact stays (only the attempt is in the audit log).
      throw new ApiError(400, "last_contact", "This is your only contact: a roll-call must be able to reach you.", "id");
    }
    return c.json({ ok: true as const }, 200);
  });
