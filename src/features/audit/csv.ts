// CSV (RFC 4180) for the audit export. A cell is quoted when it holds a comma, quote, CR or LF, with
// quotes doubled. A cell that a spreadsheet would run as a formula (it starts with = + - @, or a tab
// or CR that some spreadsheets skip first) gets a leading apostrophe, as OWASP advises: audit rows
// hold text an attacker chose (an email typed at sign-in, a subject), and the export is opened by
// the partner's security team.
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: unknown): string {
  let s = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  if (FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvRow = (values: unknown[]): string => `${values.map(csvCell).join(',')}\r\n`;
