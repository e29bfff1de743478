import { auditIfChangedStatement, auditStatement, type AuditEntry } from "../audit/log";
import { endPatientAccessStatement } from "../patients/data";
import { assertContactProbeAllowed, countContactProbe, type ProbeSource } from "../auth/ratelimit";
import { isNetworkAdmin, type Auth } from "../auth/scope";
import { clock } from "../lib/clock";
import { badRequest, conflict, forbidden, notFound, jaEn } from "../lib/errors";
import { loadSettings } from "../system/settings";
import { normalizeEmail, normalizeKana, normalizeSpaces, requireMobile } from "./contact";
import * as data from "./data";
import { withFreshIds } from "./ids";
import type { Person, PersonCreate, PersonListQuery, PersonUpdate } from "./schemas";
import { reachOf, seesContactsOf } from "./scope";
import { mayDeregister, mayEditPerson, membershipRefusal, refusalError } from "./service";

/**
 * People (§5): listing and reading with contacts where in scope (audited), registering,
 * changing and deregistering. The routes in people.ts validate, call one of these and
 * present the result; `probe` (who asks, from where) is read from the request there.
 */

export interface PersonPage {
  items: Person[];
  total: number;
  nextCursor: string | null;
}

/** What the caller sees of a person; `contacts` only when passed (the caller may see them). */
function present(p: data.PersonRecord, memberships: data.PersonMembership[], full: boolean, contacts?: data.Contacts): Person {
  const profile: Person = { id: p.id, name: p.name, kana: p.kana, job: p.job, photoKey: p.photoKey, facilities: memberships };
  if (!full) return profile;
  return {
    ...profile,
    lang: p.lang,
    globalRole: p.globalRole,
    ...(contacts ? { email: contacts.email, mobile: contacts.mobile, phones: contacts.phones } : {}),
    createdAt: new Date(p.createdAt).toISOString(),
    updatedAt: new Date(p.updatedAt).toISOString(),
    removedAt: p.removedAt === null ? null : new Date(p.removedAt).toISOString(),
  };
}

/** The audit entry for a response carrying other people's contact details: who and how many, never the values. */
function contactsRead(auth: Auth, ids: number[]): AuditEntry | null {
  const others = ids.filter((id) => id !== auth.personId);
  if (!others.length) return null;
  return others.length === 1
    ? { actorId: auth.personId, action: "contacts.read", objectType: "person", objectId: others[0]!, detail: { count: 1 } }
    : { actorId: auth.personId, action: "contacts.read", objectType: "people", detail: { count: others.length, personIds: others } };
}

/**
 * One address belongs to one account (§5, §6). The answer tells whether an address
 * is someone's, so these answers are counted and limited (lib/ratelimit.ts).
 */
async function assertAddressFree(db: D1Database, probe: ProbeSource, kind: "email" | "mobile", value: string, personId: number | null) {
  const holder = await data.contactHolder(db, kind, value);
  if (holder !== null && holder !== personId) {
    await countContactProbe(db, probe);
    throw conflict(
      kind,
      kind === "email"
        ? jaEn("このメールアドレスはほかのアカウントで使われています。", "This email address belongs to another account.")
        : jaEn("この携帯電話番号はほかのアカウントで使われています。", "This mobile number belongs to another account."),
    );
  }
}

/** A concurrent writer took the address between the check and the batch. */
async function addressRace(
  db: D1Database,
  probe: ProbeSource,
  err: unknown,
  email: string | null,
  mobile: string | null,
  personId: number | null,
): Promise<never> {
  if (data.isUniqueViolation(err, "contacts.")) {
    if (email) await assertAddressFree(db, probe, "email", email, personId);
    if (mobile) await assertAddressFree(db, probe, "mobile", mobile, personId);
    throw conflict("email", jaEn("このアドレスはほかのアカウントで使われています。", "This address belongs to another account."));
  }
  throw err;
}

