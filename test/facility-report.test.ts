import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { recordReply } from "../worker/reply/service";
import { FACILITY_FIELDS, facilityProblems } from "../worker/templates/answers";
import { adminsWithoutMfa } from "./support/db";
import { makeNetwork, openRollcall, signedIn } from "./support/factories";

describe("facilityProblems (the board's what-needs-me-now)", () => {
  it("names the fields in trouble in the EMIS order, and none for no report or a calm one", () => {
    expect(facilityProblems(null)).toEqual([]);
    expect(facilityProblems({})).toEqual([]);
    expect(
      facilityProblems({
        collapse: "no",
        electricity: "usable",
        water: "usable",
        medicalGas: "usable",
        supplies: "usable",
        manyPatients: "no",
        staffing: "enough",
        accepting: "yes",
        casualties: "no",
        comment: "yes",
      }),
    ).toEqual([]);
    expect(
      facilityProblems({
        casualties: "yes",
        accepting: "no",
        staffing: "short",
        manyPatients: "yes",
        supplies: "unusable",
        medicalGas: "unusable",
        water: "unusable",
        electricity: "unusable",
        collapse: "yes",
      }),
    ).toEqual(FACILITY_FIELDS.filter((k) => k !== "comment"));
    expect(facilityProblems({ water: "unusable", staffing: null, accepting: "yes" })).toEqual(["water"]);
  });
});

describe("migration 0011: stored reports keep their meaning under the EMIS names", () => {
  let admin: string;
  beforeAll(async () => {
    await adminsWithoutMfa();
    admin = (await signedIn({ globalRole: "network_admin" })).cookie;
  });

  it("maps damage to collapse, electricity and water to usable/unusable, patients to accepting, and leaves other answers alone", async () => {
    const net = await makeNetwork([{}]);
    const id = await openRollcall(admin, { scope: { facilityIds: [net.facilityId] } });
    const reply = (personId: number) => recordReply(env, { rollcallId: id, personId, answers: { safety: "safe" }, via: "link" });
    const old = [
      { facility: { damage: "none", electricity: "yes", water: "no", patients: "yes" } },
      { facility: { damage: "partial", electricity: "no" } },
      { facility: { damage: "unusable", patients: "no" } },
    ];
    const ids: number[] = [];
    for (const o of old) {
      const r = await reply(net.admin.id);
      await env.DB.prepare("UPDATE replies SET answers = ?2 WHERE id = ?1")
        .bind(r.id, JSON.stringify({ safety: "safe", availability: "yes", ...o }))
        .run();
      ids.push(r.id);
    }
    const staff = await reply(net.staff[0]!.id);

    const migration = env.TEST_MIGRATIONS.find((m) => m.name.startsWith("0011_"))!;
    for (const q of migration.queries) await env.DB.prepare(q).run();

    const answers = async (replyId: number) =>
      JSON.parse((await env.DB.prepare("SELECT answers FROM replies WHERE id = ?1").bind(replyId).first<{ answers: string }>())!.answers) as unknown;
    expect(await answers(ids[0]!)).toEqual({
      safety: "safe",
      availability: "yes",
      facility: { collapse: "no", electricity: "usable", water: "unusable", accepting: "yes" },
    });
    expect(await answers(ids[1]!)).toEqual({ safety: "safe", availability: "yes", facility: { collapse: "no", electricity: "unusable" } });
    expect(await answers(ids[2]!)).toEqual({ safety: "safe", availability: "yes", facility: { collapse: "yes", accepting: "no" } });
    expect(await answers(staff.id)).toEqual({ safety: "safe" });
    // Run again (a new report in the new terms): nothing changes.
    for (const q of migration.queries) await env.DB.prepare(q).run();
    expect(await answers(ids[0]!)).toEqual({
      safety: "safe",
      availability: "yes",
      facility: { collapse: "no", electricity: "usable", water: "unusable", accepting: "yes" },
    });
  });
});
