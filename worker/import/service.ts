import { LANGUAGES } from "../templates/languages";
import { auditStatement } from "../audit/log";
import { isNetworkAdmin, managedFacilityIds, type Auth, type FacilityRole } from "../auth/scope";
import { facilityNameKey, mayEditPerson, membershipRefusal, type MembershipRefusal } from "../directory/service";
import { checkEmail, checkMobile, checkPhone, normalizeKana, normalizeSpaces, phoneForPeople, type MobileOptions } from "../directory/contact";
import { clock } from "../lib/clock";
import { ApiError, badRequest, forbidden, jaEn } from "../lib/errors";
import { guessDelimiter, parseCsv } from "./csv";
import * as data from "./data";
import { decodeCsv, type SourceEncoding } from "./decode";
import { COLUMNS, mapHeaders, type Column } from "./headers";
import type { ImportProblem, ImportReport, ImportRow, ImportWarning, ProblemCode, WarningCode } from "./schemas";

/** 2 MB is a city's whole 連絡網 several times over; larger bodies are refused before parsing. */
export const MAX_BYTES = 2 * 1024 * 1024;
/** Keeps one commit within D1's 1,000 queries per invocation (about 5 statements per 100 rows). */
export const MAX_ROWS = 3000;

const LIMITS: Partial<Record<Column, number>> = { name: 100, kana: 100, facility: 200, job: 50 };

/** The columns as the messages name them. */
const COLUMN_WORDS: Record<Column, string> = {
  name: "氏名",
  kana: "フリガナ",
  facility: "事業所名",
  job: "職種",
  mobile: "携帯電話",
  phone: "電話番号",
  email: "メールアドレス",
  role: "役割",
  lang: "言語",
};

const ROLE_WORDS: Record<string, FacilityRole> = {
  管理者: "admin",
  施設管理者: "admin",
  事業所管理者: "admin",
  admin: "admin",
  facilityadmin: "admin",
  administrator: "admin",
  代行: "delegate",
  管理者代行: "delegate",
  代理: "delegate",
  delegate: "delegate",
  一般: "staff",
  スタッフ: "staff",
  職員: "staff",
  一般ユーザー: "staff",
  staff: "staff",
  member: "staff",
  user: "staff",
};

const word = (s: string) =>
  s
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\s_\-()]/g, "");
/**
 * Words a contact list may use in its language column: each supported language's code,
 * its native and English names, and the Japanese names an office would type.
 */
const JAPANESE_NAMES: Record<string, string[]> = {
  ja: ["日本語"],
  en: ["英語"],
  vi: ["ベトナム語"],
  id: ["インドネシア語"],
  tl: ["タガログ語", "フィリピノ語", "filipino"],
  ne: ["ネパール語"],
  my: ["ミャンマー語", "ビルマ語"],
  zh: ["中国語", "chinese"],
  "ja-easy": ["やさしい日本語", "やさしいにほんご", "easyjapanese"],
};
/** The languages as a Japanese message lists them: 日本語、英語、… */
const LANG_LIST = LANGUAGES.map((l) => JAPANESE_NAMES[l.code]?.[0] ?? l.name).join("、");
const LANG_WORDS: Record<string, string> = Object.fromEntries(
  LANGUAGES.flatMap((l) => [l.code, l.name, l.english, ...(JAPANESE_NAMES[l.code] ?? [])].map((w) => [word(w), l.code] as const)),
);

/** Names and jobs are kept as typed (NFKC would turn ① into 1), with spaces collapsed as the directory does. */
const clean = (s: string) => normalizeSpaces(s);

interface Candidate {
  row: number;
  line: number;
  name: string;
  kana: string;
  job: string;
  facilityName: string;
  facilityId: number | null;
  email: string | null;
  mobile: string | null;
  /** Home or office numbers (E.164), for phone checks. */
  phones: string[];
  role: FacilityRole | null;
  lang: string | null;
  problems: ImportProblem[];
  /** What the admin should know; the row is still imported. */
  warnings: ImportWarning[];
  personId: number | null;
  action: "create" | "update" | "unchanged" | null;
  changes: string[];
}

export interface ParsedFile {
  encoding: SourceEncoding;
  columns: Column[];
  ignoredColumns: string[];
  rows: { row: number; line: number; values: Record<Column, string>; phones: string[] }[];
}

