import { useCallback, useState } from "preact/hooks";
import { api, failureMessage } from "../api";
import { FacilityReportList, problemWords } from "../board/FacilityReport";
import { count, dateTime, phone } from "../format";
import { addStrings, t } from "../i18n";
import { label } from "../labels";
import type { Answers, FacilityDetail, Me, PersonDetail } from "../types";
import { ErrorNote, Link, Loaded, Notice, Page, ScrollRegion, useLoad } from "../ui";
import { AVAILABILITY, SAFETY } from "../../../worker/templates/answers";
import { isAdminOf, resendTo } from "./Board";

addStrings({
  ja: {
    "dd.back": "ボードに戻る",
    "dd.available": "出勤できる人",
    "dd.noneAvailable": "まだいません。",
    "dd.arrival": "到着見込み {a}",
    "dd.recipients": "対象者",
    "dd.job": "職種",
    "dd.answeredAt": "回答日時",
    "dd.comment": "コメント",
    "dd.removeComment": "コメントを削除",
    "dd.removeConfirm": "このコメントを削除しますか？回答は残ります。削除は記録されます。",
    "dd.contacts": "連絡先",
    "dd.via": "経路",
    "dd.report": "施設の状況",
    "dd.reportBy": "{name}さん（{at}）",
    "dd.noReport": "施設の状況の報告はまだありません。",
    "dd.phoneCheck": "電話する相手",
    "dd.photo": "{name}さんの顔写真",
    "dd.noPhoto": "写真なし",
    "dd.replies": "回答（すべての版）",
    "dd.noReplies": "まだ回答していません。",
    "dd.removed": "（コメントは管理者が削除しました）",
    "dd.proxyBy": "代理回答：{name}",
    "dd.deliveries": "届けた経路",
    "dd.wave": "第{n}段",
    "dd.attempts": "試行 {n}回",
    "dd.toAdmins": "管理者あて",
    "dd.verified": "確認済み",
    "dd.phoneKind": "電話（SMSは送りません）",
    "dd.unverified": "未確認",
    "dd.facilityAdmin": "事業所管理者",
    "dd.waveCol": "段階",
    "dd.channel": "連絡手段",
    "dd.state": "状態",
    "dd.at": "日時",
    "via.link": "リンク",
    "via.sms": "SMS",
    "via.proxy": "代理",
    "via.push_action": "通知のボタン",
    "via.push": "通知のボタン",
  },
  en: {
    "dd.back": "Back to the board",
    "dd.available": "Who can come in",
    "dd.noneAvailable": "Nobody yet.",
    "dd.arrival": "expected {a}",
    "dd.recipients": "Recipients",
    "dd.job": "Job",
    "dd.answeredAt": "Answered",
    "dd.comment": "Comment",
    "dd.removeComment": "Remove comment",
    "dd.removeConfirm": "Remove this comment? The answers stay. The removal is logged.",
    "dd.contacts": "Contacts",
    "dd.via": "Via",
    "dd.report": "Facility state",
    "dd.reportBy": "{name} ({at})",
    "dd.noReport": "No facility report yet.",
    "dd.phoneCheck": "Whom to phone",
    "dd.photo": "Photo of {name}",
    "dd.noPhoto": "No photo",
    "dd.replies": "Answers (every version)",
    "dd.noReplies": "No answer yet.",
    "dd.removed": "(comment removed by an admin)",
    "dd.proxyBy": "Recorded by {name}",
    "dd.deliveries": "How we reached them",
    "dd.wave": "Wave {n}",
    "dd.attempts": "{n} attempts",
    "dd.toAdmins": "to admins",
    "dd.verified": "verified",
    "dd.phoneKind": "phone (no SMS)",
    "dd.unverified": "not verified",
    "dd.facilityAdmin": "Facility admin",
    "dd.waveCol": "Wave",
    "dd.channel": "Channel",
    "dd.state": "State",
    "dd.at": "When",
    "via.link": "Link",
    "via.sms": "SMS",
    "via.proxy": "Proxy",
    "via.push_action": "Notification button",
    "via.push": "Notification button",
  },
});

/** The answers as one short line: 無事・出勤可能（到着 10:30）. */
export function answerLine(a: Answers | null | undefined): string {
  if (!a) return t("unanswered");
  const parts: string[] = [];
  if (a.safety) parts.push(label("safety", a.safety));
  if (a.availability) parts.push(label("availability", a.availability) + (a.arrival ? `（${t("dd.arrival", { a: a.arrival })}）` : ""));
  if (a.ack) parts.push("✓");
  const problems = problemWords(a.facility);
  if (problems.length) parts.push(`${t("fr.heading")}：${problems.join("・")}`);
  return parts.join("・") || "—";
}

