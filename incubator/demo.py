"""A realistic demo: two sites, startups in every tier, a user of every role, spaces and bookings.

Loading is idempotent in three steps: the people, sites and startups are created
unless the demo admin exists; the spaces (opening hours, spaces of every kind,
free quotas, a lab certification and a few bookings in the coming days) are
added unless the demo sites have spaces already, so a demo loaded before
spaces existed gains them on the next ``flask demo load``; the projects (one on
track, one at risk, one off track, with fundings, milestones in every state,
KPI figures over several months, a submission with evidence awaiting a
decision, and last quarter's progress reviews decided) unless the demo
startups have projects already; the case committee (chaired by the demo
committee member, with three more committee members) unless it exists; the
tolerance-for-failure cases (filed, under assessment, before the committee with
votes missing, decided exempt with its letter, and one closed after a recusal
and an appeal decided in round 2, published as an anonymised precedent) unless
the demo startups have cases already, all through the domains' operations.
"""
import io
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from incubator.auth.models import Role, User
from incubator.booking.operations import create_booking
from incubator.cases import operations as case_operations
from incubator.cases.models import Case, ChecklistItem, ChecklistKind
from incubator.cases.precedents import operations as precedent_operations
from incubator.committees import operations as committee_operations
from incubator.committees.models import Committee, CommitteePurpose, OpinionChoice
from incubator.committees.queries import decision_for
from incubator.core.time import from_local, now_utc, programme_timezone, to_local
from incubator.extensions import db
from incubator.projects import operations as project_operations
from incubator.projects.models import (
    FundingKind,
    KpiFigure,
    KpiKind,
    Project,
    ProjectField,
    ReviewCadence,
    ReviewOutcome,
    programme_today,
)
from incubator.projects.reviews import operations as review_operations
from incubator.projects.reviews.models import KpiRatingLevel, ProgressReview
from incubator.projects.reviews.queries import kpi_targets_to_rate
from incubator.sites.hours import opening_windows
from incubator.sites.models import Site, SiteOpeningHours
from incubator.spaces.models import Certification, Space, SpaceKind, TierQuota, UserCertification
from incubator.startups.credit_code import check_character
from incubator.startups.models import MembershipRole, Startup, StartupMembership, StartupStatus, Tier

DEMO_PASSWORD = 'wutong-demo-2026'
DEMO_DOMAIN = 'demo.wutong.example'

SITES = [
    ('梧桐众创空间（南山）', '深圳市南山区科技园梧桐路 1 号'),
    ('凤栖孵化加速基地', '深圳市宝安区凤凰大道 88 号'),
]
STAFF = [
    ('admin', '系统管理员 王敏', {Role.admin}),
    ('manager', '孵化经理 李强', {Role.manager}),
    ('manager2', '孵化经理 陈静', {Role.manager}),
    ('committee', '评审委员 赵磊', {Role.committee}),
    ('reviewer', '自然资源局审核人 孙悦', {Role.department_reviewer}),
]
# name, organization code (8 characters + its check), tier, site index, admitted on, status
STARTUPS = [
    ('深圳青梧智能科技有限公司', '4403050', 'MA5F1A2B3', Tier.maker_space, 0, date(2026, 3, 1),
     StartupStatus.incubating),
    ('南山栖凤生物医药有限公司', '4403050', 'MA5G7C8D9', Tier.incubator, 0, date(2025, 9, 15),
     StartupStatus.incubating),
    ('宝安梧桐新材料有限公司', '4403060', 'MA5H2E4F6', Tier.accelerator, 1, date(2024, 6, 1),
     StartupStatus.incubating),
    ('鹏城云帆数据服务有限公司', '4403060', 'MA5J3G5H7', Tier.incubator, 1, date(2025, 1, 10), StartupStatus.graduated),
    ('凤鸣低空科技有限公司', '4403050', 'MA5K4J6K8', Tier.maker_space, 1, date(2026, 7, 20), StartupStatus.incubating),
]
MEMBERS = [
    ('owner', '创始人 刘洋', 0, MembershipRole.owner),
    ('member', '工程师 周婷', 0, MembershipRole.member),
    ('owner2', '创始人 黄海', 1, MembershipRole.owner),
    ('owner3', '创始人 吴桐', 2, MembershipRole.owner),
]


#: The case committee: its name, and the committee members besides its chair (the demo committee member).
CASE_COMMITTEE = '容错免责评审委员会'
COMMITTEE_MEMBERS = [
    ('committee2', '评审委员 孙芳'),
    ('committee3', '评审委员 钱程'),
    ('committee4', '评审委员 郑雅'),
]


def demo_credit_code(region, organization):
    first = '91' + region[:6] + organization[:9]
    return first + check_character(first)


def demo_logins():
    logins = {f'{key}@{DEMO_DOMAIN}': name for key, name, *_ in STAFF + COMMITTEE_MEMBERS + MEMBERS
              + GREEN_REVIEWERS}
    return list(logins.items())


