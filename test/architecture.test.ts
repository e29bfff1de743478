/**
 * The code's shape (ARCHITECTURE.md), checked on the source text: no import cycles,
 * SQL only in data files, no explicit `any`, and one writer of the roll-call tables.
 */
import { describe, expect, it } from "vitest";

const RAW = import.meta.glob("../worker/**/*.ts", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const src: Record<string, string> = Object.fromEntries(Object.entries(RAW).map(([p, t]) => [p.replace(/^\.\.\//, ""), t]));
const GENERATED = /\.generated\.ts$/;

/** Resolves a relative import of `from` to a worker file, if it is one. */
function resolve(from: string, spec: string): string | null {
  const parts = from.split("/").slice(0, -1);
  for (const seg of spec.split("/")) {
    if (seg === "..") parts.pop();
    else if (seg !== ".") parts.push(seg);
  }
  const base = parts.join("/");
  for (const c of [`${base}.ts`, `${base}/index.ts`, base]) if (c in src) return c;
  return null;
}

/** Code without comments (a JSDoc may name SQL or `any`). */
const code = (t: string) => t.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
/** Code without comments and without the text of its string literals (a message may say "any"). */
const bare = (t: string) => code(t).replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g, '""');

describe("the code's shape", () => {
  it("has no import cycle between worker modules (type-only imports count too)", () => {
    const graph = new Map<string, string[]>();
    for (const [file, text] of Object.entries(src)) {
      const deps: string[] = [];
      for (const m of text.matchAll(/(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"|import\("(\.[^"]+)"\)/g)) {
        const to = resolve(file, (m[1] ?? m[2])!);
        if (to) deps.push(to);
      }
      graph.set(file, deps);
    }
    const cycles: string[] = [];
    const state = new Map<string, 1 | 2>();
    const visit = (n: string, stack: string[]) => {
      state.set(n, 1);
      stack.push(n);
      for (const m of graph.get(n) ?? []) {
        if (state.get(m) === 1) cycles.push([...stack.slice(stack.indexOf(m)), m].join(" → "));
        else if (!state.has(m)) visit(m, stack);
      }
      stack.pop();
      state.set(n, 2);
    };
    for (const n of graph.keys()) if (!state.has(n)) visit(n, []);
    expect(cycles).toEqual([]);
  });

  it("keeps SQL in data files only", () => {
    const sql = /\.prepare\(|["`]\s*(SELECT|INSERT INTO|UPDATE|DELETE FROM|WITH)\s/;
    const outside = Object.entries(src)
      .filter(([f, t]) => !/\/data\.ts$/.test(f) && !GENERATED.test(f) && sql.test(code(t)))
      .map(([f]) => f);
    expect(outside).toEqual([]);
  });

  it("has no explicit any", () => {
    const any = /:\s*any\b|<any>|\bas any\b|\bany\[\]/;
    expect(
      Object.entries(src)
        .filter(([f, t]) => !GENERATED.test(f) && any.test(bare(t)))
        .map(([f]) => f),
    ).toEqual([]);
  });

  it("lets only the rollcall domain write the roll-call tables", () => {
    const writes = /(INSERT INTO|UPDATE|DELETE FROM)\s+rollcalls\b/;
    expect(
      Object.entries(src)
        .filter(([f, t]) => !f.startsWith("worker/rollcall/") && writes.test(t))
        .map(([f]) => f),
    ).toEqual([]);
  });

  it("answers errors only through the one list of codes (lib/errors.ts)", () => {
    // A status typed next to a code, or an error body built by hand, would let a code take a second status.
    const byHand = /new ApiError\(\s*\d|\{\s*error:\s*\{\s*code:/;
    expect(
      Object.entries(src)
        .filter(([f, t]) => f !== "worker/lib/errors.ts" && byHand.test(code(t)))
        .map(([f]) => f),
    ).toEqual([]);
  });
});
