import { build } from 'esbuild';

/**
 * What a function's code sends to AWS, read from its bundle: the SDK commands that the
 * project's own modules instantiate. The bundle is built the way the CDK builds it (ESM,
 * tree-shaken) but not minified, so every module's code follows a `// path` comment and
 * keeps its class names.
 */

/** The table and workflow operations one bundle's project code sends. */
export interface SentOperations {
  items: string[];
  indexes: string[];
  workflow: string[];
}

/** Document client commands by the DynamoDB action each sends. */
const DOCUMENT_COMMANDS: Record<string, string> = {
  GetCommand: 'GetItem',
  PutCommand: 'PutItem',
  UpdateCommand: 'UpdateItem',
  DeleteCommand: 'DeleteItem',
  BatchGetCommand: 'BatchGetItem',
  BatchWriteCommand: 'BatchWriteItem',
  TransactGetCommand: 'TransactGetItems',
  // No IAM action of its own: each part is authorized as its own action (see below).
  TransactWriteCommand: 'TransactWriteItems',
  ScanCommand: 'Scan',
  QueryCommand: 'Query',
  ExecuteStatementCommand: 'PartiQLSelect',
};

/**
 * A transaction is authorized part by part: "TransactWriteItems" needs PutItem, UpdateItem,
 * DeleteItem or ConditionCheckItem for each Put, Update, Delete or ConditionCheck in it
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html).
 * Parts are object literals such as `{ Put: { TableName: … } }` in project code.
 */
const TRANSACTION_PARTS: Record<string, string> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
};
const TRANSACTION_PART = /\b(Put|Update|Delete|ConditionCheck): \{/g;

/** The table has only a hash key, so a query is only useful on an index. */
const INDEX_ACTIONS = new Set(['Query']);

/** Step Functions commands by the workflow access each needs. */
const WORKFLOW_COMMANDS: Record<string, string> = {
  StartExecutionCommand: 'StartExecution',
  StopExecutionCommand: 'StopExecution',
  DescribeExecutionCommand: 'DescribeExecution',
};

/** SDK classes project code may construct that send nothing themselves. */
const CLIENTS = new Set(['DynamoDBClient', 'DynamoDBDocumentClient', 'SFNClient']);

const SECTION_HEADER = /^\/\/ ((?:node_modules\/|functions\/|infra\/)\S+)$/;
const CLASS_DECLARATION = /^(?:var|let|const) (\w+) = class\b|^class (\w+)\b/;
const SDK_FILE = /node_modules\/(@aws-sdk\/[\w-]+)\/.*\/(\w+)\.js$/;

interface Section {
  path: string;
  lines: string[];
}

function sectionsOf(bundle: string): Section[] {
  const sections: Section[] = [{ path: '(bundle prelude)', lines: [] }];
  for (const line of bundle.split('\n')) {
    const header = SECTION_HEADER.exec(line);
    if (header?.[1]) sections.push({ path: header[1], lines: [] });
    else sections.at(-1)?.lines.push(line);
  }
  return sections;
}

/** Each SDK class of the bundle, by the identifier it has there, with its package and own name. */
function sdkClassesOf(sections: Section[]): Map<string, { pkg: string; name: string }> {
  const classes = new Map<string, { pkg: string; name: string }>();
  for (const { path, lines } of sections) {
    const file = SDK_FILE.exec(path);
    if (!file?.[1]) continue;
    for (const line of lines) {
      const declared = CLASS_DECLARATION.exec(line);
      const identifier = declared?.[1] ?? declared?.[2];
      // esbuild renames a class whose name is taken (QueryCommand2); its file keeps the name.
      const name = identifier?.replace(/\d+$/, '') === file[2] ? file[2] : identifier;
      if (identifier && name) classes.set(identifier, { pkg: file[1], name });
    }
  }
  return classes;
}

/**
 * The operations the project modules of `bundle` send. Throws on an SDK class it cannot
 * classify, so a new kind of call fails the check instead of passing unseen.
 */
export function sentOperations(bundle: string): SentOperations {
  const sections = sectionsOf(bundle);
  const classes = sdkClassesOf(sections);
  const sent = {
    items: new Set<string>(),
    indexes: new Set<string>(),
    workflow: new Set<string>(),
  };
  for (const { path, lines } of sections) {
    if (!path.startsWith('functions/')) continue;
    for (const [, identifier] of lines.join('\n').matchAll(/\bnew ([\w.]+)\(/g)) {
      if (identifier?.includes('.') && /Command$/.test(identifier))
        throw new Error(
          `${path} constructs ${identifier} from a CommonJS module the check cannot read`,
        );
      const sdkClass = identifier && classes.get(identifier);
      // Errors are built to be thrown, clients to send: neither is a request.
      if (!sdkClass || CLIENTS.has(sdkClass.name) || /Exception$/.test(sdkClass.name)) continue;
      const { pkg, name } = sdkClass;
      const action =
        pkg === '@aws-sdk/lib-dynamodb'
          ? DOCUMENT_COMMANDS[name]
          : pkg === '@aws-sdk/client-dynamodb'
            ? name.replace(/Command$/, '')
            : undefined;
      const workflow = pkg === '@aws-sdk/client-sfn' ? WORKFLOW_COMMANDS[name] : undefined;
      if (action === 'TransactWriteItems') {
        const project = sections.filter((section) => section.path.startsWith('functions/'));
        for (const section of project)
          for (const [, part] of section.lines.join('\n').matchAll(TRANSACTION_PART))
            if (part) sent.items.add(TRANSACTION_PARTS[part] ?? part);
      } else if (action) (INDEX_ACTIONS.has(action) ? sent.indexes : sent.items).add(action);
      else if (workflow) sent.workflow.add(workflow);
      else throw new Error(`${path} constructs ${pkg} ${name}, which the check cannot classify`);
    }
  }
  return {
    items: [...sent.items].sort(),
    indexes: [...sent.indexes].sort(),
    workflow: [...sent.workflow].sort(),
  };
}

/** Each entry bundled as the CDK bundles it, unminified; the text by entry path. */
export async function bundlesOf(entries: readonly string[]): Promise<Map<string, string>> {
  const result = await build({
    entryPoints: Object.fromEntries(entries.map((entry, i) => [`entry${i}`, entry])),
    bundle: true,
    format: 'esm',
    platform: 'node',
    mainFields: ['module', 'main'],
    minify: false,
    metafile: true,
    write: false,
    outdir: 'out',
    logLevel: 'silent',
  });
  const bundles = new Map<string, string>();
  for (const [output, meta] of Object.entries(result.metafile.outputs)) {
    const file = result.outputFiles.find((f) => f.path.endsWith(output));
    if (meta.entryPoint && file) bundles.set(meta.entryPoint, file.text);
  }
  return bundles;
}
