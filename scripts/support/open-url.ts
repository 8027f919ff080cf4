/** Open a URL in the user's browser: the platform's own opener, detached, output discarded. */
import { spawn } from 'node:child_process';

export function openUrl(url: string): void {
  const [command, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  const child = spawn(command, args, { detached: true, stdio: 'ignore' });
  child.on('error', () => process.stderr.write(`gwkit: could not open a browser; open this link yourself:\n  ${url}\n`));
  child.unref();
}
