import { auditIfChangedStatement, auditInsertedStatement } from "../audit/log";
import type { Auth } from "../auth/scope";
import { clock } from "../lib/clock";
import { badRequest, notFound, jaEn } from "../lib/errors";
import { getCopy, insertCopyStatement, insertedCopyId, listCopies, removeCopyStatement, updateCopyStatement, type TemplateCopy } from "./data";
import { fileTemplates } from "./files";
import type { Template, TemplateBody } from "./schemas";

const fromFile = (key: string, body: TemplateBody): Template => ({
  ref: key,
  id: null,
  source: "file",
  name: body.name.ja,
  basedOn: null,
  body,
  updatedAt: null,
});
const fromCopy = (c: TemplateCopy): Template => ({
  ref: `db:${c.id}`,
  id: c.id,
  source: "db",
  name: c.name,
  basedOn: c.basedOn,
  body: c.body,
  updatedAt: new Date(c.updatedAt).toISOString(),
});

/** Every template: the files first, then the admins' copies. */
export async function listTemplates(db: D1Database): Promise<Template[]> {
  return [...[...fileTemplates()].map(([k, b]) => fromFile(k, b)), ...(await listCopies(db)).map(fromCopy)];
}

/** "safety" (a file) or "db:3" (an admin copy); null when there is no such template. */
export async function resolveTemplate(db: D1Database, ref: string): Promise<Template | null> {
  const m = /^db:(\d+)$/.exec(ref);
  if (m) {
    const c = await getCopy(db, Number(m[1]));
    return c ? fromCopy(c) : null;
  }
  const body = fileTemplates().get(ref);
  return body ? fromFile(ref, body) : null;
}

// ---------------------------------------------------------------- admin copies (network admins; the route says who)

/** Copies a template (a file, or another copy's file) into D1 to edit; audited in the insert's batch. */
export async function copyTemplate(db: D1Database, auth: Auth, input: { name: string; basedOn: string }): Promise<Template> {
  const source = await resolveTemplate(db, input.basedOn);
  if (!source) throw badRequest("basedOn", jaEn(`元にするテンプレート「${input.basedOn}」がありません。`, `basedOn: no template "${input.basedOn}".`));
  const now = clock.now();
  const basedOn = source.basedOn ?? source.ref;
  const [inserted] = await db.batch([
    insertCopyStatement(db, { name: input.name, basedOn, body: source.body, createdBy: auth.personId, now }),
    auditInsertedStatement(db, { actorId: auth.personId, action: "template.copied", objectType: "template", detail: { basedOn: source.ref } }, insertedCopyId),
  ]);
  const id = (inserted!.results[0] as { id: number }).id;
  return (await resolveTemplate(db, `db:${id}`))!;
}

/** Edits an admin copy; audited only when the copy was still there to change. */
export async function editTemplate(db: D1Database, auth: Auth, id: number, patch: { name?: string; body?: TemplateBody }): Promise<Template> {
  const current = await getCopy(db, id);
  if (!current) throw notFound(jaEn("テンプレート", "template"));
  await db.batch([
    updateCopyStatement(db, id, { name: patch.name ?? current.name, body: patch.body ?? current.body, now: clock.now() }),
    auditIfChangedStatement(db, {
      actorId: auth.personId,
      action: "template.edited",
      objectType: "template",
      objectId: id,
      detail: { fields: Object.keys(patch) },
    }),
  ]);
  return (await resolveTemplate(db, `db:${id}`))!;
}

/** Removes an admin copy (roll-calls keep their snapshot); audited only when it changed. */
export async function removeTemplate(db: D1Database, auth: Auth, id: number): Promise<void> {
  if (!(await getCopy(db, id))) throw notFound(jaEn("テンプレート", "template"));
  await db.batch([
    removeCopyStatement(db, id, clock.now()),
    auditIfChangedStatement(db, { actorId: auth.personId, action: "template.removed", objectType: "template", objectId: id }),
  ]);
}