# Mon–Fri 08:00–22:00, Saturday 09:00–18:00, closed on Sunday (and on public holidays).
OPENING_HOURS = [(weekday, 8 * 60, 22 * 60) for weekday in range(5)] + [(5, 9 * 60, 18 * 60)]
LAB_CERTIFICATION = ('实验室安全培训', '生物安全二级实验室的操作、废弃物处理与应急流程。')
_TERMS = dict(min_booking_minutes=30, max_booking_minutes=480, booking_horizon_days=30, cancellation_cutoff_hours=24)
# key, site index, name, kind, capacity, yuan per hour, yuan per day, other terms; prices are stored in fen
SPACES = [
    ('hot_desks', 0, '共享工位区', SpaceKind.hot_desk, 30, 10, 50,
     dict(min_booking_minutes=60, max_booking_minutes=840, cancellation_cutoff_hours=2,
          description='开放式共享工位，先到先得；按人头（座位）预订。')),
    ('desk_1', 0, '固定工位 F-01', SpaceKind.fixed_desk, 1, 8, 40, dict(max_booking_minutes=840)),
    ('desk_2', 0, '固定工位 F-02', SpaceKind.fixed_desk, 1, 8, 40, dict(max_booking_minutes=840)),
    ('desk_3', 0, '固定工位 F-03', SpaceKind.fixed_desk, 1, 8, 40, dict(max_booking_minutes=840)),
    ('room_a', 0, '会议室 A', SpaceKind.meeting_room, 8, 80, 500, dict(description='8 人会议室，带投屏与白板。')),
    ('room_b', 0, '会议室 B（路演厅）', SpaceKind.meeting_room, 20, 150, 900,
     dict(requires_approval=True, booking_horizon_days=60, description='20 人路演厅；预订需孵化经理审批。')),
    ('office', 0, '独立办公室 301', SpaceKind.private_office, 6, 60, 300, dict(max_booking_minutes=840)),
    ('wet_lab', 0, '生物湿实验室', SpaceKind.lab, 4, 120, 600,
     dict(description='生物安全二级（BSL-2）实验室；须持有效的实验室安全培训证书。')),
    ('printer', 0, '3D 打印机（拓竹 X1）', SpaceKind.equipment, 1, 20, 0,
     dict(requires_check_in=True, max_booking_minutes=240, cancellation_cutoff_hours=2,
          description='开始前后 15 分钟内到前台签到，否则预订自动释放。')),
    ('hot_desks_2', 1, '共享工位区', SpaceKind.hot_desk, 20, 10, 50,
     dict(min_booking_minutes=60, max_booking_minutes=840, cancellation_cutoff_hours=2)),
    ('room_c', 1, '会议室 凤凰厅', SpaceKind.meeting_room, 12, 100, 600, {}),
]
# Free hours a month per tier (maker space, incubator, accelerator) and kind; seat-hours in a hot-desk zone.
FREE_HOURS = {
    SpaceKind.hot_desk: (200, 400, 800),
    SpaceKind.fixed_desk: (0, 160, 320),
    SpaceKind.meeting_room: (20, 40, 80),
    SpaceKind.private_office: (0, 20, 40),
    SpaceKind.lab: (10, 20, 40),
    SpaceKind.equipment: (5, 10, 20),
}
# member key, startup index, space key, open working day (1 = the next one), from, to, people, purpose
BOOKINGS = [
    ('owner', 0, 'room_a', 1, '10:00', '11:30', 5, '周例会'),
    ('member', 0, 'hot_desks', 1, '09:00', '18:00', 2, '产品联调'),
    ('member', 0, 'printer', 2, '10:00', '12:00', 1, '外壳打样'),
    ('owner2', 1, 'wet_lab', 2, '14:00', '17:00', 2, '细胞培养'),
    ('owner2', 1, 'room_b', 3, '15:00', '17:00', 12, '投资人路演'),  # awaits a manager's approval
    ('owner3', 2, 'room_c', 3, '14:00', '16:00', 6, '客户交流'),
    ('owner', 0, 'office', 4, '09:00', '12:00', 4, '招聘面试'),
    ('owner3', 2, 'hot_desks_2', 4, '09:30', '17:30', 3, '驻场办公'),
]
CERTIFIED_MEMBER = 'owner2'  # 黄海 of the biotech startup may use the wet lab


#: Green-channel departments: key of the reviewer account (also the head; the first is the staff list's reviewer),
#: its name, the department's names.
GREEN_REVIEWERS = [
    ('reviewer', '自然资源局审核人 孙悦', '自然资源局', 'Natural resources bureau'),
    ('hr', '人社局审核员 何平', '人力资源和社会保障局', 'Human resources and social security bureau'),
    ('housing', '住建局审核员 许安', '住房和城乡建设局', 'Housing and urban-rural development bureau'),
]
GREEN_COMMITTEE = '绿色通道会商委员会'


