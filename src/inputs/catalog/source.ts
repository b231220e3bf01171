/**
 * Where a Component's code lives, from the annotations Backstage and its integrations write:
 * `backstage.io/source-location` (`url:<url>` or `dir:<path>`), `github.com/project-slug`,
 * `gitlab.com/project-slug`. Pure: a local directory is named here, looked into by the caller.
 */
import { isAbsolute, resolve } from 'node:path';
import type { Problem } from '../yaml-source.js';

/** The annotations that name a source, in the order they are read: the first one given counts. */
export const SOURCE_ANNOTATIONS = ['backstage.io/source-location', 'github.com/project-slug', 'gitlab.com/project-slug'] as const;
type SourceAnnotation = (typeof SOURCE_ANNOTATIONS)[number];

/**
 * A source: a directory on this machine (absolute), or a git repository Slipway cannot look into
 * before it builds, with the directory of the checkout the Component lives in (`context`, absent: its root).
 */
export type SourceLocation =
  | { readonly kind: 'dir'; readonly annotation: SourceAnnotation; readonly dir: string }
  | { readonly kind: 'repository'; readonly annotation: SourceAnnotation; readonly repository: string; readonly context?: string };

const SLUG = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/;

/**
 * The source the first of `SOURCE_ANNOTATIONS` given names, `dir:` paths resolved against
 * `catalogDir` (absolute); undefined when none is given. A malformed value is a problem at its annotation.
 */
export function sourceLocation(annotations: Readonly<Record<string, string>>, catalogDir: string, problems: Problem[]): SourceLocation | undefined {
  const annotation = SOURCE_ANNOTATIONS.find((key) => annotations[key] !== undefined);
  if (annotation === undefined) return undefined;
  const value = annotations[annotation]!.trim();
  const problem = (message: string) => void problems.push({ path: ['metadata', 'annotations', annotation], message });
  if (annotation !== 'backstage.io/source-location') {
    const slug = value.replace(/^\/+|\/+$/g, '');
    if (!SLUG.test(slug)) return problem(`expected <owner>/<repository>, got ${JSON.stringify(value)}`);
    if (annotation === 'github.com/project-slug' && slug.split('/').length !== 2) return problem(`expected <owner>/<repository>, got ${JSON.stringify(value)}`);
    return { kind: 'repository', annotation, repository: `https://${annotation.split('/')[0]}/${slug}.git` };
  }
  const [, type, target] = /^(url|dir):(.*)$/.exec(value) ?? [];
  if (type === 'dir' && target) return { kind: 'dir', annotation, dir: isAbsolute(target) ? resolve(target) : resolve(catalogDir, target) };
  if (type === 'url' && target) {
    const repository = repositoryOfUrl(target);
    if (repository) return { kind: 'repository', annotation, ...repository };
    return problem(`expected an http(s), ssh or git URL after "url:", got ${JSON.stringify(target)}`);
  }
  return problem(`expected url:<repository URL> or dir:<path>, got ${JSON.stringify(value)}`);
}

/**
 * The repository and directory a browsing URL points at: `https://github.com/o/r/tree/main/web`
 * → `https://github.com/o/r.git` and `web` (`blob/<ref>/<file>`: the file's directory; GitLab's
 * `/-/tree/<ref>/<dir>` and Bitbucket's `/src/<ref>/<dir>` the same way); another URL is the
 * repository itself. Undefined for what is no URL git can clone.
 */
export function repositoryOfUrl(text: string): { repository: string; context?: string } | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (!['https:', 'http:', 'ssh:', 'git:'].includes(url.protocol) || url.hostname === '') return undefined;
  const parts = url.pathname.split('/').filter(Boolean);
  // GitLab: <repo>/-/tree/<ref>/<dir>; GitHub and others: <owner>/<repo>/tree/<ref>/<dir> (blob: a file in <dir>)
  const dash = parts.indexOf('-');
  const marker = dash >= 2 ? dash + 1 : parts.findIndex((part, i) => i >= 2 && (part === 'tree' || part === 'blob' || part === 'src'));
  const repoParts = marker >= 0 ? parts.slice(0, dash >= 2 ? dash : marker) : parts;
  if (repoParts.length === 0) return undefined;
  const below = marker >= 0 ? parts.slice(marker + 2) : [];
  const context = (parts[marker] === 'blob' ? below.slice(0, -1) : below).join('/');
  const path = repoParts.join('/').replace(/\.git$/, '');
  return { repository: `${url.protocol}//${url.host}/${path}.git`, ...(context !== '' && { context }) };
}
