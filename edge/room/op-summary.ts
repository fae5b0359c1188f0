import type { UnityOperation } from '../../contracts/unity-ops';

/** A few words on what an operation acts on, for lists that outlive the tab that sent it. */
export function opSummary(op: UnityOperation): string {
  switch (op.op) {
    case 'render_preview':
      return `${op.width}×${op.height} ${op.format}${op.camera ? ` · ${op.camera}` : ''}`;
    case 'run_build':
      return `${op.target}${op.development ? ' (development)' : ''}`;
    case 'build_status':
      return `job ${op.jobId}`;
    case 'run_menu_item':
      return op.menuPath;
    default:
      return op.path;
  }
}
