import { alertNetworkAdmins } from "../messages/send";

/**
 * An automatic trigger prepared a roll-call that waits for confirmation (確定操作):
 * tell every network admin at once, by SMS and by email, with the link to the
 * confirm screen. Admin-facing, so Japanese with English below. Returns how many
 * messages were accepted; a failed send is recorded in direct_messages and does
 * not stop the others.
 */
export async function alertAdminsToConfirm(env: Env, rc: { id: number; title: string; drill: boolean }): Promise<number> {
  const link = `${env.PUBLIC_URL.replace(/\/+$/, "")}/rollcalls/${rc.id}`;
  const drill = rc.drill ? "【訓練】" : "";
  const subject = `${drill}【要確認】安否確認の送信待ち: ${rc.title}`;
  const sms = `${drill}【要確認】${rc.title}\n安否確認が送信待ちです。確認して送信してください。\n${link}`;
  const text = `${sms}\n\nA roll-call was prepared automatically and waits for your confirmation: ${link}`;
  return alertNetworkAdmins(env, { kind: "trigger_alert", subject, sms, email: text, link });
}
