import { describe, it, expect } from 'vitest';
import {
  BUILD_STAGES,
  buildSubject,
  NATS_ALL_SUBJECTS,
  NATS_DLQ_SUBJECT,
  natsSessionToken,
  parseSubject,
  PREVIEW_STAGES,
  previewSubject,
  RUNTIME_STAGES,
  runtimeSubject,
  sessionWildcards,
  SPARK_STREAM_SUBJECTS,
  subjectForEventType,
  type RuntimeStage,
} from '../../contracts/nats-subjects';
import { MAX_NATS_TOKEN_LEN } from '../../contracts/limits';

/** NATS subject matching: '*' matches one token, '>' one or more trailing tokens. */
function matches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

const SESSION = '6f1c2a3e-0b7d-4c1e-9a55-2f0c8d9e1b42';
const ALL_SESSION_SUBJECTS = (id: string) => [
  ...RUNTIME_STAGES.map((s) => runtimeSubject(s, id)),
  ...PREVIEW_STAGES.map((s) => previewSubject(s, id)),
  ...BUILD_STAGES.map((s) => buildSubject(s, id)),
];

describe('stage lists', () => {
  it('match DESIGN.md', () => {
    expect(RUNTIME_STAGES).toEqual(['started', 'completed', 'failed', 'script_generated', 'patch_applied', 'asset_ingested', 'asset_deconstructed']);
    expect(PREVIEW_STAGES).toEqual(['started', 'frame', 'completed', 'failed']);
    expect(BUILD_STAGES).toEqual(['started', 'progress', 'completed', 'failed', 'timeout']);
    expect(NATS_DLQ_SUBJECT).toBe('spark.dlq');
  });
});

describe('builders', () => {
  it('build the documented subjects', () => {
    expect(runtimeSubject('script_generated', SESSION)).toBe(`spark.runtime.unity.script_generated.${SESSION}`);
    expect(previewSubject('frame', 's1')).toBe('spark.preview.unity.frame.s1');
    expect(buildSubject('timeout', 's1')).toBe('spark.build.unity.timeout.s1');
  });

  it('produce five non-empty tokens for every stage', () => {
    for (const subject of ALL_SESSION_SUBJECTS(SESSION)) {
      const tokens = subject.split('.');
      expect(tokens).toHaveLength(5);
      expect(tokens.every((t) => t.length > 0)).toBe(true);
      expect(tokens.at(-1)).toBe(SESSION);
    }
  });

  it('throw a clear error on a session id that is not one NATS token', () => {
    for (const bad of ['a.b', 'a*', '>', 'a b', 'a\tb', 'a\nb', '', 'x'.repeat(MAX_NATS_TOKEN_LEN + 1), 'a\u0000']) {
      expect(() => runtimeSubject('started', bad), JSON.stringify(bad)).toThrow(/NATS/);
      expect(() => previewSubject('frame', bad)).toThrow(/NATS/);
      expect(() => buildSubject('progress', bad)).toThrow(/NATS/);
      expect(() => sessionWildcards(bad)).toThrow(/NATS/);
    }
    expect(() => runtimeSubject('started', 'a.b')).toThrow(/'\.'/);
  });

  it(`accept a ${MAX_NATS_TOKEN_LEN}-character session id`, () => {
    const id = 'x'.repeat(MAX_NATS_TOKEN_LEN);
    expect(runtimeSubject('started', id).endsWith(`.${id}`)).toBe(true);
  });

  it('reject a stage outside the list at runtime', () => {
    expect(() => runtimeSubject('frame' as RuntimeStage, SESSION)).toThrow(/stage/);
  });
});

describe('natsSessionToken', () => {
  it('accepts UUIDs and simple ids, rejects wildcards and separators', () => {
    for (const ok of [SESSION, 'abc', 'a-b_c', 'x'.repeat(MAX_NATS_TOKEN_LEN)]) expect(natsSessionToken.safeParse(ok).success).toBe(true);
    for (const bad of ['a.b', '*', '>', 'a b', '', 'x'.repeat(MAX_NATS_TOKEN_LEN + 1)]) expect(natsSessionToken.safeParse(bad).success).toBe(false);
  });
});

describe('wildcards', () => {
  it('sessionWildcards receive every subject of that session and none of another', () => {
    const patterns = sessionWildcards(SESSION);
    for (const subject of ALL_SESSION_SUBJECTS(SESSION)) {
      expect(patterns.some((p) => matches(p, subject)), subject).toBe(true);
    }
    for (const subject of ALL_SESSION_SUBJECTS('other')) {
      expect(patterns.some((p) => matches(p, subject)), subject).toBe(false);
    }
    expect(patterns.some((p) => matches(p, NATS_DLQ_SUBJECT))).toBe(false);
  });

  it('the stream subjects and spark.> cover everything exactly once', () => {
    for (const subject of [...ALL_SESSION_SUBJECTS(SESSION), NATS_DLQ_SUBJECT]) {
      expect(matches(NATS_ALL_SUBJECTS, subject)).toBe(true);
      expect(SPARK_STREAM_SUBJECTS.filter((p) => matches(p, subject)), subject).toHaveLength(1);
    }
  });
});

describe('parseSubject', () => {
  it('inverts every builder', () => {
    for (const stage of RUNTIME_STAGES) expect(parseSubject(runtimeSubject(stage, SESSION))).toEqual({ family: 'runtime', stage, sessionId: SESSION });
    for (const stage of PREVIEW_STAGES) expect(parseSubject(previewSubject(stage, SESSION))).toEqual({ family: 'preview', stage, sessionId: SESSION });
    for (const stage of BUILD_STAGES) expect(parseSubject(buildSubject(stage, SESSION))).toEqual({ family: 'build', stage, sessionId: SESSION });
  });

  it('returns undefined for anything else', () => {
    for (const s of ['spark.dlq', 'spark.runtime.unity.frame.s1', 'spark.build.unity.progress', 'spark.preview.unity.frame.s1.x', 'other.runtime.unity.started.s1', 'spark.runtime.unreal.started.s1', 'spark.runtime.unity.started.*']) {
      expect(parseSubject(s), s).toBeUndefined();
    }
  });
});

describe('subjectForEventType', () => {
  it('maps unity.<runtime stage>, preview.<stage> and build.<stage>', () => {
    for (const stage of RUNTIME_STAGES) expect(subjectForEventType(`unity.${stage}`, SESSION)).toBe(runtimeSubject(stage, SESSION));
    for (const stage of PREVIEW_STAGES) expect(subjectForEventType(`preview.${stage}`, SESSION)).toBe(previewSubject(stage, SESSION));
    for (const stage of BUILD_STAGES) expect(subjectForEventType(`build.${stage}`, SESSION)).toBe(buildSubject(stage, SESSION));
  });

  it('returns undefined when no subject applies', () => {
    for (const type of ['unity.started.extra', 'build.progress.pct', 'unity.frame', 'preview.script_generated', 'build.frame', 'unity.preview.frame', 'chat.message', 'github.push', 'unity', '']) {
      expect(subjectForEventType(type, SESSION), type).toBeUndefined();
    }
  });

  it('throws on a mapped type with a session id that is not a NATS token', () => {
    expect(() => subjectForEventType('build.progress', 'a.b')).toThrow(/NATS/);
  });
});
