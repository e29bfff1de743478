/**
 * The governed operations of the network's policy (§2–§7), each with the one answer
 * it must give per (role, object), and every path that performs it. The table test
 * (table.test.ts) runs every path for every role and object and expects that answer,
 * whatever the path; a path is refused at its route's role gate first (test/access).
 *
 * `sinks` are the data functions that perform the operation: a file that calls one
 * is a path of the operation, so a new path without a row here fails the table test.
 */
import { env } from "cloudflare:test";
import type { Role } from "../../worker/auth/scope";
import { phoneForPeople } from "../../worker/directory/contact";
import { sha256Hex } from "../../worker/lib/crypto";
import { clock } from "../../worker/lib/clock";
import { makePerson, type TestPerson, uniq } from "../support/factories";
import { api } from "../support/http";
import { patientOperations } from "./patients";

export type Outcome = "allowed" | "refused";
export const ROLES: Role[] = ["network_admin", "facility_admin", "delegate", "staff", "viewer"];

export interface World {
  /** The actors' facility, and another one. */
  F: number;
  G: number;
  actors: Record<Role, TestPerson & { cookie: string }>;
  /** A sent roll-call over F and G, and one over each alone. */
  rollcalls: { both: number; onlyF: number; onlyG: number };
  /** Fixed people on those roll-calls, for the read operations. */
  readers: { staffF: TestPerson; adminF: TestPerson; staffG: TestPerson };
}

export interface Path {
  /** The route as the access table names it ("METHOD /path"), or a non-route path. */
  route: string;
  /** The module that performs the operation on this path (where a sink is called). */
  file: string;
  /** Objects this path cannot express (e.g. a route that only changes existing people). */
  skip?: readonly string[];
  run(w: World, role: Role, object: string): Promise<Outcome>;
}

export interface Operation {
  sinks: readonly string[];
  objects: readonly string[];
  expected: Record<Role, Record<string, Outcome>>;
  paths: Path[];
}

const A: Outcome = "allowed";
const R: Outcome = "refused";
const ROLE_WORD = { admin: "管理者", delegate: "代行", staff: "一般" } as const;
type FacilityRole = keyof typeof ROLE_WORD;

/** 2xx is allowed; a refusal is a 4xx that names no internal error. Anything else fails the test. */
function outcomeOf(res: Response): Outcome {
  if (res.status >= 200 && res.status < 300) return A;
  if ([401, 403, 404, 409, 422].includes(res.status)) return R;
  throw new Error(`unexpected ${res.status}`);
}

async function roleIn(personId: number, facilityId: number): Promise<string | null> {
  const r = await env.DB.prepare("SELECT role FROM memberships WHERE person_id = ?1 AND facility_id = ?2 AND removed_at IS NULL")
    .bind(personId, facilityId)
    .first<{ role: string }>();
  return r?.role ?? null;
}

async function mobileOf(personId: number): Promise<string | null> {
  const r = await env.DB.prepare("SELECT value FROM contacts WHERE person_id = ?1 AND kind = 'mobile' AND removed_at IS NULL")
    .bind(personId)
    .first<{ value: string }>();
  return r?.value ?? null;
}

async function nameOf(personId: number): Promise<string> {
  return (await env.DB.prepare("SELECT name FROM people WHERE id = ?1").bind(personId).first<{ name: string }>())!.name;
}

const newMobile = () => `+8180${String(10_000_000 + Math.floor(Math.random() * 89_999_999)).padStart(8, "0")}`;
const nationalMobile = (e164: string) => `0${e164.slice(3)}`;

function csv(rows: string[][]): Uint8Array {
  return new TextEncoder().encode(`${rows.map((r) => r.join(",")).join("\r\n")}\r\n`);
}

async function importRows(cookie: string, facilityId: number, rows: string[][]): Promise<Response> {
  return api("POST", `/api/import/people/commit?facilityId=${facilityId}`, { cookie, body: csv(rows), headers: { "content-type": "text/csv" } });
}

// ---------------------------------------------------------------- role.change

/** "from→to": new (not registered yet), staff, delegate, admin (a co-admin), elsewhere (staff of G). */
const ROLE_OBJECTS = ["new→staff", "new→delegate", "new→admin", "staff→delegate", "delegate→staff", "admin→staff", "staff→admin", "elsewhere→staff"] as const;

function parseRoleObject(object: string): { from: FacilityRole | "new" | "elsewhere"; to: FacilityRole } {
  const [from, to] = object.split("→") as [FacilityRole | "new" | "elsewhere", FacilityRole];
  return { from, to };
}

