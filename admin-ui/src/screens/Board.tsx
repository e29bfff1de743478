import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { api, ApiFailure } from "../api";
import { NeedsNow, SevereLine, type Jump } from "../board/NeedsNow";
import { PatientCounts } from "../board/PatientCounts";
import { StaffTable } from "../board/StaffTable";
import { FacilityReportCell } from "../board/FacilityReport";
import { RateChart } from "../board/RateChart";
import { count, dateTime, percent, phone, time } from "../format";
import { addStrings, t } from "../i18n";
import { label } from "../labels";
import { watchBoard, type BoardEnd, type BoardHandle, type LiveMode } from "../live";
import type { BoardData, FacilityPage, Me, NonResponderPage, PhoneCheck, PhoneCheckPage, ResendResult, Rollcall, RollcallDetail } from "../types";
import { ErrorNote, Link, Loading, Notice, Page } from "../ui";
import { isLive } from "../../../worker/rollcall/state";
import { isSilent, problemsOf } from "../../../worker/board/priority";
import { AVAILABILITY, facilityProblems, PROXY_REACHED, SAFETY } from "../../../worker/templates/answers";
import { DraftView } from "./Trigger";

addStrings({
  ja: {
    "bd.rate": "回答率",
    "bd.replied": "回答",
    "bd.recipients": "対象",
    "bd.unanswered": "未回答",
    "bd.safety": "安否",
    "bd.availability": "出勤",
    "bd.delivery": "送信の状況",
    "bd.byType": "種別ごと",
    "bd.byFacility": "事業所ごと",
    "bd.facility": "事業所",
    "bd.type": "種別",
    "bd.repliedOf": "回答 / 対象",
    "bd.nonResponders": "未回答の人",
    "bd.noneLeft": "全員が回答しました。",
    "bd.more": "さらに表示",
    "bd.close": "締め切る",
    "bd.closeConfirm": "この安否確認を締め切りますか？締め切ると回答も再送もできなくなります。",
    "bd.export": "CSVで書き出す",
    "bd.outbox": "送信箱を見る",
    "bd.bigscreen": "大画面",
    "bd.normal": "通常表示",
    "bd.print": "印刷",
    "bd.updated": "更新 {t}",
    "bd.started": "開始 {t}",
    "bd.closedAt": "終了 {t}",
    "bd.proxy": "代理回答",
    "bd.proxySave": "記録する",
    "bd.proxyPick": "選んでください",
    "bd.proxyHow": "どうやって確認しましたか",
    "bd.proxyNeedSafety": "安否を選んでください。",
    "bd.proxyNeedHow": "どうやって確認したかを選んでください。",
    "bd.reached.phone": "電話",
    "bd.reached.in_person": "対面",
    "bd.reached.family": "家族から",
    "bd.reached.other": "その他",
    "bd.viaProxy": "代理回答 {n}件",
    "bd.ack": "確認 {n}件",
    "bd.loadError": "最新の状況を読み込めません。自動で再試行します。",
    "bd.forbidden": "権限がありません。このボードはもう表示できません。",
    "bd.sessionEnded": "サインインの期限が切れました。もう一度サインインしてください。",
    "bd.mode.live": "ライブ（自動で更新）",
    "bd.mode.connecting": "接続中…",
    "bd.mode.polling": "5秒ごとに更新",
    "bd.mode.stopped": "更新停止",
    "bd.chartTitle": "回答率の推移",
    "bd.chartLabel": "回答率の推移のグラフ。現在 {rate}",
    "bd.chartCaption": "横軸：時刻（日本時間）、縦軸：回答した人の割合",
    "bd.notes": "経過",
    "bd.cancelled": "取り消し",
    "bd.select": "再送に選ぶ：{name}",
    "bd.resendSelected": "選んだ{n}名に再送する",
    "bd.resendOne": "再送",
    "bd.resendFacility": "この事業所の未回答者に再送",
    "bd.resent": "再送しました：{people}名（{deliveries}件）。回答済み {replied}名、連絡手段なし {unreachable}名。",
    "bd.resentNone": "再送する相手はいませんでした（全員回答済みか、連絡手段がありません）。",
    "bd.phoneCheck": "電話で確認",
    "bd.phoneCheckHelp": "未回答者のいる事業所と、電話する相手（管理者・代行）です。",
    "bd.facilityPhone": "代表",
    "bd.noAdminPhone": "電話番号の登録なし",
    "bd.unrepliedN": "未回答 {n}名",
    "bd.role.admin": "管理者",
    "bd.role.delegate": "代行",
    "bd.view": "表示",
    "bd.view.own": "自分の事業所",
    "bd.view.all": "ネットワーク全体",
    "bd.noRight": "権限がありません。",
    "bd.facilitiesN": "事業所ごと（{n}か所）",
    "bd.filters": "事業所の絞り込み",
    "bd.filter.only": "絞り込み",
    "bd.filter.all": "すべて",
    "bd.filter.severe": "要救助のいる事業所",
    "bd.filter.problems": "施設の問題",
    "bd.filter.silent": "回答のない事業所",
    "bd.filter.type": "種別",
    "bd.filter.anyType": "すべての種別",
    "bd.filter.district": "地区",
    "bd.filter.anyDistrict": "すべての地区",
    "bd.filter.q": "事業所名で探す",
    "bd.filter.none": "あてはまる事業所はありません。",
    "bd.filter.clear": "絞り込みをやめる",
    "bd.severeList": "要救助の人（{n}名）",
  },
  en: {
    "bd.rate": "Response rate",
    "bd.replied": "Answered",
    "bd.recipients": "Asked",
    "bd.unanswered": "No answer",
    "bd.safety": "Safety",
    "bd.availability": "Availability",
    "bd.delivery": "Delivery",
    "bd.byType": "By facility type",
    "bd.byFacility": "By facility",
    "bd.facility": "Facility",
    "bd.type": "Type",
    "bd.repliedOf": "Answered / asked",
    "bd.nonResponders": "Not answered yet",
    "bd.noneLeft": "Everyone has answered.",
    "bd.more": "Show more",
    "bd.close": "Close",
    "bd.closeConfirm": "Close this roll-call? Nobody can answer and nothing is resent after closing.",
    "bd.export": "Export CSV",
    "bd.outbox": "Open the outbox",
    "bd.bigscreen": "Large screen",
    "bd.normal": "Normal view",
    "bd.print": "Print",
    "bd.updated": "Updated {t}",
    "bd.started": "Started {t}",
    "bd.closedAt": "Closed {t}",
    "bd.proxy": "Reply for them",
    "bd.proxySave": "Record",
    "bd.proxyPick": "Choose",
    "bd.proxyHow": "How did you reach them?",
    "bd.proxyNeedSafety": "Choose their safety.",
    "bd.proxyNeedHow": "Choose how you reached them.",
    "bd.reached.phone": "Phone",
    "bd.reached.in_person": "In person",
    "bd.reached.family": "Through family",
    "bd.reached.other": "Other",
    "bd.viaProxy": "{n} by proxy",
    "bd.ack": "{n} acknowledged",
    "bd.loadError": "Cannot load the latest state. Retrying by itself.",
    "bd.forbidden": "You are not allowed to see this board any more.",
    "bd.sessionEnded": "Your session has ended. Please sign in again.",
    "bd.mode.live": "Live",
    "bd.mode.connecting": "Connecting…",
    "bd.mode.polling": "Refreshing every 5 s",
    "bd.mode.stopped": "Not updating",
    "bd.chartTitle": "Response rate over time",
    "bd.chartLabel": "Chart of the response rate over time. Now {rate}",
    "bd.chartCaption": "Across: time (JST). Up: share of people who answered.",
    "bd.notes": "Notes",
    "bd.cancelled": "Cancelled",
    "bd.select": "Choose for resend: {name}",
    "bd.resendSelected": "Resend to the {n} chosen",
    "bd.resendOne": "Resend",
    "bd.resendFacility": "Resend to this facility's non-responders",
    "bd.resent": "Resent: {people} people ({deliveries} messages). Already answered {replied}, no channel {unreachable}.",
    "bd.resentNone": "Nobody to resend to (all answered, or no channel).",
    "bd.phoneCheck": "Check by phone",
    "bd.phoneCheckHelp": "Facilities with people who have not answered, and whom to phone (admins and delegates).",
    "bd.facilityPhone": "Main line",
    "bd.noAdminPhone": "No phone number",
    "bd.unrepliedN": "{n} not answered",
    "bd.role.admin": "Admin",
    "bd.role.delegate": "Delegate",
    "bd.view": "Show",
    "bd.view.own": "My facility",
    "bd.view.all": "Whole network",
    "bd.noRight": "You are not allowed to see this.",
    "bd.facilitiesN": "By facility ({n})",
    "bd.filters": "Narrow the facilities",
    "bd.filter.only": "Show",
    "bd.filter.all": "All",
    "bd.filter.severe": "Someone needs rescue",
    "bd.filter.problems": "Facility problems",
    "bd.filter.silent": "No answer yet",
    "bd.filter.type": "Type",
    "bd.filter.anyType": "Every type",
    "bd.filter.district": "District",
    "bd.filter.anyDistrict": "Every district",
    "bd.filter.q": "Find by name",
    "bd.filter.none": "No facility matches.",
    "bd.filter.clear": "Show all",
    "bd.severeList": "Who needs rescue ({n})",
  },
});

