import type { Env } from '../env';

/** A preset as the UI serves it (presets.json among the static assets, built from web/presets). */
export interface ServedPreset {
  id: string;
  scripts: { path: string; code: string }[];
}

/** The presets this Spark serves; null when it serves none (the web UI is not built). */
export async function servedPresets(env: Pick<Env, 'ASSETS'>): Promise<ServedPreset[] | null> {
  const res = env.ASSETS ? await env.ASSETS.fetch(new Request('https://assets.invalid/presets.json')) : null;
  if (!res?.ok) return null;
  const body: unknown = await res.json();
  if (!Array.isArray(body)) return null;
  return body.filter((p): p is ServedPreset => typeof p?.id === 'string' && Array.isArray(p?.scripts));
}