/** The target of a role change, as it stands before: its person (none when new), and where its role is read. */
async function roleTarget(w: World, object: string): Promise<{ person: TestPerson | null; to: FacilityRole; from: FacilityRole | null }> {
  const { from, to } = parseRoleObject(object);
  if (from === "new") return { person: null, to, from: null };
  if (from === "elsewhere") return { person: await makePerson({ facilityId: w.G, role: "staff", password: null }), to, from: null };
  return { person: await makePerson({ facilityId: w.F, role: from, password: null }), to, from };
}

/** After the path ran: the role in F must be the new one if allowed, and unchanged if refused. */
async function checkRole(person: TestPerson | null, email: string | null, facilityId: number, from: FacilityRole | null, to: FacilityRole, outcome: Outcome) {
  const id =
    person?.id ??
    (email
      ? (await env.DB.prepare("SELECT person_id FROM contacts WHERE value = ?1 AND removed_at IS NULL").bind(email).first<{ person_id: number }>())?.person_id
      : undefined);
  const role = id === undefined ? null : await roleIn(id, facilityId);
  const want = outcome === A ? to : from;
  if (role !== want) throw new Error(`role in the facility is ${role}, expected ${want} (${outcome})`);
}

const roleChange: Operation = {
  sinks: ["changeRoleStatements", "addMembershipStatements", "updateMembershipRoles", "insertMemberships"],
  objects: ROLE_OBJECTS,
  expected: {
    network_admin: Object.fromEntries(ROLE_OBJECTS.map((o) => [o, A])),
    facility_admin: {
      "new→staff": A,
      "new→delegate": A,
      "new→admin": R,
      "staff→delegate": A,
      "delegate→staff": A,
      "admin→staff": R,
      "staff→admin": R,
      "elsewhere→staff": R,
    },
    delegate: {
      "new→staff": A,
      "new→delegate": R,
      "new→admin": R,
      "staff→delegate": R,
      "delegate→staff": R,
      "admin→staff": R,
      "staff→admin": R,
      "elsewhere→staff": R,
    },
    staff: Object.fromEntries(ROLE_OBJECTS.map((o) => [o, R])),
    viewer: Object.fromEntries(ROLE_OBJECTS.map((o) => [o, R])),
  },
  paths: [
    {
      route: "PUT /api/facilities/:id/members/:personId",
      file: "worker/directory/service.ts",
      skip: ["new→staff", "new→delegate", "new→admin"],
      async run(w, role, object) {
        const t = await roleTarget(w, object);
        const res = await api("PUT", `/api/facilities/${w.F}/members/${t.person!.id}`, { cookie: w.actors[role].cookie, body: { role: t.to } });
        const outcome = outcomeOf(res);
        await checkRole(t.person, null, w.F, t.from, t.to, outcome);
        return outcome;
      },
    },
    {
      route: "POST /api/people",
      file: "worker/directory/people-service.ts",
      skip: ["staff→delegate", "delegate→staff", "admin→staff", "staff→admin", "elsewhere→staff"],
      async run(w, role, object) {
        const t = await roleTarget(w, object);
        const email = `gov.${uniq()}@example.org`;
        const res = await api("POST", "/api/people", { cookie: w.actors[role].cookie, body: { name: `統治 ${uniq()}`, facilityId: w.F, role: t.to, email } });
        const outcome = outcomeOf(res);
        await checkRole(null, email, w.F, null, t.to, outcome);
        return outcome;
      },
    },
    {
      route: "POST /api/invitations",
      file: "worker/invitations/service.ts",
      skip: ["staff→delegate", "delegate→staff", "admin→staff", "staff→admin", "elsewhere→staff"],
      async run(w, role, object) {
        const t = await roleTarget(w, object);
        const email = `gov.${uniq()}@example.org`;
        const res = await api("POST", "/api/invitations", {
          cookie: w.actors[role].cookie,
          body: { facilityId: w.F, role: t.to, name: `招待 ${uniq()}`, email },
        });
        const outcome = outcomeOf(res);
        const inv = await env.DB.prepare("SELECT role FROM invitations WHERE contact_value = ?1").bind(email).first<{ role: string }>();
        if ((inv?.role ?? null) !== (outcome === A ? t.to : null)) throw new Error(`invitation ${JSON.stringify(inv)} after ${outcome}`);
        return outcome;
      },
    },
    {
      route: "POST /api/import/people/commit",
      file: "worker/import/service.ts",
      async run(w, role, object) {
        const t = await roleTarget(w, object);
        const email = t.person?.email ?? `gov.${uniq()}@example.org`;
        const res = await importRows(w.actors[role].cookie, w.F, [
          ["氏名", "メールアドレス", "役割"],
          [t.person ? await nameOf(t.person.id) : `取込 ${uniq()}`, email, ROLE_WORD[t.to]],
        ]);
        const outcome = outcomeOf(res);
        await checkRole(t.person, email, w.F, t.from, t.to, outcome);
        return outcome;
      },
    },
  ],
};