/** The mobile as stored, refused (400 naming `mobile`) outside the countries the settings allow. */
async function mobileOf(env: Env, raw: string): Promise<string> {
  return requireMobile(raw, "mobile", { extraCountryCodes: (await loadSettings(env)).mobileExtraCountryCodes });
}

/** Reads one person for a change; 404 when out of the caller's sight, 403 when seen but not theirs to change. */
async function personForChange(db: D1Database, auth: Auth, id: number, allowed: (p: data.PersonRecord, ms: data.PersonMembership[]) => boolean) {
  const person = await data.findPerson(db, id);
  if (!person || person.removedAt) throw notFound(jaEn("職員", "person"));
  const memberships = (await data.membershipsOf(db, [id])).get(id) ?? [];
  if (!allowed(person, memberships)) {
    if (!(await data.withinReach(db, await reachOf(db, auth), id))) throw notFound(jaEn("職員", "person"));
    throw forbidden(jaEn("この人を変更する権限がありません。", "You may not change this person."));
  }
  return { person, memberships };
}

/** The people the caller may see, searched and filtered; contacts (audited) only for those in their scope and when asked. */
export async function listPeopleFor(db: D1Database, auth: Auth, q: PersonListQuery): Promise<PersonPage> {
  const includeRemoved = q.includeRemoved === "true";
  if (includeRemoved && !isNetworkAdmin(auth))
    throw forbidden(jaEn("登録を解除した人はネットワーク管理者だけが見られます。", "Only a network admin sees deregistered people."));
  const reach = await reachOf(db, auth);
  if (q.facilityId && !reach.all && !reach.facilityIds.includes(q.facilityId))
    throw forbidden(jaEn("見られるのは自分の事業所の人だけです。", "You may list only the people of your own facilities."));
  const text = q.q ? normalizeSpaces(q.q) : "";
  const page = await data.listPeople(db, {
    reach,
    q: text || undefined,
    qKana: text ? normalizeKana(text) : undefined,
    facilityId: q.facilityId,
    role: q.role,
    job: q.job ? normalizeSpaces(q.job) : undefined,
    includeRemoved,
    limit: q.limit,
    cursor: data.decodeCursor(q.cursor),
  });
  const ids = page.items.map((p) => p.id);
  const memberships = await data.membershipsOf(db, ids);
  const full = new Set(ids.filter((id) => seesContactsOf(auth, id, memberships.get(id) ?? [])));
  const contacts = q.contacts === "true" && full.size ? await data.contactsOf(db, [...full]) : null;
  const entry = contacts ? contactsRead(auth, [...contacts.keys()]) : null;
  if (entry) await auditStatement(db, entry).run();
  const items = page.items.map((p) => present(p, memberships.get(p.id) ?? [], full.has(p.id), contacts?.get(p.id)));
  return { items, total: page.total, nextCursor: page.nextCursor && data.encodeCursor(page.nextCursor) };
}

