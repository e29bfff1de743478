/**
 * The response-rate chart, loaded only when a board opens (its own chunk): uPlot
 * draws on a canvas, small and fast with thousands of points.
 */
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface RatePoints {
  /** Unix seconds. */
  t: number[];
  /** Percent answered by then. */
  rate: number[];
}

const JST = 9 * 3600;

/** Hours and minutes in JST, whatever zone the device is in. */
function hhmm(sec: number): string {
  const d = new Date((sec + JST) * 1000);
  return `${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")}`;
}

/** Month/day in JST (3/1). */
function md(sec: number): string {
  const d = new Date((sec + JST) * 1000);
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}`;
}

/**
 * The time axis' steps, in seconds: whole minutes and longer, so two ticks never read
 * the same minute. uPlot takes the smallest that leaves {@link TICK_SPACE_PX} between
 * labels, so a few minutes tick every minute and a long night every few hours.
 */
const TIME_INCRS = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];
const TICK_SPACE_PX = 64;

/** The time labels: 14:05; the date where the day changes (3/2 00:00), or alone for steps of days. */
export function timeLabels(splits: number[], incr: number): string[] {
  let lastDay = "";
  let last = "";
  return splits.map((v, i) => {
    const day = md(v);
    let text = incr >= 86400 ? day : i > 0 && day !== lastDay ? `${day} ${hhmm(v)}` : hhmm(v);
    lastDay = day;
    // A repeat (never with whole-minute steps, but uPlot may split finer when zoomed in) stays blank.
    if (text === last) text = "";
    else last = text;
    return text;
  });
}

export function drawRateChart(
  el: HTMLElement,
  points: RatePoints,
  label: string,
  width: number,
  height: number,
): { update(p: RatePoints): void; resize(w: number): void; destroy(): void } {
  const opts: uPlot.Options = {
    width,
    height,
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true }, y: { range: [0, 100] } },
    series: [
      { value: (_u, v) => (v == null ? "" : hhmm(v)) },
      { label, stroke: "#0b57d0", width: 3, fill: "rgba(11,87,208,0.12)", value: (_u, v) => (v == null ? "" : `${Math.round(v)}%`) },
    ],
    axes: [
      {
        stroke: "#4a4f57",
        grid: { stroke: "#e3e6ea" },
        incrs: TIME_INCRS,
        space: TICK_SPACE_PX,
        values: (_u, splits, _axis, _space, incr) => timeLabels(splits, incr),
      },
      { stroke: "#4a4f57", grid: { stroke: "#e3e6ea" }, values: (_u, splits) => splits.map((v) => `${v}%`), size: 52 },
    ],
  };
  const plot = new uPlot(opts, [points.t, points.rate], el);
  return {
    update(p) {
      plot.setData([p.t, p.rate]);
    },
    resize(w) {
      plot.setSize({ width: w, height });
    },
    destroy() {
      plot.destroy();
    },
  };
}
