import { auditStatement } from "../audit/log";
import { isNetworkAdmin, type Auth } from "../auth/scope";
import { clock } from "../lib/clock";
import { badRequest, conflict, forbidden, notFound, jaEn, type Bilingual } from "../lib/errors";
import { normalizeSpaces } from "./contact";
import * as data from "./data";
import { withFreshIds } from "./ids";
import type { Group, GroupListQuery, GroupMemberQuery } from "./schemas";
import { canManageGroup, canSeeGroup, managesPerson, reachOf } from "./scope";

/**
 * Groups (§5): the network group, facility groups and custom groups, and their
 * members. The routes in groups.ts validate, call one of these and present the result.
 */

/** The group and the caller's place in it; 404 when the caller may not see it. */
async function visibleGroup(db: D1Database, auth: Auth, id: number): Promise<{ group: Group; myRole: "owner" | "member" | null }> {
  const group = await data.findGroup(db, id);
  const myRole = group ? await data.groupMembership(db, id, auth.personId) : null;
  if (!group || !canSeeGroup(auth, group, myRole)) throw notFound(jaEn("グループ", "group"));
  return { group, myRole };
}

async function managedGroup(db: D1Database, auth: Auth, id: number) {
  const g = await visibleGroup(db, auth, id);
  if (!canManageGroup(auth, g.group, g.myRole)) throw forbidden(jaEn("このグループの管理者ではありません。", "You do not manage this group."));
  if (g.group.closedAt) throw conflict(undefined, jaEn("このグループは閉じています。", "This group is closed."));
  return g;
}

/**
 * Why a member cannot simply be taken out of a group, or null. Facility and network
 * groups follow the facility membership and the registration.
 */
async function removalBlock(db: D1Database, group: Group, personId: number, role: "owner" | "member"): Promise<Bilingual | null> {
  if (group.kind === "network")
    return jaEn(
      "登録した人は全員ネットワークのグループにいます。外すには登録を解除してください。",
      "Everyone registered is in the network group; deregister instead.",
    );
  if (group.kind === "facility" && group.facilityId !== null && (await data.activeMembership(db, personId, group.facilityId)))
    return jaEn(
      "事業所の職員は事業所のグループにいます。外すには事業所の所属を終えてください。",
      "Facility members belong to the facility group; end the facility membership instead.",
    );
  if (role === "owner") return jaEn("グループの持ち主は抜けられません。グループを閉じてください。", "The owner cannot leave; close the group instead.");
  return null;
}

/** The groups the caller belongs to (the network group, their facility groups, custom groups); all of them for a network admin. */
export async function listGroupsFor(db: D1Database, auth: Auth, q: GroupListQuery): Promise<{ items: Group[] }> {
  const includeClosed = q.includeClosed === "true";
  const network = await data.networkGroup(db, clock.now());
  if (isNetworkAdmin(auth)) return { items: await data.listGroups(db, { kind: q.kind, includeClosed }) };
  if (includeClosed) throw forbidden(jaEn("閉じたグループはネットワーク管理者だけが見られます。", "Only a network admin sees closed groups."));
  const mine = await data.groupsOfPerson(db, auth.personId);
  const facilityGroups = await data.listGroups(db, { kind: "facility", includeClosed: false, facilityIds: auth.facilities.map((f) => f.facilityId) });
  const ids = new Set([network.id, ...mine.map((m) => m.group.id), ...facilityGroups.map((g) => g.id)]);
  return { items: await data.listGroups(db, { kind: q.kind, includeClosed: false, ids: [...ids] }) };
}

/** Creates a custom group; the creator owns it. */
export async function createGroup(db: D1Database, auth: Auth, rawName: string): Promise<Group> {
  const name = normalizeSpaces(rawName);
  const now = clock.now();
  const id = await withFreshIds(db, ["groups"], async ([groupId]) => {
    await db.batch([
      ...data.insertCustomGroupStatements(db, groupId!, name, auth.personId, now),
      auditStatement(db, { actorId: auth.personId, action: "group.created", objectType: "group", objectId: groupId!, detail: { name } }),
    ]);
    return groupId!;
  });
  return (await data.findGroup(db, id))!;
}

/** One group the caller may see. */
export async function readGroup(db: D1Database, auth: Auth, id: number): Promise<Group> {
  return (await visibleGroup(db, auth, id)).group;
}