/** Bytes → header-mapped rows. Throws a 400 naming `file` for anything that is not a usable CSV. */
export function parseFile(bytes: Uint8Array): ParsedFile {
  const { text, encoding } = decodeCsv(bytes);
  const records = parseCsv(text, guessDelimiter(text));
  const header = records[0];
  if (!header) throw badRequest("file", jaEn("ファイルが空です。", "The file is empty."));
  const { index, repeated, ignored } = mapHeaders(header.fields);
  const rows: ParsedFile["rows"] = [];
  records.slice(1).forEach((rec, i) => {
    if (rec.fields.every((f) => f.trim() === "")) return; // Excel leaves ",,,,," lines below the data
    const values = {} as Record<Column, string>;
    for (const c of COLUMNS) values[c] = index[c] === undefined ? "" : (rec.fields[index[c]] ?? "");
    const phones = (repeated.phone ?? []).map((at) => rec.fields[at] ?? "");
    rows.push({ row: i + 1, line: rec.line, values, phones });
  });
  if (rows.length === 0) throw badRequest("file", jaEn("見出しの行の下にデータがありません。", "There are no rows below the header."));
  if (rows.length > MAX_ROWS)
    throw new ApiError(
      "too_large",
      jaEn(
        `1ファイル${MAX_ROWS}行までです（このファイルは${rows.length}行）。分けて取り込んでください。`,
        `At most ${MAX_ROWS} rows per file; this one has ${rows.length}. Split it.`,
      ),
      "file",
    );
  return { encoding, columns: COLUMNS.filter((c) => index[c] !== undefined), ignoredColumns: ignored, rows };
}

interface Scope {
  /** The facility blank 事業所名 cells mean, if any. */
  fixed: number | null;
  /** The facilities rows may name; null = any (network admin without facilityId). */
  allowed: Set<number> | null;
}

async function resolveScope(auth: Auth, facilityId: number | undefined, facilities: data.FacilityRef[]): Promise<Scope> {
  if (facilityId !== undefined && !facilities.some((f) => f.id === facilityId))
    throw new ApiError("not_found", jaEn("事業所が見つかりません。", "No such facility."), "facilityId");
  if (isNetworkAdmin(auth)) return facilityId === undefined ? { fixed: null, allowed: null } : { fixed: facilityId, allowed: new Set([facilityId]) };
  const managed = managedFacilityIds(auth);
  if (facilityId !== undefined) {
    if (!managed.includes(facilityId)) throw forbidden(jaEn("取り込めるのは自分が管理する事業所だけです。", "You may import only into a facility you manage."));
    return { fixed: facilityId, allowed: new Set([facilityId]) };
  }
  return { fixed: managed.length === 1 ? managed[0]! : null, allowed: new Set(managed) };
}

const problem = (c: Candidate, code: ProblemCode, field: Column, message: string) => c.problems.push({ code, field, message });
const warning = (c: Candidate, code: WarningCode, field: Column, message: string) => c.warnings.push({ code, field, message });

/** A phone cell with no digit (「-」, 「なし」, 「非公開」) says there is none. */
const hasDigit = (s: string) => /\d/.test(s.normalize("NFKC"));

/**
 * The mobile and the phones of a row. The mobile column's number is the mobile; a
 * landline there is kept as a phone, with a warning (it cannot take the roll-call's SMS).
 * The phone columns' numbers are phones, except that a mobile number among them is taken
 * as the mobile when the row has none.
 */
function readNumbers(c: Candidate, mobileCell: string, phoneCells: string[], mobile: MobileOptions) {
  const phones: string[] = [];
  if (mobileCell.trim()) {
    const checked = checkMobile(mobileCell, mobile);
    const landline = checked.ok || checked.code === "country_not_allowed" ? null : checkPhone(mobileCell);
    if (checked.ok) c.mobile = checked.value;
    else if (landline?.ok) {
      phones.push(landline.value);
      warning(
        c,
        "landline_in_mobile",
        "mobile",
        `携帯電話の列の ${phoneForPeople(landline.value)} は携帯電話ではない（SMSが届かない）ため、電話確認用の電話番号として登録します。`,
      );
    } else problem(c, "bad_phone", "mobile", `携帯電話: ${checked.message.ja}`);
  }
  for (const cell of phoneCells) {
    if (!hasDigit(cell)) continue;
    const checked = checkPhone(cell);
    if (!checked.ok) {
      problem(c, "bad_phone", "phone", `電話番号: ${checked.message.ja}`);
      continue;
    }
    if (c.mobile === null && !phones.includes(checked.value) && checkMobile(cell, mobile).ok) c.mobile = checked.value;
    else if (checked.value !== c.mobile && !phones.includes(checked.value)) phones.push(checked.value);
  }
  c.phones = phones;
}

