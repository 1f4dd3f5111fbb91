/**
 * Escaping for values that go into LDAP distinguished names and search filters.
 * A VPN user name is a value, never syntax: without these, `a,b=c` would add an RDN
 * and `*)(uid=*` would widen a search to every account.
 */

const hex = (char: string): string =>
  [...Buffer.from(char, 'utf8')].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('');

const isControl = (char: string): boolean => {
  const code = char.codePointAt(0) ?? 0;
  return code < 0x20 || code === 0x7f;
};

/**
 * Escape one attribute value for use inside a DN (RFC 4514, section 2.4).
 * The characters the RFC requires escaping get a backslash; `=` is escaped too
 * (allowed by the RFC) because some servers mis-split unescaped ones; control
 * characters are hex-escaped so a DN never carries a raw NUL or newline.
 */
export function escapeDnValue(value: string): string {
  const chars = [...value];
  return chars
    .map((char, i) => {
      if (char === '\0' || isControl(char)) return hex(char);
      if ('"+,;<>\\='.includes(char)) return `\\${char}`;
      if (i === 0 && (char === ' ' || char === '#')) return `\\${char}`;
      if (i === chars.length - 1 && char === ' ') return '\\ ';
      return char;
    })
    .join('');
}

/**
 * Escape one assertion value for use inside a search filter (RFC 4515, section 3):
 * `*`, `(`, `)`, `\` and NUL become `\2a`, `\28`, `\29`, `\5c`, `\00`; other
 * control characters are hex-escaped as well. Non-ASCII stays UTF-8, as the RFC allows.
 */
export function escapeFilterValue(value: string): string {
  return [...value].map((char) => ('*()\\'.includes(char) || isControl(char) ? hex(char) : char)).join('');
}