/** Registers a person with their facility and role, email and mobile (each address free, the probes counted). */
export async function registerPerson(env: Env, auth: Auth, body: PersonCreate, probe: ProbeSource): Promise<Person> {
  const db = env.DB;
  if (body.globalRole && !isNetworkAdmin(auth))
    throw forbidden(jaEn("ネットワーク全体の役割はネットワーク管理者だけが付けられます。", "Only a network admin gives network-wide roles."), "globalRole");
  if (body.facilityId === undefined) {
    if (!isNetworkAdmin(auth) || !body.globalRole)
      throw badRequest("facilityId", jaEn("所属する事業所を選んでください。", "Choose the facility the person works at."));
  } else {
    const f = await data.findFacility(db, body.facilityId);
    if (!f || f.removedAt) throw badRequest("facilityId", jaEn("事業所が見つかりません。", "No such facility."));
    const refusal = membershipRefusal(auth, body.facilityId, { from: null, to: body.role });
    if (refusal) throw refusalError(refusal);
  }
  const email = body.email ? normalizeEmail(body.email) : null;
  const mobile = body.mobile ? await mobileOf(env, body.mobile) : null;
  if (!email && !mobile)
    throw badRequest(
      "email",
      jaEn(
        "メールアドレスか携帯電話番号を入れてください。安否確認を届けるために必要です。",
        "Give an email address or a mobile number, so the roll-call can reach the person.",
      ),
    );
  await assertContactProbeAllowed(db, probe, email ? "email" : "mobile");
  if (email) await assertAddressFree(db, probe, "email", email, null);
  if (mobile) await assertAddressFree(db, probe, "mobile", mobile, null);
  const now = clock.now();
  const record: data.NewPerson = {
    name: normalizeSpaces(body.name),
    kana: normalizeKana(body.kana),
    job: normalizeSpaces(body.job),
    lang: body.lang,
    globalRole: body.globalRole ?? null,
  };
  const id = await withFreshIds(db, ["people"], async ([id]) => {
    const personId = id!;
    try {
      await db.batch([
        data.insertPerson(db, personId, record, now),
        ...(email ? [data.insertContact(db, personId, "email", email, now)] : []),
        ...(mobile ? [data.insertContact(db, personId, "mobile", mobile, now)] : []),
        ...(body.facilityId !== undefined ? data.addMembershipStatements(db, personId, body.facilityId, body.role, auth.personId, now) : []),
        data.joinNetworkGroup(db, personId, auth.personId, now),
        auditStatement(db, {
          actorId: auth.personId,
          action: "person.created",
          objectType: "person",
          objectId: personId,
          detail: {
            facilityId: body.facilityId ?? null,
            role: body.facilityId !== undefined ? body.role : null,
            globalRole: record.globalRole,
            contacts: [...(email ? ["email"] : []), ...(mobile ? ["mobile"] : [])],
          },
        }),
      ]);
    } catch (err) {
      if (data.isIdRace(err, "people")) throw err;
      await addressRace(db, probe, err, email, mobile, null);
    }
    return personId;
  });
  const person = (await data.findPerson(db, id))!;
  const memberships = (await data.membershipsOf(db, [id])).get(id) ?? [];
  // The response echoes what the caller just wrote; the person.created entry records it.
  return present(person, memberships, true, { email, mobile, phones: [] });
}

/** One person as the caller may see them; contacts (audited) when in their scope and `withContacts`. */
export async function readPerson(db: D1Database, auth: Auth, id: number, withContacts: boolean): Promise<Person> {
  const person = await data.findPerson(db, id);
  if (!person || (person.removedAt && !isNetworkAdmin(auth))) throw notFound(jaEn("職員", "person"));
  if (!(await data.withinReach(db, await reachOf(db, auth), id))) throw notFound(jaEn("職員", "person"));
  const memberships = (await data.membershipsOf(db, [id])).get(id) ?? [];
  const full = seesContactsOf(auth, id, memberships);
  const contacts = full && withContacts ? (await data.contactsOf(db, [id])).get(id) : undefined;
  const entry = contacts ? contactsRead(auth, [id]) : null;
  if (entry) await auditStatement(db, entry).run();
  return present(person, memberships, full, contacts);
}

