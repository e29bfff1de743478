import { useCallback, useState } from "preact/hooks";
import { api } from "../api";
import { count, dateTime, percent } from "../format";
import { addStrings, t } from "../i18n";
import { label } from "../labels";
import type { Me, ReadinessData, ReadinessTestResult } from "../types";
import { ErrorNote, Loaded, Notice, Page, ScrollRegion, useLoad } from "../ui";

addStrings({
  ja: {
    "rd.intro":
      "災害の前に見ておく数字です。事業所ごとに、連絡がつく手段（通知・確認済みの携帯・確認済みのメール）が1つ以上ある職員の割合と、最後にテストが届いた日です。",
    "rd.facility": "事業所",
    "rd.staff": "職員",
    "rd.reachable": "連絡がつく",
    "rd.share": "割合",
    "rd.push": "通知",
    "rd.mobile": "携帯",
    "rd.email": "メール",
    "rd.unverified": "未確認の連絡先",
    "rd.lastTest": "最後のテスト成功",
    "rd.never": "まだ",
    "rd.network": "ネットワーク全体",
    "rd.testAll": "全体にテストを送る",
    "rd.testFacility": "テストを送る",
    "rd.confirm": "{target}の{n}名にテストメッセージを送ります",
    "rd.confirmHelp": "安否確認ではありません。届いたかどうかを記録し、この表に反映します。",
    "rd.cancel": "やめる",
    "rd.sent": "テストメッセージを送りました（{n}名）。",
    "rd.unreachable": "連絡がつかない人（先に直す）",
    "rd.tests": "最近のテストメッセージ",
    "rd.sentAt": "送信",
    "rd.reached": "届いた / 対象",
    "rd.acknowledged": "確認を押した",
  },
  en: {
    "rd.intro":
      "The number to watch before a disaster: per facility, the share of staff with at least one working channel (push, verified mobile, verified email) and the last test that arrived.",
    "rd.facility": "Facility",
    "rd.staff": "Staff",
    "rd.reachable": "Reachable",
    "rd.share": "Share",
    "rd.push": "Push",
    "rd.mobile": "Mobile",
    "rd.email": "Email",
    "rd.unverified": "Unverified contacts",
    "rd.lastTest": "Last successful test",
    "rd.never": "never",
    "rd.network": "the whole network",
    "rd.testAll": "Test the whole network",
    "rd.testFacility": "Send a test",
    "rd.confirm": "Send a test message to {n} people of {target}",
    "rd.confirmHelp": "This is not a roll-call. Arrivals are recorded and show in this table.",
    "rd.cancel": "Cancel",
    "rd.sent": "Test message sent ({n} people).",
    "rd.unreachable": "Nobody can reach them (fix these first)",
    "rd.tests": "Recent test messages",
    "rd.sentAt": "Sent",
    "rd.reached": "Reached / asked",
    "rd.acknowledged": "Acknowledged",
  },
});

type Target = { facilityId: number; name: string; n: number } | { all: true; n: number };

