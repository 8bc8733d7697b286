import { describe, expect, it } from 'vitest';
import { codePageLabel, resolveDbfEncoding, UnsupportedEncodingError } from './codepage.js';

describe('code pages in .cpg files', () => {
  it.each([
    ['UTF-8', 'utf-8'],
    ['utf8', 'utf-8'],
    ['65001', 'utf-8'],
    ['1258', 'windows-1258'],
    ['CP1258', 'windows-1258'],
    ['cp1258\r\n', 'windows-1258'],
    ['ANSI 1258', 'windows-1258'],
    ['windows-1258', 'windows-1258'],
    ['1252', 'windows-1252'],
    ['88591', 'windows-1252'], // ISO-8859-1 is decoded as its superset windows-1252 (WHATWG)
    ['8859_2', 'iso-8859-2'],
    ['ISO-8859-15', 'iso-8859-15'],
    ['936', 'gbk'],
    ['big5', 'big5'],
  ])('%j → %s', (cpg, label) => {
    expect(codePageLabel(cpg)).toBe(label);
  });

  it('refuses code pages it cannot decode instead of garbling the names', () => {
    expect(() => codePageLabel('TCVN3')).toThrow(UnsupportedEncodingError);
    expect(() => codePageLabel('TCVN3')).toThrow(/TCVN3 .* cannot be decoded here; convert the \.dbf/);
    expect(() => codePageLabel('VISCII')).toThrow(/VISCII/);
    expect(() => codePageLabel('437')).toThrow('code page 437 cannot be decoded here');
    expect(() => codePageLabel('klingon')).toThrow('"klingon" is not an encoding this reader knows');
  });

  it('decodes Vietnamese bytes as the label says', () => {
    // "Đức" in code page 1258: Đ = 0xD0, ư = 0xFD, c, then the combining acute accent (0xEC).
    const text = new TextDecoder(codePageLabel('1258')).decode(new Uint8Array([0xd0, 0xfd, 0xec, 0x63]));
    expect(text.normalize('NFC')).toBe('Đức');
  });
});

describe('resolveDbfEncoding', () => {
  it('prefers the option, then the .cpg, then the language driver byte', () => {
    expect(resolveDbfEncoding({ option: '1258', cpg: 'UTF-8', ldid: 3 })).toMatchObject({
      label: 'windows-1258',
      from: 'option',
    });
    expect(resolveDbfEncoding({ cpg: 'UTF-8', ldid: 3 })).toMatchObject({ label: 'utf-8', from: 'cpg' });
    expect(resolveDbfEncoding({ cpg: '  ', ldid: 3 })).toMatchObject({ label: 'windows-1252', from: 'ldid' });
    expect(resolveDbfEncoding({ ldid: 0xc9 })).toMatchObject({ label: 'windows-1251', from: 'ldid' });
  });

  it('reads "ANSI" (87) as windows-1252 like GDAL, with a note pointing Vietnamese users to 1258', () => {
    const e = resolveDbfEncoding({ ldid: 87 });
    expect(e.label).toBe('windows-1252');
    expect(e.note).toMatch(/windows-1258/);
  });

  it('guesses UTF-8 when nothing says, and marks it as a guess', () => {
    expect(resolveDbfEncoding({ ldid: 0 })).toMatchObject({ label: 'utf-8', from: 'default', guessed: true });
  });

  it('refuses a DOS code page it cannot decode', () => {
    expect(() => resolveDbfEncoding({ ldid: 1 })).toThrow(
      /language driver byte \(1\) says DOS code page 437/,
    );
  });
});
