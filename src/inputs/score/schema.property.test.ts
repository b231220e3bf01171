/**
 * The Score schema (`schema.ts`) agrees with the Score specification's JSON Schema
 * (`score-v1b1.json`, score.dev/v1b1) in both directions: what the specification accepts parses,
 * what it refuses is refused, at the path of the offending value.
 *
 * The oracle is `SPEC` below: the specification's rules restated as data (patterns, lengths,
 * ranges, enums, required and allowed keys), written from the JSON Schema and independent of
 * `schema.ts`. Valid workloads are generated from it; each invalid case breaks exactly one rule of
 * a valid workload, so whether the specification accepts it is known by construction. For every
 * constrained text, number and key, arbitrary values (matching and near-misses) are tried and the
 * answer must equal the rule's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { InvalidInputError } from '../../errors.js';
import { parseScore } from './load.js';
import { ScoreWorkload } from './schema.js';

type Json = unknown;
type Doc = Record<string, Json>;
type Path = readonly (string | number)[];

/** A text rule of the specification: a pattern (anchored, as the JSON Schema writes it) and lengths in code points. */
interface TextRule {
  readonly pattern?: RegExp;
  readonly minLength?: number;
  readonly maxLength?: number;
}

const LABEL: TextRule = { pattern: /^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$/, minLength: 2, maxLength: 63 };
const DNS = '[a-z0-9][a-z0-9-]{0,61}[a-z0-9]';

/** score-v1b1.json, restated. */
const SPEC = {
  apiVersion: { pattern: /^score\.dev\/v1b1$/ },
  label: LABEL,
  annotationName: { pattern: new RegExp(`^((${DNS})(\\.${DNS})*/)?[A-Za-z0-9][A-Za-z0-9._-]{0,61}[A-Za-z0-9]$`), minLength: 2, maxLength: 316 },
  resourceType: { pattern: /^[A-Za-z0-9][A-Za-z0-9-]{0,61}[A-Za-z0-9]$/, minLength: 2, maxLength: 63 },
  resourceId: { pattern: /^[a-z0-9]+(?:-+[a-z0-9]+)*(?:\.[a-z0-9]+(?:-+[a-z0-9]+)*)*$/, minLength: 2, maxLength: 63 },
  memory: { pattern: /^(0\.\d+|[1-9]\d*(\.\d+)?)(K|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/ },
  cpu: { pattern: /^\d+(?:m|\.\d+)?$/ },
  mode: { pattern: /^0?[0-7]{3}$/ },
  headerName: { pattern: /^[A-Za-z0-9_-]+$/ },
  variableName: { pattern: /^[^=]+$/, minLength: 1 },
  nonEmpty: { minLength: 1 },
  anyText: {},
  port: { minimum: 1, maximum: 65535 },
  protocol: ['TCP', 'UDP'],
  scheme: ['HTTP', 'HTTPS'],
  ready: ['started', 'healthy', 'complete'],
} as const satisfies Record<string, TextRule | readonly string[] | { minimum: number; maximum: number }>;

function accepts(rule: TextRule, text: string): boolean {
  const length = [...text].length;
  return (rule.pattern?.test(text) ?? true) && length >= (rule.minLength ?? 0) && length <= (rule.maxLength ?? Infinity);
}

/** Texts a rule accepts. */
function textOf(rule: TextRule): fc.Arbitrary<string> {
  const base = rule.pattern ? fc.stringMatching(rule.pattern) : fc.string({ minLength: rule.minLength ?? 0, maxLength: 12 });
  return base.filter((text) => accepts(rule, text));
}

/** Characters that sit on the edges of the specification's patterns. */
const EDGE_CHARS = ['a', 'z', 'A', 'Z', '0', '1', '9', '-', '_', '.', '/', '=', ' ', 'm', 'k', 'K', 'i', 'M', 'G', 'E', 'e', '+', '\n', '$', 'é', '😀'];

/** Texts a rule may or may not accept: matching ones, near misses (one character changed, added or removed) and strangers. */
function nearText(rule: TextRule): fc.Arbitrary<string> {
  const edit = fc.tuple(textOf(rule), fc.nat(), fc.constantFrom(...EDGE_CHARS), fc.constantFrom('insert', 'replace', 'delete')).map(([text, at, char, how]) => {
    const chars = [...text];
    const index = chars.length === 0 ? 0 : at % (chars.length + (how === 'insert' ? 1 : 0));
    if (how === 'insert') chars.splice(index, 0, char);
    else if (how === 'replace') chars.splice(index, 1, char);
    else chars.splice(index, 1);
    return chars.join('');
  });
  const long = fc.constantFrom('a', 'a-', '0').map((unit) => unit.repeat(Math.ceil(((rule.maxLength ?? 64) + 1) / unit.length)));
  return fc.oneof(textOf(rule), edit, edit, fc.string({ unit: fc.constantFrom(...EDGE_CHARS), maxLength: 8 }), long);
}

const label = textOf(SPEC.label);
const opt = <T,>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });

