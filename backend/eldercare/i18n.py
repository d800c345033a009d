"""Messages for error codes in Simplified Chinese (default) and English.

Codes are stable and machine-readable; only the message changes with ``Accept-Language``.
"""

from __future__ import annotations

from typing import Any

Lang = str  # "zh-CN" or "en"
DEFAULT_LANG = "zh-CN"
SUPPORTED = ("zh-CN", "en")

MESSAGES: dict[str, tuple[str, str]] = {
    # generic
    "error": ("请求无法处理", "The request could not be processed"),
    "internal_error": (
        "服务器内部错误，请稍后重试",
        "Internal server error; please try again later",
    ),
    "request.too_large": (
        "请求内容过大（上限 {limit_mb} MB）",
        "The request body is too large (at most {limit_mb} MB)",
    ),
    "request.bad_body": (
        "请求内容无法读取：格式、编码（须为 UTF-8）、嵌套层数或字段数不符合要求",
        "The request body could not be read: its format, encoding (UTF-8 expected), "
        "nesting depth or number of fields is not accepted",
    ),
    "not_found": ("资源不存在", "Not found"),
    "route_not_found": ("接口不存在", "No such endpoint"),
    "method_not_allowed": ("不支持该请求方法", "Method not allowed"),
    "forbidden": ("无权执行此操作", "You are not allowed to do this"),
    "conflict": ("与现有数据冲突", "Conflicts with existing data"),
    "validation_failed": ("提交的数据有误，请检查标出的字段", "Some fields are invalid"),
    "precondition_failed": (
        "数据已被他人修改，请刷新后重试",
        "The resource was changed by someone else; reload and try again",
    ),
    "precondition_required": (
        "修改需要提供 If-Match 版本号",
        "This change needs an If-Match header (or version in the body)",
    ),
    "bad_cursor": ("分页游标无效", "Invalid pagination cursor"),
    # auth
    "auth.not_authenticated": ("请先登录", "Not authenticated"),
    "auth.invalid_token": ("登录凭证无效或已过期，请重新登录", "Invalid or expired token"),
    "auth.invalid_credentials": ("用户名或密码错误", "Wrong username or password"),
    "auth.invalid_client": ("客户端 ID 或密钥错误", "Wrong client id or secret"),
    "auth.invalid_refresh_token": (
        "刷新凭证无效或已过期，请重新登录",
        "Invalid or expired refresh token",
    ),
    "auth.refresh_token_reused": (
        "刷新凭证已被使用过，为安全起见已注销该登录，请重新登录",
        "This refresh token was already used; the session was revoked for safety",
    ),
    "auth.unsupported_grant_type": ("不支持的授权类型", "Unsupported grant type"),
    "auth.throttled": (
        "尝试次数过多，请 {retry_after} 秒后再试",
        "Too many attempts; try again in {retry_after} seconds",
    ),
    "auth.inactive": ("账号已停用", "The account is deactivated"),
    "auth.wrong_password": ("当前密码不正确", "The current password is wrong"),
    "auth.role_required": ("当前角色无权执行此操作", "Your role may not do this"),
    "auth.password_change_required": (
        "密码已被管理员重置，请先修改密码",
        "Your password was reset by an administrator: change it first",
    ),
    "auth.scope_required": ("客户端缺少所需权限范围 {scope}", "The client lacks the scope {scope}"),
    "auth.client_not_allowed": (
        "集成客户端不能调用此接口，仅限工作人员账号",
        "Integration clients may not call this; staff accounts only",
    ),
    # bulk data
    "import.unsupported_format": (
        "不支持的文件类型：请上传 JSON、NDJSON、CSV 或 XLSX",
        "Unsupported body: send JSON, NDJSON, CSV or XLSX",
    ),
    "import.bad_encoding": (
        "文件编码无法识别（{encoding}）",
        "The file's encoding ({encoding}) is invalid",
    ),
    "import.bad_csv": ("CSV 文件格式有误", "The CSV file is malformed"),
    "import.bad_json": ("JSON 格式有误", "Malformed JSON"),
    "import.not_an_array": ("JSON 内容应为数组", "The JSON body must be an array"),
    "import.not_an_object": ("该行应为一个 JSON 对象", "This row must be a JSON object"),
    "import.bad_xlsx": ("无法读取该 Excel 文件", "The XLSX file cannot be read"),
    "import.duplicate_row": (
        "与第 {row} 行的身份证号重复",
        "Same ID number as row {row}",
    ),
    "import.elder_not_found": (
        "找不到该身份证号对应的老年人（或不在您的管辖范围内）",
        "No elder with this ID number in your region",
    ),
    "import.volunteer_not_found": (
        "找不到该电话对应的志愿者（或不在您的管辖范围内）",
        "No helper with this phone in your region",
    ),
    "import.missing_similar": (
        "必填（文件中的“{column}”列无法识别，是否应为“{expected}”？）",
        "Field required (the file's column “{column}” is not recognised; "
        "did you mean “{expected}”?)",
    ),
    "import.unknown_columns": (
        "以下列无法识别，其内容已被忽略：{columns}",
        "These columns are not recognised and were ignored: {columns}",
    ),
    "import.duplicate_guardian": (
        "与第 {row} 行的老人、赡养人姓名和关系重复",
        "Same elder, guardian name and relation as row {row}",
    ),
    "import.duplicate_volunteer": (
        "与第 {row} 行的联系电话重复",
        "Same phone as row {row}",
    ),
    "import.duplicate_pairing": (
        "与第 {row} 行的老人和结对人重复",
        "Same elder and helper as row {row}",
    ),
    "import.duplicate_visit": (
        "与第 {row} 行的老人、探访时间和方式重复",
        "Same elder, time and method as row {row}",
    ),
    "import.rows_failed": (
        "有数据行未通过校验，整批未写入",
        "Some rows failed; nothing was written (atomic mode)",
    ),
    "idempotency.key_reused": (
        "该幂等键已用于内容不同的请求",
        "This Idempotency-Key was used with a different request",
    ),
    # users and clients
    "user.username_taken": ("用户名已存在", "This username is taken"),
    "user.role_above_own": ("不能授予高于本人的角色", "You cannot grant a role above your own"),
    "user.region_out_of_scope": (
        "只能管理本县范围内的账号",
        "You can only manage accounts in your county",
    ),
    "user.region_level_mismatch": (
        "角色 {role} 需要绑定{level}级区划",
        "Role {role} must be bound to a {level}",
    ),
    "user.cannot_deactivate_self": ("不能停用自己的账号", "You cannot deactivate your own account"),
    "user.cannot_demote_self": (
        "不能修改自己的角色或区划",
        "You cannot change your own role or region",
    ),
    "client.id_taken": ("客户端 ID 已存在", "This client id is taken"),
    "password.too_short": (
        "密码至少 {min_length} 个字符",
        "The password needs at least {min_length} characters",
    ),
    "password.equals_username": ("密码不能与用户名相同", "The password must not be the username"),
    "password.too_common": ("密码过于简单", "The password is too common"),
    # regions
    "region.unknown": ("区划代码不存在", "Unknown region code"),
    "month.invalid": ("月份格式应为 YYYY-MM", "A month is written YYYY-MM"),
    "month.future": ("该月份尚未开始", "That month has not begun"),
    "month.county_only": (
        "只有县级可以重新计算月度统计",
        "A month's figures are recomputed for a county",
    ),
    "month.report_level": (
        "月报表按乡镇或县生成",
        "A monthly report is made for a township or a county",
    ),
    "region.invalid_code": (
        "区划代码应为 6、9 或 12 位数字",
        "A region code has 6, 9 or 12 digits",
    ),
    # elders
    "id_number.length": (
        "身份证号码应为 18 位（或旧版 15 位）",
        "An ID number has 18 digits (or 15 for old ones)",
    ),
    "id_number.format": ("身份证号码格式不正确", "The ID number is malformed"),
    "id_number.birth_date": (
        "身份证号码中的出生日期无效",
        "The birth date in the ID number is invalid",
    ),
    "id_number.checksum": (
        "身份证号码校验位不正确，请核对",
        "The ID number's check digit is wrong",
    ),
    "id_number.too_young": (
        "年龄 {age} 岁，未达到登记年龄 {min_age} 岁",
        "Aged {age}, under the register's minimum age of {min_age}",
    ),
    "id_number.unknown_address_code": (
        "身份证号码前 6 位地址码 {address} 不在已知省份中，请核对",
        "The address code {address} is not in a known province; please check",
    ),
    "phone.invalid": (
        "电话号码格式不正确（手机 11 位或固话 区号-号码）",
        "Not a mobile (11 digits) or landline number",
    ),
    "elder.duplicate": (
        "该身份证号码已登记：{name}（{village}）",
        "This ID number is already registered: {name} ({village})",
    ),
    "elder.duplicate_elsewhere": (
        "该身份证号码已在其他地区登记，请联系上级核实",
        "This ID number is registered elsewhere; ask your supervisor to check",
    ),
    "elder.not_a_village": ("所属村应为村级区划代码", "village_code must be a village"),
    "elder.status_transition": (
        "当前状态为 {status}，不能改为 {to}",
        "Cannot go from {status} to {to}",
    ),
    "elder.merged": ("该记录已合并到其他记录", "This record was merged into another"),
    "elder.merge_would_erase": (
        "并入记录的该项（{field}）为空，不会覆盖保留记录的值；如确需清空，请明确选择“清空”",
        "The merged record's {field} is empty and does not replace the kept record's value; "
        "choose 'clear' explicitly to empty it",
    ),
    "elder.merge_same": ("不能与自己合并", "A record cannot be merged with itself"),
    "elder.merge_undone": ("该合并已撤销", "This merge was already undone"),
    "elder.merge_stale": (
        "合并后记录已被修改，无法撤销",
        "The records changed after the merge; it cannot be undone",
    ),
    "household.other_village": ("户必须在同一个村", "The household must be in the same village"),
    "guardian.one_caretaker": (
        "每位老人只能有一位委托照料人",
        "An elder has at most one entrusted caretaker",
    ),
    "date.future": ("日期不能晚于今天", "The date cannot be in the future"),
    "roster.bad_grade": ("残疾等级应为一级至四级", "The disability grade must be 1 to 4"),
    "roster.dry_run": (
        "试运行的名单仅供查看，不能处理差异",
        "A dry run's discrepancies are for a look only: they cannot be resolved",
    ),
    "roster.already_resolved": ("该差异已处理", "This discrepancy is resolved already"),
    "roster.reason_required": ("忽略差异须填写理由", "Give a reason to dismiss a discrepancy"),
    "roster.unknown_kind": ("未知的差异类型", "Unknown kind of discrepancy"),
    "sweep.closed": ("该排查已结束", "This sweep is closed"),
    "sweep.elder_not_active": (
        "该老年人已不在册（死亡、迁出或已合并），无需确认",
        "This elder is no longer on the register (deceased, moved out or merged)",
    ),
    "sweep.note_required": (
        "有不符项时须说明情况",
        "Say what is not right when an answer is no",
    ),
    "sweep.ends_before_start": ("结束日期不能早于开始日期", "The end cannot be before the start"),
    "volunteer.phone_taken": ("该电话号码已登记为志愿者", "A volunteer with this phone exists"),
    "volunteer.bad_user": (
        "关联账号须为本地区的志愿者账号",
        "The login must be a volunteer account in your region",
    ),
    "volunteer.inactive": ("该志愿者已停用", "This volunteer is deactivated"),
    "pairing.over_capacity": (
        "该帮扶人已结对 {max_pairings} 位老人，已达上限",
        "This helper already has {max_pairings} elders",
    ),
    "pairing.exists": ("已存在该结对", "This pairing exists already"),
    "pairing.primary_exists": (
        "该老人已有包保责任人，请先结束原结对或取消其责任人身份",
        "The elder already has a primary helper; end or change that pairing first",
    ),
    "pairing.ended": ("该结对已结束", "This pairing has ended"),
    "pairing.bad_end_date": (
        "结束日期应在开始日期之后且不晚于今天",
        "The end date must be after the start and not in the future",
    ),
    "visit.future": ("探访时间不能晚于现在", "A visit cannot be in the future"),
    "contact.guardian_not_of_elder": (
        "该联系人不是这位老人的子女或监护人",
        "This guardian is not one of the elder's guardians",
    ),
    "contact.future": ("联系时间不能晚于现在", "A contact cannot be in the future"),
    "contact.too_early": ("联系时间有误", "The contact time is not plausible"),
    "visit.before_birth": (
        "探访时间不能早于老人出生",
        "A visit cannot be before the elder's birth",
    ),
    "visit.after_deceased": ("老人已去世，不能登记此后的探访", "The elder had died by then"),
    "visit.after_moved_out": ("老人已迁出，不能登记此后的探访", "The elder had moved out by then"),
    "visit.no_volunteer_record": (
        "账号未关联志愿者信息",
        "This login is not linked to a volunteer",
    ),
    "visit.edit_window": (
        "探访记录只能在登记后 {days} 天内更正，已超出更正期限",
        "A visit may be corrected only within {days} days of logging it: that time has passed",
    ),
    "visit.edit_not_author": (
        "探访记录只能由登记人或乡镇、县级工作人员更正",
        "Only the visit's author or a township or county officer may correct it",
    ),
    "visit.report_emergency": (
        "发现严重危险，请立即上报紧急情况并通知乡镇",
        "Severe danger found: report an emergency now and notify the township",
    ),
    "visit.elder_inactive": ("该老人已不在册，无需探访", "The elder is no longer on the register"),
    # relief
    "relief.too_far": (
        "生效日期不能晚于一年以后",
        "The effective date may be at most a year ahead",
    ),
    "relief.future": ("日期不能晚于今天", "The date cannot be in the future"),
    "benefit.end_before_start": ("结束日期早于开始日期", "The end date is before the start date"),
    "benefit.before_birth": ("开始日期早于出生日期", "The start date is before the birth date"),
    "benefit.overlap": (
        "该老人在此期间已有同一项目的待遇记录",
        "The elder already has this program for an overlapping period",
    ),
    "benefit.already_ended": (
        "该待遇已在此日期或更早结束",
        "This benefit already ended on or before that date",
    ),
    "incident.elder_inactive": (
        "该老人已不在册，不能上报紧急情况",
        "The elder is no longer on the register",
    ),
    "incident.future": ("发生时间不能晚于现在", "It cannot have happened in the future"),
    "incident.invalid_transition": (
        "当前状态“{current}”不能转为“{to}”，可转为：{allowed}",
        "An incident in status '{current}' cannot move to '{to}'; allowed: {allowed}",
    ),
    "incident.township_holds": (
        "该事件由乡镇处置，只有乡镇民政干部可以办理",
        "The township holds this incident; only a township officer may move it on",
    ),
    "incident.county_holds": (
        "该事件已上报县级，只有县民政局可以办理",
        "This incident was escalated; only the county may move it on",
    ),
    "incident.closed": (
        "事件已办结，不能修改",
        "The incident is resolved and can no longer change",
    ),
    "incident.follow_up_required": (
        "办结时须说明后续安排：新建跟进事项、转介救助，或说明无需跟进",
        "Resolving asks what follow-up was arranged: a follow-up item, a relief referral, "
        "or none with a note",
    ),
    "incident.follow_up_only_on_resolve": (
        "只有办结时才能安排后续跟进",
        "A follow-up is arranged only when the incident is resolved",
    ),
    "follow_up.invalid_transition": (
        "当前状态“{current}”不能转为“{to}”，可转为：{allowed}",
        "A follow-up in status '{current}' cannot move to '{to}'; allowed: {allowed}",
    ),
    "follow_up.reason_required": (
        "转介或无法解决时须填写原因",
        "Referring an item or closing it as unresolvable needs a reason",
    ),
    "follow_up.not_owner": (
        "只有负责人可以办理此跟进事项",
        "Only the owner may move this follow-up on",
    ),
    "follow_up.closed": (
        "跟进事项已办结，不能修改（可先重新打开）",
        "The follow-up is closed and can no longer change (reopen it first)",
    ),
    "follow_up.due_by_officer": (
        "只有乡镇和县级干部可以修改期限",
        "Only township and county officers set a due date by hand",
    ),
    "follow_up.department_by_officer": (
        "只有乡镇和县级干部可以交办职能部门",
        "Only township and county officers hand an item to a department",
    ),
    "follow_up.owner_not_village_worker": (
        "负责人须是该村在岗的村（社区）工作人员",
        "The owner must be an active village worker of the elder's village",
    ),
    "follow_up.owner_not_volunteer": (
        "负责人须是本地在岗的志愿者",
        "The owner must be an active volunteer whose region covers the elder's village",
    ),
    "follow_up.owner_missing": ("请选择负责人", "Choose the owner"),
    "follow_up.owner_not_expected": (
        "交乡镇办理时不填负责人",
        "An item handed to the township names no person",
    ),
    "follow_up.owner_not_department": ("未知的职能部门", "Unknown department"),
    "follow_up.visit_not_found": (
        "找不到该老人的这次探访",
        "No such visit of this elder",
    ),
    "follow_up.other_elder": (
        "该跟进事项不属于本次探访的老人",
        "That follow-up belongs to another elder",
    ),
    "export.elder_filters_only": (
        "只有老年人导出可按类别、风险、年龄、状态、逾期或关键词筛选；志愿者导出只能按地区",
        "Only the elder export takes category, risk, age, status, overdue or search filters; "
        "the volunteer export takes region only",
    ),
    "relief_policy.tier_ages": (
        "高龄津贴每个起始年龄只能设一个档次",
        "Old-age allowance: one tier per starting age",
    ),
    "relief_policy.extreme_poverty_basic_low": (
        "特困基本生活标准不得低于农村低保标准的 1.3 倍",
        "The extreme-poverty basic standard must be at least 1.3 × the minimum living standard",
    ),
    "reveal.not_allowed": ("当前角色无权查看完整信息", "Your role may not reveal full values"),
    # pydantic's own error types
    "missing": ("必填", "Field required"),
    "string_too_short": ("长度至少 {min_length} 个字符", "At least {min_length} characters"),
    "string_too_long": ("长度最多 {max_length} 个字符", "At most {max_length} characters"),
    "string_pattern_mismatch": ("格式不正确", "Wrong format"),
    "string.nul": ("不能包含空字符（\\u0000）", "May not contain a NUL character (\\u0000)"),
    "string_type": ("应为文本", "Must be a string"),
    "int_parsing": ("应为整数", "Must be an integer"),
    "int_type": ("应为整数", "Must be an integer"),
    "float_parsing": ("应为数字", "Must be a number"),
    "bool_parsing": ("应为 true 或 false", "Must be true or false"),
    "bool_type": ("应为 true 或 false", "Must be true or false"),
    "less_than_equal": ("不能大于 {le}", "Must be at most {le}"),
    "greater_than_equal": ("不能小于 {ge}", "Must be at least {ge}"),
    "greater_than": ("必须大于 {gt}", "Must be greater than {gt}"),
    "less_than": ("必须小于 {lt}", "Must be less than {lt}"),
    "literal_error": ("取值应为 {expected} 之一", "Must be one of {expected}"),
    "enum": ("取值应为 {expected} 之一", "Must be one of {expected}"),
    "date_from_datetime_parsing": ("日期格式应为 YYYY-MM-DD", "Dates are YYYY-MM-DD"),
    "date_parsing": ("日期格式应为 YYYY-MM-DD", "Dates are YYYY-MM-DD"),
    "datetime_parsing": ("时间格式应为 ISO 8601", "Datetimes are ISO 8601"),
    "datetime_from_date_parsing": ("时间格式应为 ISO 8601", "Datetimes are ISO 8601"),
    "timezone_aware": ("时间需要带时区", "The datetime needs an offset"),
    "extra_forbidden": ("不允许的字段", "Unknown field"),
    "json_invalid": ("JSON 格式错误", "Invalid JSON"),
    "model_attributes_type": ("格式不正确", "Wrong format"),
    "dict_type": ("应为对象", "Must be an object"),
    "list_type": ("应为列表", "Must be a list"),
    "too_long": ("最多 {max_length} 项", "At most {max_length} items"),
    "too_short": ("至少 {min_length} 项", "At least {min_length} items"),
    "value_error": ("取值无效", "Invalid value"),
    # ...and every other one (tests/test_i18n_pydantic.py walks pydantic-core's list)
    "no_such_attribute": ("不允许的字段", "Unknown attribute"),
    "json_type": ("应为 JSON 文本", "Must be JSON text"),
    "needs_python_object": ("格式不正确", "Wrong format"),
    "recursion_loop": ("数据存在循环引用", "The data refers to itself"),
    "recursion_depth_exceeded": ("数据嵌套层数过多", "The data is nested too deeply"),
    "frozen_field": ("该字段不可修改", "This field cannot be changed"),
    "frozen_instance": ("不可修改", "Cannot be changed"),
    "invalid_key": ("对象的键应为文本", "Keys must be strings"),
    "get_attribute_error": ("格式不正确", "Wrong format"),
    "model_type": ("应为对象", "Must be an object"),
    "dataclass_type": ("应为对象", "Must be an object"),
    "dataclass_exact_type": ("应为对象", "Must be an object"),
    "named_tuple_type": ("应为列表或对象", "Must be a list or an object"),
    "default_factory_not_called": ("其他字段有误，无法确定默认值", "Other fields are invalid"),
    "none_required": ("应为空（null）", "Must be null"),
    "multiple_of": ("应为 {multiple_of} 的倍数", "Must be a multiple of {multiple_of}"),
    "finite_number": ("应为有限的数字", "Must be a finite number"),
    "iterable_type": ("应为列表", "Must be a list"),
    "iteration_error": ("应为列表", "Must be a list"),
    "string_unicode": ("文本编码无效（应为 UTF-8）", "Not valid text (UTF-8 expected)"),
    "string_not_ascii": ("只能包含 ASCII 字符", "Only ASCII characters are allowed"),
    "frozen_dict_type": ("应为对象", "Must be an object"),
    "ordered_dict_type": ("应为对象", "Must be an object"),
    "counter_type": ("应为对象", "Must be an object"),
    "mapping_type": ("应为对象", "Must be an object"),
    "deque_type": ("应为列表", "Must be a list"),
    "tuple_type": ("应为列表", "Must be a list"),
    "set_type": ("应为列表", "Must be a list"),
    "set_item_not_hashable": ("列表项应为简单值", "Items must be plain values"),
    "int_parsing_size": ("整数位数过多", "The integer has too many digits"),
    "int_from_float": ("应为整数，不能有小数部分", "Must be a whole number"),
    "float_type": ("应为数字", "Must be a number"),
    "bytes_type": ("应为文本", "Must be a string"),
    "bytes_too_short": ("至少 {min_length} 个字节", "At least {min_length} bytes"),
    "bytes_too_long": ("最多 {max_length} 个字节", "At most {max_length} bytes"),
    "bytes_invalid_encoding": ("编码无效（应为 {encoding}）", "Not valid {encoding}"),
    "assertion_error": ("取值无效", "Invalid value"),
    "missing_sentinel_error": ("取值无效", "Invalid value"),
    "ellipsis_error": ("取值无效", "Invalid value"),
    "date_type": ("日期格式应为 YYYY-MM-DD", "Dates are YYYY-MM-DD"),
    "date_from_datetime_inexact": ("应为日期，不含时刻", "Must be a date, without a time"),
    "date_past": ("应为过去的日期", "Must be a date in the past"),
    "date_future": ("应为将来的日期", "Must be a date in the future"),
    "time_type": ("时刻格式应为 HH:MM[:SS]", "Times are HH:MM[:SS]"),
    "time_parsing": ("时刻格式应为 HH:MM[:SS]", "Times are HH:MM[:SS]"),
    "datetime_type": ("时间格式应为 ISO 8601", "Datetimes are ISO 8601"),
    "datetime_object_invalid": ("时间无效", "Invalid datetime"),
    "datetime_past": ("应为过去的时间", "Must be in the past"),
    "datetime_future": ("应为将来的时间", "Must be in the future"),
    "timezone_naive": ("时间不能带时区", "The datetime may not have an offset"),
    "timezone_offset": ("时区应为 {tz_expected}", "The offset must be {tz_expected}"),
    "time_delta_type": ("时长格式应为 ISO 8601", "Durations are ISO 8601"),
    "time_delta_parsing": ("时长格式应为 ISO 8601", "Durations are ISO 8601"),
    "frozen_set_type": ("应为列表", "Must be a list"),
    "is_instance_of": ("格式不正确", "Wrong format"),
    "is_subclass_of": ("格式不正确", "Wrong format"),
    "callable_type": ("格式不正确", "Wrong format"),
    "union_tag_invalid": (
        "类型应为 {expected_tags} 之一",
        "The type must be one of {expected_tags}",
    ),
    "union_tag_not_found": ("缺少类型字段", "The type field is missing"),
    "arguments_type": ("应为列表或对象", "Must be a list or an object"),
    "missing_argument": ("必填", "Field required"),
    "unexpected_keyword_argument": ("不允许的字段", "Unknown field"),
    "missing_keyword_only_argument": ("必填", "Field required"),
    "unexpected_positional_argument": ("多余的值", "Unexpected value"),
    "missing_positional_only_argument": ("必填", "Field required"),
    "multiple_argument_values": ("该字段给出了多次", "Given more than once"),
    "url_type": ("应为网址", "Must be a URL"),
    "url_parsing": ("网址格式不正确", "Not a valid URL"),
    "url_syntax_violation": ("网址格式不正确", "Not a valid URL"),
    "url_too_long": ("网址最多 {max_length} 个字符", "URLs have at most {max_length} characters"),
    "url_scheme": ("网址应以 {expected_schemes} 开头", "The URL scheme must be {expected_schemes}"),
    "uuid_type": ("应为 UUID", "Must be a UUID"),
    "uuid_parsing": ("应为 UUID", "Must be a UUID"),
    "uuid_version": (
        "应为第 {expected_version} 版 UUID",
        "Must be a version {expected_version} UUID",
    ),
    "decimal_type": ("应为数字", "Must be a number"),
    "decimal_parsing": ("应为数字", "Must be a number"),
    "decimal_max_digits": ("最多 {max_digits} 位数字", "At most {max_digits} digits"),
    "decimal_max_places": (
        "最多 {decimal_places} 位小数",
        "At most {decimal_places} decimal places",
    ),
    "decimal_whole_digits": (
        "整数部分最多 {whole_digits} 位",
        "At most {whole_digits} digits before the decimal point",
    ),
    "fraction_type": ("应为数字", "Must be a number"),
    "fraction_parsing": ("应为数字", "Must be a number"),
    "complex_type": ("应为数字", "Must be a number"),
    "complex_str_parsing": ("应为数字", "Must be a number"),
}


def negotiate(accept_language: str | None) -> Lang:
    """Pick ``en`` or ``zh-CN`` from an Accept-Language header (q-values honoured)."""
    if not accept_language:
        return DEFAULT_LANG
    best: tuple[float, Lang] | None = None
    for position, part in enumerate(accept_language.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        q = 1.0
        for param in pieces[1:]:
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        lang: Lang | None = None
        if tag.startswith("zh"):
            lang = "zh-CN"
        elif tag.startswith("en"):
            lang = "en"
        if lang and q > 0 and (best is None or q > best[0]):
            best = (q - position * 1e-6, lang)
    return best[1] if best else DEFAULT_LANG


def translate(code: str, lang: Lang, fallback: str | None = None, **params: Any) -> str:
    pair = MESSAGES.get(code)
    if pair is None:
        if fallback:
            return fallback
        pair = MESSAGES["error"]
    template = pair[1] if lang == "en" else pair[0]
    if params:
        try:
            return template.format(**params)
        except (KeyError, IndexError, ValueError):
            return template
    return template
