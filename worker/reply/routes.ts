import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { route } from "../auth/access";
import type { AppEnv } from "../env";
import { domainApp } from "../lib/app";
import { ApiError } from "../lib/errors";
import {
  answersFromForm,
  closedPage,
  confirmPage,
  donePage,
  FORM_FIELDS,
  formFromAnswers,
  formPage,
  notFoundPage,
  type FormValues,
  type PageContext,
} from "./page";
import { checkAnswers, findRecipientByToken, isOpen, recordReply } from "./service";

const TokenParam = z.object({
  token: z
    .string()
    .max(200)
    .openapi({ param: { name: "token", in: "path" }, example: "3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAA" }),
});
const page = (description: string) => ({ description, content: { "text/html": { schema: z.string() } } });

const show = route({
  method: "get",
  path: "/r/{token}",
  summary: "Reply page (server-rendered, works without JavaScript)",
  tags: ["replies"],
  access: "public", // the token is the proof: 192 bits, stored hashed, valid for one roll-call
  request: { params: TokenParam },
  responses: { 200: page("The answer form, or the closed notice"), 404: page("Unknown or malformed link") },
});

const submit = route({
  method: "post",
  path: "/r/{token}",
  summary: "Reply: without confirm=1 shows what will be sent; with confirm=1 records it",
  tags: ["replies"],
  access: "public",
  request: { params: TokenParam },
  responses: {
    200: page("Confirm page, or the recorded answer"),
    400: page("A field is missing or too long (named on the page)"),
    404: page("Unknown or malformed link"),
    409: page("The roll-call has closed"),
  },
});

async function formValues(c: Context<AppEnv>): Promise<FormValues & { confirm?: string; edit?: string }> {
  const body = await c.req.parseBody();
  const out: Record<string, string> = {};
  for (const k of [...FORM_FIELDS, "confirm", "edit"]) {
    const v = body[k];
    if (typeof v === "string") out[k] = v;
  }
  return out;
}

/** The request's waitUntil (absent outside a request, e.g. when a test calls the app directly). */
function waitUntilOf(c: Context<AppEnv>): ((p: Promise<unknown>) => void) | undefined {
  try {
    const ctx = c.executionCtx;
    return (p) => ctx.waitUntil(p);
  } catch {
    return undefined;
  }
}

function noStore(c: Context<AppEnv>) {
  c.header("cache-control", "no-store");
  c.header("x-robots-tag", "noindex");
}

/** Reply pages at /r/{token} (server-rendered, no JavaScript needed). Proxy replies live with the roll-call routes. */
export const replyRoutes = domainApp();
replyRoutes.use("/r/*", bodyLimit({ maxSize: 16 * 1024 }));
replyRoutes
  .openapi(show, async (c) => {
    noStore(c);
    const found = await findRecipientByToken(c.env, c.req.valid("param").token);
    if (!found) return c.html(notFoundPage(), 404);
    const ctx: PageContext = found;
    const last = found.last;
    if (!isOpen(found.rollcall)) return c.html(closedPage(ctx, last), 200);
    return c.html(formPage(ctx, last ? formFromAnswers(last.answers, last.comment) : {}, last ? { previous: last } : {}), 200);
  })
  .openapi(submit, async (c) => {
    noStore(c);
    const found = await findRecipientByToken(c.env, c.req.valid("param").token);
    if (!found) return c.html(notFoundPage(), 404);
    const ctx: PageContext = found;
    if (!isOpen(found.rollcall)) {
      return c.html(closedPage(ctx, found.last), 409);
    }
    const values = await formValues(c);
    if (values.edit) return c.html(formPage(ctx, values), 200);
    try {
      const { answers, comment } = checkAnswers(found.rollcall.template, found.recipient, answersFromForm(values), values.comment ?? "");
      if (values.confirm !== "1") return c.html(confirmPage(ctx, answers, comment), 200);
      const reply = await recordReply(
        c.env,
        { rollcallId: found.rollcall.id, personId: found.recipient.personId, answers, comment, via: "link" },
        { context: found, waitUntil: waitUntilOf(c) },
      );
      return c.html(donePage(ctx, reply), 200);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.code === "closed") return c.html(closedPage(ctx, null), 409);
      if (err.status !== 400) throw err;
      const field = err.field ?? "answers";
      const code = err.code === "required" || err.code === "too_long" ? err.code : "invalid";
      return c.html(formPage(ctx, values, { error: { field, code } }), 400);
    }
  });