/** A map of 0..max entries keyed by `key`. */
function mapOf<T>(key: fc.Arbitrary<string>, value: fc.Arbitrary<T>, minKeys = 0, maxKeys = 3): fc.Arbitrary<Record<string, T>> {
  return fc.uniqueArray(fc.tuple(key, value), { minLength: minKeys, maxLength: maxKeys, selector: ([k]) => k }).map((entries) => Object.fromEntries(entries));
}

/** `record` with the undefined fields left out, as a YAML file would have them. */
function compact(record: Record<string, unknown>): Doc {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

const port = fc.integer({ min: 1, max: 65535 });
const annotations = mapOf(textOf(SPEC.annotationName), fc.string({ maxLength: 6 }));
const limits = fc.record({ memory: opt(textOf(SPEC.memory)), cpu: opt(textOf(SPEC.cpu)) }).map(compact);

const content = fc.constantFrom('content', 'source', 'binaryContent').chain((key) => (key === 'source' ? textOf(SPEC.nonEmpty) : fc.string({ maxLength: 8 })).map((value) => ({ [key]: value })));
const fileFields = fc.tuple(content, fc.record({ mode: opt(textOf(SPEC.mode)), noExpand: opt(fc.boolean()) }).map(compact)).map(([c, rest]) => ({ ...c, ...rest }));
const files = fc.oneof(
  fc.array(fc.tuple(fileFields, opt(textOf(SPEC.nonEmpty))).map(([file, target]) => compact({ ...file, target })), { maxLength: 2 }),
  mapOf(fc.string({ maxLength: 10 }), fileFields),
);
const volumeFields = fc.record({ source: fc.string({ maxLength: 6 }), path: opt(fc.string({ maxLength: 6 })), readOnly: opt(fc.boolean()) }).map(compact);
const volumes = fc.oneof(
  fc.array(fc.tuple(volumeFields, opt(fc.string({ maxLength: 6 }))).map(([volume, target]) => compact({ ...volume, target })), { maxLength: 2 }),
  mapOf(fc.string({ maxLength: 10 }), volumeFields),
);
const httpGet = fc
  .record({
    host: opt(textOf(SPEC.nonEmpty)),
    scheme: opt(fc.constantFrom(...SPEC.scheme)),
    path: fc.string({ maxLength: 8 }),
    port,
    httpHeaders: opt(fc.array(fc.record({ name: textOf(SPEC.headerName), value: textOf(SPEC.nonEmpty) }), { maxLength: 2 })),
  })
  .map(compact);
const probe = fc.record({ httpGet: opt(httpGet), exec: opt(fc.record({ command: fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }) })) }).map(compact);
const container = fc
  .record({
    image: textOf(SPEC.nonEmpty),
    command: opt(fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 })),
    args: opt(fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 })),
    variables: opt(mapOf(textOf(SPEC.variableName), fc.string({ maxLength: 6 }))),
    files: opt(files),
    volumes: opt(volumes),
    before: opt(mapOf(label, fc.record({ ready: fc.constantFrom(...SPEC.ready) }))),
    resources: opt(fc.record({ limits: opt(limits), requests: opt(limits) }).map(compact)),
    livenessProbe: opt(probe),
    readinessProbe: opt(probe),
  })
  .map(compact);
