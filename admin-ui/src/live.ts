/**
 * Keeps a roll-call's board fresh: the board's WebSocket (one Durable Object per
 * roll-call pushes every change within a second), reconnecting with backoff, and
 * polling the same board as JSON while the socket cannot connect.
 *
 * The protocol is worker/board/messages.ts; its numbers are repeated here (a value
 * import would pull zod into the bundle).
 */
import { applyChanges } from "../../worker/board/apply";
import { api, ApiFailure } from "./api";
import type { BoardData, BoardServerMessage } from "./types";

const PING_EVERY_MS = 30_000;
const PONG_TIMEOUT_MS = 10_000;
const FALLBACK_AFTER_FAILURES = 3;
const CLOSE_SESSION_ENDED = 4401;
const CLOSE_FORBIDDEN = 4403;
const RECONNECT_FIRST_MS = 1_000;
const RECONNECT_MAX_MS = 30_000;
const STABLE_AFTER_MS = 60_000;
const SOCKET_RETRY_WHILE_POLLING_MS = 60_000;
const POLL_EVERY_MS = 5_000;
/** At most one refresh a this often when an update names stale lists. */
const STALE_REFRESH_MS = 5_000;

export interface LiveHandle {
  stop(): void;
  /** Fetch now (after an action such as a resend or close). */
  refresh(): void;
}

/** A board's live handle: also merges pages the admin loaded into the board held, so later updates apply to them too. */
export interface BoardHandle extends LiveHandle {
  extend(merge: (board: BoardData) => BoardData): void;
}

/** How the board is kept fresh right now (shown on the board). */
export type LiveMode = "connecting" | "live" | "polling" | "stopped";

export interface PollOptions {
  intervalMs?: number;
}

/** Loads `load()` now and every `intervalMs` (slower while the tab is hidden). */
export function watch<T>(load: () => Promise<T>, onData: (data: T) => void, onError: (err: unknown) => void, opts: PollOptions = {}): LiveHandle {
  const interval = opts.intervalMs ?? POLL_EVERY_MS;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight = false;

  async function tick() {
    if (stopped || inFlight) return;
    inFlight = true;
    clearTimeout(timer);
    try {
      const data = await load();
      if (!stopped) onData(data);
    } catch (err) {
      if (!stopped) onError(err);
    } finally {
      inFlight = false;
      if (!stopped) timer = setTimeout(tick, document.hidden ? interval * 3 : interval);
    }
  }
  void tick();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
    refresh() {
      void tick();
    },
  };
}

/** Why a board stopped for good: the session ended (4401 / 401), or no longer allowed (4403 / 403). */
export type BoardEnd = "session" | "forbidden";

export interface BoardWatchOptions {
  onBoard: (board: BoardData) => void;
  onError: (err: unknown) => void;
  /** The board may no longer be shown: drop it and say why. Nothing is retried after this. */
  onEnded?: (why: BoardEnd) => void;
  onMode?: (mode: LiveMode) => void;
  /** Test hook and escape hatch: never open the socket, only poll. */
  pollOnly?: boolean;
}

/** 1 s doubling to 30 s, ±20% jitter so a room of boards does not reconnect in step. */
export function backoffMs(attempt: number): number {
  const base = Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** attempt);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/** The live board of roll-call `id`: the socket first, polling `GET /api/rollcalls/{id}/board` as the fallback. */
