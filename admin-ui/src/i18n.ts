/**
 * Japanese first, English by a switch. A key missing in English falls back to Japanese.
 * Short words: these screens are read under stress, often on a phone.
 */
export type Lang = "ja" | "en";

const ja: Record<string, string> = {
  "app.title": "安否確認",
  "app.skip": "本文へ移動",
  "lang.switch": "English",
  "lang.switchLabel": "Switch to English",
  "nav.label": "メニュー",
  "nav.home": "ホーム",
  "nav.rollcalls": "安否確認の履歴",
  "nav.trigger": "安否確認を送る",
  "nav.directory": "名簿",
  "nav.import": "CSV取り込み",
  "nav.templates": "テンプレート",
  "nav.triggers": "自動発信",
  "nav.outbox": "送信箱（テスト）",
  "nav.readiness": "平時の備え",
  "nav.reports": "職員からの報告",
  "nav.audit": "監査ログ",
  "nav.settings": "設定",
  "nav.account": "アカウント",
  "nav.signOut": "サインアウト",
  "role.network_admin": "ネットワーク管理者",
  "role.facility_admin": "事業所管理者",
  "role.delegate": "管理者の代行",
  "role.staff": "職員",
  "role.viewer": "閲覧（市）",
  "signin.title": "サインイン",
  "signin.email": "メールアドレス",
  "signin.password": "パスワード",
  "signin.code": "確認コード（6桁）",
  "signin.codeHelp": "認証アプリに表示される6桁の数字を入れてください。",
  "signin.submit": "サインイン",
  "signin.working": "確認中…",
  "pw.title": "パスワードの変更",
  "pw.expired": "パスワードの期限が切れました。新しいパスワードを決めてください。",
  "pw.current": "今のパスワード",
  "pw.next": "新しいパスワード",
  "pw.nextHelp": "8文字以上。英字と数字をまぜてください。",
  "pw.submit": "変更する",
  "pw.done": "パスワードを変更しました。",
  "mfa.title": "認証アプリの登録",
  "mfa.required": "管理者は認証アプリ（ワンタイムコード）の登録が必要です。",
  "mfa.start": "登録を始める",
  "mfa.secret": "秘密鍵（アプリに手入力）",
  "mfa.uri": "otpauth URI",
  "mfa.code": "アプリに出た6桁のコード",
  "mfa.submit": "登録する",
  "mfa.done": "認証アプリを登録しました。",
  "mfa.enabled": "認証アプリ：登録済み",
  "home.title": "ホーム",
  "home.hello": "{name}さん",
  "home.active": "実施中の安否確認",
  "home.noActive": "実施中の安否確認はありません。",
  "home.open": "ボードを開く",
  "home.quick": "よく使う操作",
  "settings.title": "設定",
  "settings.saved": "保存しました。",
  "settings.save": "保存する",
  "settings.passwordMinLength": "パスワードの最小文字数",
  "settings.passwordRequireLettersAndDigits": "英字と数字の両方を必須にする",
  "settings.passwordMaxAgeDays": "パスワードの有効日数（0は無期限）",
  "settings.passwordRotationOffWithMfa": "認証アプリ利用者は期限なし",
  "settings.mfaRequiredForAdmins": "管理者に認証アプリを必須にする",
  "settings.sessionIdleMinutes": "無操作でサインアウトするまで（分）",
  "settings.sessionAbsoluteHours": "サインインの最長時間（時間）",
  "settings.loginMaxFailuresPerAccountAndAddress": "同じアドレスから1アカウントへの失敗回数の上限",
  "settings.loginMaxFailuresPerAddress": "接続元ごとの失敗回数の上限",
  "settings.loginLockMinutes": "ロックする時間（分）",
  "settings.loginSlowAfterAccountFailures": "アカウント全体の失敗がこの回数を超えたらサインインを遅らせる（ロックはしない）",
  "settings.loginNotifyAfterAccountFailures": "アカウント全体の失敗がこの回数になったら本人にメールで知らせる",
  "settings.verificationCodesPerAccountPerDay": "確認コードSMS：1人あたり1日の上限",
  "settings.verificationCodesPerNumberPerDay": "確認コードSMS：1つの番号あたり1日の上限",
  "settings.verificationSmsDailyCeiling": "確認コードSMS：ネットワーク全体の1日の上限（達したら医師会の管理者に通知）",
  "settings.mobileExtraCountryCodes": "日本（81）のほかに登録を認める携帯電話の国番号",
  "settings.mobileExtraCountryCodes.help": "カンマで区切って入力します（例：63, 84）。空のときは日本の携帯電話だけです。",
  "audit.title": "監査ログ",
  "audit.at": "日時",
  "audit.actor": "操作した人",
  "audit.action": "操作",
  "audit.object": "対象",
  "audit.detail": "内容",
  "audit.filter": "操作で絞り込み",
  "audit.more": "さらに表示",
  "audit.empty": "記録はありません。",
  "common.loading": "読み込み中…",
  "common.error": "エラー",
  "common.retry": "もう一度",
  "common.none": "なし",
  "common.yes": "はい",
  "common.no": "いいえ",
  "common.back": "戻る",
  "common.cancel": "やめる",
  "common.search": "検索",
  "common.apply": "絞り込む",
  "notFound.title": "ページがありません",
  "forbidden.screen": "この画面を見る権限がありません。",
  "err.network": "サーバーにつながりません。通信を確認して、もう一度お試しください。",
  "err.generic": "うまくいきませんでした。",
  "code.invalid_credentials": "メールアドレスかパスワードが違います。",
  "code.code_required": "確認コードを入れてください。",
  "code.invalid_code": "確認コードが違うか、使用済みです。",
  "code.too_many_attempts": "失敗が多すぎます。しばらくしてからお試しください。",
  "code.role_forbidden": "この操作をする権限がありません。",
  "code.forbidden": "この操作をする権限がありません。",
  "code.unauthorized": "サインインしてください。",
  "code.not_found": "見つかりません。",
  "code.password_expired": "パスワードの期限が切れています。",
  "code.mfa_enrolment_required": "先に認証アプリを登録してください。",
  "code.wrong_code": "コードが違います。SMSの6桁を確かめてください（5回まちがえると、そのコードは使えなくなります）。",
  "code.code_dead": "このコードはもう使えません（まちがいが5回、または新しいコードを送信済み）。「確認コードをSMSで送る」でもう一度送ってください。",
  "code.code_spent": "このコードはもう使えません（まちがいが5回、または新しいコードを送信済み）。「確認コードをSMSで送る」でもう一度送ってください。",
  "code.wrong_totp": "コードが違います。スマートフォンの時刻が合っているか確かめてください。",
  "code.code_expired": "コードの有効期限（10分）が切れました。もう一度送ってください。",
  "code.no_code": "有効なコードがありません。もう一度送ってください。",
  "code.too_many_requests": "短い時間に何度も送りました。1時間ほどしてからお試しください。",
  "code.too_large": "ファイルが大きすぎます。",
  "code.gone": "この端末にはもう通知が届きません（登録を消しました）。端末でもう一度通知をオンにしてください。",
  "code.closed": "この安否確認は締め切られました。",
};

