import { domainApp } from "../lib/app";
import { facilityRoutes } from "./facilities";
import { groupRoutes } from "./groups";
import { membershipRoutes } from "./memberships";
import { peopleRoutes } from "./people";

/** Facilities, people, contacts, facility memberships, groups and group memberships. */
export const directoryRoutes = domainApp().route("/", facilityRoutes).route("/", membershipRoutes).route("/", peopleRoutes).route("/", groupRoutes);
