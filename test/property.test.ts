/**
 * Property-based tests (fast-check) on every input boundary: reply forms, inbound SMS,
 * CSV import rows, API bodies, CAP and JMA documents. Whatever comes in: no 5xx, every
 * rejection a 4xx (JSON naming the field where the answer is JSON), nothing half-written,
 * and no markup stored that renders as HTML where people read it.
 */
import { createExecutionContext, env } from "cloudflare:test";
import fc from "fast-check";
import twilio from "twilio";
import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../worker/app";
import { parseSmsReply } from "../worker/delivery/sms-parse";
import { renderFor } from "../worker/rollcall/render";
import { parseCapAlert } from "../worker/triggers/cap/parse";
import { parseJmaReport } from "../worker/triggers/jma/parse";
import { twilioFake, type TwilioAccount } from "./fakes/client";
import { makeRollcall } from "./fakes/rollcall";
import { cap } from "./fixtures/cap";
import { jma } from "./fixtures/jma";
import { adminsWithoutMfa, replyPath } from "./support/db";
import { makeFacility, makePerson, signedIn } from "./support/factories";
import { api, ORIGIN, postForm } from "./support/http";
import { csvText, upload } from "./support/import";

const RUNS = { numRuns: 30, seed: 20260901 };

/** Markup that would run or show if it reached a page unescaped. */
const MARKUP = [
  "<script>alert(1)</script>",
  '"><img src=x onerror=alert(1)>',
  "<svg/onload=alert(1)>",
  "</textarea><script>x</script>",
  '<a href="javascript:alert(1)">x</a>',
  "<iframe src=//evil.example>",
  "'><b onmouseover=alert(1)>b</b>",
];
const RAW_MARKERS = [/<script/i, /<img\s/i, /<svg/i, /<iframe/i, /<b onmouseover/i, /<a href="javascript/i];
const markupOrText = fc.oneof(
  fc.constantFrom(...MARKUP),
  fc.string({ maxLength: 80 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.constantFrom("", " ", "１", "無事", "safe", "yes", "no"),
);

const unescapedIn = (html: string) => RAW_MARKERS.filter((r) => r.test(html)).map(String);

let facility: number;
let admin: { id: number; cookie: string };
let network: string;
beforeAll(async () => {
  await adminsWithoutMfa();
  facility = await makeFacility();
  admin = await signedIn({ facilityId: facility, role: "admin" });
  network = (await signedIn({ globalRole: "network_admin" })).cookie;
});

describe("reply form (POST /r/{token})", () => {
  it("any fields: 200, 400 or 409, never 5xx, and what it echoes or stores never renders as HTML", async () => {
    const people = [];
    for (let i = 0; i < 4; i++) people.push(await makePerson({ facilityId: facility, password: null }));
    const rc = await makeRollcall({ people: people.map((p, i) => ({ id: p.id, facilityId: facility, isFacilityAdmin: i === 0 })) });
    const paths = await Promise.all(people.map((p) => replyPath(rc.id, p.id)));
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: paths.length - 1 }),
        fc.record(
          {
            safety: markupOrText,
            availability: markupOrText,
            arrival: markupOrText,
            comment: markupOrText,
            collapse: markupOrText,
            staffing: markupOrText,
            facilityComment: markupOrText,
            water: markupOrText,
            confirm: fc.constantFrom("1", "", "0"),
            edit: fc.constantFrom("", "1"),
          },
          { requiredKeys: [] },
        ),
        async (who, fields) => {
          const res = await postForm(paths[who]!, fields as Record<string, string>);
          expect([200, 400, 409]).toContain(res.status);
          const html = await res.text();
          expect(unescapedIn(html)).toEqual([]);
          const page = await api("GET", paths[who]!);
          expect(page.status).toBe(200);
          expect(unescapedIn(await page.text())).toEqual([]);
        },
      ),
      RUNS,
    );
    // Stored comments with markup: the email and push of a later wave, and the export, carry it as text.
    const res = await postForm(paths[1]!, { safety: "safe", comment: MARKUP[0]!, confirm: "1" });
    expect(res.status).toBe(200);
    const csv = await api("GET", `/api/rollcalls/${rc.id}/export.csv`, { cookie: network });
    expect(csv.status).toBe(200);
    const text = await csv.text();
    expect(text).toContain("<script>alert(1)</script>"); // a CSV is text, not HTML
    // No cell may start a spreadsheet formula.
    for (const cell of text.split(/[\r\n,]+/)) expect(cell.replace(/^"/, "")).not.toMatch(/^[=+@]/);
  });

  it("a token of any shape is a 404 page, never a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ minLength: 1, maxLength: 60 }), fc.stringMatching(/^[A-Za-z0-9_-]{32}$/)), async (token) => {
        const path = `/r/${encodeURIComponent(token)}`;
        const get = await api("GET", path);
        expect([404]).toContain(get.status);
        const post = await postForm(path, { safety: "safe", confirm: "1" });
        expect([404, 413]).toContain(post.status);
      }),
      RUNS,
    );
  });
});

