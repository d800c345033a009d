"""The one dictionary of labels: every enumeration code the API takes or returns, in words
(zh-CN, en), keyed by the enumeration's name and the code.

Exports, reports and API texts read it; the app reads the same words from
``frontend/src/i18n/labels.generated.ts``, written from here by ``eldercare labels --out``
(a test fails when the two drift). ``FIELDS`` names the enumeration of each API field or
query parameter, so that a test can walk the OpenAPI document and find every value here.
"""

from __future__ import annotations

from typing import Any

ENUMS: dict[str, dict[str, tuple[str, str]]] = {
    "risk": {
        "high": ("高风险", "High"),
        "key": ("重点", "Key"),
        "general": ("一般", "General"),
    },
    "status": {
        "active": ("在册", "Active"),
        "moved_out": ("已迁出", "Moved out"),
        "deceased": ("已故", "Deceased"),
        "not_left_behind": ("非留守", "Not left-behind"),
    },
    "sex": {
        "male": ("男", "Male"),
        "female": ("女", "Female"),
    },
    "category": {
        "left_behind": ("留守", "Left-behind"),
        "empty_nest": ("空巢", "Empty nest"),
        "living_alone": ("独居", "Living alone"),
        "advanced_age": ("高龄", "Advanced age"),
        "disabled": ("失能/残疾", "Disabled"),
        "severe_disability": ("重度残疾", "Severe disability"),
        "extreme_poverty": ("特困", "Extreme poverty"),
        "low_income": ("低保", "Minimum living allowance"),
        "registered_poor": ("建档立卡/监测户", "Registered poor or monitored"),
        "family_planning_special": ("计划生育特殊家庭", "Family-planning special family"),
        "special_difficulty": ("特殊困难", "Special difficulty"),
    },
    "living": {
        "alone": ("独居", "Alone"),
        "with_spouse": ("与配偶同住", "With spouse"),
        "with_children": ("与子女同住", "With children"),
        "with_grandchildren": ("与孙辈同住", "With grandchildren"),
        "with_others": ("与他人同住", "With others"),
        "in_institution": ("入住机构", "In an institution"),
    },
    "selfCare": {
        "independent": ("能自理", "Independent"),
        "partly_dependent": ("半失能", "Partly dependent"),
        "dependent": ("失能", "Dependent"),
    },
    "method": {
        "home_visit": ("入户", "Home visit"),
        "phone": ("电话", "Phone"),
        "video": ("视频", "Video"),
    },
    "service": {
        "cleaning": ("打扫卫生", "Cleaning"),
        "laundry": ("洗衣", "Laundry"),
        "cooking_meals": ("做饭送餐", "Meals"),
        "medicine_delivery": ("送药", "Medicine"),
        "haircut": ("理发", "Haircut"),
        "blood_pressure_glucose": ("测血压血糖", "Blood pressure/glucose"),
        "shopping": ("代购", "Shopping"),
        "companionship": ("陪伴聊天", "Company"),
        "legal_aid": ("法律援助", "Legal aid"),
        "repairs": ("维修", "Repairs"),
        "necessities": ("发放生活必需品", "Necessities"),
        "health_checkup": ("健康体检", "Health check-up"),
        "family_doctor": ("家庭医生随访", "Family-doctor follow-up"),
        "other": ("其他", "Other"),
    },
    "safety": {
        "fall_risk": ("跌倒风险", "Fall risk"),
        "fire_gas": ("用火用气", "Fire/gas"),
        "electrical": ("用电", "Electrical"),
        "housing": ("住房", "Housing"),
        "water": ("饮水", "Water"),
        "heating": ("取暖", "Heating"),
        "wandering": ("走失", "Wandering"),
        "neglect": ("无人照料", "Neglect"),
        "abuse": ("虐待", "Abuse"),
        "other": ("其他", "Other"),
    },
    "need": {
        "daily_care": ("生活照料", "Daily care"),
        "rehabilitation": ("康复", "Rehabilitation"),
        "emotional_support": ("精神慰藉", "Emotional support"),
        "home_modification": ("适老化改造", "Home adaptation"),
        "medical": ("医疗", "Medical"),
        "financial": ("经济", "Financial"),
        "legal": ("法律", "Legal"),
        "relief": ("社会救助", "Social assistance"),
        "assistive_device": ("辅具", "Assistive device"),
        "other": ("其他", "Other"),
    },
    "health": {
        "hypertension": ("高血压", "Hypertension"),
        "severe_hypertension": ("重度高血压", "Severe hypertension"),
        "heart_disease": ("心脏病", "Heart disease"),
        "diabetes": ("糖尿病", "Diabetes"),
        "stroke": ("脑卒中", "Stroke"),
        "dementia": ("认知障碍（失智）", "Dementia"),
        "cancer": ("恶性肿瘤", "Cancer"),
        "copd": ("慢阻肺", "COPD"),
        "severe_mental_illness": ("严重精神障碍", "Severe mental illness"),
        "arthritis": ("关节炎", "Arthritis"),
        "vision_hearing_loss": ("视力/听力障碍", "Vision/hearing loss"),
        "other": ("其他", "Other"),
    },
    "danger": {
        "none": ("无", "None"),
        "concern": ("需关注", "Concern"),
        "severe": ("严重危险", "Severe danger"),
    },
    "incidentType": {
        "wandering_begging": ("流浪乞讨", "Wandering/begging"),
        "abuse": ("遭受虐待", "Abuse"),
        "critical_illness": ("突发重病", "Critical illness"),
        "severe_mental_illness": ("严重精神障碍", "Severe mental illness"),
        "major_hardship": ("重大困难", "Major hardship"),
        "accident": ("意外事故", "Accident"),
        "other": ("其他", "Other"),
    },
    "severity": {
        "critical": ("紧急", "Critical"),
        "high": ("高", "High"),
        "medium": ("中", "Medium"),
        "low": ("低", "Low"),
    },
    "incidentStatus": {
        "reported": ("已上报", "Reported"),
        "acknowledged": ("已受理", "Acknowledged"),
        "in_progress": ("处置中", "In progress"),
        "escalated": ("已上报县级", "Escalated"),
        "resolved": ("已办结", "Resolved"),
    },
    "awayScope": {
        "local": ("本村", "In the village"),
        "in_township": ("本乡镇", "In the township"),
        "in_county": ("本县其他乡镇", "Elsewhere in the county"),
        "outside_county": ("县外省内", "Outside the county, in the province"),
        "outside_province": ("省外", "Outside the province"),
    },
    "relation": {
        "son": ("儿子", "Son"),
        "daughter": ("女儿", "Daughter"),
        "son_in_law": ("女婿", "Son-in-law"),
        "daughter_in_law": ("儿媳", "Daughter-in-law"),
        "spouse": ("配偶", "Spouse"),
        "grandchild": ("孙辈", "Grandchild"),
        "sibling": ("兄弟姐妹", "Sibling"),
        "relative": ("亲属", "Relative"),
        "neighbour": ("邻居", "Neighbour"),
        "other": ("其他", "Other"),
    },
    "duplicateReason": {
        "same_birth_date": ("出生日期相同", "Same birth date"),
        "same_village": ("同村", "Same village"),
        "same_name": ("姓名相同", "Same name"),
        "same_pinyin": ("姓名拼音相同", "Same name in pinyin"),
        "same_initials": ("姓名首字母相同", "Same initials"),
        "same_id_number": ("身份证号相同", "Same ID number"),
    },
    "volunteerKind": {
        "village_cadre": ("村干部", "Village cadre"),
        "party_member": ("党员", "Party member"),
        "womens_federation": ("妇联", "Women's federation"),
        "volunteer": ("志愿者", "Volunteer"),
        "social_worker": ("社工", "Social worker"),
        "village_doctor": ("村医", "Village doctor"),
        "elders_association": ("老年协会", "Elders' association"),
        "neighbour": ("邻居", "Neighbour"),
    },
    "marital": {
        "unmarried": ("未婚", "Unmarried"),
        "married": ("已婚", "Married"),
        "widowed": ("丧偶", "Widowed"),
        "divorced": ("离婚", "Divorced"),
    },
    "incomeSource": {
        "pension": ("养老金", "Pension"),
        "children_support": ("子女赡养", "Children's support"),
        "farming": ("务农", "Farming"),
        "wages": ("工资", "Wages"),
        "business": ("经营", "Business"),
        "rent": ("租金", "Rent"),
        "low_income_allowance": ("低保金", "Minimum living allowance"),
        "extreme_poverty_support": ("特困供养金", "Extreme-poverty support"),
        "subsidies": ("各类补贴", "Subsidies"),
        "other": ("其他", "Other"),
    },
    "disabilityType": {
        "vision": ("视力", "Vision"),
        "hearing": ("听力", "Hearing"),
        "speech": ("言语", "Speech"),
        "physical": ("肢体", "Physical"),
        "intellectual": ("智力", "Intellectual"),
        "mental": ("精神", "Mental"),
        "multiple": ("多重", "Multiple"),
    },
    "program": {
        "minimum_living_allowance": ("最低生活保障（低保）", "Minimum living allowance (dibao)"),
        "extreme_poverty_support": ("特困人员救助供养", "Extreme-poverty support (tekun)"),
        "old_age_allowance": ("高龄津贴", "Advanced-age allowance"),
        "disability_living_subsidy": ("困难残疾人生活补贴", "Living subsidy for disabled people"),
        "disability_care_subsidy": (
            "重度残疾人护理补贴",
            "Care subsidy for severely disabled people",
        ),
        "medical_assistance": ("医疗救助", "Medical assistance"),
        "temporary_assistance": ("临时救助", "Temporary assistance"),
        "housing_renovation": ("农村危房改造", "Dangerous-housing renovation"),
        "elderly_care_subsidy": (
            "经济困难的高龄、失能老年人补贴",
            "Subsidy for struggling elders over 80 or disabled",
        ),
    },
    "benefitSource": {
        "civil_affairs_roster": ("民政名册", "Civil affairs roster"),
        "county_system": ("县级系统", "County system"),
        "household_survey": ("入户调查", "Household survey"),
        "manual": ("手工登记", "Entered by hand"),
    },
    "endReason": {
        "deceased": ("去世", "Deceased"),
        "moved_out": ("迁出", "Moved out"),
        "no_longer_eligible": ("不再符合条件", "No longer eligible"),
        "declined": ("本人放弃", "Declined"),
        "other": ("其他", "Other"),
    },
    "pairingEnd": {
        "moved": ("老人迁往他村", "The elder moved to another village"),
    },
    "fuCategory": {
        "hazard": ("安全隐患", "Hazard"),
        "need": ("需求", "Need"),
        "general": ("其他跟进", "Other follow-up"),
    },
    "fuKind": {
        "fall_risk": ("跌倒风险", "Fall risk"),
        "fire_gas": ("用火用气", "Fire/gas"),
        "electrical": ("用电", "Electrical"),
        "housing": ("住房", "Housing"),
        "water": ("饮水", "Water"),
        "heating": ("取暖", "Heating"),
        "wandering": ("走失风险", "Wandering"),
        "neglect": ("照料缺失", "Neglect"),
        "abuse": ("疑似受侵害", "Suspected abuse"),
        "other_hazard": ("其他隐患", "Other hazard"),
        "daily_care": ("生活照料", "Daily care"),
        "rehabilitation": ("康复", "Rehabilitation"),
        "emotional_support": ("精神慰藉", "Emotional support"),
        "home_modification": ("适老化改造", "Home adaptation"),
        "medical": ("医疗", "Medical"),
        "financial": ("经济困难", "Financial hardship"),
        "legal": ("法律援助", "Legal aid"),
        "relief": ("社会救助", "Social assistance"),
        "assistive_device": ("辅具", "Assistive device"),
        "other_need": ("其他需求", "Other need"),
        "general": ("其他跟进", "Other follow-up"),
    },
    "fuSeverity": {
        "high": ("紧急", "Urgent"),
        "medium": ("一般", "Normal"),
        "low": ("较低", "Low"),
    },
    "fuStatus": {
        "open": ("待处理", "Open"),
        "in_progress": ("处理中", "In progress"),
        "resolved": ("已解决", "Resolved"),
        "referred": ("已转介", "Referred"),
        "cannot_resolve": ("无法解决", "Cannot be resolved"),
    },
    "fuOwner": {
        "village_worker": ("村（社区）工作人员", "Village worker"),
        "volunteer": ("志愿者", "Volunteer"),
        "township": ("乡镇", "Township"),
        "department": ("职能部门", "Department"),
    },
    "department": {
        "housing": ("住建部门", "Housing"),
        "health": ("卫健部门", "Health"),
        "civil_affairs": ("民政部门", "Civil affairs"),
        "emergency_management": ("应急管理部门", "Emergency management"),
        "public_security": ("公安部门", "Public security"),
        "water_resources": ("水利部门", "Water resources"),
        "power_supply": ("供电部门", "Power supply"),
        "disabled_persons": ("残联", "Disabled persons' federation"),
        "justice": ("司法部门", "Justice"),
        "human_resources": ("人社部门", "Human resources"),
    },
    "contactMethod": {
        "phone": ("电话", "Phone"),
        "video": ("视频", "Video"),
        "sms": ("短信", "Text message"),
        "wechat": ("微信", "WeChat"),
        "visit_in_person": ("当面", "In person"),
        "other": ("其他", "Other"),
    },
    "contactSource": {
        "manual": ("登记", "Logged by hand"),
        "visit": ("探访", "Visit"),
        "incident": ("应急事件", "Emergency"),
    },
    "role": {
        "volunteer": ("志愿者", "Volunteer"),
        "village_worker": ("村级专干", "Village worker"),
        "township_officer": ("乡镇民政干部", "Township officer"),
        "county_officer": ("县民政局", "County officer"),
        "county_admin": ("县级管理员", "County admin"),
    },
    "importResource": {
        "elders": ("老人", "Elders"),
        "guardians": ("子女与监护人", "Children and guardians"),
        "volunteers": ("志愿者", "Volunteers"),
        "pairings": ("结对帮扶", "Pairings"),
        "visits": ("探访记录", "Visits"),
    },
    "importStatus": {
        "queued": ("排队中", "Queued"),
        "running": ("导入中", "Importing"),
        "succeeded": ("已完成", "Done"),
        "failed": ("未成功", "Not done"),
        "interrupted": ("已中断", "Interrupted"),
    },
    "supportSituation": {
        "able": ("具备赡养能力", "Able to support"),
        "extreme_poverty": ("本人为特困人员", "In extreme-poverty support"),
        "minimum_living": ("本人享受低保", "Receives minimum living allowance"),
        "severely_disabled": ("重度残疾", "Severely disabled"),
        "no_civil_capacity": ("无民事行为能力", "No civil capacity"),
        "missing": ("失踪/下落不明", "Missing"),
        "in_prison": ("服刑在押", "In prison"),
    },
    "incomeItem": {
        "wages": ("工资性收入", "Wages"),
        "business": ("经营净收入", "Business income"),
        "property": ("财产净收入", "Property income"),
        "transfers": ("转移净收入", "Transfers"),
        "basic_pension": ("基础养老金", "Basic pension"),
        "social_insurance": ("社会保险待遇", "Social insurance"),
        "special_care": ("优抚金", "Special care allowance"),
        "family_planning_reward": ("计生奖励扶助金", "Family-planning reward"),
        "reward": ("奖励金", "Rewards"),
        "social_assistance": ("社会救助金", "Social assistance"),
        "old_age_allowance": ("高龄津贴", "Old-age allowance"),
    },
    "abilityLevel": {
        "intact": ("能力完好", "Intact"),
        "mild": ("轻度失能", "Mildly impaired"),
        "moderate": ("中度失能", "Moderately impaired"),
        "severe": ("重度失能", "Severely impaired"),
        "lost": ("完全失能", "Fully dependent"),
    },
    "housingGrade": {
        "A": ("A 级", "Grade A"),
        "B": ("B 级", "Grade B"),
        "C": ("C 级（局部危房）", "Grade C (partly unsafe)"),
        "D": ("D 级（整栋危房）", "Grade D (unsafe)"),
        "none": ("无住房", "No house"),
    },
    "povertyMonitoring": {
        "none": ("非监测对象", "Not monitored"),
        "relapsed": ("已返贫", "Fell back into poverty"),
        "monitored": ("监测对象", "Monitored"),
    },
    "hardship": {
        "none": ("无", "None"),
        "accident": ("意外事故", "Accident"),
        "disaster": ("自然灾害", "Natural disaster"),
        "illness": ("重大疾病", "Major illness"),
        "spending_surge": ("支出骤增", "Spending surge"),
    },
    "sweepPeriod": {
        "spring": ("春季摸底排查（3月）", "Spring sweep (March)"),
        "autumn": ("秋季摸底排查（9月）", "Autumn sweep (September)"),
        "special": ("专项排查", "Special sweep"),
    },
    "sweepStatus": {
        "open": ("进行中", "Open"),
        "closed": ("已结束", "Closed"),
    },
    "rosterKind": {
        "deaths": ("死亡人员名单（殡葬/公安）", "Deaths (funeral services, police)"),
        "hukou_out": ("户口迁出名单（公安）", "Hukou moved out (police)"),
        "dibao": ("低保对象名单", "低保 recipients"),
        "tekun": ("特困供养人员名单", "特困 recipients"),
        "disability": ("残疾人证名单（残联）", "Disability certificates"),
    },
    "discrepancy": {
        "deceased_but_active": (
            "名单显示已死亡，本系统仍在册",
            "Deceased per the roster, active here",
        ),
        "paid_but_deceased": ("已死亡仍在发放待遇", "Deceased, still paid here"),
        "moved_but_active": (
            "名单显示户口已迁出，本系统仍在册",
            "Moved out per the roster, active here",
        ),
        "paid_not_on_roster": ("本系统在发放，名单中没有", "Paid here, not on the roster"),
        "on_roster_no_benefit": ("名单中有，本系统未记录待遇", "On the roster, no benefit here"),
        "grade_differs": ("残疾等级与证件不一致", "Disability grade differs"),
    },
    "discrepancyStatus": {
        "open": ("待处理", "Open"),
        "applied": ("已更正", "Applied"),
        "dismissed": ("已忽略", "Dismissed"),
    },
    "checkReason": {
        "deceased": ("已故", "Deceased"),
        "moved_out": ("已迁出", "Moved out"),
        "not_eligible": ("预筛查显示可能已不符合条件", "Apparently no longer eligible"),
        "double_benefit": ("可能重复享受（不重复享受）", "Possibly a double benefit"),
    },
    "programStatus": {
        "eligible": ("预筛查：符合条件", "Pre-screening: meets the criteria"),
        "likely_eligible": (
            "预筛查：可能符合（需核实）",
            "Pre-screening: likely eligible (verify)",
        ),
        "not_eligible": ("预筛查：暂不符合", "Pre-screening: does not appear eligible"),
        "unknown": ("预筛查：信息不全，无法判断", "Pre-screening: not enough information"),
    },
    "criterion": {
        "resident": ("在世且户籍未迁出", "Alive and still resident"),
        "income_below_standard": (
            "家庭月人均收入低于低保标准",
            "Household income per person below the dibao standard",
        ),
        "near_poverty_band": (
            "低保边缘家庭（收入低于标准的边缘倍数）",
            "Near-dibao household (income below the factor × standard)",
        ),
        "single_person_group": (
            "单人保对象（重度残疾、重特大疾病等）",
            "May be covered alone (severe disability, major illness...)",
        ),
        "assets_within_limits": ("家庭财产符合规定", "Household assets within the limits"),
        "no_work_capacity": ("无劳动能力", "No capacity to work"),
        "no_means_of_living": ("无生活来源", "No means of living"),
        "no_able_supporter": (
            "无赡养扶养人或赡养扶养人无能力",
            "No supporter, or no supporter able to pay",
        ),
        "age_tier": ("达到高龄津贴年龄", "Reached an allowance age"),
        "financially_struggling": (
            "经济困难（低保、特困或低保边缘）",
            "Financially struggling (dibao, tekun or near-dibao)",
        ),
        "disabled": ("持证残疾人", "Registered disability"),
        "disability_certificate": ("持第二代残疾人证", "Holds a second-generation disability card"),
        "low_income_household": ("低保家庭（或扩展范围）", "Dibao household (or extended group)"),
        "severe_disability": (
            "一、二级重度残疾（或扩展范围）",
            "Grade 1-2 disability (or extended)",
        ),
        "medical_assistance_class": ("属于医疗救助对象类别", "In a medical-assistance class"),
        "sudden_hardship": ("遭遇突发性、紧迫性困难", "Sudden, pressing hardship"),
        "housing_target_group": ("属于危房改造对象", "In a housing-renovation target group"),
        "dangerous_house": (
            "住房鉴定为C级或D级危房（或无房）",
            "House graded C or D (or no house)",
        ),
        "advanced_age_or_disabled": (
            "80周岁以上高龄，或失能、半失能、失智",
            "Aged 80+, or disabled, partly disabled or with dementia",
        ),
        "elderly_care_group": (
            "特困、低保、低收入或计划生育特殊困难家庭",
            "Tekun, dibao, low-income or family-planning special-hardship household",
        ),
        "no_double_benefit": ("不重复享受", "No double benefits"),
    },
    "criterionSource": {
        "relief_facts": ("救助核查信息", "Relief facts"),
        "register": ("台账", "Register"),
        "id_number": ("身份证号", "ID number"),
        "benefits": ("已享受待遇", "Benefits"),
        "pre_screening": ("预筛查", "Pre-screening"),
        "policy": ("政策参数", "Policy"),
    },
    "caretaker": {
        "missing": ("未签委托照料协议", "No caretaker agreement"),
        "present": ("已签委托照料协议", "Caretaker agreement signed"),
    },
    "scope": {
        "county": ("县", "County"),
        "township": ("乡镇", "Township"),
        "village": ("村", "Village"),
    },
    "team": {
        "technology": ("科技服务队", "Technology"),
        "home_cleaning": ("家政保洁队", "Home cleaning"),
        "medical_care": ("医疗保健队", "Medical care"),
        "psychological_comfort": ("心理慰藉队", "Psychological comfort"),
        "culture_recreation": ("文化娱乐队", "Culture and recreation"),
    },
    "auditResult": {
        "success": ("成功", "Succeeded"),
        "failure": ("失败", "Failed"),
    },
    "careList": {
        "contacts_overdue": ("子女联系超期", "Children's contact overdue"),
        "no_one_at_home": ("家中无人照料", "No one at home"),
        "caretaker_missing": ("未签委托照料协议", "No caretaker agreement"),
    },
    "changeEntity": {
        "benefit": ("救助待遇", "Benefit"),
        "elder": ("老人", "Elder"),
        "follow_up": ("跟进事项", "Follow-up"),
        "guardian": ("子女/监护人", "Guardian"),
        "guardian_contact": ("子女联系记录", "Contact with a child"),
        "household": ("家庭户", "Household"),
        "incident": ("紧急事件", "Incident"),
        "pairing": ("结对帮扶", "Pairing"),
        "relief_facts": ("救助核查信息", "Relief facts"),
        "visit": ("探访记录", "Visit"),
        "volunteer": ("志愿者", "Volunteer"),
    },
    "changeAction": {
        "create": ("新增", "Created"),
        "update": ("修改", "Updated"),
        "delete": ("删除", "Deleted"),
    },
    "categorySource": {
        "derived": ("系统判定", "Derived"),
        "manual": ("人工标记", "Set by hand"),
    },
    "eventType": {
        "hospitalisation": ("住院", "Hospitalisation"),
        "bereavement": ("丧亲", "Bereavement"),
        "guardian_unreachable": ("子女联系不上", "Guardian unreachable"),
        "incident": ("紧急事件", "Emergency"),
        "other": ("其他", "Other"),
    },
    "amountPeriod": {
        "monthly": ("按月", "Monthly"),
        "one_off": ("一次性", "One-off"),
    },
    "oldAgeStart": {
        "birthday": ("自生日当天起", "from the birthday"),
        "birthday_month": ("自生日当月起", "from the birthday month"),
        "next_month": ("自生日次月起", "from the month after the birthday"),
    },
    "awayRule": {
        "outside_county": ("离开本县", "Outside the county"),
        "outside_township": ("离开本乡镇", "Outside the township"),
    },
    "resolveAction": {
        "apply": ("按名单更正", "Apply"),
        "dismiss": ("忽略", "Dismiss"),
    },
    "supportMode": {
        "declared": ("按申报赡养费", "As declared"),
        "per_able_supporter": ("按有能力义务人人数", "Per able supporter"),
        "share_of_supporter_income": ("按义务人收入比例", "Share of the supporter's income"),
    },
    "clientScope": {
        "registry:read": ("读取台账", "Read the register"),
        "registry:write": ("写入台账", "Write the register"),
        "import": ("批量导入", "Imports"),
        "changes:read": ("读取变更", "Read changes"),
    },
    "accountKind": {
        "user": ("用户", "User"),
        "client": ("接入系统", "Integration client"),
    },
    "importMode": {
        "atomic": ("全部无误才写入", "All or nothing"),
        "per_row": ("逐行写入", "Row by row"),
    },
    "followUpLevel": {
        "village": ("村级", "village"),
        "township": ("已升级至乡镇", "escalated to the township"),
    },
    "foundBy": {
        "user": ("工作人员", "staff"),
        "volunteer": ("志愿者", "volunteer"),
    },
    "disabilityGrade": {
        "1": ("一级", "Grade 1"),
        "2": ("二级", "Grade 2"),
        "3": ("三级", "Grade 3"),
        "4": ("四级", "Grade 4"),
    },
    "regionLevel": {
        "county": ("县", "County"),
        "township": ("乡镇", "Township"),
        "village": ("村", "Village"),
    },
    "criterionValue": {
        "active": ("在册", "on the register"),
        "deceased": ("已去世", "deceased"),
        "moved_out": ("已迁出", "moved out"),
    },
    "field": {
        "id_number": ("身份证号", "ID number"),
        "name": ("姓名", "Name"),
        "village_code": ("村代码", "Village code"),
        "phone": ("联系电话", "Phone"),
        "address": ("现住址", "Address"),
        "hukou_address": ("户籍地址", "Hukou address"),
        "ethnicity": ("民族", "Ethnicity"),
        "marital_status": ("婚姻状况", "Marital status"),
        "living_arrangement": ("居住状况", "Living arrangement"),
        "self_care": ("生活自理能力", "Self care"),
        "health_conditions": ("健康状况", "Health conditions"),
        "disability_grade": ("残疾等级", "Disability grade"),
        "disability_type": ("残疾类别", "Disability type"),
        "income_sources": ("收入来源", "Income sources"),
        "household_size": ("家庭人口", "Household size"),
        "annual_income_per_capita": ("家庭人均年收入", "Annual income per capita"),
        "family_doctor_signed": ("签约家庭医生", "Family doctor signed"),
        "care_situation": ("照料情况", "Care situation"),
        "notes": ("备注", "Notes"),
        "elder_id_number": ("老人身份证号", "Elder id number"),
        "relation": ("关系", "Relation"),
        "alive": ("是否健在", "Alive"),
        "work_location": ("务工地", "Work location"),
        "work_region_code": ("务工地区划代码", "Work region code"),
        "away_scope": ("外出范围", "Away scope"),
        "away_since": ("外出时间", "Away since"),
        "can_support": ("有无赡养能力", "Can support"),
        "last_contact_date": ("最近联系日期", "Last contact date"),
        "is_entrusted_caretaker": ("委托照料人", "Is entrusted caretaker"),
        "agreement_date": ("委托协议日期", "Agreement date"),
        "birth_year": ("出生年份", "Birth year"),
        "support_situation": ("赡养能力情况", "Support situation"),
        "annual_income": ("年收入（元）", "Annual income"),
        "assets_within_limit": ("财产是否在限额内", "Assets within limit"),
        "kind": ("类别", "Kind"),
        "team": ("服务队", "Team"),
        "region_code": ("区划代码", "Region code"),
        "max_pairings": ("最多结对人数", "Max pairings"),
        "active": ("是否在岗", "Active"),
        "volunteer_phone": ("结对人电话", "Volunteer phone"),
        "is_primary": ("包保责任人", "Is primary"),
        "services": ("服务内容", "Services"),
        "start_date": ("结对日期", "Start date"),
        "end_date": ("结束日期", "End date"),
        "end_reason": ("结束原因", "End reason"),
        "visited_at": ("探访时间", "Visited at"),
        "method": ("探访方式", "Method"),
        "health": ("健康状况", "Health"),
        "mental_state": ("精神状态", "Mental state"),
        "living_conditions": ("生活状况", "Living conditions"),
        "family_support": ("家庭支持", "Family support"),
        "danger": ("危险程度", "Danger"),
        "safety_risks": ("安全隐患", "Safety risks"),
        "needs": ("服务需求", "Needs"),
        "guardian_contacted": ("已联系赡养人", "Guardian contacted"),
        "follow_up": ("后续跟进", "Follow up"),
        "id": ("编号", "ID"),
        "sex": ("性别", "Sex"),
        "category_codes": ("类别", "Categories"),
        "is_left_behind": ("是否留守", "Left-behind"),
        "risk_level": ("风险等级", "Risk level"),
        "status": ("状态", "Status"),
        "version": ("版本", "Version"),
        "updated_at": ("更新时间", "Updated at"),
        "township": ("乡镇", "Township"),
        "village": ("村（社区）", "Village"),
        "password": ("密码", "Password"),
        "password_change": ("修改密码", "Password change"),
        "secret": ("客户端密钥", "Client secret"),
        "owner_id": ("责任人", "Owner"),
        "owner_type": ("责任方", "Owner type"),
        "user": ("用户", "User"),
        "display_name": ("姓名", "Name"),
        "role": ("角色", "Role"),
        "username": ("用户名", "Username"),
        "amount": ("金额", "Amount"),
        "program": ("救助项目", "Program"),
        "source": ("信息来源", "Source"),
        "note": ("说明", "Note"),
        "level": ("级别", "Level"),
        "severity": ("紧急程度", "Severity"),
        "type": ("类型", "Type"),
        "category": ("类别", "Category"),
        "due_date": ("期限", "Due date"),
        "effective_from": ("生效日期", "Effective from"),
        "caretaker_name": ("委托照料人", "Caretaker"),
        "caretaker_phone": ("委托照料人电话", "Caretaker's phone"),
        "risk_override": ("人工调整风险等级", "Risk set by hand"),
        "birth_date": ("出生日期", "Birth date"),
        "scopes": ("权限范围", "Scopes"),
        "household_id": ("家庭户", "Household"),
        "township_code": ("乡镇", "Township"),
        "county_code": ("县", "County"),
        "id_number_original": ("原身份证号", "Original ID number"),
        "id_number_rev": ("身份证号（检索用）", "ID number (search)"),
        "name_pinyin": ("姓名拼音", "Name in pinyin"),
        "name_initials": ("姓名首字母", "Initials"),
        "manual_categories": ("人工标记类别", "Categories set by hand"),
        "categories": ("类别", "Categories"),
        "left_behind_reason": ("留守认定依据", "Why left-behind"),
        "risk_rank": ("风险排序", "Risk rank"),
        "risk_reasons": ("风险依据", "Risk reasons"),
        "no_one_at_home": ("家中无人照料", "No one at home"),
        "no_one_at_home_reason": ("无人照料原因", "Why no one is at home"),
        "derived_until": ("认定有效期至", "Derived until"),
        "status_date": ("状态日期", "Status date"),
        "status_reason": ("状态原因", "Status reason"),
        "merged_into_id": ("并入", "Merged into"),
        "verified_on": ("最近核实", "Verified on"),
        "created_at": ("创建时间", "Created at"),
        "elder_id": ("老人", "Elder"),
    },
    "auditAction": {
        "create": ("新增", "Created"),
        "update": ("修改", "Updated"),
        "delete": ("删除", "Deleted"),
        "end": ("结束", "Ended"),
        "event": ("登记事件", "Event logged"),
        "export": ("明文导出", "Unmasked export"),
        "login": ("登录", "Signed in"),
        "logout": ("退出登录", "Signed out"),
        "login_failed": ("登录失败", "Sign-in failed"),
        "login_throttled": ("登录受限", "Sign-in throttled"),
        "notify": ("发送通知", "Notified"),
        "recompute": ("重新计算", "Recomputed"),
        "refresh_token_reused": ("令牌被重复使用", "Refresh token reused"),
        "reveal": ("查看明文", "Revealed"),
        "rotate_secret": ("重置密钥", "Secret rotated"),
        "sweep_issue": ("排查发现问题", "Sweep issue"),
        "transition": ("状态变更", "Status changed"),
        "duplicate_probe": ("查重比对", "Duplicate check"),
        "merge": ("合并", "Merged"),
        "import": ("批量导入", "Import"),
        "close": ("结束", "Closed"),
        "password_change": ("修改密码", "Password changed"),
    },
    "auditResource": {
        "benefit": ("救助待遇", "Benefit"),
        "client": ("接入系统", "Integration client"),
        "contact_policy": ("子女联系要求", "Contact policy"),
        "elder": ("老人", "Elder"),
        "follow_up": ("跟进事项", "Follow-up"),
        "follow_up_policy": ("跟进时限", "Follow-up policy"),
        "guardian": ("子女/监护人", "Guardian"),
        "guardian_contact": ("子女联系记录", "Contact with a child"),
        "incident": ("紧急事件", "Incident"),
        "incident_policy": ("应急办理时限", "Incident policy"),
        "month_snapshot": ("月度报表", "Monthly report"),
        "pairing": ("结对帮扶", "Pairing"),
        "register_policy": ("台账参数", "Register policy"),
        "relief_facts": ("救助核查信息", "Relief facts"),
        "relief_policy": ("救助参数", "Relief policy"),
        "roster_discrepancy": ("名单差异", "Roster discrepancy"),
        "sweep": ("摸底排查", "Sweep"),
        "user": ("用户", "User"),
        "visit": ("探访记录", "Visit"),
        "visit_policy": ("探访频次", "Visit policy"),
        "volunteer": ("志愿者", "Volunteer"),
        "import": ("批量导入", "Import"),
    },
}