def load_demo():
    """Create what is missing of the demo; return True if anything was created."""
    created = _load_people()
    created = _load_spaces() or created
    created = _load_projects() or created
    created = _load_committees() or created
    cases_loaded = _load_cases()
    greenchannel_loaded = _load_greenchannel()
    return cases_loaded or greenchannel_loaded or created


def _load_greenchannel():
    """Green-channel departments with reviewer accounts, a committee, three categories and requests of the
    first startup in every stage, through the operations with past times: one returned for information, one
    before the committee past its deadline (escalated by the job), one under public notice with an objection, one
    being fulfilled (lab access delivered), one closed. Skipped if the committee exists."""
    from incubator.committees.queries import decision_for
    from incubator.greenchannel import operations as green
    from incubator.greenchannel.aftercare import fulfilment, notice
    from incubator.greenchannel.models import FulfilmentKind, OpinionKind, Outcome
    if db.session.execute(sa.select(Committee.id).filter_by(name=GREEN_COMMITTEE)).first():
        return False
    users = {user.email.split('@')[0]: user for user in db.session.execute(
        sa.select(User).where(User.email.like(f'%@{DEMO_DOMAIN}'))).scalars()}
    startup = users['owner'].memberships[0].startup
    project = db.session.execute(sa.select(Project).where(Project.startup_id == startup.id)
                                 .order_by(Project.id)).scalars().first()
    if project is None:
        return False
    admin, manager, owner = users['admin'], users['manager'], users['owner']
    departments = []
    for key, name, name_zh, name_en in GREEN_REVIEWERS:
        reviewer = users[key] = users.get(key) or _user(key, name)
        reviewer.set_roles({Role.department_reviewer})
        db.session.flush()
        departments.append(green.save_department(None, user=admin, name_zh=name_zh, name_en=name_en, head=reviewer,
                                                 reviewers=[reviewer]))
    land, hr, housing = departments
    voters = [users['committee'], users['committee2'], users['committee3']]
    committee_operations.create_committee(user=admin, name=GREEN_COMMITTEE, purpose=CommitteePurpose.greenchannel,
                                          chair=voters[0], members=voters)
    homes = green.save_category(None, user=admin, name_zh='人才住房与场地', name_en='Talent housing and sites',
                                departments=[land, housing], asks_area=True, promised_working_days=15,
                                needs_notice=True, notice_days=7, public_fields=['startup', 'granted', 'notice_period'])
    lab = green.save_category(None, user=admin, name_zh='实验室使用', name_en='Lab access', departments=[hr],
                              promised_working_days=5, opinion_working_days=3)
    money = green.save_category(None, user=admin, name_zh='资金支持', name_en='Funding', departments=[hr, housing],
                                asks_amount=True, needs_notice=True, notice_days=7,
                                public_fields=['startup', 'granted', 'amount', 'notice_period'])
    green.set_service_contact(startup, user=admin, contact=manager)
    now = now_utc()

    def ago(days, hours=0):
        return now - timedelta(days=days, hours=hours)

    def filed(category, needed, days, **fields):
        request = green.save_draft(None, user=owner, startup=startup, project=project, category=category,
                                   needed=needed, justification='中试线 11 月投产，需尽快落实。', now=ago(days, 2),
                                   **fields)
        return green.submit_request(request, user=owner, now=ago(days))

    def decided(request, outcome, days, granted='', reasons=''):
        """The chair and both members vote for, then the chair records the outcome."""
        item = decision_for('green_request', request.id)
        for voter in voters:
            committee_operations.record_opinion(item, user=voter, choice='for')
        return green.decide_request(request, user=voters[0], outcome=outcome, granted=granted, reasons=reasons,
                                    now=ago(days))

    green.save_draft(None, user=owner, startup=startup, project=project, category=money,
                     needed='首台套设备购置补贴（草稿）', amount_fen=30_000_000)
    filed(lab, '使用生物安全二级实验室三个月', 0)
    returned = filed(homes, '300 平方米中试场地', 4, area_m2=300)
    green.return_request(returned, user=manager, items=['场地用途说明', '消防安全评估报告'], note='请一次性补齐。',
                         now=ago(3))
    reviewing = filed(homes, '两套人才公寓', 3, area_m2=120)
    green.accept_request(reviewing, user=manager, departments=[land, housing], now=ago(2))
    green.give_opinion(reviewing, land, user=users['reviewer'], opinion=OpinionKind.support, now=ago(1))
    late = filed(money, '研发设备补贴 80 万元', 30, amount_fen=80_000_000)
    green.accept_request(late, user=manager, departments=[hr, housing], now=ago(29))
    green.give_opinion(late, hr, user=users['hr'], opinion=OpinionKind.support, now=ago(27))
    green.give_opinion(late, housing, user=users['housing'], opinion=OpinionKind.support_with_conditions,
                       comment='按实际采购发票拨付。', now=ago(26))
    noticed = filed(homes, '500 平方米厂房及三套人才公寓', 20, area_m2=500)
    green.accept_request(noticed, user=manager, departments=[land, housing], now=ago(19))
    green.give_opinion(noticed, land, user=users['reviewer'], opinion=OpinionKind.support, now=ago(17))
    green.give_opinion(noticed, housing, user=users['housing'], opinion=OpinionKind.oppose,
                       comment='人才公寓房源不足。', now=ago(16))
    decided(noticed, Outcome.partly_approved, 2, granted='500 平方米厂房，租期三年', reasons='人才公寓暂无房源。')
    the_notice = notice.current_notice(noticed)
    notice.lodge_objection(the_notice, name='王先生', contact='13800000000', reason='该厂房已有其他企业在洽谈。',
                           ip_address='203.0.113.7', now=ago(1))
    fulfilling = filed(lab, '使用生物安全二级实验室半年', 15)
    green.accept_request(fulfilling, user=manager, departments=[hr], now=ago(14))
    green.give_opinion(fulfilling, hr, user=users['hr'], opinion=OpinionKind.support, now=ago(13))
    decided(fulfilling, Outcome.approved, 12, granted='实验室使用半年及设备补贴 10 万元')
    lab_space = db.session.execute(sa.select(Space).where(Space.certification_id.is_not(None))
                                   .order_by(Space.id)).scalars().first()
    fulfilment.add_item(fulfilling, user=manager, kind=FulfilmentKind.funding, description='设备补贴',
                        amount_fen=10_000_000)
    if lab_space is not None:
        item = fulfilment.add_item(fulfilling, user=manager, kind=FulfilmentKind.lab_access,
                                   description='生物安全二级实验室', space=lab_space)
        fulfilment.deliver_item(item, user=manager, delivered_on=to_local(ago(10)).date(),
                                access_until=to_local(now).date() + timedelta(days=180), now=ago(10))
    rejected = filed(money, '市场推广补贴 200 万元', 40, amount_fen=200_000_000)
    green.accept_request(rejected, user=manager, departments=[hr], now=ago(39))
    green.give_opinion(rejected, hr, user=users['hr'], opinion=OpinionKind.oppose, comment='不属于支持范围。',
                       now=ago(37))
    decided(rejected, Outcome.rejected, 35, reasons='推广费用不在绿色通道支持范围内。')
    green.escalate(now)
    return True