const en: Record<string, string> = {
  "app.title": "Roll-call",
  "app.skip": "Skip to content",
  "lang.switch": "日本語",
  "lang.switchLabel": "日本語に切り替え",
  "nav.label": "Menu",
  "nav.home": "Home",
  "nav.rollcalls": "Roll-call history",
  "nav.trigger": "Send a roll-call",
  "nav.directory": "Directory",
  "nav.import": "CSV import",
  "nav.templates": "Templates",
  "nav.triggers": "Automatic triggers",
  "nav.outbox": "Outbox (sandbox)",
  "nav.readiness": "Readiness",
  "nav.reports": "Staff reports",
  "nav.audit": "Audit log",
  "nav.settings": "Settings",
  "nav.account": "Account",
  "nav.signOut": "Sign out",
  "role.network_admin": "Network admin",
  "role.facility_admin": "Facility admin",
  "role.delegate": "Delegate",
  "role.staff": "Staff",
  "role.viewer": "Viewer (city)",
  "signin.title": "Sign in",
  "signin.email": "Email",
  "signin.password": "Password",
  "signin.code": "One-time code (6 digits)",
  "signin.codeHelp": "Enter the 6 digits your authenticator app shows.",
  "signin.submit": "Sign in",
  "signin.working": "Checking…",
  "pw.title": "Change password",
  "pw.expired": "Your password has expired. Choose a new one.",
  "pw.current": "Current password",
  "pw.next": "New password",
  "pw.nextHelp": "8 or more characters, letters and digits.",
  "pw.submit": "Change",
  "pw.done": "Password changed.",
  "mfa.title": "Authenticator app",
  "mfa.required": "Admins must set up an authenticator app (one-time codes).",
  "mfa.start": "Start",
  "mfa.secret": "Secret (type it into the app)",
  "mfa.uri": "otpauth URI",
  "mfa.code": "6-digit code from the app",
  "mfa.submit": "Set up",
  "mfa.done": "Authenticator app set up.",
  "mfa.enabled": "Authenticator app: set up",
  "home.title": "Home",
  "home.hello": "Hello, {name}",
  "home.active": "Active roll-calls",
  "home.noActive": "No roll-call is active.",
  "home.open": "Open the board",
  "home.quick": "Common tasks",
  "settings.title": "Settings",
  "settings.saved": "Saved.",
  "settings.save": "Save",
  "settings.passwordMinLength": "Minimum password length",
  "settings.passwordRequireLettersAndDigits": "Require letters and digits",
  "settings.passwordMaxAgeDays": "Password lifetime in days (0 = never expires)",
  "settings.passwordRotationOffWithMfa": "No expiry for people with an authenticator app",
  "settings.mfaRequiredForAdmins": "Require an authenticator app for admins",
  "settings.sessionIdleMinutes": "Sign out after idle (minutes)",
  "settings.sessionAbsoluteHours": "Longest session (hours)",
  "settings.loginMaxFailuresPerAccountAndAddress": "Failed sign-ins per account from one address",
  "settings.loginMaxFailuresPerAddress": "Failed sign-ins per address",
  "settings.loginLockMinutes": "Lock for (minutes)",
  "settings.loginSlowAfterAccountFailures": "Slow sign-in down after this many failures on an account (never locks it)",
  "settings.loginNotifyAfterAccountFailures": "Email the person after this many failures on their account",
  "settings.verificationCodesPerAccountPerDay": "Verification SMS per person per day",
  "settings.verificationCodesPerNumberPerDay": "Verification SMS per number per day",
  "settings.verificationSmsDailyCeiling": "Verification SMS for the whole network per day (the network admins are alerted)",
  "settings.mobileExtraCountryCodes": "Country calling codes allowed for mobiles besides Japan (81)",
  "settings.mobileExtraCountryCodes.help": "Separate with commas (e.g. 63, 84). Empty: Japanese mobiles only.",
  "audit.title": "Audit log",
  "audit.at": "When",
  "audit.actor": "Who",
  "audit.action": "Action",
  "audit.object": "Object",
  "audit.detail": "Detail",
  "audit.filter": "Filter by action",
  "audit.more": "Show more",
  "audit.empty": "Nothing recorded.",
  "common.loading": "Loading…",
  "common.error": "Error",
  "common.retry": "Try again",
  "common.none": "None",
  "common.yes": "Yes",
  "common.no": "No",
  "common.back": "Back",
  "common.cancel": "Cancel",
  "common.search": "Search",
  "common.apply": "Filter",
  "notFound.title": "No such page",
  "forbidden.screen": "Your role may not see this screen.",
  "err.network": "Cannot reach the server. Check the connection and try again.",
  "err.generic": "Something went wrong.",
};

