/**
 * JSON text of an HTTP answer. A frozen payload is one a read hands out again while nothing
 * changed (status), so its text is made once and kept as long as the payload lives.
 */
const texts = new WeakMap<object, string>();

export function serializeReply(payload: unknown): string {
  if (payload === null || typeof payload !== 'object' || !Object.isFrozen(payload)) return JSON.stringify(payload);
  let text = texts.get(payload);
  if (text === undefined) {
    text = JSON.stringify(payload);
    texts.set(payload, text);
  }
  return text;
}
