/**
 * Names the API server and the controllers generate: the 5-character suffix of a `generateName`
 * (`web-x2x8k`) and a Deployment's pod-template-hash (`web-7c5ddbdf54`). Kubernetes draws the
 * suffix at random; podnet derives it from what is being named, so the same files give the same
 * names. Both use Kubernetes' SafeEncodeString alphabet (no vowels, no look-alikes).
 */
import { Rng } from '../sim/rng.js';

/** FNV-1a over a string, for stable generated names. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function kubeSafe(seed: number, length: number): string {
  const rng = new Rng(seed);
  let out = '';
  for (let i = 0; i < length; i++) out += SAFE_ALPHABET[Math.floor(rng.next() * SAFE_ALPHABET.length)];
  return out;
}

/** A Deployment's pod-template-hash: stable per (name, template). */
export function templateHash(deployment: string, template: unknown): string {
  return kubeSafe(fnv1a(`${deployment}/${JSON.stringify(template)}`), 10);
}

/**
 * The name of the `index`-th pod a controller creates: `<prefix>-<5 chars>`, drawing again, as the
 * API server's generateName would, while the name is taken. `seed` says whose pod it is.
 */
export function generatedPodName(
  prefix: string,
  seed: string,
  index: number,
  taken: (name: string) => boolean,
): string {
  for (let attempt = 0; ; attempt++) {
    const name = `${prefix.slice(0, 58)}-${kubeSafe(fnv1a(`${seed}/${index}/${attempt}`), 5)}`;
    if (!taken(name)) return name;
  }
}
