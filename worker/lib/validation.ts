/**
 * A failed zod validation as a person reads it: the first issue, named by its field,
 * in Japanese and in English (「件名を入れてください。」). The machine words stay in
 * the JSON: `code` "invalid" and `field` the path ("scope.facilityIds").
 *
 * A refinement of our own words its issue with `params: { ja }` beside its English
 * `message` ({@link refineText}); any other custom issue falls back to a plain
 * 「…の値が正しくありません」.
 */
import type { z } from "@hono/zod-openapi";
import { ApiError, jaEn, type Bilingual } from "./errors";

/** The words of the fields people send, for messages (the admin UI shows its own labels too). */
const FIELD_WORDS: Record<string, Bilingual> = {
  title: jaEn("件名", "the title"),
  message: jaEn("本文", "the message"),
  name: jaEn("名前", "the name"),
  kana: jaEn("フリガナ", "the reading (kana)"),
  email: jaEn("メールアドレス", "the email address"),
  mobile: jaEn("携帯電話番号", "the mobile number"),
  phone: jaEn("電話番号", "the phone number"),
  password: jaEn("パスワード", "the password"),
  current: jaEn("今のパスワード", "the current password"),
  next: jaEn("新しいパスワード", "the new password"),
  code: jaEn("確認コード", "the code"),
  comment: jaEn("コメント", "the comment"),
  patientChecks: jaEn("患者さんの確認", "the patient checks"),
  patientId: jaEn("患者さんの番号", "the patient's number"),
  release: jaEn("担当を外すかどうか", "whether to let the check go"),
  patientCheckMinutes: jaEn("患者さんの確認の期限（分）", "the time to check patients (minutes)"),
  districts: jaEn("地区", "the districts"),
  result: jaEn("確認の結果", "the result"),
  power: jaEn("医療機器の電源", "the devices' power"),
  location: jaEn("いまいる場所", "where the patient is"),
  safety: jaEn("安否", "safety"),
  availability: jaEn("出勤", "availability"),
  arrival: jaEn("到着の見込み", "the arrival time"),
  scope: jaEn("送り先", "the scope"),
  template: jaEn("テンプレート", "the template"),
  templateRef: jaEn("テンプレート", "the template"),
  facilityId: jaEn("事業所", "the facility"),
  facilityIds: jaEn("事業所", "the facilities"),
  facilityTypes: jaEn("事業所の種別", "the facility types"),
  groupIds: jaEn("グループ", "the groups"),
  groupId: jaEn("グループ", "the group"),
  personId: jaEn("職員", "the person"),
  personIds: jaEn("職員", "the people"),
  role: jaEn("役割", "the role"),
  job: jaEn("職種", "the job"),
  type: jaEn("種別", "the type"),
  drill: jaEn("訓練か本番か", "drill"),
  reachedBy: jaEn("確認の方法", "how the person was reached"),
  lang: jaEn("言語", "the language"),
  value: jaEn("入力", "the value"),
  label: jaEn("名前", "the label"),
  passwordMinLength: jaEn("パスワードの最小文字数", "the password's minimum length"),
  body: jaEn("送られたデータ", "the body"),
  areaCodes: jaEn("地域コード", "the area codes"),
  cityCodes: jaEn("市町村コード", "the city codes"),
  threshold: jaEn("震度", "the intensity"),
  feedUrl: jaEn("フィードのURL", "the feed URL"),
  maxReportAgeMinutes: jaEn("報の古さの上限（分）", "the maximum report age"),
  permissions: jaEn("権限", "the permissions"),
  birthDate: jaEn("生年月日", "the date of birth"),
  address: jaEn("住所", "the address"),
  district: jaEn("地区", "the district"),
  needs: jaEn("災害時の必要", "the needs"),
  batteryHours: jaEn("バッテリーの時間", "the battery hours"),
  careLevel: jaEn("要介護度", "the care level"),
  evacuationPlace: jaEn("避難先", "the evacuation place"),
  consent: jaEn("同意", "the consent"),
  givenOn: jaEn("同意の日付", "the day of the consent"),
  physicianId: jaEn("主治医", "the physician"),
  text: jaEn("内容", "the text"),
  readOnly: jaEn("読むだけ", "read-only"),
  reason: jaEn("理由", "the reason"),
};

