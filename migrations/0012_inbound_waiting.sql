-- An SMS that said availability without safety: a reply needs its safety, so what it said waits
-- here (JSON: availability, arrival, comment) for the person's next message to the same roll-call.
ALTER TABLE inbound_sms ADD COLUMN waiting TEXT;
CREATE INDEX inbound_sms_person ON inbound_sms (rollcall_id, person_id, created_at);
