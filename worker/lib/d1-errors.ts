/** What a D1 error says, for the domains' data files (no SQL here). */

/** Whether a D1 error is a UNIQUE constraint failure naming `what` (a column as "facilities.name", or a table as "contacts."). */
export function isUniqueViolation(err: unknown, what: string): boolean {
  const msg = err instanceof Error ? err.message : String(err);
  return /UNIQUE constraint failed/i.test(msg) && msg.includes(what);
}

/** A fresh id taken by another writer at the same moment (a UNIQUE failure on the table's id): the caller retries. */
export const isIdRace = (err: unknown, table: string): boolean => isUniqueViolation(err, `${table}.id`);