export function watchBoard(id: number, opts: BoardWatchOptions): BoardHandle {
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/rollcalls/${id}/live`;
  let stopped = false;
  let ws: WebSocket | null = null;
  let failures = 0; // failed connects in a row (fallback to polling after a few)
  let attempt = 0; // backoff step; reset after a connection that lived a while
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  let pongTimer: ReturnType<typeof setTimeout> | undefined;
  let poller: LiveHandle | null = null;
  let lastSeq = -1;
  /** The board as shown: a snapshot (or a polled board) with the updates since merged in. */
  let current: BoardData | null = null;
  let staleAt = 0;

  const mode = (m: LiveMode) => opts.onMode?.(m);
  const pollBoard = () => api.get<BoardData>(`/api/rollcalls/${id}/board`);
  const show = (b: BoardData) => {
    current = b;
    opts.onBoard(b);
  };

  /** A failed load: signed out or not allowed ends the board (polling will not get better); anything else is shown and retried. */
  function failed(err: unknown) {
    if (err instanceof ApiFailure && (err.status === 401 || err.status === 403)) return ended(err.status === 401 ? "session" : "forbidden");
    opts.onError(err);
    if (err instanceof ApiFailure && err.status === 404) stop();
  }
  /** One load of the board as JSON (the socket's handshake hides its status: a refused one looks like any failed connect). */
  const pollOnce = () => pollBoard().then(show, failed);

  function startPolling() {
    if (poller || stopped) return;
    mode("polling");
    poller = watch(pollBoard, show, failed);
  }
  function stopPolling() {
    poller?.stop();
    poller = null;
  }

  function clearTimers() {
    clearTimeout(reconnectTimer);
    clearInterval(pingTimer);
    clearTimeout(pongTimer);
  }

  function connect() {
    if (stopped) return;
    let openedAt = 0;
    let socket: WebSocket;
    try {
      socket = new WebSocket(url);
    } catch {
      onDropped(1006);
      return;
    }
    ws = socket;
    lastSeq = -1;
    if (!poller) mode("connecting");
    socket.onopen = () => {
      openedAt = Date.now();
      failures = 0;
      stopPolling();
      mode("live");
      pingTimer = setInterval(() => {
        if (socket.readyState !== WebSocket.OPEN) return;
        socket.send("ping");
        clearTimeout(pongTimer);
        pongTimer = setTimeout(() => socket.close(4000, "no pong"), PONG_TIMEOUT_MS);
      }, PING_EVERY_MS);
    };
    socket.onmessage = (e: MessageEvent) => {
      if (e.data === "pong") {
        clearTimeout(pongTimer);
        return;
      }
      let msg: BoardServerMessage;
      try {
        msg = JSON.parse(String(e.data)) as BoardServerMessage;
      } catch {
        return;
      }
      if ((msg.type !== "snapshot" && msg.type !== "update") || msg.seq < lastSeq) return;
      lastSeq = msg.seq;
      if (msg.type === "snapshot") return show(msg.board);
      if (!current) return;
      show(applyChanges(current, msg.changes));
      // Too many rows changed to carry: the first pages again (a snapshot), at most every few seconds.
      if (msg.changes.stale.length && Date.now() - staleAt > STALE_REFRESH_MS && socket.readyState === WebSocket.OPEN) {
        staleAt = Date.now();
        socket.send(JSON.stringify({ type: "refresh" }));
      }
    };
    socket.onclose = (e: CloseEvent) => {
      if (ws !== socket) return;
      ws = null;
      clearInterval(pingTimer);
      clearTimeout(pongTimer);
      if (openedAt && Date.now() - openedAt >= STABLE_AFTER_MS) attempt = 0;
      onDropped(e.code, openedAt > 0);
    };
  }

  function onDropped(code: number, wasOpen = false) {
    if (stopped) return;
    if (code === CLOSE_SESSION_ENDED || code === CLOSE_FORBIDDEN) {
      ended(code === CLOSE_SESSION_ENDED ? "session" : "forbidden");
      return;
    }
    if (!wasOpen) failures++;
    if (failures >= FALLBACK_AFTER_FAILURES) {
      startPolling();
      reconnectTimer = setTimeout(connect, SOCKET_RETRY_WHILE_POLLING_MS);
      return;
    }
    reconnectTimer = setTimeout(connect, backoffMs(attempt++));
    // Nothing shown yet and the socket failed: fetch once so the screen is not empty.
    if (!wasOpen && failures === 1) void pollOnce();
  }

  /** Stops for good; a session that ended also signs the UI out (the 401 of a session check), so the person signs in again. */
  function ended(why: BoardEnd) {
    stop();
    opts.onEnded?.(why);
    if (why === "session") api.get("/api/session").catch(() => {});
  }

  function stop() {
    stopped = true;
    clearTimers();
    stopPolling();
    const s = ws;
    ws = null;
    if (s && (s.readyState === WebSocket.OPEN || s.readyState === WebSocket.CONNECTING)) s.close(1000, "board closed");
    mode("stopped");
  }

  if (opts.pollOnly || typeof WebSocket === "undefined") startPolling();
  else connect();

  return {
    stop,
    refresh() {
      if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "refresh" }));
      else void pollOnce();
    },
    extend(merge) {
      if (current) show(merge(current));
    },
  };
}
