/** Printing helpers: `--json` for machines, aligned tables for people. */

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n')
}

export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  return [line(headers), ...rows.map(line)].join('\n') + '\n'
}

export function printTable(headers: string[], rows: string[][], empty: string): void {
  process.stdout.write(rows.length === 0 ? empty + '\n' : formatTable(headers, rows))
}

/** Progress goes to stderr, so `--json` output on stdout stays parseable. */
export function progress(message: string): void {
  if (process.stderr.isTTY === true) process.stderr.write(`\r\x1b[2K${message}`)
  else process.stderr.write(message + '\n')
}

export function progressDone(message: string): void {
  if (process.stderr.isTTY === true) process.stderr.write(`\r\x1b[2K${message}\n`)
  else process.stderr.write(message + '\n')
}