def _load_people():
    if db.session.execute(sa.select(User.id).filter_by(email=f'admin@{DEMO_DOMAIN}')).first():
        return False
    sites = [Site(name=name, address=address, timezone='Asia/Shanghai') for name, address in SITES]
    db.session.add_all(sites)
    for key, name, roles in STAFF:
        user = _user(key, name)
        user.set_roles(roles)
    startups = []
    for name, region, organization, tier, site, admitted_on, status in STARTUPS:
        startups.append(Startup(name=name, credit_code=demo_credit_code(region, organization), tier=tier,
                                site=sites[site], admitted_on=admitted_on, status=status,
                                contact_name=name[2:4] + '负责人', contact_phone='0755-8888 0000'))
    db.session.add_all(startups)
    for key, name, startup, role in MEMBERS:
        db.session.add(StartupMembership(user=_user(key, name), startup=startups[startup], role=role))
    db.session.flush()
    return True


def _load_committees():
    """The case committee and its members, unless it exists (two thirds quorum, more than half in favour)."""
    if db.session.execute(sa.select(Committee.id).filter_by(name=CASE_COMMITTEE)).first():
        return False
    admin = db.session.execute(sa.select(User).filter_by(email=f'admin@{DEMO_DOMAIN}')).scalar_one()
    chair = db.session.execute(sa.select(User).filter_by(email=f'committee@{DEMO_DOMAIN}')).scalar_one()
    members = [chair]
    for key, name in COMMITTEE_MEMBERS:
        user = db.session.execute(sa.select(User).filter_by(email=f'{key}@{DEMO_DOMAIN}')).scalar_one_or_none()
        if user is None:
            user = _user(key, name)
            user.set_roles({Role.committee})
        members.append(user)
    db.session.flush()
    committee_operations.create_committee(user=admin, name=CASE_COMMITTEE, purpose=CommitteePurpose.cases,
                                          chair=chair, members=members)
    return True


