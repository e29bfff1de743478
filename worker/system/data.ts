/** All SQL of the system domain: the settings table and the health check's ping. */

/** The stored settings' rows (key, JSON value); `toStoredSettings` parses them. */
export const storedSettingsStatement = (db: D1Database) => db.prepare("SELECT key, value FROM settings");

export type SettingRow = { key: string; value: string };

export function toStoredSettings(rows: SettingRow[]): Record<string, unknown> {
  const stored: Record<string, unknown> = {};
  for (const row of rows) stored[row.key] = JSON.parse(row.value);
  return stored;
}

export const writeSetting = (db: D1Database, key: string, value: unknown, at: number, actorId: number) =>
  db
    .prepare(
      "INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4) ON CONFLICT(key) DO UPDATE SET value = ?2, updated_at = ?3, updated_by = ?4",
    )
    .bind(key, JSON.stringify(value), at, actorId);

/** Whether the database answers. */
export const pingDatabase = (db: D1Database): Promise<boolean> =>
  db
    .prepare("SELECT 1 AS one")
    .first<{ one: number }>()
    .then(
      (r) => r?.one === 1,
      () => false,
    );
