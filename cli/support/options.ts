/** Options several commands share, described once. */
export const reportOption = {
  type: 'string',
  requiresArg: true,
  describe: 'Also write a report: FILE.json, FILE.md or FILE.html (summary by stage, next action and links per tenant)',
} as const;
