-- The timeline of a case stored its events under their Chinese words; letters found events by
-- those words and read values back out of the notes. Events now carry a kind code and their
-- facts as JSON details (gongkai_domain::request_events); the notes keep the words as written.
ALTER TABLE request_events ADD COLUMN details TEXT NOT NULL DEFAULT '{}';

-- The facts older notes hold, taken out once here, in the words the platform wrote them in.
UPDATE request_events SET details = CAST({{json_object}}('items', substr(note, 5)) AS TEXT)
WHERE kind = '告知补正' AND note LIKE '请补正：%';

UPDATE request_events SET details = CAST({{json_object}}(
    'days', (SELECT r.extension_days FROM requests r WHERE r.id = request_events.request_id),
    'approver', substr(note, 2, {{strpos}}(note, '同意，') - 2),
    'reason', substr(note, {{strpos}}(note, '理由：') + 3)) AS TEXT)
WHERE kind = '延长答复期限' AND note LIKE '经%同意，%理由：%';

UPDATE request_events SET details = CAST({{json_object}}('text', note) AS TEXT)
WHERE kind IN ('申请人补正', '审签退回', '申请人撤回申请') AND note <> '';

UPDATE request_events SET details = CAST({{json_object}}('label', kind, 'text', note) AS TEXT)
WHERE kind NOT IN ('网上提交申请', '登记申请', '确认收到申请', '告知补正', '收到补正材料', '申请人补正',
    '征求第三方意见', '会商协查', '收到意见', '收到协查意见', '延长答复期限', '确定合理答复期限',
    '发出收费通知', '已缴纳信息处理费', '答复提交审签', '已答复', '审签退回', '申请人撤回申请', '归档',
    '指定承办人');

UPDATE request_events SET kind = CASE kind
    WHEN '网上提交申请' THEN 'submitted'
    WHEN '登记申请' THEN 'registered'
    WHEN '确认收到申请' THEN 'confirmed'
    WHEN '告知补正' THEN 'clarification_requested'
    WHEN '收到补正材料' THEN 'clarification_received'
    WHEN '申请人补正' THEN 'correction_received'
    WHEN '征求第三方意见' THEN 'third_party_consulted'
    WHEN '会商协查' THEN 'coordination_requested'
    WHEN '收到意见' THEN 'opinion_received'
    WHEN '收到协查意见' THEN 'coordination_answered'
    WHEN '延长答复期限' THEN 'extended'
    WHEN '确定合理答复期限' THEN 'excessive_period_set'
    WHEN '发出收费通知' THEN 'fee_noticed'
    WHEN '已缴纳信息处理费' THEN 'fee_paid'
    WHEN '答复提交审签' THEN 'reply_submitted'
    WHEN '已答复' THEN 'replied'
    WHEN '审签退回' THEN 'reply_returned'
    WHEN '申请人撤回申请' THEN 'withdrawn'
    WHEN '归档' THEN 'archived'
    WHEN '指定承办人' THEN 'handler_assigned'
    ELSE 'other' END;
