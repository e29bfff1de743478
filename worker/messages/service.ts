import { isNetworkAdmin, managedFacilityIds, type Auth } from "../auth/scope";
import { forbidden } from "../lib/errors";
import type { DirectKind } from "./data";

/**
 * The sandbox outboxes (GET /api/outbox for roll-calls, GET /api/outbox/messages for
 * everything else) show messages as their recipients received them. Some carry a
 * secret: a reply link answers as that person, an invitation link creates or joins
 * their account, a code or link verifies their address. The rules below are the only
 * place that decides who reads what; both routes call them.
 */

/**
 * Whether a direct message of this kind carries a secret (its text or link lets the
 * reader act as the addressee). A `Record` over every kind, so a new kind (the
 * password reset, say) cannot be added without deciding.
 */
const CARRIES_SECRET: Record<DirectKind, boolean> = {
  invitation: true,
  contact_code: true,
  contact_link: true,
  report: false, // names the reporter and the kind; the link leads to the signed-in reports screen
  push_test: false, // a title and a line; the acknowledgement token travels only in the push payload
  trigger_alert: false, // the link opens the draft in the signed-in admin UI
  admin_alert: false, // a limit of the whole network was reached; the link opens the audit log in the signed-in admin UI
  security_notice: true, // about one person's account (sign-in failures): theirs alone
  password_reset: true, // the link sets the account's password
  patient_alert: false, // names no patient: how many checks are late; the link opens the signed-in checks screen
};

export const carriesSecret = (kind: DirectKind): boolean => CARRIES_SECRET[kind];

/**
 * THE rule: who may read a message's secret (its text, its link, its reply link).
 * Its addressee, and the network admin, who in the sandbox demo stands in for every
 * phone and mailbox (the outbox exists only while some channel has no provider).
 * Nobody else: not the inviter, not the addressee's facility admin (they record a
 * reply for someone reached by phone through 代理回答, never through the link).
 */
export function mayReadSecret(auth: Auth, addresseeId: number | null): boolean {
  return isNetworkAdmin(auth) || (addresseeId !== null && addresseeId === auth.personId);
}

/**
 * Whose messages a reader sees at all, as a record (kind, channel, masked recipient,
 * state, time): `null` = everyone's (network admin); otherwise their own, those they
 * sent and those of the facilities they administer. What of each row they may read
 * is then `mayReadSecret`'s call.
 */
export function outboxFacilities(auth: Auth): number[] | null {
  return isNetworkAdmin(auth) ? null : managedFacilityIds(auth);
}

/**
 * Whose messages of one roll-call a reader sees as records: `null` = all (network
 * admin); an admin or delegate, their facilities' people, and a facility roll-call of
 * another facility not at all (403).
 */
export function rollcallOutboxFacilities(auth: Auth, rollcall: { ownerFacilityId: number | null }): number[] | null {
  const facilityIds = outboxFacilities(auth);
  if (facilityIds === null) return null;
  if (facilityIds.length === 0) throw forbidden();
  if (rollcall.ownerFacilityId !== null && !facilityIds.includes(rollcall.ownerFacilityId)) throw forbidden();
  return facilityIds;
}

/** A row as the reader may see it: secrets blanked and `withheld` set when they may not read them. */
export function presentDirectMessage<M extends { kind: DirectKind; personId: number | null; text: string; link: string }>(
  auth: Auth,
  m: M,
): M & { withheld: boolean } {
  if (!carriesSecret(m.kind) || mayReadSecret(auth, m.personId)) return { ...m, withheld: false };
  return { ...m, text: "", link: "", withheld: true };
}

/** Every roll-call message carries its recipient's reply link: the same rule, always. */
export function presentRollcallMessage<M extends { personId: number; text: string; replyUrl: string }>(auth: Auth, m: M): M & { withheld: boolean } {
  if (mayReadSecret(auth, m.personId)) return { ...m, withheld: false };
  return { ...m, text: "", replyUrl: "", withheld: true };
}
