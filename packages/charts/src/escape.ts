// Text for SVG and HTML markup: labels come from files (mnist.labels, dataset folders), so every string
// that reaches a chart is escaped here before it becomes markup.

// XML 1.0 refuses these control characters even escaped; a browser would stop parsing at one.
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * `text` safe inside an element or a quoted attribute of SVG or HTML: `& < > " '` as entities,
 * characters XML cannot hold as U+FFFD.
 * @example escapeXml('<b> & "c"') === '&lt;b&gt; &amp; &quot;c&quot;'
 */
export function escapeXml(text: string): string {
  return text.replace(NOT_XML, '\uFFFD').replace(/[&<>"']/g, (c) => ENTITIES[c]);
}
