/**
 * Filling `${resources.<name>.<output>}` placeholders with provisioned outputs, at deploy time: in a
 * workload's env, and in resource params (a route's host from a dns resource's output).
 */
import { PlaceholderError, placeholdersIn, substitute } from '../inputs/score/placeholders.js';
import { errorMessage } from '../errors.js';
import { secretRefName } from '../secrets/names.js';

/**
 * Whether `env` is written as a template that `resolveResourcePlaceholders` must finish: some value
 * uses a resource output (`${resources.…}`) or a `$$` escape (Score's `PRICE: $${amount}` is the
 * text `${amount}`). Env with neither is passed to the workload as written.
 */
export function envIsTemplate(env: Readonly<Record<string, string>>): boolean {
  return Object.values(env).some((value) => value.includes('${resources.') || value.includes('$$'));
}

/**
 * `env` with every `${resources.<name>.<output>}` replaced by that output (`outputs` is keyed by
 * the service's own names for its resources) and `$$` escapes undone: final values. Throws one
 * `PlaceholderError` naming every env var with a placeholder it cannot fill, and the outputs the
 * resource has. Values are never part of the message.
 */
export function resolveResourcePlaceholders(env: Readonly<Record<string, string>>, outputs: Readonly<Record<string, Readonly<Record<string, string>>>>): Record<string, string> {
  const resolved: Record<string, string> = {};
  const problems: string[] = [];
  const lookup = (path: readonly string[]) => (path.length === 3 && path[0] === 'resources' ? outputs[path[1]!]?.[path[2]!] : undefined);
  for (const [key, value] of Object.entries(env)) {
    try {
      resolved[key] = substitute(value, lookup);
    } catch (error) {
      const unresolved = error instanceof PlaceholderError ? error.unresolved : [];
      const hints = unresolved.map(({ path }) => hint(path, outputs)).filter(Boolean);
      problems.push(`env var ${key}: ${errorMessage(error)}${hints.length ? ` (${hints.join('; ')})` : ''}`);
    }
  }
  if (problems.length > 0) throw new PlaceholderError(problems.join('\n'));
  return resolved;
}

function hint(path: readonly string[], outputs: Readonly<Record<string, Readonly<Record<string, string>>>>): string {
  if (path[0] !== 'resources') return '';
  const resource = path[1] === undefined ? undefined : outputs[path[1]];
  if (!resource) return `resources with outputs: ${Object.keys(outputs).sort().join(', ') || 'none'}`;
  return `resource ${path[1]} has outputs ${Object.keys(resource).sort().join(', ')}`;
}

/**
 * The names of the resources whose outputs `params` use (`${resources.<name>.<output>}` in any
 * text at any depth), sorted. Malformed texts use none (`resolveParams` reports them).
 */
export function paramsDependencies(params: unknown): string[] {
  const names = new Set<string>();
  for (const text of textsIn(params)) {
    try {
      for (const { path } of placeholdersIn(text)) if (path[0] === 'resources' && path[1] !== undefined) names.add(path[1]);
    } catch (error) {
      if (!(error instanceof PlaceholderError)) throw error;
    }
  }
  return [...names].sort();
}

/**
 * `params` with every `${resources.<name>.<output>}` replaced by that output and `$$` escapes undone
 * in every text, at any depth: what a provisioner is given. `outputs` is keyed by the service's own
 * names for its resources. A secret output (a `secret:` reference) is refused: params are recorded
 * in the clear. Returns every problem instead, each naming the param and what the resource has.
 */
export function resolveParams(
  params: Readonly<Record<string, unknown>>,
  outputs: Readonly<Record<string, Readonly<Record<string, string>>>>,
): { readonly params: Record<string, unknown> } | { readonly problems: readonly string[] } {
  const problems: string[] = [];
  const resolve = (value: unknown, path: string): unknown => {
    if (typeof value === 'string') {
      try {
        return substitute(value, (placeholder) => {
          const output = placeholder.length === 3 && placeholder[0] === 'resources' ? outputs[placeholder[1]!]?.[placeholder[2]!] : undefined;
          if (output !== undefined && secretRefName(output) !== undefined) {
            problems.push(`param ${path}: output ${placeholder[2]} of resource ${placeholder[1]} is a secret, and params are recorded in the clear; pass it to the workload in a variable instead`);
            return '';
          }
          return output;
        });
      } catch (error) {
        const unresolved = error instanceof PlaceholderError ? error.unresolved : [];
        const hints = unresolved.map(({ path: p }) => hint(p, outputs)).filter(Boolean);
        problems.push(`param ${path}: ${errorMessage(error)}${hints.length ? ` (${hints.join('; ')})` : ''}`);
        return value;
      }
    }
    if (Array.isArray(value)) return value.map((item, index) => resolve(item, `${path}[${index}]`));
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolve(item, `${path}.${key}`)]));
    return value;
  };
  const resolved = Object.fromEntries(Object.entries(params).map(([key, value]) => [key, resolve(value, key)]));
  return problems.length > 0 ? { problems } : { params: resolved };
}

function textsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(textsIn);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(textsIn);
  return [];
}
