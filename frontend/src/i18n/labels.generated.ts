// Written by `eldercare labels --out` from backend/eldercare/labels.py: do not edit.
// The words of every enumeration code, shared by the server's exports and the app.
export const zhCN = {
  "risk": {
    "high": "高风险",
    "key": "重点",
    "general": "一般"
  },
  "status": {
    "active": "在册",
    "moved_out": "已迁出",
    "deceased": "已故",
    "not_left_behind": "非留守"
  },
  "sex": {
    "male": "男",
    "female": "女"
  },
  "category": {
    "left_behind": "留守",
    "empty_nest": "空巢",
    "living_alone": "独居",
    "advanced_age": "高龄",
    "disabled": "失能/残疾",
    "severe_disability": "重度残疾",
    "extreme_poverty": "特困",
    "low_income": "低保",
    "registered_poor": "建档立卡/监测户",
    "family_planning_special": "计划生育特殊家庭",
    "special_difficulty": "特殊困难"
  },
  "living": {
    "alone": "独居",
    "with_spouse": "与配偶同住",
    "with_children": "与子女同住",
    "with_grandchildren": "与孙辈同住",
    "with_others": "与他人同住",
    "in_institution": "入住机构"
  },
  "selfCare": {
    "independent": "能自理",
    "partly_dependent": "半失能",
    "dependent": "失能"
  },
  "method": {
    "home_visit": "入户",
    "phone": "电话",
    "video": "视频"
  },
  "service": {
    "cleaning": "打扫卫生",
    "laundry": "洗衣",
    "cooking_meals": "做饭送餐",
    "medicine_delivery": "送药",
    "haircut": "理发",
    "blood_pressure_glucose": "测血压血糖",
    "shopping": "代购",
    "companionship": "陪伴聊天",
    "legal_aid": "法律援助",
    "repairs": "维修",
    "necessities": "发放生活必需品",
    "health_checkup": "健康体检",
    "family_doctor": "家庭医生随访",
    "other": "其他"
  },
  "safety": {
    "fall_risk": "跌倒风险",
    "fire_gas": "用火用气",
    "electrical": "用电",
    "housing": "住房",
    "water": "饮水",
    "heating": "取暖",
    "wandering": "走失",
    "neglect": "无人照料",
    "abuse": "虐待",
    "other": "其他"
  },
  "need": {
    "daily_care": "生活照料",
    "rehabilitation": "康复",
    "emotional_support": "精神慰藉",
    "home_modification": "适老化改造",
    "medical": "医疗",
    "financial": "经济",
    "legal": "法律",
    "relief": "社会救助",
    "assistive_device": "辅具",
    "other": "其他"
  },
  "health": {
    "hypertension": "高血压",
    "severe_hypertension": "重度高血压",
    "heart_disease": "心脏病",
    "diabetes": "糖尿病",
    "stroke": "脑卒中",
    "dementia": "认知障碍（失智）",
    "cancer": "恶性肿瘤",
    "copd": "慢阻肺",
    "severe_mental_illness": "严重精神障碍",
    "arthritis": "关节炎",
    "vision_hearing_loss": "视力/听力障碍",
    "other": "其他"
  },
  "danger": {
    "none": "无",
    "concern": "需关注",
    "severe": "严重危险"
  },
  "incidentType": {
    "wandering_begging": "流浪乞讨",
    "abuse": "遭受虐待",
    "critical_illness": "突发重病",
    "severe_mental_illness": "严重精神障碍",
    "major_hardship": "重大困难",
    "accident": "意外事故",
    "other": "其他"
  },
  "severity": {
    "critical": "紧急",
    "high": "高",
    "medium": "中",
    "low": "低"
  },
  "incidentStatus": {
    "reported": "已上报",
    "acknowledged": "已受理",
    "in_progress": "处置中",
    "escalated": "已上报县级",
    "resolved": "已办结"
  },
  "awayScope": {
    "local": "本村",
    "in_township": "本乡镇",
    "in_county": "本县其他乡镇",
    "outside_county": "县外省内",
    "outside_province": "省外"
  },
  "relation": {
    "son": "儿子",
    "daughter": "女儿",
    "son_in_law": "女婿",
    "daughter_in_law": "儿媳",
    "spouse": "配偶",
    "grandchild": "孙辈",
    "sibling": "兄弟姐妹",
    "relative": "亲属",
    "neighbour": "邻居",
    "other": "其他"
  },
  "duplicateReason": {
    "same_birth_date": "出生日期相同",
    "same_village": "同村",
    "same_name": "姓名相同",
    "same_pinyin": "姓名拼音相同",
    "same_initials": "姓名首字母相同",
    "same_id_number": "身份证号相同"
  },
  "volunteerKind": {
    "village_cadre": "村干部",
    "party_member": "党员",
    "womens_federation": "妇联",
    "volunteer": "志愿者",
    "social_worker": "社工",
    "village_doctor": "村医",
    "elders_association": "老年协会",
    "neighbour": "邻居"
  },
  "marital": {
    "unmarried": "未婚",
    "married": "已婚",
    "widowed": "丧偶",
    "divorced": "离婚"
  },
  "incomeSource": {
    "pension": "养老金",
    "children_support": "子女赡养",
    "farming": "务农",
    "wages": "工资",
    "business": "经营",
    "rent": "租金",
    "low_income_allowance": "低保金",
    "extreme_poverty_support": "特困供养金",
    "subsidies": "各类补贴",
    "other": "其他"
  },
  "disabilityType": {
    "vision": "视力",
    "hearing": "听力",
    "speech": "言语",
    "physical": "肢体",
    "intellectual": "智力",
    "mental": "精神",
    "multiple": "多重"
  },
  "program": {
    "minimum_living_allowance": "最低生活保障（低保）",
    "extreme_poverty_support": "特困人员救助供养",
    "old_age_allowance": "高龄津贴",
    "disability_living_subsidy": "困难残疾人生活补贴",
    "disability_care_subsidy": "重度残疾人护理补贴",
    "medical_assistance": "医疗救助",
    "temporary_assistance": "临时救助",
    "housing_renovation": "农村危房改造",
    "elderly_care_subsidy": "经济困难的高龄、失能老年人补贴"
  },
  "benefitSource": {
    "civil_affairs_roster": "民政名册",
    "county_system": "县级系统",
    "household_survey": "入户调查",
    "manual": "手工登记"
  },
  "endReason": {
    "deceased": "去世",
    "moved_out": "迁出",
    "no_longer_eligible": "不再符合条件",
    "declined": "本人放弃",
    "other": "其他"
  },
  "pairingEnd": {
    "moved": "老人迁往他村"
  },
  "fuCategory": {
    "hazard": "安全隐患",
    "need": "需求",
    "general": "其他跟进"
  },
  "fuKind": {
    "fall_risk": "跌倒风险",
    "fire_gas": "用火用气",
    "electrical": "用电",
    "housing": "住房",
    "water": "饮水",
    "heating": "取暖",
    "wandering": "走失风险",
    "neglect": "照料缺失",
    "abuse": "疑似受侵害",
    "other_hazard": "其他隐患",
    "daily_care": "生活照料",
    "rehabilitation": "康复",
    "emotional_support": "精神慰藉",
    "home_modification": "适老化改造",
    "medical": "医疗",
    "financial": "经济困难",
    "legal": "法律援助",
    "relief": "社会救助",
    "assistive_device": "辅具",
    "other_need": "其他需求",
    "general": "其他跟进"
  },
  "fuSeverity": {
    "high": "紧急",
    "medium": "一般",
    "low": "较低"
  },
  "fuStatus": {
    "open": "待处理",
    "in_progress": "处理中",
    "resolved": "已解决",
    "referred": "已转介",
    "cannot_resolve": "无法解决"
  },
  "fuOwner": {
    "village_worker": "村（社区）工作人员",
    "volunteer": "志愿者",
    "township": "乡镇",
    "department": "职能部门"
  },
  "department": {
    "housing": "住建部门",
    "health": "卫健部门",
    "civil_affairs": "民政部门",
    "emergency_management": "应急管理部门",
    "public_security": "公安部门",
    "water_resources": "水利部门",
    "power_supply": "供电部门",
    "disabled_persons": "残联",
    "justice": "司法部门",
    "human_resources": "人社部门"
  },
  "contactMethod": {
    "phone": "电话",
    "video": "视频",
    "sms": "短信",
    "wechat": "微信",
    "visit_in_person": "当面",
    "other": "其他"
  },
  "contactSource": {
    "manual": "登记",
    "visit": "探访",
    "incident": "应急事件"
  },
  "role": {
    "volunteer": "志愿者",
    "village_worker": "村级专干",
    "township_officer": "乡镇民政干部",
    "county_officer": "县民政局",
    "county_admin": "县级管理员"
  },
  "importResource": {
    "elders": "老人",
    "guardians": "子女与监护人",
    "volunteers": "志愿者",
    "pairings": "结对帮扶",
    "visits": "探访记录"
  },
  "importStatus": {
    "queued": "排队中",
    "running": "导入中",
    "succeeded": "已完成",
    "failed": "未成功",
    "interrupted": "已中断"
  },
  "supportSituation": {
    "able": "具备赡养能力",
    "extreme_poverty": "本人为特困人员",
    "minimum_living": "本人享受低保",
    "severely_disabled": "重度残疾",
    "no_civil_capacity": "无民事行为能力",
    "missing": "失踪/下落不明",
    "in_prison": "服刑在押"
  },
  "incomeItem": {
    "wages": "工资性收入",
    "business": "经营净收入",
    "property": "财产净收入",
    "transfers": "转移净收入",
    "basic_pension": "基础养老金",
    "social_insurance": "社会保险待遇",
    "special_care": "优抚金",
    "family_planning_reward": "计生奖励扶助金",
    "reward": "奖励金",
    "social_assistance": "社会救助金",
    "old_age_allowance": "高龄津贴"
  },
  "abilityLevel": {
    "intact": "能力完好",
    "mild": "轻度失能",
    "moderate": "中度失能",
    "severe": "重度失能",
    "lost": "完全失能"
  },
  "housingGrade": {
    "A": "A 级",
    "B": "B 级",
    "C": "C 级（局部危房）",
    "D": "D 级（整栋危房）",
    "none": "无住房"
  },
  "povertyMonitoring": {
    "none": "非监测对象",
    "relapsed": "已返贫",
    "monitored": "监测对象"
  },
  "hardship": {
    "none": "无",
    "accident": "意外事故",
    "disaster": "自然灾害",
    "illness": "重大疾病",
    "spending_surge": "支出骤增"
  },
  "sweepPeriod": {
    "spring": "春季摸底排查（3月）",
    "autumn": "秋季摸底排查（9月）",
    "special": "专项排查"
  },
  "sweepStatus": {
    "open": "进行中",
    "closed": "已结束"
  },
  "rosterKind": {
    "deaths": "死亡人员名单（殡葬/公安）",
    "hukou_out": "户口迁出名单（公安）",
    "dibao": "低保对象名单",
    "tekun": "特困供养人员名单",
    "disability": "残疾人证名单（残联）"
  },
  "discrepancy": {
    "deceased_but_active": "名单显示已死亡，本系统仍在册",
    "paid_but_deceased": "已死亡仍在发放待遇",
    "moved_but_active": "名单显示户口已迁出，本系统仍在册",
    "paid_not_on_roster": "本系统在发放，名单中没有",
    "on_roster_no_benefit": "名单中有，本系统未记录待遇",
    "grade_differs": "残疾等级与证件不一致"
  },
  "discrepancyStatus": {
    "open": "待处理",
    "applied": "已更正",
    "dismissed": "已忽略"
  },
  "checkReason": {
    "deceased": "已故",
    "moved_out": "已迁出",
    "not_eligible": "预筛查显示可能已不符合条件",
    "double_benefit": "可能重复享受（不重复享受）"
  },
  "programStatus": {
    "eligible": "预筛查：符合条件",
    "likely_eligible": "预筛查：可能符合（需核实）",
    "not_eligible": "预筛查：暂不符合",
    "unknown": "预筛查：信息不全，无法判断"
  },
  "criterion": {
    "resident": "在世且户籍未迁出",
    "income_below_standard": "家庭月人均收入低于低保标准",
    "near_poverty_band": "低保边缘家庭（收入低于标准的边缘倍数）",
    "single_person_group": "单人保对象（重度残疾、重特大疾病等）",
    "assets_within_limits": "家庭财产符合规定",
    "no_work_capacity": "无劳动能力",
    "no_means_of_living": "无生活来源",
    "no_able_supporter": "无赡养扶养人或赡养扶养人无能力",
    "age_tier": "达到高龄津贴年龄",
    "financially_struggling": "经济困难（低保、特困或低保边缘）",
    "disabled": "持证残疾人",
    "disability_certificate": "持第二代残疾人证",
    "low_income_household": "低保家庭（或扩展范围）",
    "severe_disability": "一、二级重度残疾（或扩展范围）",
    "medical_assistance_class": "属于医疗救助对象类别",
    "sudden_hardship": "遭遇突发性、紧迫性困难",
    "housing_target_group": "属于危房改造对象",
    "dangerous_house": "住房鉴定为C级或D级危房（或无房）",
    "advanced_age_or_disabled": "80周岁以上高龄，或失能、半失能、失智",
    "elderly_care_group": "特困、低保、低收入或计划生育特殊困难家庭",
    "no_double_benefit": "不重复享受"
  },
  "criterionSource": {
    "relief_facts": "救助核查信息",
    "register": "台账",
    "id_number": "身份证号",
    "benefits": "已享受待遇",
    "pre_screening": "预筛查",
    "policy": "政策参数"
  },
  "caretaker": {
    "missing": "未签委托照料协议",
    "present": "已签委托照料协议"
  },
  "scope": {
    "county": "县",
    "township": "乡镇",
    "village": "村"
  },
  "team": {
    "technology": "科技服务队",
    "home_cleaning": "家政保洁队",
    "medical_care": "医疗保健队",
    "psychological_comfort": "心理慰藉队",
    "culture_recreation": "文化娱乐队"
  },
  "auditResult": {
    "success": "成功",
    "failure": "失败"
  },
  "careList": {
    "contacts_overdue": "子女联系超期",
    "no_one_at_home": "家中无人照料",
    "caretaker_missing": "未签委托照料协议"
  },
  "changeEntity": {
    "benefit": "救助待遇",
    "elder": "老人",
    "follow_up": "跟进事项",
    "guardian": "子女/监护人",
    "guardian_contact": "子女联系记录",
    "household": "家庭户",
    "incident": "紧急事件",
    "pairing": "结对帮扶",
    "relief_facts": "救助核查信息",
    "visit": "探访记录",
    "volunteer": "志愿者"
  },
  "changeAction": {
    "create": "新增",
    "update": "修改",
    "delete": "删除"
  },
  "categorySource": {
    "derived": "系统判定",
    "manual": "人工标记"
  },
  "eventType": {
    "hospitalisation": "住院",
    "bereavement": "丧亲",
    "guardian_unreachable": "子女联系不上",
    "incident": "紧急事件",
    "other": "其他"
  },
  "amountPeriod": {
    "monthly": "按月",
    "one_off": "一次性"
  },
  "oldAgeStart": {
    "birthday": "自生日当天起",
    "birthday_month": "自生日当月起",
    "next_month": "自生日次月起"
  },
  "awayRule": {
    "outside_county": "离开本县",
    "outside_township": "离开本乡镇"
  },
  "resolveAction": {
    "apply": "按名单更正",
    "dismiss": "忽略"
  },
  "supportMode": {
    "declared": "按申报赡养费",
    "per_able_supporter": "按有能力义务人人数",
    "share_of_supporter_income": "按义务人收入比例"
  },
  "clientScope": {
    "registry:read": "读取台账",
    "registry:write": "写入台账",
    "import": "批量导入",
    "changes:read": "读取变更"
  },
  "accountKind": {
    "user": "用户",
    "client": "接入系统"
  },
  "importMode": {
    "atomic": "全部无误才写入",
    "per_row": "逐行写入"
  },
  "followUpLevel": {
    "village": "村级",
    "township": "已升级至乡镇"
  },
  "foundBy": {
    "user": "工作人员",
    "volunteer": "志愿者"
  },
  "disabilityGrade": {
    "1": "一级",
    "2": "二级",
    "3": "三级",
    "4": "四级"
  },
  "regionLevel": {
    "county": "县",
    "township": "乡镇",
    "village": "村"
  },
  "criterionValue": {
    "active": "在册",
    "deceased": "已去世",
    "moved_out": "已迁出"
  },
  "field": {
    "id_number": "身份证号",
    "name": "姓名",
    "village_code": "村代码",
    "phone": "联系电话",
    "address": "现住址",
    "hukou_address": "户籍地址",
    "ethnicity": "民族",
    "marital_status": "婚姻状况",
    "living_arrangement": "居住状况",
    "self_care": "生活自理能力",
    "health_conditions": "健康状况",
    "disability_grade": "残疾等级",
    "disability_type": "残疾类别",
    "income_sources": "收入来源",
    "household_size": "家庭人口",
    "annual_income_per_capita": "家庭人均年收入",
    "family_doctor_signed": "签约家庭医生",
    "care_situation": "照料情况",
    "notes": "备注",
    "elder_id_number": "老人身份证号",
    "relation": "关系",
    "alive": "是否健在",
    "work_location": "务工地",
    "work_region_code": "务工地区划代码",
    "away_scope": "外出范围",
    "away_since": "外出时间",
    "can_support": "有无赡养能力",
    "last_contact_date": "最近联系日期",
    "is_entrusted_caretaker": "委托照料人",
    "agreement_date": "委托协议日期",
    "birth_year": "出生年份",
    "support_situation": "赡养能力情况",
    "annual_income": "年收入（元）",
    "assets_within_limit": "财产是否在限额内",
    "kind": "类别",
    "team": "服务队",
    "region_code": "区划代码",
    "max_pairings": "最多结对人数",
    "active": "是否在岗",
    "volunteer_phone": "结对人电话",
    "is_primary": "包保责任人",
    "services": "服务内容",
    "start_date": "结对日期",
    "end_date": "结束日期",
    "end_reason": "结束原因",
    "visited_at": "探访时间",
    "method": "探访方式",
    "health": "健康状况",
    "mental_state": "精神状态",
    "living_conditions": "生活状况",
    "family_support": "家庭支持",
    "danger": "危险程度",
    "safety_risks": "安全隐患",
    "needs": "服务需求",
    "guardian_contacted": "已联系赡养人",
    "follow_up": "后续跟进",
    "id": "编号",
    "sex": "性别",
    "category_codes": "类别",
    "is_left_behind": "是否留守",
    "risk_level": "风险等级",
    "status": "状态",
    "version": "版本",
    "updated_at": "更新时间",
    "township": "乡镇",
    "village": "村（社区）",
    "password": "密码",
    "password_change": "修改密码",
    "secret": "客户端密钥",
    "owner_id": "责任人",
    "owner_type": "责任方",
    "user": "用户",
    "display_name": "姓名",
    "role": "角色",
    "username": "用户名",
    "amount": "金额",
    "program": "救助项目",
    "source": "信息来源",
    "note": "说明",
    "level": "级别",
    "severity": "紧急程度",
    "type": "类型",
    "category": "类别",
    "due_date": "期限",
    "effective_from": "生效日期",
    "caretaker_name": "委托照料人",
    "caretaker_phone": "委托照料人电话",
    "risk_override": "人工调整风险等级",
    "birth_date": "出生日期",
    "scopes": "权限范围",
    "household_id": "家庭户",
    "township_code": "乡镇",
    "county_code": "县",
    "id_number_original": "原身份证号",
    "id_number_rev": "身份证号（检索用）",
    "name_pinyin": "姓名拼音",
    "name_initials": "姓名首字母",
    "manual_categories": "人工标记类别",
    "categories": "类别",
    "left_behind_reason": "留守认定依据",
    "risk_rank": "风险排序",
    "risk_reasons": "风险依据",
    "no_one_at_home": "家中无人照料",
    "no_one_at_home_reason": "无人照料原因",
    "derived_until": "认定有效期至",
    "status_date": "状态日期",
    "status_reason": "状态原因",
    "merged_into_id": "并入",
    "verified_on": "最近核实",
    "created_at": "创建时间",
    "elder_id": "老人"
  },
  "auditAction": {
    "create": "新增",
    "update": "修改",
    "delete": "删除",
    "end": "结束",
    "event": "登记事件",
    "export": "明文导出",
    "login": "登录",
    "logout": "退出登录",
    "login_failed": "登录失败",
    "login_throttled": "登录受限",
    "notify": "发送通知",
    "recompute": "重新计算",
    "refresh_token_reused": "令牌被重复使用",
    "reveal": "查看明文",
    "rotate_secret": "重置密钥",
    "sweep_issue": "排查发现问题",
    "transition": "状态变更",
    "duplicate_probe": "查重比对",
    "merge": "合并",
    "import": "批量导入",
    "close": "结束",
    "password_change": "修改密码"
  },
  "auditResource": {
    "benefit": "救助待遇",
    "client": "接入系统",
    "contact_policy": "子女联系要求",
    "elder": "老人",
    "follow_up": "跟进事项",
    "follow_up_policy": "跟进时限",
    "guardian": "子女/监护人",
    "guardian_contact": "子女联系记录",
    "incident": "紧急事件",
    "incident_policy": "应急办理时限",
    "month_snapshot": "月度报表",
    "pairing": "结对帮扶",
    "register_policy": "台账参数",
    "relief_facts": "救助核查信息",
    "relief_policy": "救助参数",
    "roster_discrepancy": "名单差异",
    "sweep": "摸底排查",
    "user": "用户",
    "visit": "探访记录",
    "visit_policy": "探访频次",
    "volunteer": "志愿者",
    "import": "批量导入"
  }
} as const;