const dicts: Record<Lang, Record<string, string>> = { ja, en };

function initialLang(): Lang {
  try {
    const saved = localStorage.getItem("lang");
    if (saved === "ja" || saved === "en") return saved;
  } catch {
    /* storage blocked */
  }
  return "ja";
}

let current: Lang = initialLang();

export const getLang = () => current;

export function setLang(lang: Lang) {
  current = lang;
  document.documentElement.lang = lang;
  document.title = t("app.title");
  try {
    localStorage.setItem("lang", lang);
  } catch {
    /* storage blocked */
  }
}

/**
 * The screen language for a person's chosen language (worker/templates/languages.ts):
 * the screens have Japanese and English; やさしい日本語 reads the Japanese screens, and
 * the other languages get English screens while their messages and reply pages come in
 * their own language from the server.
 */
export function uiLangFor(code: string): Lang {
  return code === "ja" || code === "ja-easy" ? "ja" : "en";
}

/** Adds more strings (screens keep their own words next to them). */
export function addStrings(more: Record<Lang, Record<string, string>>) {
  Object.assign(ja, more.ja);
  Object.assign(en, more.en);
}

/**
 * The string for `key` in the current language, with `{name}` placeholders filled.
 * `fallback` is returned when no language has the key (pass "" to test for one).
 */
export function t(key: string, fallbackOrVars?: string | Record<string, string | number>, vars?: Record<string, string | number>): string {
  const fallback = typeof fallbackOrVars === "string" ? fallbackOrVars : undefined;
  const v = typeof fallbackOrVars === "object" ? fallbackOrVars : vars;
  let s = dicts[current][key] ?? (current === "en" && fallback === "" ? undefined : ja[key]) ?? fallback ?? key;
  if (v) for (const [k, val] of Object.entries(v)) s = s.split(`{${k}}`).join(String(val));
  return s;
}
