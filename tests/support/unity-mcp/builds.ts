// Player builds as asynchronous jobs: queued, then running for a while, then succeeded (a real
// artifact is written under Builds/<Target>/) or failed (the project has compile errors).
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BUILD_TARGETS } from '../../../contracts/unity-ops';
import { readScriptText, sha256Hex, type UnityProject } from './project';

export type BuildState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** The BuildTarget names this "editor" has modules installed for: every target Spark knows. */
export const INSTALLED_TARGETS = BUILD_TARGETS;
export type InstalledTarget = (typeof INSTALLED_TARGETS)[number];

/** Known to Unity but not installed here (the real server answers "not installed"). */
const KNOWN_NOT_INSTALLED: Record<string, string> = { uwp: 'WSAPlayer', wsaplayer: 'WSAPlayer', tvos: 'tvOS', visionos: 'VisionOS' };

const ALIASES: Record<string, InstalledTarget> = {
  windows64: 'StandaloneWindows64', win64: 'StandaloneWindows64', windows: 'StandaloneWindows64', standalonewindows64: 'StandaloneWindows64',
  osx: 'StandaloneOSX', mac: 'StandaloneOSX', macos: 'StandaloneOSX', standaloneosx: 'StandaloneOSX',
  linux64: 'StandaloneLinux64', linux: 'StandaloneLinux64', standalonelinux64: 'StandaloneLinux64',
  webgl: 'WebGL', android: 'Android', ios: 'iOS',
};

export function resolveTarget(name: string): { target: InstalledTarget } | { error: string } {
  const key = name.trim().toLowerCase();
  const t = ALIASES[key];
  if (t) return { target: t };
  const other = KNOWN_NOT_INSTALLED[key];
  if (other) return { error: `Platform '${other}' is not installed. Install it via Unity Hub.` };
  return {
    error: `Unknown build target: '${name}'. Valid: windows64, osx, linux64, android, ios, webgl, uwp, tvos, visionos (or a BuildTarget name).`,
  };
}

/** Where a target's player goes by default (project-relative), and the file that stands for it. */
export function defaultOutput(target: InstalledTarget, product: string): { outputPath: string; artifact: string } {
  const dir = `Builds/${target}`;
  switch (target) {
    case 'StandaloneWindows64': return { outputPath: `${dir}/${product}.exe`, artifact: `${dir}/${product}.exe` };
    case 'StandaloneOSX': return { outputPath: `${dir}/${product}.app`, artifact: `${dir}/${product}.app` };
    case 'StandaloneLinux64': return { outputPath: `${dir}/${product}.x86_64`, artifact: `${dir}/${product}.x86_64` };
    case 'Android': return { outputPath: `${dir}/${product}.apk`, artifact: `${dir}/${product}.apk` };
    case 'WebGL': return { outputPath: dir, artifact: `${dir}/index.html` };
    case 'iOS': return { outputPath: dir, artifact: `${dir}/Info.plist` };
  }
}

export interface BuildJob {
  id: string;
  target: InstalledTarget;
  development: boolean;
  options: unknown;
  outputPath: string; // project-relative
  artifactPath: string; // project-relative
  state: BuildState;
  createdAt: number;
  startedAt?: number;
  endsAt?: number;
  completedAt?: number;
  frozenProgress?: number;
  error?: string;
  errors: number;
  warnings: number;
  sizeBytes?: number;
  sha256?: string;
  timer?: NodeJS.Timeout;
  /** Compile errors found when the build started; the build fails part-way through. */
  willFail?: string;
}

export class BuildQueue {
  readonly jobs = new Map<string, BuildJob>();
  private readonly order: string[] = [];
  private closed = false;

  constructor(private readonly project: UnityProject, private readonly durationMs: number) {}

  /** Time a freshly submitted job waits for the editor's next update before it starts. */
  private get scheduleDelay() {
    return Math.min(100, Math.round(this.durationMs * 0.1));
  }

  busy(): BuildJob | undefined {
    for (const id of this.order) {
      const j = this.jobs.get(id)!;
      if (j.state === 'queued' || j.state === 'running') return j;
    }
    return undefined;
  }

  last(): BuildJob | undefined {
    const id = this.order[this.order.length - 1];
    return id ? this.jobs.get(id) : undefined;
  }

  submit(spec: { target: InstalledTarget; development: boolean; options: unknown; outputPath?: string }): BuildJob {
    const def = defaultOutput(spec.target, this.project.productName);
    let outputPath = def.outputPath;
    let artifactPath = def.artifact;
    if (spec.outputPath) {
      outputPath = spec.outputPath;
      artifactPath = spec.target === 'WebGL' || spec.target === 'iOS' ? `${outputPath}/${path.posix.basename(def.artifact)}` : outputPath;
    }
    const job: BuildJob = {
      // BuildJob ids as Unity makes them: "build-" + 10 hex digits.
      id: `build-${randomBytes(5).toString('hex')}`,
      target: spec.target,
      development: spec.development,
      options: spec.options,
      outputPath,
      artifactPath,
      state: 'queued',
      createdAt: Date.now(),
      errors: 0,
      warnings: 0,
    };
    this.jobs.set(job.id, job);
    this.order.push(job.id);
    this.pump();
    return job;
  }

