import { describe, expect, it } from 'vitest';
import { loginPage } from '../../edge/oauth/consent-page';
import { issueConsentTicket, readConsentTicket } from '../../edge/oauth/consent-ticket';
import { projectOfResource } from '../../edge/oauth/metadata';
import { pkceMatches } from '../../edge/oauth/tokens';

const ORIGIN = 'https://spark.example';
const PROJECT = '0b6f1c2e-8a9d-4c3b-9e7f-1a2b3c4d5e6f';

describe('OAuth pieces', () => {
  it('checks PKCE S256 with RFC 7636’s own example, and refuses verifiers outside the spec', async () => {
    expect(await pkceMatches('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')).toBe(true);
    expect(await pkceMatches('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')).toBe(false);
    // Too short (43 is the least), or the challenge itself sent as the verifier ("plain").
    expect(await pkceMatches('short', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')).toBe(false);
    expect(await pkceMatches('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')).toBe(false);
  });

  it('takes as resource only this origin’s /mcp or one project’s /mcp/<id>', () => {
    expect(projectOfResource(ORIGIN, `${ORIGIN}/mcp`)).toBeNull();
    expect(projectOfResource(ORIGIN, `${ORIGIN}/mcp/`)).toBeNull();
    expect(projectOfResource(ORIGIN, `${ORIGIN}/mcp/${PROJECT.toUpperCase()}`)).toBe(PROJECT);
    expect(projectOfResource(ORIGIN, 'https://evil.example/mcp')).toBe(false);
    expect(projectOfResource(ORIGIN, `${ORIGIN}/mcpx`)).toBe(false);
    expect(projectOfResource(ORIGIN, `${ORIGIN}/mcp/${PROJECT}/more`)).toBe(false);
  });

  it('binds the consent ticket to its client and PKCE challenge', async () => {
    const secret = 's'.repeat(32);
    const ticket = await issueConsentTicket('user-1', 'client-1', 'challenge-1', secret);
    expect(await readConsentTicket(ticket, 'client-1', 'challenge-1', secret)).toBe('user-1');
    expect(await readConsentTicket(ticket, 'client-2', 'challenge-1', secret)).toBeNull();
    expect(await readConsentTicket(ticket, 'client-1', 'challenge-2', secret)).toBeNull();
    expect(await readConsentTicket(ticket, 'client-1', 'challenge-1', 't'.repeat(32))).toBeNull();
  });

  it('escapes what a client chose (its name, its state) in the pages', () => {
    const html = loginPage({ client_id: 'c', state: '"><script>x</script>' }, '<img src=x onerror=alert(1)>');
    expect(html).not.toContain('<script>x');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
  });
});