# Words used before the options were unified: still understood in imported files.
ALIASES: dict[str, tuple[str, ...]] = {
    "abuse": ("虐待",),
    "blood_pressure_glucose": ("测量血压血糖",),
    "business": ("经营",),
    "cancer": ("癌症",),
    "concern": ("有隐患",),
    "dementia": ("失智", "失智（阿尔茨海默病等）", "认知障碍"),
    "dependent": ("不能自理",),
    "disabled": ("失能/残疾",),
    "elders_association": ("老年协会成员",),
    "electrical": ("用电安全",),
    "extreme_poverty": ("特困",),
    "extreme_poverty_support": ("特困供养金",),
    "financial": ("经济困难",),
    "general": ("一般",),
    "grandchild": ("孙子女",),
    "heating": ("取暖安全",),
    "high": ("高风险",),
    "home_visit": ("上门探访",),
    "housing": ("房屋安全",),
    "in_county": ("县内",),
    "in_township": ("乡镇内",),
    "incident": ("紧急事件",),
    "legal": ("法律",),
    "local": ("本地",),
    "manual": ("登记",),
    "medicine_delivery": ("代购送药",),
    "minimum_living_allowance": ("最低生活保障",),
    "missing": ("未签委托照料协议",),
    "necessities": ("采购发放生活必需品",),
    "neglect": ("疏于照料",),
    "none": ("无",),
    "outside_county": ("县外省内",),
    "partly_dependent": ("部分自理",),
    "rehabilitation": ("康复护理",),
    "relative": ("其他亲属",),
    "severe": ("严重",),
    "severe_disability": ("重度残疾",),
    "severe_hypertension": ("严重高血压",),
    "stroke": ("中风",),
    "subsidies": ("补贴",),
    "township": ("乡镇",),
    "vision_hearing_loss": ("视听障碍",),
    "visit": ("探访",),
    "wages": ("工资",),
    "wandering": ("走失风险",),
    "water": ("饮水安全",),
    "womens_federation": ("妇联成员",),
}