// ---------------------------------------------------------------- person.edit

/** People of the facility by role, a co-admin, and a staff member of another facility. */
const PERSON_OBJECTS = ["staff", "delegate", "admin", "elsewhere"] as const;

async function personTarget(w: World, object: string): Promise<{ person: TestPerson; facilityId: number }> {
  if (object === "elsewhere") return { person: await makePerson({ facilityId: w.G, role: "staff", password: null }), facilityId: w.G };
  return { person: await makePerson({ facilityId: w.F, role: object as FacilityRole, password: null }), facilityId: w.F };
}

const sameAsEditRule: Record<Role, Record<string, Outcome>> = {
  network_admin: { staff: A, delegate: A, admin: A, elsewhere: A },
  facility_admin: { staff: A, delegate: A, admin: R, elsewhere: R },
  delegate: { staff: A, delegate: R, admin: R, elsewhere: R },
  staff: { staff: R, delegate: R, admin: R, elsewhere: R },
  viewer: { staff: R, delegate: R, admin: R, elsewhere: R },
};

async function checkMobile(person: TestPerson, next: string, outcome: Outcome) {
  const now = await mobileOf(person.id);
  const want = outcome === A ? next : person.mobile;
  if (now !== want) throw new Error(`mobile is ${now === null ? "none" : "another"}, expected the ${outcome === A ? "new" : "old"} one`);
}

/** Change someone else's profile and contacts; end their sessions (remote wipe, §7) follows the same rule (§2). */
const personEdit: Operation = {
  sinks: ["releaseContact", "insertContact", "removeContacts", "insertContacts", "revokeAllSessions", "revokeOtherSessions", "updatePerson", "updatePeople"],
  objects: PERSON_OBJECTS,
  expected: sameAsEditRule,
  paths: [
    {
      route: "PATCH /api/people/:id",
      file: "worker/directory/people-service.ts",
      async run(w, role, object) {
        const { person } = await personTarget(w, object);
        const next = newMobile();
        const outcome = outcomeOf(await api("PATCH", `/api/people/${person.id}`, { cookie: w.actors[role].cookie, body: { mobile: nationalMobile(next) } }));
        await checkMobile(person, next, outcome);
        return outcome;
      },
    },
    {
      route: "POST /api/import/people/commit",
      file: "worker/import/service.ts",
      async run(w, role, object) {
        const { person } = await personTarget(w, object);
        const next = newMobile();
        const outcome = outcomeOf(
          await importRows(w.actors[role].cookie, w.F, [
            ["氏名", "メールアドレス", "携帯電話"],
            [await nameOf(person.id), person.email!, nationalMobile(next)],
          ]),
        );
        await checkMobile(person, next, outcome);
        return outcome;
      },
    },
    {
      route: "POST /api/people/:id/end-sessions",
      file: "worker/auth/service.ts",
      async run(w, role, object) {
        const { person } = await personTarget(w, object);
        const hash = await sha256Hex(`session-${uniq()}`);
        await env.DB.prepare("INSERT INTO sessions (id_hash, person_id, created_at, last_seen_at, user_agent) VALUES (?1, ?2, ?3, ?3, 'test')")
          .bind(hash, person.id, clock.now())
          .run();
        const outcome = outcomeOf(await api("POST", `/api/people/${person.id}/end-sessions`, { cookie: w.actors[role].cookie }));
        const s = await env.DB.prepare("SELECT revoked_at FROM sessions WHERE id_hash = ?1").bind(hash).first<{ revoked_at: number | null }>();
        if ((s!.revoked_at !== null) !== (outcome === A)) throw new Error(`session revoked=${s!.revoked_at !== null} after ${outcome}`);
        return outcome;
      },
    },
  ],
};

// ---------------------------------------------------------------- member.remove

