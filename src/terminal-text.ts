/**
 * Text bound for a terminal or a log, made harmless: what Slipway prints holds names, versions,
 * messages and service output that others wrote, and a terminal acts on control characters.
 */

/** C0 controls but tab and newline, DEL, C1 controls, and the bidirectional formatting characters. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with each control character but newline and tab, DEL, and each bidirectional control
 * shown as `\u` and four hex digits (ESC as `\u001b`), so that printing it can neither move the
 * cursor, clear the screen, retitle the window nor reorder what a reader sees. Inside a JSON
 * string the escapes read back as the same characters, so JSON output may pass through it too.
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