const resource = fc
  .record({
    type: textOf(SPEC.resourceType),
    class: opt(textOf(SPEC.resourceType)),
    id: opt(textOf(SPEC.resourceId)),
    metadata: opt(fc.tuple(opt(annotations), fc.dictionary(fc.constantFrom('x', 'extra'), fc.jsonValue({ maxDepth: 1 }))).map(([a, rest]) => compact({ ...rest, annotations: a }))),
    params: opt(fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 })),
  })
  .map(compact);

/** Workloads the specification accepts, generated from its rules. */
const workload: fc.Arbitrary<Doc> = fc
  .record({
    metadata: fc.tuple(label, opt(annotations), fc.dictionary(fc.constantFrom('team', 'tier', 'extra'), fc.jsonValue({ maxDepth: 2 }))).map(([name, a, rest]) => compact({ ...rest, name, annotations: a })),
    service: opt(fc.record({ ports: opt(mapOf(label, fc.record({ port, protocol: opt(fc.constantFrom(...SPEC.protocol)), targetPort: opt(port) }).map(compact))) }).map(compact)),
    containers: mapOf(label, container, 1, 2),
    resources: opt(mapOf(label, resource)),
  })
  .map((doc) => compact({ apiVersion: 'score.dev/v1b1', ...doc }));

/** A small valid workload with one of everything, for the single-rule cases. */
const FULL: Doc = {
  apiVersion: 'score.dev/v1b1',
  metadata: { name: 'api', annotations: { 'example.com/team': 'a' } },
  service: { ports: { web: { port: 8080, protocol: 'TCP', targetPort: 8080 } } },
  containers: {
    main: {
      image: 'nginx',
      variables: { GREETING: 'hi' },
      files: [{ target: '/etc/a', content: 'x', mode: '0600' }],
      volumes: [{ source: 'data', target: '/data' }],
      before: { init: { ready: 'complete' } },
      resources: { limits: { memory: '1Gi', cpu: '1' }, requests: { memory: '1Gi', cpu: '1' } },
      readinessProbe: { httpGet: { path: '/', port: 8080, scheme: 'HTTP', host: 'h', httpHeaders: [{ name: 'X-A', value: 'b' }] }, exec: { command: ['true'] } },
    },
    init: { image: 'busybox' },
  },
  resources: { db: { type: 'postgres', class: 'large', id: 'shop-db', metadata: { annotations: { 'example.com/xy': 'y' } }, params: { a: 1 } } },
};

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** `doc` with the value at `path` set (a map key is renamed when `asKey`), or removed when `value` is undefined. */
function withAt(doc: Doc, path: Path, value: Json, asKey = false): Doc {
  const copy = clone(doc);
  let node = copy as Record<string | number, Json>;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<string | number, Json>;
  const last = path.at(-1)!;
  if (asKey) {
    const old = node[last];
    delete node[last];
    node[value as string] = old;
  } else if (value === undefined) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = value;
  return copy;
}

/** The paths of the issues `ScoreWorkload` finds in `doc`, or undefined when it accepts it. */
function refusals(doc: Json): string[] | undefined {
  const result = ScoreWorkload.safeParse(doc);
  if (result.success) return undefined;
  return result.error.issues.flatMap((issue) => (issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...issue.path, key]) : [issue.path]).map((path) => path.join('.')));
}

