// Client-side navigation on the History API.
import { parseRoute, type Route } from './routes';

type Listener = (r: Route) => void;
const listeners = new Set<Listener>();

export const currentRoute = (): Route => parseRoute(location.pathname, location.search);

export function navigate(to: string, opts: { replace?: boolean } = {}) {
  if (to === location.pathname + location.search) return;
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  const r = currentRoute();
  listeners.forEach((l) => l(r));
  if (!opts.replace) window.scrollTo(0, 0);
}

export function onRouteChange(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

addEventListener('popstate', () => {
  const r = currentRoute();
  listeners.forEach((l) => l(r));
});

/** Click handler for in-app links: plain left clicks navigate in place; others behave as links. */
export function linkClick(e: MouseEvent) {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.currentTarget as HTMLElement).closest('a');
  const href = a?.getAttribute('href');
  if (!href || !href.startsWith('/') || a?.target) return;
  e.preventDefault();
  navigate(href);
}