# The enumerations an API field or query parameter may hold (a field of several resources
# names several; each enum in the OpenAPI document is all in one of them).
FIELDS: dict[str, tuple[str, ...]] = {
    "Role": ("role",),
    "role": ("role",),
    "ability_level": ("abilityLevel",),
    "elderly_care_amounts": ("abilityLevel",),
    "extreme_poverty_care": ("abilityLevel",),
    "action": ("changeAction", "resolveAction"),
    "allowed_transitions": ("incidentStatus", "fuStatus"),
    "from_status": ("incidentStatus", "fuStatus"),
    "to_status": ("incidentStatus", "fuStatus"),
    "to": ("incidentStatus", "fuStatus"),
    "amount_period": ("amountPeriod",),
    "away_scope": ("awayScope", "awayRule"),
    "caretaker_agreement": ("caretaker",),
    "categories": ("category",),
    "category_codes": ("category",),
    "manual_categories": ("category",),
    "category": ("category", "fuCategory"),
    "code": ("category",),
    "danger": ("danger",),
    "deadlines": ("severity",),
    "default_severity": ("fuSeverity",),
    "disability_care_amounts": ("disabilityGrade",),
    "disability_type": ("disabilityType",),
    "guardian_contact_method": ("contactMethod",),
    "guardian_relation": ("relation",),
    "relation": ("relation",),
    "relations": ("relation",),
    "hardship": ("hardship",),
    "health_conditions": ("health",),
    "housing_amounts": ("housingGrade",),
    "housing_grade": ("housingGrade",),
    "income": ("incomeItem",),
    "income_excluded": ("incomeItem",),
    "income_sources": ("incomeSource",),
    "kind": ("volunteerKind", "fuKind", "careList", "rosterKind", "discrepancy", "accountKind"),
    "level": ("risk", "followUpLevel", "regionLevel"),
    "living_arrangement": ("living",),
    "marital_status": ("marital",),
    "method": ("method", "contactMethod"),
    "methods": ("method",),
    "mode": ("importMode", "supportMode"),
    "needs": ("need",),
    "no_one_at_home_self_care": ("selfCare",),
    "self_care": ("selfCare",),
    "old_age_start": ("oldAgeStart",),
    "outcome": ("auditResult",),
    "owner_type": ("fuOwner",),
    "period": ("sweepPeriod",),
    "poverty_monitoring": ("povertyMonitoring",),
    "program": ("program",),
    "relief_referral": ("program",),
    "reason": ("endReason",),
    "reasons": ("checkReason",),
    "resource": ("importResource", "changeEntity"),
    "risk_level": ("risk",),
    "tiers": ("risk",),
    "safety_risks": ("safety",),
    "scopes": ("clientScope",),
    "service": ("service",),
    "services": ("service",),
    "severity": ("severity", "fuSeverity"),
    "sex": ("sex",),
    "situation": ("supportSituation",),
    "support_situation": ("supportSituation",),
    "source": ("benefitSource", "categorySource", "criterionSource", "contactSource"),
    "status": (
        "status",
        "incidentStatus",
        "fuStatus",
        "programStatus",
        "importStatus",
        "sweepStatus",
        "discrepancyStatus",
        "criterionValue",
    ),
    "team": ("team",),
    "type": ("incidentType", "eventType"),
}
# Enumerations no one reads as words: machine parameters of the API.
NOT_SHOWN: dict[str, str] = {
    "format": "a file format (csv, xlsx, ndjson) is its own name",
    "labels": "an export's switch between words and codes (machine format), named in the app",
    "grant_type": "an OAuth parameter of the token endpoint, for programs",
    "sort": "a sort key of a list query; the app shows its column headers",
    "state": "a list query's switch (open or all pairings); the app shows its own filter",
}


