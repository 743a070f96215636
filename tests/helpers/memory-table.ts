import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import type {
  BatchGetCommandInput,
  DeleteCommandInput,
  DynamoDBDocumentClient,
  GetCommandInput,
  PutCommandInput,
  QueryCommandInput,
  TransactWriteCommandInput,
  UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { TABLE_SCHEMA } from '../../functions/tasks/schema.ts';
import type { TaskTable } from '../../functions/tasks/store.ts';

type Item = Record<string, unknown>;
/** Any of the commands the table runs: the fields of their inputs, as the SDK types them. */
export type CommandInput = Partial<
  GetCommandInput &
    PutCommandInput &
    UpdateCommandInput &
    DeleteCommandInput &
    TransactWriteCommandInput &
    BatchGetCommandInput &
    QueryCommandInput
>;

/**
 * An in-memory table that runs the commands the store and the idempotency module send
 * (Get, Put, Update, Delete, TransactWrite, BatchGet, Query on the KEYS_ONLY indexes)
 * with their condition expressions, as far as this code base writes them. A transaction
 * checks every condition before it writes anything, and is cancelled with one reason per
 * action, as DynamoDB does:
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
 * `hold` pauses chosen commands, so a test decides how concurrent requests interleave.
 */
export function memoryTable(seed: readonly Item[] = []) {
  const items = new Map<string, Item>(seed.map((item) => [String(item.task_id), { ...item }]));
  const counts: Record<string, number> = {};
  let holds: {
    match: (name: string, input: CommandInput) => boolean;
    gate: Promise<void>;
    reach: () => void;
  }[] = [];

  function run(name: string, input: CommandInput): Item {
    counts[name] = (counts[name] ?? 0) + 1;
    if (name === 'TransactWriteCommand') return transactWrite(input);
    if (name === 'BatchGetCommand') return batchGet(input);
    if (name === 'QueryCommand') return query(input);
    const key = String((input.Key ?? input.Item)?.task_id);
    const current = items.get(key);
    if (name === 'GetCommand') return { Item: current && structuredClone(current) };
    if (!holds_(input, current)) {
      const withItem = input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && current;
      throw new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        ...(withItem && { Item: marshall(current, { removeUndefinedValues: true }) }),
      });
    }
    const next = write(name, key, input, current);
    return { Attributes: input.ReturnValues === 'ALL_NEW' ? structuredClone(next) : undefined };
  }

  function write(name: string, key: string, input: CommandInput, current: Item | undefined) {
    if (name === 'PutCommand' || name === 'Put') {
      items.set(key, structuredClone(input.Item ?? {}));
    } else if (name === 'UpdateCommand' || name === 'Update') {
      items.set(key, applyUpdate(key, input, current));
    } else if (name === 'DeleteCommand' || name === 'Delete') {
      items.delete(key);
    } else {
      throw new Error(`The memory table does not run ${name}`);
    }
    return items.get(key);
  }

  function transactWrite(input: CommandInput): Item {
    const actions = (input.TransactItems ?? []).map((action) => {
      const [name, body] = Object.entries(action)[0] as [string, CommandInput];
      const key = String((body.Key ?? body.Item)?.task_id);
      return { name, body, key };
    });
    // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
    if (new Set(actions.map(({ key }) => key)).size < actions.length) {
      throw Object.assign(
        new Error('Transaction request cannot include multiple operations on one item'),
        { name: 'ValidationException' },
      );
    }
    const reasons = actions.map(({ body, key }) =>
      holds_(body, items.get(key)) ? { Code: 'None' } : { Code: 'ConditionalCheckFailed' },
    );
    if (reasons.some((reason) => reason.Code !== 'None')) {
      throw new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: {},
        CancellationReasons: reasons,
      });
    }
    for (const { name, body, key } of actions) write(name, key, body, items.get(key));
    return {};
  }

  function batchGet(input: CommandInput): Item {
    const Responses: Record<string, Item[]> = {};
    for (const [tableName, { Keys }] of Object.entries(input.RequestItems ?? {})) {
      Responses[tableName] = (Keys ?? []).flatMap((key) => {
        const item = items.get(String(key.task_id));
        return item ? [structuredClone(item)] : [];
      });
    }
    return { Responses };
  }

  function query(input: CommandInput): Item {
    const index = Object.values(TABLE_SCHEMA.indexes).find((i) => i.name === input.IndexName);
    if (!index) throw new Error(`The memory table has no index ${input.IndexName}`);
    const values = input.ExpressionAttributeValues ?? {};
    const condition = input.KeyConditionExpression ?? '';
    const inRange = (sort: string) => {
      if (condition.includes('BETWEEN'))
        return sort >= String(values[':from']) && sort <= String(values[':to']);
      if (condition.includes('<')) return sort < String(values[':after']);
      return true;
    };
    const found = [...items.values()]
      .filter((item) => item[index.partitionKey] === values[':pk'])
      .filter((item) => typeof item[index.sortKey] === 'string')
      .filter((item) => inRange(String(item[index.sortKey])))
      .sort((a, b) => String(a[index.sortKey]).localeCompare(String(b[index.sortKey])));
    if (input.ScanIndexForward === false) found.reverse();
    const page = found.slice(0, input.Limit ?? found.length);
    // KEYS_ONLY: the table's key and the index's keys.
    return {
      Items: page.map((item) => ({
        task_id: item.task_id,
        [index.partitionKey]: item[index.partitionKey],
        [index.sortKey]: item[index.sortKey],
      })),
    };
  }

  async function send(command: { constructor: { name: string }; input: CommandInput }) {
    const name = command.constructor.name;
    const { input } = command;
    const hold = holds.find((entry) => entry.match(name, input));
    if (hold) {
      holds = holds.filter((entry) => entry !== hold);
      hold.reach();
      await hold.gate;
    }
    return run(name, input);
  }

  const table: TaskTable = {
    db: { send } as unknown as DynamoDBDocumentClient,
    name: 'tasks-memory',
    retentionSeconds: 86_400,
    sleep: async () => undefined,
  };
  return {
    table,
    items,
    counts,
    /** Runs one command synchronously, for a mocked client's `callsFake`. */
    run,
    /**
     * Pauses the next command `match` picks until the returned function is called; its
     * `reached` resolves once that command has been sent.
     */
    hold(match: (name: string, input: CommandInput) => boolean) {
      let release = () => {};
      let reach = () => {};
      const gate = new Promise<void>((done) => {
        release = done;
      });
      const reached = new Promise<void>((done) => {
        reach = done;
      });
      holds.push({ match, gate, reach });
      return Object.assign(release, { reached });
    },
  };
}