type Words<T> = { [G in keyof T]: { [C in keyof T[G]]: string } };
export const en: Words<typeof zhCN> = {
  "risk": {
    "high": "High",
    "key": "Key",
    "general": "General"
  },
  "status": {
    "active": "Active",
    "moved_out": "Moved out",
    "deceased": "Deceased",
    "not_left_behind": "Not left-behind"
  },
  "sex": {
    "male": "Male",
    "female": "Female"
  },
  "category": {
    "left_behind": "Left-behind",
    "empty_nest": "Empty nest",
    "living_alone": "Living alone",
    "advanced_age": "Advanced age",
    "disabled": "Disabled",
    "severe_disability": "Severe disability",
    "extreme_poverty": "Extreme poverty",
    "low_income": "Minimum living allowance",
    "registered_poor": "Registered poor or monitored",
    "family_planning_special": "Family-planning special family",
    "special_difficulty": "Special difficulty"
  },
  "living": {
    "alone": "Alone",
    "with_spouse": "With spouse",
    "with_children": "With children",
    "with_grandchildren": "With grandchildren",
    "with_others": "With others",
    "in_institution": "In an institution"
  },
  "selfCare": {
    "independent": "Independent",
    "partly_dependent": "Partly dependent",
    "dependent": "Dependent"
  },
  "method": {
    "home_visit": "Home visit",
    "phone": "Phone",
    "video": "Video"
  },
  "service": {
    "cleaning": "Cleaning",
    "laundry": "Laundry",
    "cooking_meals": "Meals",
    "medicine_delivery": "Medicine",
    "haircut": "Haircut",
    "blood_pressure_glucose": "Blood pressure/glucose",
    "shopping": "Shopping",
    "companionship": "Company",
    "legal_aid": "Legal aid",
    "repairs": "Repairs",
    "necessities": "Necessities",
    "health_checkup": "Health check-up",
    "family_doctor": "Family-doctor follow-up",
    "other": "Other"
  },
  "safety": {
    "fall_risk": "Fall risk",
    "fire_gas": "Fire/gas",
    "electrical": "Electrical",
    "housing": "Housing",
    "water": "Water",
    "heating": "Heating",
    "wandering": "Wandering",
    "neglect": "Neglect",
    "abuse": "Abuse",
    "other": "Other"
  },
  "need": {
    "daily_care": "Daily care",
    "rehabilitation": "Rehabilitation",
    "emotional_support": "Emotional support",
    "home_modification": "Home adaptation",
    "medical": "Medical",
    "financial": "Financial",
    "legal": "Legal",
    "relief": "Social assistance",
    "assistive_device": "Assistive device",
    "other": "Other"
  },
  "health": {
    "hypertension": "Hypertension",
    "severe_hypertension": "Severe hypertension",
    "heart_disease": "Heart disease",
    "diabetes": "Diabetes",
    "stroke": "Stroke",
    "dementia": "Dementia",
    "cancer": "Cancer",
    "copd": "COPD",
    "severe_mental_illness": "Severe mental illness",
    "arthritis": "Arthritis",
    "vision_hearing_loss": "Vision/hearing loss",
    "other": "Other"
  },
  "danger": {
    "none": "None",
    "concern": "Concern",
    "severe": "Severe danger"
  },
  "incidentType": {
    "wandering_begging": "Wandering/begging",
    "abuse": "Abuse",
    "critical_illness": "Critical illness",
    "severe_mental_illness": "Severe mental illness",
    "major_hardship": "Major hardship",
    "accident": "Accident",
    "other": "Other"
  },
  "severity": {
    "critical": "Critical",
    "high": "High",
    "medium": "Medium",
    "low": "Low"
  },
  "incidentStatus": {
    "reported": "Reported",
    "acknowledged": "Acknowledged",
    "in_progress": "In progress",
    "escalated": "Escalated",
    "resolved": "Resolved"
  },
  "awayScope": {
    "local": "In the village",
    "in_township": "In the township",
    "in_county": "Elsewhere in the county",
    "outside_county": "Outside the county, in the province",
    "outside_province": "Outside the province"
  },
  "relation": {
    "son": "Son",
    "daughter": "Daughter",
    "son_in_law": "Son-in-law",
    "daughter_in_law": "Daughter-in-law",
    "spouse": "Spouse",
    "grandchild": "Grandchild",
    "sibling": "Sibling",
    "relative": "Relative",
    "neighbour": "Neighbour",
    "other": "Other"
  },
  "duplicateReason": {
    "same_birth_date": "Same birth date",
    "same_village": "Same village",
    "same_name": "Same name",
    "same_pinyin": "Same name in pinyin",
    "same_initials": "Same initials",
    "same_id_number": "Same ID number"
  },
  "volunteerKind": {
    "village_cadre": "Village cadre",
    "party_member": "Party member",
    "womens_federation": "Women's federation",
    "volunteer": "Volunteer",
    "social_worker": "Social worker",
    "village_doctor": "Village doctor",
    "elders_association": "Elders' association",
    "neighbour": "Neighbour"
  },
  "marital": {
    "unmarried": "Unmarried",
    "married": "Married",
    "widowed": "Widowed",
    "divorced": "Divorced"
  },
  "incomeSource": {
    "pension": "Pension",
    "children_support": "Children's support",
    "farming": "Farming",
    "wages": "Wages",
    "business": "Business",
    "rent": "Rent",
    "low_income_allowance": "Minimum living allowance",
    "extreme_poverty_support": "Extreme-poverty support",
    "subsidies": "Subsidies",
    "other": "Other"
  },
  "disabilityType": {
    "vision": "Vision",
    "hearing": "Hearing",
    "speech": "Speech",
    "physical": "Physical",
    "intellectual": "Intellectual",
    "mental": "Mental",
    "multiple": "Multiple"
  },
  "program": {
    "minimum_living_allowance": "Minimum living allowance (dibao)",
    "extreme_poverty_support": "Extreme-poverty support (tekun)",
    "old_age_allowance": "Advanced-age allowance",
    "disability_living_subsidy": "Living subsidy for disabled people",
    "disability_care_subsidy": "Care subsidy for severely disabled people",
    "medical_assistance": "Medical assistance",
    "temporary_assistance": "Temporary assistance",
    "housing_renovation": "Dangerous-housing renovation",
    "elderly_care_subsidy": "Subsidy for struggling elders over 80 or disabled"
  },
  "benefitSource": {
    "civil_affairs_roster": "Civil affairs roster",
    "county_system": "County system",
    "household_survey": "Household survey",
    "manual": "Entered by hand"
  },
  "endReason": {
    "deceased": "Deceased",
    "moved_out": "Moved out",
    "no_longer_eligible": "No longer eligible",
    "declined": "Declined",
    "other": "Other"
  },
  "pairingEnd": {
    "moved": "The elder moved to another village"
  },
  "fuCategory": {
    "hazard": "Hazard",
    "need": "Need",
    "general": "Other follow-up"
  },
  "fuKind": {
    "fall_risk": "Fall risk",
    "fire_gas": "Fire/gas",
    "electrical": "Electrical",
    "housing": "Housing",
    "water": "Water",
    "heating": "Heating",
    "wandering": "Wandering",
    "neglect": "Neglect",
    "abuse": "Suspected abuse",
    "other_hazard": "Other hazard",
    "daily_care": "Daily care",
    "rehabilitation": "Rehabilitation",
    "emotional_support": "Emotional support",
    "home_modification": "Home adaptation",
    "medical": "Medical",
    "financial": "Financial hardship",
    "legal": "Legal aid",
    "relief": "Social assistance",
    "assistive_device": "Assistive device",
    "other_need": "Other need",
    "general": "Other follow-up"
  },
  "fuSeverity": {
    "high": "Urgent",
    "medium": "Normal",
    "low": "Low"
  },
  "fuStatus": {
    "open": "Open",
    "in_progress": "In progress",
    "resolved": "Resolved",
    "referred": "Referred",
    "cannot_resolve": "Cannot be resolved"
  },
  "fuOwner": {
    "village_worker": "Village worker",
    "volunteer": "Volunteer",
    "township": "Township",
    "department": "Department"
  },
  "department": {
    "housing": "Housing",
    "health": "Health",
    "civil_affairs": "Civil affairs",
    "emergency_management": "Emergency management",
    "public_security": "Public security",
    "water_resources": "Water resources",
    "power_supply": "Power supply",
    "disabled_persons": "Disabled persons' federation",
    "justice": "Justice",
    "human_resources": "Human resources"
  },
  "contactMethod": {
    "phone": "Phone",
    "video": "Video",
    "sms": "Text message",
    "wechat": "WeChat",
    "visit_in_person": "In person",
    "other": "Other"
  },
  "contactSource": {
    "manual": "Logged by hand",
    "visit": "Visit",
    "incident": "Emergency"
  },
  "role": {
    "volunteer": "Volunteer",
    "village_worker": "Village worker",
    "township_officer": "Township officer",
    "county_officer": "County officer",
    "county_admin": "County admin"
  },
  "importResource": {
    "elders": "Elders",
    "guardians": "Children and guardians",
    "volunteers": "Volunteers",
    "pairings": "Pairings",
    "visits": "Visits"
  },
  "importStatus": {
    "queued": "Queued",
    "running": "Importing",
    "succeeded": "Done",
    "failed": "Not done",
    "interrupted": "Interrupted"
  },
  "supportSituation": {
    "able": "Able to support",
    "extreme_poverty": "In extreme-poverty support",
    "minimum_living": "Receives minimum living allowance",
    "severely_disabled": "Severely disabled",
    "no_civil_capacity": "No civil capacity",
    "missing": "Missing",
    "in_prison": "In prison"
  },
  "incomeItem": {
    "wages": "Wages",
    "business": "Business income",
    "property": "Property income",
    "transfers": "Transfers",
    "basic_pension": "Basic pension",
    "social_insurance": "Social insurance",
    "special_care": "Special care allowance",
    "family_planning_reward": "Family-planning reward",
    "reward": "Rewards",
    "social_assistance": "Social assistance",
    "old_age_allowance": "Old-age allowance"
  },
  "abilityLevel": {
    "intact": "Intact",
    "mild": "Mildly impaired",
    "moderate": "Moderately impaired",
    "severe": "Severely impaired",
    "lost": "Fully dependent"
  },
  "housingGrade": {
    "A": "Grade A",
    "B": "Grade B",
    "C": "Grade C (partly unsafe)",
    "D": "Grade D (unsafe)",
    "none": "No house"
  },
  "povertyMonitoring": {
    "none": "Not monitored",
    "relapsed": "Fell back into poverty",
    "monitored": "Monitored"
  },
  "hardship": {
    "none": "None",
    "accident": "Accident",
    "disaster": "Natural disaster",
    "illness": "Major illness",
    "spending_surge": "Spending surge"
  },
  "sweepPeriod": {
    "spring": "Spring sweep (March)",
    "autumn": "Autumn sweep (September)",
    "special": "Special sweep"
  },
  "sweepStatus": {
    "open": "Open",
    "closed": "Closed"
  },
  "rosterKind": {
    "deaths": "Deaths (funeral services, police)",
    "hukou_out": "Hukou moved out (police)",
    "dibao": "低保 recipients",
    "tekun": "特困 recipients",
    "disability": "Disability certificates"
  },
  "discrepancy": {
    "deceased_but_active": "Deceased per the roster, active here",
    "paid_but_deceased": "Deceased, still paid here",
    "moved_but_active": "Moved out per the roster, active here",
    "paid_not_on_roster": "Paid here, not on the roster",
    "on_roster_no_benefit": "On the roster, no benefit here",
    "grade_differs": "Disability grade differs"
  },
  "discrepancyStatus": {
    "open": "Open",
    "applied": "Applied",
    "dismissed": "Dismissed"
  },
  "checkReason": {
    "deceased": "Deceased",
    "moved_out": "Moved out",
    "not_eligible": "Apparently no longer eligible",
    "double_benefit": "Possibly a double benefit"
  },
  "programStatus": {
    "eligible": "Pre-screening: meets the criteria",
    "likely_eligible": "Pre-screening: likely eligible (verify)",
    "not_eligible": "Pre-screening: does not appear eligible",
    "unknown": "Pre-screening: not enough information"
  },
  "criterion": {
    "resident": "Alive and still resident",
    "income_below_standard": "Household income per person below the dibao standard",
    "near_poverty_band": "Near-dibao household (income below the factor × standard)",
    "single_person_group": "May be covered alone (severe disability, major illness...)",
    "assets_within_limits": "Household assets within the limits",
    "no_work_capacity": "No capacity to work",
    "no_means_of_living": "No means of living",
    "no_able_supporter": "No supporter, or no supporter able to pay",
    "age_tier": "Reached an allowance age",
    "financially_struggling": "Financially struggling (dibao, tekun or near-dibao)",
    "disabled": "Registered disability",
    "disability_certificate": "Holds a second-generation disability card",
    "low_income_household": "Dibao household (or extended group)",
    "severe_disability": "Grade 1-2 disability (or extended)",
    "medical_assistance_class": "In a medical-assistance class",
    "sudden_hardship": "Sudden, pressing hardship",
    "housing_target_group": "In a housing-renovation target group",
    "dangerous_house": "House graded C or D (or no house)",
    "advanced_age_or_disabled": "Aged 80+, or disabled, partly disabled or with dementia",
    "elderly_care_group": "Tekun, dibao, low-income or family-planning special-hardship household",
    "no_double_benefit": "No double benefits"
  },
  "criterionSource": {
    "relief_facts": "Relief facts",
    "register": "Register",
    "id_number": "ID number",
    "benefits": "Benefits",
    "pre_screening": "Pre-screening",
    "policy": "Policy"
  },
  "caretaker": {
    "missing": "No caretaker agreement",
    "present": "Caretaker agreement signed"
  },
  "scope": {
    "county": "County",
    "township": "Township",
    "village": "Village"
  },
  "team": {
    "technology": "Technology",
    "home_cleaning": "Home cleaning",
    "medical_care": "Medical care",
    "psychological_comfort": "Psychological comfort",
    "culture_recreation": "Culture and recreation"
  },
  "auditResult": {
    "success": "Succeeded",
    "failure": "Failed"
  },
  "careList": {
    "contacts_overdue": "Children's contact overdue",
    "no_one_at_home": "No one at home",
    "caretaker_missing": "No caretaker agreement"
  },
  "changeEntity": {
    "benefit": "Benefit",
    "elder": "Elder",
    "follow_up": "Follow-up",
    "guardian": "Guardian",
    "guardian_contact": "Contact with a child",
    "household": "Household",
    "incident": "Incident",
    "pairing": "Pairing",
    "relief_facts": "Relief facts",
    "visit": "Visit",
    "volunteer": "Volunteer"
  },
  "changeAction": {
    "create": "Created",
    "update": "Updated",
    "delete": "Deleted"
  },
  "categorySource": {
    "derived": "Derived",
    "manual": "Set by hand"
  },
  "eventType": {
    "hospitalisation": "Hospitalisation",
    "bereavement": "Bereavement",
    "guardian_unreachable": "Guardian unreachable",
    "incident": "Emergency",
    "other": "Other"
  },
  "amountPeriod": {
    "monthly": "Monthly",
    "one_off": "One-off"
  },
  "oldAgeStart": {
    "birthday": "from the birthday",
    "birthday_month": "from the birthday month",
    "next_month": "from the month after the birthday"
  },
  "awayRule": {
    "outside_county": "Outside the county",
    "outside_township": "Outside the township"
  },
  "resolveAction": {
    "apply": "Apply",
    "dismiss": "Dismiss"
  },
  "supportMode": {
    "declared": "As declared",
    "per_able_supporter": "Per able supporter",
    "share_of_supporter_income": "Share of the supporter's income"
  },
  "clientScope": {
    "registry:read": "Read the register",
    "registry:write": "Write the register",
    "import": "Imports",
    "changes:read": "Read changes"
  },
  "accountKind": {
    "user": "User",
    "client": "Integration client"
  },
  "importMode": {
    "atomic": "All or nothing",
    "per_row": "Row by row"
  },
  "followUpLevel": {
    "village": "village",
    "township": "escalated to the township"
  },
  "foundBy": {
    "user": "staff",
    "volunteer": "volunteer"
  },
  "disabilityGrade": {
    "1": "Grade 1",
    "2": "Grade 2",
    "3": "Grade 3",
    "4": "Grade 4"
  },
  "regionLevel": {
    "county": "County",
    "township": "Township",
    "village": "Village"
  },
  "criterionValue": {
    "active": "on the register",
    "deceased": "deceased",
    "moved_out": "moved out"
  },
  "field": {
    "id_number": "ID number",
    "name": "Name",
    "village_code": "Village code",
    "phone": "Phone",
    "address": "Address",
    "hukou_address": "Hukou address",
    "ethnicity": "Ethnicity",
    "marital_status": "Marital status",
    "living_arrangement": "Living arrangement",
    "self_care": "Self care",
    "health_conditions": "Health conditions",
    "disability_grade": "Disability grade",
    "disability_type": "Disability type",
    "income_sources": "Income sources",
    "household_size": "Household size",
    "annual_income_per_capita": "Annual income per capita",
    "family_doctor_signed": "Family doctor signed",
    "care_situation": "Care situation",
    "notes": "Notes",
    "elder_id_number": "Elder id number",
    "relation": "Relation",
    "alive": "Alive",
    "work_location": "Work location",
    "work_region_code": "Work region code",
    "away_scope": "Away scope",
    "away_since": "Away since",
    "can_support": "Can support",
    "last_contact_date": "Last contact date",
    "is_entrusted_caretaker": "Is entrusted caretaker",
    "agreement_date": "Agreement date",
    "birth_year": "Birth year",
    "support_situation": "Support situation",
    "annual_income": "Annual income",
    "assets_within_limit": "Assets within limit",
    "kind": "Kind",
    "team": "Team",
    "region_code": "Region code",
    "max_pairings": "Max pairings",
    "active": "Active",
    "volunteer_phone": "Volunteer phone",
    "is_primary": "Is primary",
    "services": "Services",
    "start_date": "Start date",
    "end_date": "End date",
    "end_reason": "End reason",
    "visited_at": "Visited at",
    "method": "Method",
    "health": "Health",
    "mental_state": "Mental state",
    "living_conditions": "Living conditions",
    "family_support": "Family support",
    "danger": "Danger",
    "safety_risks": "Safety risks",
    "needs": "Needs",
    "guardian_contacted": "Guardian contacted",
    "follow_up": "Follow up",
    "id": "ID",
    "sex": "Sex",
    "category_codes": "Categories",
    "is_left_behind": "Left-behind",
    "risk_level": "Risk level",
    "status": "Status",
    "version": "Version",
    "updated_at": "Updated at",
    "township": "Township",
    "village": "Village",
    "password": "Password",
    "password_change": "Password change",
    "secret": "Client secret",
    "owner_id": "Owner",
    "owner_type": "Owner type",
    "user": "User",
    "display_name": "Name",
    "role": "Role",
    "username": "Username",
    "amount": "Amount",
    "program": "Program",
    "source": "Source",
    "note": "Note",
    "level": "Level",
    "severity": "Severity",
    "type": "Type",
    "category": "Category",
    "due_date": "Due date",
    "effective_from": "Effective from",
    "caretaker_name": "Caretaker",
    "caretaker_phone": "Caretaker's phone",
    "risk_override": "Risk set by hand",
    "birth_date": "Birth date",
    "scopes": "Scopes",
    "household_id": "Household",
    "township_code": "Township",
    "county_code": "County",
    "id_number_original": "Original ID number",
    "id_number_rev": "ID number (search)",
    "name_pinyin": "Name in pinyin",
    "name_initials": "Initials",
    "manual_categories": "Categories set by hand",
    "categories": "Categories",
    "left_behind_reason": "Why left-behind",
    "risk_rank": "Risk rank",
    "risk_reasons": "Risk reasons",
    "no_one_at_home": "No one at home",
    "no_one_at_home_reason": "Why no one is at home",
    "derived_until": "Derived until",
    "status_date": "Status date",
    "status_reason": "Status reason",
    "merged_into_id": "Merged into",
    "verified_on": "Verified on",
    "created_at": "Created at",
    "elder_id": "Elder"
  },
  "auditAction": {
    "create": "Created",
    "update": "Updated",
    "delete": "Deleted",
    "end": "Ended",
    "event": "Event logged",
    "export": "Unmasked export",
    "login": "Signed in",
    "logout": "Signed out",
    "login_failed": "Sign-in failed",
    "login_throttled": "Sign-in throttled",
    "notify": "Notified",
    "recompute": "Recomputed",
    "refresh_token_reused": "Refresh token reused",
    "reveal": "Revealed",
    "rotate_secret": "Secret rotated",
    "sweep_issue": "Sweep issue",
    "transition": "Status changed",
    "duplicate_probe": "Duplicate check",
    "merge": "Merged",
    "import": "Import",
    "close": "Closed",
    "password_change": "Password changed"
  },
  "auditResource": {
    "benefit": "Benefit",
    "client": "Integration client",
    "contact_policy": "Contact policy",
    "elder": "Elder",
    "follow_up": "Follow-up",
    "follow_up_policy": "Follow-up policy",
    "guardian": "Guardian",
    "guardian_contact": "Contact with a child",
    "incident": "Incident",
    "incident_policy": "Incident policy",
    "month_snapshot": "Monthly report",
    "pairing": "Pairing",
    "register_policy": "Register policy",
    "relief_facts": "Relief facts",
    "relief_policy": "Relief policy",
    "roster_discrepancy": "Roster discrepancy",
    "sweep": "Sweep",
    "user": "User",
    "visit": "Visit",
    "visit_policy": "Visit policy",
    "volunteer": "Volunteer",
    "import": "Import"
  }
};
