/**
 * API steps the browser tests take outside the screen under test (setting up a drill,
 * reading the sandbox outbox), through the page's own cookies.
 */
import assert from "node:assert/strict";

/** JSON from the API, failing the test with the server's error on a non-2xx answer. */
export async function apiJson(page, method, path, body) {
  const res = await page.request.fetch(path, {
    method,
    data: body === undefined ? undefined : body,
    headers: body === undefined ? {} : { "content-type": "application/json" },
  });
  const text = await res.text();
  assert.ok(res.ok(), `${method} ${path} answered ${res.status()}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

/** A drill for one facility, confirmed (sending starts). */
export async function startDrill(page, facilityId, title) {
  const draft = await apiJson(page, "POST", "/api/rollcalls", { title, message: "", template: "safety", scope: { facilityIds: [facilityId] }, drill: true });
  await apiJson(page, "POST", `/api/rollcalls/${draft.rollcall.id}/confirm`);
  return draft.rollcall.id;
}

/** The roll-call's outbox once the queue has written it (polls up to ~20 s). */
export async function outboxOf(page, rollcallId, enough = (items) => items.length > 0) {
  for (let i = 0; i < 40; i++) {
    const r = await apiJson(page, "GET", `/api/outbox?rollcall=${rollcallId}&limit=1000`);
    if (enough(r.items)) return r.items;
    await page.waitForTimeout(500);
  }
  assert.fail(`the outbox of roll-call ${rollcallId} stayed short`);
}

/** Messages outside roll-calls (invitations, codes, tests), newest first, until `pick` finds one. */
export async function directMessage(page, kind, pick = () => true) {
  for (let i = 0; i < 40; i++) {
    const r = await apiJson(page, "GET", `/api/outbox/messages?kind=${kind}&limit=50`);
    const m = r.items.find(pick);
    if (m) return m;
    await page.waitForTimeout(500);
  }
  assert.fail(`no ${kind} message arrived in the outbox`);
}

/** The facility a role's demo account belongs to (its first). */
export async function facilityOf(browserContext, account) {
  const page = await browserContext.newPage();
  const me = await apiJson(page, "POST", "/api/session", { email: account.email, password: account.password });
  await page.close();
  assert.ok(me.facilities[0], `${account.email} has a facility`);
  return me.facilities[0].facilityId;
}

/** Phone numbers (E.164 or Japanese notation) and email addresses. */
export const CONTACT_PATTERN = /(\+81\d{9,10}|0[789]0[-‐ー－]?\d{4}[-‐ー－]?\d{4}|[\w.+-]+@[\w-]+\.[\w.-]+)/;