/** `doc` is refused, with an issue at `path` or inside it. */
function expectRefusedAt(doc: Json, path: Path): void {
  const paths = refusals(doc);
  expect(paths, `expected a refusal at ${path.join('.')}`).toBeDefined();
  const at = path.join('.');
  expect(paths!.some((p) => p === at || p.startsWith(`${at}.`) || at.startsWith(p) && p.length > 0), `issues at ${paths!.join(', ')}, expected ${at}`).toBe(true);
}

const RUNS = { numRuns: 200 };

describe('the Score schema against the specification', () => {
  it('accepts every workload generated from the specification', () => {
    fc.assert(
      fc.property(workload, (doc) => {
        expect(refusals(doc)).toBeUndefined();
      }),
      { numRuns: 400 },
    );
  });

  it('accepts the full sample', () => {
    expect(refusals(FULL)).toBeUndefined();
  });

  /** Places of constrained texts in `FULL`, each with the specification's rule. */
  const textSlots: readonly (readonly [string, Path, TextRule])[] = [
    ['apiVersion', ['apiVersion'], SPEC.apiVersion],
    ['metadata.name', ['metadata', 'name'], SPEC.label],
    ['an image', ['containers', 'main', 'image'], SPEC.nonEmpty],
    ['a memory limit', ['containers', 'main', 'resources', 'limits', 'memory'], SPEC.memory],
    ['a memory request', ['containers', 'main', 'resources', 'requests', 'memory'], SPEC.memory],
    ['a CPU limit', ['containers', 'main', 'resources', 'limits', 'cpu'], SPEC.cpu],
    ['a CPU request', ['containers', 'main', 'resources', 'requests', 'cpu'], SPEC.cpu],
    ['a file mode', ['containers', 'main', 'files', 0, 'mode'], SPEC.mode],
    ['a list file target', ['containers', 'main', 'files', 0, 'target'], SPEC.nonEmpty],
    ['a file source', ['containers', 'main', 'files', 0, 'source'], SPEC.nonEmpty],
    ['a probe host', ['containers', 'main', 'readinessProbe', 'httpGet', 'host'], SPEC.nonEmpty],
    ['a probe path', ['containers', 'main', 'readinessProbe', 'httpGet', 'path'], SPEC.anyText],
    ['a header name', ['containers', 'main', 'readinessProbe', 'httpGet', 'httpHeaders', 0, 'name'], SPEC.headerName],
    ['a header value', ['containers', 'main', 'readinessProbe', 'httpGet', 'httpHeaders', 0, 'value'], SPEC.nonEmpty],
    ['a resource type', ['resources', 'db', 'type'], SPEC.resourceType],
    ['a resource class', ['resources', 'db', 'class'], SPEC.resourceType],
    ['a resource id', ['resources', 'db', 'id'], SPEC.resourceId],
    ['a volume source', ['containers', 'main', 'volumes', 0, 'source'], SPEC.anyText],
  ];

  it.each(textSlots)('accepts %s exactly when the specification does', (_, path, rule) => {
    fc.assert(
      fc.property(nearText(rule), (text) => {
        const doc = withAt(path[2] === 'files' && path[4] === 'source' ? withAt(FULL, [...path.slice(0, -1), 'content'], undefined) : FULL, path, text);
        if (accepts(rule, text)) expect(refusals(doc)).toBeUndefined();
        else expectRefusedAt(doc, path);
      }),
      RUNS,
    );
  });

  /** Places of constrained map keys in `FULL`, each with the specification's rule. */
  const keySlots: readonly (readonly [string, Path, TextRule])[] = [
    ['a container name', ['containers', 'init'], SPEC.label],
    ['a service port name', ['service', 'ports', 'web'], SPEC.label],
    ['a resource name', ['resources', 'db'], SPEC.label],
    ['a before entry', ['containers', 'main', 'before', 'init'], SPEC.label],
    ['a workload annotation', ['metadata', 'annotations', 'example.com/team'], SPEC.annotationName],
    ['a resource annotation', ['resources', 'db', 'metadata', 'annotations', 'example.com/xy'], SPEC.annotationName],
    ['a variable name', ['containers', 'main', 'variables', 'GREETING'], SPEC.variableName],
  ];

  it.each(keySlots)('accepts %s exactly when the specification does', (_, path, rule) => {
    fc.assert(
      fc.property(nearText(rule), (key) => {
        fc.pre(key !== '__proto__' && key !== path.at(-1));
        const doc = withAt(FULL, path, key, true);
        if (accepts(rule, key)) expect(refusals(doc)).toBeUndefined();
        else expectRefusedAt(doc, path.slice(0, -1));
      }),
      RUNS,
    );
  });

  const portSlots: readonly Path[] = [
    ['service', 'ports', 'web', 'port'],
    ['service', 'ports', 'web', 'targetPort'],
    ['containers', 'main', 'readinessProbe', 'httpGet', 'port'],
  ];

  it.each(portSlots.map((path) => [path.join('.'), path] as const))('accepts %s exactly when it is a whole number from 1 to 65535', (_, path) => {
    const number = fc.oneof(fc.integer({ min: -2, max: 70000 }), fc.constantFrom(0, 1, 65535, 65536, 1.5, 80.25, -0, 2 ** 53), fc.double({ noNaN: true }));
    fc.assert(
      fc.property(number, (value) => {
        const doc = withAt(FULL, path, value);
        if (Number.isInteger(value) && value >= SPEC.port.minimum && value <= SPEC.port.maximum) expect(refusals(doc)).toBeUndefined();
        else expectRefusedAt(doc, path);
      }),
      RUNS,
    );
  });

  const enumSlots: readonly (readonly [Path, readonly string[]])[] = [
    [['service', 'ports', 'web', 'protocol'], SPEC.protocol],
    [['containers', 'main', 'readinessProbe', 'httpGet', 'scheme'], SPEC.scheme],
    [['containers', 'main', 'before', 'init', 'ready'], SPEC.ready],
  ];

  it.each(enumSlots.map(([path, values]) => [path.join('.'), path, values] as const))('accepts %s exactly when it is one of the specification values', (_, path, values) => {
    const text = fc.oneof(fc.constantFrom(...values), fc.constantFrom(...values).map((v) => v.toLowerCase()), fc.constantFrom(...values).map((v) => `${v} `), fc.string({ maxLength: 6 }));
    fc.assert(
      fc.property(text, (value) => {
        const doc = withAt(FULL, path, value);
        if (values.includes(value)) expect(refusals(doc)).toBeUndefined();
        else expectRefusedAt(doc, path);
      }),
      RUNS,
    );
  });

  /** Every value of `FULL` with the JSON types the specification allows there. */
  const typed: readonly (readonly [Path, readonly ('string' | 'integer' | 'boolean' | 'object' | 'array')[]])[] = [
    [['apiVersion'], ['string']],
    [['metadata'], ['object']],
    [['metadata', 'name'], ['string']],
    [['metadata', 'annotations'], ['object']],
    [['metadata', 'annotations', 'example.com/team'], ['string']],
    [['service'], ['object']],
    [['service', 'ports'], ['object']],
    [['service', 'ports', 'web'], ['object']],
    [['containers'], ['object']],
    [['containers', 'main'], ['object']],
    [['containers', 'main', 'image'], ['string']],
    [['containers', 'main', 'variables'], ['object']],
    [['containers', 'main', 'variables', 'GREETING'], ['string']],
    [['containers', 'main', 'files'], ['array', 'object']],
    [['containers', 'main', 'files', 0], ['object']],
    [['containers', 'main', 'files', 0, 'content'], ['string']],
    [['containers', 'main', 'volumes'], ['array', 'object']],
    [['containers', 'main', 'volumes', 0], ['object']],
    [['containers', 'main', 'before'], ['object']],
    [['containers', 'main', 'before', 'init'], ['object']],
    [['containers', 'main', 'resources'], ['object']],
    [['containers', 'main', 'resources', 'limits'], ['object']],
    [['containers', 'main', 'readinessProbe'], ['object']],
    [['containers', 'main', 'readinessProbe', 'httpGet'], ['object']],
    [['containers', 'main', 'readinessProbe', 'exec'], ['object']],
    [['containers', 'main', 'readinessProbe', 'exec', 'command'], ['array']],
    [['containers', 'main', 'readinessProbe', 'exec', 'command', 0], ['string']],
    [['containers', 'main', 'readinessProbe', 'httpGet', 'httpHeaders'], ['array']],
    [['resources'], ['object']],
    [['resources', 'db'], ['object']],
    [['resources', 'db', 'metadata'], ['object']],
    [['resources', 'db', 'params'], ['object']],
  ];
  const ofType = { string: 'text', integer: 7, boolean: true, object: { zz: 1 }, array: ['x'], null: null, number: 1.5 } as const;

  it.each(typed.map(([path, types]) => [path.join('.'), path, types] as const))('refuses %s of a type the specification does not allow there', (_, path, types) => {
    for (const [type, value] of Object.entries(ofType)) {
      if ((types as readonly string[]).includes(type)) continue;
      expectRefusedAt(withAt(FULL, path, value), path);
    }
  });

  /** Required keys: removing one is refused. */
  const required: readonly Path[] = [
    ['apiVersion'],
    ['metadata'],
    ['metadata', 'name'],
    ['containers'],
    ['containers', 'main', 'image'],
    ['service', 'ports', 'web', 'port'],
    ['containers', 'main', 'volumes', 0, 'source'],
    ['containers', 'main', 'before', 'init', 'ready'],
    ['containers', 'main', 'readinessProbe', 'httpGet', 'path'],
    ['containers', 'main', 'readinessProbe', 'httpGet', 'port'],
    ['containers', 'main', 'readinessProbe', 'httpGet', 'httpHeaders', 0, 'name'],
    ['containers', 'main', 'readinessProbe', 'httpGet', 'httpHeaders', 0, 'value'],
    ['containers', 'main', 'readinessProbe', 'exec', 'command'],
    ['resources', 'db', 'type'],
  ];

  it.each(required.map((path) => [path.join('.'), path] as const))('requires %s', (_, path) => {
    expectRefusedAt(withAt(FULL, path, undefined), path.slice(0, -1).length > 0 ? path : path);
  });

  /** Objects closed to other keys (additionalProperties: false), and the open ones. */
  const closed: readonly Path[] = [
    [],
    ['service'],
    ['service', 'ports', 'web'],
    ['containers', 'main'],
    ['containers', 'main', 'files', 0],
    ['containers', 'main', 'volumes', 0],
    ['containers', 'main', 'before', 'init'],
    ['containers', 'main', 'resources'],
    ['containers', 'main', 'resources', 'limits'],
    ['containers', 'main', 'readinessProbe'],
    ['containers', 'main', 'readinessProbe', 'httpGet'],
    ['containers', 'main', 'readinessProbe', 'exec'],
    ['containers', 'main', 'readinessProbe', 'httpGet', 'httpHeaders', 0],
    ['resources', 'db'],
  ];
  const open: readonly Path[] = [['metadata'], ['resources', 'db', 'metadata'], ['resources', 'db', 'params']];
  const keyName = fc.stringMatching(/^[a-zA-Z][a-zA-Z_]{0,8}$/);

  it('refuses any other key in a closed object, and accepts any in metadata and params', () => {
    fc.assert(
      fc.property(fc.constantFrom(...closed, ...open), keyName, fc.jsonValue({ maxDepth: 1 }), (path, key, value) => {
        const target = path.reduce<Json>((node, segment) => (node as Record<string | number, Json>)[segment], FULL) as Record<string, Json>;
        fc.pre(!(key in target) && !['name', 'annotations', 'target'].includes(key) && value !== undefined);
        const doc = withAt(FULL, [...path, key], value);
        if (open.includes(path)) expect(refusals(doc)).toBeUndefined();
        else expectRefusedAt(doc, [...path, key]);
      }),
      { numRuns: 400 },
    );
  });

  it('requires at least one container, and allows empty maps elsewhere', () => {
    expectRefusedAt(withAt(FULL, ['containers'], {}), ['containers']);
    for (const path of [['resources'], ['service', 'ports'], ['containers', 'main', 'variables'], ['containers', 'main', 'before'], ['containers', 'main', 'files'], ['metadata', 'annotations']]) {
      expect(refusals(withAt(FULL, path, {})), path.join('.')).toBeUndefined();
    }
  });

  it('takes a file exactly when it has one of content, source and binaryContent (oneOf)', () => {
    const contents = fc.subarray(['content', 'source', 'binaryContent'] as const);
    fc.assert(
      fc.property(contents, fc.boolean(), (keys, asMap) => {
        const file: Doc = { mode: '644', ...Object.fromEntries(keys.map((key) => [key, 'x'])) };
        const doc = withAt(FULL, ['containers', 'main', 'files'], asMap ? { '/etc/a': file } : [{ target: '/etc/a', ...file }]);
        if (keys.length === 1) expect(refusals(doc)).toBeUndefined();
        else expectRefusedAt(doc, ['containers', 'main', 'files']);
      }),
    );
  });

  it('takes target in a list entry only: a map entry is keyed by it', () => {
    for (const kind of ['files', 'volumes'] as const) {
      const entry = kind === 'files' ? { content: 'x' } : { source: 'data' };
      expect(refusals(withAt(FULL, ['containers', 'main', kind], [entry]))).toBeUndefined();
      expect(refusals(withAt(FULL, ['containers', 'main', kind], { '/a': entry }))).toBeUndefined();
      expectRefusedAt(withAt(FULL, ['containers', 'main', kind], { '/a': { ...entry, target: '/a' } }), ['containers', 'main', kind]);
      expectRefusedAt(withAt(FULL, ['containers', 'main', kind], { '/a': { ...entry, target: null } }), ['containers', 'main', kind]);
    }
  });

  it('takes a probe with httpGet, exec, both or neither', () => {
    for (const probe of [{}, { exec: { command: [] } }, { httpGet: { path: '', port: 1 } }]) {
      expect(refusals(withAt(FULL, ['containers', 'main', 'livenessProbe'], probe))).toBeUndefined();
    }
  });
});

