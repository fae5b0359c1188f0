// Inputs tests/fuzz found reaching Postgres (a 400 without a field named, from the database's
// refusal) or answering 5xx: each is now refused at the boundary, naming the field.
import { describe, expect, it } from 'vitest';
import { createWebhookBody } from '../../contracts/webhooks';
import { agentMessage } from '../../contracts/ws';

describe('fuzz regressions', () => {
  it('refuses a webhook name with NUL, a lone surrogate or a control character, naming it', () => {
    for (const name of ['e4a00a45\u0000', 'x\ud800', 'tab\there']) {
      const r = createWebhookBody.safeParse({ name, provider: 'gitlab', secret: 'It4Or:PyM&nSabg61f' });
      expect(r.success, JSON.stringify(name)).toBe(false);
      expect(r.error!.issues[0]).toMatchObject({ path: ['name'], message: expect.stringMatching(/^name must not contain/) });
    }
    expect(createWebhookBody.safeParse({ name: '  ci  ', provider: 'github' })).toMatchObject({ success: true, data: { name: 'ci' } });
  });
});

describe('fuzz regressions: the session socket', () => {
  it("refuses an agent hello whose name or version Postgres could not store (the room had stored and shown it, then failed on the event)", () => {
    const agent = { name: 'pc', version: '0.1.0', profile: 'unity-mcp', unity: 'up', circuit: 'closed', outboxDepth: 0 };
    for (const bad of [{ name: 'pc\u0000' }, { version: '0.1\u0000' }, { name: 'x\ud800' }, { version: 'a\nb' }]) {
      const r = agentMessage.safeParse({ t: 'hello', agent: { ...agent, ...bad } });
      expect(r.success, JSON.stringify(bad)).toBe(false);
      expect(r.error!.issues[0]!.path).toEqual(['agent', Object.keys(bad)[0]]);
    }
    expect(agentMessage.safeParse({ t: 'hello', agent }).success).toBe(true);
  });
});
