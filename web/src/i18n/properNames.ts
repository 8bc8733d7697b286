/**
 * Place names that keep their Vietnamese spelling in English text (as English-language maps
 * of Vietnam write them). Tests that check an English UI for left-over Vietnamese remove these
 * first; data-driven names (stations, wards from the catalogue) are marked in the DOM with
 * `data-proper-name` instead.
 */
export const PROPER_NAMES: readonly string[] = ['Thủ Dầu Một', 'Bình Dương', 'Sài Gòn', 'Phú Cường'];

/**
 * Letters that occur in Vietnamese but not in English (nor commonly in French/Spanish words
 * borrowed into English): ă â đ ê ô ơ ư, ĩ ũ, and the Vietnamese block of precomposed letters
 * with a hook above or a dot below (U+1EA0–U+1EF9: ạ ả ấ ầ ẩ ẫ ậ … ỹ).
 */
export const VIETNAMESE_ONLY_LETTERS = /[ăâđêôơưĂÂĐÊÔƠƯĩũĨŨ\u1EA0-\u1EF9]/u;

/** `text` with the allowed proper names removed, for a left-over-Vietnamese check. */
export function withoutProperNames(text: string): string {
  let out = text;
  for (const n of PROPER_NAMES) out = out.split(n).join(' ');
  return out;
}
