"""Shared vocabularies: the one place each list of words the stages exchange is defined.

Pure data. The crawler produces fetch statuses and page kinds, the audit produces finding
statuses, the registry and the rules name unit kinds and roles, the report labels them all
in Chinese. A new word is added here and nowhere else.
"""

from __future__ import annotations

# Units of the registry, and how the report names them.
UNIT_KINDS = {
    "county": "县（市、区）",
    "municipal-government": "市政府",
    "municipal-department": "市直部门",
}
# Which units each spider crawls (`scrapy crawl county_portals` / `department_portals`).
GOVERNMENT_KINDS = ("county", "municipal-government")
DEPARTMENT_KINDS = ("municipal-department",)

# A unit's part in a plan task (落实单位): 牵头 / 落实 / 按职责分工 / 督促.
ROLES = ("lead", "implement", "by_duty", "supervise")

# What became of one request, and what that means in a finding. A link is broken (错链)
# only when the site is at fault; a page we could not judge (slow, refused to us,
# oversized) makes a check 'unknown' rather than a failure.
FETCH_STATUSES = {
    "ok": "正常",
    "http_error": "HTTP 错误",
    "error": "连接失败",
    "redirect_loop": "重定向循环",
    "tls_error": "HTTPS 证书/握手错误",
    "timeout": "超时",
    "too_large": "内容超过大小上限",
    "blocked": "拒绝访问（403/429）",
    "blocked_robots": "robots.txt 禁止抓取",
    "offsite_redirect": "重定向到本单位范围以外",
}
BROKEN_STATUSES = frozenset({"http_error", "error", "redirect_loop", "tls_error"})
UNDETERMINED_STATUSES = frozenset({"timeout", "too_large", "blocked"})
# Failures at network level: a portal's, or our own network's (an outage on our side
# looks like every portal failing so at once: see ZWGK_OUTAGE_SHARE).
NETWORK_FAILURE_STATUSES = frozenset({"error", "timeout", "tls_error"})
# A home page that failed so is a failed probe of 站点无法访问 (a refusal to us is not).
UNREACHABLE_STATUSES = NETWORK_FAILURE_STATUSES | {"http_error", "redirect_loop"}
# HTTP answers that refuse us rather than report a fault of the site.
BLOCKING_HTTP_CODES = frozenset({401, 403, 429, 451})

# What a stored page is.
PAGE_KINDS = ("home", "list", "article", "attachment", "other")
# Documents: once published they rarely change (an incremental crawl may carry them over).
DOCUMENT_KINDS = ("article", "attachment")

# A page versus the crawl an incremental crawl revisited, in the order `zwgk crawls` lists them.
PAGE_CHANGES = ("new", "changed", "unchanged", "not_modified", "carried", "resumed")

# Why a unit's crawl may have missed pages (counted per unit in the crawl's stats,
# zwgk/<reason>/<unit id>): a "not found" cannot then be a 不符合, only 无法判断.
CRAWL_LIMITS = {
    "page_limit_reached": "页面数达到每单位上限（ZWGK_MAX_PAGES_PER_UNIT），其余页面未抓取",
    "list_pages_capped": "列表分页超过上限（ZWGK_MAX_LIST_PAGES），后续分页未读取",
    "gkml_config_unreadable": "政府信息公开目录（gkmlpt）的栏目配置无法解析",
    "render_failed": "脚本生成的列表在浏览器中渲染失败",
}

# How much of a plan task a rule's check establishes: full (what the task asks, as asked),
# partial (part of it), proxy (a related sign, not the task itself).
COVERAGE_LEVELS = {"full": "完整核查", "partial": "部分核查", "proxy": "代理指标"}

# Findings.
# not_applicable: nothing was due or there was nothing to examine (e.g. no annual report due
# yet before its deadline); never counted as 符合.
FINDING_STATUSES = {"pass": "符合", "fail": "不符合", "unknown": "无法判断", "manual": "需人工核查",
                    "not_applicable": "不适用"}
# A unit's result for a plan task is the worst of its findings for that task, in this order.
STATUS_ORDER = ("fail", "unknown", "manual", "pass", "not_applicable")
SEVERITIES = ("high", "medium", "low")
# Runs (crawl and audit): running, then one of these; a 'running' run whose process is gone
# is shown as killed.
RUN_STATES = ("running", "finished", "interrupted", "failed", "killed")
# A finding versus the previous audit (the plan's task 46 回头看).
FINDING_CHANGES = {"new": "新增", "persisting": "仍存在", "resolved": "已整改"}
