import { match } from "./router";
import type { Me, Role } from "./types";

/**
 * Screens and who may see them. Mirrors the access of the routes each screen
 * calls (see test/access/*.ts); the server checks again, this only hides what
 * would fail. The viewer (city care division) sees boards only.
 */
export interface Screen {
  path: string;
  label: string;
  roles: readonly Role[] | "all";
  /** Shown in the menu (some screens are reached from others). */
  menu: boolean;
}

const ADMINS = ["network_admin", "facility_admin", "delegate"] as const;

export const SCREENS: Screen[] = [
  { path: "/", label: "nav.home", roles: "all", menu: true },
  { path: "/me", label: "nav.me", roles: "all", menu: true },
  { path: "/me/profile", label: "nav.profile", roles: "all", menu: false },
  { path: "/me/contacts", label: "nav.contacts", roles: "all", menu: false },
  { path: "/me/devices", label: "nav.devices", roles: "all", menu: false },
  { path: "/me/report", label: "nav.report", roles: "all", menu: false },
  { path: "/me/leave", label: "nav.leave", roles: "all", menu: false },
  { path: "/rollcalls/new", label: "nav.trigger", roles: ADMINS, menu: true },
  { path: "/rollcalls", label: "nav.rollcalls", roles: [...ADMINS, "viewer"], menu: true },
  // 患者さんの確認 of a roll-call: any member of a patient group, whatever their role (the list is theirs only).
  { path: "/rollcalls/:id/patients", label: "pc.title", roles: "all", menu: false },
  // Members of patient groups are staff of every kind; the network admins and the city see counts there (§3–§5).
  { path: "/patients", label: "nav.patients", roles: "all", menu: true },
  { path: "/directory", label: "nav.directory", roles: ADMINS, menu: true },
  { path: "/directory/import", label: "nav.import", roles: ADMINS, menu: false },
  { path: "/templates", label: "nav.templates", roles: ADMINS, menu: true },
  { path: "/triggers", label: "nav.triggers", roles: ["network_admin"], menu: true },
  { path: "/readiness", label: "nav.readiness", roles: [...ADMINS, "viewer"], menu: true },
  { path: "/reports", label: "nav.reports", roles: ADMINS, menu: true },
  { path: "/outbox", label: "nav.outbox", roles: ADMINS, menu: true },
  { path: "/audit", label: "nav.audit", roles: ["network_admin"], menu: true },
  { path: "/settings", label: "nav.settings", roles: ["network_admin"], menu: true },
  { path: "/account", label: "nav.account", roles: "all", menu: true },
];

export function may(me: Me, roles: Screen["roles"]): boolean {
  return roles === "all" || me.roles.some((r) => (roles as readonly string[]).includes(r));
}

/** A screen's path with `:name` segments matches exactly those paths (/rollcalls/12/patients); the others match themselves and what lies below them. */
const fits = (s: Screen, path: string) =>
  s.path.includes(":") ? match(s.path, path) !== null : s.path === "/" ? path === "/" : path === s.path || path.startsWith(`${s.path}/`);

export function screenFor(path: string): Screen | undefined {
  // Longest prefix wins: /rollcalls/12 belongs to /rollcalls.
  return [...SCREENS].sort((a, b) => b.path.length - a.path.length).find((s) => fits(s, path));
}