/**
 * Checks every row against the file and the directory, and decides what commit would do with each.
 * `mobile` carries the countries the settings allow, as every other path that takes a mobile.
 */
export async function planImport(db: D1Database, auth: Auth, file: ParsedFile, facilityId: number | undefined, mobile: MobileOptions) {
  const facilities = await data.activeFacilities(db);
  const scope = await resolveScope(auth, facilityId, facilities);
  // Matched under the same normalization that keeps names unique (directory/service.ts).
  const byName = new Map<string, data.FacilityRef[]>();
  for (const f of facilities) byName.set(facilityNameKey(f.name), [...(byName.get(facilityNameKey(f.name)) ?? []), f]);
  const facilityName = new Map(facilities.map((f) => [f.id, f.name]));

  const rows: Candidate[] = file.rows.map(({ row, line, values: v, phones }) => {
    const c: Candidate = {
      row,
      line,
      name: clean(v.name),
      kana: normalizeKana(v.kana),
      job: clean(v.job),
      facilityName: clean(v.facility),
      facilityId: null,
      email: null,
      mobile: null,
      phones: [],
      role: null,
      lang: null,
      problems: [],
      warnings: [],
      personId: null,
      action: null,
      changes: [],
    };
    if (!c.name) problem(c, "missing_name", "name", "氏名が空です。");
    for (const col of ["name", "kana", "facility", "job"] as const) {
      const max = LIMITS[col]!;
      if (clean(v[col]).length > max) problem(c, "too_long", col, `${COLUMN_WORDS[col]}が長すぎます（${max}文字まで）。`);
    }

    if (c.facilityName) {
      const matches = byName.get(facilityNameKey(c.facilityName)) ?? [];
      const f = matches.length === 1 ? matches[0] : undefined;
      if (matches.length > 1)
        problem(
          c,
          "ambiguous_facility",
          "facility",
          `「${c.facilityName}」に当たる事業所が${matches.length}つあります（${matches.map((m) => `「${m.name}」`).join("、")}）。名簿で名前を直してから取り込んでください。`,
        );
      else if (!f) problem(c, "unknown_facility", "facility", `「${c.facilityName}」という事業所は名簿にありません。`);
      else if (scope.allowed && !scope.allowed.has(f.id))
        problem(
          c,
          "facility_out_of_scope",
          "facility",
          `「${f.name}」には、ここからは取り込めません（取り込めるのは自分が管理する事業所、または選んだ事業所だけです）。`,
        );
      else c.facilityId = f.id;
    } else if (scope.fixed !== null) c.facilityId = scope.fixed;
    else problem(c, "missing_facility", "facility", "事業所名が空です。事業所名を入れるか、取り込む事業所を選んでください。");
    if (c.facilityId !== null) c.facilityName = facilityName.get(c.facilityId)!;

    readNumbers(c, v.mobile, phones, mobile);
    if (v.email.trim()) {
      const email = checkEmail(v.email);
      if (email.ok) c.email = email.value;
      else problem(c, "bad_email", "email", `メールアドレス: ${email.message.ja}`);
    }
    if (v.role.trim()) {
      const role = ROLE_WORDS[word(v.role)];
      if (!role) problem(c, "unknown_role", "role", `役割「${clean(v.role)}」は使えません。管理者・代行・一般のどれかにしてください。`);
      else c.role = role;
    }
    if (v.lang.trim()) {
      const lang = LANG_WORDS[word(v.lang)];
      if (!lang) problem(c, "unknown_lang", "lang", `言語「${clean(v.lang)}」には対応していません。使える言語: ${LANG_LIST}。`);
      else c.lang = lang;
    }
    return c;
  });

  markDuplicates(rows, "email", "duplicate_email", "メールアドレス");
  markDuplicates(rows, "mobile", "duplicate_mobile", "携帯電話番号");

  // Match each row to someone already in the directory: by email, else mobile, else name within the facility.
  const emailOwners = await data.contactOwners(db, "email", unique(rows.map((r) => r.email)));
  const mobileOwners = await data.contactOwners(db, "mobile", unique(rows.map((r) => r.mobile)));
  const named = await data.peopleNamed(
    db,
    unique(rows.filter((r) => !r.problems.length && !(r.email && emailOwners.has(r.email)) && !(r.mobile && mobileOwners.has(r.mobile))).map((r) => r.name)),
  );
  for (const r of rows) {
    const byEmail = r.email ? emailOwners.get(r.email) : undefined;
    const byMobile = r.mobile ? mobileOwners.get(r.mobile) : undefined;
    if (byEmail) r.personId = byEmail.personId;
    else if (byMobile) r.personId = byMobile.personId;
    else if (r.facilityId !== null && r.name) {
      const ids = unique(named.filter((n) => n.name === r.name && n.facilityId === r.facilityId).map((n) => n.personId));
      if (ids.length > 1)
        problem(
          r,
          "ambiguous_person",
          "name",
          `「${r.facilityName}」に「${r.name}」という人が${ids.length}人います。メールアドレスか携帯電話番号を入れて、どの人か分かるようにしてください。`,
        );
      else r.personId = ids[0] ?? null;
    }
    if (byEmail?.personRemoved) problem(r, "email_taken", "email", "このメールアドレスは登録を解除したアカウントのものです。");
    if (byMobile && (byMobile.personRemoved || byMobile.personId !== r.personId))
      problem(r, "mobile_taken", "mobile", "この携帯電話番号はほかの人のものです。");
  }

  const people = await data.existingPeople(db, unique(rows.map((r) => r.personId)));
  const seen = new Map<number, number>();
  // Every row asks the directory's rules exactly as the single-person routes do (directory/service.ts):
  // PUT /api/facilities/{id}/members/{personId} for the role, PATCH /api/people/{id} for the rest.
  for (const r of rows) {
    if (r.facilityId === null) continue; // such a row already has its facility problem
    const p = r.personId === null ? undefined : people.get(r.personId);
    if (!p) {
      const refusal = membershipRefusal(auth, r.facilityId, { from: null, to: r.role ?? "staff" });
      if (refusal) roleProblem(r, refusal);
      if (!r.problems.length) r.action = "create";
      continue;
    }
    const changes = changesFor(r, p);
    const membership = p.memberships.find((m) => m.facilityId === r.facilityId);
    const refusal = membershipRefusal(auth, r.facilityId, {
      from: membership?.role ?? null,
      to: r.role ?? membership?.role ?? "staff",
      person: { memberships: p.memberships },
    });
    if (refusal) {
      roleProblem(r, refusal, emailOwners.get(r.email ?? "")?.personId === p.id ? "email" : "mobile");
      if (refusal.code === "person_elsewhere") continue;
    }
    const first = seen.get(p.id);
    if (first !== undefined) problem(r, "duplicate_person", "name", `ファイルの${first}行目と同じ人です。`);
    else seen.set(p.id, r.line);
    const profile = changes.filter((k) => PROFILE_FIELDS.has(k));
    if (profile.length && !mayEditPerson(auth, p, p.memberships)) {
      const field = profile.includes("email") ? "email" : profile.includes("mobile") ? "mobile" : profile.includes("phone") ? "phone" : "name";
      problem(r, "not_editable", field, "この人の氏名・連絡先は変更できません。本人か、その人を登録した管理者が変更します。");
    }
    if (r.problems.length) continue;
    r.changes = changes;
    r.action = changes.length ? "update" : "unchanged";
  }
  for (const r of rows) {
    // A row no roll-call could reach after the import: no mobile, no email, in the file or already on file.
    const onFile = r.personId === null ? [] : (people.get(r.personId)?.contacts ?? []);
    if (!r.mobile && !r.email && !onFile.some((c) => c.kind === "mobile" || c.kind === "email"))
      warning(
        r,
        "no_contact",
        r.phones.length ? "mobile" : "email",
        r.phones.length
          ? "携帯電話もメールアドレスもないため、安否確認を送れません（電話番号は電話確認に使います）。"
          : "携帯電話もメールアドレスもないため、安否確認を送れません。",
      );
  }
  return { rows, people, encoding: file.encoding, columns: file.columns, ignoredColumns: file.ignoredColumns, scope };
}

