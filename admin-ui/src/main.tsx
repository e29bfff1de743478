import { render } from "preact";
import { App } from "./app";
import { registerServiceWorker } from "./staff/push";
import "./styles.css";

render(<App />, document.getElementById("app")!);

// The service worker shows roll-call notifications with their one-tap answers; registered
// on every visit so an installed app keeps it current.
if ("serviceWorker" in navigator) window.addEventListener("load", () => void registerServiceWorker());
