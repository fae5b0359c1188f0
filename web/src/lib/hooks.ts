import { useCallback, useEffect, useRef, useState } from 'hono/jsx/dom';
import { ApiError, errorMessage } from './api';

export interface Resource<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload: () => Promise<void>;
  set: (v: T) => void;
}

/** Loads something when `deps` change; errors become a message (401s already sent the person away). */
export function useResource<T>(load: () => Promise<T>, deps: readonly unknown[]): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const gen = useRef(0);
  // Always the newest `load`: a reload scheduled by an older render (a timer after an operation)
  // must fetch with today's filters, not the ones in force when it was scheduled.
  const latest = useRef(load);
  latest.current = load;
  const reload = useCallback(async () => {
    const mine = ++gen.current;
    setLoading(true);
    try {
      const v = await latest.current();
      if (mine !== gen.current) return;
      setData(v);
      setError(null);
    } catch (err) {
      if (mine !== gen.current) return;
      if (!(err instanceof ApiError && err.handled)) setError(errorMessage(err));
    } finally {
      if (mine === gen.current) setLoading(false);
    }
  }, deps);
  useEffect(() => {
    void reload();
    return () => {
      gen.current++;
    };
  }, deps);
  return { data, error, loading, reload, set: setData };
}

/** Calls `fn` every `ms` while `active`; stops when the component goes away. */
export function useInterval(fn: () => void, ms: number, active = true) {
  const saved = useRef(fn);
  saved.current = fn;
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => saved.current(), ms);
    return () => clearInterval(t);
  }, [ms, active]);
}

/** Re-renders every `ms` (countdowns, "5 s ago"). */
export function useNow(ms = 1000, active = true): number {
  const [now, setNow] = useState(Date.now());
  useInterval(() => setNow(Date.now()), ms, active);
  return now;
}

/** Sets document.title for the page. */
export function useTitle(title: string) {
  useEffect(() => {
    document.title = title ? `${title} · Spark` : 'Spark';
  }, [title]);
}

/**
 * Buttons that run one action at a time: `busy` names the running one (to disable and relabel
 * its button), `error` holds the last failure's message (one already dealt with, such as a trip
 * to the login page, is not repeated).
 */
export function useActions() {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async (key: string, fn: () => Promise<void>) => {
    setBusy(key);
    setError(null);
    try {
      await fn();
    } catch (err) {
      if (!(err instanceof ApiError && err.handled)) setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };
  return { busy, error, setError, run };
}