/** Whether a command writes a task item (a create's Put inside its transaction). */
export function writesTask(name: string, input: CommandInput): boolean {
  return (
    name === 'TransactWriteCommand' &&
    (input.TransactItems ?? []).some((action) => typeof action.Put?.Item?.status === 'string')
  );
}

function operand(token: string, input: CommandInput, item: Item | undefined): unknown {
  if (token.startsWith(':')) return input.ExpressionAttributeValues?.[token];
  const name = token.startsWith('#') ? input.ExpressionAttributeNames?.[token] : token;
  return item?.[name ?? ''];
}

/** Splits `text` at `separator` outside parentheses. */
function splitOutside(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (depth === 0 && text.startsWith(separator, i)) {
      parts.push(text.slice(start, i));
      start = i + separator.length;
      i += separator.length - 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((part) => part.trim());
}

function clause(text: string, input: CommandInput, item: Item | undefined): boolean {
  if (text.startsWith('(') && text.endsWith(')')) return evaluate(text.slice(1, -1), input, item);
  const exists = /^attribute_(not_)?exists\((\S+)\)$/.exec(text);
  if (exists) return (operand(exists[2] ?? '', input, item) !== undefined) !== Boolean(exists[1]);
  const within = /^(\S+) IN \((.+)\)$/.exec(text);
  if (within) {
    const value = operand(within[1] ?? '', input, item);
    return (within[2] ?? '').split(', ').some((token) => operand(token, input, item) === value);
  }
  const compare = /^(\S+) (=|<|>=) (\S+)$/.exec(text);
  if (compare) {
    const left = operand(compare[1] ?? '', input, item);
    const right = operand(compare[3] ?? '', input, item);
    if (left === undefined) return false;
    if (compare[2] === '=') return left === right;
    return compare[2] === '<'
      ? (left as number) < (right as number)
      : (left as number) >= (right as number);
  }
  throw new Error(`The memory table cannot evaluate "${text}"`);
}

/** `a AND b`, `a OR b` (AND binds tighter), with parentheses, as this code base writes conditions. */
function evaluate(condition: string, input: CommandInput, item: Item | undefined): boolean {
  return splitOutside(condition, ' OR ').some((alternative) =>
    splitOutside(alternative, ' AND ').every((part) => clause(part, input, item)),
  );
}

function holds_(input: CommandInput, item: Item | undefined): boolean {
  return input.ConditionExpression ? evaluate(input.ConditionExpression, input, item) : true;
}

/** `SET #a = :a, …` or `ADD #a :a, …`, the two forms the store and idempotency module write. */
function applyUpdate(key: string, input: CommandInput, current: Item | undefined): Item {
  const next: Item = { ...structuredClone(current ?? {}), task_id: key };
  const text = input.UpdateExpression ?? '';
  const adding = text.startsWith('ADD ');
  for (const part of text.replace(/^(SET|ADD) /, '').split(', ')) {
    const [target, value] = adding ? part.split(' ') : part.split(' = ');
    const name = target?.startsWith('#') ? input.ExpressionAttributeNames?.[target] : target;
    const given = input.ExpressionAttributeValues?.[value ?? ''];
    next[name ?? ''] = adding ? Number(next[name ?? ''] ?? 0) + Number(given) : given;
  }
  return next;
}
