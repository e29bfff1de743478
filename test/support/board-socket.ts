/** A board client for the tests: opens the live socket through the worker and collects what it receives. */
import { afterEach, expect, vi } from "vitest";
import { applyChanges } from "../../worker/board/apply";
import type { Board, ServerMessage as WireMessage } from "../../worker/board/messages";
import { api } from "./http";

/** A message as the client holds it: an update carries the board with its changes applied (worker/board/apply.ts), as the admin UI shows it. */
export type ServerMessage = WireMessage & { board: Board };

export class BoardSocket {
  readonly messages: ServerMessage[] = [];
  /** The board as the client holds it now. */
  board: Board | null = null;
  readonly raw: string[] = [];
  closed: { code: number; reason: string } | null = null;

  constructor(readonly ws: WebSocket) {
    ws.addEventListener("message", (e) => {
      const text = typeof e.data === "string" ? e.data : new TextDecoder().decode(e.data as ArrayBuffer);
      this.raw.push(text);
      if (text === "pong") return;
      const m = JSON.parse(text) as WireMessage;
      if (m.type === "snapshot") this.board = m.board;
      else if (this.board) this.board = applyChanges(this.board, m.changes);
      else return;
      this.messages.push({ ...m, board: this.board });
    });
    ws.addEventListener("close", (e) => {
      this.closed = { code: e.code, reason: e.reason };
    });
    ws.accept();
  }

  get last(): ServerMessage | undefined {
    return this.messages[this.messages.length - 1];
  }

  /** Waits until a message satisfies `test` (within `timeout` ms) and answers it. */
  async until(test: (m: ServerMessage) => boolean, timeout = 5_000): Promise<ServerMessage> {
    return vi.waitFor(
      () => {
        const m = [...this.messages].reverse().find(test);
        expect(m, "no matching board message yet").toBeDefined();
        return m!;
      },
      { timeout, interval: 20 },
    );
  }

  close(): void {
    try {
      this.ws.close(1000, "done");
    } catch {
      // already closed
    }
  }
}

/** Opens `GET /api/rollcalls/{id}/live` as a browser would; answers the socket, or the refusing response. */
export async function openBoard(rollcallId: number, cookie?: string, headers: Record<string, string> = {}): Promise<BoardSocket> {
  const res = await api("GET", `/api/rollcalls/${rollcallId}/live`, { cookie, headers: { upgrade: "websocket", ...headers } });
  if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade refused: ${res.status} ${await res.text()}`);
  return new BoardSocket(res.webSocket);
}

export async function refusedUpgrade(
  rollcallId: number,
  cookie?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; code: string | undefined }> {
  const res = await api("GET", `/api/rollcalls/${rollcallId}/live`, { cookie, headers: { upgrade: "websocket", ...headers } });
  res.webSocket?.accept();
  res.webSocket?.close();
  const body = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
  return { status: res.status, code: body.error?.code };
}

/**
 * An opener of boards for a file's tests, each closed after its test: call it at the
 * file's top (it adds the afterEach). With `snapshot`, a board is answered once its
 * snapshot came.
 */
export function boardOpener({ snapshot = false } = {}) {
  const open: BoardSocket[] = [];
  afterEach(() => {
    for (const b of open.splice(0)) b.close();
  });
  return async (rollcallId: number, cookie: string, headers?: Record<string, string>): Promise<BoardSocket> => {
    const b = await openBoard(rollcallId, cookie, headers);
    open.push(b);
    if (snapshot) await b.until((m) => m.type === "snapshot");
    return b;
  };
}
