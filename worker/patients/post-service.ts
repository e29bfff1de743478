import { auditIfChangedStatement, auditStatement } from "../audit/log";
import type { Auth } from "../auth/scope";
import { clock } from "../lib/clock";
import { sha256Hex } from "../lib/crypto";
import { closed, conflict, notFound, jaEn } from "../lib/errors";
import * as data from "./data";
import type { PatientPost } from "./schemas";
import { mayPost, mayReadPatient, mayRemovePost, patientNotFound, placeOf, refuse } from "./service";

/**
 * Posts (書き込み, §5): about this patient only, stored after the confirm step
 * (確定操作: the author sees what will be stored, then confirms it), removable by the
 * group's managers and the network admins, the removal audited and the text kept.
 */

export const POST_NOTE = "この患者さんに関することだけを書いてください。確定すると、メンバー全員が読めるように記録されます。";

const present = (p: data.PostRecord): PatientPost => ({
  id: p.id,
  author: { id: p.authorId, name: p.authorName, job: p.authorJob },
  text: p.text,
  createdAt: new Date(p.createdAt).toISOString(),
});

/**
 * `confirm` false: the preview, nothing stored. `confirm` true: the post is stored with
 * its audit entry in one batch. Both for members who may post (`mayPost`).
 */
export async function writePost(
  db: D1Database,
  auth: Auth,
  id: number,
  body: { text: string; confirm: boolean },
): Promise<{ stored: false; preview: { text: string; author: string; patient: string; note: string } } | { stored: true; post: PatientPost }> {
  const place = await placeOf(db, auth, id);
  refuse(place, mayPost(place), { ja: "読むだけのメンバーは書き込めません。", en: "Read-only members do not post." });
  const text = body.text.replace(/\r\n?/g, "\n").trim();
  if (!body.confirm) return { stored: false, preview: { text, author: auth.name, patient: place!.patient.name, note: POST_NOTE } };
  const now = clock.now();
  let postId = 0;
  for (let attempt = 0; ; attempt++) {
    postId = await data.nextPostId(db);
    try {
      await db.batch([
        data.insertPost(db, { id: postId, patientId: id, authorId: auth.personId, text, now }),
        auditStatement(db, {
          actorId: auth.personId,
          action: "patient.post_created",
          objectType: "patient",
          objectId: id,
          detail: { postId, length: text.length },
        }),
      ]);
      break;
    } catch (err) {
      if (attempt < 4 && data.isIdRace(err, "patient_posts")) continue;
      throw err;
    }
  }
  const post = await data.findPost(db, id, postId);
  if (!post) throw closed(jaEn("患者グループはその間に閉じられました。", "The patient group was closed in the meantime."));
  return { stored: true, post: present(post) };
}

/**
 * Removes an inappropriate post (`mayRemovePost`): members no longer see it; its text
 * stays in the table, which refuses to change or delete it, and the audit entry (same
 * batch) names the post, its author, the reason and the text's SHA-256, so the removed
 * text can be shown to be the one kept. The audit log itself carries no patient text.
 */
export async function removePost(db: D1Database, auth: Auth, id: number, postId: number, reason: string): Promise<void> {
  const place = await placeOf(db, auth, id);
  if (!mayRemovePost(auth, place)) {
    if (!mayReadPatient(place)) throw patientNotFound();
    refuse(place, false, { ja: "書き込みを削除できるのは管理者です。", en: "Only managers remove posts." });
  }
  const post = await data.findPost(db, id, postId);
  if (!post) throw notFound(jaEn("書き込み", "post"));
  if (post.removedAt !== null) throw conflict("postId", jaEn("この書き込みはすでに削除されています。", "This post was removed already."));
  const why = reason.trim();
  await db.batch([
    data.hidePost(db, postId, auth.personId, why, clock.now()),
    auditIfChangedStatement(db, {
      actorId: auth.personId,
      action: "patient.post_removed",
      objectType: "patient",
      objectId: id,
      detail: { postId, authorId: post.authorId, reason: why, length: post.text.length, textSha256: await sha256Hex(post.text) },
    }),
  ]);
}