def _load_spaces():
    """Opening hours, spaces, free quotas, the lab certification and some bookings, unless there are spaces."""
    sites = db.session.execute(sa.select(Site).where(Site.name.in_([name for name, _ in SITES]))).scalars().all()
    sites = sorted(sites, key=lambda site: [name for name, _ in SITES].index(site.name))
    if len(sites) != len(SITES) or db.session.execute(
            sa.select(Space.id).where(Space.site_id.in_([site.id for site in sites]))).first():
        return False
    for site in sites:
        if not site.opening_hours:
            site.opening_hours = [SiteOpeningHours(weekday=weekday, opens_minute=opens, closes_minute=closes)
                                  for weekday, opens, closes in OPENING_HOURS]
    existing = set(db.session.execute(sa.select(TierQuota.tier, TierQuota.space_kind)).all())
    for kind, hours in FREE_HOURS.items():
        for tier, free in zip((Tier.maker_space, Tier.incubator, Tier.accelerator), hours, strict=True):
            if (tier, kind) not in existing:
                db.session.add(TierQuota(tier=tier, space_kind=kind, free_minutes=free * 60))
    certification = db.session.execute(
        sa.select(Certification).filter_by(name=LAB_CERTIFICATION[0])).scalar_one_or_none()
    if certification is None:
        certification = Certification(name=LAB_CERTIFICATION[0], description=LAB_CERTIFICATION[1])
    spaces = {}
    for key, site, name, kind, capacity, hourly, daily, terms in SPACES:
        spaces[key] = Space(site=sites[site], name=name, kind=kind, capacity=capacity, hourly_price_fen=hourly * 100,
                            daily_price_fen=daily * 100,
                            certification=certification if kind == SpaceKind.lab else None, **{**_TERMS, **terms})
    db.session.add_all(spaces.values())
    users = {user.email.split('@')[0]: user for user in db.session.execute(
        sa.select(User).where(User.email.like(f'%@{DEMO_DOMAIN}'))).scalars()}
    today = now_utc().astimezone(sites[0].zone).date()
    db.session.add(UserCertification(user=users[CERTIFIED_MEMBER], certification=certification,
                                     expires_on=today + timedelta(days=365), recorded_by=users.get('manager')))
    db.session.flush()
    startups = {startup.credit_code: startup for startup in db.session.execute(sa.select(Startup)).scalars()}
    for key, startup, space_key, nth_day, start, end, seats, purpose in BOOKINGS:
        space = spaces[space_key]
        day = _open_working_days(space.site, today)[nth_day - 1]
        startup = startups[demo_credit_code(*STARTUPS[startup][1:3])]
        create_booking(users[key], space, startup, _at(space.site, day, start), _at(space.site, day, end),
                       seats=seats, purpose=purpose)
    return True


def _open_working_days(site, today):
    """The site's next open days from Monday to Friday, tomorrow first."""
    return [window.day for window in opening_windows(site, today + timedelta(days=1), today + timedelta(days=21))
            if window.day.weekday() < 5]


def _at(site, day, clock):
    return from_local(datetime.combine(day, time.fromisoformat(clock)), site.zone)


def _user(key, name):
    user = User(email=f'{key}@{DEMO_DOMAIN}', name=name, locale=None)
    user.set_password(DEMO_PASSWORD)
    db.session.add(user)
    return user


# --- projects ------------------------------------------------------------------------------------------------

# Dates are days from today; money is in yuan here (fen in the database). Each milestone: title, due in days,
# what happens to it ('accept' after a submission, 'changes' requested, 'start', 'submit' awaiting a decision
# with an evidence file, or nothing: planned), its KPI targets (kind, target, custom name, unit) and, per
# target, figures reported before (days ago, value); the submission reports ``final`` figures.
PROJECTS = [
    dict(startup=0, owner='owner', manager='manager', title='服务机器人样机研发',
         field=ProjectField.advanced_manufacturing, lead='刘洋', start=-330, end=220,
         fundings=[(FundingKind.subsidy, 500_000, -300, '深圳市创新创业补贴'), (FundingKind.grant, 200_000, -100, '')],
         milestones=[
             ('完成原理样机', -240, 'accept', [(KpiKind.hires, 4, None, None), (KpiKind.patents_filed, 2, None, None)],
              [[(-300, 1), (-270, 3)], [(-270, 1)]], [4, 2]),
             ('首批客户试用', -60, 'accept', [(KpiKind.revenue, 300_000, None, None)],
              [[(-180, 50_000), (-150, 90_000), (-120, 160_000), (-90, 240_000)]], [320_000]),
             ('量产设计定型', 45, 'start', [(KpiKind.products_shipped, 200, None, None)],
              [[(-60, 40), (-30, 90), (-5, 130)]], None),
             ('完成 A 轮融资', 200, None, [(KpiKind.funding_raised, 10_000_000, None, None)], [[]], None),
         ]),
    dict(startup=1, owner='owner2', manager='manager2', title='新型 mRNA 疫苗递送平台', field=ProjectField.biomedicine,
         lead='黄海', start=-400, end=330, fundings=[(FundingKind.loan, 1_000_000, -380, '贴息贷款')],
         milestones=[
             ('完成动物实验', -20, 'start', [(KpiKind.patents_filed, 3, None, None)], [[(-100, 1), (-40, 2)]], None),
             ('提交临床前研究资料', 25, 'submit', [(KpiKind.custom, 4, '临床前研究报告', '份')],
              [[(-70, 1), (-35, 2)]], [3]),
             ('Pre-IND 沟通会', 250, None, [(KpiKind.funding_raised, 20_000_000, None, None)], [[]], None),
         ]),
    dict(startup=2, owner='owner3', manager='manager', title='高导热石墨烯薄膜中试', field=ProjectField.new_materials,
         lead='吴桐', start=-500, end=100, fundings=[(FundingKind.subsidy, 800_000, -480, '新材料产业专项')],
         milestones=[
             ('中试线建成投产', -150, 'changes', [(KpiKind.products_shipped, 1000, None, None)],
              [[(-300, 100), (-200, 250)]], [300]),
             ('通过客户认证', -30, 'start', [(KpiKind.hires, 10, None, None)], [[(-90, 3)]], None),
             ('获得量产订单', 80, None, [(KpiKind.revenue, 5_000_000, None, None)],
              [[(-200, 200_000), (-120, 500_000), (-60, 600_000)]], None),
         ]),
]
#: Last quarter's review of each demo project: outcome, findings, and one rating for every KPI it rates.
REVIEWS = {
    '服务机器人样机研发': (ReviewOutcome.continue_,
                   '样机与客户试用均按计划完成，收入超出目标；下季度重点是量产设计定型。', KpiRatingLevel.met),
    '新型 mRNA 疫苗递送平台': (ReviewOutcome.continue_, '动物实验进度略慢，请在下次评审前补齐专利申请。',
                       KpiRatingLevel.partly_met),
    '高导热石墨烯薄膜中试': (ReviewOutcome.warning, '中试线良率未达标，客户认证推迟；须在一个月内提交整改计划。',
                     KpiRatingLevel.missed),
}
#: A one-page PDF: the evidence of the submission awaiting a decision.
EVIDENCE_PDF = (b'%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n'
                b'2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n'
                b'3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n'
                b'trailer<</Root 1 0 R>>\n%%EOF\n')


