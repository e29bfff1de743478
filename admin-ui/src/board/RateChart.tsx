import { useEffect, useRef } from "preact/hooks";
import { percent } from "../format";
import { t } from "../i18n";
import type { Timeline } from "../types";
import type { RatePoints } from "./rate-chart-impl";

type Chart = ReturnType<typeof import("./rate-chart-impl").drawRateChart>;

/** Percent answered over time; ends at "now" with the current count so the line reaches the present. */
export function ratePoints(tl: Timeline, replied: number, nowSec: number): RatePoints {
  const whole = tl.recipients || 1;
  const t = [...tl.t];
  const rate = tl.cumulative.map((n) => (n / whole) * 100);
  const last = t[t.length - 1];
  if (last !== undefined && nowSec > last) {
    t.push(nowSec);
    rate.push((replied / whole) * 100);
  }
  return { t, rate };
}

/**
 * Response rate over time (uPlot, loaded on demand). The canvas is decorative for
 * screen readers: the figure's label says the current rate and when it started.
 */
export function RateChart({ timeline, replied, closedAt, big }: { timeline: Timeline; replied: number; closedAt: string | null; big: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<Chart | null>(null);
  const height = big ? 320 : 200;
  const end = closedAt ? Date.parse(closedAt) / 1000 : Date.now() / 1000;
  const points = ratePoints(timeline, replied, end);
  // The points of the latest render, for a chart drawn once the module has loaded.
  const latest = useRef(points);
  const hasData = timeline.t.length > 0;

  // The chart is made when there is data and again when its height changes; new points only update it (below).
  useEffect(() => {
    let cancelled = false;
    const el = box.current;
    if (!el || !hasData) return;
    void import("./rate-chart-impl").then(({ drawRateChart }) => {
      if (cancelled || !el) return;
      chart.current?.destroy();
      chart.current = drawRateChart(el, latest.current, t("bd.rate"), el.clientWidth || 600, height);
    });
    const onResize = () => chart.current?.resize(el.clientWidth || 600);
    window.addEventListener("resize", onResize);
    return () => {
      cancelled = true;
      window.removeEventListener("resize", onResize);
      chart.current?.destroy();
      chart.current = null;
    };
  }, [height, hasData]);

  useEffect(() => {
    latest.current = points;
    chart.current?.update(points);
  });

  if (!hasData) return null;
  return (
    <figure class="rate-chart" data-testid="rate-chart">
      <div ref={box} role="img" aria-label={t("bd.chartLabel", { rate: percent(replied, timeline.recipients) })} />
      <figcaption class="help">{t("bd.chartCaption")}</figcaption>
    </figure>
  );
}
