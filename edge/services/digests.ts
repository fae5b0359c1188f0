// Making a digest: facts counted from events, an optional Highlights paragraph from a model that
// sees only those facts (within a time budget: a slow or absent model never holds a digest back),
// the Markdown, and a delivery queued for each of the project's outgoing webhooks.
import { duePeriods, highlightsPrompt, renderDigestMarkdown, type DigestHighlights, type DigestView, type DigestWindow } from '../../contracts/digests';
import type { Db } from '../../db/client';
import { digestFacts, findDigestByPeriod, projectName, projectsActiveIn, queueDigestDeliveries, saveDigest } from '../../db/queries/digests';
import type { Digest } from '../../db/schema';
import { streamChat } from '../assistant/chat';

export const DEFAULT_DIGEST_LLM_TIMEOUT_SECONDS = 20;

export interface DigestLlm {
  /** The OpenAI-compatible base: requests go to `${url}/v1/chat/completions`. */
  url: string;
  model: string;
  timeoutMs: number;
}

type DigestLlmEnv = { DIGEST_LLM_URL?: string; DIGEST_LLM_MODEL?: string; DIGEST_LLM_TIMEOUT_SECONDS?: string };

/** The digest model, or null when DIGEST_LLM_URL or DIGEST_LLM_MODEL is unset. */
export function digestLlm(env: DigestLlmEnv): DigestLlm | null {
  const url = env.DIGEST_LLM_URL?.trim().replace(/\/+$/, '');
  const model = env.DIGEST_LLM_MODEL?.trim();
  if (!url || !model) return null;
  const s = Number(env.DIGEST_LLM_TIMEOUT_SECONDS);
  return { url, model, timeoutMs: (Number.isFinite(s) && s > 0 ? s : DEFAULT_DIGEST_LLM_TIMEOUT_SECONDS) * 1000 };
}

/** The Highlights paragraph, or why there is none; never throws. */
export async function writeHighlights(llm: DigestLlm | null, input: Parameters<typeof highlightsPrompt>[0]): Promise<DigestHighlights> {
  if (!llm) return { status: 'not_configured', text: null, model: null, reason: null };
  const signal = AbortSignal.timeout(llm.timeoutMs);
  try {
    const config = { baseUrl: `${llm.url}/v1`, model: llm.model, prices: {}, provider: 'digest' };
    // The whole call, stream included, races the budget: a model that starts and then stalls is slow too.
    const turn = await Promise.race([
      streamChat(config, highlightsPrompt(input), [], async () => {}, signal),
      new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('timeout')), { once: true })),
    ]);
    const text = turn.content.trim();
    if (!text) return { status: 'unavailable', text: null, model: llm.model, reason: 'the model answered with no text' };
    return { status: 'written', text, model: llm.model, reason: null };
  } catch (err) {
    const reason = signal.aborted ? `the model did not answer within ${llm.timeoutMs / 1000} s` : `the model could not be reached (${(err as Error).message.slice(0, 200)})`;
    return { status: 'unavailable', text: null, model: llm.model, reason };
  }
}

export interface MakeDigestOptions {
  trigger: 'cron' | 'manual';
  /** A request remakes an existing digest of the same period; the cron keeps it. */
  replace: boolean;
}

/** Makes (or, for a request, remakes) one digest and queues its deliveries. Null when the cron finds it made already. */
export async function makeDigest(db: Db, llm: DigestLlm | null, projectId: string, window: DigestWindow, opts: MakeDigestOptions): Promise<{ digest: Digest; created: boolean; queued: number } | null> {
  if (!opts.replace && (await findDigestByPeriod(db, projectId, window.period, window.start))) return null;
  const name = (await projectName(db, projectId)) ?? projectId;
  const facts = await digestFacts(db, projectId, window);
  const highlights = await writeHighlights(llm, { projectName: name, window, facts });
  const markdown = renderDigestMarkdown({ projectName: name, window, facts, highlights });
  const { digest, created } = await saveDigest(
    db,
    { projectId, period: window.period, periodStart: window.start, periodEnd: window.end, facts, highlights, markdown, trigger: opts.trigger },
    opts.replace,
  );
  const queued = await queueDigestDeliveries(db, projectId, digest.id);
  return { digest, created, queued };
}

/** The daily cron: yesterday's, last week's (Mondays) and last month's (the 1st) digests of every project with events then. */
export async function makeDueDigests(db: Db, llm: DigestLlm | null, now: Date): Promise<{ made: number; kept: number }> {
  let made = 0;
  let kept = 0;
  for (const window of duePeriods(now)) {
    for (const project of await projectsActiveIn(db, window)) {
      const r = await makeDigest(db, llm, project.id, window, { trigger: 'cron', replace: false });
      if (r) made++;
      else kept++;
    }
  }
  return { made, kept };
}

/** The API's view of a stored digest. */
export function digestView(r: Digest): DigestView {
  return {
    id: r.id,
    project_id: r.projectId,
    period: r.period,
    start: r.periodStart,
    end: r.periodEnd,
    trigger: r.trigger,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
    facts: r.facts,
    highlights: r.highlights,
    markdown: r.markdown,
  };
}
