/**
 * The part of the `twilio` SDK that sends an SMS: its client (Basic auth, headers,
 * the HTTP client that keeps `lastResponse`) with only the `api` domain and its
 * v2010 Messages list. This is what `twilio(sid, token, opts).messages` is, built
 * from the SDK's own modules without its index, which bundles every Twilio product
 * (about 8 MB of the Worker). sms.ts loads this module on the first send.
 */
import BaseTwilio from "twilio/lib/base/BaseTwilio";
import DomainModule from "twilio/lib/base/Domain";
import VersionModule from "twilio/lib/base/Version";
import type V2010 from "twilio/lib/rest/api/V2010";
import { MessageListInstance } from "twilio/lib/rest/api/v2010/account/message";

/**
 * Domain.js and Version.js set `exports.default`. Wrangler's esbuild, in Node's ESM
 * mode (the package is "type": "module"), hands their whole `exports` as the default
 * import; Vite (the tests) hands `exports.default`. Either way, the class.
 */
const classOf = <T>(m: T): T => (m as { default?: T }).default ?? m;
const Domain = classOf(DomainModule);
const Version = classOf(VersionModule);

/** Where `twilio`'s `api` domain lives (rest/ApiBase.js). */
const TWILIO_API = "https://api.twilio.com";

/**
 * A client and its account's Messages list. `baseUrl` replaces the api domain's
 * (as `client.api.baseUrl = …` does on the full SDK): only for tests and local fakes.
 */
export function twilioMessages(accountSid: string, authToken: string, opts: BaseTwilio.ClientOpts, baseUrl?: string) {
  const client = new BaseTwilio.Client(accountSid, authToken, opts);
  const api = new Domain(client, baseUrl || TWILIO_API);
  // The v2010 Version with none of the other v2010 resources (V2010 adds only their getters).
  const v2010 = new Version(api, "2010-04-01") as V2010;
  return { client, messages: MessageListInstance(v2010, client.accountSid) };
}
