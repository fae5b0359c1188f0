// Inputs tests/fuzz found reaching Postgres (a 400 without a field named, from the database's
// refusal) or answering 5xx: each is now refused at the boundary, naming the field.
import { describe, expect, it } from 'vitest';
import { createWebhookBody } from '../../contracts/webhooks';

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
