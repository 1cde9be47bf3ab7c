/** What the self-contained HTML pages share (the weekly report, the evidence bundle): escaping, cells, the style. */

export const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

export const stamp = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16);

/** A table cell that names its column, so that a narrow screen can show it as a labelled line. */
export const cell = (label: string, html: string) => `<td data-label="${esc(label)}">${html}</td>`;

/** A table with its head; each cell labelled with its column for narrow screens. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return `<table><thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => cell(head[i] ?? '', c)).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** Inline CSS: readable on a desktop and on a phone (tables become labelled lines under 640 px). */
export const PAGE_STYLE = `body{font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1f2933;max-width:980px;margin:24px auto;padding:0 16px;line-height:1.4;overflow-wrap:anywhere}
h1{font-size:24px;margin-bottom:4px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #e4e7eb;padding-bottom:4px}
.summary{display:flex;gap:16px;flex-wrap:wrap;margin:16px 0}.card{border:1px solid #e4e7eb;border-radius:6px;padding:10px 16px;min-width:120px}
.card b{display:block;font-size:22px}.muted{color:#52606d}.wow{font-weight:bold}
svg{max-width:100%;height:auto}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{border-bottom:1px solid #e4e7eb;padding:6px 8px;text-align:left;vertical-align:top}
thead th{background:#f5f7fa}td:nth-child(-n+3){white-space:nowrap}.breaches td:last-child{white-space:normal}
tr.ticket th{background:#fbfcfd;padding-top:12px}dt{font-weight:bold}dd{margin:0 0 8px 0}
@media (max-width:640px){
body{margin:12px auto;padding:0 10px}
table,thead,tbody,tr,th,td{display:block}thead{display:none}td:nth-child(-n+3){white-space:normal}
tr{border-bottom:1px solid #e4e7eb;padding:4px 0}td{border:0;padding:2px 4px}
td[data-label]::before{content:attr(data-label) ": ";font-weight:bold;color:#52606d}
}`;