# Headings of export columns that are not a field of a record (a field's heading is its words
# in ENUMS["field"]): server-side only, the app names its own table columns.
COLUMNS: dict[str, tuple[str, str]] = {
    # exports (a)
    "incident_type": ("事件类型", "Incident type"),
    "handling_level": ("办理层级", "Handled at"),
    "last_child_contact": ("最近联系子女日期", "Last contact with the children"),
    "elder_name": ("老人姓名", "Elder"),
    "description": ("情况说明", "Description"),
    "follow_up_kind": ("事项", "Item"),
    "found_by": ("发现人", "Found by"),
    "found_at": ("发现时间", "Found at"),
    "times_seen": ("发现次数", "Times found"),
    "owner_or_department": ("责任人/部门", "Owner or department"),
    "overdue": ("是否逾期", "Overdue"),
    "closed_at": ("办结时间", "Closed at"),
    "closure_note": ("办结说明", "Closure note"),
    "occurred_at": ("发生时间", "Occurred at"),
    "reporter_name": ("上报人", "Reported by"),
    "reported_at": ("上报时间", "Reported at"),
    "reported_late": ("是否迟报", "Reported late"),
    "due_at": ("办理期限", "Due by"),
    "children_notified": ("子女是否已通知", "Children notified"),
    "resolved_at": ("办结时间", "Resolved at"),
    "last_visit": ("上次探访", "Last visit"),
    "next_due_date": ("应探访日期", "Visit due"),
    "due_in": ("到期情况", "Due"),
    "due_reason": ("探访间隔依据", "Visit interval rule"),
    "pending_event": ("待处理事件", "Pending event"),
    "open_follow_ups": ("未办结跟进事项", "Open follow-ups"),
    "services_due": ("到期服务", "Services due"),
    "id_number_masked": ("身份证号（脱敏）", "ID number (masked)"),
    "age": ("年龄", "Age"),
    "phone_masked": ("联系电话（脱敏）", "Phone (masked)"),
    "days_since_contact": ("距今天数", "Days since"),
    "county": ("县（区）", "County"),
    "last_login_at": ("最近登录", "Last login"),
    # exports (b)
    "active_pairings": ("在结对数", "Open pairings"),
    "paired_elders": ("结对老人", "Paired elders"),
    "helper": ("帮扶人", "Helper"),
    "helper_kind": ("帮扶人身份", "Helper type"),
    "record_a": ("甲", "A"),
    "record_b": ("乙", "B"),
    "duplicate_reasons": ("疑似原因", "Why they may be the same person"),
    "similarity": ("相似度", "Similarity"),
    "screening_result": ("预筛查结果", "Pre-screening result"),
    "reference_amount": ("参考金额（元）", "Reference amount (yuan)"),
    "receiving": ("是否正在享受", "Receiving"),
    "check_reasons": ("核查原因", "Reasons to check"),
    "household_listed": ("同户一并列出的成员", "Household members listed with them"),
    "turns_age": ("年满（岁）", "Turns (years)"),
    "birthday": ("生日", "Birthday"),
    "allowance_start": ("高龄津贴起始日", "Old-age allowance from"),
    "monthly_amount": ("月标准（元）", "Monthly amount (yuan)"),
    "receiving_allowance": ("是否已享受高龄津贴", "Receiving the old-age allowance"),
}


