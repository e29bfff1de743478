import { useCallback, useState } from "preact/hooks";
import { api, ApiFailure } from "../../api";
import { dateTime, phone } from "../../format";
import { t, tx } from "../../i18n";
import type { Channel, Me, MyProfile } from "../../types";
import { ErrorNote, Field, Link, Loaded, Notice, Page, Submit, useAction, useLoad } from "../../ui";

/** A route the backend does not have (yet): say so instead of a raw 404. */

export interface MyRollcall {
  id: number;
  title: string;
  drill: boolean;
  state: string;
  confirmedAt: string | null;
  replyUrl: string;
  repliedAt: string | null;
  answer: { safety: string | null; availability: string | null; ack: boolean; at: string } | null;
}

/** 「無事・出勤可能」: the latest answer in the words of the reply page. */
function answerSummary(a: NonNullable<MyRollcall["answer"]>): string {
  const parts = [a.safety ? t(`safety.${a.safety}`) : null, a.availability ? t(`availability.${a.availability}`) : null, a.ack ? t("me.ack") : null].filter(
    Boolean,
  );
  return parts.length ? parts.join("・") : dateTime(a.at);
}

/** The roll-calls the signed-in person is asked in, with their own reply link (GET /api/me/rollcalls). */
export function MyRollcalls() {
  const result = useLoad(useCallback(() => api.get<{ items: MyRollcall[] }>("/api/me/rollcalls"), []));
  return (
    <section aria-labelledby="me-active" class="card">
      <h2 id="me-active">{tx("me.active")}</h2>
      <Loaded result={result}>
        {(r) =>
          r.items.length === 0 ? (
            <p>{tx("me.noActive")}</p>
          ) : (
            <ul class="active-list">
              {r.items.map((x) => (
                <li key={x.id} class="my-rollcall" data-testid="my-rollcall">
                  <p>
                    <span class={`badge ${x.drill ? "drill" : "real"}`}>{x.drill ? t("drill") : t("real")}</span> <strong>{x.title}</strong>
                    <span class="help"> {dateTime(x.confirmedAt)}</span>
                  </p>
                  {x.answer ? (
                    <p class="notice" data-testid="answered">
                      {tx("me.answered", { t: answerSummary(x.answer) })} <span class="help">{dateTime(x.answer.at)}</span>
                    </p>
                  ) : null}
                  <a class={`btn big ${x.answer ? "" : "primary"} answer`} href={x.replyUrl} rel="noreferrer">
                    {x.answer ? t("me.change") : t("me.answer")}
                  </a>
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </section>
  );
}

const STAFF_TASKS = [
  ["/me/profile", "nav.profile"],
  ["/me/contacts", "nav.contacts"],
  ["/me/devices", "nav.devices"],
  ["/me/report", "nav.report"],
  ["/me/leave", "nav.leave"],
  ["/account", "nav.account"],
] as const;

export function StaffTasks() {
  return (
    <section aria-labelledby="me-tasks">
      <h2 id="me-tasks">{tx("me.tasks")}</h2>
      <ul class="tiles">
        {STAFF_TASKS.map(([href, key]) => (
          <li key={href}>
            <Link href={href} class="tile">
              {tx(key)}
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The staff home: what needs an answer now, then their own settings. */
export function MeHome({ me }: { me: Me }) {
  return (
    <Page title={t("me.title")}>
      <p class="lead">{tx("home.hello", { name: me.name })}</p>
      <MyRollcalls />
      <StaffTasks />
    </Page>
  );
}

/** Mobile by a 6-digit SMS code, email by a link; unverified channels show on the readiness view. */
export function Contacts() {
  const result = useLoad(useCallback(() => api.get<MyProfile>("/api/me"), []));
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function remove(c: Channel) {
    if (!window.confirm(t("ct.removeConfirm"))) return;
    setError(null);
    setNote(null);
    try {
      await api.del(`/api/me/contacts/${c.id}`);
      setNote(t("ct.removed"));
      result.reload();
    } catch (err) {
      setError(err instanceof ApiFailure && err.code === "last_contact" ? new Error(t("ct.lastOne")) : err);
    }
  }
  return (
    <Page title={t("ct.title")}>
      <p>{tx("ct.intro")}</p>
      {note ? <Notice>{note}</Notice> : null}
      <ErrorNote error={error} />
      <Loaded result={result}>
        {(p) =>
          p.channels.length === 0 ? (
            <p class="warn">{tx("ct.none")}</p>
          ) : (
            <ul class="channels">
              {p.channels.map((c) => (
                <ChannelRow key={c.id} channel={c} onVerified={() => result.reload()} onRemove={p.channels.length > 1 ? () => remove(c) : undefined} />
              ))}
            </ul>
          )
        }
      </Loaded>
      <AddContact
        onAdded={() => {
          setError(null);
          setNote(t("ct.added"));
          result.reload();
        }}
      />
    </Page>
  );
}

/** POST /api/me/contacts: the new address starts unverified; its row then offers the code or link. */
function AddContact({ onAdded }: { onAdded: () => void }) {
  const [kind, setKind] = useState<"mobile" | "email">("mobile");
  const [value, setValue] = useState("");
  const { busy, error, run } = useAction();
  async function add(e: Event) {
    e.preventDefault();
    await run(async () => {
      await api.post("/api/me/contacts", { kind, value });
      setValue("");
      onAdded();
    });
  }
  return (
    <form class="card narrow" onSubmit={add} noValidate aria-labelledby="ct-add">
      <h2 id="ct-add">{tx("ct.add")}</h2>
      <p class="help">{tx("ct.addIntro")}</p>
      <fieldset>
        <legend>{tx("ct.kind")}</legend>
        {(["mobile", "email"] as const).map((k) => (
          <div class="field check" key={k}>
            <input type="radio" id={`ct-kind-${k}`} name="kind" value={k} checked={kind === k} onChange={() => setKind(k)} />
            <label for={`ct-kind-${k}`}>{tx(`ct.${k}`)}</label>
          </div>
        ))}
      </fieldset>
      <Field
        label={t("ct.value")}
        name="value"
        type={kind === "mobile" ? "tel" : "email"}
        autoComplete={kind === "mobile" ? "tel" : "email"}
        value={value}
        onInput={setValue}
        error={error}
        maxLength={320}
        required
      />
      <ErrorNote error={error} fields={["value"]} />
      <Submit busy={busy}>{tx("ct.addButton")}</Submit>
    </form>
  );
}

function ChannelRow({ channel: c, onVerified, onRemove }: { channel: Channel; onVerified: () => void; onRemove?: () => void }) {
  const [sent, setSent] = useState(false);
  const [code, setCode] = useState("");
  const { busy, error, run } = useAction();
  const [done, setDone] = useState(false);
  const kind = c.kind === "mobile" ? t("ct.mobile") : t("ct.email");
  const send = () =>
    run(async () => {
      await api.post(`/api/me/contacts/${c.id}/verify`);
      setSent(true);
    });
  async function confirm(e: Event) {
    e.preventDefault();
    await run(async () => {
      await api.post(`/api/me/contacts/${c.id}/confirm`, { code: code.trim() });
      setDone(true);
      onVerified();
    });
  }
  return (
    <li class="card narrow" data-testid="channel" data-kind={c.kind}>
      <h2>
        {kind}：<span class="addr">{c.kind === "mobile" ? phone(c.value) : c.value}</span>
      </h2>
      <p>
        {c.verified ? (
          <span class="badge open">{tx("ct.verified", { t: dateTime(c.verifiedAt) })}</span>
        ) : (
          <span class="badge real" data-testid="unverified">
            {tx("ct.unverified")}
          </span>
        )}
        {onRemove ? (
          <>
            {" "}
            <button type="button" class="btn small" onClick={onRemove} aria-label={`${t("ct.remove")}：${kind}`}>
              {tx("ct.remove")}
            </button>
          </>
        ) : null}
      </p>
      {done ? <Notice>{tx("ct.done")}</Notice> : null}
      {!c.verified && !done ? (
        <>
          {sent ? <Notice>{c.kind === "mobile" ? t("ct.codeSent") : t("ct.linkSent")}</Notice> : null}
          <div class="buttons">
            <button type="button" class={`btn${sent ? "" : " primary"}`} onClick={send} disabled={busy}>
              {c.kind === "mobile" ? t("ct.sendCode") : t("ct.sendLink")}
            </button>
          </div>
          {sent && c.kind === "mobile" ? (
            <form onSubmit={confirm} noValidate>
              <Field
                label={t("ct.code")}
                name="code"
                inputMode="numeric"
                autoComplete="one-time-code"
                value={code}
                onInput={setCode}
                error={error}
                maxLength={6}
                required
              />
              <Submit busy={busy}>{tx("ct.confirm")}</Submit>
            </form>
          ) : null}
          <ErrorNote error={error} fields={sent ? ["code"] : []} />
        </>
      ) : null}
    </li>
  );
}

const REPORT_KINDS = ["lost_device", "system_fault", "unauthorised_access"] as const;

/** A lost phone, a system fault or suspected unauthorised access, for the facility admins (§5, §7). */
export function Report() {
  const [kind, setKind] = useState<string>("lost_device");
  const [note, setNote] = useState("");
  const { busy, error, run } = useAction();
  const [done, setDone] = useState(false);
  async function send(e: Event) {
    e.preventDefault();
    await run(async () => {
      await api.post("/api/me/reports", { kind, note });
      setDone(true);
      setNote("");
    });
  }
  return (
    <Page title={t("rp.title")}>
      <p>{tx("rp.intro")}</p>
      <form class="card narrow" onSubmit={send} noValidate>
        <fieldset>
          <legend>{tx("rp.kind")}</legend>
          {REPORT_KINDS.map((k) => (
            <div class="field check" key={k}>
              <input type="radio" id={`rp-${k}`} name="kind" value={k} checked={kind === k} onChange={() => setKind(k)} />
              <label for={`rp-${k}`}>{tx(`rp.kind.${k}`)}</label>
            </div>
          ))}
        </fieldset>
        <Field label={t("rp.note")} name="note" value={note} onInput={setNote} error={error} multiline rows={3} maxLength={1000} />
        <ErrorNote error={error} fields={["note"]} />
        {done ? <Notice>{tx("rp.sent")}</Notice> : null}
        <Submit busy={busy}>{tx("rp.send")}</Submit>
      </form>
    </Page>
  );
}

export interface MyGroup {
  id: number;
  name: string;
  kind: "network" | "facility" | "custom";
  role: "owner" | "member";
  leavable: boolean;
}

/** The refusal of POST /api/groups/{id}/leave in the person's words, with the server's reason beside it. */
function cannotLeave(g: MyGroup, err: unknown): Error {
  const why =
    g.kind === "network" ? t("lv.cannot.network") : g.kind === "facility" ? t("lv.cannot.facility") : g.role === "owner" ? t("lv.cannot.owner") : null;
  const server = err instanceof Error ? err.message : String(err);
  return new Error(why ? `${why}（${server}）` : server);
}

/** Leave a group when no longer in charge; deregister when leaving the facility (§3, §5). */
export function Leave({ me, onGone }: { me: Me; onGone: () => void }) {
  const groups = useLoad(useCallback(() => api.get<{ items: MyGroup[] }>("/api/me/groups"), []));
  const [typed, setTyped] = useState("");
  const { busy, error, setError, run } = useAction();
  const [groupError, setGroupError] = useState<unknown>(null);
  const [note, setNote] = useState<string | null>(null);
  const [gone, setGone] = useState(false);
  async function leave(g: MyGroup) {
    if (!window.confirm(t("lv.leaveConfirm", { name: g.name }))) return;
    setGroupError(null);
    setNote(null);
    try {
      await api.post(`/api/groups/${g.id}/leave`);
      setNote(t("lv.left"));
      groups.reload();
    } catch (err) {
      setGroupError(err instanceof ApiFailure && (err.status === 409 || err.status === 404 || err.status === 403) ? cannotLeave(g, err) : err);
    }
  }
  async function deregister(e: Event) {
    e.preventDefault();
    setError(null);
    if (typed.trim() !== me.name) {
      setError(new ApiFailure(400, "invalid", t("lv.nameMismatch"), "confirmName"));
      return;
    }
    await run(
      async () => {
        await api.del(`/api/people/${me.personId}`);
        setGone(true);
      },
      { stayBusy: true },
    );
  }
  if (gone)
    return (
      <Page title={t("lv.goodbye")}>
        <p data-testid="goodbye">{tx("lv.goodbyeBody")}</p>
        <button type="button" class="btn primary" onClick={onGone}>
          {tx("lv.toSignIn")}
        </button>
      </Page>
    );
  return (
    <Page title={t("lv.title")}>
      <section aria-labelledby="lv-groups">
        <h2 id="lv-groups">{tx("lv.groups")}</h2>
        {note ? <Notice>{note}</Notice> : null}
        <ErrorNote error={groupError} />
        <Loaded result={groups}>
          {(r) =>
            r.items.length === 0 ? (
              <p>{tx("lv.noGroups")}</p>
            ) : (
              <ul class="plain-list">
                {r.items.map((g) => (
                  <li key={g.id} data-testid="my-group">
                    <span class="badge">{tx(`lv.kind.${g.kind}`)}</span> {g.name}{" "}
                    <button type="button" class="btn small" onClick={() => leave(g)} aria-label={`${t("lv.leave")}：${g.name}`}>
                      {tx("lv.leave")}
                    </button>
                  </li>
                ))}
              </ul>
            )
          }
        </Loaded>
      </section>
      <form class="card narrow confirm" onSubmit={deregister} noValidate aria-labelledby="lv-dereg">
        <h2 id="lv-dereg">{tx("lv.deregister")}</h2>
        <p>{tx("lv.deregisterIntro")}</p>
        <Field label={t("lv.typeName", { name: me.name })} name="confirmName" value={typed} onInput={setTyped} error={error} autoComplete="off" />
        <ErrorNote error={error} fields={["confirmName"]} />
        <Submit busy={busy} class="btn danger">
          {tx("lv.deregisterButton")}
        </Submit>
      </form>
    </Page>
  );
}