describe('a Score file that breaks the specification', () => {
  it('is refused with the file, line and column of the offending value, and what was expected', () => {
    const slots: readonly (readonly [Path, Json])[] = [
      [['containers', 'main', 'resources', 'limits', 'cpu'], '.5'],
      [['containers', 'main', 'resources', 'limits', 'memory'], '1.5GB'],
      [['resources', 'db', 'id'], 'a'],
      [['containers', 'main', 'readinessProbe', 'httpGet', 'port'], 'web'],
      [['containers', 'main', 'before', 'init', 'ready'], 'done'],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...slots), ([path, value]) => {
        const text = stringify(withAt(FULL, path, value));
        let error: unknown;
        try {
          parseScore(text, '/w/score.yaml');
        } catch (caught) {
          error = caught;
        }
        expect(error).toBeInstanceOf(InvalidInputError);
        const issue = (error as InvalidInputError).issues.find((i) => i.path.replace(/\[(\d+)\]/g, '.$1') === path.join('.'));
        expect(issue, JSON.stringify((error as InvalidInputError).issues)).toBeDefined();
        expect(issue!.file).toBe('/w/score.yaml');
        const line = text.split('\n')[issue!.line - 1]!;
        expect(line.slice(issue!.column - 1)).toContain(typeof value === 'string' ? value : JSON.stringify(value));
        expect(issue!.message).toMatch(/^(expected|unknown)/);
      }),
    );
  });
});
