import { describe, expect, it } from 'vitest';
import { parseCatalogEvent } from '../../contracts/event-catalog';
import { sparkEventV1 } from '../../contracts/event';
import { MAX_EVENT_PAYLOAD_BYTES } from '../../contracts/limits';
import { utf8ByteLength } from '../../contracts/bytes';
import { fitAnswer, transcriptEvent } from '../../edge/assistant/transcript';

const run = '5b0f6a1e-8f8b-4f5e-9d7a-2c1f3b4e5d6a';
const session = '0b9c1f5e-8f61-4c39-9a49-1d2f9e0c7a11';
const call = (args: string) => ({ id: 'call_1', type: 'function' as const, function: { name: 'write_script', arguments: args } });
const bytes = (p: object) => utf8ByteLength(JSON.stringify(p));

describe('the assistant conversation as events', () => {
  it('a prompt and an answer become catalog events of the session; tool results do not', () => {
    const prompt = transcriptEvent(run, session, { role: 'user', content: 'make a jump script' })!;
    expect(sparkEventV1.parse(prompt)).toMatchObject({ type: 'assistant.prompt', kind: 'message', session_id: session, payload: { run_id: run, text: 'make a jump script' } });
    const answer = transcriptEvent(run, session, { role: 'assistant', content: 'Writing it.', tool_calls: [call('{"path":"Assets/J.cs"}')] })!;
    expect(parseCatalogEvent(answer)).toEqual({
      ok: true,
      event: { type: 'assistant.answer', payload: { run_id: run, text: 'Writing it.', tool_calls: [{ id: 'call_1', name: 'write_script', arguments: '{"path":"Assets/J.cs"}' }] } },
    });
    expect(transcriptEvent(run, session, { role: 'assistant', content: null })!.payload).toEqual({ run_id: run, text: '', tool_calls: [] });
    expect(transcriptEvent(run, session, { role: 'tool', tool_call_id: 'call_1', content: 'compile: compiled' })).toBeNull();
  });

  it('an answer too large for one event drops the calls’ arguments together, then cuts the text', () => {
    const script = 'x'.repeat(200_000);
    const noArgs = fitAnswer(run, { content: 'Here it is.', tool_calls: [call(JSON.stringify({ code: script })), { ...call('{}'), id: 'call_2' }] });
    expect(noArgs).toEqual({ run_id: run, text: 'Here it is.', tool_calls: [{ id: 'call_1', name: 'write_script' }, { id: 'call_2', name: 'write_script' }], content_omitted: true });

    // The cut lands right after a high surrogate (the 'a' shifts the pairs), which must not be split.
    const long = `a${'é😀'.repeat(40_000)}`;
    const cut = fitAnswer(run, { content: long, tool_calls: [] });
    expect(cut).toMatchObject({ truncated: true, tool_calls: [] });
    expect(cut.content_omitted).toBeUndefined();
    expect(bytes(cut)).toBeLessThanOrEqual(MAX_EVENT_PAYLOAD_BYTES);
    expect(long.startsWith(cut.text.slice(0, -1))).toBe(true);
    // Still a storable event (no half of a surrogate pair left at the cut).
    expect(sparkEventV1.safeParse(transcriptEvent(run, session, { role: 'assistant', content: long })).success).toBe(true);
  });
});
