/*
 * The staff app's service worker logic, loaded by /sw.js with importScripts (a
 * classic script: module service workers are not everywhere yet) and imported by
 * test/sw.test.ts, which drives it with a fake scope against the real Worker.
 *
 * What it does: shows each push as a notification (roll-call one-tap answers as
 * notification actions where the platform has them), posts a chosen answer to
 * `${url}/action`, acknowledges test messages on arrival, and opens the page on a
 * tap. It reads only the payload's fields named in worker/delivery/types.ts
 * (PushPayload), talks only to its own origin and caches nothing: no personal
 * data is kept on the phone beyond the notification itself.
 */
((root) => {
  /** Which answers stay when the platform shows fewer buttons than offered (Chrome shows two): the usual answer and the call for help; the page has the rest. */
  var ACTION_PRIORITY = ["safe_yes", "need_help", "safe_no"];
  var ICON = "/icons/icon-192.png";
  var BADGE = "/icons/badge-96.png";
  /** Shown when a push cannot be read (a platform that requires every push to show something). */
  var FALLBACK = { title: "安否確認", url: "/" };

  function isString(v) {
    return typeof v === "string";
  }

  /** The URL when it is on our origin, else null: the worker never talks to anyone else. */
  function ownUrl(url, origin) {
    if (!isString(url)) return null;
    try {
      const u = new URL(url, origin);
      return u.origin === origin ? u.href : null;
    } catch (_e) {
      return null;
    }
  }

  /** The payload from a push event's data (PushMessageData, a JSON string or an object), or null when it is not ours. */
  function readPayload(data) {
    var p = data;
    try {
      if (p && typeof p.json === "function") p = p.json();
      else if (isString(p)) p = JSON.parse(p);
    } catch (_e) {
      return null;
    }
    if (!p || typeof p !== "object" || !isString(p.title) || !isString(p.url)) return null;
    return p;
  }

  /**
   * What to show for a payload: [title, options]. `maxActions` is the platform's
   * Notification.maxActions (undefined where actions are unknown: offered as given).
   */
  function notificationFor(payload, origin, maxActions) {
    var url = ownUrl(payload.url, origin) || `${origin}/`;
    var type = isString(payload.type) ? payload.type : "rollcall";
    var offered = Array.isArray(payload.actions) ? payload.actions.filter((a) => a && isString(a.action) && isString(a.title)) : [];
    // One-tap answers only go where they can be posted: our own reply link.
    if (!ownUrl(payload.url, origin)) offered = [];
    var shown = offered;
    if (typeof maxActions === "number" && offered.length > maxActions) {
      const keep = offered
        .slice()
        .sort((a, b) => rank(a.action) - rank(b.action))
        .slice(0, Math.max(0, maxActions));
      shown = offered.filter((a) => keep.indexOf(a) >= 0);
    }
    var titles = {};
    offered.forEach((a) => {
      titles[a.action] = a.title;
    });
    var options = {
      body: isString(payload.body) ? payload.body : "",
      tag: isString(payload.tag) ? payload.tag : undefined,
      lang: isString(payload.lang) ? payload.lang : undefined,
      icon: ICON,
      badge: BADGE,
      // A roll-call stays until it is answered or dismissed; a repeat (same tag) alerts again.
      requireInteraction: type === "rollcall",
      renotify: isString(payload.tag) && type !== "test",
      actions: shown.map((a) => ({ action: a.action, title: a.title })),
      data: {
        type: type,
        url: url,
        titles: titles,
        sent: isString(payload.sent) ? payload.sent : null,
        failed: isString(payload.failed) ? payload.failed : null,
      },
    };
    if (!options.tag) delete options.tag;
    if (!options.lang) delete options.lang;
    return [payload.title, options];
  }

  function rank(action) {
    var i = ACTION_PRIORITY.indexOf(action);
    return i < 0 ? ACTION_PRIORITY.length : i;
  }

  /** The arrival acknowledgement of a test message: [url, init], or null when there is none to send. */
  function ackRequest(payload, origin) {
    if (payload.type !== "test") return null;
    var url = ownUrl(payload.ackUrl, origin);
    return url ? [url, { method: "POST", credentials: "omit", cache: "no-store" }] : null;
  }

  /**
   * What a click does: post the chosen answer, or open the page. `data` is the
   * notification's data (from notificationFor); `action` the clicked button ("" for the body).
   */
  function clickPlan(data, action, origin) {
    var url = (data && ownUrl(data.url, origin)) || `${origin}/`;
    if (action && data?.titles && Object.hasOwn(data.titles, action) && ownUrl(data.url, origin)) {
      return {
        kind: "post",
        url: url,
        request: [
          `${url.replace(/\/+$/, "")}/action`,
          {
            method: "POST",
            credentials: "omit",
            cache: "no-store",
            headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded" },
            body: `action=${encodeURIComponent(action)}`,
          },
        ],
        title: data.titles[action],
      };
    }
    return { kind: "open", url: url };
  }

  /** The short notification after a one-tap answer: [title, options]; tapping it opens the page. */
  function confirmationFor(data, answerTitle, ok, tag) {
    var text = ok ? data.sent || "✓ {answer}" : data.failed || `⚠ ${FALLBACK.title}`;
    var options = { body: "", icon: ICON, badge: BADGE, data: { type: "confirmation", url: data.url, titles: {} } };
    if (tag) options.tag = tag;
    return [text.replace("{answer}", answerTitle), options];
  }

  function openPage(scope, url) {
    return scope.clients.matchAll({ type: "window", includeUncontrolled: true }).then((list) => {
      for (let i = 0; i < list.length; i++) {
        if (list[i].url === url && typeof list[i].focus === "function") return list[i].focus();
      }
      return scope.clients.openWindow ? scope.clients.openWindow(url) : undefined;
    });
  }

  function maxActionsOf(scope) {
    var N = scope.Notification;
    return N && typeof N.maxActions === "number" ? N.maxActions : undefined;
  }

  function onPush(scope, data) {
    var origin = scope.location.origin;
    var payload = readPayload(data);
    if (!payload) return scope.registration.showNotification(FALLBACK.title, { data: { type: "unknown", url: origin + FALLBACK.url, titles: {} } });
    var shown = notificationFor(payload, origin, maxActionsOf(scope));
    var ack = ackRequest(payload, origin);
    return Promise.all([
      scope.registration.showNotification(shown[0], shown[1]),
      // The arrival counts for readiness even if showing fails; a failed acknowledgement is only a missing tick.
      ack ? scope.fetch(ack[0], ack[1]).catch(() => null) : null,
    ]);
  }

  function onClick(scope, notification, action) {
    var origin = scope.location.origin;
    var data = notification.data || {};
    var plan = clickPlan(data, action, origin);
    notification.close();
    if (plan.kind === "open") return openPage(scope, plan.url);
    return scope
      .fetch(plan.request[0], plan.request[1])
      .then(
        (res) => res.ok,
        () => false,
      )
      .then((ok) => {
        var c = confirmationFor(data, plan.title, ok, notification.tag);
        return scope.registration.showNotification(c[0], c[1]);
      });
  }

  /** Wires the handlers onto a ServiceWorkerGlobalScope (or a test's fake of one). */
  function install(scope) {
    scope.addEventListener("install", () => {
      if (scope.skipWaiting) scope.skipWaiting();
    });
    scope.addEventListener("activate", (event) => {
      if (scope.clients?.claim) event.waitUntil(scope.clients.claim());
    });
    scope.addEventListener("push", (event) => {
      event.waitUntil(onPush(scope, event.data));
    });
    scope.addEventListener("notificationclick", (event) => {
      event.waitUntil(onClick(scope, event.notification, event.action || ""));
    });
  }

  root.anpiSw = {
    ACTION_PRIORITY: ACTION_PRIORITY,
    readPayload: readPayload,
    notificationFor: notificationFor,
    ackRequest: ackRequest,
    clickPlan: clickPlan,
    confirmationFor: confirmationFor,
    install: install,
  };
})(typeof self !== "undefined" ? self : globalThis);
