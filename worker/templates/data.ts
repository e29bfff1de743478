import { TemplateBodySchema, type TemplateBody } from "./schemas";

/** All SQL of admin template copies (the `templates` table). */

export interface TemplateCopy {
  id: number;
  name: string;
  basedOn: string;
  body: TemplateBody;
  createdBy: number | null;
  createdAt: number;
  updatedAt: number;
}

interface Row {
  id: number;
  name: string;
  based_on: string;
  body: string;
  created_by: number | null;
  created_at: number;
  updated_at: number;
}

const toCopy = (r: Row): TemplateCopy => ({
  id: r.id,
  name: r.name,
  basedOn: r.based_on,
  body: TemplateBodySchema.parse(JSON.parse(r.body)),
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const COLUMNS = "id, name, based_on, body, created_by, created_at, updated_at";

export async function listCopies(db: D1Database): Promise<TemplateCopy[]> {
  const { results } = await db.prepare(`SELECT ${COLUMNS} FROM templates WHERE removed_at IS NULL ORDER BY id`).all<Row>();
  return results.map(toCopy);
}

export async function getCopy(db: D1Database, id: number): Promise<TemplateCopy | null> {
  const r = await db.prepare(`SELECT ${COLUMNS} FROM templates WHERE id = ?1 AND removed_at IS NULL`).bind(id).first<Row>();
  return r ? toCopy(r) : null;
}

/** Inserts a copy; RETURNING id. Put it in a batch with `copyAuditStatement`. */
export function insertCopyStatement(
  db: D1Database,
  c: { name: string; basedOn: string; body: TemplateBody; createdBy: number; now: number },
): D1PreparedStatement {
  return db
    .prepare("INSERT INTO templates (name, based_on, body, created_by, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5) RETURNING id")
    .bind(c.name, c.basedOn, JSON.stringify(c.body), c.createdBy, c.now);
}

/**
 * Finds, for an audit entry in the same batch, the copy `insertCopyStatement` just
 * inserted. The entry must come right after the insert (any insert in between,
 * another audit entry too, moves last_insert_rowid()).
 */
export const insertedCopyId = { sql: "SELECT id FROM templates WHERE rowid = last_insert_rowid()", params: [] as unknown[] };

export function updateCopyStatement(db: D1Database, id: number, c: { name: string; body: TemplateBody; now: number }): D1PreparedStatement {
  return db
    .prepare("UPDATE templates SET name = ?2, body = ?3, updated_at = ?4 WHERE id = ?1 AND removed_at IS NULL")
    .bind(id, c.name, JSON.stringify(c.body), c.now);
}

export function removeCopyStatement(db: D1Database, id: number, now: number): D1PreparedStatement {
  return db.prepare("UPDATE templates SET removed_at = ?2 WHERE id = ?1 AND removed_at IS NULL").bind(id, now);
}