const ADMIN_ROLES = ["network_admin", "facility_admin", "delegate"];
export const isAdminOf = (me: Me) => me.roles.some((r) => ADMIN_ROLES.includes(r));

/** The live board of one roll-call (a draft shows its preview and confirm instead). */
export function Board({ id, me }: { id: number; me: Me }) {
  const [detail, setDetail] = useState<RollcallDetail | null>(null);
  const [board, setBoard] = useState<BoardData | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [ended, setEnded] = useState<BoardEnd | null>(null);
  const [updatedAt, setUpdatedAt] = useState<number | null>(null);
  const [mode, setMode] = useState<LiveMode>("connecting");
  const [big, setBig] = useState(false);
  const [closeError, setCloseError] = useState<unknown>(null);
  /** A facility admin's board opens on their own facilities; the whole network is one click away. */
  const [view, setView] = useState<View | null>(null);
  const live = useRef<BoardHandle | null>(null);

  // The roll-call itself first: a draft has no board yet, only its preview. Loaded again once a draft is confirmed.
  const load = useCallback(() => {
    setDetail(null);
    setBoard(null);
    setError(null);
    setEnded(null);
    api.get<RollcallDetail>(`/api/rollcalls/${id}`).then(setDetail, setError);
  }, [id]);
  useEffect(() => load(), [load]);

  const sent = detail !== null && detail.rollcall.state !== "draft" && detail.rollcall.state !== "withdrawn";
  useEffect(() => {
    if (!sent) return;
    const h = watchBoard(id, {
      onBoard: (b) => {
        setBoard(b);
        setError(null);
        setUpdatedAt(Date.now());
        // A closed roll-call no longer changes.
        if (b.rollcall.state === "closed") h.stop();
      },
      onError: setError,
      // No longer allowed (or signed out): what was shown goes, contacts included.
      onEnded: (why) => {
        setBoard(null);
        setEnded(why);
      },
      onMode: setMode,
    });
    live.current = h;
    return () => h.stop();
  }, [id, sent]);

  useEffect(() => {
    document.body.classList.toggle("bigscreen", big);
    return () => document.body.classList.remove("bigscreen");
  }, [big]);

  if (!detail) return error ? <BoardError error={error} /> : <Loading />;
  if (detail.rollcall.state === "draft" && detail.preview)
    return <DraftView draft={{ rollcall: detail.rollcall, preview: detail.preview }} onConfirmed={load} />;
  if (!sent)
    return (
      <Page title={detail.rollcall.title}>
        <p>{label("state", detail.rollcall.state)}</p>
      </Page>
    );
  if (ended)
    return (
      <Page title={detail.rollcall.title}>
        <p class="error-note" role="alert" data-testid="board-ended">
          {t(ended === "session" ? "bd.sessionEnded" : "bd.forbidden")}
        </p>
      </Page>
    );
  if (!board) return error ? <BoardError error={error} /> : <Loading />;
  const rc = board.rollcall;
  const isAdmin = isAdminOf(me);
  // A facility admin's own facilities, when the roll-call has others too (else the whole board is theirs).
  const scoped = board.own !== null && board.own.length < board.lists.facilities.total;
  const shownView: View = scoped ? (view ?? "own") : "all";

  async function close() {
    if (!window.confirm(t("bd.closeConfirm"))) return;
    setCloseError(null);
    try {
      await api.post<Rollcall>(`/api/rollcalls/${rc.id}/close`);
      live.current?.refresh();
    } catch (err) {
      setCloseError(err);
    }
  }

  return (
    <Page
      title={rc.title}
      actions={
        <>
          {board.may.close && isLive(rc.state) ? (
            <button type="button" class="btn danger" onClick={close}>
              {t("bd.close")}
            </button>
          ) : null}
          <a class="btn" href={`/api/rollcalls/${rc.id}/export.csv`} download>
            {t("bd.export")}
          </a>
          <a class="btn" href={`/api/rollcalls/${rc.id}/facilities.csv`} download>
            {t("fr.csv")}
          </a>
          {isAdmin ? (
            <Link href={`/outbox?rollcall=${rc.id}`} class="btn">
              {t("bd.outbox")}
            </Link>
          ) : null}
          <button type="button" class="btn" aria-pressed={big ? "true" : "false"} onClick={() => setBig(!big)}>
            {big ? t("bd.normal") : t("bd.bigscreen")}
          </button>
          <button type="button" class="btn" onClick={() => window.print()}>
            {t("bd.print")}
          </button>
        </>
      }
    >
      <p class="board-meta">
        <span class={`badge ${rc.drill ? "drill" : "real"}`}>{rc.drill ? t("drill") : t("real")}</span>{" "}
        <span class={`badge ${rc.state}`} data-testid="rollcall-state">
          {label("state", rc.state)}
        </span>{" "}
        {rc.confirmedAt ? t("bd.started", { t: dateTime(rc.confirmedAt) }) : null} {rc.closedAt ? t("bd.closedAt", { t: dateTime(rc.closedAt) }) : null}{" "}
        {rc.state !== "closed" ? (
          <span class={`badge live-${mode}`} data-testid="live-mode" data-mode={mode}>
            {t(`bd.mode.${mode}`)}
          </span>
        ) : null}{" "}
        <span class="help" aria-live="off">
          {updatedAt ? t("bd.updated", { t: time(updatedAt) }) : null}
        </span>
      </p>
      {error ? (
        <p class="warn" role="status">
          {t(isForbidden(error) ? "bd.noRight" : "bd.loadError")}
        </p>
      ) : null}
      <ErrorNote error={closeError} />
      {scoped ? (
        <fieldset class="view-switch">
          <legend class="sr-only">{t("bd.view")}</legend>
          {(["own", "all"] as const).map((v) => (
            <button
              type="button"
              key={v}
              class="btn small"
              aria-pressed={shownView === v ? "true" : "false"}
              onClick={() => setView(v)}
              data-testid={`view-${v}`}
            >
              {t(`bd.view.${v}`)}
            </button>
          ))}
        </fieldset>
      ) : null}
      <BoardBody
        board={board}
        isAdmin={isAdmin}
        big={big}
        view={shownView}
        updatedAt={updatedAt}
        onChanged={() => live.current?.refresh()}
        extend={(merge) => live.current?.extend(merge)}
      >
        {rc.message ? <p>{rc.message}</p> : null}
        <Notes notes={rc.notes} />
      </BoardBody>
    </Page>
  );
}

