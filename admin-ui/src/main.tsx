import { render } from "preact";

render(<main><h1>安否確認</h1></main>, document.getElementById("app")!);
