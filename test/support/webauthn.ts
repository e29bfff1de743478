/**
 * A software authenticator for the passkey tests: makes a P-256 key pair and answers
 * navigator.credentials.create()/get() options the way a platform authenticator does
 * ("none" attestation, user present and verified), encoding CBOR and DER itself.
 */
import { isoBase64URL, isoCBOR } from "@simplewebauthn/server/helpers";

const enc = new TextEncoder();
const b64u = (b: Uint8Array) => isoBase64URL.fromBuffer(b as Uint8Array<ArrayBuffer>);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) {
    out.set(p, i);
    i += p.length;
  }
  return out;
};
const sha256 = async (b: Uint8Array) => new Uint8Array(await crypto.subtle.digest("SHA-256", b as Uint8Array<ArrayBuffer>));
const u32 = (n: number) => new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);

/** IEEE P1363 r||s (WebCrypto) to the ASN.1 DER WebAuthn carries. */
function der(sig: Uint8Array): Uint8Array {
  const int = (b: Uint8Array) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    const v = b.slice(i);
    return v[0]! & 0x80 ? concat(new Uint8Array([0]), v) : v;
  };
  const r = int(sig.slice(0, 32));
  const s = int(sig.slice(32));
  const body = concat(new Uint8Array([2, r.length]), r, new Uint8Array([2, s.length]), s);
  return concat(new Uint8Array([0x30, body.length]), body);
}

export class SoftAuthenticator {
  private keys!: CryptoKeyPair;
  readonly credentialId = crypto.getRandomValues(new Uint8Array(16));
  private counter = 0;
  userHandle = "";

  constructor(readonly origin: string) {}

  get id(): string {
    return b64u(this.credentialId);
  }

  private async authData(rpId: string, flags: number, attested?: Uint8Array) {
    this.counter++;
    return concat(await sha256(enc.encode(rpId)), new Uint8Array([flags]), u32(this.counter), attested ?? new Uint8Array());
  }

  /** navigator.credentials.create(), as PublicKeyCredential.toJSON(). */
  async create(options: { challenge: string; rp: { id?: string }; user: { id: string } }, over: { origin?: string; flags?: number } = {}) {
    this.keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    this.userHandle = options.user.id;
    const raw = new Uint8Array((await crypto.subtle.exportKey("raw", this.keys.publicKey)) as ArrayBuffer);
    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, raw.slice(1, 33)],
        [-3, raw.slice(33)],
      ]),
    );
    const attested = concat(new Uint8Array(16), new Uint8Array([0, this.credentialId.length]), this.credentialId, cose);
    const authData = await this.authData(options.rp.id ?? new URL(this.origin).hostname, over.flags ?? 0x45, attested);
    const attestationObject = isoCBOR.encode(
      new Map<string, unknown>([
        ["fmt", "none"],
        ["attStmt", new Map()],
        ["authData", authData],
      ]) as never,
    );
    const clientData = enc.encode(
      JSON.stringify({ type: "webauthn.create", challenge: options.challenge, origin: over.origin ?? this.origin, crossOrigin: false }),
    );
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key" as const,
      response: { clientDataJSON: b64u(clientData), attestationObject: b64u(attestationObject), transports: ["internal"] },
      clientExtensionResults: {},
      authenticatorAttachment: "platform" as const,
    };
  }

  /** navigator.credentials.get(), as PublicKeyCredential.toJSON(). */
  async get(options: { challenge: string; rpId?: string }, over: { origin?: string; flags?: number; tamper?: boolean } = {}) {
    const authData = await this.authData(options.rpId ?? new URL(this.origin).hostname, over.flags ?? 0x05);
    const clientData = enc.encode(
      JSON.stringify({ type: "webauthn.get", challenge: options.challenge, origin: over.origin ?? this.origin, crossOrigin: false }),
    );
    const signed = concat(authData, await sha256(clientData));
    const sig = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, this.keys.privateKey, signed as Uint8Array<ArrayBuffer>));
    if (over.tamper) sig[10] = sig[10]! ^ 0xff;
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key" as const,
      response: { clientDataJSON: b64u(clientData), authenticatorData: b64u(authData), signature: b64u(der(sig)), userHandle: this.userHandle },
      clientExtensionResults: {},
      authenticatorAttachment: "platform" as const,
    };
  }
}