/** Renames a custom group (its owner) or the network group (a network admin); a facility group follows its facility. */
export async function renameGroup(db: D1Database, auth: Auth, id: number, rawName: string): Promise<Group> {
  const name = normalizeSpaces(rawName);
  const { group } = await managedGroup(db, auth, id);
  if (group.kind === "facility")
    throw conflict(
      "name",
      jaEn("事業所のグループは事業所の名前です。事業所の名前を変えてください。", "A facility group has its facility's name; rename the facility."),
    );
  if (name !== group.name)
    await db.batch([
      data.renameGroup(db, id, name),
      auditStatement(db, { actorId: auth.personId, action: "group.renamed", objectType: "group", objectId: id, detail: { from: group.name, to: name } }),
    ]);
  return (await data.findGroup(db, id))!;
}

/** Closes a custom group: access ends for every member, the history stays. */
export async function closeGroup(db: D1Database, auth: Auth, id: number): Promise<void> {
  const { group } = await managedGroup(db, auth, id);
  if (group.kind !== "custom")
    throw conflict(
      undefined,
      jaEn(
        "手で閉じられるのは任意のグループだけです。事業所のグループは事業所と一緒に閉じます。",
        "Only custom groups are closed by hand; a facility group closes with its facility.",
      ),
    );
  await db.batch([
    ...data.closeGroupStatements(db, id, clock.now()),
    auditStatement(db, { actorId: auth.personId, action: "group.closed", objectType: "group", objectId: id, detail: { name: group.name } }),
  ]);
}

/** The members of a group the caller may see (names, jobs and photos, never contacts), in reading order. */
export async function groupMembersFor(db: D1Database, auth: Auth, id: number, q: GroupMemberQuery) {
  await visibleGroup(db, auth, id);
  const page = await data.listGroupMembers(db, id, await reachOf(db, auth), q.limit, data.decodeCursor(q.cursor));
  return {
    items: page.items.map((m) => ({ ...m, joinedAt: new Date(m.joinedAt).toISOString() })),
    total: page.total,
    nextCursor: page.nextCursor && data.encodeCursor(page.nextCursor),
  };
}

/** Adds one of the caller's facility's people to a group they manage (others join by invitation). */
export async function addGroupMember(db: D1Database, auth: Auth, id: number, personId: number): Promise<void> {
  await managedGroup(db, auth, id);
  const person = await data.findPerson(db, personId);
  if (!person || person.removedAt) throw badRequest("personId", jaEn("職員が見つかりません。", "No such person."));
  const theirs = (await data.membershipsOf(db, [personId])).get(personId) ?? [];
  if (!managesPerson(auth, theirs))
    throw forbidden(
      jaEn(
        "ほかの事業所の人は招待してください。招待された人が自分で参加します。",
        "Invite people from other facilities instead; they accept the invitation themselves.",
      ),
      "personId",
    );
  if (await data.groupMembership(db, id, personId)) throw conflict("personId", jaEn("すでにメンバーです。", "Already a member."));
  await db.batch([
    data.addGroupMember(db, id, personId, auth.personId, clock.now()),
    auditStatement(db, { actorId: auth.personId, action: "group.member_added", objectType: "group", objectId: id, detail: { personId } }),
  ]);
}

/** Takes a member out of a group (the group's manager, or the member's facility admin); §5. */
export async function removeGroupMember(db: D1Database, auth: Auth, id: number, personId: number): Promise<void> {
  const { group, myRole } = await visibleGroup(db, auth, id);
  const role = await data.groupMembership(db, id, personId);
  if (!role) throw notFound(jaEn("メンバー", "member"));
  const theirs = (await data.membershipsOf(db, [personId])).get(personId) ?? [];
  if (!canManageGroup(auth, group, myRole) && !managesPerson(auth, theirs))
    throw forbidden(jaEn("このグループかこの人の管理者ではありません。", "You do not manage this group or this person."));
  const block = await removalBlock(db, group, personId, role);
  if (block) throw conflict(undefined, block);
  await db.batch([
    data.removeGroupMember(db, id, personId, clock.now()),
    auditStatement(db, { actorId: auth.personId, action: "group.member_removed", objectType: "group", objectId: id, detail: { personId } }),
  ]);
}

/** The caller leaves a group when no longer in charge (§5). */
export async function leaveGroup(db: D1Database, auth: Auth, id: number): Promise<void> {
  const { group, myRole } = await visibleGroup(db, auth, id);
  if (!myRole) throw notFound(jaEn("所属", "membership"));
  const block = await removalBlock(db, group, auth.personId, myRole);
  if (block) throw conflict(undefined, block);
  await db.batch([
    data.removeGroupMember(db, id, auth.personId, clock.now()),
    auditStatement(db, { actorId: auth.personId, action: "group.left", objectType: "group", objectId: id }),
  ]);
}
