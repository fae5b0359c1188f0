// Build targets, mirrored from contracts/unity-ops.ts so the bundle does not pull in zod: the
// type check below fails if the two lists ever differ, and tests/unit/web-builds.test.ts compares
// them at runtime too.
import type { BuildTarget } from '../../../contracts/unity-ops';

export const BUILD_TARGETS = ['StandaloneWindows64', 'StandaloneOSX', 'StandaloneLinux64', 'WebGL', 'Android', 'iOS'] as const satisfies readonly BuildTarget[];
type Missing = Exclude<BuildTarget, (typeof BUILD_TARGETS)[number]>;
const complete: [Missing] extends [never] ? true : Missing = true;
void complete;

export const TARGET_LABELS: Record<BuildTarget, string> = {
  StandaloneWindows64: 'Windows (64-bit)',
  StandaloneOSX: 'macOS',
  StandaloneLinux64: 'Linux (64-bit)',
  WebGL: 'WebGL (browser)',
  Android: 'Android',
  iOS: 'iOS',
};

export const isBuildTarget = (t: string): t is BuildTarget => (BUILD_TARGETS as readonly string[]).includes(t);
export const targetLabel = (t: string | null): string => (t && isBuildTarget(t) ? TARGET_LABELS[t] : t ?? '—');
