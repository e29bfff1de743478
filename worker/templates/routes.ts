import { z } from "@hono/zod-openapi";
import { authOf, route } from "../auth/access";
import { ADMINS } from "../auth/roles";
import { domainApp } from "../lib/app";
import { errorResponses, IdParam, jsonBody, jsonOk, OkSchema } from "../lib/schemas";
import { CopyTemplateSchema, EditTemplateSchema, TemplateSchema } from "./schemas";
import { copyTemplate, editTemplate, listTemplates, removeTemplate } from "./service";

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
  .openapi(copy, async (c) => c.json(await copyTemplate(c.env.DB, authOf(c), c.req.valid("json")), 201))
  .openapi(edit, async (c) => c.json(await editTemplate(c.env.DB, authOf(c), c.req.valid("param").id, c.req.valid("json")), 200))
  .openapi(remove, async (c) => {
    await removeTemplate(c.env.DB, authOf(c), c.req.valid("param").id);
    return c.json({ ok: true as const }, 200);
  });