def _load_projects():
    """The demo startups' projects, unless they have some: every health state, and a review cycle done."""
    startups = [db.session.execute(sa.select(Startup).filter_by(credit_code=demo_credit_code(*row[1:3])))
                .scalar_one_or_none() for row in STARTUPS]
    if None in startups or db.session.execute(
            sa.select(Project.id).where(Project.startup_id.in_([startup.id for startup in startups]))).first():
        return False
    users = {user.email.split('@')[0]: user for user in db.session.execute(
        sa.select(User).where(User.email.like(f'%@{DEMO_DOMAIN}'))).scalars()}
    now = now_utc()
    today = programme_today()

    def moment(days):
        return now + timedelta(days=days)

    for plan in PROJECTS:
        owner, manager = users[plan['owner']], users[plan['manager']]
        project = project_operations.create_project(
            manager, startups[plan['startup']], title=plan['title'], field=plan['field'], lead_name=plan['lead'],
            start_date=today + timedelta(days=plan['start']), planned_end_date=today + timedelta(days=plan['end']),
            review_cadence=ReviewCadence.quarterly, manager=manager)
        for kind, yuan, days, note in plan['fundings']:
            project_operations.record_funding(manager, project, kind=kind, amount_fen=yuan * 100,
                                              granted_on=today + timedelta(days=days), note=note)
        for title, due, step, targets, history, final in plan['milestones']:
            milestone = project_operations.add_milestone(
                owner, project, title=title, due_date=today + timedelta(days=due),
                targets=[(kind, _kpi_value(kind, value), name, unit) for kind, value, name, unit in targets])
            for target, figures in zip(milestone.kpi_targets, history, strict=True):
                db.session.add_all(KpiFigure(kpi_target=target, value=_kpi_value(target.kind, value),
                                             recorded_on=today + timedelta(days=days), recorded_at=moment(days))
                                   for days, value in figures)
            _advance(milestone, step, final, owner, manager, today, moment(min(due, 0) - 5))
    _review_last_quarter(users, now, today)
    return True


def _kpi_value(kind, value):
    return value * 100 if kind.is_money else value


def _advance(milestone, step, final, owner, manager, today, when):
    """Take the milestone to its demo state: started, submitted (with evidence), changes requested, accepted."""
    if step is None:
        return
    if step == 'start':
        project_operations.start_milestone(owner, milestone)
        return
    figures = {target.id: _kpi_value(target.kind, value) for target, value in zip(milestone.kpi_targets, final,
                                                                                  strict=True)}
    submitted_on = min(today, to_local(when, programme_timezone()).date())
    files = [FileStorage(io.BytesIO(EVIDENCE_PDF), filename='临床前研究报告-第3份.pdf',
                         content_type='application/pdf')] if step == 'submit' else []
    project_operations.submit_progress(owner, milestone, figures=figures, files=files,
                                       narrative='本阶段工作已完成，详见附件与数据。', today=submitted_on,
                                       now=min(when, now_utc()))
    if step == 'accept':
        project_operations.decide_milestone(manager, milestone, 'accept', now=min(when + timedelta(days=2),
                                                                                   now_utc()))
    elif step == 'changes':
        project_operations.decide_milestone(manager, milestone, 'request_changes',
                                            comment='请补充良率数据和第三方检测报告。',
                                            now=min(when + timedelta(days=2), now_utc()))


