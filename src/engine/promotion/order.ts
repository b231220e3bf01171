/** The environment graph: environments in promotion order, each after every one it promotes from. */
import type { Environment } from '../../inputs/index.js';

/** Names in an order where each environment follows those it promotes from; ties keep file order. The loader has refused cycles. */
export function promotionOrder(environments: Readonly<Record<string, Environment>>): string[] {
  const done = new Set<string>();
  const order: string[] = [];
  const names = Object.keys(environments);
  while (order.length < names.length) {
    const next = names.find((n) => !done.has(n) && environments[n]!.promotesFrom.every((from) => done.has(from)));
    if (!next) break;
    done.add(next);
    order.push(next);
  }
  return order;
}
