/**
 * Passkeys (WebAuthn) through @simplewebauthn/browser, loaded only when used: the
 * server (@simplewebauthn/server) makes the options and checks the answers.
 */
import { api } from "../api";
import type { Me } from "../types";

export const passkeysSupported = () => typeof window !== "undefined" && "PublicKeyCredential" in window;

/** Registers a passkey on this device for the signed-in person. */
export async function registerPasskey(name: string): Promise<void> {
  const { startRegistration } = await import("@simplewebauthn/browser");
  const optionsJSON = await api.post<Parameters<typeof startRegistration>[0]["optionsJSON"]>("/api/me/passkeys/options");
  const response = await startRegistration({ optionsJSON });
  await api.post("/api/me/passkeys", { response, name });
}

/** Signs in with a passkey (no email or password typed). */
export async function signInWithPasskey(): Promise<Me> {
  const { startAuthentication } = await import("@simplewebauthn/browser");
  const optionsJSON = await api.post<Parameters<typeof startAuthentication>[0]["optionsJSON"]>("/api/passkeys/options");
  const response = await startAuthentication({ optionsJSON });
  return api.post<Me>("/api/passkeys/session", { response });
}
