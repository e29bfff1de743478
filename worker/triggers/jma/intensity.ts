/** JMA seismic intensity classes (震度階級), in order. "5-" is 震度5弱, "5+" 震度5強. */
export const INTENSITIES = ["1", "2", "3", "4", "5-", "5+", "6-", "6+", "7"] as const;
export type Intensity = (typeof INTENSITIES)[number];

export const isIntensity = (v: string): v is Intensity => (INTENSITIES as readonly string[]).includes(v);

export const intensityRank = (v: Intensity): number => INTENSITIES.indexOf(v);

export const atLeast = (v: Intensity, threshold: Intensity): boolean => intensityRank(v) >= intensityRank(threshold);

export function maxIntensity(values: Iterable<Intensity | null | undefined>): Intensity | null {
  let best: Intensity | null = null;
  for (const v of values) if (v && (best === null || intensityRank(v) > intensityRank(best))) best = v;
  return best;
}

/** How people read it: 震度5弱. */
export function intensityJa(v: Intensity): string {
  return `震度${v.replace("-", "弱").replace("+", "強")}`;
}

/** How English readers see it: intensity 5 lower. */
export function intensityEn(v: Intensity): string {
  return `intensity ${v.replace("-", " lower").replace("+", " upper")}`;
}
