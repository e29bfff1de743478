/// <reference types="vite/client" />
/**
 * The staff app's service worker (admin-ui/public/sw-core.js, loaded by sw.js) run
 * against a fake ServiceWorkerGlobalScope whose fetch goes to the real Worker: the
 * payload comes from the roll-call renderer, the one-tap answer lands in D1 through
 * POST /r/{token}/action, the test message's arrival through POST /api/push/ack.
 */
import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import "../admin-ui/public/sw-core.js";
import { insertTest } from "../worker/push/data";
import { randomToken, sha256Hex } from "../worker/lib/crypto";
import { renderFor } from "../worker/rollcall/render";
import { fillTokenHashes } from "../worker/rollcall/tokens";
import { clock } from "../worker/lib/clock";
import { addPush, adminsWithoutMfa } from "./support/db";
import { makeNetwork, openRollcall, signedIn } from "./support/factories";
import { api, ORIGIN } from "./support/http";

interface Shown {
  title: string;
  options: {
    body?: string;
    tag?: string;
    lang?: string;
    requireInteraction?: boolean;
    renotify?: boolean;
    actions?: { action: string; title: string }[];
    data: { type: string; url: string; titles: Record<string, string>; sent: string | null; failed: string | null };
  };
}
type Listener = (event: Record<string, unknown>) => void;
/** fetch() options as a browser takes them (workerd's RequestInit lacks credentials). */
type BrowserInit = RequestInit & { credentials?: string; cache?: string };
interface SwCore {
  ACTION_PRIORITY: string[];
  install(scope: unknown): void;
}
const sw = (globalThis as unknown as { anpiSw: SwCore }).anpiSw;

/** What a browser gives the worker, recorded; fetch goes to the Worker under test (same origin only). */
class FakeScope {
  readonly location = { origin: ORIGIN };
  readonly shown: Shown[] = [];
  readonly opened: string[] = [];
  readonly fetched: { url: string; init: BrowserInit }[] = [];
  readonly listeners = new Map<string, Listener[]>();
  Notification: { maxActions?: number } = {};
  readonly registration = {
    showNotification: async (title: string, options: Shown["options"]) => {
      this.shown.push({ title, options });
    },
  };
  readonly clients = {
    matchAll: async () => [],
    openWindow: async (url: string) => {
      this.opened.push(url);
      return null;
    },
    claim: async () => undefined,
  };
  skipWaiting() {}
  readonly fetch = async (url: string, init: BrowserInit): Promise<Response> => {
    this.fetched.push({ url, init });
    if (new URL(url).origin !== ORIGIN) throw new TypeError("the test network reaches only our origin");
    // workerd's Request takes no `cache`/`credentials`; the browser's meaning is asserted on `fetched`.
    return exports.default.fetch(new Request(url, { method: init.method, headers: init.headers, body: init.body }));
  };
  addEventListener(type: string, fn: Listener) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  async dispatch(type: string, props: Record<string, unknown>): Promise<void> {
    const waits: Promise<unknown>[] = [];
    for (const fn of this.listeners.get(type) ?? []) fn({ ...props, waitUntil: (p: Promise<unknown>) => waits.push(p) });
    await Promise.all(waits);
  }
  /** A push as the browser hands it over after decrypting: PushMessageData with json(). */
  push(payload: unknown) {
    const text = typeof payload === "string" ? payload : JSON.stringify(payload);
    return this.dispatch("push", { data: { json: () => JSON.parse(text), text: () => text } });
  }
  /** A tap on notification `i` (as shown), on its body ("") or on one of its buttons. */
  click(i: number, action = "") {
    const n = this.shown[i]!;
    return this.dispatch("notificationclick", { action, notification: { data: n.options.data, tag: n.options.tag, close() {} } });
  }
}

function scope(maxActions?: number): FakeScope {
  const s = new FakeScope();
  if (maxActions !== undefined) s.Notification.maxActions = maxActions;
  sw.install(s);
  return s;
}

let networkAdmin: string;
beforeAll(async () => {
  await adminsWithoutMfa();
  networkAdmin = (await signedIn({ globalRole: "network_admin" })).cookie;
});

const lastReply = (rollcallId: number, personId: number) =>
  env.DB.prepare("SELECT r.answers, r.via FROM rollcall_recipients x JOIN replies r ON r.id = x.last_reply_id WHERE x.rollcall_id = ?1 AND x.person_id = ?2")
    .bind(rollcallId, personId)
    .first<{ answers: string; via: string }>();

/** A roll-call push payload exactly as the delivery domain sends it (JSON, decrypted). */
async function rollcallPush(lang = "ja") {
  const net = await makeNetwork([{ lang }]);
  const id = await openRollcall(networkAdmin, { scope: { facilityIds: [net.facilityId] }, title: "M6.8 Tama" });
  const person = net.staff[0]!;
  await fillTokenHashes(env, id, [person.id]); // as the plan page does before it queues the sends
  const m = await renderFor(env, id, person.id, "push", 1, "recipients");
  return { id, person, link: m.replyUrl, payload: JSON.stringify(m.push) };
}

