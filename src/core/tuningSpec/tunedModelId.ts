/** What the Gemini API accepts as a `tunedModelId`. */
export const TUNED_MODEL_ID_PATTERN = /^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/;
const MAX_LENGTH = 40;

/** Latin letters that Unicode decomposition leaves whole. */
const SPELLED_OUT: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i' };

/**
 * A valid tuned model id made from a name a person typed, so that "support bot" becomes
 * `support-bot` rather than being refused: lowercase, accents dropped, every run of other
 * characters one hyphen, `model-` in front of a leading digit, at most 40 characters (cut at a
 * hyphen when one is near). A trailing `.tuning.yaml` is dropped. Undefined when the name has no
 * Latin letter or digit at all.
 */
export function tunedModelIdFromName(name: string): string | undefined {
  const words = name
    .trim()
    .replace(/\.tuning\.ya?ml$/i, '')
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[ßæœøłđðþı]/g, (c) => SPELLED_OUT[c])
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  if (words.length === 0) return undefined;
  const id = words.join('-');
  return fitLength(/^[a-z]/.test(id) ? id : `model-${id}`, MAX_LENGTH);
}

/** `id-n`, still a valid id (`id` is shortened if needed): the name for the n-th file of the same id. */
export function numberedTunedModelId(id: string, n: number): string {
  const suffix = `-${n}`;
  return `${fitLength(id, MAX_LENGTH - suffix.length)}${suffix}`;
}

function fitLength(id: string, max: number): string {
  if (id.length <= max) return id;
  const cut = id.slice(0, max);
  if (id[max] === '-') return cut;
  const hyphen = cut.lastIndexOf('-');
  return (hyphen >= max / 2 ? cut.slice(0, hyphen) : cut).replace(/-+$/, '');
}
