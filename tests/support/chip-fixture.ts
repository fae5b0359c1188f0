// A labelled event log and two chips (the current form and the earlier one) whose reports are
// worked out by hand below. The unit test, the API test and the `spark replay` test all check
// the same numbers.
import type { ChipLabels } from '../../contracts/chips';

export const GAME_DEV_CHIP = `chip: { id: game_dev, name: Game Dev Intelligence, version: 0.2.0 }
triggers:
  patterns: ["playtest", "balance", "retention"]
  events: ["game.playtest_result", "build.completed"]
observers:
  - name: playtest_feedback
    triggers: ["playtest", "feedback"]
    capture:
      required: { playtest_id: "Playtest identifier", rating: "Player rating (1-5)" }
      optional: { notes: "Summary" }
  - name: build_watch
    triggers: ["build"]
    capture:
      required: { build.status: "Build status" }
outcomes:
  positive:
    - { condition: "rating >= 4", insight: "Players liked it", weight: 1.0 }
    - { condition: 'build.status == "success"', insight: "Green build", weight: 0.5 }
  negative: [{ condition: "rating < 3", insight: "Satisfaction too low", weight: 1.0 }]
`;

export const EARLIER_CHIP = `id: game_dev_legacy
name: Game Dev (earlier form)
version: 0.1
triggers:
  - id: playtesting
    patterns: ["playtest", "feedback"]
  - id: builds
    patterns: ["build.completed", "build.failed"]
observers:
  - name: playtest_feedback
    triggers: [playtesting]
    capture:
      required: [playtest_id, rating]
      optional: [notes]
  - name: build_watch
    triggers: [builds]
    capture:
      required: [build.status]
outcomes:
  - success_signal: "success"
    insight: "Green build"
`;

const id = (hex: string) => `00000000-0000-4000-8000-0000000000${hex}`;
export const E = { e1: id('01'), e2: id('02'), e3: id('03'), e4: id('0b'), e5: id('0a'), e6: id('06'), e7: id('07'), e8: id('08'), e9: id('09') };

/**
 * The log, at `base` + offset seconds. Text of each event (type + payload strings) and what the
 * GAME_DEV chip does with it:
 *  e1 +100 "game.playtest_result p1"              triggered (event type); playtest_feedback fires
 *                                                  (rating 5 >= 4: positive)
 *  e2 +200 "chat.message the balance feels off p2" triggered ("balance"); no "playtest"/"feedback": nothing fires
 *  e3 +300 "chat.message Playtest FEEDBACK: great p3" triggered ("playtest", any case); rating
 *                                                  missing: playtest_feedback does not fire
 *  e5 +400 "game.playtest_result p5"              (id …0a, before e4 at the same time) triggered;
 *                                                  playtest_feedback fires; rating "3" (numeric
 *                                                  text): not >= 4, not < 3: no outcome
 *  e4 +400 "build.completed success"              triggered (event type); build_watch fires;
 *                                                  build.status == "success": positive
 *  e6 +500 "build.failed failed retention dip"    triggered ("retention"); build_watch fires; no outcome
 *  e7 +600 "game.playtest_result p7 too hard"     triggered; playtest_feedback fires (rating 1 < 3: negative)
 *  e8 +700 "git.commit fix build script"          not triggered (no chip pattern, type not listed)
 *  e9 +800 "app.heartbeat"                        not triggered
 */
export function labelledLog(base: number, sessionId = 'chips-session') {
  const ev = (eid: string, dt: number, type: string, payload: Record<string, unknown>) => ({
    v: 1 as const,
    id: eid,
    ts: base + dt,
    type,
    source: 'tests',
    kind: 'system' as const,
    session_id: sessionId,
    payload,
  });
  return [
    ev(E.e7, 600, 'game.playtest_result', { playtest_id: 'p7', rating: 1, notes: 'too hard' }),
    ev(E.e1, 100, 'game.playtest_result', { playtest_id: 'p1', rating: 5 }),
    ev(E.e2, 200, 'chat.message', { text: 'the balance feels off', rating: 2, playtest_id: 'p2' }),
    ev(E.e3, 300, 'chat.message', { text: 'Playtest FEEDBACK: great', playtest_id: 'p3' }),
    ev(E.e4, 400, 'build.completed', { build: { status: 'success' } }),
    ev(E.e5, 400, 'game.playtest_result', { playtest_id: 'p5', rating: '3' }),
    ev(E.e6, 500, 'build.failed', { build: { status: 'failed' }, note: 'retention dip' }),
    ev(E.e8, 700, 'git.commit', { message: 'fix build script' }),
    ev(E.e9, 800, 'app.heartbeat', {}),
  ];
}

export const LABELS: ChipLabels = {
  [E.e1]: ['playtest_feedback'],
  [E.e2]: ['playtest_feedback'],
  [E.e5]: ['playtest_feedback'],
  [E.e4]: ['build_watch'],
  [E.e8]: ['build_watch'],
  [E.e9]: ['build_watch'],
  [E.e3]: [],
};

/**
 * GAME_DEV by hand:
 *  events_replayed = 9; triggered = e1..e7 = 7.
 *  playtest_feedback fired on {e1, e5, e7} = 3, labelled {e1, e2, e5}:
 *    tp = |{e1, e5}| = 2, fp = |{e7}| = 1, fn = |{e2}| = 1 → precision 2/3, recall 2/3.
 *  build_watch fired on {e4, e6} = 2, labelled {e4, e8, e9}:
 *    tp = |{e4}| = 1, fp = |{e6}| = 1, fn = |{e8, e9}| = 2 → precision 1/2, recall 1/3.
 *  captures = 3 + 2 = 5; positive {e1, e4} = 2; negative {e7} = 1; coverage = 3/5 = 0.6.
 *  insights in replay order: e1, e5 (…0a before …0b), e4, e6, e7.
 */
export const GAME_DEV_EXPECTED = {
  events_replayed: 9,
  triggered: 7,
  observers: {
    playtest_feedback: { fired: 3, tp: 2, fp: 1, fn: 1, precision: 2 / 3, recall: 2 / 3 },
    build_watch: { fired: 2, tp: 1, fp: 1, fn: 2, precision: 1 / 2, recall: 1 / 3 },
  },
  outcomes: { captures: 5, positive: 2, negative: 1, coverage: 3 / 5 },
  insightOrder: [
    [E.e1, 'playtest_feedback', 'positive'],
    [E.e5, 'playtest_feedback', null],
    [E.e4, 'build_watch', 'positive'],
    [E.e6, 'build_watch', null],
    [E.e7, 'playtest_feedback', 'negative'],
  ],
};

/**
 * EARLIER by hand: patterns playtest, feedback, build.completed, build.failed (no event types).
 *  triggered: e1, e3, e4, e5, e6, e7 = 6 (e2 has none of them; e8 says "build" but not "build.completed").
 *  playtest_feedback (trigger id playtesting → playtest, feedback): e1, e5, e7 fire (e3 lacks rating) = 3,
 *    labels as above → tp 2, fp 1, fn 1 → 2/3, 2/3.
 *  build_watch (builds → build.completed, build.failed): e4, e6 = 2 → tp 1, fp 1, fn 2 → 1/2, 1/3.
 *  outcomes: one positive success_signal "success": only e4's text has it → positive 1, negative 0,
 *  coverage 1/5 = 0.2.
 */
export const EARLIER_EXPECTED = {
  events_replayed: 9,
  triggered: 6,
  observers: GAME_DEV_EXPECTED.observers,
  outcomes: { captures: 5, positive: 1, negative: 0, coverage: 1 / 5 },
};
