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

/** A name's words in order, so "2d-platformer" and "Platformer 2D" name the preset `platformer-2d`. */
const wordsOf = (name: string) => name.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean).sort().join(' ');

/** The preset `name` names: its id, or the same words in another order or case. */
export function presetNamed<P extends ServedPreset>(presets: readonly P[], name: string): P | undefined {
  const words = wordsOf(name);
  return presets.find((p) => p.id === name) ?? (words ? presets.find((p) => wordsOf(p.id) === words) : undefined);
}
