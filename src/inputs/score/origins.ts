/**
 * Where in a Score file each field of the service made from it was set, so `slipway explain` (and
 * every error positioned by origin) names the Score file, line and column rather than the project
 * file that lists it. Pure.
 *
 * A field maps to the Score value it was converted from (`workload.env.X` ← the container's
 * `variables.X`, `workload.sidecars.proxy.before.app` ← `containers.proxy.before.app`, `workload.ports.http` ← `service.ports.http.port`, `owner` ← the
 * `slipway.dev/owner` annotation, …). A field whose Score value is absent was not set by the file
 * (a Slipway default such as a probe's `periodSeconds`, or `replicas` without the annotation): it
 * has no position here.
 */
import type { SourcePosition } from '../../errors.js';
import type { ScoreDocument } from './load.js';
import type { ScoreWorkload } from './schema.js';
import { workloadContainer } from './convert.js';

/** The positions of a Score service's fields. */
export interface ScoreOrigins {
  /** The Score file. */
  readonly file: string;
  /** Where the field at `servicePath` (inside the service) was set in the Score file; undefined when the file did not set it. */
  positionOf(servicePath: readonly string[]): SourcePosition | undefined;
}

const ANNOTATED: Readonly<Record<string, string>> = { owner: 'slipway.dev/owner', description: 'slipway.dev/description', replicas: 'slipway.dev/replicas' };

/** The positions of the fields of the service `score` was converted into. */
export function scoreOrigins(score: Pick<ScoreDocument, 'file' | 'spec' | 'locate'>): ScoreOrigins {
  return {
    file: score.file,
    positionOf(servicePath) {
      const path = scorePathOf(score.spec, servicePath);
      if (!path) return undefined;
      const { file, line, column } = score.locate({ path, message: '' });
      return { file, line, column };
    },
  };
}

/**
 * The path in `spec` of the value the service field at `servicePath` was converted from; undefined
 * when the Score file has no such value (the field is a Slipway default, or not from Score at all).
 */
export function scorePathOf(spec: ScoreWorkload, servicePath: readonly string[]): readonly PropertyKey[] | undefined {
  return candidates(spec, servicePath).find((path) => exists(spec, path));
}

/** Score paths the field may come from, most specific first. */
function candidates(spec: ScoreWorkload, servicePath: readonly string[]): (readonly PropertyKey[])[] {
  const [head, ...rest] = servicePath;
  if (head === undefined) return [[]];
  if (head in ANNOTATED && rest.length === 0) return [['metadata', 'annotations', ANNOTATED[head]!]];
  if (head === 'resources') return [['resources', ...rest]];
  if (head !== 'workload') return [];
  const own = ['containers', workloadContainer(spec) ?? ''];
  const [field, ...inner] = rest;
  switch (field) {
    case 'ports':
      return inner.length === 1 ? [['service', 'ports', inner[0]!, 'port']] : [['service', 'ports', ...inner]];
    case 'container':
      return [own];
    case 'sidecars': {
      const [sidecar, ...fields] = inner;
      return sidecar === undefined ? [] : containerCandidates(['containers', sidecar], fields);
    }
    default:
      return containerCandidates(own, rest);
  }
}

/** Score paths a field of one container (`fields` inside it) may come from, most specific first; `at` is the container. */
function containerCandidates(at: readonly PropertyKey[], fields: readonly string[]): (readonly PropertyKey[])[] {
  const [field, ...inner] = fields;
  switch (field) {
    case 'command':
      return [[...at, 'command', 0], [...at, 'args', 0], [...at, 'image']];
    case 'args':
      return [[...at, 'args'], [...at, 'command']];
    case 'image':
    case 'artifact':
      return [[...at, 'image']];
    case 'env':
      return [[...at, 'variables', ...inner]];
    case 'limits':
    case 'requests':
      return [[...at, 'resources', field, ...inner]];
    case undefined:
      return [at];
    default:
      return [[...at, field, ...inner]];
  }
}

function exists(data: unknown, path: readonly PropertyKey[]): boolean {
  let value = data;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, segment)) return false;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value !== undefined;
}
