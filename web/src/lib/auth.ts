// The person's access token (15 minutes), kept in localStorage so a reload keeps them in.

export interface Auth {
  token: string;
  email: string;
  /** Epoch ms. */
  expiresAt: number;
}

const KEY = 'spark.auth';
type Listener = (a: Auth | null) => void;
const listeners = new Set<Listener>();
let current: Auth | null = read();
/** A message for the login page (why the person was sent there). */
let flash: string | null = null;

function read(): Auth | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const a = JSON.parse(raw) as Partial<Auth>;
    if (typeof a.token !== 'string' || typeof a.expiresAt !== 'number') return null;
    return { token: a.token, email: String(a.email ?? ''), expiresAt: a.expiresAt };
  } catch {
    return null;
  }
}

/** The current token, unless it has expired. */
export function getAuth(): Auth | null {
  return current && current.expiresAt > Date.now() ? current : null;
}

export function setAuth(a: Auth) {
  current = a;
  try {
    localStorage.setItem(KEY, JSON.stringify(a));
  } catch {
    // private mode: the token lives for this tab only
  }
  flash = null;
  listeners.forEach((l) => l(a));
}

export function clearAuth(message?: string) {
  current = null;
  try {
    localStorage.removeItem(KEY);
  } catch {
    // nothing to remove
  }
  if (message) flash = message;
  listeners.forEach((l) => l(null));
}

/** Reads (and forgets) the message for the login page. */
export function takeFlash(): string | null {
  const f = flash;
  flash = null;
  return f;
}

export function onAuthChange(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export const EXPIRED_MESSAGE = 'Your sign-in has expired (access lasts 15 minutes). Log in again to carry on where you were.';
