import { getCopy, listCopies, type TemplateCopy } from "./data";
import { fileTemplates } from "./files";
import type { Template, TemplateBody } from "./schemas";

const fromFile = (key: string, body: TemplateBody): Template => ({ ref: key, id: null, source: "file", name: body.name.ja, basedOn: null, body, updatedAt: null });
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
