/**
 * The roll-call's Durable Object as the runtime sees it: a thin class that loads the
 * real one (board/object.ts, with the board, the roll-call engine and their schemas
 * behind it) on its first call, so a Worker isolate starts without evaluating them
 * (issue 12: start-up CPU). Every method the runtime or a stub calls is forwarded
 * as it is; the object's state lives in `ctx.storage` and the sockets in `ctx`, which
 * both share, so nothing changes for callers.
 */
import { DurableObject } from "cloudflare:workers";
import type { RollCallObject as Impl } from "./object";

type Args<K extends keyof Impl> = Impl[K] extends (...a: infer A) => unknown ? A : never;

export class RollCallObject extends DurableObject<Env> {
  #impl: Promise<Impl> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Keep-alive pings are answered by the runtime without waking (or loading) the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  private impl(): Promise<Impl> {
    this.#impl ??= import("./object").then((m) => new m.RollCallObject(this.ctx, this.env));
    return this.#impl;
  }

  async start(...a: Args<"start">) {
    return (await this.impl()).start(...a);
  }
  async close(...a: Args<"close">) {
    return (await this.impl()).close(...a);
  }
  async noteReply(...a: Args<"noteReply">) {
    return (await this.impl()).noteReply(...a);
  }
  async noteDeliveries(...a: Args<"noteDeliveries">) {
    return (await this.impl()).noteDeliveries(...a);
  }
  async noteChange(...a: Args<"noteChange">) {
    return (await this.impl()).noteChange(...a);
  }
  async facilityPage(...a: Args<"facilityPage">) {
    return (await this.impl()).facilityPage(...a);
  }
  async allocateResendWave(...a: Args<"allocateResendWave">) {
    return (await this.impl()).allocateResendWave(...a);
  }
  async status(...a: Args<"status">) {
    return (await this.impl()).status(...a);
  }
  override async alarm(): Promise<void> {
    return (await this.impl()).alarm();
  }
  override async fetch(request: Request): Promise<Response> {
    return (await this.impl()).fetch(request);
  }
  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    return (await this.impl()).webSocketMessage(ws, message);
  }
  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    return (await this.impl()).webSocketClose(ws, code, reason);
  }
  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    return (await this.impl()).webSocketError(ws, error);
  }
}
