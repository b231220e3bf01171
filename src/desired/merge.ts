/**
 * Merging what several owners wrote into one value, remembering who set each field. Pure.
 *
 * Every contribution is flattened to its leaves (scalars and lists; maps are walked, so `env` and
 * `ports` merge key by key). For each leaf the contribution of the highest precedence wins. Two
 * contributions of the same precedence that disagree are a conflict, never settled by file order:
 * the result does not depend on the order in which files are given.
 */
import { canonicalJson } from './hash.js';

/** From weakest to strongest. */
export const PRECEDENCE = ['layer-default', 'layer-environment-default', 'service', 'service-environment'] as const;
export type Precedence = (typeof PRECEDENCE)[number];

/** Where a value came from, in words a person can follow to the line that set it. */
export type Origin =
  | { readonly kind: 'file'; readonly file: string; readonly line: number; readonly column: number; readonly owner: string; readonly precedence: Precedence }
  | { readonly kind: 'release'; readonly release: string; readonly owner: string; readonly precedence: Precedence }
  | { readonly kind: 'built-in' };

export interface Contribution {
  readonly precedence: Precedence;
  /** A plain object as written; `undefined` contributes nothing. */
  readonly data: unknown;
  /** The origin of the leaf at `path` (relative to `data`). */
  readonly origin: (path: readonly string[]) => Origin;
}

export interface MergeConflict {
  /** Dotted path of the field, e.g. `workload.env.LOG_LEVEL`. */
  readonly path: string;
  readonly candidates: readonly { readonly value: unknown; readonly origin: Origin }[];
}

export interface Merged {
  readonly value: Record<string, unknown>;
  /** Dotted path of every leaf set by a contribution → the origin of the winning value. */
  readonly origins: ReadonlyMap<string, Origin>;
  readonly conflicts: readonly MergeConflict[];
}

interface Leaf {
  readonly path: readonly string[];
  readonly value: unknown;
  readonly origin: Origin;
  readonly rank: number;
}

/** Merges `contributions` by precedence. Deterministic and independent of their order. */
export function merge(contributions: readonly Contribution[]): Merged {
  const byPath = new Map<string, Leaf[]>();
  for (const contribution of contributions) {
    const rank = PRECEDENCE.indexOf(contribution.precedence);
    for (const { path, value } of leaves(contribution.data, [])) {
      const key = path.join('.');
      const list = byPath.get(key) ?? [];
      list.push({ path, value, origin: contribution.origin(path), rank });
      byPath.set(key, list);
    }
  }
  const value: Record<string, unknown> = {};
  const origins = new Map<string, Origin>();
  const conflicts: MergeConflict[] = [];
  for (const key of [...byPath.keys()].sort()) {
    const candidates = byPath.get(key)!;
    const top = Math.max(...candidates.map((c) => c.rank));
    const strongest = candidates.filter((c) => c.rank === top).sort((a, b) => compareOrigins(a.origin, b.origin) || compareText(canonicalJson(a.value), canonicalJson(b.value)));
    const distinct = new Set(strongest.map((c) => canonicalJson(c.value)));
    if (distinct.size > 1) conflicts.push({ path: key, candidates: strongest.map(({ value: v, origin }) => ({ value: v, origin })) });
    const winner = strongest[0]!;
    setAt(value, winner.path, winner.value);
    origins.set(key, winner.origin);
  }
  return { value, origins, conflicts };
}

/** Every leaf of `data` with its path; empty maps contribute nothing. */
export function leaves(data: unknown, path: readonly string[]): { path: readonly string[]; value: unknown }[] {
  if (!isPlainObject(data)) return data === undefined ? [] : [{ path, value: data }];
  return Object.entries(data).flatMap(([key, child]) => leaves(child, [...path, key]));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function setAt(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const segment of path.slice(0, -1)) {
    const next = node[segment];
    node = isPlainObject(next) ? next : (node[segment] = {});
  }
  node[path.at(-1)!] = value;
}

/** A fixed order of origins, so that equal values from several files credit the same one every time. */
function compareOrigins(a: Origin, b: Origin): number {
  const key = (o: Origin) => (o.kind === 'file' ? `${o.file}\0${String(o.line).padStart(8, '0')}\0${String(o.column).padStart(8, '0')}` : o.kind);
  return compareText(key(a), key(b));
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** "platform/defaults.yaml:4:7 (owner platform)", "release v3 (owner team-api)", "Slipway's default". */
export function describeOrigin(origin: Origin): string {
  switch (origin.kind) {
    case 'file':
      return `${origin.file}:${origin.line}:${origin.column} (owner ${origin.owner})`;
    case 'release':
      return `release ${origin.release} (owner ${origin.owner})`;
    case 'built-in':
      return "Slipway's default";
  }
}