/** Changes a profile or contact channels (mayEditPerson); a new address must be free, the probes counted. */
export async function changePerson(env: Env, auth: Auth, id: number, body: PersonUpdate, probe: ProbeSource): Promise<Person> {
  const db = env.DB;
  const { person, memberships } = await personForChange(db, auth, id, (p, ms) => mayEditPerson(auth, p, ms));
  if (body.globalRole !== undefined && body.globalRole !== person.globalRole) {
    if (!isNetworkAdmin(auth))
      throw forbidden(jaEn("ネットワーク全体の役割はネットワーク管理者だけが付けられます。", "Only a network admin gives network-wide roles."), "globalRole");
    if (id === auth.personId)
      throw forbidden(
        jaEn("自分の役割はほかのネットワーク管理者に変更してもらってください。", "Ask another network admin to change your own role."),
        "globalRole",
      );
  }
  const current = (await data.contactsOf(db, [id])).get(id)!;
  const email = body.email === undefined ? current.email : body.email === null ? null : normalizeEmail(body.email);
  const mobile = body.mobile === undefined ? current.mobile : body.mobile === null ? null : await mobileOf(env, body.mobile);
  if (!email && !mobile && (body.email === null || body.mobile === null))
    throw badRequest(
      body.email === null ? "email" : "mobile",
      jaEn(
        "メールアドレスか携帯電話番号を残してください。安否確認を届けるために必要です。",
        "Keep an email address or a mobile number, so the roll-call can reach the person.",
      ),
    );
  if ((email && email !== current.email) || (mobile && mobile !== current.mobile))
    await assertContactProbeAllowed(db, probe, email !== current.email ? "email" : "mobile");
  if (email && email !== current.email) await assertAddressFree(db, probe, "email", email, id);
  if (mobile && mobile !== current.mobile) await assertAddressFree(db, probe, "mobile", mobile, id);
  const next: data.NewPerson = {
    name: body.name === undefined ? person.name : normalizeSpaces(body.name),
    kana: body.kana === undefined ? person.kana : normalizeKana(body.kana),
    job: body.job === undefined ? person.job : normalizeSpaces(body.job),
    lang: body.lang ?? person.lang,
    globalRole: body.globalRole === undefined ? person.globalRole : body.globalRole,
  };
  const changed: string[] = (Object.keys(next) as (keyof data.NewPerson)[]).filter((k) => next[k] !== person[k]);
  const stmts: D1PreparedStatement[] = [];
  const now = clock.now();
  for (const [kind, value] of [
    ["email", email],
    ["mobile", mobile],
  ] as const) {
    if (value === current[kind]) continue;
    changed.push(kind);
    stmts.push(data.releaseContact(db, id, kind, now));
    if (value) stmts.push(data.insertContact(db, id, kind, value, now));
  }
  if (changed.length) {
    try {
      await db.batch([
        data.updatePerson(db, id, next, now),
        ...stmts,
        auditStatement(db, { actorId: auth.personId, action: "person.updated", objectType: "person", objectId: id, detail: { fields: changed } }),
      ]);
    } catch (err) {
      await addressRace(db, probe, err, email, mobile, id);
    }
  }
  const updated = (await data.findPerson(db, id))!;
  // The caller may change these contacts, so may see them; the person.updated entry records the write.
  const shown = changed.length ? { email, mobile, phones: current.phones } : undefined;
  const entry = shown ? null : contactsRead(auth, [id]);
  if (entry) await auditStatement(db, entry).run();
  return present(updated, memberships, true, shown ?? current);
}

/** Deregisters a person (§5, mayDeregister): sessions, subscriptions, memberships and groups end, addresses are released. */
export async function deregisterPerson(db: D1Database, auth: Auth, id: number): Promise<void> {
  if (id === auth.personId && isNetworkAdmin(auth))
    throw forbidden(jaEn("自分の登録解除はほかのネットワーク管理者に頼んでください。", "Ask another network admin to deregister you."));
  const { person, memberships } = await personForChange(db, auth, id, (p, ms) => mayDeregister(auth, p, ms));
  const now = clock.now();
  await db.batch([
    ...data.removePersonStatements(db, id, now),
    auditStatement(db, {
      actorId: auth.personId,
      action: "person.removed",
      objectType: "person",
      objectId: id,
      detail: { self: id === auth.personId, facilityIds: memberships.map((m) => m.facilityId), globalRole: person.globalRole },
    }),
    endPatientAccessStatement(db, id, auth.personId, now, false),
    auditIfChangedStatement(db, { actorId: auth.personId, action: "patient.access_ended", objectType: "person", objectId: id }),
  ]);
}
