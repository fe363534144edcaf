"""A realistic demo: two sites, startups in every tier, a user of every role."""
from datetime import date

import sqlalchemy as sa

from incubator.auth.models import Role, User
from incubator.extensions import db
from incubator.sites.models import Site
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
]
# name, organization code (8 characters + its check), tier, site index, admitted on, status
STARTUPS = [
    ('深圳青梧智能科技有限公司', '4403050', 'MA5F1A2B3', Tier.maker_space, 0, date(2026, 3, 1), StartupStatus.incubating),
    ('南山栖凤生物医药有限公司', '4403050', 'MA5G7C8D9', Tier.incubator, 0, date(2025, 9, 15), StartupStatus.incubating),
    ('宝安梧桐新材料有限公司', '4403060', 'MA5H2E4F6', Tier.accelerator, 1, date(2024, 6, 1), StartupStatus.incubating),
    ('鹏城云帆数据服务有限公司', '4403060', 'MA5J3G5H7', Tier.incubator, 1, date(2025, 1, 10), StartupStatus.graduated),
    ('凤鸣低空科技有限公司', '4403050', 'MA5K4J6K8', Tier.maker_space, 1, date(2026, 7, 20), StartupStatus.incubating),
]
MEMBERS = [
    ('owner', '创始人 刘洋', 0, MembershipRole.owner),
    ('member', '工程师 周婷', 0, MembershipRole.member),
    ('owner2', '创始人 黄海', 1, MembershipRole.owner),
    ('owner3', '创始人 吴桐', 2, MembershipRole.owner),
]


def demo_credit_code(region, organization):
    first = '91' + region[:6] + organization[:9]
    return first + check_character(first)


def demo_logins():
    return [(f'{key}@{DEMO_DOMAIN}', name) for key, name, *_ in STAFF + MEMBERS]


def load_demo():
    """Create the demo unless it is there already; return True if it was created."""
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


def _user(key, name):
    user = User(email=f'{key}@{DEMO_DOMAIN}', name=name, locale=None)
    user.set_password(DEMO_PASSWORD)
    db.session.add(user)
    return user