def _review_last_quarter(users, now, today):
    """Open and decide last quarter's reviews, then open this quarter's: one cycle done, one open."""
    last_quarter = ReviewCadence.quarterly.period_start(
        ReviewCadence.quarterly.period_start(today) - timedelta(days=1))
    opened = review_operations.open_reviews(now=from_local(datetime.combine(last_quarter, time(9)),
                                                           programme_timezone()))
    for review in db.session.execute(sa.select(ProgressReview).where(ProgressReview.id.in_(opened))).scalars():
        outcome, findings, level = REVIEWS[review.project.title]
        ratings = {target.id: (level, '') for target in kpi_targets_to_rate(review)}
        review_operations.decide_review(review, user=review.manager, outcome=outcome, findings=findings,
                                        ratings=ratings)
    review_operations.open_reviews(now=now)


#: The checklists of the local rules, created with the cases unless some exist: (kind, Chinese, English).
CHECKLIST = [
    (ChecklistKind.diligence_condition, '决策程序符合规定', 'The decision process was followed'),
    (ChecklistKind.diligence_condition, '未谋取私利', 'No personal gain'),
    (ChecklistKind.diligence_condition, '发现问题后及时纠正', 'Prompt correction'),
    (ChecklistKind.exempt_situation, '高风险资助项目失败', 'A failed high-risk funded project'),
    (ChecklistKind.exempt_situation, '已尽职但技术路线失误', 'A wrong technical route despite documented diligence'),
    (ChecklistKind.exempt_situation, '青年科研人员首个研发项目', 'A first R&D project of a young researcher'),
]
#: Findings of an assessment in favour of the startup (the three distinctions, diligence, remedies).
FAVOURABLE = dict(
    exploration='exploration', exploration_evidence='该技术路线国内尚无先例，失败源于对材料疲劳特性的认识不足。',
    rule='no_rule_yet', rule_evidence='事发时尚无针对服务机器人安全测试的地方标准。',
    purpose='for_development', purpose_evidence='经核查资金流向，未发现任何个人获利。',
    diligence='立项经专家论证，董事会会议纪要完整，按季度向孵化器报告进展。',
    remedies='事发后一周内召回样机、退还客户预付款，并提交整改方案。')


