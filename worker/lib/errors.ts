import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The one error type of the API. `onError` and the validation hook shape it into `{ error: {...} }`. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }

  toJSON() {
    return { error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) } };
  }
}

export const badRequest = (field: string, message: string, code = "invalid") => new ApiError(400, code, message, field);
export const unauthorized = (message = "Sign in first.") => new ApiError(401, "unauthorized", message);
export const forbidden = (message = "You may not do this.") => new ApiError(403, "forbidden", message);
export const notFound = (what = "resource") => new ApiError(404, "not_found", `No such ${what}.`);
export const conflict = (field: string, message: string) => new ApiError(409, "conflict", message, field);