describe("service worker: roll-call notifications", () => {
  it("shows the roll-call with its one-tap answers in the person's language, and a tap on one records it", async () => {
    const { id, person, link, payload } = await rollcallPush("vi");
    const s = scope(3);
    await s.push(payload);
    expect(s.shown).toHaveLength(1);
    const n = s.shown[0]!;
    expect(n.title).toBe("【訓練】DIỄN TẬP Xác nhận an toàn: M6.8 Tama"); // the sender (no networkName set: the service in the language) before the title
    expect(n.options).toMatchObject({ tag: `rollcall-${id}`, lang: "vi", requireInteraction: true, renotify: true });
    expect(n.options.actions).toEqual([
      { action: "safe_yes", title: "An toàn, đi làm được" },
      { action: "safe_no", title: "An toàn, không đi làm được" },
      { action: "need_help", title: "Cần hỗ trợ" },
    ]);
    expect(n.options.data.url).toBe(link);
    expect(s.fetched).toEqual([]); // showing a roll-call calls nobody

    await s.click(0, "safe_no");
    expect(s.fetched).toHaveLength(1);
    const { url, init } = s.fetched[0]!;
    expect(url).toBe(`${link}/action`);
    expect(init).toMatchObject({ method: "POST", credentials: "omit", cache: "no-store", body: "action=safe_no" });
    expect(JSON.parse((await lastReply(id, person.id))!.answers)).toEqual({ safety: "safe", availability: "no" });
    expect((await lastReply(id, person.id))!.via).toBe("push");
    // The confirmation replaces the roll-call notification (same tag) and opens the page on a tap.
    expect(s.shown[1]!.title).toBe("Đã gửi câu trả lời: An toàn, không đi làm được");
    expect(s.shown[1]!.options.tag).toBe(`rollcall-${id}`);
    expect(s.shown[1]!.options.actions).toBeUndefined();
    await s.click(1);
    expect(s.opened).toEqual([link]);
    expect(s.fetched).toHaveLength(1);
  });

  it("keeps the usual answer and the call for help where the platform shows two buttons", async () => {
    const { person, id, payload } = await rollcallPush("ja");
    const s = scope(2);
    await s.push(payload);
    expect(s.shown[0]!.options.actions!.map((a) => a.title)).toEqual(["無事・出勤可", "要支援"]);
    await s.click(0, "need_help");
    expect(JSON.parse((await lastReply(id, person.id))!.answers)).toEqual({ safety: "severe" });
    expect(s.shown[1]!.title).toBe("回答を送信しました：要支援");
  });

  it("opens the reply page on a tap on the body, or where the platform has no buttons", async () => {
    const { id, person, link, payload } = await rollcallPush("en");
    const ios = scope(0);
    await ios.push(payload);
    expect(ios.shown[0]!.options.actions).toEqual([]);
    await ios.click(0);
    expect(ios.opened).toEqual([link]);
    expect(ios.fetched).toEqual([]);
    expect(await lastReply(id, person.id)).toBeNull(); // opening is not answering

    const android = scope(3);
    await android.push(payload);
    await android.click(0, "");
    expect(android.opened).toEqual([link]);
    expect(android.fetched).toEqual([]);
  });

  it("says the answer did not go through when the roll-call has closed, and the tap opens the page", async () => {
    const { id, person, link, payload } = await rollcallPush("ja");
    expect((await api("POST", `/api/rollcalls/${id}/close`, { cookie: networkAdmin })).status).toBe(200);
    const s = scope(3);
    await s.push(payload);
    await s.click(0, "safe_yes");
    expect(s.fetched).toHaveLength(1);
    expect(await lastReply(id, person.id)).toBeNull();
    expect(s.shown[1]!.title).toBe("送信できませんでした。タップして回答ページを開いてください。");
    await s.click(1);
    expect(s.opened).toEqual([link]);
  });

  it("shows a notice or a digest without buttons and without holding the screen", async () => {
    const s = scope(3);
    await s.push({
      type: "notice",
      title: "【訓練】連絡",
      body: "内容を確認して「確認しました」を押してください。",
      url: `${ORIGIN}/r/${"A".repeat(32)}`,
      tag: "rollcall-9",
      lang: "ja",
    });
    expect(s.shown[0]!.options).toMatchObject({ requireInteraction: false, actions: [] });
    await s.click(0, "safe_yes"); // not offered: a stray action opens the page, posts nothing
    expect(s.fetched).toEqual([]);
    expect(s.opened).toEqual([`${ORIGIN}/r/${"A".repeat(32)}`]);
  });
});

