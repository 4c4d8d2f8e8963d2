import { HOURS_PER_MONTH } from '../catalog/instances';

/** Days in an average month (730 hours). */
export const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;

const RATE_MINUTES: Record<string, number> = { minute: 1, minutes: 1, hour: 60, hours: 60, day: 1440, days: 1440 };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** Values a cron field matches, counted (lists, ranges, steps, names); L, W and # count as one. */
function countField(field: string, low: number, high: number, names: readonly string[] = []): number {
  const value = (token: string): number => {
    const named = names.indexOf(token.toUpperCase());
    return named >= 0 ? named + low : Number(token);
  };
  let count = 0;
  for (const part of field.split(',')) {
    if (part === '*' || part === '?') {
      count += high - low + 1;
      continue;
    }
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    const [from, to] = range === '*' ? [low, high] : range.includes('-') ? range.split('-').map(value) : [value(range), stepText === undefined ? value(range) : high];
    if (!Number.isFinite(from) || !Number.isFinite(to)) {
      // L (last), W (nearest weekday), # (nth weekday): one day each.
      if (/^[0-9A-Z]*[LW#][0-9]*$/i.test(range)) {
        count += 1;
        continue;
      }
      return Number.NaN;
    }
    if (!Number.isFinite(step) || step <= 0 || to < from) return Number.NaN;
    count += Math.floor((to - from) / step) + 1;
  }
  return count;
}

/**
 * How many times an EventBridge schedule expression fires in an average
 * month: `rate(N unit)` exactly, `cron(minutes hours day-of-month month
 * day-of-week year)` by counting the values of each field. Undefined when
 * the expression cannot be read.
 */
export function firingsPerMonth(expression: string): number | undefined {
  const rate = /^rate\((\d+) (minutes?|hours?|days?)\)$/.exec(expression.trim());
  if (rate !== null) return (HOURS_PER_MONTH * 60) / (Number(rate[1]) * RATE_MINUTES[rate[2]]);
  const cron = /^cron\(([^)]+)\)$/.exec(expression.trim());
  if (cron === null) return undefined;
  const fields = cron[1].trim().split(/\s+/);
  if (fields.length !== 6) return undefined;
  const [minutes, hours, dayOfMonth, month, dayOfWeek] = fields;
  const perDay = countField(minutes, 0, 59) * countField(hours, 0, 23);
  const monthShare = countField(month, 1, 12, MONTHS) / 12;
  let days: number;
  // 6#3 (third Friday) and 5L (last Thursday) fire once a month each.
  if (dayOfMonth === '?' && /[#L]/i.test(dayOfWeek)) days = dayOfWeek.split(',').length;
  else if (dayOfMonth === '?' && dayOfWeek !== '?') days = (countField(dayOfWeek, 1, 7, WEEKDAYS) / 7) * DAYS_PER_MONTH;
  else if (dayOfMonth === '*' || dayOfMonth === '?') days = DAYS_PER_MONTH;
  else days = countField(dayOfMonth, 1, 31);
  const firings = perDay * days * monthShare;
  return Number.isFinite(firings) ? firings : undefined;
}
