-- 代理回答: how the facility admin reached the person (電話, 対面, 家族から, その他), recorded with the reply.
ALTER TABLE replies ADD COLUMN proxy_reached TEXT CHECK (proxy_reached IS NULL OR proxy_reached IN ('phone', 'in_person', 'family', 'other'));