  /** Starts the oldest queued job when nothing is running (the editor builds one player at a time). */
  private pump() {
    if (this.closed) return;
    const running = this.order.some((id) => this.jobs.get(id)!.state === 'running');
    if (running) return;
    const next = this.order.map((id) => this.jobs.get(id)!).find((j) => j.state === 'queued');
    if (!next || next.timer) return;
    const delay = Math.max(0, next.createdAt + this.scheduleDelay - Date.now());
    next.timer = setTimeout(() => this.start(next), delay);
    next.timer.unref();
  }

  private start(job: BuildJob) {
    job.timer = undefined;
    if (job.state !== 'queued' || this.closed) return;
    job.state = 'running';
    job.startedAt = Date.now();
    const runMs = Math.max(1, this.durationMs - this.scheduleDelay);
    const errors = this.project.compile();
    if (errors.length > 0) {
      job.willFail = 'Scripts have compiler errors.';
      job.errors = errors.length;
      for (const e of errors) this.project.log('Error', `${e.file}(${e.line},${e.col}): error ${e.code}: ${e.message}`, e.file, e.line);
      job.endsAt = job.startedAt + Math.max(1, Math.round(runMs * 0.4));
    } else {
      job.endsAt = job.startedAt + runMs;
    }
    job.timer = setTimeout(() => this.finish(job), job.endsAt - job.startedAt);
    job.timer.unref();
  }

  private finish(job: BuildJob) {
    job.timer = undefined;
    if (job.state !== 'running') return;
    job.completedAt = Date.now();
    if (job.willFail) {
      job.state = 'failed';
      job.error = job.willFail;
      job.frozenProgress = 0.4;
      this.project.log('Error', `[MCP Build] Build failed: ${job.target} — ${job.error}`);
    } else {
      try {
        const bytes = this.artifactBytes(job);
        const full = path.resolve(this.project.projectDir, ...job.artifactPath.split('/'));
        mkdirSync(path.dirname(full), { recursive: true });
        writeFileSync(full, bytes);
        job.sizeBytes = bytes.length;
        job.sha256 = sha256Hex(bytes);
        job.state = 'succeeded';
        const secs = ((job.completedAt - job.startedAt!) / 1000).toFixed(1);
        this.project.log('Log', `[MCP Build] Build succeeded: ${job.target} → ${job.outputPath} (${(bytes.length / 1048576).toFixed(2)} MB, ${secs}s)`);
      } catch (err) {
        job.state = 'failed';
        job.error = (err as Error).message;
        job.errors = 1;
      }
    }
    this.pump();
  }

  /** A stand-in player: a header and a manifest of what went in, padded to a plausible size. */
  private artifactBytes(job: BuildJob): Buffer {
    const scripts = this.project.scripts().map((p) => ({ path: p, sha256: sha256Hex(readScriptText(this.project.full(p))) }));
    const manifest = {
      product: this.project.productName,
      company: this.project.companyName,
      version: this.project.bundleVersion,
      target: job.target,
      development: job.development,
      options: job.options ?? null,
      scenes: this.project.scenes(),
      scripts,
      jobId: job.id,
      builtAt: new Date().toISOString(),
    };
    const head = job.target === 'WebGL'
      ? `<!doctype html><html><head><title>${this.project.productName}</title></head><body><!-- spark fake Unity WebGL player -->\n<script type="application/json" id="manifest">${JSON.stringify(manifest)}</script></body></html>\n`
      : `SPARK-FAKE-UNITY-PLAYER\n${JSON.stringify(manifest, null, 2)}\n`;
    const pad = Buffer.alloc(16 * 1024, 0);
    return Buffer.concat([Buffer.from(head, 'utf8'), pad]);
  }

  cancel(job: BuildJob): boolean {
    if (job.state !== 'queued' && job.state !== 'running') return false;
    job.frozenProgress = this.progress(job);
    if (job.timer) clearTimeout(job.timer);
    job.timer = undefined;
    job.state = 'cancelled';
    job.completedAt = Date.now();
    this.pump();
    return true;
  }

  progress(job: BuildJob, now = Date.now()): number {
    switch (job.state) {
      case 'queued': return 0;
      case 'succeeded': return 1;
      case 'failed':
      case 'cancelled': return job.frozenProgress ?? 0;
      case 'running': {
        const total = (job.willFail ? (job.endsAt! - job.startedAt!) / 0.4 : job.endsAt! - job.startedAt!) || 1;
        return Math.min(0.99, Math.max(0, (now - job.startedAt!) / total));
      }
    }
  }

  close() {
    this.closed = true;
    for (const j of this.jobs.values()) if (j.timer) clearTimeout(j.timer);
  }
}
