/** One line a reader of the run's last lines can act on: which test, and what went wrong. */
export function failureLine(fullTitle: string, err: { message?: string } | undefined): string {
  const firstLine = String(err?.message ?? err ?? '').split('\n').find((line) => line.trim() !== '') ?? '';
  return `${fullTitle}: ${firstLine.trim().slice(0, 300)}`;
}
