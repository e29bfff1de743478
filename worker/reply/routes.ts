import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { route } from "../auth/access";
import type { AppEnv } from "../env";
import { domainApp } from "../lib/app";
import { ApiError } from "../lib/errors";
import { noStore } from "../messages/page";
import {
  answeredPage,
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
import { checkAnswers, findReplyPage, isOpen, recordByLink, type ReplyContext, type ReplyPage } from "./service";

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
  request: {
    params: TokenParam,
    query: z.object({
      change: z.string().max(10).optional().openapi({ description: "1: the form filled with the last answer (else an answered link shows 回答済み)" }),
    }),
  },
  responses: { 200: page("The answer form; 回答済み with the last answer once answered; or the closed notice"), 404: page("Unknown or malformed link") },
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

/** The page's context: the link's owner, the network's name (who is asking), and their patient checks' counts. */
const contextOf = (page: ReplyPage): ReplyContext & PageContext => ({ ...page.context, networkName: page.settings.networkName, patients: page.patients });

async function pageContext(c: Context<AppEnv>, token: string): Promise<(ReplyContext & PageContext) | null> {
  const page = await findReplyPage(c.env, token);
  return page ? contextOf(page) : null;
}

/** Reply pages at /r/{token} (server-rendered, no JavaScript needed). Proxy replies live with the roll-call routes. */
export const replyRoutes = domainApp();
replyRoutes.use("/r/*", bodyLimit({ maxSize: 16 * 1024 }));
replyRoutes
  .openapi(show, async (c) => {
    noStore(c);
    const ctx = await pageContext(c, c.req.valid("param").token);
    if (!ctx) return c.html(notFoundPage(), 404);
    const last = ctx.last;
    if (!isOpen(ctx.rollcall)) return c.html(closedPage(ctx, last), 200);
    if (!last) return c.html(formPage(ctx, {}), 200);
    // Answered: the answer first, and 変更する for the form (filled with it).
    if (c.req.valid("query").change !== "1") return c.html(answeredPage(ctx, last), 200);
    return c.html(formPage(ctx, formFromAnswers(last.answers, last.comment), { previous: last }), 200);
  })
  .openapi(submit, async (c) => {
    noStore(c);
    const token = c.req.valid("param").token;
    const values = await formValues(c);
    // The confirm: recorded in one round trip when the link was read here before (recordByLink).
    // Refused (closed, or an answer to mend), the page below reads the link again and says why.
    let refused: ApiError | null = null;
    if (values.confirm === "1" && !values.edit) {
      try {
        const done = await recordByLink(c.env, token, { answers: answersFromForm(values), comment: values.comment ?? "" }, waitUntilOf(c));
        if (!done) return c.html(notFoundPage(), 404);
        return c.html(donePage(contextOf(done.page), done.reply), 200);
      } catch (err) {
        if (!(err instanceof ApiError) || (err.code !== "closed" && err.status !== 400)) throw err;
        refused = err;
      }
    }
    const found = await pageContext(c, token);
    if (!found) return c.html(notFoundPage(), 404);
    const ctx: PageContext = found;
    if (!isOpen(found.rollcall) || refused?.code === "closed") return c.html(closedPage(ctx, found.last), 409);
    if (values.edit) return c.html(formPage(ctx, values), 200);
    try {
      if (refused) throw refused;
      const { answers, comment } = checkAnswers(found.rollcall.template, found.recipient, answersFromForm(values), values.comment ?? "");
      return c.html(confirmPage(ctx, answers, comment), 200);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 400) throw err;
      const field = err.field ?? "answers";
      const code = err.code === "required" || err.code === "too_long" ? err.code : "invalid";
      return c.html(formPage(ctx, values, { error: { field, code } }), 400);
    }
  });
