/**
 * Issue 10, finding 10 (last bullet): answers that reveal whether a contact exists
 * (409 "belongs to another account") let anyone signed in test addresses one by one.
 * They are now limited per person and per client address (cf-connecting-ip); past the
 * limit every add answers 429, for a free address too, so the refusal reveals nothing.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { clock } from "../../worker/lib/clock";
import { CONTACT_PROBES_PER_ADDRESS_PER_HOUR, CONTACT_PROBES_PER_PERSON_PER_HOUR } from "../../worker/auth/ratelimit";
import { adminsWithoutMfa, count } from "../support/db";
import { makeFacility, makePerson, signedIn } from "../support/factories";
import { api, errorOf, signIn } from "../support/http";

let facility: number;
let taken: { email: string; mobile: string };
beforeAll(async () => {
  await adminsWithoutMfa();
  facility = await makeFacility();
  const other = await makePerson({ facilityId: facility });
  taken = { email: other.email!, mobile: other.mobile! };
});

let ip = 0;
/** A client address no earlier test used (documentation range 198.51.100.0/24). */
const freshIp = () => `198.51.100.${++ip}`;
let n = 0;
const freeEmail = () => `probe-free-${++n}@example.org`;

const add = (cookie: string, address: string, body: { kind: "email" | "mobile"; value: string }) =>
  api("POST", "/api/me/contacts", { cookie, body, headers: { "cf-connecting-ip": address } });

describe("409 'belongs to another account' is rate-limited", () => {
  it(`per person: after ${CONTACT_PROBES_PER_PERSON_PER_HOUR} such answers in an hour, every add is 429 (a free address too); an hour later it works again`, async () => {
    const me = await signedIn({ facilityId: facility });
    for (let i = 0; i < CONTACT_PROBES_PER_PERSON_PER_HOUR; i++) {
      // From changing addresses: the person's own count stops them.
      const res = await add(me.cookie, freshIp(), i % 2 ? { kind: "email", value: taken.email } : { kind: "mobile", value: taken.mobile });
      expect(res.status, `probe ${i + 1}`).toBe(409);
      expect(await errorOf(res)).toMatchObject({ code: "conflict", field: "value" });
    }
    for (const body of [
      { kind: "email", value: taken.email },
      { kind: "email", value: freeEmail() },
    ] as const) {
      const res = await add(me.cookie, freshIp(), body);
      expect(res.status).toBe(429);
      const e = await errorOf(res);
      expect(e).toMatchObject({ code: "too_many_requests", field: "value" });
      expect(e.message).toMatch(/しばらく/);
    }
    // Nothing was added meanwhile.
    expect(await count("SELECT id FROM contacts WHERE person_id = ?1 AND removed_at IS NULL AND value LIKE 'probe-free-%'", me.id)).toBe(0);
    // The limiter keeps keys, not addresses in clear of the probed contacts.
    const rows = await env.DB.prepare("SELECT key FROM rate_limit_events").all<{ key: string }>();
    expect(JSON.stringify(rows.results)).not.toContain(taken.email);

    clock.advance(3_600_000 + 1);
    const cookie = await signIn(me.email!);
    expect((await add(cookie, freshIp(), { kind: "email", value: freeEmail() })).status).toBe(201);
  });

  it("a person's own address ('yours already') is not counted", async () => {
    const me = await signedIn({ facilityId: facility });
    for (let i = 0; i < CONTACT_PROBES_PER_PERSON_PER_HOUR + 5; i++)
      expect((await add(me.cookie, freshIp(), { kind: "email", value: me.email! })).status).toBe(409);
    expect((await add(me.cookie, freshIp(), { kind: "email", value: freeEmail() })).status).toBe(201);
  });

  it(`per client address: ${CONTACT_PROBES_PER_ADDRESS_PER_HOUR} such answers from one address, spread over several people, stop that address only`, async () => {
    const address = freshIp();
    const per = CONTACT_PROBES_PER_PERSON_PER_HOUR - 5;
    const people = Math.ceil(CONTACT_PROBES_PER_ADDRESS_PER_HOUR / per);
    let answered = 0;
    for (let p = 0; p < people; p++) {
      const prober = await signedIn({ facilityId: facility });
      for (let i = 0; i < per && answered < CONTACT_PROBES_PER_ADDRESS_PER_HOUR; i++, answered++)
        expect((await add(prober.cookie, address, { kind: "email", value: taken.email })).status).toBe(409);
    }
    const fresh = await signedIn({ facilityId: facility });
    const blocked = await add(fresh.cookie, address, { kind: "email", value: freeEmail() });
    expect(blocked.status).toBe(429);
    expect((await errorOf(blocked)).field).toBe("value");
    // The same person from another address is not stopped.
    expect((await add(fresh.cookie, freshIp(), { kind: "email", value: freeEmail() })).status).toBe(201);
  });
});
