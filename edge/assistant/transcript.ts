// The assistant's conversation in the session's event log: each prompt and each answer becomes an
// `assistant.prompt` / `assistant.answer` event, so the log's export (per session) carries them and
// an import elsewhere keeps them. The rows in assistant_messages stay what the model reads back.
import { fitsUtf8Bytes } from '../../contracts/bytes';
import { eventOf, type CatalogPayloadInput } from '../../contracts/event-catalog';
import type { SparkEventV1 } from '../../contracts/event';
import { MAX_EVENT_PAYLOAD_BYTES } from '../../contracts/limits';
import type { ChatMessage } from './chat';

export const TRANSCRIPT_SOURCE = 'spark-assistant';

type Answer = CatalogPayloadInput<'assistant.answer'>;
const fits = (p: object) => fitsUtf8Bytes(JSON.stringify(p), MAX_EVENT_PAYLOAD_BYTES);

/** The answer's payload within 64 KiB: the calls' arguments go first (all together), then the text is cut. */
export function fitAnswer(runId: string, m: Pick<ChatMessage, 'content' | 'tool_calls'>): Answer {
  const calls = (m.tool_calls ?? []).map((t) => ({ id: t.id, name: t.function.name, arguments: t.function.arguments }));
  const full: Answer = { run_id: runId, text: m.content ?? '', tool_calls: calls };
  if (fits(full)) return full;
  const bare: Answer = { ...full, tool_calls: calls.map(({ id, name }) => ({ id, name })), ...(calls.length ? { content_omitted: true as const } : {}) };
  if (fits(bare)) return bare;
  // The text alone is too long: halve what is kept until it fits (a few rounds at most).
  let keep = bare.text.length;
  let cut: Answer;
  do {
    keep = Math.floor(keep / 2);
    // Never split a surrogate pair: a lone half is not storable text.
    const end = /[\ud800-\udbff]/.test(bare.text.charAt(keep - 1)) ? keep - 1 : keep;
    cut = { ...bare, text: `${bare.text.slice(0, end)}…`, truncated: true };
  } while (!fits(cut));
  return cut;
}

/** The event a kept message becomes: the person's prompt or the model's answer; tool results are not (their operations have their own events). */
export function transcriptEvent(runId: string, sessionId: string, m: ChatMessage, ts = Date.now() / 1000): SparkEventV1 | null {
  const envelope = { id: crypto.randomUUID(), source: TRANSCRIPT_SOURCE, ts, session_id: sessionId };
  if (m.role === 'user' && m.content) return eventOf('assistant.prompt', { run_id: runId, text: m.content }, envelope);
  if (m.role === 'assistant') return eventOf('assistant.answer', fitAnswer(runId, m), envelope);
  return null;
}
