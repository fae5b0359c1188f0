// A CPU profile of the Worker's isolate in workerd (edge and queue consumer run there), taken
// through workerd's inspector with the DevTools protocol, and summed into stages: where the
// Worker's time goes, measured rather than guessed.
import { writeFileSync } from 'node:fs';
import { openInspector } from '../support/inspector';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Stages by the first function on the stack (innermost first) that names one. */
const STAGES: [stage: string, functions: RegExp][] = [
  ['consumer: unpack + contract check of each event', /^(unpackMessage|unpackWork)$/],
  ['consumer: build rows + SQL (drizzle), send and read (postgres.js)', /^(persistEvents|insertEventBatch|upsertFunctionCalls|functionCallUpdates|firstOfEach|storeIsolating|insertWhole)$/],
  ['consumer: the rest of the batch (ack, report, ingest-log acks)', /^(consumeEventBatch|queue)$/],
  ['edge: contract check of each posted event', /^(splitEvents|splitPublicEvents|completePublicEvent)$/],
  ['edge: pack + send to the queue', /^(acceptEvents|packEvents|sendInBatches)$/],
  ['edge: routing, auth, body read (Hono, limits)', /^(fetch|dispatch|limitBodies|requireProject|producersOf)$/],
];

const SAMPLING_INTERVAL_US = 500;
const IDLE = 'idle (waiting on I/O)';

export interface StageTimes {
  wallMs: number;
  /** Samples × interval, idle ones left out: the isolate's time at work. */
  cpuMs: number;
  /** Sampled time at work per stage, largest first. */
  stages: { stage: string; ms: number }[];
  /** The functions with the most self time. */
  top: { fn: string; ms: number }[];
}

export async function startWorkerProfile(inspectorPort: number, workerName = 'spark') {
  const { call, close } = await openInspector(inspectorPort, workerName);
  await call('Profiler.enable');
  await call('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
  await call('Profiler.start');
  return {
    async stop(): Promise<StageTimes> {
      const { profile } = await call<{ profile: Profile }>('Profiler.stop');
      close();
      // BENCH_PROFILE_OUT=file.cpuprofile keeps the whole profile, for DevTools or a closer look.
      if (process.env.BENCH_PROFILE_OUT) writeFileSync(process.env.BENCH_PROFILE_OUT, JSON.stringify(profile));
      return summarise(profile);
    },
  };
}

function summarise(p: Profile): StageTimes {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stageOf = new Map<number, string>();
  const classify = (id: number): string => {
    const known = stageOf.get(id);
    if (known) return known;
    const n = byId.get(id)!;
    const name = n.callFrame.functionName;
    let stage: string;
    if (name === '(idle)') stage = IDLE;
    else if (name === '(garbage collector)') stage = 'garbage collection';
    else if (name === '(program)') stage = 'runtime (workerd, serialization, not JS)';
    else {
      const hit = STAGES.find(([, re]) => re.test(name));
      const up = parent.get(id);
      stage = hit ? hit[0] : up !== undefined ? classify(up) : 'other JS';
    }
    stageOf.set(id, stage);
    return stage;
  };
  const stages = new Map<string, number>();
  const self = new Map<string, number>();
  // Each sample stands for one sampling interval of the isolate's thread at work: on a loaded
  // machine a descheduled process makes the next sample's time delta long, and would bill the
  // wait to whatever ran next. (The isolate is not sampled while it waits on I/O.)
  const wallMs = (p.endTime - p.startTime) / 1000;
  p.samples.forEach((id) => {
    const ms = SAMPLING_INTERVAL_US / 1000;
    const s = classify(id);
    stages.set(s, (stages.get(s) ?? 0) + ms);
    const f = byId.get(id)!.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop() ?? ''}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + ms);
  });
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return {
    wallMs,
    cpuMs: [...stages].reduce((n, [stage, ms]) => (stage === IDLE ? n : n + ms), 0),
    stages: sorted(stages).map(([stage, ms]) => ({ stage, ms })),
    top: sorted(self)
      .filter(([fn]) => !fn.startsWith('('))
      .slice(0, 12)
      .map(([fn, ms]) => ({ fn, ms })),
  };
}
