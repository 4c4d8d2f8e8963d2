import type { AgentTool } from './tool';
import { ToolError } from './tool';

/** Name of the built-in date and time tool. */
export const CURRENT_TIME_TOOL = 'current_time';

/** What current_time answers. */
export interface CurrentTime {
  /** The instant, ISO 8601 in UTC: `2025-03-04T05:06:07.000Z`. */
  readonly utc: string;
  /** The IANA time zone, as Intl names it (`UTC` when none was asked). */
  readonly timeZone: string;
  /** The wall-clock date and time there, `2025-03-04T06:06:07`. */
  readonly localDateTime: string;
  /** The zone's offset from UTC at that instant, `+01:00`. */
  readonly utcOffset: string;
  /** The day of the week there, in English. */
  readonly weekday: string;
}

/**
 * The date and time at `epochMs` in an IANA time zone (validated by Intl:
 * `Europe/Paris`, `America/New_York`, `UTC`). Throws a ToolError naming
 * `timeZone` when Intl does not know the zone.
 */
export function currentTime(epochMs: number, timeZone = 'UTC'): CurrentTime {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      weekday: 'long',
      timeZoneName: 'longOffset',
    });
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new ToolError(`input.timeZone: received ${JSON.stringify(timeZone)}; allowed: an IANA time zone such as "Europe/Paris", "America/New_York" or "UTC"`);
  }
  const date = new Date(epochMs);
  const parts = Object.fromEntries(format.formatToParts(date).map((part) => [part.type, part.value]));
  // longOffset reads "GMT+05:30", or "GMT" for a zero offset.
  const offset = /^GMT([+-]\d{2}:\d{2})?$/.exec(parts.timeZoneName ?? '')?.[1] ?? '+00:00';
  return {
    utc: date.toISOString(),
    timeZone: format.resolvedOptions().timeZone,
    localDateTime: `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`,
    utcOffset: offset,
    weekday: parts.weekday,
  };
}

/** The current_time tool, reading the injected clock. */
export function currentTimeTool(now: () => number): AgentTool {
  return {
    name: CURRENT_TIME_TOOL,
    description:
      'Returns the current date, time and day of the week, in UTC and in a time zone. Use it whenever the answer depends on today\'s date or the time '
      + '(ages, deadlines, "how many days until"). The timeZone is an IANA name such as "Europe/Paris" or "America/New_York"; without it, UTC.',
    inputSchema: {
      type: 'object',
      properties: {
        timeZone: { type: 'string', minLength: 1, maxLength: 64, description: 'An IANA time zone name, for example "Asia/Tokyo". Default: UTC.' },
      },
      additionalProperties: false,
    },
    run: async (input) => ({ ...currentTime(now(), input.timeZone as string | undefined) }),
  };
}
