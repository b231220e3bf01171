/**
 * The bytes a hook receives for an event: Slipway's JSON, or a Slack-compatible message. Pure.
 */
import type { SlipwayEvent } from '../store/types.js';
import type { HookFormat } from './schema.js';

/** Slipway's own body: the event as recorded, minus its store-internal `seq`. */
export interface JsonBody {
  readonly type: string;
  readonly service: string | null;
  readonly environment: string | null;
  readonly actor: string;
  readonly message: string;
  /** ISO 8601, UTC. */
  readonly at: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** A Slack incoming-webhook message: `text` alone is enough; `blocks` adds layout. */
export interface SlackBody {
  readonly text: string;
  readonly blocks: readonly unknown[];
}

/** The body for `format`, serialised: the exact string that is signed and sent. */
export function renderBody(format: HookFormat, event: SlipwayEvent): string {
  return JSON.stringify(format === 'slack' ? slackBody(event) : jsonBody(event));
}

function jsonBody(event: SlipwayEvent): JsonBody {
  const { type, service, environment, actor, message, at, data } = event;
  return { type, service, environment, actor, message, at: at.toISOString(), data };
}

function slackBody(event: SlipwayEvent): SlackBody {
  const text = describeEvent(event);
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: escapeSlack(text) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: escapeSlack(`${event.type} · ${event.at.toISOString()}`) }] },
    ],
  };
}

/** One readable sentence: "web in prod: verification failed: error rate 12% (by alice)". */
export function describeEvent(event: Pick<SlipwayEvent, 'service' | 'environment' | 'message' | 'actor'>): string {
  const subject = [event.service, event.environment].filter((part) => part !== null).join(' in ');
  return `${subject === '' ? 'Slipway' : subject}: ${event.message} (by ${event.actor})`;
}

/** Slack's mrkdwn treats `&`, `<` and `>` as control characters. */
function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