/** Take someone out of their facility, or deregister them (§5). */
const memberRemove: Operation = {
  sinks: ["endMembershipStatements", "removePersonStatements"],
  objects: PERSON_OBJECTS,
  expected: sameAsEditRule,
  paths: [
    {
      route: "DELETE /api/facilities/:id/members/:personId",
      file: "worker/directory/service.ts",
      async run(w, role, object) {
        const { person, facilityId } = await personTarget(w, object);
        const before = await roleIn(person.id, facilityId);
        const outcome = outcomeOf(await api("DELETE", `/api/facilities/${facilityId}/members/${person.id}`, { cookie: w.actors[role].cookie }));
        const after = await roleIn(person.id, facilityId);
        if ((after === null) !== (outcome === A) || (outcome === R && after !== before)) throw new Error(`membership ${after} after ${outcome}`);
        return outcome;
      },
    },
    {
      route: "DELETE /api/people/:id",
      file: "worker/directory/people-service.ts",
      async run(w, role, object) {
        const { person } = await personTarget(w, object);
        const outcome = outcomeOf(await api("DELETE", `/api/people/${person.id}`, { cookie: w.actors[role].cookie }));
        const p = await env.DB.prepare("SELECT removed_at FROM people WHERE id = ?1").bind(person.id).first<{ removed_at: number | null }>();
        if ((p!.removed_at !== null) !== (outcome === A)) throw new Error(`removed=${p!.removed_at !== null} after ${outcome}`);
        return outcome;
      },
    },
  ],
};

// ---------------------------------------------------------------- contacts.read

const READ_OBJECTS = ["staffF", "adminF", "staffG"] as const;
const reader = (w: World, object: string) => w.readers[object as keyof World["readers"]];
const facilityOf = (w: World, object: string) => (object === "staffG" ? w.G : w.F);
/** Whether a response shows the person's mobile, in any format (E.164 or national). */
/** Whether a text shows the person's mobile in any form: E.164, national digits, as people write it (090-1234-5678), or its tail. */
const shows = (text: string, p: TestPerson) =>
  [p.mobile!, nationalMobile(p.mobile!), phoneForPeople(p.mobile!), p.mobile!.slice(3)].some((form) => text.includes(form));

/** A path that answers a person's contacts when `url` shows them to the reader. */
function readsContacts(route: string, file: string, url: (w: World, object: string) => string, skip?: readonly string[]): Path {
  return {
    route,
    file,
    skip,
    async run(w, role, object) {
      const res = await api("GET", url(w, object), { cookie: w.actors[role].cookie });
      return outcomeOf(res) === A && shows(await res.text(), reader(w, object)) ? A : R;
    },
  };
}

/** Email and mobile: the network admin, and the admins and delegates of the person's facility; never the viewer, never other staff. */
const contactsRead: Operation = {
  sinks: ["contactsOf", "facilityRecipients", "phoneCheck", "phoneCheckPage", "exportRows"],
  objects: READ_OBJECTS,
  expected: {
    network_admin: { staffF: A, adminF: A, staffG: A },
    facility_admin: { staffF: A, adminF: A, staffG: R },
    delegate: { staffF: A, adminF: A, staffG: R },
    staff: { staffF: R, adminF: R, staffG: R },
    viewer: { staffF: R, adminF: R, staffG: R },
  },
  paths: [
    readsContacts("GET /api/people/:id", "worker/directory/people-service.ts", (w, object) => `/api/people/${reader(w, object).id}`),
    readsContacts(
      "GET /api/people",
      "worker/directory/people-service.ts",
      (w, object) => `/api/people?facilityId=${facilityOf(w, object)}&contacts=true&limit=200`,
    ),
    readsContacts(
      "GET /api/rollcalls/:id/people/:personId",
      "worker/board/drilldown.ts",
      (w, object) => `/api/rollcalls/${w.rollcalls.both}/people/${reader(w, object).id}`,
    ),
    readsContacts(
      "GET /api/rollcalls/:id/facilities/:facilityId",
      "worker/board/drilldown.ts",
      (w, object) => `/api/rollcalls/${w.rollcalls.both}/facilities/${facilityOf(w, object)}`,
    ),
    readsContacts("GET /api/rollcalls/:id/export.csv", "worker/rollcall/export.ts", (w) => `/api/rollcalls/${w.rollcalls.both}/export.csv`),
    // The board's phone list names the facility admins with their mobiles.
    readsContacts("GET /api/rollcalls/:id/board", "worker/board/service.ts", (w) => `/api/rollcalls/${w.rollcalls.both}/board`, ["staffF", "staffG"]),
    readsContacts("GET /api/rollcalls/:id/board/phone-checks", "worker/board/service.ts", (w) => `/api/rollcalls/${w.rollcalls.both}/board/phone-checks`, [
      "staffF",
      "staffG",
    ]),
  ],
};

