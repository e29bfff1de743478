-- The facility report (施設の状況) in the terms of EMIS 緊急時入力 (issue 13): replies stored with the
-- old four fields keep their meaning under the new names.
--   damage none / partial / unusable -> collapse no / no / yes (倒壊・倒壊の恐れ)
--   electricity, water yes / no       -> usable / unusable (使える / 使えない)
--   patients yes / no                 -> accepting yes / no (患者・利用者の受け入れ)
UPDATE replies SET answers = json_set(answers, '$.facility.collapse', CASE json_extract(answers, '$.facility.damage') WHEN 'unusable' THEN 'yes' ELSE 'no' END)
  WHERE json_extract(answers, '$.facility.damage') IN ('none', 'partial', 'unusable');
UPDATE replies SET answers = json_set(answers, '$.facility.electricity', CASE json_extract(answers, '$.facility.electricity') WHEN 'yes' THEN 'usable' ELSE 'unusable' END)
  WHERE json_extract(answers, '$.facility.electricity') IN ('yes', 'no');
UPDATE replies SET answers = json_set(answers, '$.facility.water', CASE json_extract(answers, '$.facility.water') WHEN 'yes' THEN 'usable' ELSE 'unusable' END)
  WHERE json_extract(answers, '$.facility.water') IN ('yes', 'no');
UPDATE replies SET answers = json_set(answers, '$.facility.accepting', json_extract(answers, '$.facility.patients'))
  WHERE json_extract(answers, '$.facility.patients') IN ('yes', 'no');
UPDATE replies SET answers = json_remove(answers, '$.facility.damage', '$.facility.patients')
  WHERE json_type(answers, '$.facility.damage') IS NOT NULL OR json_type(answers, '$.facility.patients') IS NOT NULL;
