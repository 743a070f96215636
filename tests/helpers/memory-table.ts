import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TaskTable } from '../../functions/tasks/store.ts';

type Item = Record<string, unknown>;
interface CommandInput {
  Key?: Item;
  Item?: Item;
  ConditionExpression?: string;
  UpdateExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
  ReturnValues?: string;
}

/**
 * An in-memory table that runs the item commands the API uses (Get, Put, Update) with their
 * condition expressions, as far as the store and the idempotency module write them, one at a
 * time like DynamoDB's single-item writes. `hold` pauses chosen commands, so a test decides
 * how concurrent requests interleave.
 */
export function memoryTable() {
  const items = new Map<string, Item>();
  const counts: Record<string, number> = {};
  let holds: { match: (name: string, input: CommandInput) => boolean; gate: Promise<void> }[] = [];

  async function send(command: { constructor: { name: string }; input: CommandInput }) {
    const name = command.constructor.name;
    const { input } = command;
    const hold = holds.find((entry) => entry.match(name, input));
    if (hold) {
      holds = holds.filter((entry) => entry !== hold);
      await hold.gate;
    }
    counts[name] = (counts[name] ?? 0) + 1;
    const key = String((input.Key ?? input.Item)?.task_id);
    const current = items.get(key);
    if (name === 'GetCommand') return { Item: current && structuredClone(current) };
    if (!holds_(input, current)) {
      throw new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
      });
    }
    if (name === 'PutCommand') {
      items.set(key, structuredClone(input.Item ?? {}));
      return {};
    }
    if (name === 'UpdateCommand') {
      const next = { ...structuredClone(current ?? {}), task_id: key, ...assignments(input) };
      items.set(key, next);
      return { Attributes: input.ReturnValues === 'ALL_NEW' ? structuredClone(next) : undefined };
    }
    throw new Error(`The memory table does not run ${name}`);
  }

  const table: TaskTable = {
    db: { send } as unknown as DynamoDBDocumentClient,
    name: 'tasks-memory',
    retentionSeconds: 86_400,
  };
  return {
    table,
    items,
    counts,
    /** Pauses the next command `match` picks until `release` is called. */
    hold(match: (name: string, input: CommandInput) => boolean) {
      let release = () => {};
      const gate = new Promise<void>((done) => {
        release = done;
      });
      holds.push({ match, gate });
      return release;
    },
  };
}

function operand(token: string, input: CommandInput, item: Item | undefined): unknown {
  if (token.startsWith(':')) return input.ExpressionAttributeValues?.[token];
  const name = token.startsWith('#') ? input.ExpressionAttributeNames?.[token] : token;
  return item?.[name ?? ''];
}

function clause(text: string, input: CommandInput, item: Item | undefined): boolean {
  const exists = /^attribute_(not_)?exists\((\S+)\)$/.exec(text);
  if (exists) return (operand(exists[2] ?? '', input, item) !== undefined) !== Boolean(exists[1]);
  const within = /^(\S+) IN \((.+)\)$/.exec(text);
  if (within) {
    const value = operand(within[1] ?? '', input, item);
    return (within[2] ?? '').split(', ').some((token) => operand(token, input, item) === value);
  }
  const compare = /^(\S+) (=|<) (\S+)$/.exec(text);
  if (compare) {
    const left = operand(compare[1] ?? '', input, item);
    const right = operand(compare[3] ?? '', input, item);
    if (left === undefined) return false;
    return compare[2] === '=' ? left === right : (left as number) < (right as number);
  }
  throw new Error(`The memory table cannot evaluate "${text}"`);
}

/** `a AND b`, `a OR b` (AND binds tighter), as the conditions in this code base are written. */
function holds_(input: CommandInput, item: Item | undefined): boolean {
  const condition = input.ConditionExpression;
  if (!condition) return true;
  return condition
    .split(' OR ')
    .some((alternative) =>
      alternative.split(' AND ').every((part) => clause(part.trim(), input, item)),
    );
}

function assignments(input: CommandInput): Item {
  const text = (input.UpdateExpression ?? '').replace(/^SET /, '');
  const result: Item = {};
  for (const part of text.split(', ')) {
    const [target, value] = part.split(' = ');
    const name = target?.startsWith('#') ? input.ExpressionAttributeNames?.[target] : target;
    result[name ?? ''] = input.ExpressionAttributeValues?.[value ?? ''];
  }
  return result;
}