type Plan = Awaited<ReturnType<typeof planImport>>;

/** Changes that PATCH /api/people/{id} governs (the rest is membership). */
const PROFILE_FIELDS: ReadonlySet<string> = new Set(["name", "kana", "job", "lang", "email", "mobile", "phone"]);

/** A role change the importer may not make, worded for the preview. */
function roleProblem(r: Candidate, refusal: MembershipRefusal, matchedBy: "email" | "mobile" = "email") {
  // Someone the importer does not manage joins only by an invitation they accept (§4, §5); the row says which address matched.
  if (refusal.code === "person_elsewhere") problem(r, matchedBy === "email" ? "email_taken" : "mobile_taken", matchedBy, refusal.message.ja);
  else problem(r, "role_not_allowed", "role", refusal.message.ja);
}

function changesFor(r: Candidate, p: data.ExistingPerson): string[] {
  const changes: string[] = [];
  if (r.name !== p.name) changes.push("name");
  if (r.kana && r.kana !== p.kana) changes.push("kana");
  if (r.job && r.job !== p.job) changes.push("job");
  if (r.lang && r.lang !== p.lang) changes.push("lang");
  for (const kind of ["email", "mobile"] as const) {
    const want = r[kind];
    const have = p.contacts.filter((c) => c.kind === kind);
    if (want && !(have.length === 1 && have[0]!.value === want)) changes.push(kind);
  }
  const phones = p.contacts.filter((c) => c.kind === "phone").map((c) => c.value);
  if (r.phones.length && !(phones.length === r.phones.length && r.phones.every((v) => phones.includes(v)))) changes.push("phone");
  const m = p.memberships.find((x) => x.facilityId === r.facilityId);
  if (!m) changes.push("facility");
  else if (r.role && r.role !== m.role) changes.push("role");
  return changes;
}

