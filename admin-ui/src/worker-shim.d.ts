/**
 * Type-check only. The UI imports API types from the worker's schema files
 * (`import type`), and those reach a few Workers runtime names. Including the
 * worker's generated declarations instead would pull the whole worker into this
 * DOM program (its `Env` imports worker/index), where DOM and Workers types clash.
 * So: the few D1 names the schema files' imports touch, copied from
 * worker-configuration.d.ts. Nothing here reaches the bundle.
 */
interface D1Meta {
  duration: number;
  last_row_id: number;
  changes: number;
  [key: string]: unknown;
}
type D1Result<T = unknown> = { success: true; meta: D1Meta; results: T[] };
declare abstract class D1PreparedStatement {
  bind(...values: unknown[]): D1PreparedStatement;
  first<T = unknown>(colName: string): Promise<T | null>;
  first<T = Record<string, unknown>>(): Promise<T | null>;
  run<T = Record<string, unknown>>(): Promise<D1Result<T>>;
  all<T = Record<string, unknown>>(): Promise<D1Result<T>>;
  raw<T = unknown[]>(options?: { columnNames?: false }): Promise<T[]>;
}
declare abstract class D1Database {
  prepare(query: string): D1PreparedStatement;
  batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]>;
  exec(query: string): Promise<{ count: number; duration: number }>;
}
interface Env {
  DB: D1Database;
}
