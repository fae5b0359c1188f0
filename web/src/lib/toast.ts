// Toasts: every error meant for the person ends up on the page, not only in the console.

export interface Toast {
  id: number;
  kind: 'error' | 'ok' | 'info';
  text: string;
}

type Listener = (t: readonly Toast[]) => void;
let toasts: readonly Toast[] = [];
let seq = 0;
const listeners = new Set<Listener>();

function emit() {
  listeners.forEach((l) => l(toasts));
}

export function showToast(kind: Toast['kind'], text: string, ms = kind === 'error' ? 8000 : 4000) {
  // The same message twice in a row is one toast.
  if (toasts.some((t) => t.text === text && t.kind === kind)) return;
  const t: Toast = { id: ++seq, kind, text };
  toasts = [...toasts, t].slice(-4);
  emit();
  setTimeout(() => dismissToast(t.id), ms);
}

export function dismissToast(id: number) {
  const next = toasts.filter((t) => t.id !== id);
  if (next.length !== toasts.length) {
    toasts = next;
    emit();
  }
}

export function onToasts(l: Listener): () => void {
  listeners.add(l);
  l(toasts);
  return () => listeners.delete(l);
}

export const toastError = (text: string) => showToast('error', text);
export const toastOk = (text: string) => showToast('ok', text);
