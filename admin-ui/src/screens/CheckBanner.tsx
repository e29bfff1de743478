/**
 * 患者さんの確認 (issue 15): the banner that leads a member of patient groups to the
 * checks of each open roll-call, on the patient groups' list and on Home (one light,
 * unaudited read of counts: GET /api/patients/checks). Its own module so that both
 * screens and the checks screen import it without a cycle.
 */
import { useEffect, useState } from "preact/hooks";
import type { z } from "zod";
import type * as Pt from "../../../worker/patients/schemas";
import { api } from "../api";
import { addStrings, t } from "../i18n";
import { Link } from "../ui";
import "./patient-checks.css";

export type MyChecks = z.infer<typeof Pt.MyChecksSchema>["items"];
export type MyCheck = MyChecks[number];

addStrings({
  ja: {
    "pc.title": "患者さんの確認",
    "pc.drill": "【訓練】",
    "pc.banner": "{drill}{title}：患者さんの確認 未確認 {n}人",
    "pc.banners": "患者さんの確認",
  },
  en: {
    "pc.title": "Patient checks",
    "pc.drill": "[Drill] ",
    "pc.banner": "{drill}{title}: patient checks, {n} not checked",
    "pc.banners": "Patient checks",
  },
});

/** 「【訓練】{title}」 */
export const rollcallHeading = (r: Pick<MyCheck, "title" | "drill">) => `${r.drill ? t("pc.drill") : ""}${r.title}`;

/** One link per open roll-call with checks of the caller's groups: 「【訓練】地震訓練：患者さんの確認 未確認 3人」. */
export function CheckBanners({ checks }: { checks: MyChecks }) {
  if (!checks.length) return null;
  return (
    <nav aria-label={t("pc.banners")}>
      <ul class="pc-banners" data-testid="check-banners">
        {checks.map((c) => (
          <li key={c.rollcallId}>
            <Link href={`/rollcalls/${c.rollcallId}/patients`} class={`pc-banner${c.unchecked > 0 ? " open" : ""}${c.drill ? " drill" : ""}`}>
              {t("pc.banner", { drill: c.drill ? t("pc.drill") : "", title: c.title, n: c.unchecked })}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** The banners: one read, nothing shown when there are none. */
export function MyCheckBanners() {
  const [checks, setChecks] = useState<MyChecks>([]);
  useEffect(() => {
    let live = true;
    api.get<z.infer<typeof Pt.MyChecksSchema>>("/api/patients/checks").then(
      (r) => live && setChecks(r.items),
      () => {},
    );
    return () => {
      live = false;
    };
  }, []);
  return <CheckBanners checks={checks} />;
}
