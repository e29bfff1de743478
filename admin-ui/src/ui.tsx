import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiFailure, failureMessage } from "./api";
import { t } from "./i18n";
import { onLinkClick } from "./router";

/** One screen: its heading gets focus on arrival, so screen readers announce the change. */
export function Page({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  const h = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} | ${t("app.title")}`;
    h.current?.focus({ preventScroll: true });
  }, [title]);
  return (
    <section class="page">
      <div class="page-head">
        <h1 ref={h} tabIndex={-1}>
          {title}
        </h1>
        {actions ? <div class="page-actions">{actions}</div> : null}
      </div>
      {children}
    </section>
  );
}

export function Link({
  href,
  children,
  class: cls,
  current,
  describedBy,
}: {
  href: string;
  children: ComponentChildren;
  class?: string;
  current?: boolean;
  /** The id of what the link acts on, read after its text (a row's 「編集」: 「本田 美穂」). */
  describedBy?: string;
}) {
  return (
    <a href={href} class={cls} onClick={onLinkClick} aria-current={current ? "page" : undefined} aria-describedby={describedBy}>
      {children}
    </a>
  );
}

/** The message for `name` when the last failure named that field. */
export function fieldError(err: unknown, name: string): string | null {
  return err instanceof ApiFailure && err.field === name ? failureMessage(err) : null;
}

let fieldSeq = 0;

/** A labelled control's id (given, else its own), the server's message for its field, and the aria that ties help and message to it. */
function useFieldParts(props: { id?: string; name: string; error?: unknown; help?: string }) {
  const [own] = useState(() => `f${++fieldSeq}`);
  const id = props.id ?? own;
  const msg = props.error === undefined ? null : fieldError(props.error, props.name);
  const describedBy = [props.help ? `${id}-help` : "", msg ? `${id}-err` : ""].filter(Boolean).join(" ") || undefined;
  return { id, msg, aria: { "aria-invalid": msg ? ("true" as const) : undefined, "aria-describedby": describedBy } };
}

/** The frame of a labelled control: the label, the control, its help and the server's message. */
function FieldFrame({ id, label, help, msg, children }: { id: string; label: string; help?: string; msg: string | null; children: ComponentChildren }) {
  return (
    <div class={`field${msg ? " has-error" : ""}`}>
      <label for={id}>{label}</label>
      {children}
      {help ? (
        <p class="help" id={`${id}-help`}>
          {help}
        </p>
      ) : null}
      {msg ? (
        <p class="field-error" id={`${id}-err`} role="alert">
          {msg}
        </p>
      ) : null}
    </div>
  );
}

export interface FieldProps {
  label: string;
  name: string;
  error?: unknown;
  help?: string;
  type?: "text" | "email" | "password" | "number" | "search" | "tel";
  value: string;
  onInput: (v: string) => void;
  autoComplete?: string;
  inputMode?: "numeric" | "text" | "email" | "tel" | "search";
  required?: boolean;
  autoFocus?: boolean;
  multiline?: boolean;
  rows?: number;
  placeholder?: string;
  maxLength?: number;
  /** The id of a <datalist> of suggestions (free text still allowed). */
  list?: string;
  /** The input's id, where a screen names its own. */
  id?: string;
  /** The input's class ("short" for a number). */
  class?: string;
}

/** A labelled input with help text and the server's message for this field beside it. */
export function Field(props: FieldProps) {
  const { id, msg, aria } = useFieldParts(props);
  const common = {
    id,
    name: props.name,
    value: props.value,
    required: props.required,
    autoFocus: props.autoFocus,
    placeholder: props.placeholder,
    maxLength: props.maxLength,
    class: props.class,
    ...aria,
    onInput: (e: Event) => props.onInput((e.currentTarget as HTMLInputElement).value),
  };
  return (
    <FieldFrame id={id} label={props.label} help={props.help} msg={msg}>
      {props.multiline ? (
        <textarea rows={props.rows ?? 4} {...common} />
      ) : (
        // Preact 11 types inputs by a union per `type`; the runtime takes any of them.
        <input type={(props.type ?? "text") as "text"} autoComplete={props.autoComplete} inputMode={props.inputMode} list={props.list} {...common} />
      )}
    </FieldFrame>
  );
}

/** A labelled select with help text and the server's message for its field beside it. */
export function SelectField(props: {
  label: string;
  name: string;
  value: string;
  onChange: (v: string) => void;
  error?: unknown;
  help?: string;
  children: ComponentChildren;
}) {
  const { id, msg, aria } = useFieldParts(props);
  return (
    <FieldFrame id={id} label={props.label} help={props.help} msg={msg}>
      <select id={id} name={props.name} value={props.value} {...aria} onChange={(e) => props.onChange((e.currentTarget as HTMLSelectElement).value)}>
        {props.children}
      </select>
    </FieldFrame>
  );
}

/** A failure not tied to one of the fields on screen. */
export function ErrorNote({ error, fields = [] }: { error: unknown; fields?: string[] }) {
  if (!error) return null;
  if (error instanceof ApiFailure && error.field && fields.includes(error.field)) return null;
  return (
    <p class="error-note" role="alert">
      {failureMessage(error)}
    </p>
  );
}

export function Notice({ children }: { children: ComponentChildren }) {
  return (
    <p class="notice" role="status">
      {children}
    </p>
  );
}

export function Loading() {
  return (
    <p class="loading" role="status">
      {t("common.loading")}
    </p>
  );
}

/**
 * Loads data for a screen, again whenever `load` changes; `reload` fetches again.
 * `load` must keep its identity between renders (useCallback on what it reads), or it would load on every render.
 */
export function useLoad<T>(load: () => Promise<T>) {
  const [state, setState] = useState<{ data: T | null; error: unknown; loading: boolean }>({ data: null, error: null, loading: true });
  const run = useCallback(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error: unknown) => live && setState({ data: null, error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [load]);
  useEffect(run, [run]);
  return { ...state, reload: run };
}

/** Renders loading / error / data for a `useLoad` result. */
export function Loaded<T>({
  result,
  children,
}: {
  result: { data: T | null; error: unknown; loading: boolean; reload: () => void };
  children: (data: T) => ComponentChildren;
}) {
  if (result.error)
    return (
      <div>
        <ErrorNote error={result.error} />
        {/* Not allowed (403) or signed out (401) does not get better by trying again. */}
        {result.error instanceof ApiFailure && (result.error.status === 401 || result.error.status === 403) ? null : (
          <button type="button" class="btn" onClick={() => result.reload()}>
            {t("common.retry")}
          </button>
        )}
      </div>
    );
  if (result.data === null) return <Loading />;
  return <>{children(result.data)}</>;
}

/**
 * A list that pages with a cursor and loads again from its first page when `load` changes:
 * `load` is memoized on the query (useCallback), takes null for the first page and says the next page's cursor.
 */
export function usePaged<T, C = string>(load: (cursor: C | null) => Promise<{ items: T[]; total?: number; nextCursor?: C | null }>) {
  const [items, setItems] = useState<T[] | null>(null);
  const [total, setTotal] = useState<number | null>(null);
  const [next, setNext] = useState<C | null>(null);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(
    async (cursor: C | null) => {
      setError(null);
      try {
        const page = await load(cursor);
        setItems((old) => (cursor !== null && old ? [...old, ...page.items] : page.items));
        setTotal(page.total ?? null);
        setNext(page.nextCursor ?? null);
      } catch (err) {
        setError(err);
      }
    },
    [load],
  );
  useEffect(() => {
    setItems(null);
    setNext(null);
    void run(null);
  }, [run]);
  return { items, total, next, error, more: () => next !== null && run(next), reload: () => run(null) };
}

/**
 * The body of a `usePaged` list: loading until the first page comes (nothing once it failed), `empty` when
 * nothing came (without it the children draw the empty list too), the items, and the button for the next page.
 */
export function PagedBody<T>({
  list,
  moreLabel,
  empty,
  children,
}: {
  list: { items: T[] | null; error: unknown; next: unknown; more: () => unknown };
  moreLabel: string;
  empty?: ComponentChildren;
  children: (items: T[]) => ComponentChildren;
}) {
  return (
    <>
      {list.items === null ? list.error ? null : <Loading /> : empty !== undefined && list.items.length === 0 ? empty : children(list.items)}
      {list.next !== null ? (
        <button type="button" class="btn" onClick={list.more}>
          {moreLabel}
        </button>
      ) : null}
    </>
  );
}

/**
 * What a form or a button sets going: `busy` while it runs (its button cannot be pressed twice),
 * `error` the failure it ended with, cleared when the next one starts. With `stayBusy`, a success
 * leaves it busy: the screen leaves, or draws the form anew.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async (action: () => Promise<unknown>, opts?: { stayBusy?: boolean }) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      if (!opts?.stayBusy) setBusy(false);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}

/** A wide table's scrolling region: it takes keyboard focus, so it can be scrolled without a mouse. Named by `label` or by the id of its heading. */
export function ScrollRegion({ label, labelledBy, children }: { label?: string; labelledBy?: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling table region takes keyboard focus so it can be scrolled without a mouse (WCAG 2.1.1, axe scrollable-region-focusable)
    <section class="table-wrap" tabIndex={0} aria-label={label} aria-labelledby={labelledBy}>
      {children}
    </section>
  );
}

/** Submit button that shows it is working and cannot be pressed twice. */
export function Submit({
  busy,
  children,
  class: cls = "btn primary",
  disabled,
}: {
  busy: boolean;
  children: ComponentChildren;
  class?: string;
  disabled?: boolean;
}) {
  return (
    <button type="submit" class={cls} disabled={busy || disabled} aria-busy={busy ? "true" : undefined}>
      {children}
    </button>
  );
}
