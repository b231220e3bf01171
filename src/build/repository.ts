/**
 * Which repository a service's source names, as a webhook names it. Pure: no I/O.
 */

/**
 * The path of the repository that `source` (a service's `source.repository`) names on its host, as
 * GitHub (`owner/name`) and GitLab (`group/…/name`) name repositories: without leading or trailing
 * slashes and without `.git`, in the case it was written in. Understands URLs (`https://`,
 * `http://`, `ssh://`, `git://`, `git+ssh://`) and scp-like `user@host:path`. Undefined for a
 * local path, a `file://` URL, or anything without a path: those name no repository on a host.
 */
export function repositoryPath(source: string): string | undefined {
  const trimmed = source.trim();
  const url = /^(?:https?|ssh|git|git\+ssh):\/\//i.test(trimmed) ? parseUrl(trimmed) : undefined;
  const scp = url === undefined ? /^(?:[^@/\s]+@)?[^:/\s]+:(?!\/\/)(.+)$/.exec(trimmed)?.[1] : undefined;
  const path = (url ?? scp)?.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/i, '').replace(/\/+$/, '');
  return path || undefined;
}

/**
 * Whether a push that a GitHub or GitLab webhook announced is to the repository `source` names:
 * the same path, compared without case, `.git` or trailing slashes. The host is not compared (a
 * webhook names none; GitHub Enterprise and GitLab live on any host), and both providers name a
 * repository by its path. A local path or `file://` source matches no push.
 */
export function sameRepository(source: string, pushed: { readonly provider: 'github' | 'gitlab'; readonly repository: string }): boolean {
  const path = repositoryPath(source);
  const named = pushed.repository.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/i, '');
  return path !== undefined && named !== '' && path.toLowerCase() === named.toLowerCase();
}

function parseUrl(text: string): string | undefined {
  try {
    return decodeURIComponent(new URL(text).pathname);
  } catch {
    return undefined;
  }
}
