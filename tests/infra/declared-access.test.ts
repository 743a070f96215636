import { beforeAll, describe, expect, it } from 'vitest';
import { accessDifferences, declaredAccess } from './declared-access.ts';
import { bundlesOf, sentOperations } from './sdk-calls.ts';

const functions = Object.entries(declaredAccess());
let bundles: Map<string, string>;

// One esbuild run bundles every function, as the CDK does, but unminified.
beforeAll(async () => {
  bundles = await bundlesOf(functions.map(([, fn]) => fn.entry));
}, 60_000);

const bundleOf = (entry: string) => {
  const bundle = bundles.get(entry);
  if (!bundle) throw new Error(`No bundle for ${entry}`);
  return bundle;
};
const functionNamed = (name: string) => {
  const fn = declaredAccess()[name];
  if (!fn) throw new Error(`No function ${name}`);
  return fn;
};

describe('the access each function declares', () => {
  it.each(functions)('of %s is exactly what its code sends', (_name, fn) => {
    expect(accessDifferences(fn, sentOperations(bundleOf(fn.entry)))).toEqual([]);
  });

  it('differs, in both directions, from what another function sends', () => {
    const listing = sentOperations(bundleOf(functionNamed('ListTasks').entry));
    // Both read items by key (a search by id, an idempotency record): GetItem is no difference.
    expect(accessDifferences(functionNamed('CreateTask'), listing).sort()).toEqual([
      'declares table item PutItem, never sent',
      'declares table item UpdateItem, never sent',
      'declares workflow StartExecution, never sent',
      'sends table item BatchGetItem, undeclared',
    ]);
  });

  it('is missing an operation when a declaration leaves it out', () => {
    const resume = functionNamed('ResumeTasks');
    const sent = sentOperations(bundleOf(resume.entry));
    expect(accessDifferences({ ...resume, workflow: undefined }, sent).sort()).toEqual([
      'sends workflow DescribeExecution, undeclared',
      'sends workflow StartExecution, undeclared',
    ]);
    expect(accessDifferences({ ...resume, table: { items: ['PutItem'] } }, sent).sort()).toEqual([
      'declares table item PutItem, never sent',
      'sends table index Query, undeclared',
      'sends table item BatchGetItem, undeclared',
      'sends table item GetItem, undeclared',
      'sends table item UpdateItem, undeclared',
    ]);
  });
});

describe('the operations read from a bundle', () => {
  const bundle = (...sections: [string, string][]) =>
    sections.map(([path, code]) => `// ${path}\n${code}`).join('\n');
  const libDynamodb = 'node_modules/@aws-sdk/lib-dynamodb/dist-es/commands';

  it('count only commands the project modules construct, by their name in the package', () => {
    const sent = sentOperations(
      bundle(
        [`${libDynamodb}/QueryCommand.js`, 'var QueryCommand = class extends Command {'],
        [`${libDynamodb}/GetCommand.js`, 'var GetCommand2 = class extends Command {'],
        [`${libDynamodb}/baseCommand.js`, 'this.clientCommand = new QueryCommand(input);'],
        ['functions/tasks/store.ts', 'await db.send(new GetCommand2({ TableName }));'],
      ),
    );
    expect(sent).toEqual({ items: ['GetItem'], indexes: [], workflow: [] });
  });

  it('refuse an SDK command they cannot classify', () => {
    const unknown = bundle(
      [
        'node_modules/@aws-sdk/client-sfn/dist-es/commands/ListExecutionsCommand.js',
        'var ListExecutionsCommand = class {',
      ],
      ['functions/tasks/launcher.ts', 'sfn.send(new ListExecutionsCommand({}));'],
    );
    expect(() => sentOperations(unknown)).toThrow(/client-sfn ListExecutionsCommand/);
  });
});