function markDuplicates(rows: Candidate[], key: "email" | "mobile", code: ProblemCode, label: string) {
  const groups = new Map<string, Candidate[]>();
  for (const r of rows) {
    const v = r[key];
    if (v) groups.set(v, [...(groups.get(v) ?? []), r]);
  }
  for (const same of groups.values()) {
    if (same.length < 2) continue;
    for (const r of same) {
      const others = same.filter((o) => o !== r).map((o) => o.line);
      problem(r, code, key, `${label}がファイルの${others.join("、")}行目と同じです。1つのアドレスは1人だけのものです。`);
    }
  }
}

function unique<T>(xs: (T | null | undefined)[]): T[] {
  return [...new Set(xs.filter((x): x is T => x !== null && x !== undefined))];
}

/**
 * The answer both preview and commit give: each row as it will be stored, its contacts
 * in the forms people write them (090-1234-5678), so the admin can check what the file
 * said. Only the file's own values: never a contact already in the directory.
 */
export function report(plan: Plan, committed: boolean): ImportReport {
  const rows: ImportRow[] = plan.rows.map((r) => {
    const existingRole = r.personId === null ? undefined : plan.people.get(r.personId)?.memberships.find((m) => m.facilityId === r.facilityId)?.role;
    return {
      row: r.row,
      line: r.line,
      name: r.name,
      facility: r.facilityName,
      role: r.role ?? existingRole ?? (r.problems.length ? null : "staff"),
      mobile: r.mobile && phoneForPeople(r.mobile),
      phones: r.phones.map(phoneForPeople),
      email: r.email,
      action: r.action,
      changes: r.changes,
      problems: r.problems,
      warnings: r.warnings,
    };
  });
  const count = (a: Candidate["action"]) => plan.rows.filter((r) => r.action === a).length;
  const invalid = plan.rows.filter((r) => r.problems.length).length;
  return {
    ok: invalid === 0,
    committed,
    encoding: plan.encoding,
    columns: plan.columns,
    ignoredColumns: plan.ignoredColumns,
    counts: {
      rows: plan.rows.length,
      create: count("create"),
      update: count("update"),
      unchanged: count("unchanged"),
      invalid,
      warned: plan.rows.filter((r) => r.warnings.length).length,
    },
    rows,
  };
}

