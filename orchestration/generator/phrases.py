"""Small zh/en phrase tables for every free-text column.

Each phrase is a (zh, en) pair so a ticket's language picks the matching half. Texts are
deliberately plain (no double quotes, backslashes or line breaks): they only have to look
like helpdesk text, and plain text keeps the CSV and JSON encoders trivial.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

Pair = tuple[str, str]

# Per category, in spec.CATEGORIES order.
SUBJECTS: tuple[tuple[Pair, ...], ...] = (
    (
        ("无法连接公司VPN", "Cannot connect to the company VPN"),
        ("办公室网络频繁断开", "Office network keeps dropping"),
        ("无线网络速度很慢", "Wi-Fi is very slow"),
    ),
    (
        ("数据库查询超时", "Database query times out"),
        ("报表数据不一致", "Report data is inconsistent"),
        ("无法连接数据库", "Cannot connect to the database"),
    ),
    (
        ("无法登录邮箱", "Cannot log in to mailbox"),
        ("邮件发送失败", "Emails fail to send"),
        ("收不到外部邮件", "Not receiving external emails"),
    ),
    (
        ("笔记本电脑无法开机", "Laptop does not power on"),
        ("显示器没有信号", "Monitor shows no signal"),
        ("键盘按键失灵", "Keyboard keys not working"),
    ),
    (
        ("账号被锁定", "Account is locked"),
        ("需要重置密码", "Password reset needed"),
        ("申请系统访问权限", "Request access to a system"),
    ),
    (
        ("软件安装失败", "Software installation fails"),
        ("应用程序频繁崩溃", "Application crashes frequently"),
        ("更新后应用无法启动", "Application fails to start after update"),
    ),
    (
        ("收到可疑钓鱼邮件", "Received a suspicious phishing email"),
        ("电脑提示病毒警告", "Virus warning on my computer"),
        ("需要开通多因素认证", "Need multi-factor authentication enabled"),
    ),
    (
        ("打印机无法打印", "Printer does not print"),
        ("打印机卡纸", "Printer paper jam"),
        ("无法添加网络打印机", "Cannot add network printer"),
    ),
)

SYMPTOMS: tuple[tuple[Pair, ...], ...] = (
    (
        ("VPN客户端连接超时", "VPN client times out"),
        ("网络间歇性中断", "Intermittent loss of network"),
    ),
    (
        ("查询执行超过60秒", "Query runs longer than 60 seconds"),
        ("连接池耗尽", "Connection pool exhausted"),
    ),
    (
        ("登录提示密码错误", "Login says wrong password"),
        ("邮件停留在发件箱", "Mail stuck in outbox"),
    ),
    (("设备无任何指示灯", "Device shows no lights"), ("屏幕黑屏", "Screen stays black")),
    (("多次输错密码后锁定", "Locked after failed logins"), ("权限不足无法访问", "Access denied")),
    (
        ("安装程序报错退出", "Installer exits with an error"),
        ("程序启动后闪退", "Program closes on start"),
    ),
    (
        ("邮件含可疑链接", "Mail contains a suspicious link"),
        ("杀毒软件弹出告警", "Antivirus raises an alert"),
    ),
    (("打印任务卡在队列", "Print job stuck in queue"), ("打印机显示卡纸", "Printer reports a jam")),
)

ROOT_CAUSES: tuple[tuple[Pair, ...], ...] = (
    (("VPN证书过期", "Expired VPN certificate"), ("交换机端口故障", "Faulty switch port")),
    (("缺少索引", "Missing index"), ("统计信息过期", "Stale statistics")),
    (("密码过期", "Expired password"), ("邮箱配额已满", "Mailbox quota exceeded")),
    (("电源适配器损坏", "Broken power adapter"), ("显卡驱动异常", "Faulty graphics driver")),
    (("密码策略触发锁定", "Password policy lockout"), ("权限组配置错误", "Wrong permission group")),
    (("依赖组件缺失", "Missing runtime component"), ("配置文件损坏", "Corrupted configuration")),
    (("钓鱼攻击", "Phishing attempt"), ("恶意软件感染", "Malware infection")),
    (("驱动版本不兼容", "Incompatible printer driver"), ("纸张规格不符", "Wrong paper size")),
)

RESOLUTIONS: tuple[tuple[Pair, ...], ...] = (
    (
        ("更新证书后恢复连接", "Renewed certificate and reconnected"),
        ("更换端口后恢复", "Moved to a working port"),
    ),
    (
        ("添加索引并优化查询", "Added index and tuned query"),
        ("更新统计信息", "Refreshed statistics"),
    ),
    (
        ("重置密码并重新登录", "Reset password and logged in"),
        ("清理邮箱空间", "Freed mailbox space"),
    ),
    (
        ("更换电源适配器", "Replaced power adapter"),
        ("重新安装显卡驱动", "Reinstalled graphics driver"),
    ),
    (
        ("解锁账号并说明密码策略", "Unlocked account and explained policy"),
        ("调整权限组", "Fixed permission group"),
    ),
    (
        ("安装缺失组件后重装", "Installed missing component and reinstalled"),
        ("重置应用配置", "Reset application settings"),
    ),
    (
        ("隔离邮件并重置凭据", "Quarantined mail and reset credentials"),
        ("清除恶意软件", "Removed malware"),
    ),
    (
        ("更新打印机驱动", "Updated printer driver"),
        ("清理卡纸并校准", "Cleared jam and recalibrated"),
    ),
)

CLOSURE_CODES = (
    "fixed",
    "workaround",
    "config_change",
    "user_guidance",
    "hardware_replaced",
    "no_fault_found",
)

# Event bodies, keyed by body kind; see events.BODY_KINDS for the order.
EVENT_BODIES: dict[str, tuple[Pair, ...]] = {
    "auto_reply": (
        ("感谢您的来信，我们已收到您的请求。", "Thank you, we have received your request."),
        (
            "您的工单已创建，工程师将尽快联系您。",
            "Your ticket is logged; an engineer will contact you soon.",
        ),
    ),
    "first_reply": (
        ("您好，我们正在处理您的问题。", "Hello, we are looking into your issue."),
        ("您好，已收到，我先帮您检查一下。", "Hi, thanks for reporting this. Checking it now."),
        ("您好，请问问题是从什么时候开始的？", "Hello, since when has this been happening?"),
    ),
    "reply": (
        ("我们已定位到可能的原因，正在验证。", "We found a likely cause and are verifying it."),
        ("请您重启后再试一次。", "Please restart and try again."),
        ("已联系相关团队协助处理。", "We have asked the responsible team to help."),
    ),
    "ask_info": (
        ("请提供报错截图。", "Please send a screenshot of the error."),
        ("请提供您的设备编号。", "Please send your device asset number."),
    ),
    "customer_reply": (
        ("截图已发送，请查收。", "Screenshot attached."),
        ("问题仍然存在。", "The problem is still there."),
        ("好的，谢谢。", "OK, thank you."),
    ),
    "internal_note": (
        ("已查看日志，怀疑是配置问题。", "Checked the logs; looks like a configuration issue."),
        ("需要与网络组确认。", "Need to confirm with the network group."),
    ),
    "proactive_update": (
        (
            "进展更新：我们仍在处理，预计明天给出结论。",
            "Update: still working on it, expect a result tomorrow.",
        ),
        ("进展更新：已联系厂商，等待回复。", "Update: vendor contacted, waiting for their answer."),
    ),
    "workaround": (
        ("临时方案：请先使用网页版。", "Workaround: please use the web version for now."),
        ("临时方案：已为您开通备用账号。", "Workaround: a temporary account has been set up."),
    ),
    "resolution": (
        ("问题已解决，请确认。", "The issue is fixed, please confirm."),
        ("已完成修复，如仍有问题请回复。", "Fixed. Reply if anything is still wrong."),
    ),
    "reopen": (
        ("问题又出现了。", "The problem is back."),
        ("修复后还是不行。", "Still not working after the fix."),
    ),
    "confirmation": (
        ("已与用户确认问题解决。", "Confirmed with the user that the issue is resolved."),
        ("用户确认可以正常使用。", "User confirmed everything works."),
    ),
    "callback": (
        ("回访：用户表示满意。", "Callback: the user is satisfied."),
        ("回访：问题未再出现。", "Callback: no recurrence reported."),
    ),
    "transfer": (
        ("转交给更合适的工程师。", "Handed over to a better-suited engineer."),
        ("超出本组职责，转交处理。", "Outside our scope; transferring."),
    ),
    "escalation": (
        ("需要更高级别支持。", "Needs higher-tier support."),
        ("升级处理：影响范围较大。", "Escalating: wide impact."),
    ),
    "closure": (
        ("工单已关闭。", "Ticket closed."),
        ("问题已解决，工单关闭。", "Resolved and closed."),
    ),
}

SURVEY_COMMENTS: tuple[tuple[Pair, ...], ...] = (
    (
        ("太慢了，等了很久。", "Far too slow."),
        ("问题没有真正解决。", "The problem was not really fixed."),
    ),
    (
        ("还可以。", "It was OK."),
        ("解决了，但沟通可以更清楚。", "Solved, but communication could be clearer."),
    ),
    (("非常专业，谢谢！", "Very professional, thank you!"), ("响应很快。", "Quick response.")),
)

QA_COMMENTS: tuple[tuple[Pair, ...], ...] = (
    (("记录不完整，诊断步骤缺失。", "Incomplete record; diagnosis steps missing."),),
    (("处理规范，可加强说明。", "Handled correctly; explanation could improve."),),
    (("处理出色，记录完整。", "Excellent handling, complete record."),),
)

# Per complaint category, in the contract's allowed order.
COMPLAINT_TEXTS: tuple[tuple[Pair, ...], ...] = (
    (("工程师态度不好。", "The engineer was rude."),),
    (("处理太慢，等了好几天。", "It took days to get help."),),
    (("问题没有解决就关单了。", "Ticket closed without a real fix."),),
    (("临时方案不起作用。", "The workaround did not work."),),
    (("建议增加在线聊天支持。", "Please offer chat support."),),
    (("其他问题。", "Other issue."),),
)

# Per indicator, in spec.INDICATORS order.
ACTION_TITLES: tuple[tuple[Pair, ...], ...] = (
    (
        ("优化工单分派规则", "Improve ticket routing rules"),
        ("增加早班值守", "Add early shift cover"),
    ),
    (
        ("复盘重开工单", "Review reopened tickets"),
        ("完善解决前验证清单", "Add a pre-resolution checklist"),
    ),
    (("满意度差评回访", "Call back detractors"), ("沟通技巧培训", "Communication training")),
    (
        ("知识库文章补充计划", "Knowledge base backlog sprint"),
        ("推行KCS流程", "Roll out the KCS workflow"),
    ),
    (
        ("复杂工单专家支持", "Expert pool for complex tickets"),
        ("解决时限监控", "Resolution SLA monitoring"),
    ),
    (
        ("工单记录规范培训", "Ticket documentation training"),
        ("必填字段检查", "Mandatory field checks"),
    ),
)

ZH_SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "马", "朱")
ZH_GIVEN = ("伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "涛", "明", "超", "婷")
EN_FIRST = ("Anna", "Lukas", "Mia", "Jonas", "Lea", "Felix", "Emma", "Paul", "Sofia", "Max")
EN_LAST = ("Müller", "Schmidt", "Weber", "Fischer", "Wagner", "Becker", "Hoffmann", "Klein")


class PhraseTable:
    """A flat string dictionary of (group, language) phrase lists, picked by index arrays.

    Keeping the phrases in one Arrow array lets a whole chunk's text column be built with
    one vectorised `take` instead of a Python loop over rows.
    """

    def __init__(self, groups: Sequence[Sequence[Pair]]) -> None:
        flat: list[str] = []
        self._start = np.zeros((len(groups), 2), dtype=np.int64)
        self._count = np.zeros((len(groups), 2), dtype=np.int64)
        for g, pairs in enumerate(groups):
            for lang in (0, 1):
                self._start[g, lang] = len(flat)
                self._count[g, lang] = len(pairs)
                flat.extend(pair[lang] for pair in pairs)
        self.values = pa.array(flat, pa.string())

    def pick(self, group: np.ndarray, lang: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A random phrase index per row from the row's group, in the row's language."""
        offset = np.floor(rng.random(len(group)) * self._count[group, lang]).astype(np.int64)
        return self._start[group, lang] + offset

    def take(self, index: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
        """Strings for phrase indices; rows where valid is False become null."""
        mask = None if valid is None else ~valid
        return self.values.take(pa.array(index, pa.int64(), mask=mask))
