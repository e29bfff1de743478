/**
 * Web Push on this device: the service worker (/sw.js, served from the site root so
 * it controls every page) and the subscription the backend stores per device.
 */

/** Registers /sw.js once; resolves to null where service workers are not available (old browsers, http). */
export async function registerServiceWorker(): Promise<ServiceWorkerRegistration | null> {
  if (!("serviceWorker" in navigator)) return null;
  try {
    return await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  } catch {
    return null;
  }
}

export type PushSupport = "ok" | "no-sw" | "no-push" | "ios-needs-home-screen" | "denied";

/** Whether this browser can take push notifications, and if not, why (shown to the person). */
export function pushSupport(): PushSupport {
  if (!("serviceWorker" in navigator)) return "no-sw";
  const ios = /iPhone|iPad|iPod/.test(navigator.userAgent);
  const standalone = (navigator as Navigator & { standalone?: boolean }).standalone === true || matchMedia("(display-mode: standalone)").matches;
  if (!("PushManager" in window)) return ios && !standalone ? "ios-needs-home-screen" : "no-push";
  if (typeof Notification !== "undefined" && Notification.permission === "denied") return "denied";
  return "ok";
}

/** The VAPID public key (base64url) as the bytes pushManager.subscribe wants. */
export function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const pad = "=".repeat((4 - (base64url.length % 4)) % 4);
  const raw = atob((base64url + pad).replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

/** Asks for permission and subscribes (or returns the existing subscription). */
export async function subscribe(publicKey: string): Promise<PushSubscriptionJSON> {
  const reg =
    (await registerServiceWorker()) ??
    (() => {
      throw new Error("no service worker");
    })();
  await navigator.serviceWorker.ready;
  if (typeof Notification !== "undefined" && Notification.permission !== "granted") {
    const p = await Notification.requestPermission();
    if (p !== "granted") throw new Error("permission");
  }
  const existing = await reg.pushManager.getSubscription();
  const sub = existing ?? (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) }));
  return sub.toJSON();
}

/** This browser's own subscription endpoint, to mark "this device" in the list. */
export async function currentEndpoint(): Promise<string | null> {
  if (!("serviceWorker" in navigator)) return null;
  const reg = await navigator.serviceWorker.getRegistration("/");
  const sub = await reg?.pushManager.getSubscription();
  return sub?.endpoint ?? null;
}

/** A first guess at a device name the person can change: "Android", "iPhone", "Windows のパソコン"… */
export function guessDeviceName(pc: string): string {
  const ua = navigator.userAgent;
  if (/iPhone/.test(ua)) return "iPhone";
  if (/iPad/.test(ua)) return "iPad";
  if (/Android/.test(ua)) return "Android";
  if (/Mac OS X/.test(ua)) return `Mac ${pc}`.trim();
  if (/Windows/.test(ua)) return `Windows ${pc}`.trim();
  if (/Linux|CrOS/.test(ua)) return `Linux ${pc}`.trim();
  // The suffix alone ("のパソコン") reads as a fragment: drop its particle.
  return pc.replace(/^の/, "");
}
