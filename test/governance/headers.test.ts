/**
 * Issue 10, finding 10 (headers and edges): the admin UI's CSP (admin-ui/public/_headers,
 * read back through the ASSETS binding as the assets layer serves it), the worker's own
 * pages' CSP, API docs only where the API_DOCS setting allows, and plain 404s under the
 * worker's prefixes (they answered 500 "Can't modify immutable headers").
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../../worker/app";
import { apiDocsMode } from "../../worker/system/docs";
import { servedByWorker, styleHash } from "../../worker/system/headers";
import { adminsWithoutMfa } from "../support/db";
import { makeFacility, makePerson, signedIn } from "../support/factories";
import { api } from "../support/http";
import { makeRollcall } from "../fakes/rollcall";
import { replyToken } from "../../worker/reply/token";

const directives = (csp: string | null): Map<string, string[]> =>
  new Map(
    (csp ?? "")
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name!.toLowerCase(), values]),
  );

function expectFrameAndSniffHeaders(res: Response) {
  expect(res.headers.get("x-frame-options")).toBe("DENY");
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  expect(res.headers.get("referrer-policy")).toBe("no-referrer");
}

describe("the admin UI (static assets, admin-ui/public/_headers)", () => {
  // The worker hands paths outside its prefixes to the ASSETS binding untouched, as the
  // assets layer serves them in front of the worker in production. The headers come from
  // admin-ui/dist/_headers, which `npm run build` copies from admin-ui/public/_headers.
  for (const path of ["/", "/index.html", "/board", "/rollcalls/12/board"]) {
    it(`${path}: the SPA's HTML with a CSP (self only, no inline script or style, no framing)`, async () => {
      const res = await api("GET", path, { headers: { "sec-fetch-mode": "navigate", accept: "text/html" } });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      expect(await res.text()).toContain('<div id="app">');
      const csp = directives(res.headers.get("content-security-policy"));
      expect(csp.size, "no CSP on the UI: is admin-ui/dist older than admin-ui/public/_headers? Run `npm run build`.").toBeGreaterThan(0);
      expect(csp.get("default-src")).toEqual(["'self'"]);
      expect(csp.get("script-src")).toEqual(["'self'"]);
      expect(csp.get("style-src")).toEqual(["'self'"]);
      expect(csp.get("img-src")).toEqual(["'self'", "data:", "blob:"]);
      expect(csp.get("connect-src")).toEqual(["'self'"]);
      expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
      expect(csp.get("base-uri")).toEqual(["'none'"]);
      expect(csp.get("form-action")).toEqual(["'self'"]);
      expectFrameAndSniffHeaders(res);
    });
  }

  it("the built index.html has no inline script or style the CSP would block", async () => {
    const page = await (await api("GET", "/index.html")).text();
    for (const m of page.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
      expect(m[1], "every script is a file").toMatch(/\bsrc=/);
      expect(m[2]!.trim()).toBe("");
    }
    expect(page).not.toMatch(/<style\b/);
    expect(page).not.toMatch(/\sstyle=/);
    expect(page).not.toMatch(/\son[a-z]+=/);
  });
});

describe("the worker's own pages", () => {
  let replyPath = "";
  let joinPath = "";
  beforeAll(async () => {
    await adminsWithoutMfa();
    const f = await makeFacility();
    const staff = await makePerson({ facilityId: f });
    const rc = await makeRollcall({ people: [{ id: staff.id, facilityId: f }] });
    replyPath = `/r/${await replyToken(env, rc.id, rc.salt, staff.id)}`;
    const admin = await signedIn({ facilityId: f, role: "admin" });
    const res = await api("POST", "/api/invitations", {
      cookie: admin.cookie,
      body: { facilityId: f, name: "見出し 花子", email: `csp${Date.now()}@example.org` },
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: number };
    const msg = await env.DB.prepare("SELECT link FROM direct_messages WHERE kind = 'invitation' ORDER BY id DESC LIMIT 1").first<{ link: string }>();
    expect(id).toBeGreaterThan(0);
    joinPath = new URL(msg!.link).pathname;
  });

  const pages = () =>
    [
      ["reply page", replyPath, 200],
      ["join page", joinPath, 200],
      ["verify page (unknown link)", `/verify/${"A".repeat(43)}`, 404],
      ["password reset page (unknown link)", `/reset/${"A".repeat(43)}`, 404],
      ["API reference", "/api/docs", 200],
      ["404 under /r", "/r/a/b/c", 404],
    ] as const;

  it("carry a CSP that allows no script, no framing, and exactly their own inline style sheet", async () => {
    for (const [what, path, status] of pages()) {
      const res = await api("GET", path);
      expect(res.status, what).toBe(status);
      const body = await res.text();
      const csp = directives(res.headers.get("content-security-policy"));
      expect(csp.get("default-src"), what).toEqual(["'none'"]);
      expect(csp.has("script-src"), what).toBe(false);
      expect(csp.get("frame-ancestors"), what).toEqual(["'none'"]);
      expect(csp.get("base-uri"), what).toEqual(["'none'"]);
      expect(csp.get("form-action"), what).toEqual(["'self'"]);
      expect(csp.get("style-src"), what).not.toContain("'unsafe-inline'");
      const styles = [...body.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
      expect(styles.length, what).toBeGreaterThan(0);
      for (const css of styles) expect(csp.get("style-src"), `${what}: its <style> is admitted by hash`).toContain(styleHash(css));
      expect(body, what).not.toMatch(/<script\b/);
      expectFrameAndSniffHeaders(res);
    }
  });

  it("every route the worker registers is under a prefix it serves itself (wrangler.toml run_worker_first)", () => {
    const outside = [...new Set(app.routes.map((r) => r.path))].filter((p) => p !== "*" && p !== "/*" && !servedByWorker(p.replace(/\/\*$/, "/x")));
    expect(outside).toEqual([]);
  });
});

describe("paths under the worker's prefixes that match no route: 404, never 500", () => {
  for (const path of ["/r/", "/r/x/y", "/r/abc/def/ghi", "/join/", "/join/a/b", "/verify/", "/verify/a/b/c", "/reset/", "/reset/a/b"]) {
    for (const method of ["GET", "POST"]) {
      it(`${method} ${path}: a small Japanese 404 page`, async () => {
        const res = await api(method, path, method === "POST" ? { body: "a=1", headers: { "content-type": "application/x-www-form-urlencoded" } } : {});
        expect(res.status).toBe(404);
        expect(res.headers.get("content-type")).toMatch(/^text\/html/);
        const page = await res.text();
        expect(page).toContain('<html lang="ja">');
        expect(page).toContain("ページが見つかりません");
        expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      });
    }
  }
  for (const path of ["/webhooks", "/webhooks/", "/webhooks/nope", "/webhooks/twilio/other", "/api/nope"]) {
    it(`POST ${path}: JSON 404`, async () => {
      const res = await api("POST", path, { body: "x=1", headers: { "content-type": "application/x-www-form-urlencoded" } });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: { code: "not_found", message: "このURLはありません。" } });
    });
  }
});

describe("the API description (API_DOCS)", () => {
  it("is public in local and test, network admins elsewhere unless API_DOCS says otherwise", () => {
    expect(apiDocsMode({ APP_ENV: "local" })).toBe("public");
    expect(apiDocsMode({ APP_ENV: "test" })).toBe("public");
    expect(apiDocsMode({ APP_ENV: "production" })).toBe("admins");
    expect(apiDocsMode({ APP_ENV: "staging" })).toBe("admins");
    expect(apiDocsMode({ APP_ENV: "production", API_DOCS: "public" })).toBe("public");
    expect(apiDocsMode({ APP_ENV: "production", API_DOCS: " OFF " })).toBe("off");
    expect(apiDocsMode({ APP_ENV: "local", API_DOCS: "admins" })).toBe("admins");
    expect(apiDocsMode({ APP_ENV: "production", API_DOCS: "yes" })).toBe("admins");
  });

  describe("in production", () => {
    const production = { APP_ENV: "production" } as Partial<Env>;
    let admin: string, staff: string, facilityAdmin: string;
    beforeAll(async () => {
      await adminsWithoutMfa();
      const f = await makeFacility();
      admin = (await signedIn({ globalRole: "network_admin" })).cookie;
      staff = (await signedIn({ facilityId: f, role: "staff" })).cookie;
      facilityAdmin = (await signedIn({ facilityId: f, role: "admin" })).cookie;
    });

    for (const path of ["/api/openapi.json", "/api/docs"]) {
      it(`${path}: 401 anonymous, 403 to other roles, 200 to a network admin`, async () => {
        const anon = await api("GET", path, { env: production });
        expect(anon.status).toBe(401);
        expect(await anon.text()).not.toContain('/api/session"');
        for (const cookie of [staff, facilityAdmin]) {
          const res = await api("GET", path, { env: production, cookie });
          expect(res.status).toBe(403);
          expect(((await res.json()) as { error: { code: string } }).error.code).toBe("role_forbidden");
        }
        const ok = await api("GET", path, { env: production, cookie: admin });
        expect(ok.status).toBe(200);
        expect(await ok.text()).toContain("/api/session");
      });

      it(`${path}: 404 with API_DOCS=off even to a network admin; anyone with API_DOCS=public`, async () => {
        expect((await api("GET", path, { env: { ...production, API_DOCS: "off" }, cookie: admin })).status).toBe(404);
        expect((await api("GET", path, { env: { ...production, API_DOCS: "public" } })).status).toBe(200);
      });
    }
  });
});
