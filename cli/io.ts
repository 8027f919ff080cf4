/**
 * Everything the CLI touches outside itself, in one injectable object: tests drive `gwkit`
 * in-process with a recording CliIo; the binary uses `processIo()`.
 */
import { spawn } from 'node:child_process';

export interface CliIo {
  /** Results: the human table or the --json envelope. */
  readonly stdout: (text: string) => void;
  /** Logs and progress. */
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /** A person can answer prompts: a TTY on both ends and not CI (README: The CLI contract). */
  readonly interactive: boolean;
  /** Ask on the terminal; `hidden` masks the answer and never echoes it. */
  readonly prompt: (question: string, options: { hidden: boolean }) => Promise<string>;
  /** Everything on standard input (client import --stdin). */
  readonly readStdin: () => Promise<string>;
  /** Open a link in the user's browser. */
  readonly openUrl: (url: string) => void;
}

export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    stderr: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    env: process.env,
    interactive: !!process.stdin.isTTY && !!process.stderr.isTTY && !process.env.CI,
    prompt: async (question, { hidden }) => {
      // Loaded on first use: most runs never prompt. Prompts go to stderr to keep stdout clean.
      if (hidden) {
        const { default: password } = await import('@inquirer/password');
        return password({ message: question, mask: '*' }, { output: process.stderr });
      }
      const { default: input } = await import('@inquirer/input');
      return input({ message: question }, { output: process.stderr });
    },
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    openUrl: (url) => {
      // The platform's own opener, detached, output discarded.
      if (!/^https:\/\//.test(url)) return; // only web pages; never a command line in disguise
      // Windows: `cmd /c start` would split the URL at every "&"; the URL handler takes it whole.
      const [command, args] =
        process.platform === 'darwin'
          ? ['open', [url]]
          : process.platform === 'win32'
            ? ['rundll32', ['url.dll,FileProtocolHandler', url]]
            : ['xdg-open', [url]];
      const child = spawn(command, args, { detached: true, stdio: 'ignore' });
      child.on('error', () => process.stderr.write(`gwkit: could not open a browser; open this link yourself:\n  ${url}\n`));
      child.unref();
    },
  };
}
