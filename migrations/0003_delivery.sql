-- Deliveries and the sandbox outbox. Times are UTC ms.

-- One delivery per (roll-call, person, channel, wave): idem_key makes a second send impossible.
CREATE TABLE deliveries (
  id INTEGER PRIMARY KEY,
  idem_key TEXT NOT NULL UNIQUE,     -- "<rollcall>:<person>:<channel>:<wave>"
  rollcall_id INTEGER NOT NULL REFERENCES rollcalls(id),
  person_id INTEGER NOT NULL REFERENCES people(id),
  channel TEXT NOT NULL CHECK (channel IN ('push','sms','email')),
  wave INTEGER NOT NULL,
  address_id INTEGER NOT NULL,       -- contacts.id, or push_subscriptions.id for push
  state TEXT NOT NULL CHECK (state IN ('queued','sending','sent','delivered','failed')),
  provider_id TEXT,
  error TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  lease_until INTEGER,               -- while 'sending': a crashed sender's lease runs out
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX deliveries_rollcall ON deliveries(rollcall_id, channel, state);
CREATE INDEX deliveries_provider ON deliveries(provider_id) WHERE provider_id IS NOT NULL;

-- The local sandbox channel: what would have been sent, readable in the admin UI.
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  delivery_id INTEGER NOT NULL UNIQUE REFERENCES deliveries(id),
  rollcall_id INTEGER NOT NULL,
  person_id INTEGER NOT NULL,
  channel TEXT NOT NULL,
  recipient TEXT NOT NULL,
  subject TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL,
  reply_url TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX outbox_rollcall ON outbox(rollcall_id, id);