/**
 * Writes every row of a clean plan in one D1 batch (one transaction) with its audit
 * entry. People are inserted with explicit ids so their contacts and memberships can
 * refer to them; a concurrent change trips a constraint and nothing is written.
 */
export async function commitPlan(db: D1Database, auth: Auth, plan: Plan, facilityId: number | undefined): Promise<void> {
  const now = clock.now();
  let nextId = await data.nextPersonId(db);
  const newPeople: data.NewPerson[] = [];
  const updates: data.PersonUpdate[] = [];
  const contacts: data.NewContact[] = [];
  const removedContacts: number[] = [];
  const memberships: data.NewMembership[] = [];
  const roleUpdates: { id: number; role: FacilityRole }[] = [];

  for (const r of plan.rows) {
    if (r.action === "create") {
      const id = nextId++;
      newPeople.push({ id, name: r.name, kana: r.kana, job: r.job, lang: r.lang ?? "ja" });
      if (r.email) contacts.push({ personId: id, kind: "email", value: r.email });
      if (r.mobile) contacts.push({ personId: id, kind: "mobile", value: r.mobile });
      for (const value of r.phones) contacts.push({ personId: id, kind: "phone", value });
      memberships.push({ personId: id, facilityId: r.facilityId!, role: r.role ?? "staff" });
    } else if (r.action === "update") {
      const p = plan.people.get(r.personId!)!;
      if (r.changes.some((c) => ["name", "kana", "job", "lang"].includes(c)))
        updates.push({ id: p.id, name: r.name, kana: r.kana || p.kana, job: r.job || p.job, lang: r.lang ?? p.lang });
      for (const kind of ["email", "mobile"] as const) {
        if (!r.changes.includes(kind)) continue;
        // The file is the contact list of record: its address replaces the person's others of that kind.
        const have = p.contacts.filter((c) => c.kind === kind);
        removedContacts.push(...have.filter((c) => c.value !== r[kind]).map((c) => c.id));
        if (!have.some((c) => c.value === r[kind])) contacts.push({ personId: p.id, kind, value: r[kind]! });
      }
      if (r.changes.includes("phone")) {
        // The same for phones: the file's numbers replace the person's others.
        const have = p.contacts.filter((c) => c.kind === "phone");
        removedContacts.push(...have.filter((c) => !r.phones.includes(c.value)).map((c) => c.id));
        for (const value of r.phones) if (!have.some((c) => c.value === value)) contacts.push({ personId: p.id, kind: "phone", value });
      }
      const m = p.memberships.find((x) => x.facilityId === r.facilityId);
      if (!m) memberships.push({ personId: p.id, facilityId: r.facilityId!, role: r.role ?? "staff" });
      else if (r.changes.includes("role")) roleUpdates.push({ id: m.id, role: r.role! });
    }
  }

  const counts = report(plan, true).counts;
  const statements = [
    ...data.insertPeople(db, newPeople, now),
    ...data.updatePeople(db, updates, now),
    ...data.removeContacts(db, removedContacts, now),
    ...data.insertContacts(db, contacts, now),
    ...data.insertMemberships(db, memberships, auth.personId, now),
    ...data.updateMembershipRoles(db, roleUpdates, auth.personId),
    ...data.joinFacilityGroups(db, memberships, auth.personId, now),
    ...data.joinNetworkGroup(
      db,
      newPeople.map((p) => p.id),
      auth.personId,
      now,
    ),
    auditStatement(db, {
      actorId: auth.personId,
      action: "import.people",
      objectType: facilityId === undefined ? "network" : "facility",
      objectId: facilityId,
      detail: { encoding: plan.encoding, rows: counts.rows, created: counts.create, updated: counts.update, unchanged: counts.unchanged },
    }),
  ];
  try {
    await db.batch(statements);
  } catch (err) {
    if (err instanceof Error && /constraint/i.test(err.message))
      throw new ApiError(
        "conflict",
        jaEn(
          "取り込み中に名簿が変わったため、何も保存していません。もう一度プレビューしてください。",
          "The directory changed while importing; nothing was written. Preview again and retry.",
        ),
        "file",
      );
    throw err;
  }
}
