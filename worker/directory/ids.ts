import * as data from "./data";

type IdTable = "facilities" | "people" | "groups";

/**
 * Runs `write` with fresh ids for new rows (see `data.nextIds`), retrying when
 * another writer took the same id first: the losing batch wrote nothing.
 */
export async function withFreshIds<T>(db: D1Database, tables: readonly IdTable[], write: (ids: number[]) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const ids = await Promise.all(tables.map((t) => data.nextIds(db, t)));
    try {
      return await write(ids);
    } catch (err) {
      if (attempt < 4 && tables.some((t) => data.isIdRace(err, t))) continue;
      throw err;
    }
  }
}
