import { auditStatement, type AuditEntry } from "./data";

/**
 * The audit log as every domain writes it. The statements are in data.ts; they are
 * named here too, so a domain imports its writers from one place.
 */
export { auditIfChangedStatement, auditInsertedStatement, auditStatement, type AuditEntry } from "./data";

/**
 * A standalone entry, for what changes nothing in D1 (a read of personal data, a
 * refused sign-in, a message sent). A change is audited with `auditStatement` in
 * the change's own batch instead.
 */
export async function audit(db: D1Database, e: AuditEntry): Promise<void> {
  await auditStatement(db, e).run();
}