def heading(key: str, lang: str = "zh-CN") -> str:
    """An export column's heading: ``COLUMNS`` first, then the field's words; the key itself
    if neither has it (which the export tests prevent)."""
    pair = COLUMNS.get(key) or ENUMS["field"].get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" else pair[0]


def headings(keys: tuple[str, ...], lang: str = "zh-CN") -> tuple[str, ...]:
    """The header row of an export whose columns are ``keys``."""
    return tuple(heading(k, lang) for k in keys)


def label(group: str, code: Any, lang: str = "zh-CN") -> str:
    """The words of ``code`` in enumeration ``group`` ("" for None; the code itself if
    unknown, which the dictionary test prevents for the API's enumerations)."""
    if code is None:
        return ""
    pair = ENUMS.get(group, {}).get(str(code))
    if pair is None:
        return str(code)
    return pair[1] if lang == "en" else pair[0]


def inline(words: str, lang: str) -> str:
    """A label inside an English sentence: "Living alone" -> "living alone" (not "COPD")."""
    if lang != "en" or len(words) < 2 or not words[1].islower():
        return words
    first = words.split(" ", 1)[0]
    if any(c.isupper() for c in first[1:]):
        return words
    return words[0].lower() + words[1:]


def value_words(field: str, value: Any, lang: str = "zh-CN") -> str:
    """A stored value of a field as people read it: its enumeration's words, 是/否, lists
    joined, dates and numbers as written; "" for none."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, bool):
        return ("Yes" if value else "No") if lang == "en" else ("是" if value else "否")
    group = next(iter(FIELDS.get(field, ())), None)
    if isinstance(value, str) and "," in value and field in ("category_codes", "manual_categories"):
        value = [v for v in value.split(",") if v]
    if isinstance(value, list):
        sep = ", " if lang == "en" else "、"
        return sep.join(value_words(field, v, lang) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {value_words(k, v, lang)}" for k, v in value.items())
    if group is not None:
        return label(group, value, lang)
    return str(value)


def flat(*groups: str) -> dict[str, tuple[str, str]]:
    """The codes of several enumerations in one mapping (the first group's words win)."""
    out: dict[str, tuple[str, str]] = {}
    for group in groups:
        for code, pair in ENUMS[group].items():
            out.setdefault(code, pair)
    return out


def typescript() -> str:
    """The app's copy of the dictionary (``frontend/src/i18n/labels.generated.ts``)."""
    import json

    def side(i: int) -> dict[str, dict[str, str]]:
        return {g: {c: pair[i] for c, pair in codes.items()} for g, codes in ENUMS.items()}

    head = (
        "// Written by `eldercare labels --out` from backend/eldercare/labels.py: do not edit.\n"
        "// The words of every enumeration code, shared by the server's exports and the app.\n"
    )
    zh = json.dumps(side(0), ensure_ascii=False, indent=2)
    en = json.dumps(side(1), ensure_ascii=False, indent=2)
    return (
        f"{head}export const zhCN = {zh} as const;\n\n"
        "type Words<T> = { [G in keyof T]: { [C in keyof T[G]]: string } };\n"
        f"export const en: Words<typeof zhCN> = {en};\n"
    )
