/** The RunContexts a command opened; runCommand closes them (PBX logouts) when the command ends. */
import type { RunContext } from '../../lib/workflow/context';

const open = new Set<RunContext>();

export function trackContext(ctx: RunContext): RunContext {
  open.add(ctx);
  return ctx;
}

export async function closeContexts(): Promise<void> {
  const all = [...open];
  open.clear();
  await Promise.all(all.map((c) => c.close()));
}