def _load_cases():
    """The demo cases, unless the demo startups have some (see the module's docstring)."""
    startups = [db.session.execute(sa.select(Startup).filter_by(credit_code=demo_credit_code(*row[1:3])))
                .scalar_one_or_none() for row in STARTUPS[:3]]
    if None in startups or db.session.execute(
            sa.select(Case.id).where(Case.startup_id.in_([startup.id for startup in startups]))).first():
        return False
    users = {user.email.split('@')[0]: user for user in db.session.execute(
        sa.select(User).where(User.email.like(f'%@{DEMO_DOMAIN}'))).scalars()}
    projects = [db.session.execute(sa.select(Project).filter_by(startup_id=startup.id).order_by(Project.id))
                .scalars().first() for startup in startups]
    if None in projects or db.session.execute(sa.select(Committee.id).filter_by(name=CASE_COMMITTEE)).first() is None:
        return False
    if db.session.execute(sa.select(ChecklistItem.id)).first() is None:
        for position, (kind, zh, en) in enumerate(CHECKLIST):
            case_operations.save_checklist_item(None, user=users['admin'], kind=kind, label_zh=zh, label_en=en,
                                                position=position)
    items = db.session.execute(sa.select(ChecklistItem.id).order_by(ChecklistItem.id)).scalars().all()
    manager, manager2, chair = users['manager'], users['manager2'], users['committee']
    today = programme_today()
    robot, vaccine, graphene = projects

    def filed(project, filer, what, losses_yuan, parties, stake_share=0.5):
        case = case_operations.create_case(
            project, user=filer, what_happened=what, happened_on=today - timedelta(days=60),
            losses_fen=losses_yuan * 100, rules_in_force='《深圳市科技创新容错免责实施办法（试行）》第五条',
            parties=parties, subsidies={funding.id: int(funding.amount_fen * stake_share)
                                        for funding in project.fundings})
        case_operations.file_case(case, user=filer)
        return case

    def assessed(case):
        case_operations.accept_case(case, user=manager2, note='材料齐全，予以受理。')
        case_operations.assign_assessor(case, user=manager2, assessor=manager)
        case_operations.submit_assessment(case, user=manager, item_ids=items[:2] + items[3:4], **FAVOURABLE)
        return decision_for('case', case.id, case.round)

    def voted(decision, recused=None):
        if recused is not None:
            committee_operations.declare_conflict(decision, user=users[recused], reason='曾担任该企业技术顾问。')
        committee_operations.record_opinion(decision, user=users['committee2'], choice=OpinionChoice.for_,
                                            comment='探索性失误，尽职充分，同意免责。')
        committee_operations.record_opinion(decision, user=users['committee3'],
                                            choice=OpinionChoice.for_with_conditions,
                                            comment='同意免责，但应加强安全测试管理。')
        committee_operations.record_opinion(decision, user=chair, choice=OpinionChoice.for_, comment='同意。')

    # Filed, awaiting acceptance.
    filed(vaccine, users['owner2'], '递送平台动物实验因冷链故障中断，需重新采购实验动物。', 180_000,
          [('黄海', '项目负责人')])
    # Under assessment (filed by a manager).
    under = filed(graphene, manager2, '中试线良率长期未达标，客户认证推迟，部分专项资金形成损失。', 650_000,
                  [('吴桐', '项目负责人'), ('林晓', '工艺工程师')])
    case_operations.accept_case(under, user=manager2)
    case_operations.assign_assessor(under, user=manager2, assessor=manager)
    # Before the committee: one opinion in, the quorum not reached yet.
    waiting = filed(robot, users['owner'], '第二代样机在客户现场演示时机械臂失控，造成设备损坏。', 60_000,
                    [('刘洋', '项目负责人')], stake_share=0.1)
    decision = assessed(waiting)
    committee_operations.record_opinion(decision, user=users['committee2'], choice=OpinionChoice.for_,
                                        comment='同意免责。')
    # Decided exempt, letter issued (Chinese and English), the appeal period running.
    exempt = filed(graphene, users['owner3'], '新材料配方试验失败，导致一批原料报废。', 120_000,
                   [('吴桐', '项目负责人')], stake_share=0.2)
    voted(assessed(exempt))
    case_operations.decide_case(exempt, user=chair, outcome='exempt', consequences='',
                                legal_basis='《深圳市科技创新容错免责实施办法（试行）》第五条第（一）项')
    case_operations.record_case(exempt, user=manager, filed_with_body_on=today, filing_reference='深科容备〔2026〕3号')
    case_operations.issue_letter(exempt, user=manager, language='en')
    # Closed: a member recused, partly exempt, appealed, exempt on the appeal (final), recorded, closed.
    closed = filed(robot, users['owner'], '首代服务机器人样机未通过第三方安全测试，试点客户退出，'
                   '原定技术路线被证明不可行。', 420_000, [('刘洋', '项目负责人'), ('陈工', '结构工程师')])
    voted(assessed(closed), recused='committee4')
    case_operations.decide_case(closed, user=chair, outcome='partly_exempt', consequences='通报批评，暂停申报一年。',
                                legal_basis='《深圳市科技创新容错免责实施办法（试行）》第六条')
    case_operations.record_case(closed, user=manager, filed_with_body_on=today, filing_reference='深科容备〔2026〕1号')
    case_operations.appeal_case(closed, user=users['owner'], reason='安全测试标准在事发后才发布，请求复议。')
    case_operations.refer_appeal(closed, user=manager)
    voted(decision_for('case', closed.id, 2), recused='committee4')
    case_operations.decide_case(closed, user=chair, outcome='exempt', consequences='',
                                legal_basis='《深圳市科技创新容错免责实施办法（试行）》第五条第（二）项')
    case_operations.record_case(closed, user=manager, filed_with_body_on=today, filing_reference='深科容备〔2026〕2号')
    case_operations.close_case(closed, user=manager)
    _publish_precedent(closed, manager, manager2)
    return True


def _publish_precedent(case, author, reviewer):
    """The closed case written up without names, company or amounts, reviewed by the other manager."""
    precedent = precedent_operations.create_precedent(case, user=author)
    precedent_operations.update_precedent(
        precedent, user=author, title='服务机器人样机技术路线失败获免责',
        summary='高风险资助项目因技术路线不可行而失败，经申诉复议认定为探索性失误，予以免责。',
        facts='某初创企业承担的服务机器人研发项目，首代样机未通过第三方安全测试，试点客户退出，原定技术路线被证明不可行。'
              '事发时尚无相应的安全测试地方标准。',
        exploration_reasons='该技术路线国内尚无先例，失败源于对材料疲劳特性的认识不足。',
        rule_reasons='事发时尚无针对服务机器人安全测试的地方标准。',
        purpose_reasons='经核查资金流向，未发现任何个人获利。',
        decision='免责：不追回已拨付的补贴。', legal_basis='《深圳市科技创新容错免责实施办法（试行）》第五条第（二）项')
    precedent_operations.submit_precedent(precedent, user=author)
    precedent_operations.approve_precedent(precedent, user=reviewer)
