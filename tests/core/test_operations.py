"""Every operation runs in a savepoint: one that raises leaves nothing behind, whoever catches its error."""
import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
import sqlalchemy as sa

import incubator
from incubator.core.errors import DomainError
from incubator.core.transactions import operation
from incubator.extensions import db
from incubator.scheduling import registry
from incubator.scheduling.models import RunOutcome
from incubator.scheduling.runner import run_job
from incubator.sites.models import Site
from tests.factories import SiteFactory


def operations_modules():
    for module in pkgutil.iter_modules(incubator.__path__):
        if module.ispkg and importlib.util.find_spec(f'incubator.{module.name}.operations'):
            yield importlib.import_module(f'incubator.{module.name}.operations')


def public_functions():
    for module in operations_modules():
        for name, value in vars(module).items():
            if inspect.isfunction(value) and not name.startswith('_') and value.__module__ == module.__name__:
                yield f'{module.__name__}.{name}', value


def test_every_public_function_of_an_operations_module_is_an_operation_or_a_helper():
    functions = dict(public_functions())
    assert len(functions) > 60
    unmarked = [name for name, function in functions.items() if not hasattr(function, 'is_operation')]
    assert unmarked == [], 'decorate them with core.transactions.operation (or helper, if they write nothing)'


@operation
def rename_then_refuse(site):
    site.name = 'Renamed'
    db.session.flush()
    raise DomainError('Refused after the flush.', code='test.refused')


@operation
def rename(site, name):
    site.name = name
    db.session.flush()


def site_names():
    return db.session.execute(sa.select(Site.name).order_by(Site.id)).scalars().all()


def test_an_operation_that_raises_after_its_flush_leaves_nothing_and_the_rest_stays(app):
    first, second = SiteFactory(name='First'), SiteFactory(name='Second')
    db.session.commit()
    rename(first, 'Kept')
    with pytest.raises(DomainError) as caught:
        rename_then_refuse(second)
    assert caught.value.code == 'test.refused'
    db.session.commit()
    assert site_names() == ['Kept', 'Second']


@pytest.fixture
def careful_job():
    """A job that goes on after one of its operations is refused, as a job over many items does."""
    @registry.job('test.careful', trigger={'trigger': 'interval', 'minutes': 1}, period=registry.every_minute,
                  once_per_period=False)
    def careful(period, now):
        """Rename two sites, one of which refuses."""
        first, second = db.session.execute(sa.select(Site).order_by(Site.id)).scalars()
        refused = 0
        try:
            rename_then_refuse(first)
        except DomainError:
            refused += 1
        rename(second, 'Renamed by the job')
        return {'refused': refused}

    yield
    registry.unregister('test.careful')


def test_a_job_keeps_its_work_but_not_what_a_refused_operation_flushed(app, careful_job):
    SiteFactory(name='First'), SiteFactory(name='Second')
    db.session.commit()
    run = run_job('test.careful')
    assert (run.outcome, run.counts) == (RunOutcome.succeeded, {'refused': 1})
    db.session.expire_all()
    assert site_names() == ['First', 'Renamed by the job']


def test_a_domain_error_needs_a_code():
    with pytest.raises(TypeError, match='code'):
        DomainError('No code.')
    assert DomainError('With a code.', code='test.coded').code == 'test.coded'


def domain_error_classes():
    classes, todo = {}, [DomainError]
    while todo:
        cls = todo.pop()
        classes[cls.__name__] = cls
        todo.extend(cls.__subclasses__())
    return classes


def test_every_domain_error_is_raised_with_a_stable_code():
    """Statically, so a raise on a path no test takes cannot forget its code either."""
    for module in operations_modules():  # import every domain, so every subclass is known
        importlib.import_module(module.__name__.rsplit('.', 1)[0])
    classes = domain_error_classes()
    uncoded = []
    for path in Path(incubator.__file__).parent.rglob('*.py'):
        for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, 'id', None) or getattr(node.func, 'attr', None)
            cls = classes.get(name)
            if cls is None or cls.code is not None or 'code' in {keyword.arg for keyword in node.keywords}:
                continue
            uncoded.append(f'{path.relative_to(Path(incubator.__file__).parent)}:{node.lineno}')
    assert uncoded == []


@pytest.mark.parametrize('value, needed, code', [('', True, 'sites.required'), ('   ', True, 'sites.required'),
                                                 ('x' * 201, True, 'sites.too_long')])
def test_checked_text_refuses_blank_and_long_text_with_the_domains_code(app, value, needed, code):
    from incubator.core.errors import DomainError, checked_text
    with pytest.raises(DomainError) as refused:
        checked_text(value, 'reason', 200, domain='sites', needed=needed)
    assert refused.value.code == code and refused.value.field == 'reason'


def test_checked_text_trims_and_allows_blank_when_not_needed(app):
    from incubator.core.errors import checked_text
    assert checked_text('  works closed  ', 'reason', 200, domain='sites') == 'works closed'
    assert checked_text(None, 'description', 200, domain='spaces', needed=False) == ''
