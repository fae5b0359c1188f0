import { describe, expect, it } from 'vitest';
import { eventLogQuery, exportPath, NO_FILTERS, webhookSetupSteps } from '../../web/src/lib/integrations';
import { parseRoute, paths } from '../../web/src/lib/routes';

describe('Integrations page helpers', () => {
  it('routes /projects/:id/integrations both ways', () => {
    expect(parseRoute('/projects/p-1/integrations')).toEqual({ name: 'integrations', projectId: 'p-1' });
    expect(parseRoute(paths.integrations('p-1') + '/')).toEqual({ name: 'integrations', projectId: 'p-1' });
  });

  it('gives GitHub the fields its webhook form asks for, with the values to paste', () => {
    const steps = webhookSetupSteps('github', 'https://spark.example/hooks/h1', 's3cret');
    const byLabel = Object.fromEntries(steps.map((s) => [s.label, s.value]));
    expect(byLabel).toMatchObject({ 'Payload URL': 'https://spark.example/hooks/h1', 'Content type': 'application/json', Secret: 's3cret' });
    expect(steps.find((s) => s.label === 'Which events')!.note).toMatch(/Pushes.*Pull requests.*Workflow runs/);
    expect(webhookSetupSteps('gitlab', 'u', 's').find((s) => s.label === 'Secret token')!.value).toBe('s');
    expect(webhookSetupSteps('standard', 'u', 'whsec_x').map((s) => s.value)).toEqual(['u', 'whsec_x']);
  });

  it('turns the filters into the API query: blanks left out, local date-times as UTC ISO', () => {
    expect(eventLogQuery(NO_FILTERS)).toEqual({});
    const since = '2026-11-30T10:15';
    const q = eventLogQuery({ type: ' github.push ', session_id: 'o/r', since, until: 'garbage' });
    expect(q).toEqual({ type: 'github.push', session_id: 'o/r', since: new Date(since).toISOString() });
  });

  it('exports with the session and time filters only (the export has no type filter)', () => {
    expect(exportPath('p 1', NO_FILTERS)).toBe('/api/projects/p%201/events/export');
    expect(exportPath('p1', { type: 'x.y', session_id: 'o/r', since: '', until: '' })).toBe('/api/projects/p1/events/export?session_id=o%2Fr');
  });
});