describe("service worker: test messages", () => {
  it("acknowledges a test message on arrival, which the backend records for readiness", async () => {
    const net = await makeNetwork([{}]);
    const personId = net.staff[0]!.id;
    await addPush(personId);
    const sub = (await env.DB.prepare("SELECT id FROM push_subscriptions WHERE person_id = ?1").bind(personId).first<{ id: number }>())!;
    const token = randomToken(16);
    const testId = await insertTest(env.DB, sub.id, await sha256Hex(token), clock.now());
    const s = scope(2);
    await s.push({
      type: "test",
      title: "テスト通知",
      body: "この端末に安否確認の通知が届きます。",
      url: `${ORIGIN}/me/devices`,
      tag: `push-test-${testId}`,
      ackUrl: `${ORIGIN}/api/push/ack?token=${token}`,
    });
    expect(s.shown).toHaveLength(1);
    expect(s.shown[0]!.title).toBe("テスト通知");
    expect(s.shown[0]!.options).toMatchObject({ requireInteraction: false, renotify: false, actions: [] });
    expect(s.fetched.map((f) => [f.url, f.init.method, f.init.credentials])).toEqual([[`${ORIGIN}/api/push/ack?token=${token}`, "POST", "omit"]]);
    const row = await env.DB.prepare("SELECT arrived_at FROM push_tests WHERE id = ?1").bind(testId).first<{ arrived_at: number | null }>();
    expect(row!.arrived_at).not.toBeNull();
  });
});

describe("service worker: only our origin, nothing kept", () => {
  it("never calls another origin, even when a payload names one", async () => {
    const s = scope(3);
    await s.push({ type: "test", title: "x", body: "", url: "https://evil.example/r/abc", tag: "t", ackUrl: "https://evil.example/ack" });
    await s.push({
      type: "rollcall",
      title: "y",
      body: "",
      url: "https://evil.example/r/abc",
      tag: "u",
      actions: [{ action: "safe_yes", title: "無事・出勤可" }],
    });
    expect(s.shown.map((n) => n.options.actions)).toEqual([[], []]);
    await s.click(1, "safe_yes");
    expect(s.fetched).toEqual([]);
    expect(s.opened).toEqual([`${ORIGIN}/`]);
  });

  it("still shows something for a push it cannot read (platforms drop subscriptions that stay silent)", async () => {
    const s = scope(3);
    await s.push("not json");
    await s.push({ body: "no title" });
    expect(s.shown.map((n) => n.title)).toEqual(["安否確認", "安否確認"]);
    await s.click(0);
    expect(s.opened).toEqual([`${ORIGIN}/`]);
  });

  it("handles no fetch event: it caches nothing and never sits between the app and the network", () => {
    const s = scope();
    expect([...s.listeners.keys()].sort()).toEqual(["activate", "install", "notificationclick", "push"]);
    const source = import.meta.glob("../admin-ui/public/sw*.js", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
    expect(Object.keys(source).sort()).toEqual(["../admin-ui/public/sw-core.js", "../admin-ui/public/sw.js"]);
    for (const text of Object.values(source)) expect(text).not.toMatch(/\bcaches\.|indexedDB|localStorage|addEventListener\("fetch"/);
    expect(source["../admin-ui/public/sw.js"]).toContain('importScripts("/sw-core.js")');
  });
});

describe("web app manifest", () => {
  const manifest = JSON.parse(
    (import.meta.glob("../admin-ui/public/manifest.webmanifest", { query: "?raw", import: "default", eager: true }) as Record<string, string>)[
      "../admin-ui/public/manifest.webmanifest"
    ]!,
  ) as {
    name: string;
    short_name: string;
    start_url: string;
    scope: string;
    display: string;
    icons: { src: string; sizes: string; type: string; purpose: string }[];
  };
  const pngs = import.meta.glob("../admin-ui/public/icons/*.png", { query: "?inline", import: "default", eager: true }) as Record<string, string>;

  /** Width and height from a PNG's IHDR. */
  function pngSize(dataUrl: string): [number, number] {
    const bytes = Uint8Array.from(atob(dataUrl.slice(dataUrl.indexOf(",") + 1)), (c) => c.charCodeAt(0));
    expect([...bytes.slice(1, 4)].map((b) => String.fromCharCode(b)).join("")).toBe("PNG");
    const view = new DataView(bytes.buffer);
    return [view.getUint32(16), view.getUint32(20)];
  }

  it("makes the app installable on a home screen (standalone, 192 and 512 icons, a maskable one)", () => {
    expect(manifest).toMatchObject({ name: "安否確認", short_name: "安否確認", start_url: "/", scope: "/", display: "standalone" });
    for (const icon of manifest.icons.filter((i) => i.type === "image/png")) {
      const file = pngs[`../admin-ui/public${icon.src}`];
      expect(file, icon.src).toBeDefined();
      const [w, h] = pngSize(file!);
      expect(`${w}x${h}`, icon.src).toBe(icon.sizes);
    }
    expect(manifest.icons.map((i) => `${i.sizes} ${i.purpose}`)).toEqual(expect.arrayContaining(["192x192 any", "512x512 any", "512x512 maskable"]));
    expect(pngSize(pngs["../admin-ui/public/icons/apple-touch-icon.png"]!)).toEqual([180, 180]);
    expect(pngSize(pngs["../admin-ui/public/icons/badge-96.png"]!)).toEqual([96, 96]);
  });
});
