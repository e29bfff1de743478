/**
 * A D1 binding that counts the statements run through it (each `first`, `run`, `all`
 * or `raw`, and every statement of a `batch`). Local and test only: the benchmark's
 * "D1 statements per delivery" comes from it.
 */
export function countStatements(db: D1Database): { db: D1Database; count: () => number } {
  let n = 0;
  const real = new WeakMap<object, D1PreparedStatement>();
  const wrap = (stmt: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(stmt, {
      get(target, prop) {
        const v: unknown = Reflect.get(target, prop, target);
        if (typeof v !== "function") return v;
        if (prop === "bind") return (...args: unknown[]) => wrap(target.bind(...args));
        if (prop === "first" || prop === "run" || prop === "all" || prop === "raw")
          return (...args: unknown[]) => {
            n++;
            return (v as (...a: unknown[]) => unknown).apply(target, args);
          };
        return (v as (...a: unknown[]) => unknown).bind(target);
      },
    });
    real.set(proxy, stmt);
    return proxy;
  };
  const prepare = db.prepare.bind(db);
  const counted = new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => wrap(prepare(sql));
      if (prop === "batch")
        return (stmts: D1PreparedStatement[]) => {
          n += stmts.length;
          return target.batch(stmts.map((s) => real.get(s) ?? s));
        };
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { db: counted, count: () => n };
}
