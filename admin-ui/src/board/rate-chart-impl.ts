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
      { stroke: "#4a4f57", grid: { stroke: "#e3e6ea" }, values: (_u, splits) => splits.map(hhmm) },
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
