/** @jsxImportSource hono/jsx/dom */
import type { Child, PropsWithChildren } from 'hono/jsx';
import { useEffect, useRef, useState } from 'hono/jsx/dom';
import { formatDateTime, formatPercent, relativeTime } from '../lib/format';
import { linkClick } from '../lib/nav';
import { paths } from '../lib/routes';
import { dismissToast, onToasts, type Toast } from '../lib/toast';

export function Link(props: PropsWithChildren<{ href: string; class?: string; 'data-testid'?: string; 'aria-label'?: string; 'aria-current'?: string }>) {
  const { children, ...rest } = props;
  return (
    <a {...rest} onClick={linkClick}>
      {children}
    </a>
  );
}

export type Tone = 'ok' | 'warn' | 'err' | 'info' | 'muted';

/** Projects / <project> / <page>: the breadcrumb of one of a project's own pages. */
export function ProjectCrumbs(props: { projectId: string; projectName: string | undefined; page: string }) {
  return (
    <nav class="crumbs" aria-label="Breadcrumb">
      <Link href={paths.projects()}>Projects</Link>
      <span aria-hidden="true">/</span>
      <Link href={paths.project(props.projectId)}>{props.projectName ?? 'Project'}</Link>
      <span aria-hidden="true">/</span>
      <span aria-current="page">{props.page}</span>
    </nav>
  );
}

export function Badge(props: PropsWithChildren<{ tone: Tone; 'data-testid'?: string; title?: string }>) {
  const { tone, children, ...rest } = props;
  return (
    <span class={`badge badge-${tone}`} {...rest}>
      {children}
    </span>
  );
}

export function Spinner(props: { label?: string }) {
  return <span class="spinner" role="status" aria-label={props.label ?? 'Loading'} />;
}

/** A progress bar; indeterminate (striped) when `value` is null. */
export function ProgressBar(props: { value: number | null; label: string; tone?: Tone; 'data-testid'?: string }) {
  const v = props.value === null ? null : Math.max(0, Math.min(1, props.value));
  return (
    <div
      class={`bar ${v === null ? 'bar-indeterminate' : ''} ${props.tone ? `bar-${props.tone}` : ''}`}
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={v === null ? undefined : Math.round(v * 100)}
      aria-valuetext={v === null ? 'in progress' : formatPercent(v)}
      data-testid={props['data-testid']}
    >
      <span style={v === null ? undefined : { width: `${v * 100}%` }} />
    </div>
  );
}

export function InlineError(props: { message: string | null | undefined; id?: string; 'data-testid'?: string }) {
  if (!props.message) return null;
  return (
    <p class="inline-error" role="alert" id={props.id} data-testid={props['data-testid']}>
      {props.message}
    </p>
  );
}

/** A <time> that says "5 min ago" and re-renders every 30 s. */
export function TimeAgo(props: { at: string | number | null | undefined }) {
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 30_000);
    return () => clearInterval(t);
  }, []);
  if (props.at === null || props.at === undefined) return <span class="muted">—</span>;
  const iso = typeof props.at === 'number' ? new Date(props.at).toISOString() : props.at;
  return (
    <time dateTime={iso} title={formatDateTime(props.at)}>
      {relativeTime(props.at)}
    </time>
  );
}

/** Copies `text`; says so for screen readers too. */
export function CopyButton(props: { text: string; label: string; 'data-testid'?: string }) {
  const [copied, setCopied] = useState<'idle' | 'done' | 'failed'>('idle');
  useEffect(() => {
    if (copied === 'idle') return;
    const t = setTimeout(() => setCopied('idle'), 2000);
    return () => clearTimeout(t);
  }, [copied]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text);
      setCopied('done');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <button type="button" class="btn btn-small" onClick={copy} aria-label={props.label} data-testid={props['data-testid']}>
      {copied === 'done' ? 'Copied ✓' : copied === 'failed' ? 'Select & copy' : 'Copy'}
      <span class="sr-only" aria-live="polite">
        {copied === 'done' ? 'Copied to the clipboard' : copied === 'failed' ? 'Could not copy; select the text and copy it' : ''}
      </span>
    </button>
  );
}

/** A native modal dialog (focus trap, Escape to close). */
export function Dialog(props: PropsWithChildren<{ title: Child; onClose: () => void; wide?: boolean; 'data-testid'?: string }>) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => {
      if (d?.open) d.close();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      class={`dialog ${props.wide ? 'dialog-wide' : ''}`}
      aria-labelledby="dialog-title"
      data-testid={props['data-testid']}
      onClose={props.onClose}
      onClick={(e: MouseEvent) => {
        if (e.target === ref.current) props.onClose();
      }}
    >
      <div class="dialog-head">
        <h2 id="dialog-title">{props.title}</h2>
        <button type="button" class="btn btn-ghost btn-small" onClick={props.onClose} aria-label="Close">
          ✕
        </button>
      </div>
      <div class="dialog-body">{props.children}</div>
    </dialog>
  );
}

export function Toasts() {
  const [list, setList] = useState<readonly Toast[]>([]);
  useEffect(() => onToasts(setList), []);
  return (
    <div class="toasts" aria-live="polite" data-testid="toasts">
      {list.map((t) => (
        <div key={t.id} class={`toast toast-${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'} data-testid={`toast-${t.kind}`}>
          <span>{t.text}</span>
          <button type="button" class="toast-close" aria-label="Dismiss" onClick={() => dismissToast(t.id)}>
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}

export function Panel(props: PropsWithChildren<{ id: string; title: string; actions?: Child; 'data-testid'?: string; class?: string }>) {
  return (
    <section class={`card panel ${props.class ?? ''}`} aria-labelledby={`${props.id}-title`} id={props.id} data-testid={props['data-testid']}>
      <header class="panel-head">
        <h2 id={`${props.id}-title`}>{props.title}</h2>
        {props.actions ? <div class="panel-actions">{props.actions}</div> : null}
      </header>
      {props.children}
    </section>
  );
}

/** A file path that wraps at its slashes, with the file name stressed. */
export function PathText(props: { path: string; class?: string }) {
  const parts = props.path.split('/');
  const name = parts.pop() ?? '';
  return (
    <code class={`path ${props.class ?? ''}`} title={props.path}>
      {parts.map((p) => (
        <>
          <span class="path-dir">{p}/</span>
          <wbr />
        </>
      ))}
      <span class="path-name">{name}</span>
    </code>
  );
}

export function EmptyState(props: PropsWithChildren<{ 'data-testid'?: string }>) {
  return (
    <div class="empty" data-testid={props['data-testid']}>
      {props.children}
    </div>
  );
}

/** An error for people: what happened, the next step, and the raw detail folded away. */
export function ErrorNote(props: { title: string; next?: string; detail?: string; alert?: boolean; 'data-testid'?: string }) {
  return (
    <div class="error-note" role={props.alert ? 'alert' : undefined} data-testid={props['data-testid'] ?? 'error-note'}>
      <strong class="error-title">{props.title}</strong>
      {props.next ? <span class="error-next"> {props.next}</span> : null}
      {props.detail ? (
        <details class="error-detail">
          <summary>Details</summary>
          <code>{props.detail}</code>
        </details>
      ) : null}
    </div>
  );
}
