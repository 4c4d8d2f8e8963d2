import type { CostReport } from './cost';
import type { CostLine } from './cost-lines';

/** Renderings of a cost report: a terminal table, a Markdown page and JSON. Deterministic: no clock, fixed order. */

const usd = (value: number) => value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const quantity = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: value >= 100 ? 0 : 2 });
const percent = (share: number) => `${(share * 100).toLocaleString('en-US', { maximumFractionDigits: 1 })} %`;

/** A line's quantity with its unit, singular for exactly one. */
function amount(item: CostLine): string {
  return `${quantity(item.quantity)} ${item.quantity === 1 ? item.unit.replace(/s$/, '') : item.unit}`;
}

function unitPrice(item: CostLine): string {
  if (item.unitPriceUsd === undefined) return 'not priced';
  return `${item.unitPriceUsd.toLocaleString('en-US', { maximumFractionDigits: 10 })}${item.priceConfirmed ? '' : '*'} / ${item.priceUnit}`;
}

/** The budget verdict, one line. */
export function budgetLine(report: CostReport): string {
  const { budget } = report;
  const head = `budget: estimate ${usd(budget.expectedUsd)} USD a month = ${percent(budget.shareOfBudget)} of scope.monthlyBudgetUsd ${usd(budget.monthlyBudgetUsd)}`;
  if (!budget.overBudget) return `${head}: within budget`;
  return `${head}: OVER by ${usd(budget.expectedUsd - budget.monthlyBudgetUsd)} USD (${budget.action === 'fail' ? 'fails: scope.budgetAction is fail' : 'warning; set scope.budgetAction to fail to fail instead'})`;
}

function spotLine(report: CostReport): string | undefined {
  const { spot } = report;
  if (spot === undefined) return undefined;
  return `spot training: saves up to ${usd(spot.maxSavingUsd)} USD of the ${usd(spot.onDemandTrainingUsd)} on-demand training (${spot.maxSavingFraction * 100} %, managed spot training's stated maximum); not taken off the total`;
}

function header(report: CostReport): string[] {
  const { load } = report;
  return [
    `cost estimate: ${report.environment} (${report.region}), a month of ${report.hoursPerMonth} hours; on-demand ${report.priceRegion} prices checked ${report.pricesChecked}`,
    `load: ${load.peakRequestsPerSecond} requests/s for ${quantity(load.peakHoursPerMonth)} h a month = ${quantity(load.requestsPerMonth)} requests; ${quantity(load.peakConcurrentRequests)} concurrent at peak`,
  ];
}

/** The terminal table; `markdownFile` is where the Markdown report with every price's source was written. */
export function formatCostTable(report: CostReport, markdownFile: string): string {
  const headings = ['section', 'item', 'quantity', 'unit price (USD)', 'USD/month', 'idle'];
  const rows = report.lines.map((item) => [item.section, item.item, amount(item), unitPrice(item), usd(item.monthlyUsd), item.idle ? 'yes' : '']);
  const totals = [
    ['', 'total, expected', '', '', usd(report.totals.expectedUsd), ''],
    ['', 'total when idle (no requests, no runs)', '', '', usd(report.totals.idleUsd), 'yes'],
  ];
  const all = [headings, ...rows, ...totals];
  const widths = headings.map((_, column) => Math.max(...all.map((row) => row[column].length)));
  const render = (cells: string[]) => cells.map((cell, column) => (column === 4 ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join('  ').trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  const lines = [...header(report), '', render(headings), ...rows.map(render), rule, ...totals.map(render), ''];
  const spot = spotLine(report);
  if (spot !== undefined) lines.push(spot);
  lines.push(budgetLine(report));
  lines.push('', 'assumptions:', ...report.assumptions.map((a) => `  ${a.name}: ${a.value}${a.from === 'config' ? '' : a.from === 'default' ? ' (default)' : ' (kit)'}`));
  if (report.notes.length > 0) lines.push('notes:', ...report.notes.map((note) => `  - ${note}`));
  lines.push(`* price not confirmed by an AWS page: sources in ${markdownFile} and lib/catalog/prices.ts`);
  return `${lines.join('\n')}\n`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** The Markdown report (reports/<env>/cost.md). */
export function formatCostMarkdown(report: CostReport): string {
  const lines = [`# Cost estimate: ${report.environment}`, '', ...header(report).map((text) => `${text}  `), ''];
  lines.push('| section | item | quantity | how | unit price (USD) | USD/month | idle |', '|---|---|---:|---|---|---:|---|');
  for (const item of report.lines) {
    lines.push(`| ${item.section} | ${cell(item.item)} | ${amount(item)} | ${cell(item.detail)} | ${cell(unitPrice(item))} | ${usd(item.monthlyUsd)} | ${item.idle ? 'yes' : ''} |`);
  }
  lines.push(`| | **total, expected** | | | | **${usd(report.totals.expectedUsd)}** | |`);
  lines.push(`| | **total when idle** (no requests, no runs) | | | | **${usd(report.totals.idleUsd)}** | yes |`, '');
  const spot = spotLine(report);
  if (spot !== undefined) lines.push(`${spot} (source: ${report.spot?.source})`, '');
  lines.push(`**${budgetLine(report)}**`, '', '## Assumptions', '');
  lines.push(...report.assumptions.map((a) => `- \`${a.name}\`: ${a.value}${a.from === 'config' ? ' (config)' : a.from === 'default' ? ' (default: the field is absent)' : ' (kit assumption)'}`), '');
  if (report.notes.length > 0) lines.push('## Notes', '', ...report.notes.map((note) => `- ${note}`), '');
  lines.push('## Prices', '', `On-demand, ${report.priceRegion}, checked ${report.pricesChecked}; * marks a price no AWS page in the stored sources confirmed.`, '');
  lines.push('| price | USD | unit | source |', '|---|---:|---|---|');
  const seen = new Set<string>();
  for (const item of report.lines) {
    const key = `${item.priceUnit}|${item.unitPriceUsd}|${item.source}`;
    if (seen.has(key)) continue;
    seen.add(key);
    lines.push(`| ${cell(item.item)} | ${item.unitPriceUsd === undefined ? '-' : `${item.unitPriceUsd.toLocaleString('en-US', { maximumFractionDigits: 10 })}${item.priceConfirmed ? '' : '*'}`} | ${cell(item.priceUnit)} | ${cell(item.source)} (${item.checked}) |`);
  }
  return `${lines.join('\n')}\n`;
}

/** The JSON report (reports/<env>/cost.json and --json). */
export function formatCostJson(report: CostReport | readonly CostReport[]): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
