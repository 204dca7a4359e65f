/**
 * The bridge's messages on the wire (docs/bridge.md, "Messages"): what a message is, which ones
 * the bridge reads, and the bounded queue of events that wait for the host's origin.
 *
 * Pure: it imports nothing from JupyterLab, so test/messages.test.ts runs it in Node.
 */

/** A bridge message on the wire. */
export interface IMessage {
  nblaunch: number;
  type: string;
  id?: string | number;
  [key: string]: unknown;
}

/**
 * The message in a message event's `data`, or null when it is not one: not an object, another
 * protocol version, or no string `type`. Such messages are ignored without a reply.
 */
export function readMessage(data: unknown, protocol: number): IMessage | null {
  if (!data || typeof data !== 'object') {
    return null;
  }
  const message = data as Partial<IMessage>;
  if (message.nblaunch !== protocol || typeof message.type !== 'string') {
    return null;
  }
  return message as IMessage;
}

/** Append `item`, then drop the oldest items beyond `max`, so a silent host costs nothing. */
export function enqueue<T>(queue: T[], item: T, max: number): void {
  queue.push(item);
  queue.splice(0, queue.length - max);
}
