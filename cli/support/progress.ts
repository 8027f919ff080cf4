/**
 * Progress of a fleet command, on stderr: a live view on a terminal (listr2: one line that counts
 * tenants done, failed and waiting, and names those in flight), plain lines elsewhere (CI logs).
 */
import { ExitCode, exitWord } from '../../lib/exit-codes';
import type { FleetProgress } from '../../lib/workflow/fleet-runner';
import type { CliIo } from '../io';

export interface ProgressView extends FleetProgress {
  /** End the view before the result is printed. */
  close(): Promise<void>;
}

export async function progressView(io: CliIo, command: string, total: number): Promise<ProgressView> {
  let done = 0;
  const counts = { failed: 0, waiting: 0 };
  const active = new Set<string>();
  const count = (code: ExitCode) => {
    done++;
    if (code === ExitCode.Failed || code === ExitCode.BadInput) counts.failed++;
    if (code === ExitCode.WaitingOnPerson) counts.waiting++;
  };
  if (!io.interactive || total < 2) {
    return {
      started: () => undefined,
      finished: (tenant, code) => {
        count(code);
        io.stderr(`gwkit ${command}: [${done}/${total}] ${tenant}: ${exitWord(code, 'terminal')}`);
      },
      close: async () => undefined,
    };
  }

  const { Listr, ListrLogger, ProcessOutput } = await import('listr2');
  let release!: () => void;
  const finished = new Promise<void>((resolve) => (release = resolve));
  let task: { title?: string; output?: string } | undefined;
  const title = () => `${command}: ${done}/${total} tenants (${counts.failed} failed, ${counts.waiting} waiting on a person)`;
  const refresh = () => {
    if (!task) return;
    task.title = title();
    task.output = active.size ? `working on ${[...active].slice(0, 6).join(', ')}${active.size > 6 ? ', …' : ''}` : '';
  };
  const list = new Listr(
    [
      {
        title: title(),
        task: async (_ctx, t) => {
          task = t;
          refresh();
          await finished;
        },
      },
    ],
    {
      renderer: 'default',
      // Both of the renderer's streams are stderr: stdout carries only the result (or JSON).
      rendererOptions: { logger: new ListrLogger({ processOutput: new ProcessOutput(process.stderr, process.stderr) }) },
      exitOnError: false,
      // Ctrl-C is gwkit's to handle (finish the tenants in flight, report): Listr must not exit the process.
      registerSignalListeners: false,
    },
  );
  const running = list.run().catch(() => undefined);
  return {
    started: (tenant) => {
      active.add(tenant);
      refresh();
    },
    finished: (tenant, code) => {
      active.delete(tenant);
      count(code);
      refresh();
    },
    close: async () => {
      release();
      await running;
    },
  };
}
