/**
 * Filling `${resources.<name>.<output>}` placeholders with provisioned outputs, at deploy time.
 */
import { PlaceholderError, substitute } from '../inputs/score/placeholders.js';
import { errorMessage } from '../errors.js';

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
