/** Who uses this page, as the server named them by their token. */
import { createContext, useContext } from 'react';
import type { Caller } from './types.js';

export const CallerContext = createContext<Caller>({ anonymous: true });

export function useCaller(): Caller {
  return useContext(CallerContext);
}

export function describeCaller(caller: Caller): string {
  if ('anonymous' in caller) return 'anonymous (read only)';
  const scope = caller.environments.length ? ` in ${caller.environments.join(', ')}` : '';
  return `${caller.name} · ${caller.role}${scope}`;
}
