/**
 * Which host page may talk to the bridge (docs/bridge.md, "Security rules the plugin applies"):
 * the allowed origins from the page config, where events go before the host has spoken, and the
 * check every incoming message passes first.
 *
 * Pure: it imports nothing from JupyterLab, so test/origins.test.ts runs it in Node.
 */

/** Parse the `nblaunchAllowedOrigins` page config option (a JSON array string). */
export function parseOrigins(raw: string): string[] {
  try {
    const value: unknown = JSON.parse(raw || '[]');
    return Array.isArray(value)
      ? value.filter((o): o is string => typeof o === 'string' && o !== '*')
      : [];
  } catch {
    return [];
  }
}

/**
 * Where events go before any host has spoken: with exactly one allowed origin it is known from
 * the start; with several, nobody is told anything until one of them sends a valid request.
 */
export function initialTarget(origins: readonly string[]): string | null {
  return origins.length === 1 ? origins[0] : null;
}

/** Whether a message event comes from the window that embeds us AND from an allowed origin. */
export function fromAllowedHost(
  event: { source: unknown; origin: string },
  parent: unknown,
  origins: readonly string[]
): boolean {
  return event.source === parent && origins.includes(event.origin);
}