/** One facility of a roll-call: everyone asked, their answers, its report (施設の状況), who can come in. */
export function FacilityDrill({ id, facilityId, me }: { id: number; facilityId: number; me: Me }) {
  const result = useLoad(useCallback(() => api.get<FacilityDetail>(`/api/rollcalls/${id}/facilities/${facilityId}`), [id, facilityId]));
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  return (
    <Loaded result={result}>
      {(f) => (
        <Page
          title={f.facility.name}
          actions={
            <Link href={`/rollcalls/${id}`} class="btn">
              {t("dd.back")}
            </Link>
          }
        >
          <p>
            {label("ft", f.facility.type)}・{t("bd.replied")} {count(f.counts.replied)} / {count(f.counts.recipients)}
            {f.facility.phone ? (
              <>
                ・{t("bd.facilityPhone")}：<a href={`tel:${f.facility.phone}`}>{phone(f.facility.phone)}</a>
              </>
            ) : null}
          </p>
          <ul class="stats">
            {SAFETY.map((k) => (
              <li class="stat" key={k}>
                <span class="label">{label("safety", k)}</span>
                <span class="value">{count(f.counts.safety[k] ?? 0)}</span>
              </li>
            ))}
            {AVAILABILITY.map((k) => (
              <li class="stat" key={k}>
                <span class="label">{label("availability", k)}</span>
                <span class="value">{count(f.counts.availability[k] ?? 0)}</span>
              </li>
            ))}
          </ul>
          <section aria-labelledby="dd-report" class="card">
            <h2 id="dd-report">{t("dd.report")}</h2>
            {f.report ? (
              <>
                <FacilityReportList report={f.report} />
                <p class="help">{t("dd.reportBy", { name: f.report.by.name, at: dateTime(f.report.at) })}</p>
              </>
            ) : (
              <p>{t("dd.noReport")}</p>
            )}
          </section>
          <section aria-labelledby="dd-avail">
            <h2 id="dd-avail">{t("dd.available")}</h2>
            {f.available.length ? (
              <ul>
                {f.available.map((p) => (
                  <li key={p.personId}>
                    <Link href={`/rollcalls/${id}/people/${p.personId}`}>{p.name}</Link>
                    {p.job ? `（${p.job}）` : ""}：{label("availability", p.availability)}
                    {p.arrival ? ` ${t("dd.arrival", { a: p.arrival })}` : ""}
                  </li>
                ))}
              </ul>
            ) : (
              <p>{t("dd.noneAvailable")}</p>
            )}
          </section>
          {f.phoneCheck && f.counts.replied < f.counts.recipients ? (
            <section aria-labelledby="dd-phone" class="card" data-testid="phone-check">
              <h2 id="dd-phone">{t("dd.phoneCheck")}</h2>
              <ul>
                {f.phoneCheck.admins.map((a) => (
                  <li key={a.personId}>
                    {a.name}（{t(`bd.role.${a.role}`, a.role)}）：
                    {a.mobile ? <a href={`tel:${a.mobile}`}>{phone(a.mobile)}</a> : <span class="help">{t("bd.noAdminPhone")}</span>}
                  </li>
                ))}
              </ul>
              {isAdminOf(me) ? (
                <button
                  type="button"
                  class="btn"
                  onClick={async () => {
                    setError(null);
                    try {
                      setDone(await resendTo(id, { facilityId }));
                      result.reload();
                    } catch (err) {
                      setError(err);
                    }
                  }}
                >
                  {t("bd.resendFacility")}
                </button>
              ) : null}
              {done ? <Notice>{done}</Notice> : null}
              <ErrorNote error={error} />
            </section>
          ) : null}
          <section aria-labelledby="dd-people">
            <h2 id="dd-people">{t("dd.recipients")}</h2>
            <ScrollRegion labelledBy="dd-people">
              <table class="wide" data-testid="facility-recipients">
                <thead>
                  <tr>
                    <th scope="col">{t("dir.name", "名前")}</th>
                    <th scope="col">{t("dd.job")}</th>
                    <th scope="col">
                      {t("bd.safety")}・{t("bd.availability")}
                    </th>
                    <th scope="col">{t("dd.answeredAt")}</th>
                    <th scope="col">{t("dd.comment")}</th>
                    {f.recipients.some((r) => r.contacts) ? <th scope="col">{t("dd.contacts")}</th> : null}
                  </tr>
                </thead>
                <tbody>
                  {f.recipients.map((r) => (
                    <tr key={r.personId} class={r.answers?.safety === "severe" ? "bad" : r.repliedAt ? "" : "waiting"}>
                      <td>
                        <Link href={`/rollcalls/${id}/people/${r.personId}`}>{r.name}</Link>
                        {r.isFacilityAdmin ? <div class="help">{t("dd.facilityAdmin")}</div> : null}
                      </td>
                      <td>{r.job || "—"}</td>
                      <td>
                        {answerLine(r.answers)}
                        {r.via === "proxy" ? <div class="help">{t("bd.proxy")}</div> : null}
                      </td>
                      <td>{dateTime(r.repliedAt)}</td>
                      <td>{r.comment || "—"}</td>
                      {r.contacts ? (
                        <td>
                          {r.contacts.mobile ? <a href={`tel:${r.contacts.mobile}`}>{phone(r.contacts.mobile)}</a> : null}
                          {r.contacts.email ? <div>{r.contacts.email}</div> : null}
                        </td>
                      ) : f.recipients.some((x) => x.contacts) ? (
                        <td>—</td>
                      ) : null}
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollRegion>
          </section>
        </Page>
      )}
    </Loaded>
  );
}

/** One person of a roll-call: photo, every version of their answer, every delivery and how it went. */
export function PersonDrill({ id, personId }: { id: number; personId: number }) {
  const result = useLoad(useCallback(() => api.get<PersonDetail>(`/api/rollcalls/${id}/people/${personId}`), [id, personId]));
  return (
    <Loaded result={result}>
      {(p) => (
        <Page
          title={p.person.name}
          actions={
            <>
              {p.person.facilityId ? (
                <Link href={`/rollcalls/${id}/facilities/${p.person.facilityId}`} class="btn">
                  {p.person.facility ?? t("bd.facility")}
                </Link>
              ) : null}
              <Link href={`/rollcalls/${id}`} class="btn">
                {t("dd.back")}
              </Link>
            </>
          }
        >
          <div class="person-head">
            {p.person.photoUrl ? (
              <img class="face" src={p.person.photoUrl} alt={t("dd.photo", { name: p.person.name })} width={128} height={128} data-testid="person-photo" />
            ) : (
              <div class="face none" aria-hidden="true">
                {t("dd.noPhoto")}
              </div>
            )}
            <dl class="pairs">
              <dt>{t("prof.kana", "ふりがな")}</dt>
              <dd>{p.person.kana || "—"}</dd>
              <dt>{t("dd.job")}</dt>
              <dd>{p.person.job || "—"}</dd>
              <dt>{t("bd.facility")}</dt>
              <dd>
                {p.person.facility ?? "—"}
                {p.person.isFacilityAdmin ? `（${t("dd.facilityAdmin")}）` : ""}
              </dd>
              <dt>{t("dd.answeredAt")}</dt>
              <dd>{dateTime(p.repliedAt)}</dd>
              {p.contacts ? (
                <>
                  <dt>{t("dd.contacts")}</dt>
                  <dd>
                    {p.contacts.length === 0 ? "—" : null}
                    {p.contacts.map((c) => (
                      <div key={c.value}>
                        {c.kind === "email" ? c.value : <a href={`tel:${c.value}`}>{phone(c.value)}</a>}{" "}
                        <span class="help">{c.kind === "phone" ? t("dd.phoneKind") : c.verified ? t("dd.verified") : t("dd.unverified")}</span>
                      </div>
                    ))}
                  </dd>
                </>
              ) : null}
            </dl>
          </div>
          <section aria-labelledby="pd-replies">
            <h2 id="pd-replies">{t("dd.replies")}</h2>
            {p.replies.length === 0 ? (
              <p>{t("dd.noReplies")}</p>
            ) : (
              <ol class="versions" data-testid="reply-versions">
                {p.replies.map((r) => (
                  <li key={r.id}>
                    <strong>{answerLine(r.answers)}</strong>
                    <div class="help">
                      {dateTime(r.at)}・{t("dd.via")}：{t(`via.${r.via}`, r.via)}
                      {r.proxyBy ? `・${t("dd.proxyBy", { name: r.proxyBy.name })}` : ""}
                    </div>
                    {r.commentRemoved ? <p class="help">{t("dd.removed")}</p> : r.comment ? <p>{r.comment}</p> : null}
                    {/* Admins in scope (the ones who see contacts) may remove an inappropriate comment (§5). */}
                    {p.contacts && r.comment && !r.commentRemoved ? (
                      <button
                        type="button"
                        class="btn"
                        onClick={async () => {
                          if (!confirm(t("dd.removeConfirm"))) return;
                          await api.del(`/api/rollcalls/${id}/replies/${r.id}/comment`).then(result.reload, (e: unknown) => alert(failureMessage(e)));
                        }}
                      >
                        {t("dd.removeComment")}
                      </button>
                    ) : null}
                  </li>
                ))}
              </ol>
            )}
          </section>
          <section aria-labelledby="pd-del">
            <h2 id="pd-del">{t("dd.deliveries")}</h2>
            <div class="table-wrap">
              <table data-testid="person-deliveries">
                <thead>
                  <tr>
                    <th scope="col">{t("dd.waveCol")}</th>
                    <th scope="col">{t("dd.channel")}</th>
                    <th scope="col">{t("dd.state")}</th>
                    <th scope="col">{t("dd.at")}</th>
                  </tr>
                </thead>
                <tbody>
                  {p.deliveries.map((d) => (
                    <tr key={d.id} class={d.state === "failed" ? "bad" : d.state === "delivered" ? "ok" : ""}>
                      <td>
                        {t("dd.wave", { n: d.wave })}
                        {d.audience === "facility_admins" ? <div class="help">{t("dd.toAdmins")}</div> : null}
                      </td>
                      <td>
                        {label("ch", d.channel)}
                        {d.device ? <div class="help">{d.device}</div> : null}
                      </td>
                      <td>
                        {label("dstate", d.state)}
                        {d.attempts > 1 ? <div class="help">{t("dd.attempts", { n: d.attempts })}</div> : null}
                        {d.error ? <div class="help">{d.error}</div> : null}
                      </td>
                      <td>{dateTime(d.updatedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        </Page>
      )}
    </Loaded>
  );
}