describe("inbound SMS", () => {
  it("the parser takes any text without throwing", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.string({ unit: "grapheme", maxLength: 50 }),
          fc.constantFrom(
            "1 1",
            "１　１",
            "無事",
            "ぶじ",
            "OK",
            "2",
            "3 3 遅れます",
            "無事です、すぐ行けます",
            "行けません",
            "軽いけがです 午後から出られます",
          ),
        ),
        (body) => {
          const r = parseSmsReply(body);
          if (r === null) return;
          // Safety, availability, or both (availability alone is asked back for the safety).
          expect(r.safety !== undefined || r.availability !== undefined).toBe(true);
          if (r.safety !== undefined) expect(["safe", "minor", "severe"]).toContain(r.safety);
          if (r.availability !== undefined) expect(["yes", "conditional", "no"]).toContain(r.availability);
        },
      ),
      { numRuns: 500, seed: 1 },
    );
  });

  it("signed webhooks with any body: 200 TwiML that never carries markup, one reply at most per message", async () => {
    const acct: TwilioAccount = await twilioFake.account();
    const p = await makePerson({ facilityId: facility, password: null });
    const rc = await makeRollcall({ people: [{ id: p.id, facilityId: facility }] });
    const url = `${ORIGIN}/webhooks/twilio/sms`;
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(markupOrText, fc.constantFrom("1 1", `1 ${MARKUP[1]}`, `無事 ${MARKUP[0]}`)), async (body) => {
        const sid = `SM${String(++n).padStart(32, "0")}`;
        const params = { AccountSid: acct.sid, Body: body, From: p.mobile!, MessageSid: sid, To: "+15005550006" };
        const signature = twilio.getExpectedTwilioSignature(acct.token, url, params);
        const before = await replies(rc.id);
        const res = await app.fetch(
          new Request(url, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature },
            body: new URLSearchParams(params),
          }),
          { ...env, ...twilioFake.env(acct) },
          createExecutionContext(),
        );
        expect(res.status).toBe(200);
        const xml = await res.text();
        expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><Response>(<Message>[^<]*<\/Message>)?<\/Response>$/);
        expect((await replies(rc.id)) - before).toBeLessThanOrEqual(1);
      }),
      RUNS,
    );
  });
});

const replies = (id: number) =>
  env.DB.prepare("SELECT COUNT(*) AS n FROM replies WHERE rollcall_id = ?1")
    .bind(id)
    .first<number>("n")
    .then((n) => n ?? 0);
const peopleCount = () => env.DB.prepare("SELECT COUNT(*) AS n FROM people").first<number>("n");

describe("CSV import preview", () => {
  it("any rows: 200 with per-row problems, or a 4xx naming the field; never 5xx; nothing written", async () => {
    const header = ["氏名", "フリガナ", "事業所名", "職種", "携帯電話", "メールアドレス", "役割"];
    const cell = fc.oneof(markupOrText, fc.constantFrom("090-1234-5678", "０９０１２３４５６７８", "a@example.jp", "管理者", "一般", '"', "=1+1", "\r\n"));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(cell, { minLength: 0, maxLength: 9 }), { minLength: 0, maxLength: 6 }), fc.boolean(), async (rows, withHeader) => {
        const before = await peopleCount();
        const { status, body } = await upload("preview", csvText(withHeader ? [header, ...rows] : rows), admin.cookie);
        expect(status).toBeLessThan(500);
        if (status === 200) expect(body.committed).toBe(false);
        else expect(body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
        if (status === 400) expect(typeof body.error!.field).toBe("string");
        expect(await peopleCount()).toBe(before);
      }),
      RUNS,
    );
  });
});

/** JSON-ish values an attacker or a buggy client might send. */
const jsonish = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.record(
    {
      name: markupOrText,
      kana: markupOrText,
      email: markupOrText,
      mobile: markupOrText,
      facilityId: fc.oneof(fc.integer(), fc.constant(0)),
      role: markupOrText,
      lang: markupOrText,
    },
    { requiredKeys: [] },
  ),
);

function expectClear4xx(status: number, body: { error?: { code?: unknown; message?: unknown; field?: unknown } }) {
  expect(status).toBeGreaterThanOrEqual(400);
  expect(status).toBeLessThan(500);
  expect(typeof body.error?.code).toBe("string");
  expect(typeof body.error?.message).toBe("string");
  if (status === 400 && body.error?.code === "invalid") expect(typeof body.error?.field).toBe("string");
}

