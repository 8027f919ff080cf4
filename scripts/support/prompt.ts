/** Prompts only where a person can answer: a TTY on both ends and not CI (DESIGN.md). */
import input from '@inquirer/input';
import password from '@inquirer/password';

export function promptsAllowed(): boolean {
  return !!process.stdin.isTTY && !!process.stderr.isTTY && !process.env.CI;
}

/** Ask for a secret; input is masked and never echoed. Prompts go to stderr to keep stdout clean. */
export function hiddenPrompt(question: string): Promise<string> {
  return password({ message: question, mask: '*' }, { output: process.stderr });
}

export function visiblePrompt(question: string): Promise<string> {
  return input({ message: question }, { output: process.stderr });
}
