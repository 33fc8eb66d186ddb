import { describe, expect, it } from 'vitest';
import { escapeXml } from './escape.js';

describe('escapeXml', () => {
  it('escapes markup characters and replaces those XML cannot hold', () => {
    expect(escapeXml(`<script>&"'`)).toBe('&lt;script&gt;&amp;&quot;&#39;');
    expect(escapeXml('a\u0000b\u001Fc\td')).toBe('a\uFFFDb\uFFFDc\td');
    expect(escapeXml('é 7')).toBe('é 7');
  });
});