/** The words for a field path: its last named part ("scope.facilityIds.0" → 事業所), else the path itself. */
export function fieldWords(path: string): Bilingual {
  const parts = path.split(".").filter((p) => !/^\d+$/.test(p));
  for (let i = parts.length - 1; i >= 0; i--) {
    const w = FIELD_WORDS[parts[i]!];
    if (w) return w;
  }
  return jaEn(`「${path}」`, `"${path}"`);
}

type Issue = z.core.$ZodIssue;

/** One issue in words. */
export function issueText(issue: Issue, field: string): Bilingual {
  const f = fieldWords(field);
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined || issue.input === null) return jaEn(`${f.ja}を入れてください。`, `Enter ${f.en}.`);
      return jaEn(`${f.ja}の形が正しくありません。`, `${cap(f.en)} has the wrong form.`);
    case "too_small":
      if (issue.origin === "string") {
        if (Number(issue.minimum) <= 1) return jaEn(`${f.ja}を入れてください。`, `Enter ${f.en}.`);
        return jaEn(`${f.ja}は${issue.minimum}文字以上にしてください。`, `${cap(f.en)}: at least ${issue.minimum} characters.`);
      }
      if (issue.origin === "array" || issue.origin === "set")
        return jaEn(`${f.ja}を${issue.minimum}つ以上選んでください。`, `Choose at least ${issue.minimum} for ${f.en}.`);
      return jaEn(`${f.ja}は${issue.minimum}以上にしてください。`, `${cap(f.en)}: at least ${issue.minimum}.`);
    case "too_big":
      if (issue.origin === "string") return jaEn(`${f.ja}は${issue.maximum}文字までです。`, `${cap(f.en)}: at most ${issue.maximum} characters.`);
      if (issue.origin === "array" || issue.origin === "set") return jaEn(`${f.ja}は${issue.maximum}つまでです。`, `${cap(f.en)}: at most ${issue.maximum}.`);
      return jaEn(`${f.ja}は${issue.maximum}以下にしてください。`, `${cap(f.en)}: at most ${issue.maximum}.`);
    case "invalid_format":
      if (issue.format === "email") return jaEn("メールアドレスの形が正しくありません。", "This is not a valid email address.");
      if (issue.format === "url") return jaEn(`${f.ja}はURLで入れてください。`, `${cap(f.en)} must be a URL.`);
      return jaEn(`${f.ja}の形が正しくありません。`, `${cap(f.en)} has the wrong form.`);
    case "invalid_value":
      return jaEn(`${f.ja}は決められた値から選んでください。`, `Choose one of the allowed values for ${f.en}.`);
    case "unrecognized_keys":
      return jaEn(`知らない項目があります（${issue.keys.join("、")}）。`, `Unknown fields: ${issue.keys.join(", ")}.`);
    case "custom": {
      const ja = (issue.params as { ja?: unknown } | undefined)?.ja;
      if (typeof ja === "string") return jaEn(ja, issue.message);
      return jaEn(`${f.ja}の値が正しくありません。`, issue.message || `${cap(f.en)} is not valid.`);
    }
    default:
      return jaEn(`${f.ja}の値が正しくありません。`, `${cap(f.en)} is not valid.`);
  }
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The 400 for a failed parse: the first issue, its field named (`fallback` when the issue has no path). */
export function validationError(error: z.ZodError, fallback = "body"): ApiError {
  const issue = error.issues[0];
  const field = issue ? issue.path.map(String).join(".") || fallback : fallback;
  return new ApiError("invalid", issue ? issueText(issue as Issue, field) : jaEn("入力が正しくありません。", "The input is not valid."), field);
}

/**
 * The words of a refinement of our own, for `.refine(check, refineText(…))` and
 * `ctx.addIssue({ code: "custom", ...refineText(…) })`: the English is zod's message, the Japanese rides in `params`.
 */
export const refineText = (ja: string, en: string, path?: PropertyKey[]) => ({ message: en, params: { ja }, ...(path ? { path } : {}) });
