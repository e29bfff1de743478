/**
 * The Durable Object the runtime sees (board/shell.ts) forwards every method of the
 * real one (board/object.ts), which it loads on first use: a public method added to
 * the object and not to the shell would be missing for every stub and alarm.
 */
import { describe, expect, it } from "vitest";
import { RollCallObject as Shell } from "../worker/board/shell";

const RAW = import.meta.glob("../worker/board/object.ts", { query: "?raw", import: "default", eager: true }) as Record<string, string>;

describe("the roll-call object's shell", () => {
  it("forwards every public method of the object", () => {
    const source = Object.values(RAW)[0]!;
    const cls = source.slice(source.indexOf("export class RollCallObject"));
    const declared = [...cls.matchAll(/^ {2}((?:private |protected |static |override |async )*)([a-zA-Z]\w*)\s*\(/gm)]
      .filter((m) => !/private|protected|static/.test(m[1]!) && m[2] !== "constructor")
      .map((m) => m[2]!);
    expect(declared.length).toBeGreaterThan(8);
    const shell = new Set(Object.getOwnPropertyNames(Shell.prototype));
    expect(declared.filter((k) => !shell.has(k))).toEqual([]);
  });
});
