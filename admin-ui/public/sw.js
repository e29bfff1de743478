/*
 * The staff app's service worker (registered as /sw.js, scope /). The logic is in
 * /sw-core.js so that test/sw.test.ts runs the same code. No fetch handler: the
 * worker caches nothing and never stands between the app and the network.
 */
importScripts("/sw-core.js");
self.anpiSw.install(self);
