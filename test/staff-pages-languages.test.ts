import { describe, expect, it } from "vitest";
import type { InvitationRecord } from "../worker/invitations/data";
import { declinedPage, gonePage, joinedPage, joinPage } from "../worker/invitations/page";
import { noticePage } from "../worker/messages/page";
import { say } from "../worker/messages/wording";
import { LANGS, languageOf } from "../worker/templates/languages";
import { strings } from "../worker/templates/files";

/** The join and verify pages in every language (issue 14): no raw placeholder, key or furigana notation. */
const invitation = (lang: (typeof LANGS)[number]): InvitationRecord => ({
  id: 1,
  facilityId: 1,
  groupId: null,
  patientId: null,
  patientClosedAt: null,
  place: "小金井本町クリニック",
  role: "staff",
  personId: null,
  name: "グエン ヴァン アン",
  contactKind: "email",
  contactValue: "an@example.org",
  message: "よろしくお願いします",
  lang,
  invitedBy: 2,
  inviterName: "本田 美穂",
  createdAt: 0,
  expiresAt: Date.UTC(2026, 11, 9),
  acceptedAt: null,
  declinedAt: null,
  revokedAt: null,
  acceptedPersonId: null,
});

function expectClean(page: string, what: string) {
  const body = page.slice(page.indexOf("<body>"));
  expect(body, `${what}: a raw placeholder`).not.toMatch(/\{\w+\}/);
  expect(body, `${what}: a raw key`).not.toMatch(/\[[\w.-]+\]/);
  expect(body, `${what}: raw furigana`).not.toMatch(/\{[^{}<>]*\|[^{}<>]*\}/);
}

describe("the join and verify pages in every language", () => {
  for (const lang of LANGS)
    it(`${lang}: every state of the join page and the verify page`, async () => {
      const inv = invitation(lang);
      const pages = {
        join: joinPage(inv, { existing: false, minLength: 8 }),
        joinExisting: joinPage(inv, { existing: true, minLength: 8, error: { field: "password", text: say(lang, "join.error.mismatch") } }),
        joined: joinedPage(inv, { newPerson: true, admin: true, appUrl: "https://anpi.example.org/" }),
        declined: declinedPage(inv),
        ...Object.fromEntries((["expired", "accepted", "declined", "revoked"] as const).map((r) => [`gone.${r}`, gonePage(inv, r)])),
        verify: noticePage(lang, say(lang, "verify.title"), say(lang, "verify.body")),
        verified: noticePage(lang, say(lang, "verify.done.heading"), say(lang, "verify.done.body")),
        verifyGone: noticePage(lang, say(lang, "verify.gone.heading"), say(lang, "verify.gone.body")),
      };
      for (const [state, html] of Object.entries(pages)) {
        const page = String(await html);
        expectClean(page, `${lang} ${state}`);
        expect(page, `${lang} ${state}`).toContain(`<html lang="${languageOf(lang).htmlLang}">`);
      }
      // The page speaks the invitee's language: its own words, not the Japanese ones.
      if (lang !== "ja" && lang !== "ja-easy") expect(String(await pages.join)).toContain(strings(lang)["join.accept"]);
    });
});
