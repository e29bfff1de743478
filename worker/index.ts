import { app } from "./app";
import "./env";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;

export { RollCallObject } from "./board/object";
