-- Deliveries, SMS pacing, inbound SMS dedup and the sandbox outbox. Times are UTC ms.

-- One delivery per (roll-call, person, channel, wave[, push subscription]): idem_key makes a second send impossible.
-- States: queued → sending → sent → delivered, or failed; cancelled = not sent because the roll-call closed.
CREATE TABLE deliveries (
  id INTEGER PRIMARY KEY,
  idem_key TEXT NOT NULL UNIQUE,     -- "<rollcall>:<person>:<channel>:<wave>", push adds ":<subscription>", the digest adds ":digest"
  rollcall_id INTEGER NOT NULL REFERENCES rollcalls(id),
  person_id INTEGER NOT NULL REFERENCES people(id),
  channel TEXT NOT NULL CHECK (channel IN ('push','sms','email')),
  wave INTEGER NOT NULL,
  audience TEXT NOT NULL DEFAULT 'recipients' CHECK (audience IN ('recipients','facility_admins')),
  address_id INTEGER NOT NULL,       -- contacts.id, or push_subscriptions.id for push
  state TEXT NOT NULL CHECK (state IN ('queued','sending','sent','delivered','failed','cancelled')),
  provider_id TEXT,
  error TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  lease_until INTEGER,               -- while 'sending': a crashed sender's lease runs out
  send_at INTEGER,                   -- SMS: the paced slot reserved for this delivery
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX deliveries_rollcall ON deliveries(rollcall_id, channel, state);
CREATE INDEX deliveries_page ON deliveries(rollcall_id, wave, person_id);
CREATE INDEX deliveries_provider ON deliveries(provider_id) WHERE provider_id IS NOT NULL;

-- Per-sender pacing (Twilio: 1 segment/s per long code): the next free slot of each sender.
CREATE TABLE sms_pacing (
  sender TEXT PRIMARY KEY,
  next_at INTEGER NOT NULL
);

-- Inbound SMS already handled, by Twilio's MessageSid: a replayed webhook records one reply.
-- No phone number is kept here.
CREATE TABLE inbound_sms (
  message_sid TEXT PRIMARY KEY,
  rollcall_id INTEGER,
  person_id INTEGER,
  outcome TEXT NOT NULL,             -- 'recorded' | 'unparsed' | 'unknown_sender' | 'no_rollcall' | 'refused'
  reply TEXT NOT NULL DEFAULT '',    -- the TwiML text answered, repeated on a replay
  created_at INTEGER NOT NULL
);

-- The local sandbox channel: what would have been sent, readable in the admin UI.
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  delivery_id INTEGER NOT NULL UNIQUE REFERENCES deliveries(id),
  rollcall_id INTEGER NOT NULL,
  person_id INTEGER NOT NULL,
  channel TEXT NOT NULL,
  recipient TEXT NOT NULL,           -- name and a masked address, never the full phone number or email
  subject TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL,
  reply_url TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX outbox_rollcall ON outbox(rollcall_id, id);