/** Peacetime readiness: who can be reached, per facility, and the test-message button with its explicit confirm. */
export function Readiness({ me }: { me: Me }) {
  const result = useLoad(useCallback(() => api.get<ReadinessData>("/api/readiness"), []));
  const [target, setTarget] = useState<Target | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const isNetworkAdmin = me.roles.includes("network_admin");
  const canTest = me.roles.some((r) => r === "network_admin" || r === "facility_admin" || r === "delegate");

  async function send() {
    if (!target) return;
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<ReadinessTestResult>("/api/readiness/test", "all" in target ? { all: true } : { facilityId: target.facilityId });
      setDone(t("rd.sent", { n: count(r.people) }));
      setTarget(null);
      result.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  const targetName = (x: Target) => ("all" in x ? t("rd.network") : x.name);

  return (
    <Page title={t("nav.readiness")}>
      <p>{t("rd.intro")}</p>
      <Loaded result={result}>
        {(d) => (
          <>
            <ul class="stats">
              <li class="stat">
                <span class="label">{t("rd.reachable")}</span>
                <span class="value" data-testid="readiness-share">
                  {percent(d.totals.reachable, d.totals.staff)}
                </span>
              </li>
              <li class="stat">
                <span class="label">{t("rd.staff")}</span>
                <span class="value">{count(d.totals.staff)}</span>
              </li>
              <li class="stat">
                <span class="label">{t("rd.unverified")}</span>
                <span class="value" data-testid="readiness-unverified">
                  {count(d.totals.unverified)}
                </span>
              </li>
              <li class="stat">
                <span class="label">{t("rd.lastTest")}</span>
                <span class="value small">{d.totals.lastTestAt ? dateTime(d.totals.lastTestAt) : t("rd.never")}</span>
              </li>
            </ul>
            {done ? <Notice>{done}</Notice> : null}
            {target ? (
              <section class="card confirm drill" aria-labelledby="rd-confirm">
                <h2 id="rd-confirm" class="confirm-line">
                  {t("rd.confirm", { n: count(target.n), target: targetName(target) })}
                </h2>
                <p>{t("rd.confirmHelp")}</p>
                <ErrorNote error={error} />
                <div class="buttons">
                  <button type="button" class="btn primary big" disabled={busy} onClick={send}>
                    {t("rd.confirm", { n: count(target.n), target: targetName(target) })}
                  </button>
                  <button type="button" class="btn" disabled={busy} onClick={() => setTarget(null)}>
                    {t("rd.cancel")}
                  </button>
                </div>
              </section>
            ) : isNetworkAdmin && d.facilities ? (
              <div class="buttons">
                <button
                  type="button"
                  class="btn"
                  onClick={() => {
                    setDone(null);
                    setTarget({ all: true, n: d.totals.staff });
                  }}
                >
                  {t("rd.testAll")}
                </button>
              </div>
            ) : null}
            {d.facilities ? (
              <ScrollRegion label={t("nav.readiness")}>
                <table class="wide" data-testid="readiness-table">
                  <thead>
                    <tr>
                      <th scope="col">{t("rd.facility")}</th>
                      <th scope="col" class="num">
                        {t("rd.reachable")} / {t("rd.staff")}
                      </th>
                      <th scope="col" class="num">
                        {t("rd.share")}
                      </th>
                      <th scope="col" class="num">
                        {t("rd.push")}
                      </th>
                      <th scope="col" class="num">
                        {t("rd.mobile")}
                      </th>
                      <th scope="col" class="num">
                        {t("rd.email")}
                      </th>
                      <th scope="col" class="num">
                        {t("rd.unverified")}
                      </th>
                      <th scope="col">{t("rd.lastTest")}</th>
                      <th scope="col">
                        <span class="sr-only">{t("rd.testFacility")}</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {(d.facilities ?? []).map((f) => {
                      const share = f.staff ? f.reachable / f.staff : 1;
                      return (
                        <tr key={f.facilityId} class={share < 0.8 ? "bad" : share >= 1 ? "ok" : ""}>
                          <td>
                            {f.name}
                            <div class="help">{label("ft", f.type)}</div>
                          </td>
                          <td class="num">
                            {count(f.reachable)} / {count(f.staff)}
                          </td>
                          <td class="num">{percent(f.reachable, f.staff)}</td>
                          <td class="num">{count(f.push)}</td>
                          <td class="num">{count(f.mobile)}</td>
                          <td class="num">{count(f.email)}</td>
                          <td class="num">{count(f.unverified)}</td>
                          <td>{f.lastTestAt ? dateTime(f.lastTestAt) : t("rd.never")}</td>
                          <td>
                            {canTest ? (
                              <button
                                type="button"
                                class="btn small"
                                disabled={!!target}
                                aria-label={`${t("rd.testFacility")}：${f.name}`}
                                onClick={() => {
                                  setDone(null);
                                  setTarget({ facilityId: f.facilityId, name: f.name, n: f.staff });
                                }}
                              >
                                {t("rd.testFacility")}
                              </button>
                            ) : null}
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </ScrollRegion>
            ) : null}
            {d.unreachable?.length ? (
              <section aria-labelledby="rd-unreach">
                <h2 id="rd-unreach">{t("rd.unreachable")}</h2>
                <ul class="plain-list" data-testid="readiness-unreachable">
                  {d.unreachable.map((p) => (
                    <li key={`${p.personId}-${p.facilityId}`}>
                      {p.name}
                      <span class="help">{p.facility}</span>
                    </li>
                  ))}
                </ul>
              </section>
            ) : null}
            {d.tests.length ? (
              <section aria-labelledby="rd-tests">
                <h2 id="rd-tests">{t("rd.tests")}</h2>
                <div class="table-wrap">
                  <table data-testid="readiness-tests">
                    <thead>
                      <tr>
                        <th scope="col">{t("rd.sentAt")}</th>
                        <th scope="col">{t("rd.facility")}</th>
                        <th scope="col" class="num">
                          {t("rd.reached")}
                        </th>
                        <th scope="col" class="num">
                          {t("rd.acknowledged")}
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {d.tests.map((x) => (
                        <tr key={x.rollcallId}>
                          <td>{dateTime(x.sentAt)}</td>
                          <td>{x.facilityId === null ? t("rd.network") : ((d.facilities ?? []).find((f) => f.facilityId === x.facilityId)?.name ?? "—")}</td>
                          <td class="num">
                            {count(x.reached)} / {count(x.recipients)}
                          </td>
                          <td class="num">{count(x.acknowledged)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </section>
            ) : null}
          </>
        )}
      </Loaded>
    </Page>
  );
}
