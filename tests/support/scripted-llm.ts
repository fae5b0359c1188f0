// A scripted model behind an OpenAI-compatible /v1/chat/completions endpoint: it streams its
// answer as the real API does (SSE chunks, tool calls in fragments, usage in the last chunk with
// stream_options.include_usage), and decides each turn from the conversation it is sent.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedTurn {
  text?: string;
  toolCalls?: { name: string; arguments: Record<string, unknown> }[];
  usage: { prompt_tokens: number; completion_tokens: number; cached_tokens?: number };
}

export interface ChatRequest {
  model: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  messages: { role: string; content: string | null; tool_calls?: { id: string; function: { name: string; arguments: string } }[]; tool_call_id?: string }[];
  tools?: { type: string; function: { name: string; description: string; parameters: Record<string, unknown> } }[];
}

export async function startScriptedLlm(script: (req: ChatRequest) => ScriptedTurn) {
  const requests: { body: ChatRequest; authorization: string | undefined }[] = [];
  let nextId = 0;
  const server = createServer(async (req, res) => {
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
      return;
    }
    const body = JSON.parse(await read(req)) as ChatRequest;
    requests.push({ body, authorization: req.headers.authorization });
    if (!body.stream || !Array.isArray(body.messages)) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'this scripted model only streams' } }));
      return;
    }
    const turn = script(body);
    const id = `chatcmpl-${++nextId}`;
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({ id, object: 'chat.completion.chunk', created: 0, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] });
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (o: unknown) => res.write(`data: ${JSON.stringify(o)}\n\n`);
    send(chunk({ role: 'assistant', content: '' }));
    for (const word of (turn.text ?? '').match(/\S+\s*/g) ?? []) send(chunk({ content: word }));
    (turn.toolCalls ?? []).forEach((call, index) => {
      const args = JSON.stringify(call.arguments);
      const half = Math.ceil(args.length / 2);
      // As OpenAI sends them: the id and name first, the arguments in pieces.
      send(chunk({ tool_calls: [{ index, id: `call_${nextId}_${index}`, type: 'function', function: { name: call.name, arguments: '' } }] }));
      send(chunk({ tool_calls: [{ index, function: { arguments: args.slice(0, half) } }] }));
      send(chunk({ tool_calls: [{ index, function: { arguments: args.slice(half) } }] }));
    });
    send(chunk({}, turn.toolCalls?.length ? 'tool_calls' : 'stop'));
    if (body.stream_options?.include_usage) {
      const { prompt_tokens, completion_tokens, cached_tokens = 0 } = turn.usage;
      send({ id, object: 'chat.completion.chunk', created: 0, model: body.model, choices: [], usage: { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens, prompt_tokens_details: { cached_tokens } } });
    }
    res.end('data: [DONE]\n\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1`, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (s += d));
    req.on('end', () => resolve(s));
    req.on('error', reject);
  });
}