describe("API bodies", () => {
  it("POST /api/people: 201 or a clear 4xx; a refused body writes nothing; a stored name is text on the reply page and in the email", async () => {
    let created = 0;
    await fc.assert(
      fc.asyncProperty(jsonish, fc.boolean(), async (raw, ownFacility) => {
        const body = ownFacility && raw && typeof raw === "object" && !Array.isArray(raw) ? { ...raw, facilityId: facility } : raw;
        const before = await peopleCount();
        const res = await api("POST", "/api/people", { cookie: admin.cookie, body: JSON.stringify(body), headers: { "content-type": "application/json" } });
        expect(res.status).toBeLessThan(500);
        const json = (await res.json()) as { id?: number; error?: { code: string; message: string; field?: string } };
        if (res.status === 201) created++;
        else {
          expectClear4xx(res.status, json);
          expect(await peopleCount()).toBe(before);
        }
      }),
      RUNS,
    );
    void created;
    // A name made of markup, created through the API, then rendered where people read it.
    const res = await api("POST", "/api/people", {
      cookie: admin.cookie,
      body: { name: MARKUP[1], facilityId: facility, email: `markup${Date.now()}@example.jp` },
    });
    expect(res.status).toBe(201);
    const person = (await res.json()) as { id: number };
    const rc = await makeRollcall({ people: [{ id: person.id, facilityId: facility }], title: MARKUP[0] });
    const page = await api("GET", await replyPath(rc.id, person.id));
    expect(unescapedIn(await page.text())).toEqual([]);
    const mail = await renderFor(env, rc.id, person.id, "email", 1, "recipients");
    expect(unescapedIn(mail.html ?? "")).toEqual([]);
    expect(mail.text).toContain(MARKUP[1]); // the text part keeps it as typed
  });

  it("POST /api/rollcalls: 201 draft or a clear 4xx; a refused body creates nothing and nothing is ever sent", async () => {
    const count = () => env.DB.prepare("SELECT COUNT(*) AS n FROM rollcalls").first<number>("n");
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.record(
        {
          title: markupOrText,
          message: markupOrText,
          template: fc.oneof(fc.constantFrom("safety", "notice", "db:0", "db:99999999", "../x"), markupOrText),
          drill: fc.oneof(fc.boolean(), markupOrText),
          scope: fc.oneof(
            fc.constant({ facilityIds: [facility] }),
            fc.constant({ all: true }),
            fc.constant({}),
            fc.jsonValue({ maxDepth: 2 }),
            fc.record({ facilityIds: fc.array(fc.integer(), { maxLength: 3 }) }),
          ),
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(body, async (raw) => {
        const before = await count();
        const deliveries = await env.DB.prepare("SELECT COUNT(*) AS n FROM deliveries").first<number>("n");
        const res = await api("POST", "/api/rollcalls", { cookie: admin.cookie, body: JSON.stringify(raw), headers: { "content-type": "application/json" } });
        expect(res.status).toBeLessThan(500);
        const json = (await res.json()) as { rollcall?: { state: string }; error?: { code: string; message: string } };
        if (res.status === 201) expect(json.rollcall!.state).toBe("draft");
        else {
          expectClear4xx(res.status, json);
          expect(await count()).toBe(before);
        }
        expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM deliveries").first<number>("n")).toBe(deliveries);
      }),
      RUNS,
    );
  });

  it("a body that is not JSON at all is a 400 naming no field but a code, never a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 100 }), fc.constantFrom("/api/people", "/api/rollcalls", "/api/groups"), async (text, path) => {
        const res = await api("POST", path, { cookie: admin.cookie, body: text, headers: { "content-type": "application/json" } });
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) expectClear4xx(res.status, (await res.json()) as { error?: { code?: unknown; message?: unknown } });
      }),
      RUNS,
    );
  });
});

/** A document mutated the way a broken or hostile sender would: cut, spliced, entity-laden. */
function mutated(doc: string) {
  return fc.oneof(
    fc.nat({ max: doc.length }).map((n) => doc.slice(0, n)),
    fc.tuple(fc.nat({ max: doc.length }), markupOrText).map(([at, s]) => doc.slice(0, at) + s + doc.slice(at)),
    fc.tuple(fc.nat({ max: doc.length }), fc.nat({ max: 200 })).map(([at, len]) => doc.slice(0, at) + doc.slice(at + len)),
    fc.constantFrom(
      '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xxxxxxxxxx"><!ENTITY y "&x;&x;&x;&x;&x;&x;&x;&x;">]><alert>&y;</alert>',
      '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"></alert>',
      "",
      "not xml",
    ),
    fc.string({ maxLength: 300 }),
  );
}

describe("CAP and JMA documents", () => {
  it("the parsers answer ok or a problem for any document, never throw", () => {
    const docs = [cap.alert, ...Object.values(jma)];
    fc.assert(
      fc.property(
        fc.constantFrom(...docs).chain((d) => mutated(d)),
        (xml) => {
          for (const parse of [parseCapAlert, parseJmaReport]) {
            const r = parse(xml);
            if (!r.ok) expect(typeof r.error.code).toBe("string");
          }
        },
      ),
      { numRuns: 300, seed: 3 },
    );
  });
});
