/**
 * The board's top strip, "what needs me now": who answered 要救助 (their name, facility,
 * and the phone check: their phone on boards with contacts, else their page), the
 * facilities reporting a problem, those where nobody has answered, and the 未回答
 * count. Each item leads to its list below (opened, narrowed, scrolled to). First on
 * the board, so it is on the first screen of a desktop and of a phone.
 */
import { count, phone, time } from "../format";
import { addStrings, t } from "../i18n";
import type { BoardData } from "../types";
import { Link } from "../ui";

addStrings({
  ja: {
    "nn.title": "いま対応が必要なこと",
    "nn.severe": "要救助",
    "nn.severeN": "{n}名",
    "nn.noSevere": "いません",
    "nn.call": "電話 {phone}",
    "nn.noPhone": "電話番号なし",
    "nn.open": "詳しく",
    "nn.allSevere": "要救助の全員（{n}名）",
    "nn.problems": "施設の問題",
    "nn.silent": "回答のない事業所",
    "nn.unanswered": "未回答",
    "nn.facilitiesN": "{n}か所",
    "nn.peopleN": "{n}名",
    "nn.jobAt": "{job}・{at}",
  },
  en: {
    "nn.title": "Needs you now",
    "nn.severe": "Need rescue",
    "nn.severeN": "{n}",
    "nn.noSevere": "Nobody",
    "nn.call": "Call {phone}",
    "nn.noPhone": "No phone",
    "nn.open": "Details",
    "nn.allSevere": "Everyone who needs rescue ({n})",
    "nn.problems": "Facility problems",
    "nn.silent": "Facilities with no answer",
    "nn.unanswered": "Not answered",
    "nn.facilitiesN": "{n}",
    "nn.peopleN": "{n}",
    "nn.jobAt": "{job}, {at}",
  },
});

/** The lists the strip leads to (the sections below). */
export type Jump = "severe" | "problems" | "silent" | "unanswered";

/** How many 要救助 people the strip names (the newest; it stays within a phone's first screen); the rest are in the list below. */
const SHOWN = 3;

type Severe = BoardData["severe"]["items"][number];

/** One 要救助 person: who, where, when, and what to do (phone them, or open their page). */
export function SevereLine({ rollcallId, p, canOpen }: { rollcallId: number; p: Severe; canOpen: (facilityId: number | null) => boolean }) {
  const person = `/rollcalls/${rollcallId}/people/${p.personId}`;
  return (
    <li class="severe-line">
      <span class="who">
        <Link href={person}>
          <strong>{p.name}</strong>
        </Link>
        {p.facility ? (
          <>
            {" "}
            {p.facilityId !== null && canOpen(p.facilityId) ? (
              <Link href={`/rollcalls/${rollcallId}/facilities/${p.facilityId}`}>{p.facility}</Link>
            ) : (
              p.facility
            )}
          </>
        ) : null}
        <span class="help"> {p.job ? t("nn.jobAt", { job: p.job, at: time(p.at) }) : time(p.at)}</span>
      </span>
      {p.mobile ? (
        <a class="btn small call" href={`tel:${p.mobile}`}>
          {t("nn.call", { phone: phone(p.mobile) })}
        </a>
      ) : (
        <Link class="btn small" href={person}>
          {t("nn.open")}
        </Link>
      )}
    </li>
  );
}

/**
 * The strip. `counts` are for the view shown (a facility admin's own facilities, or
 * every facility); `onJump` opens the list an item leads to and brings it into view.
 */
export function NeedsNow({
  board,
  counts,
  canOpen,
  onJump,
}: {
  board: BoardData;
  counts: { problems: number; silent: number; unanswered: number };
  canOpen: (facilityId: number | null) => boolean;
  onJump: (to: Jump) => void;
}) {
  const { severe } = board;
  const tile = (to: Jump, name: string, n: string, urgent: boolean) => (
    <li class={`need${urgent ? " urgent" : ""}`}>
      <button type="button" class="need-jump" onClick={() => onJump(to)} data-testid={`needs-${to}`}>
        <span class="label">{name}</span>
        <span class="value">{n}</span>
      </button>
    </li>
  );
  return (
    <section class="needs" aria-labelledby="bd-needs" data-testid="needs-now">
      <h2 id="bd-needs">{t("nn.title")}</h2>
      <div class={`need severe${severe.total ? " urgent" : ""}`} data-testid="needs-severe-list">
        <h3>
          {t("nn.severe")} <span class="value">{severe.total ? t("nn.severeN", { n: count(severe.total) }) : t("nn.noSevere")}</span>
        </h3>
        {severe.items.length ? (
          <ul class="severe-list">
            {severe.items.slice(0, SHOWN).map((p) => (
              <SevereLine key={p.personId} rollcallId={board.rollcall.id} p={p} canOpen={canOpen} />
            ))}
          </ul>
        ) : null}
        {severe.total > SHOWN ? (
          <button type="button" class="btn link" onClick={() => onJump("severe")}>
            {t("nn.allSevere", { n: count(severe.total) })}
          </button>
        ) : null}
      </div>
      <ul class="need-tiles">
        {tile("problems", t("nn.problems"), t("nn.facilitiesN", { n: count(counts.problems) }), counts.problems > 0)}
        {tile("silent", t("nn.silent"), t("nn.facilitiesN", { n: count(counts.silent) }), counts.silent > 0)}
        {tile("unanswered", t("nn.unanswered"), t("nn.peopleN", { n: count(counts.unanswered) }), false)}
      </ul>
    </section>
  );
}