const isForbidden = (err: unknown) => err instanceof ApiFailure && err.status === 403;

/** A board that cannot be shown: 「権限がありません」 for a 403 (never "retrying"), else the failure. */
function BoardError({ error }: { error: unknown }) {
  if (!isForbidden(error)) return <ErrorNote error={error} />;
  return (
    <p class="error-note" role="alert" data-testid="board-ended">
      {t("bd.noRight")}
    </p>
  );
}

/** Later facts about the roll-call (a JMA report raising the intensity, …), newest last. */
function Notes({ notes }: { notes: Rollcall["notes"] }) {
  if (!notes.length) return null;
  return (
    <section aria-labelledby="bd-notes" class="card notes" data-testid="rollcall-notes">
      <h2 id="bd-notes">{t("bd.notes")}</h2>
      <ul>
        {notes.map((n, i) => (
          <li key={i}>
            <time dateTime={n.at}>{dateTime(n.at)}</time> {n.text}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Tally({ kind, tally, order }: { kind: string; tally: Record<string, number>; order: readonly string[] }) {
  return (
    <>
      {order.map((k) => (
        <li class="stat" key={k}>
          <span class="label">{label(kind, k)}</span>
          <span class="value" data-testid={`${kind}-${k}`}>
            {count(tally[k] ?? 0)}
          </span>
        </li>
      ))}
    </>
  );
}

/** Merges a loaded page into the board held by the live handle (later updates apply to it too). */
type Extend = (merge: (board: BoardData) => BoardData) => void;
const PAGE = 100;

/** The next page of one of the board's long lists, merged into the board; a button while there is more. */
function MoreButton({ next, load, testId }: { next: string | number | null; load: () => Promise<void>; testId: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (next === null) return null;
  async function click() {
    setBusy(true);
    setError(null);
    try {
      await load();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <div class="buttons">
      <ErrorNote error={error} />
      <button type="button" class="btn" disabled={busy} onClick={click} data-testid={testId}>
        {t("bd.more")}
      </button>
    </div>
  );
}

/** What the board shows: a facility admin's own facilities, or every facility of the roll-call. */
type View = "own" | "all";

/** The counts of the view shown. */
function viewCounts(board: BoardData, view: View) {
  const a = board.aggregates;
  if (view === "own" && board.own) {
    const rows = board.own;
    const safety: Record<string, number> = {};
    for (const f of rows) for (const [k, n] of Object.entries(f.safety)) safety[k] = (safety[k] ?? 0) + n;
    return {
      recipients: rows.reduce((n, f) => n + f.recipients, 0),
      replied: rows.reduce((n, f) => n + f.replied, 0),
      problems: rows.filter((f) => problemsOf(f).length > 0).length,
      silent: rows.filter(isSilent).length,
      safety,
    };
  }
  return { recipients: a.recipients, replied: a.replied, problems: board.summary.problems, silent: board.summary.silent, safety: a.byAnswer.safety };
}

/** Which folded section to open (an item of the top strip was followed); `n` changes on every jump. */
type JumpTo = { id: string; n: number };

/** A section folded under its heading; opened by a jump to its id. */
function Fold({ id, title, open = false, jump, children }: { id: string; title: string; open?: boolean; jump: JumpTo; children: ComponentChildren }) {
  const [isOpen, setOpen] = useState(open);
  useEffect(() => {
    if (jump.id === id) setOpen(true);
  }, [jump, id]);
  return (
    <details id={id} class="fold" open={isOpen} onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
      <summary>
        <h2>{title}</h2>
      </summary>
      {children}
    </details>
  );
}

/** Rows a long list shows before "さらに表示". */
const ROWS = 10;

function BoardBody({
  board,
  isAdmin,
  big,
  view,
  updatedAt,
  onChanged,
  extend,
  children,
}: {
  board: BoardData;
  isAdmin: boolean;
  big: boolean;
  view: View;
  updatedAt: number | null;
  onChanged: () => void;
  extend: Extend;
  children?: ComponentChildren;
}) {
  const { rollcall: rc, aggregates: a } = board;
  const v = viewCounts(board, view);
  const own = view === "own";
  const unanswered = v.recipients - v.replied;
  const rate = percent(v.replied, v.recipients);
  const [only, setOnly] = useState<Only>("");
  const [jump, setJump] = useState<JumpTo>({ id: "", n: 0 });
  // Other facilities are plain text where the reader may not open them (a facility admin's board).
  const mine = board.audience.facilityIds;
  const canOpen = (facilityId: number | null) => facilityId !== null && (mine === null || mine.includes(facilityId));
  function onJump(to: Jump) {
    if ((to === "problems" || to === "silent") && !own) setOnly(to);
    const id = to === "severe" ? "bd-severe" : to === "unanswered" ? "bd-nr" : "bd-fac";
    setJump((j) => ({ id, n: j.n + 1 }));
    // Once the section is open: scrolled to, its heading focused (screen readers follow).
    requestAnimationFrame(() => {
      const el = document.getElementById(id);
      el?.scrollIntoView({ block: "start" });
      (el?.querySelector("summary, h2") as HTMLElement | null)?.focus({ preventScroll: true });
    });
  }
  return (
    <>
      <NeedsNow board={board} counts={{ problems: v.problems, silent: v.silent, unanswered }} canOpen={canOpen} onJump={onJump} />
      <section aria-labelledby="bd-sum">
        <h2 id="bd-sum" class="sr-only">
          {t("bd.rate")}
        </h2>
        <ul class="stats">
          <li class="stat">
            <span class="label">{t("bd.rate")}</span>
            <span class="value" data-testid="response-rate">
              {rate}
            </span>
          </li>
          <li class="stat">
            <span class="label">{t("bd.replied")}</span>
            <span class="value" data-testid="replied">
              {count(v.replied)}
            </span>
          </li>
          <li class="stat">
            <span class="label">{t("bd.recipients")}</span>
            <span class="value" data-testid="recipients">
              {count(v.recipients)}
            </span>
          </li>
          <li class="stat">
            <span class="label">{t("bd.unanswered")}</span>
            <span class="value" data-testid="unanswered">
              {count(unanswered)}
            </span>
          </li>
        </ul>
        <div class="bar" role="img" aria-label={`${t("bd.rate")} ${rate}`}>
          <span class="delivered" style={{ width: rate === "—" ? "0%" : rate }} />
        </div>
      </section>
      {board.patients ? <PatientCounts rollcallId={rc.id} counts={board.patients} /> : null}
      {children}
      {board.severe.total > 0 ? (
        <Fold id="bd-severe" title={t("bd.severeList", { n: count(board.severe.total) })} jump={jump}>
          <ul class="severe-list" data-testid="severe-list">
            {board.severe.items.map((p) => (
              <SevereLine key={p.personId} rollcallId={rc.id} p={p} canOpen={canOpen} />
            ))}
          </ul>
          {board.severe.total > board.severe.items.length ? (
            <p class="help">
              {t("bd.more")}: {count(board.severe.total - board.severe.items.length)}
            </p>
          ) : null}
        </Fold>
      ) : null}
      {own ? null : (
        <Fold id="bd-chart" title={t("bd.chartTitle")} open jump={jump}>
          <RateChart timeline={board.timeline} replied={a.replied} closedAt={rc.closedAt} big={big} />
        </Fold>
      )}
      {rc.kind === "rollcall" ? (
        <section aria-labelledby="bd-safety">
          <h2 id="bd-safety">{own ? t("bd.safety") : `${t("bd.safety")}・${t("bd.availability")}`}</h2>
          <ul class="stats">
            <Tally kind="safety" tally={v.safety} order={SAFETY} />
            {own ? null : <Tally kind="availability" tally={a.byAnswer.availability} order={AVAILABILITY} />}
          </ul>
          {a.byAnswer.viaProxy && !own ? <p>{t("bd.viaProxy", { n: a.byAnswer.viaProxy })}</p> : null}
        </section>
      ) : (
        <p>{t("bd.ack", { n: a.byAnswer.ack })}</p>
      )}
      {rc.kind === "rollcall" ? (
        <Fold id="bd-staff" title={t("st.title")} open jump={jump}>
          <StaffTable rows={own ? (board.staff.own ?? []) : board.staff.all} />
        </Fold>
      ) : null}
      <FacilityList board={board} own={own} only={only} setOnly={setOnly} canOpen={canOpen} updatedAt={updatedAt} extend={extend} jump={jump} />
      {/* A facility admin works through their own list (proxy replies): all of the first page; the network's starts with a few. */}
      <NonResponders
        rc={rc}
        list={a.nonResponders}
        unanswered={unanswered}
        first={mine ? PAGE : ROWS}
        isAdmin={isAdmin}
        onChanged={onChanged}
        extend={extend}
      />
      {board.phoneCheck ? (
        <PhoneChecks
          rc={rc}
          checks={board.phoneCheck}
          onChanged={onChanged}
          more={() => (
            <MoreButton
              next={board.lists.phoneCheck?.next ?? null}
              testId="phone-check-more"
              load={async () => {
                const page = await api.get<PhoneCheckPage>(`/api/rollcalls/${rc.id}/board/phone-checks`, {
                  query: { cursor: board.lists.phoneCheck?.next, limit: PAGE },
                });
                extend((b) => {
                  const held = new Set((b.phoneCheck ?? []).map((p) => p.facilityId));
                  return {
                    ...b,
                    phoneCheck: [...(b.phoneCheck ?? []), ...page.items.filter((p) => !held.has(p.facilityId))],
                    lists: { ...b.lists, phoneCheck: b.lists.phoneCheck ? { ...b.lists.phoneCheck, next: page.next } : null },
                  };
                });
              }}
            />
          )}
        />
      ) : null}
      {own ? null : <DeliveryProgress progress={board.progress} jump={jump} />}
      {!own && a.byFacilityType.length ? (
        <Fold id="bd-type" title={t("bd.byType")} jump={jump}>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t("bd.type")}</th>
                  <th scope="col" class="num">
                    {t("bd.repliedOf")}
                  </th>
                  <th scope="col" class="num">
                    {t("bd.rate")}
                  </th>
                </tr>
              </thead>
              <tbody>
                {a.byFacilityType.map((r) => (
                  <tr key={r.type}>
                    <td>{label("ft", r.type)}</td>
                    <td class="num">
                      {count(r.replied)} / {count(r.recipients)}
                    </td>
                    <td class="num">{percent(r.replied, r.recipients)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Fold>
      ) : null}
    </>
  );
}

/** What the facility list is narrowed to (the paged list's `only`). */
type Only = "" | "severe" | "problems" | "silent";
type Filter = { only: Only; type: string; district: string; q: string };

/**
 * The facility list narrowed by a filter, from `GET .../board/facilities` (the worker
 * sorts and cuts it): loaded when the filter changes, and again after board updates
 * (at most every few seconds). null while no filter is set.
 */
function useFacilityPage(rollcallId: number, filter: Filter | null, updatedAt: number | null) {
  const key = filter ? JSON.stringify(filter) : "";
  const [page, setPage] = useState<FacilityPage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const seq = useRef(0);
  const loadedAt = useRef(0);
  const size = useRef(ROWS);
  const load = useCallback(
    async (limit: number) => {
      if (!key) return;
      const mine = ++seq.current;
      const f = JSON.parse(key) as Filter;
      try {
        const p = await api.get<FacilityPage>(`/api/rollcalls/${rollcallId}/board/facilities`, {
          query: { limit: Math.min(500, limit), only: f.only, type: f.type, district: f.district, q: f.q },
        });
        if (mine !== seq.current) return;
        loadedAt.current = Date.now();
        setPage(p);
        setError(null);
      } catch (err) {
        if (mine === seq.current) setError(err);
      }
    },
    [rollcallId, key],
  );
  useEffect(() => {
    setPage(null);
    size.current = ROWS;
    if (!key) return;
    // Typing in the search waits for a pause.
    const timer = setTimeout(() => void load(ROWS), 250);
    return () => clearTimeout(timer);
  }, [key, load]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a board update (updatedAt) is what loads the narrowed list again
  useEffect(() => {
    if (!key || !loadedAt.current) return;
    const timer = setTimeout(() => void load(size.current), Math.max(0, loadedAt.current + 3_000 - Date.now()));
    return () => clearTimeout(timer);
  }, [updatedAt, key, load]);
  return {
    page,
    error,
    more: async () => {
      size.current += PAGE;
      await load(size.current);
    },
  };
}

/** 事業所ごと: problem facilities first, narrowed by type, district (地区), name or kind; cards on a phone. */
function FacilityList({
  board,
  own,
  only,
  setOnly,
  canOpen,
  updatedAt,
  extend,
  jump,
}: {
  board: BoardData;
  own: boolean;
  only: Only;
  setOnly: (o: Only) => void;
  canOpen: (facilityId: number | null) => boolean;
  updatedAt: number | null;
  extend: Extend;
  jump: JumpTo;
}) {
  const { rollcall: rc, aggregates: a } = board;
  const [type, setType] = useState("");
  const [district, setDistrict] = useState("");
  const [q, setQ] = useState("");
  const [shown, setShown] = useState(ROWS);
  const filtered = !own && (only !== "" || type !== "" || district !== "" || q.trim() !== "");
  const list = useFacilityPage(rc.id, filtered ? { only, type, district, q: q.trim() } : null, updatedAt);
  const held = a.byFacility;
  const rows = own ? (board.own ?? []) : filtered ? (list.page?.items ?? []) : held.slice(0, shown);
  const total = own ? (board.own ?? []).length : filtered ? (list.page?.total ?? 0) : board.lists.facilities.total;
  const types = a.byFacilityType.map((r) => r.type).filter((x) => x !== "none");
  const next = own ? null : filtered ? (list.page?.next ?? null) : shown < held.length ? "held" : board.lists.facilities.next;
  async function more() {
    if (filtered) return list.more();
    if (shown < held.length) return setShown(shown + PAGE);
    const page = await api.get<FacilityPage>(`/api/rollcalls/${rc.id}/board/facilities`, { query: { cursor: board.lists.facilities.next, limit: PAGE } });
    extend((b) => {
      const ids = new Set(b.aggregates.byFacility.map((f) => f.facilityId));
      return {
        ...b,
        aggregates: { ...b.aggregates, byFacility: [...b.aggregates.byFacility, ...page.items.filter((f) => !ids.has(f.facilityId))] },
        lists: { ...b.lists, facilities: { total: page.total ?? b.lists.facilities.total, next: page.next } },
      };
    });
    setShown(shown + PAGE);
  }
  return (
    <Fold id="bd-fac" title={t("bd.facilitiesN", { n: count(total) })} open jump={jump}>
      {own ? null : (
        <fieldset class="filters">
          <legend class="sr-only">{t("bd.filters")}</legend>
          <label class="filter">
            {t("bd.filter.only")}
            <select value={only} onChange={(e) => setOnly((e.currentTarget as HTMLSelectElement).value as Only)} data-testid="filter-only">
              <option value="">{t("bd.filter.all")}</option>
              {(["severe", "problems", "silent"] as const).map((k) => (
                <option key={k} value={k}>
                  {t(`bd.filter.${k}`)}
                </option>
              ))}
            </select>
          </label>
          {types.length > 1 ? (
            <label class="filter">
              {t("bd.filter.type")}
              <select value={type} onChange={(e) => setType((e.currentTarget as HTMLSelectElement).value)}>
                <option value="">{t("bd.filter.anyType")}</option>
                {types.map((k) => (
                  <option key={k} value={k}>
                    {label("ft", k)}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          {board.districts.length > 1 ? (
            <label class="filter">
              {t("bd.filter.district")}
              <select value={district} onChange={(e) => setDistrict((e.currentTarget as HTMLSelectElement).value)}>
                <option value="">{t("bd.filter.anyDistrict")}</option>
                {board.districts.map((d) => (
                  <option key={d} value={d}>
                    {d}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          <label class="filter">
            {t("bd.filter.q")}
            <input type="search" value={q} maxLength={50} onInput={(e) => setQ((e.currentTarget as HTMLInputElement).value)} />
          </label>
          {filtered ? (
            <button
              type="button"
              class="btn small"
              onClick={() => {
                setOnly("");
                setType("");
                setDistrict("");
                setQ("");
              }}
            >
              {t("bd.filter.clear")}
            </button>
          ) : null}
        </fieldset>
      )}
      <ErrorNote error={filtered ? list.error : null} />
      {filtered && list.page && rows.length === 0 ? <p>{t("bd.filter.none")}</p> : null}
      {rows.length ? (
        <div class="table-wrap">
          <table data-testid="facility-table" class="cards">
            <thead>
              <tr>
                <th scope="col">{t("bd.facility")}</th>
                <th scope="col" class="num">
                  {t("bd.repliedOf")}
                </th>
                <th scope="col">{t("bd.safety")}</th>
                <th scope="col">{t("fr.heading")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((f) => {
                const bad = (f.safety.severe ?? 0) > 0 || facilityProblems(f.report).length > 0;
                const done = f.recipients > 0 && f.replied === f.recipients;
                return (
                  <tr key={f.facilityId ?? "none"} class={bad ? "bad" : done ? "ok" : ""}>
                    <th scope="row">
                      {canOpen(f.facilityId) ? <Link href={`/rollcalls/${rc.id}/facilities/${f.facilityId}`}>{f.name ?? "—"}</Link> : (f.name ?? "—")}
                      {f.type ? <div class="help">{label("ft", f.type)}</div> : null}
                    </th>
                    <td class="num" data-label={t("bd.repliedOf")}>
                      {count(f.replied)} / {count(f.recipients)}（{percent(f.replied, f.recipients)}）
                    </td>
                    <td data-label={t("bd.safety")}>
                      {SAFETY.filter((k) => f.safety[k])
                        .map((k) => `${label("safety", k)} ${f.safety[k]}`)
                        .join("・") || "—"}
                    </td>
                    <td data-label={t("fr.heading")}>
                      <FacilityReportCell report={f.report} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      <MoreButton next={next} testId="facilities-more" load={more} />
    </Fold>
  );
}

const DSTATES = ["queued", "sending", "sent", "delivered", "failed", "cancelled"] as const;

function DeliveryProgress({ progress, jump }: { progress: BoardData["progress"]; jump: JumpTo }) {
  const channels = (["push", "sms", "email"] as const).filter((ch) => {
    const d = progress[ch];
    return d && DSTATES.some((k) => d[k] > 0);
  });
  if (!channels.length) return null;
  return (
    <Fold id="bd-del" title={t("bd.delivery")} jump={jump}>
      {channels.map((ch) => {
        const d = progress[ch]!;
        const total = DSTATES.reduce((s, k) => s + d[k], 0);
        const shown = DSTATES.filter((k) => k !== "cancelled" || d[k] > 0);
        return (
          <div key={ch} class="delivery" data-testid={`delivery-${ch}`}>
            <strong>{label("ch", ch)}</strong> <span class="help">{shown.map((k) => `${label("dstate", k)} ${count(d[k])}`).join("・")}</span>
            <div class="bar" role="img" aria-label={`${label("ch", ch)}: ${shown.map((k) => `${label("dstate", k)} ${d[k]}`).join(", ")}`}>
              {DSTATES.map((k) => (d[k] ? <span key={k} class={k === "sending" ? "queued" : k} style={{ width: `${(d[k] / total) * 100}%` }} /> : null))}
            </div>
          </div>
        );
      })}
      <ul class="legend" aria-hidden="true">
        {(["queued", "sent", "delivered", "failed"] as const).map((k) => (
          <li key={k}>
            <i class={`bar-key ${k}`} />
            {label("dstate", k)}
          </li>
        ))}
      </ul>
    </Fold>
  );
}

/** POST /resend, then the sentence that says what happened. */
export async function resendTo(rollcallId: number, body: { personIds: number[] } | { facilityId: number }): Promise<string> {
  const r = await api.post<ResendResult>(`/api/rollcalls/${rollcallId}/resend`, body);
  return r.people > 0
    ? t("bd.resent", { people: count(r.people), deliveries: count(r.deliveries), replied: count(r.alreadyReplied), unreachable: count(r.unreachable) })
    : t("bd.resentNone");
}

type NR = BoardData["aggregates"]["nonResponders"];

function NonResponders({
  rc,
  list,
  unanswered,
  first,
  isAdmin,
  onChanged,
  extend,
}: {
  rc: Rollcall;
  list: NR;
  unanswered: number;
  /** How many rows show before "さらに表示". */
  first: number;
  isAdmin: boolean;
  onChanged: () => void;
  extend: Extend;
}) {
  const [shown, setShown] = useState(first);
  const [proxyFor, setProxyFor] = useState<number | null>(null);
  const [chosen, setChosen] = useState<Set<number>>(new Set());
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const items = list.items;
  const next = list.nextAfter;

  async function more() {
    if (shown < items.length) return setShown(shown + PAGE);
    if (next === null) return;
    setShown(shown + PAGE);
    const page = await api.get<NonResponderPage>(`/api/rollcalls/${rc.id}/board/non-responders`, { query: { cursor: String(next), limit: PAGE } });
    extend((b) => {
      const nr = b.aggregates.nonResponders;
      const held = new Set(nr.items.map((p) => p.personId));
      return {
        ...b,
        aggregates: {
          ...b.aggregates,
          nonResponders: { items: [...nr.items, ...page.items.filter((p) => !held.has(p.personId))], nextAfter: page.next === null ? null : Number(page.next) },
        },
      };
    });
  }
  async function resend(personIds: number[]) {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      setDone(await resendTo(rc.id, { personIds }));
      setChosen(new Set());
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  function toggle(id: number, on: boolean) {
    const s = new Set(chosen);
    if (on) s.add(id);
    else s.delete(id);
    setChosen(s);
  }
  const open = isLive(rc.state);
  const canProxy = isAdmin && rc.state === "open" && rc.kind === "rollcall";
  const canResend = isAdmin && open;
  const picked = items.filter((p) => chosen.has(p.personId)).map((p) => p.personId);
  return (
    <section aria-labelledby="bd-nr-h" id="bd-nr">
      <h2 id="bd-nr-h">
        {t("bd.nonResponders")}（{count(Math.max(unanswered, items.length))}）
      </h2>
      {done ? <Notice>{done}</Notice> : null}
      <ErrorNote error={error} />
      {items.length === 0 ? (
        <p>{t("bd.noneLeft")}</p>
      ) : (
        <>
          {canResend ? (
            <div class="buttons">
              <button type="button" class="btn" disabled={busy || picked.length === 0} onClick={() => resend(picked)} data-testid="resend-selected">
                {t("bd.resendSelected", { n: picked.length })}
              </button>
            </div>
          ) : null}
          <div class="table-wrap">
            <table data-testid="non-responders" class="cards">
              <thead>
                <tr>
                  {canResend ? (
                    <th scope="col">
                      <span class="sr-only">{t("bd.resendOne")}</span>
                    </th>
                  ) : null}
                  <th scope="col">{t("dir.name", "名前")}</th>
                  <th scope="col">{t("bd.facility")}</th>
                  {canResend ? <th scope="col">{t("bd.resendOne")}</th> : null}
                  {canProxy ? <th scope="col">{t("bd.proxy")}</th> : null}
                </tr>
              </thead>
              <tbody>
                {items.slice(0, shown).map((p) => (
                  <tr key={p.personId}>
                    {canResend ? (
                      <td>
                        <input
                          type="checkbox"
                          aria-label={t("bd.select", { name: p.name })}
                          checked={chosen.has(p.personId)}
                          onChange={(e) => toggle(p.personId, (e.currentTarget as HTMLInputElement).checked)}
                        />
                      </td>
                    ) : null}
                    <td>
                      <Link href={`/rollcalls/${rc.id}/people/${p.personId}`}>{p.name}</Link>
                    </td>
                    <td data-label={t("bd.facility")}>
                      {p.facilityId ? <Link href={`/rollcalls/${rc.id}/facilities/${p.facilityId}`}>{p.facility ?? "—"}</Link> : (p.facility ?? "—")}
                    </td>
                    {canResend ? (
                      <td>
                        <button
                          type="button"
                          class="btn small"
                          disabled={busy}
                          onClick={() => resend([p.personId])}
                          aria-label={`${t("bd.resendOne")}：${p.name}`}
                        >
                          {t("bd.resendOne")}
                        </button>
                      </td>
                    ) : null}
                    {canProxy ? (
                      <td>
                        {proxyFor === p.personId ? (
                          <ProxyForm
                            rollcallId={rc.id}
                            personId={p.personId}
                            name={p.name}
                            onDone={() => {
                              setProxyFor(null);
                              onChanged();
                            }}
                          />
                        ) : (
                          <button type="button" class="btn small" onClick={() => setProxyFor(p.personId)}>
                            {t("bd.proxy")}
                          </button>
                        )}
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      {shown < items.length || next !== null ? (
        <button type="button" class="btn" onClick={more} data-testid="non-responders-more">
          {t("bd.more")}
        </button>
      ) : null}
    </section>
  );
}

/** Whom to phone about each facility's non-responders (admins' boards only; the viewer's board has none). */
function PhoneChecks({
  rc,
  checks,
  onChanged,
  more,
}: {
  rc: Rollcall;
  checks: PhoneCheck[];
  onChanged: () => void;
  /** The "さらに表示" button that loads the next page (once every card held is shown). */
  more: () => ComponentChildren;
}) {
  const [shown, setShown] = useState(ROWS / 2);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const waiting = checks.filter((c) => c.unreplied > 0);
  if (!waiting.length) return null;
  const open = isLive(rc.state);
  async function resendFacility(facilityId: number) {
    setError(null);
    try {
      setDone(await resendTo(rc.id, { facilityId }));
      onChanged();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <section aria-labelledby="bd-phone" data-testid="phone-check">
      <h2 id="bd-phone">{t("bd.phoneCheck")}</h2>
      <p class="help">{t("bd.phoneCheckHelp")}</p>
      {done ? <Notice>{done}</Notice> : null}
      <ErrorNote error={error} />
      <ul class="phone-checks">
        {waiting.slice(0, shown).map((c) => (
          <li key={c.facilityId} class="card">
            <h3>
              <Link href={`/rollcalls/${rc.id}/facilities/${c.facilityId}`}>{c.facility}</Link>{" "}
              <span class="badge">{t("bd.unrepliedN", { n: count(c.unreplied) })}</span>
            </h3>
            <ul>
              {c.facilityPhone ? (
                <li>
                  {t("bd.facilityPhone")}：<a href={`tel:${c.facilityPhone}`}>{phone(c.facilityPhone)}</a>
                </li>
              ) : null}
              {c.admins.map((a) => (
                <li key={a.personId}>
                  {a.name}（{t(`bd.role.${a.role}`)}）：
                  {a.mobile ? <a href={`tel:${a.mobile}`}>{phone(a.mobile)}</a> : <span class="help">{t("bd.noAdminPhone")}</span>}
                </li>
              ))}
            </ul>
            {open ? (
              <button type="button" class="btn small" onClick={() => resendFacility(c.facilityId)}>
                {t("bd.resendFacility")}
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {shown < waiting.length ? (
        <div class="buttons">
          <button type="button" class="btn" onClick={() => setShown(shown + PAGE)} data-testid="phone-check-more">
            {t("bd.more")}
          </button>
        </div>
      ) : (
        more()
      )}
    </section>
  );
}

/** 代理回答: a facility admin records the answer of someone they reached. Nothing is chosen for them: every answer is picked. */
function ProxyForm({ rollcallId, personId, name, onDone }: { rollcallId: number; personId: number; name: string; onDone: () => void }) {
  const [safety, setSafety] = useState("");
  const [availability, setAvailability] = useState("");
  const [reachedBy, setReachedBy] = useState("");
  const [missing, setMissing] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function save(e: Event) {
    e.preventDefault();
    const gap = !safety ? t("bd.proxyNeedSafety") : !reachedBy ? t("bd.proxyNeedHow") : null;
    setMissing(gap);
    if (gap) return;
    setBusy(true);
    try {
      await api.post(`/api/rollcalls/${rollcallId}/replies/${personId}`, {
        answers: { safety, ...(availability ? { availability } : {}) },
        comment: "",
        reachedBy,
      });
      onDone();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }
  const pick = t("bd.proxyPick");
  return (
    <form onSubmit={save} class="proxy" aria-label={`${t("bd.proxy")}: ${name}`} noValidate>
      <label for={`px-s-${personId}`}>{t("bd.safety")}</label>
      <select id={`px-s-${personId}`} value={safety} onChange={(e) => setSafety((e.currentTarget as HTMLSelectElement).value)}>
        <option value="">{pick}</option>
        {SAFETY.map((k) => (
          <option key={k} value={k}>
            {label("safety", k)}
          </option>
        ))}
      </select>
      <label for={`px-a-${personId}`}>{t("bd.availability")}</label>
      <select id={`px-a-${personId}`} value={availability} onChange={(e) => setAvailability((e.currentTarget as HTMLSelectElement).value)}>
        <option value="">{pick}</option>
        {AVAILABILITY.map((k) => (
          <option key={k} value={k}>
            {label("availability", k)}
          </option>
        ))}
      </select>
      <fieldset class="proxy-how">
        <legend>{t("bd.proxyHow")}</legend>
        {PROXY_REACHED.map((k) => (
          <span class="field check" key={k}>
            <input type="radio" name={`px-h-${personId}`} id={`px-h-${personId}-${k}`} checked={reachedBy === k} onChange={() => setReachedBy(k)} />
            <label for={`px-h-${personId}-${k}`}>{t(`bd.reached.${k}`)}</label>
          </span>
        ))}
      </fieldset>
      {missing ? (
        <p class="field-error" role="alert">
          {missing}
        </p>
      ) : null}
      <button type="submit" class="btn small primary" disabled={busy}>
        {t("bd.proxySave")}
      </button>
      <ErrorNote error={error} />
    </form>
  );
}
