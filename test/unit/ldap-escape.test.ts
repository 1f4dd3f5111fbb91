import { describe, expect, it } from 'vitest';
import { escapeDnValue, escapeFilterValue } from '../../drivers/directory/escape';

describe('escapeDnValue (RFC 4514)', () => {
  it('escapes the RFC 4514 example values', () => {
    expect(escapeDnValue('James "Jim" Smith, III')).toBe('James \\"Jim\\" Smith\\, III');
    expect(escapeDnValue('Sue, Grabbit and Runn')).toBe('Sue\\, Grabbit and Runn');
  });

  it('escapes every special character, = included, so a value never splits into RDNs', () => {
    expect(escapeDnValue('a,b=c*)(uid=*')).toBe('a\\,b\\=c*)(uid\\=*');
    expect(escapeDnValue('x+y;z<w>v\\u')).toBe('x\\+y\\;z\\<w\\>v\\\\u');
  });

  it('escapes a leading space or # and a trailing space, but not inner ones', () => {
    expect(escapeDnValue(' #a b ')).toBe('\\ #a b\\ ');
    expect(escapeDnValue('#hash')).toBe('\\#hash');
    expect(escapeDnValue('a#b')).toBe('a#b');
    expect(escapeDnValue(' ')).toBe('\\ ');
  });

  it('hex-escapes NUL and control characters and leaves UTF-8 letters alone', () => {
    expect(escapeDnValue('a\0b\nc')).toBe('a\\00b\\0ac');
    expect(escapeDnValue('Lučić')).toBe('Lučić');
  });
});

describe('escapeFilterValue (RFC 4515)', () => {
  it('escapes the RFC 4515 example values', () => {
    expect(escapeFilterValue('Parens R Us (for all your parenthetical needs)')).toBe('Parens R Us \\28for all your parenthetical needs\\29');
    expect(escapeFilterValue('*')).toBe('\\2a');
    expect(escapeFilterValue('C:\\MyFile')).toBe('C:\\5cMyFile');
    expect(escapeFilterValue('a\0b')).toBe('a\\00b');
  });

  it('turns an injection attempt into one literal value', () => {
    expect(escapeFilterValue('a,b=c*)(uid=*')).toBe('a,b=c\\2a\\29\\28uid=\\2a');
    // No raw parenthesis or wildcard survives: the filter keeps exactly its own outer pair.
    expect(escapeFilterValue('*)(|(uid=*')).not.toMatch(/[()*]/);
  });

  it('leaves DN specials and UTF-8 alone, which mean nothing inside a filter value', () => {
    expect(escapeFilterValue('x,y=z+w;"')).toBe('x,y=z+w;"');
    expect(escapeFilterValue('jürgen')).toBe('jürgen');
  });
});
