// Test fixture: a strict little XML reader for the charts' markup, so tests inspect elements and
// attributes rather than match strings, and any unbalanced tag, unquoted attribute or raw `<`/`&` in
// text fails. Other packages' tests import it as @mnist/charts/testing.

/** One element: its name, attributes (entities decoded), children and direct text. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITY = /&(amp|lt|gt|quot|#39);/g;
const DECODE: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };
const decode = (s: string) => s.replace(ENTITY, (_m, e: string) => DECODE[e]);

function checkText(text: string, at: number): void {
  const bare = text.replace(ENTITY, '');
  if (/[<&>]/.test(bare)) throw new SyntaxError(`raw markup character in text near offset ${at}: ${JSON.stringify(text.slice(0, 40))}`);
}

/**
 * Parses one XML element (an `<svg>`): throws on anything not well-formed.
 * @example parseXml('<svg><g/></svg>').children[0].name === 'g'
 */
export function parseXml(markup: string): XmlElement {
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
  const attr = /\s+([\w:-]+)="([^"<]*)"/g;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let i = 0;
  while (i < markup.length) {
    const lt = markup.indexOf('<', i);
    const text = markup.slice(i, lt === -1 ? markup.length : lt);
    checkText(text, i);
    if (text.trim() !== '') {
      if (stack.length === 0) throw new SyntaxError(`text outside the root element at offset ${i}`);
      stack[stack.length - 1].text += decode(text);
    }
    if (lt === -1) break;
    tag.lastIndex = lt;
    const m = tag.exec(markup);
    if (!m) throw new SyntaxError(`malformed tag at offset ${lt}: ${JSON.stringify(markup.slice(lt, lt + 60))}`);
    const [, closing, name, attrText, selfClosing] = m;
    if (closing) {
      const open = stack.pop();
      if (open?.name !== name) throw new SyntaxError(`</${name}> closes <${open?.name ?? 'nothing'}> at offset ${lt}`);
      if (stack.length === 0) root = open;
    } else {
      const attrs: Record<string, string> = {};
      for (const a of attrText.matchAll(attr)) {
        if (a[1] in attrs) throw new SyntaxError(`attribute ${a[1]} twice on <${name}>`);
        attrs[a[1]] = decode(a[2]);
      }
      const element: XmlElement = { name, attrs, children: [], text: '' };
      if (stack.length > 0) stack[stack.length - 1].children.push(element);
      else if (root) throw new SyntaxError('a second root element');
      if (selfClosing) {
        if (stack.length === 0) root = element;
      } else stack.push(element);
    }
    i = tag.lastIndex;
  }
  if (stack.length > 0 || !root) throw new SyntaxError(`unclosed <${stack[stack.length - 1]?.name ?? 'root'}>`);
  return root;
}

/**
 * Every element under (and including) `root` whose name is `name` and, when given, whose class list holds `className`.
 * @example findAll(parseXml(svg), 'circle', 'point').length
 */
export function findAll(root: XmlElement, name: string, className?: string): XmlElement[] {
  const found: XmlElement[] = [];
  const visit = (e: XmlElement) => {
    if (e.name === name && (className === undefined || (e.attrs.class ?? '').split(/\s+/).includes(className))) found.push(e);
    e.children.forEach(visit);
  };
  visit(root);
  return found;
}
