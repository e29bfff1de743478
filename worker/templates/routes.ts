import { z } from "@hono/zod-openapi";
import { auditIfChangedStatement, auditInsertedStatement } from "../audit/log";
import { authOf, route } from "../auth/access";
import { ADMINS } from "../auth/roles";
import { domainApp } from "../lib/app";
import { clock } from "../lib/clock";
import { badRequest, notFound } from "../lib/errors";
import { errorResponses, IdParam, jsonBody, jsonOk, OkSchema } from "../lib/schemas";
import { getCopy, insertCopyStatement, insertedCopyId, removeCopyStatement, updateCopyStatement } from "./data";
import { CopyTemplateSchema, EditTemplateSchema, TemplateSchema } from "./schemas";
import { listTemplates, resolveTemplate } from "./service";

const list = route({
  method: "get",
  path: "/api/templates",
  summary: "Message templates: the files and the admins' copies",
  tags: ["templates"],
  access: ADMINS, // the admins read the templates they start roll-calls with
  responses: { 200: jsonOk(z.object({ items: z.array(TemplateSchema) })), ...errorResponses },
});

const copy = route({
  method: "post",
  path: "/api/templates",
  summary: "Copy a template into D1 to edit it",
  tags: ["templates"],
  access: ["network_admin"],
  request: { body: jsonBody(CopyTemplateSchema) },
  responses: { 201: jsonOk(TemplateSchema, "Copied"), ...errorResponses },
});

const edit = route({
  method: "patch",
  path: "/api/templates/{id}",
  summary: "Edit an admin copy (name, wording, questions, waves)",
  tags: ["templates"],
  access: ["network_admin"],
  request: { params: IdParam, body: jsonBody(EditTemplateSchema) },
  responses: { 200: jsonOk(TemplateSchema), ...errorResponses },
});

const remove = route({
  method: "delete",
  path: "/api/templates/{id}",
  summary: "Remove an admin copy (roll-calls keep their snapshot)",
  tags: ["templates"],
  access: ["network_admin"],
  request: { params: IdParam },
  responses: { 200: jsonOk(OkSchema), ...errorResponses },
});

/** Message templates: the files in templates/ and admin copies in D1. */
export const templateRoutes = domainApp()
  .openapi(list, async (c) => c.json({ items: await listTemplates(c.env.DB) }, 200))
  .openapi(copy, async (c) => {
    const auth = authOf(c);
    const input = c.req.valid("json");
    const source = await resolveTemplate(c.env.DB, input.basedOn);
    if (!source) throw badRequest("basedOn", `basedOn: no template "${input.basedOn}".`);
    const now = clock.now();
    const basedOn = source.basedOn ?? source.ref;
    const [inserted] = await c.env.DB.batch([
      insertCopyStatement(c.env.DB, { name: input.name, basedOn, body: source.body, createdBy: auth.personId, now }),
      auditInsertedStatement(c.env.DB, { actorId: auth.personId, action: "template.copied", objectType: "template", detail: { basedOn: source.ref } }, insertedCopyId),
    ]);
    const id = (inserted!.results[0] as { id: number }).id;
    return c.json((await resolveTemplate(c.env.DB, `db:${id}`))!, 201);
  })
  .openapi(edit, async (c) => {
    const auth = authOf(c);
    const { id } = c.req.valid("param");
    const patch = c.req.valid("json");
    const current = await getCopy(c.env.DB, id);
    if (!current) throw notFound("template");
    await c.env.DB.batch([
      updateCopyStatement(c.env.DB, id, { name: patch.name ?? current.name, body: patch.body ?? current.body, now: clock.now() }),
      auditIfChangedStatement(c.env.DB, { actorId: auth.personId, action: "template.edited", objectType: "template", objectId: id, detail: { fields: Object.keys(patch) } }),
    ]);
    return c.json((await resolveTemplate(c.env.DB, `db:${id}`))!, 200);
  })
  .openapi(remove, async (c) => {
    const auth = authOf(c);
    const { id } = c.req.valid("param");
    if (!(await getCopy(c.env.DB, id))) throw notFound("template");
    await c.env.DB.batch([
      removeCopyStatement(c.env.DB, id, clock.now()),
      auditIfChangedStatement(c.env.DB, { actorId: auth.personId, action: "template.removed", objectType: "template", objectId: id }),
    ]);
    return c.json({ ok: true as const }, 200);
  });
