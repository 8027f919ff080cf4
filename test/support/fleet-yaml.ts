/** The opening lines of the gwkit.yaml files tests and benchmarks write: `version`, then the defaults every tenant needs; `extra` default lines follow. */
export function fleetHeader(...extra: string[]): string[] {
  return [
    'version: 1',
    'defaults:',
    '  projectId: "pbxgw-{id}"',
    '  parent: folders/123456789012',
    '  billingAccount: 01ABCD-23EF45-67ABCD',
    ...extra,
  ];
}