// ---------------------------------------------------------------- photo.read

/** Faces (§5): for the people one works with; the city viewer sees none. */
const photoRead: Operation = {
  sinks: ["PHOTOS.get"],
  objects: ["staffF", "staffG"],
  expected: {
    network_admin: { staffF: A, staffG: A },
    facility_admin: { staffF: A, staffG: R },
    delegate: { staffF: A, staffG: R },
    staff: { staffF: A, staffG: R },
    viewer: { staffF: R, staffG: R },
  },
  paths: [
    {
      route: "GET /api/people/:id/photo",
      file: "worker/profile/service.ts",
      async run(w, role, object) {
        return outcomeOf(await api("GET", `/api/people/${reader(w, object).id}/photo`, { cookie: w.actors[role].cookie }));
      },
    },
    {
      route: "GET /api/rollcalls/:id/people/:personId/photo",
      file: "worker/board/drilldown.ts",
      async run(w, role, object) {
        return outcomeOf(await api("GET", `/api/rollcalls/${w.rollcalls.both}/people/${reader(w, object).id}/photo`, { cookie: w.actors[role].cookie }));
      },
    },
  ],
};

// ---------------------------------------------------------------- board.read

/** A roll-call's board: the network admin and the city everything; facility admins the roll-calls that reach their facility. */
const boardRead: Operation = {
  sinks: ["buildBoard", "exportRows", "facilityExportRows"],
  objects: ["both", "onlyF", "onlyG"],
  expected: {
    network_admin: { both: A, onlyF: A, onlyG: A },
    viewer: { both: A, onlyF: A, onlyG: A },
    facility_admin: { both: A, onlyF: A, onlyG: R },
    delegate: { both: A, onlyF: A, onlyG: R },
    staff: { both: R, onlyF: R, onlyG: R },
  },
  paths: [
    {
      route: "GET /api/rollcalls/:id/board",
      file: "worker/board/routes.ts",
      async run(w, role, object) {
        return outcomeOf(await api("GET", `/api/rollcalls/${w.rollcalls[object as keyof World["rollcalls"]]}/board`, { cookie: w.actors[role].cookie }));
      },
    },
    ...(["facilities", "non-responders"] as const).map(
      (list): Path => ({
        route: `GET /api/rollcalls/:id/board/${list}`,
        file: "worker/board/routes.ts",
        async run(w, role, object) {
          return outcomeOf(
            await api("GET", `/api/rollcalls/${w.rollcalls[object as keyof World["rollcalls"]]}/board/${list}`, { cookie: w.actors[role].cookie }),
          );
        },
      }),
    ),
    {
      route: "GET /api/rollcalls/:id/live",
      file: "worker/board/object.ts",
      async run(w, role, object) {
        const res = await api("GET", `/api/rollcalls/${w.rollcalls[object as keyof World["rollcalls"]]}/live`, {
          cookie: w.actors[role].cookie,
          headers: { upgrade: "websocket" },
        });
        if (res.status === 101) {
          res.webSocket!.accept();
          res.webSocket!.close(1000, "done");
          return A;
        }
        return outcomeOf(res);
      },
    },
    {
      route: "GET /api/rollcalls/:id",
      file: "worker/rollcall/service.ts",
      async run(w, role, object) {
        return outcomeOf(await api("GET", `/api/rollcalls/${w.rollcalls[object as keyof World["rollcalls"]]}`, { cookie: w.actors[role].cookie }));
      },
    },
    ...(["export.csv", "facilities.csv"] as const).map(
      (file): Path => ({
        route: `GET /api/rollcalls/:id/${file}`,
        file: "worker/rollcall/export.ts",
        async run(w, role, object) {
          return outcomeOf(await api("GET", `/api/rollcalls/${w.rollcalls[object as keyof World["rollcalls"]]}/${file}`, { cookie: w.actors[role].cookie }));
        },
      }),
    ),
  ],
};

export const OPERATIONS: Record<string, Operation> = {
  "role.change": roleChange,
  "person.edit": personEdit,
  "member.remove": memberRemove,
  "contacts.read": contactsRead,
  "photo.read": photoRead,
  "board.read": boardRead,
  ...patientOperations,
};
